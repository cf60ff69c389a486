/* errstr.h - how the reporter's helpers hand back errors. They never
 * print: they return -1 with a message in error_r (static text, or
 * errmsg_printf's, common/errmsg.h, with its lifetime), which only the
 * commands (cmd-*.c, cli.c) print. */
#ifndef DORMANT_ERRSTR_H
#define DORMANT_ERRSTR_H

#include "errmsg.h"

/* Where a helper sends what it skips and carries on past (a record that
   does not decode, a name the deny file cannot hold): the command decides
   how to show it. msg is valid during the call only. */
typedef void errstr_warn_fn(const char *msg);

#endif

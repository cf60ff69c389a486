/* errstr.h - the text behind a helper's error_r. The reporter's helpers
 * (outfile, mail, spawn, suspend, report) never print: they return -1 and
 * hand back a message, which only the commands (cmd-*.c, cli.c) print. */
#ifndef DORMANT_ERRSTR_H
#define DORMANT_ERRSTR_H

/* Longest message kept (the CLI prints at most this much of one too). */
#define ERRSTR_MAX 4096

/* Format a message into this thread's buffer and return it. It stays
   valid until the next errstr_printf() on the same thread; the arguments
   may point into that buffer (a message wrapping the one before). */
const char *errstr_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Where a helper sends what it skips and carries on past (a record that
   does not decode, a name the deny file cannot hold): the command decides
   how to show it. msg is valid during the call only. */
typedef void errstr_warn_fn(const char *msg);

#endif

/* netlist.h - a list of IP networks ("10.0.0.0/8 192.0.2.7, 2001:db8::/32")
 * for the trusted_networks setting: checked where the configuration is
 * read (config.c, so a bad entry is reported as file:line), used by the
 * milter to match client addresses. */
#ifndef DORMANT_NETLIST_H
#define DORMANT_NETLIST_H

#include <stdbool.h>
#include "ipaddr.h"

/* Most networks in one list: a configuration, not a database. */
#define NETLIST_MAX 256

struct netlist;

/* Parse text (networks separated by white space or commas; a bare address
   is a /32 or /128). Empty text gives *list_r = NULL and returns 0.
   Returns -1 with a message in *error_r (valid as errmsg.h says) for a
   bad entry or too many; *list_r is then untouched. */
int netlist_parse(const char *text, struct netlist **list_r,
		  const char **error_r);
/* Free; sets *list to NULL. Safe with *list == NULL. */
void netlist_free(struct netlist **list);

/* True if ip is inside one of the networks. An IPv4-mapped IPv6 address
   (::ffff:192.0.2.7) matches as the IPv4 address it carries. */
bool netlist_match(const struct netlist *list, const struct ip_bin *ip);

#endif

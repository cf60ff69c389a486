/* netset.h - the networks an account has been used from: a small,
 * bounded set of /24 (IPv4) and /48 (IPv6) prefixes with the times each
 * was first and last seen, kept in the networks database (record layout:
 * doc/DESIGN.md §3.4). A login or send from a prefix not in the set is
 * news (an event); the first one of an account only teaches the set.
 * Pure functions: the store applies them inside its write transaction. */
#ifndef DORMANT_NETSET_H
#define DORMANT_NETSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ipaddr.h"

/* At most this many networks per account; the least recently seen one
   makes room for a new one. 16 covers home, office, phone carriers and a
   few travels; a larger set would hide a stranger among old networks. */
#define NETSET_MAX 16

#define RECORD_NETSET_VERSION 1
#define RECORD_NETSET_HEADER 8       /* version, count, 6 reserved */
/* family, kinds, flags, 1 reserved, prefix (6), 6 reserved, first and
   last seen (i64 each), client name (NETSET_CLIENT_MAX + 1) = 56 bytes */
#define RECORD_NETSET_ENTRY 56
#define RECORD_NETSET_MAX (RECORD_NETSET_HEADER + NETSET_MAX * RECORD_NETSET_ENTRY)

/* How a network was used (bits of netset_entry.kinds). */
#define NETSET_LOGIN 0x01
#define NETSET_SEND 0x02
/* netset_entry.flags: the latest use came through a webmail host
   (webmail_networks) */
#define NETSET_WEBMAIL 0x01
/* Longest client name kept (the IMAP ID "name"), printable ASCII */
#define NETSET_CLIENT_MAX 23

struct netset_entry {
	uint8_t family;              /* 4 or 6 */
	uint8_t kinds;               /* NETSET_LOGIN | NETSET_SEND */
	uint8_t flags;               /* of the latest use: NETSET_WEBMAIL */
	uint8_t prefix[6];           /* IPv4: 3 bytes (/24), IPv6: 6 (/48); rest 0 */
	int64_t first_seen;
	int64_t last_seen;
	/* the latest login's client (IMAP ID name), "" if none said */
	char client[NETSET_CLIENT_MAX + 1];
};

/* One use of an address: a login or a send. */
struct netset_use {
	struct ip_bin ip;
	unsigned int kind;           /* NETSET_LOGIN or NETSET_SEND */
	int64_t time;
	const char *client;          /* NULL or the client's name (any bytes) */
	bool webmail;
};

struct netset {
	unsigned int count;
	struct netset_entry entry[NETSET_MAX];
};

enum netset_result {
	NETSET_NONE = 0,             /* no address: nothing to learn */
	NETSET_TAUGHT,               /* the set was empty: the first network */
	NETSET_KNOWN,                /* a network of the set */
	NETSET_NEW,                  /* a network the set did not hold */
};

/* The network of ip: false for family 0. An IPv4-mapped IPv6 address
   counts as its IPv4 address. */
bool netset_network(const struct ip_bin *ip, struct netset_entry *net_r);

/* Fold use into set: a known network's last_seen only moves forward, its
   first_seen only back, and its client and flags follow the latest use (a
   send keeps the login's client); a new network is added, evicting the
   least recently seen when the set is full. *changed_r says whether set
   changed. */
enum netset_result netset_observe(struct netset *set, const struct netset_use *use,
				  bool *changed_r);
/* The entry of ip's network in set, or NULL. */
const struct netset_entry *netset_find(const struct netset *set,
				       const struct ip_bin *ip);

/* Drop the entries with a time past limit (a record from the future is
   not believed). Returns how many were dropped. */
unsigned int netset_drop_future(struct netset *set, int64_t limit);

/* Encode into buf (RECORD_NETSET_MAX bytes suffice); returns the length. */
size_t record_netset_encode(const struct netset *set,
			    uint8_t buf[RECORD_NETSET_MAX]);
/* Decode; returns 0, or -1 with *error_r (static text) for a record that
   is truncated, of a newer version, or malformed (bad count, family,
   kinds, prefix padding, negative or inverted times, a network twice,
   trailing bytes). *set_r is written only on success. */
int record_netset_decode(const void *data, size_t size, struct netset *set_r,
			 const char **error_r);

/* "203.0.113.0/24", "2001:db8:1::/48". */
#define NETSET_TEXT_MAX (IP_TEXT_MAX + 4)
void netset_format(const struct netset_entry *net, char buf[NETSET_TEXT_MAX]);

#endif

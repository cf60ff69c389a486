/* ipaddr.h - IP addresses as the records keep them: binary, one form per
 * address (an IPv4-mapped IPv6 address is its IPv4 address), parsed from
 * and formatted to the text Dovecot, Postfix and libmilter print. */
#ifndef DORMANT_IPADDR_H
#define DORMANT_IPADDR_H

#include <stdint.h>

#define IP_TEXT_MAX 46               /* INET6_ADDRSTRLEN */

/* An IP address in binary form; family 0 means "none". */
struct ip_bin {
	uint8_t family;              /* 0, 4 or 6 */
	uint8_t addr[16];
};

/* ip_parse returns 0, or -1 (and family 0) if text is not an address;
   "[::1]" and "IPv6:::1" are accepted as libmilter and Postfix print
   them, and an IPv4-mapped IPv6 address (::ffff:192.0.2.7) becomes the
   IPv4 address it carries. ip_format writes "" for family 0. */
int ip_parse(const char *text, struct ip_bin *ip_r);
void ip_format(const struct ip_bin *ip, char buf[IP_TEXT_MAX]);

#endif

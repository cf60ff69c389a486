/* ipaddr.c - IP addresses in binary and text form (ipaddr.h). */
#include "ipaddr.h"

#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

int ip_parse(const char *text, struct ip_bin *ip_r)
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					       0xff, 0xff };
	struct ip_bin ip;
	char buf[IP_TEXT_MAX + 2];
	size_t len = strlen(text);

	memset(&ip, 0, sizeof(ip));
	/* accept "[::1]" and "IPv6:::1" as libmilter and Postfix print them */
	if (len > 5 && strncasecmp(text, "IPv6:", 5) == 0) {
		text += 5;
		len -= 5;
	}
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf)) {
		*ip_r = ip;
		return -1;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, ip.addr) == 1) {
		ip.family = 4;
	} else if (inet_pton(AF_INET6, buf, ip.addr) == 1) {
		ip.family = 6;
		/* an IPv4 client of a dual-stack listener (::ffff:a.b.c.d) is
		   that IPv4 address: one address, one form in every record */
		if (memcmp(ip.addr, v4_mapped, sizeof(v4_mapped)) == 0) {
			ip.family = 4;
			memmove(ip.addr, ip.addr + 12, 4);
			memset(ip.addr + 4, 0, 12);
		}
	} else {
		memset(&ip, 0, sizeof(ip));
		*ip_r = ip;
		return -1;
	}
	*ip_r = ip;
	return 0;
}

void ip_format(const struct ip_bin *ip, char buf[IP_TEXT_MAX])
{
	int af = ip->family == 4 ? AF_INET : ip->family == 6 ? AF_INET6 : -1;

	buf[0] = '\0';
	if (af == AF_INET) {
		/* the reports' hot path: inet_ntop formats through sprintf */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			unsigned v = ip->addr[i];
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (af < 0 || inet_ntop(af, ip->addr, buf, IP_TEXT_MAX) == NULL)
		buf[0] = '\0';
}

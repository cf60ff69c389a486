/* netlist.c - IP network lists (see netlist.h). */
#include "netlist.h"
#include "errmsg.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct net {
	struct ip_bin ip;            /* host bits cleared */
	unsigned int prefix;         /* 0..32 or 0..128 */
};

struct netlist {
	unsigned int count;
	struct net nets[];
};

/* Keep the first prefix bits of addr, clear the rest. */
static void mask_bits(uint8_t addr[16], unsigned int prefix, unsigned int bits)
{
	for (unsigned int i = 0; i < bits / 8; i++) {
		unsigned int keep = prefix >= (i + 1) * 8 ? 8 :
			prefix > i * 8 ? prefix - i * 8 : 0;
		addr[i] &= (uint8_t)(0xff00 >> keep);
	}
}

static int net_parse(const char *word, size_t len, struct net *net_r)
{
	char buf[IP_TEXT_MAX + 8];
	const char *slash;
	unsigned int bits;
	uint64_t prefix;
	bool mapped;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, word, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		buf[slash - buf] = '\0';
	if (ip_parse(buf, &net_r->ip) < 0)
		return -1;
	bits = net_r->ip.family == 4 ? 32 : 128;
	prefix = bits;
	/* ip_parse made an IPv4-mapped network (::ffff:192.0.2.0/120) the
	   IPv4 one it carries: its prefix counts the 96 bits before too */
	mapped = net_r->ip.family == 4 && strchr(buf, ':') != NULL;
	if (slash != NULL &&
	    uint_parse(slash + 1, mapped ? 128 : bits, &prefix) < 0)
		return -1;
	if (slash != NULL && mapped) {
		if (prefix < 96)
			return -1;           /* wider than the mapped range */
		prefix -= 96;
	}
	net_r->prefix = (unsigned int)prefix;
	mask_bits(net_r->ip.addr, net_r->prefix, bits);
	return 0;
}

int netlist_parse(const char *text, struct netlist **list_r,
		  const char **error_r)
{
	static const char seps[] = " ,\t";
	struct netlist *list;
	unsigned int count = 0;
	const char *p;

	for (p = text + strspn(text, seps); *p != '\0'; p += strspn(p, seps)) {
		p += strcspn(p, seps);
		count++;
	}
	if (count == 0) {
		*list_r = NULL;
		return 0;
	}
	if (count > NETLIST_MAX) {
		*error_r = errmsg_printf("more than %d networks", NETLIST_MAX);
		return -1;
	}
	list = calloc(1, sizeof(*list) + count * sizeof(list->nets[0]));
	if (list == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	for (p = text + strspn(text, seps); *p != '\0'; p += strspn(p, seps)) {
		size_t len = strcspn(p, seps);

		if (net_parse(p, len, &list->nets[list->count]) < 0) {
			*error_r = errmsg_printf("invalid network '%.*s' (use e.g. "
						 "192.0.2.0/24 or 2001:db8::/32)",
						 (int)(len > 64 ? 64 : len), p);
			free(list);
			return -1;
		}
		list->count++;
		p += len;
	}
	*list_r = list;
	return 0;
}

void netlist_free(struct netlist **list)
{
	free(*list);
	*list = NULL;
}

static bool net_contains(const struct net *net, const struct ip_bin *ip)
{
	unsigned int full = net->prefix / 8, rest = net->prefix % 8;

	if (net->ip.family != ip->family)
		return false;
	if (memcmp(net->ip.addr, ip->addr, full) != 0)
		return false;
	return rest == 0 ||
		((ip->addr[full] ^ net->ip.addr[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

bool netlist_match(const struct netlist *list, const struct ip_bin *ip)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct ip_bin v4;

	if (list == NULL || ip->family == 0)
		return false;
	if (ip->family == 6 && memcmp(ip->addr, mapped, sizeof(mapped)) == 0) {
		memset(&v4, 0, sizeof(v4));
		v4.family = 4;
		memcpy(v4.addr, ip->addr + 12, 4);
		ip = &v4;
	}
	for (unsigned int i = 0; i < list->count; i++) {
		if (net_contains(&list->nets[i], ip))
			return true;
	}
	return false;
}

/* netset.c - an account's recent networks (netset.h). */
#include "netset.h"
#include "byteorder.h"

#include <stdio.h>
#include <string.h>

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

bool netset_network(const struct ip_bin *ip, struct netset_entry *net_r)
{
	memset(net_r, 0, sizeof(*net_r));
	if (ip->family == 4) {
		net_r->family = 4;
		memcpy(net_r->prefix, ip->addr, 3);
	} else if (ip->family == 6 && memcmp(ip->addr, v4mapped, 12) == 0) {
		/* records hold mapped addresses as IPv4, but a planted or old
		   one must not count as another network */
		net_r->family = 4;
		memcpy(net_r->prefix, ip->addr + 12, 3);
	} else if (ip->family == 6) {
		net_r->family = 6;
		memcpy(net_r->prefix, ip->addr, 6);
	} else {
		return false;
	}
	return true;
}

static bool same_network(const struct netset_entry *a, const struct netset_entry *b)
{
	return a->family == b->family && memcmp(a->prefix, b->prefix, 6) == 0;
}

/* The entry to give up for a new one: the least recently seen (the
   oldest first seen among equals, then the first). */
static unsigned int netset_victim(const struct netset *set)
{
	unsigned int v = 0;

	for (unsigned int i = 1; i < set->count; i++) {
		const struct netset_entry *e = &set->entry[i], *b = &set->entry[v];

		if (e->last_seen < b->last_seen ||
		    (e->last_seen == b->last_seen && e->first_seen < b->first_seen))
			v = i;
	}
	return v;
}

/* The client name as kept: printable ASCII (space too), others as '?',
   cut at NETSET_CLIENT_MAX, NUL padded, so that the record always
   decodes. */
static void client_copy(char dst[NETSET_CLIENT_MAX + 1], const char *src)
{
	size_t i = 0;

	if (src != NULL) {
		for (; src[i] != '\0' && i < NETSET_CLIENT_MAX; i++) {
			unsigned char c = (unsigned char)src[i];
			dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
	}
	memset(dst + i, 0, NETSET_CLIENT_MAX + 1 - i);
}

/* The latest use sets the client and flags a reader shows; a send says
   nothing of the client, so it leaves the login's. */
static bool entry_take_use(struct netset_entry *e, const struct netset_use *use)
{
	uint8_t flags = use->webmail ? NETSET_WEBMAIL : 0;
	char client[NETSET_CLIENT_MAX + 1];
	bool changed = e->flags != flags;

	/* field by field: a struct compare would read its padding */
	e->flags = flags;
	if (use->kind == NETSET_LOGIN) {
		client_copy(client, use->client);
		changed = changed || memcmp(client, e->client, sizeof(client)) != 0;
		memcpy(e->client, client, sizeof(client));
	}
	return changed;
}

const struct netset_entry *netset_find(const struct netset *set,
				       const struct ip_bin *ip)
{
	struct netset_entry net;

	if (!netset_network(ip, &net))
		return NULL;
	for (unsigned int i = 0; i < set->count; i++) {
		if (same_network(&set->entry[i], &net))
			return &set->entry[i];
	}
	return NULL;
}

enum netset_result netset_observe(struct netset *set, const struct netset_use *use,
				  bool *changed_r)
{
	struct netset_entry net, *e;
	bool was_empty = set->count == 0;

	*changed_r = false;
	if (!netset_network(&use->ip, &net))
		return NETSET_NONE;
	e = (struct netset_entry *)netset_find(set, &use->ip);
	if (e != NULL) {
		if (use->time >= e->last_seen) {
			bool newer = use->time > e->last_seen;

			e->last_seen = use->time;
			*changed_r = entry_take_use(e, use) || newer;
		}
		if (use->time < e->first_seen) {
			e->first_seen = use->time;
			*changed_r = true;
		}
		if ((e->kinds & use->kind) != use->kind) {
			e->kinds |= (uint8_t)use->kind;
			*changed_r = true;
		}
		return NETSET_KNOWN;
	}
	net.kinds = (uint8_t)use->kind;
	net.first_seen = net.last_seen = use->time;
	(void)entry_take_use(&net, use);
	if (set->count < NETSET_MAX)
		set->entry[set->count++] = net;
	else
		set->entry[netset_victim(set)] = net;
	*changed_r = true;
	return was_empty ? NETSET_TAUGHT : NETSET_NEW;
}

unsigned int netset_drop_future(struct netset *set, int64_t limit)
{
	unsigned int kept = 0, dropped;

	for (unsigned int i = 0; i < set->count; i++) {
		if (set->entry[i].last_seen <= limit && set->entry[i].first_seen <= limit)
			set->entry[kept++] = set->entry[i];
	}
	dropped = set->count - kept;
	set->count = kept;
	return dropped;
}

size_t record_netset_encode(const struct netset *set,
			    uint8_t buf[RECORD_NETSET_MAX])
{
	unsigned int n = set->count <= NETSET_MAX ? set->count : NETSET_MAX;
	uint8_t *p = buf + RECORD_NETSET_HEADER;

	memset(buf, 0, RECORD_NETSET_HEADER);
	buf[0] = RECORD_NETSET_VERSION;
	buf[1] = (uint8_t)n;
	for (unsigned int i = 0; i < n; i++, p += RECORD_NETSET_ENTRY) {
		const struct netset_entry *e = &set->entry[i];

		memset(p, 0, RECORD_NETSET_ENTRY);
		p[0] = e->family;
		p[1] = e->kinds;
		p[2] = e->flags;
		memcpy(p + 4, e->prefix, 6);
		put_le64(p + 16, e->first_seen);
		put_le64(p + 24, e->last_seen);
		memcpy(p + 32, e->client, strnlen(e->client, NETSET_CLIENT_MAX));
	}
	return RECORD_NETSET_HEADER + (size_t)n * RECORD_NETSET_ENTRY;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

/* NUL padded printable ASCII, no holes. */
static bool client_valid(const uint8_t *p)
{
	size_t i = 0;

	for (; i < NETSET_CLIENT_MAX + 1 && p[i] != '\0'; i++) {
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return false;
	}
	return i <= NETSET_CLIENT_MAX && all_zero(p + i, NETSET_CLIENT_MAX + 1 - i);
}

/* One entry of a record: checked as hostile input. */
static int netset_entry_decode(const uint8_t *p, struct netset_entry *e_r)
{
	size_t used;

	if (p[0] != 4 && p[0] != 6)
		return -1;
	if (p[1] == 0 || (p[1] & ~(NETSET_LOGIN | NETSET_SEND)) != 0 ||
	    (p[2] & ~NETSET_WEBMAIL) != 0 || p[3] != 0)
		return -1;
	/* bytes past the prefix length are zero: one form per network */
	used = p[0] == 4 ? 3 : 6;
	if (!all_zero(p + 4 + used, 12 - used) || !client_valid(p + 32))
		return -1;
	memset(e_r, 0, sizeof(*e_r));
	e_r->family = p[0];
	e_r->kinds = p[1];
	e_r->flags = p[2];
	memcpy(e_r->prefix, p + 4, 6);
	e_r->first_seen = get_le64(p + 16);
	e_r->last_seen = get_le64(p + 24);
	memcpy(e_r->client, p + 32, NETSET_CLIENT_MAX);
	if (e_r->first_seen < 0 || e_r->last_seen < e_r->first_seen)
		return -1;
	return 0;
}

int record_netset_decode(const void *data, size_t size, struct netset *set_r,
			 const char **error_r)
{
	const uint8_t *p = data;
	struct netset set;
	unsigned int n;

	if (size < 1) {
		*error_r = "empty networks record";
		return -1;
	}
	if (p[0] == 0) {
		*error_r = "networks record has version 0";
		return -1;
	}
	if (p[0] > RECORD_NETSET_VERSION) {
		*error_r = "networks record written by a newer dormant (upgrade this program)";
		return -1;
	}
	if (size < RECORD_NETSET_HEADER) {
		*error_r = "truncated networks record";
		return -1;
	}
	n = p[1];
	if (n > NETSET_MAX) {
		*error_r = "networks record holds too many networks";
		return -1;
	}
	if (size != RECORD_NETSET_HEADER + (size_t)n * RECORD_NETSET_ENTRY) {
		*error_r = "networks record has the wrong length for its count";
		return -1;
	}
	memset(&set, 0, sizeof(set));
	for (unsigned int i = 0; i < n; i++) {
		if (netset_entry_decode(p + RECORD_NETSET_HEADER + i * RECORD_NETSET_ENTRY,
					&set.entry[i]) < 0) {
			*error_r = "networks record has a malformed entry";
			return -1;
		}
		for (unsigned int j = 0; j < i; j++) {
			if (same_network(&set.entry[i], &set.entry[j])) {
				*error_r = "networks record holds a network twice";
				return -1;
			}
		}
	}
	set.count = n;
	*set_r = set;
	return 0;
}

void netset_format(const struct netset_entry *net, char buf[NETSET_TEXT_MAX])
{
	struct ip_bin ip;
	char addr[IP_TEXT_MAX];

	memset(&ip, 0, sizeof(ip));
	ip.family = net->family;
	memcpy(ip.addr, net->prefix, net->family == 4 ? 3 : 6);
	ip_format(&ip, addr);
	if (addr[0] == '\0')
		buf[0] = '\0';
	else
		snprintf(buf, NETSET_TEXT_MAX, "%s/%d", addr, net->family == 4 ? 24 : 48);
}

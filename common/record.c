/* record.c - encode and decode the activity and state records. */
#include "record.h"
#include "byteorder.h"

#include <string.h>
#include <endian.h>
#include <strings.h>
#include <arpa/inet.h>

/* Layout of an activity record, version 1 (offsets in bytes). */
#define OFF_VERSION      0
#define OFF_LOGIN_FAM    1
#define OFF_SEND_FAM     2
#define OFF_LAST_LOGIN   8
#define OFF_LAST_SEND   16
#define OFF_LAST_RECV   24
#define OFF_LOGIN_IP    32
#define OFF_SEND_IP     48
#define OFF_SERVICE     64

static void put_le16(uint8_t *p, uint16_t v)
{
	byteorder_put_le(p, v, 2);
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)byteorder_get_le(p, 2);
}

static uint8_t family_encode(uint8_t family)
{
	return family == 4 || family == 6 ? family : 0;
}

void record_activity_encode(const struct activity *rec,
			    uint8_t buf[RECORD_ACTIVITY_SIZE])
{
	memset(buf, 0, RECORD_ACTIVITY_SIZE);
	buf[OFF_VERSION] = RECORD_ACTIVITY_VERSION;
	buf[OFF_LOGIN_FAM] = family_encode(rec->login_ip.family);
	buf[OFF_SEND_FAM] = family_encode(rec->send_ip.family);
	put_le64(buf + OFF_LAST_LOGIN, rec->last_login);
	put_le64(buf + OFF_LAST_SEND, rec->last_send);
	put_le64(buf + OFF_LAST_RECV, rec->last_receive);
	memcpy(buf + OFF_LOGIN_IP, rec->login_ip.addr, 16);
	memcpy(buf + OFF_SEND_IP, rec->send_ip.addr, 16);
	memcpy(buf + OFF_SERVICE, rec->login_service,
	       strnlen(rec->login_service, ACTIVITY_SERVICE_MAX));
}

static bool service_valid(const uint8_t *p)
{
	size_t i = 0;

	/* NUL padded, printable ASCII, no holes */
	for (; i < ACTIVITY_SERVICE_MAX + 1 && p[i] != '\0'; i++) {
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return false;
	}
	for (; i < ACTIVITY_SERVICE_MAX + 1; i++) {
		if (p[i] != '\0')
			return false;
	}
	return true;
}

int record_activity_decode(const void *data, size_t size,
			   struct activity *rec_r, const char **error_r)
{
	const uint8_t *p = data;
	struct activity rec;

	if (size < 1) {
		*error_r = "empty activity record";
		return -1;
	}
	if (p[OFF_VERSION] == 0) {
		*error_r = "activity record has version 0";
		return -1;
	}
	if (p[OFF_VERSION] > RECORD_ACTIVITY_VERSION) {
		*error_r = "activity record written by a newer dormant (upgrade this program)";
		return -1;
	}
	/* A later minor change may append fields: longer is fine, shorter not. */
	if (size < RECORD_ACTIVITY_SIZE) {
		*error_r = "truncated activity record";
		return -1;
	}
	if (family_encode(p[OFF_LOGIN_FAM]) != p[OFF_LOGIN_FAM] ||
	    family_encode(p[OFF_SEND_FAM]) != p[OFF_SEND_FAM]) {
		*error_r = "activity record has an invalid address family";
		return -1;
	}
	if (!service_valid(p + OFF_SERVICE)) {
		*error_r = "activity record has an invalid service name";
		return -1;
	}
	memset(&rec, 0, sizeof(rec));
	rec.last_login = get_le64(p + OFF_LAST_LOGIN);
	rec.last_send = get_le64(p + OFF_LAST_SEND);
	rec.last_receive = get_le64(p + OFF_LAST_RECV);
	if (rec.last_login < 0 || rec.last_send < 0 || rec.last_receive < 0) {
		*error_r = "activity record has a negative time";
		return -1;
	}
	rec.login_ip.family = p[OFF_LOGIN_FAM];
	rec.send_ip.family = p[OFF_SEND_FAM];
	memcpy(rec.login_ip.addr, p + OFF_LOGIN_IP, 16);
	memcpy(rec.send_ip.addr, p + OFF_SEND_IP, 16);
	memcpy(rec.login_service, p + OFF_SERVICE, ACTIVITY_SERVICE_MAX);
	rec.login_service[ACTIVITY_SERVICE_MAX] = '\0';
	*rec_r = rec;
	return 0;
}

static void service_copy(char dst[ACTIVITY_SERVICE_MAX + 1], const char *src)
{
	size_t i = 0;

	/* keep printable ASCII only, so the record always decodes */
	if (src != NULL) {
		for (; src[i] != '\0' && i < ACTIVITY_SERVICE_MAX; i++) {
			unsigned char c = (unsigned char)src[i];
			dst[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
		}
	}
	memset(dst + i, 0, ACTIVITY_SERVICE_MAX + 1 - i);
}

static void event_ip(const struct activity_event *ev, struct ip_bin *ip_r)
{
	if (ev->ip == NULL || ip_parse(ev->ip, ip_r) < 0)
		memset(ip_r, 0, sizeof(*ip_r));
}

bool activity_apply(struct activity *rec, const struct activity_event *ev)
{
	switch (ev->kind) {
	case ACTIVITY_LOGIN:
		if (ev->time <= rec->last_login)
			return false;
		rec->last_login = ev->time;
		event_ip(ev, &rec->login_ip);
		service_copy(rec->login_service, ev->service);
		return true;
	case ACTIVITY_SEND:
		if (ev->time <= rec->last_send)
			return false;
		rec->last_send = ev->time;
		event_ip(ev, &rec->send_ip);
		return true;
	case ACTIVITY_RECEIVE:
		if (ev->time <= rec->last_receive)
			return false;
		rec->last_receive = ev->time;
		return true;
	}
	return false;
}

bool activity_merge(struct activity *rec, const struct activity *src)
{
	bool changed = false;

	if (src->last_login > rec->last_login) {
		rec->last_login = src->last_login;
		rec->login_ip = src->login_ip;
		memcpy(rec->login_service, src->login_service,
		       sizeof(rec->login_service));
		changed = true;
	}
	if (src->last_send > rec->last_send) {
		rec->last_send = src->last_send;
		rec->send_ip = src->send_ip;
		changed = true;
	}
	if (src->last_receive > rec->last_receive) {
		rec->last_receive = src->last_receive;
		changed = true;
	}
	return changed;
}

bool activity_is_fresh(const struct activity *rec,
		       const struct activity_event *ev, unsigned int interval)
{
	struct ip_bin ip;
	char service[ACTIVITY_SERVICE_MAX + 1];
	int64_t stored;

	switch (ev->kind) {
	case ACTIVITY_LOGIN:
		stored = rec->last_login;
		break;
	case ACTIVITY_SEND:
		stored = rec->last_send;
		break;
	case ACTIVITY_RECEIVE:
		stored = rec->last_receive;
		break;
	default:
		return false;
	}
	if (ev->time <= stored)
		return true;            /* nothing newer to write at all */
	if (ev->time - stored >= (int64_t)interval)
		return false;
	if (ev->kind == ACTIVITY_RECEIVE)
		return true;
	/* A new address or service is news even inside the interval. */
	event_ip(ev, &ip);
	if (ev->kind == ACTIVITY_LOGIN) {
		service_copy(service, ev->service);
		return memcmp(&ip, &rec->login_ip, sizeof(ip)) == 0 &&
			strcmp(service, rec->login_service) == 0;
	}
	return memcmp(&ip, &rec->send_ip, sizeof(ip)) == 0;
}

int64_t activity_last(const struct activity *rec)
{
	return rec->last_login > rec->last_send ? rec->last_login : rec->last_send;
}

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

/* State record, version 1:
   version, kind, since (8), until (8), reason (u16 length + bytes),
   actor (u16 length + bytes). */
size_t record_state_encode(const struct account_state *st, uint8_t *buf,
			   size_t bufsize)
{
	size_t rlen = strnlen(st->reason, STATE_TEXT_MAX);
	size_t alen = strnlen(st->actor, STATE_TEXT_MAX);
	size_t need = 1 + 1 + 8 + 8 + 2 + rlen + 2 + alen;
	uint8_t *p = buf;

	if (bufsize < need)
		return 0;
	*p++ = RECORD_STATE_VERSION;
	*p++ = (uint8_t)st->kind;
	put_le64(p, st->since); p += 8;
	put_le64(p, st->until); p += 8;
	put_le16(p, (uint16_t)rlen); p += 2;
	memcpy(p, st->reason, rlen); p += rlen;
	put_le16(p, (uint16_t)alen); p += 2;
	memcpy(p, st->actor, alen); p += alen;
	return need;
}

static int take_text(const uint8_t **pp, size_t *left, char *dst)
{
	uint16_t len;

	if (*left < 2)
		return -1;
	len = get_le16(*pp);
	*pp += 2;
	*left -= 2;
	if (len > STATE_TEXT_MAX || len > *left || memchr(*pp, '\0', len) != NULL)
		return -1;
	memcpy(dst, *pp, len);
	dst[len] = '\0';
	*pp += len;
	*left -= len;
	return 0;
}

int record_state_decode(const void *data, size_t size,
			struct account_state *st_r, const char **error_r)
{
	const uint8_t *p = data;
	size_t left = size;
	struct account_state st;

	if (size < 1 || p[0] == 0) {
		*error_r = "empty state record";
		return -1;
	}
	if (p[0] > RECORD_STATE_VERSION) {
		*error_r = "state record written by a newer dormant (upgrade this program)";
		return -1;
	}
	if (size < 18) {
		*error_r = "truncated state record";
		return -1;
	}
	memset(&st, 0, sizeof(st));
	if (p[1] != STATE_SUSPENDED && p[1] != STATE_EXEMPT && p[1] != STATE_GRACE) {
		*error_r = "state record has an unknown kind";
		return -1;
	}
	st.kind = (enum account_state_kind)p[1];
	st.since = get_le64(p + 2);
	st.until = get_le64(p + 10);
	p += 18;
	left -= 18;
	if (take_text(&p, &left, st.reason) < 0 ||
	    take_text(&p, &left, st.actor) < 0) {
		*error_r = "truncated or malformed state record";
		return -1;
	}
	if (left != 0) {
		*error_r = "state record has trailing bytes";
		return -1;
	}
	*st_r = st;
	return 0;
}

/* Account record, version 1: version, source, first_seen, last_seen,
   gone_since (8 bytes each). */
void record_account_encode(const struct account_info *info,
			   uint8_t buf[RECORD_ACCOUNT_SIZE])
{
	buf[0] = RECORD_ACCOUNT_VERSION;
	buf[1] = (uint8_t)info->source;
	put_le64(buf + 2, info->first_seen);
	put_le64(buf + 10, info->last_seen);
	put_le64(buf + 18, info->gone_since);
}

int record_account_decode(const void *data, size_t size,
			  struct account_info *info_r, const char **error_r)
{
	const uint8_t *p = data;
	struct account_info info;

	if (size < 1 || p[0] == 0) {
		*error_r = "empty account record";
		return -1;
	}
	if (p[0] > RECORD_ACCOUNT_VERSION) {
		*error_r = "account record written by a newer dormant (upgrade this program)";
		return -1;
	}
	if (size < RECORD_ACCOUNT_SIZE) {
		*error_r = "truncated account record";
		return -1;
	}
	if (p[1] > SOURCE_FILE) {
		*error_r = "account record has an unknown source";
		return -1;
	}
	memset(&info, 0, sizeof(info));
	info.source = (enum account_source)p[1];
	info.first_seen = get_le64(p + 2);
	info.last_seen = get_le64(p + 10);
	info.gone_since = get_le64(p + 18);
	*info_r = info;
	return 0;
}

/* Event record, version 1: version, kind, ip family, 5 reserved,
   idle (8), ip (16), service (16). */
void record_event_encode(const struct account_event *ev,
			 uint8_t buf[RECORD_EVENT_SIZE])
{
	memset(buf, 0, RECORD_EVENT_SIZE);
	buf[0] = RECORD_EVENT_VERSION;
	buf[1] = (uint8_t)ev->kind;
	buf[2] = family_encode(ev->ip.family);
	put_le64(buf + 8, ev->idle);
	memcpy(buf + 16, ev->ip.addr, 16);
	memcpy(buf + 32, ev->service, strnlen(ev->service, ACTIVITY_SERVICE_MAX));
}

int record_event_decode(const void *data, size_t size,
			struct account_event *ev_r, const char **error_r)
{
	const uint8_t *p = data;
	struct account_event ev;

	if (size < 1 || p[0] == 0) {
		*error_r = "empty event record";
		return -1;
	}
	if (p[0] > RECORD_EVENT_VERSION) {
		*error_r = "event record written by a newer dormant (upgrade this program)";
		return -1;
	}
	if (size < RECORD_EVENT_SIZE) {
		*error_r = "truncated event record";
		return -1;
	}
	if (p[1] < EVENT_WAKEUP_LOGIN || p[1] > EVENT_REFUSED_SEND ||
	    family_encode(p[2]) != p[2] || !service_valid(p + 32)) {
		*error_r = "malformed event record";
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = (enum event_kind)p[1];
	ev.ip.family = p[2];
	ev.idle = get_le64(p + 8);
	memcpy(ev.ip.addr, p + 16, 16);
	memcpy(ev.service, p + 32, ACTIVITY_SERVICE_MAX);
	*ev_r = ev;
	return 0;
}

const char *event_kind_name(enum event_kind kind)
{
	switch (kind) {
	case EVENT_WAKEUP_LOGIN: return "wakeup-login";
	case EVENT_WAKEUP_SEND: return "wakeup-send";
	case EVENT_REFUSED_LOGIN: return "refused-login";
	case EVENT_REFUSED_SEND: return "refused-send";
	}
	return "unknown";
}

bool account_info_merge(struct account_info *info, const struct account_info *src)
{
	struct account_info r = *info;
	int64_t gone = src->gone_since > r.gone_since ? src->gone_since : r.gone_since;

	if (src->first_seen > 0 && (r.first_seen == 0 || src->first_seen < r.first_seen))
		r.first_seen = src->first_seen;
	if (src->last_seen > r.last_seen) {
		r.last_seen = src->last_seen;
		r.source = src->source;
	}
	/* gone only if no host saw it listed after it went */
	r.gone_since = gone > r.last_seen ? gone : 0;
	if (memcmp(&r, info, sizeof(r)) == 0)
		return false;
	*info = r;
	return true;
}

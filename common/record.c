/* record.c - encode and decode the records of the activity, state,
 * accounts and events databases. */
#include "record.h"
#include "byteorder.h"

#include <string.h>

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

/* What every record starts with, and what a decoder says of one that
   fails those checks (record_check): static text naming the record. */
struct record_kind {
	uint8_t version;             /* the newest this program reads */
	size_t min_size;
	const char *empty, *version0, *newer, *truncated;
};
#define RECORD_KIND(name, version, min_size, version0) { version, min_size, \
	"empty " name " record", version0, \
	name " record written by a newer dormant (upgrade this program)", \
	"truncated " name " record" }

/* State record, version 1: version, kind, since (8), until (8), then the
   texts (below); 18 bytes before them. */
#define STATE_FIXED_SIZE 18

static const struct record_kind activity_kind =
	RECORD_KIND("activity", RECORD_ACTIVITY_VERSION, RECORD_ACTIVITY_SIZE,
		    "activity record has version 0");
static const struct record_kind state_kind =
	RECORD_KIND("state", RECORD_STATE_VERSION, STATE_FIXED_SIZE,
		    "empty state record");
static const struct record_kind account_kind =
	RECORD_KIND("account", RECORD_ACCOUNT_VERSION, RECORD_ACCOUNT_SIZE,
		    "empty account record");
static const struct record_kind event_kind =
	RECORD_KIND("event", RECORD_EVENT_VERSION, RECORD_EVENT_SIZE,
		    "empty event record");

/* The checks before any field is read: there is a version byte, not 0
   and not newer than this program reads, and at least min_size bytes (a
   later minor change may append fields: longer is fine, shorter not). */
static int record_check(const uint8_t *p, size_t size,
			const struct record_kind *kind, const char **error_r)
{
	if (size < 1)
		*error_r = kind->empty;
	else if (p[0] == 0)
		*error_r = kind->version0;
	else if (p[0] > kind->version)
		*error_r = kind->newer;
	else if (size < kind->min_size)
		*error_r = kind->truncated;
	else
		return 0;
	return -1;
}

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

	if (record_check(p, size, &activity_kind, error_r) < 0)
		return -1;
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

	if (record_check(p, size, &state_kind, error_r) < 0)
		return -1;
	memset(&st, 0, sizeof(st));
	if (p[1] != STATE_SUSPENDED && p[1] != STATE_EXEMPT && p[1] != STATE_GRACE) {
		*error_r = "state record has an unknown kind";
		return -1;
	}
	st.kind = (enum account_state_kind)p[1];
	st.since = get_le64(p + 2);
	st.until = get_le64(p + 10);
	p += STATE_FIXED_SIZE;
	left -= STATE_FIXED_SIZE;
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
   gone_since (8 bytes each). Version 2: the same, then the contacts. */
static void account_put_fixed(const struct account_info *info, uint8_t *buf,
			      uint8_t version)
{
	buf[0] = version;
	buf[1] = (uint8_t)info->source;
	put_le64(buf + 2, info->first_seen);
	put_le64(buf + 10, info->last_seen);
	put_le64(buf + 18, info->gone_since);
}

void record_account_encode_v1(const struct account_info *info,
			      uint8_t buf[RECORD_ACCOUNT_SIZE])
{
	account_put_fixed(info, buf, 1);
}

size_t record_account_encode(const struct account_info *info,
			     const struct account_contacts *contacts,
			     uint8_t buf[RECORD_ACCOUNT_MAX])
{
	size_t off = RECORD_ACCOUNT_SIZE;

	account_put_fixed(info, buf, RECORD_ACCOUNT_VERSION);
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		size_t len = contacts == NULL ? 0 :
			strnlen(contacts->text[i], CONTACT_TEXT_MAX);

		buf[off] = len == 0 ? CONTACT_SRC_NONE : contacts->source[i];
		put_le16(buf + off + 1, (uint16_t)len);
		if (len > 0)
			memcpy(buf + off + 3, contacts->text[i], len);
		off += 3 + len;
	}
	return off;
}

bool contact_text_valid(const char *s, size_t len)
{
	if (len > CONTACT_TEXT_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}

/* The contacts after the fixed part; bytes after them are accepted
   (room to append fields, doc/DESIGN.md §3.4). */
/* No contacts: every field "" and from nowhere. Not a memset: every
   listing decodes a directory record per account, and the texts are
   about 1 KiB. */
static void account_contacts_clear(struct account_contacts *c)
{
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		c->text[i][0] = '\0';
		c->source[i] = CONTACT_SRC_NONE;
	}
}

static int account_take_contacts(const uint8_t *p, size_t left,
				 struct account_contacts *c)
{
	account_contacts_clear(c);
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		size_t len;

		if (left < 3)
			return -1;
		len = get_le16(p + 1);
		if (p[0] > CONTACT_SRC_FILE || len > left - 3 ||
		    !contact_text_valid((const char *)p + 3, len))
			return -1;
		c->source[i] = len > 0 ? p[0] : CONTACT_SRC_NONE;
		memcpy(c->text[i], p + 3, len);
		c->text[i][len] = '\0';
		p += 3 + len;
		left -= 3 + len;
	}
	return 0;
}

int record_account_decode(const void *data, size_t size,
			  struct account_info *info_r,
			  struct account_contacts *contacts_r,
			  const char **error_r)
{
	const uint8_t *p = data;
	struct account_contacts scratch;
	struct account_contacts *contacts = contacts_r != NULL ? contacts_r : &scratch;
	struct account_info info;

	if (record_check(p, size, &account_kind, error_r) < 0)
		return -1;
	if (p[1] > SOURCE_FILE) {
		*error_r = "account record has an unknown source";
		return -1;
	}
	/* decoded in place (a failure leaves contacts_r cleared, not as it
	   was: callers drop the whole record then) */
	account_contacts_clear(contacts);
	if (p[0] >= 2 && account_take_contacts(p + RECORD_ACCOUNT_SIZE,
					       size - RECORD_ACCOUNT_SIZE,
					       contacts) < 0) {
		account_contacts_clear(contacts);
		*error_r = "account record has malformed contacts";
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

const char *contact_field_name(enum contact_field field)
{
	static const char *const names[CONTACT_FIELDS] = {
		"unit", "manager", "alternate"
	};

	return field < CONTACT_FIELDS ? names[field] : "unknown";
}

const char *contact_source_name(enum contact_source source)
{
	switch (source) {
	case CONTACT_SRC_USERDB: return "userdb";
	case CONTACT_SRC_FILE: return "file";
	case CONTACT_SRC_NONE: break;
	}
	return "";
}

const char *account_unit(const struct account_contacts *c, const char *account)
{
	const char *at;

	if (c != NULL && c->text[CONTACT_UNIT][0] != '\0')
		return c->text[CONTACT_UNIT];
	at = strrchr(account, '@');
	return at != NULL ? at + 1 : "";
}

bool account_contacts_empty(const struct account_contacts *c)
{
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		if (c->text[i][0] != '\0')
			return false;
	}
	return true;
}

/* Event record, version 1: version, kind, ip family, flags, 4 reserved,
   idle (8), ip (16), service (16). */
void record_event_encode(const struct account_event *ev,
			 uint8_t buf[RECORD_EVENT_SIZE])
{
	memset(buf, 0, RECORD_EVENT_SIZE);
	buf[0] = RECORD_EVENT_VERSION;
	buf[1] = (uint8_t)ev->kind;
	buf[2] = family_encode(ev->ip.family);
	buf[3] = ev->flags & EVENT_FLAGS_ALL;
	put_le64(buf + 8, ev->idle);
	memcpy(buf + 16, ev->ip.addr, 16);
	memcpy(buf + 32, ev->service, strnlen(ev->service, ACTIVITY_SERVICE_MAX));
}

int record_event_decode(const void *data, size_t size,
			struct account_event *ev_r, const char **error_r)
{
	const uint8_t *p = data;
	struct account_event ev;

	if (record_check(p, size, &event_kind, error_r) < 0)
		return -1;
	if (p[1] < EVENT_WAKEUP_LOGIN || p[1] > EVENT_KIND_LAST ||
	    family_encode(p[2]) != p[2] || (p[3] & ~EVENT_FLAGS_ALL) != 0 ||
	    !service_valid(p + 32)) {
		*error_r = "malformed event record";
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = (enum event_kind)p[1];
	ev.flags = p[3];
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
	case EVENT_NEW_NETWORK_LOGIN: return "new-network-login";
	case EVENT_NEW_NETWORK_SEND: return "new-network-send";
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

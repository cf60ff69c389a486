/* review-record.c - keys and record codecs of the review database
 * (review-record.h). */
#include "review-record.h"
#include "byteorder.h"
#include "policy.h"

#include <string.h>
#include <strings.h>
#include <time.h>

size_t review_key(uint8_t *buf, enum review_key_kind kind, const char *id,
		  uint32_t unit, const char *account)
{
	size_t n = 0, len;

	buf[n++] = (uint8_t)kind;
	if (kind == REVIEW_KEY_REVOKED) {
		len = strlen(account);
		memcpy(buf + n, account, len);
		return n + len;
	}
	if (kind == REVIEW_KEY_LATEST)
		return n;
	len = strlen(id);
	memcpy(buf + n, id, len);
	n += len;
	if (kind == REVIEW_KEY_CAMPAIGN)
		return n;
	buf[n++] = '\0';
	byteorder_put_be(buf + n, unit, 4);
	n += 4;
	if (kind == REVIEW_KEY_UNIT)
		return n;
	len = strlen(account);
	memcpy(buf + n, account, len);
	return n + len;
}

int review_key_item_account(const void *key, size_t klen, size_t prefix_len,
			    char name[ACCOUNT_MAX + 1], const char **error_r)
{
	const uint8_t *p = (const uint8_t *)key + prefix_len;
	size_t len = klen - prefix_len;

	if (klen <= prefix_len || len > ACCOUNT_MAX) {
		*error_r = "review item key: bad account length";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			*error_r = "review item key: control byte in the account";
			return -1;
		}
	}
	memcpy(name, p, len);
	name[len] = '\0';
	return 0;
}

bool review_id_valid(const char *s, size_t len)
{
	if (len != 15 || s[8] != '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return false;
	}
	return true;
}

void review_id_make(int64_t t, char id[REVIEW_ID_MAX + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(id, REVIEW_ID_MAX + 1, "%Y%m%d-%H%M%S", &tm);
}

static const char *const decision_names[] = { "", "keep", "revoke" };

static const struct {
	const char *word;
	enum review_decision decision;
} decision_words[] = {
	{ "gi\xe1\xbb\xaf l\xe1\xba\xa1i", REVIEW_KEEP },      /* giữ lại */
	{ "GI\xe1\xbb\xae L\xe1\xba\xa0I", REVIEW_KEEP },      /* GIỮ LẠI */
	{ "giu lai", REVIEW_KEEP },
	{ "thu h\xe1\xbb\x93i", REVIEW_REVOKE },             /* thu hồi */
	{ "THU H\xe1\xbb\x92I", REVIEW_REVOKE },             /* THU HỒI */
	{ "thu hoi", REVIEW_REVOKE },
};

const char *review_decision_name(enum review_decision d)
{
	return (unsigned)d < 3 ? decision_names[d] : "?";
}

int review_decision_parse(const char *s)
{
	size_t len;

	s += strspn(s, " \t");
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	for (int i = 0; i < 3; i++) {
		if (strlen(decision_names[i]) == len &&
		    strncasecmp(s, decision_names[i], len) == 0)
			return i;
	}
	/* the words of a Vietnamese sheet, whatever language imports it: with
	   or without diacritics (a keyboard without Telex), in lower, title
	   or upper case (precomposed UTF-8, as spreadsheets save) */
	for (size_t i = 0; i < sizeof(decision_words) / sizeof(decision_words[0]); i++) {
		if (strlen(decision_words[i].word) == len &&
		    strncasecmp(s, decision_words[i].word, len) == 0)
			return (int)decision_words[i].decision;
	}
	return -1;
}

bool review_text_valid(const char *s, size_t len, size_t max)
{
	if (len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}

/* The version byte of every record: 0 and truncated are malformed, newer
   is refused. */
static int check_version(const uint8_t *p, size_t size, size_t min,
			 const char **error_r)
{
	if (size < 1 || p[0] == 0) {
		*error_r = "malformed review record";
		return -1;
	}
	if (p[0] > REVIEW_RECORD_VERSION) {
		*error_r = "review record written by a newer dormant (upgrade this program)";
		return -1;
	}
	if (size < min) {
		*error_r = "truncated review record";
		return -1;
	}
	return 0;
}

/* A text after its length (lenbytes little-endian); the caller checked
   its bounds. */
static size_t put_text(uint8_t *buf, size_t pos, const char *s, int lenbytes)
{
	size_t len = strlen(s);

	byteorder_put_le(buf + pos, len, lenbytes);
	memcpy(buf + pos + lenbytes, s, len);
	return pos + lenbytes + len;
}

/* A text at *pos of at most max bytes, no control byte. */
static int get_text(const uint8_t *p, size_t size, size_t *pos, int lenbytes,
		    char *out, size_t max, const char **error_r)
{
	size_t len;

	if (size - *pos < (size_t)lenbytes) {
		*error_r = "truncated review record";
		return -1;
	}
	len = byteorder_get_le(p + *pos, lenbytes);
	*pos += lenbytes;
	if (len > size - *pos || len > max ||
	    !review_text_valid((const char *)p + *pos, len, max)) {
		*error_r = "malformed text in review record";
		return -1;
	}
	memcpy(out, p + *pos, len);
	out[len] = '\0';
	*pos += len;
	return 0;
}

static bool time_ok(int64_t t)
{
	return t >= 0;
}

size_t review_campaign_encode(const struct review_campaign *c, uint8_t *buf)
{
	memset(buf, 0, REVIEW_CAMPAIGN_SIZE);
	buf[0] = REVIEW_RECORD_VERSION;
	buf[1] = (uint8_t)c->state;
	put_le64(buf + 8, c->started);
	put_le64(buf + 16, c->due);
	put_le64(buf + 24, c->closed);
	byteorder_put_le(buf + 32, c->units, 4);
	byteorder_put_le(buf + 36, c->accounts, 4);
	return REVIEW_CAMPAIGN_SIZE;
}

int review_campaign_decode(const void *data, size_t size,
			   struct review_campaign *c_r, const char **error_r)
{
	const uint8_t *p = data;
	struct review_campaign c;

	if (check_version(p, size, REVIEW_CAMPAIGN_SIZE, error_r) < 0)
		return -1;
	c.state = p[1];
	c.started = get_le64(p + 8);
	c.due = get_le64(p + 16);
	c.closed = get_le64(p + 24);
	c.units = (uint32_t)byteorder_get_le(p + 32, 4);
	c.accounts = (uint32_t)byteorder_get_le(p + 36, 4);
	if ((c.state != REVIEW_OPEN && c.state != REVIEW_CLOSED) ||
	    !time_ok(c.started) || !time_ok(c.due) || !time_ok(c.closed) ||
	    (c.state == REVIEW_CLOSED) != (c.closed > 0) ||
	    c.units > REVIEW_UNITS_MAX) {
		*error_r = "malformed review campaign record";
		return -1;
	}
	*c_r = c;
	return 0;
}

size_t review_unit_encode(const struct review_unit *u, uint8_t *buf)
{
	size_t pos;

	memset(buf, 0, 48);
	buf[0] = REVIEW_RECORD_VERSION;
	buf[1] = (uint8_t)u->source;
	byteorder_put_le(buf + 4, u->accounts, 4);
	byteorder_put_le(buf + 8, u->sheets, 4);
	memcpy(buf + 16, u->key, REVIEW_SHEET_KEY_BYTES);
	put_le64(buf + 32, u->reminded);
	put_le64(buf + 40, u->answered);
	pos = put_text(buf, 48, u->name, 2);
	return put_text(buf, pos, u->reviewer, 2);
}

int review_unit_decode(const void *data, size_t size, struct review_unit *u_r,
		       const char **error_r)
{
	const uint8_t *p = data;
	struct review_unit u;
	size_t pos = 48;

	if (check_version(p, size, 48, error_r) < 0)
		return -1;
	u.source = p[1];
	u.accounts = (uint32_t)byteorder_get_le(p + 4, 4);
	u.sheets = (uint32_t)byteorder_get_le(p + 8, 4);
	memcpy(u.key, p + 16, REVIEW_SHEET_KEY_BYTES);
	u.reminded = get_le64(p + 32);
	u.answered = get_le64(p + 40);
	if (u.source > REVIEWER_ADMIN || !time_ok(u.reminded) ||
	    !time_ok(u.answered) || p[2] != 0 || p[3] != 0) {
		*error_r = "malformed review unit record";
		return -1;
	}
	if (get_text(p, size, &pos, 2, u.name, CONTACT_TEXT_MAX, error_r) < 0 ||
	    get_text(p, size, &pos, 2, u.reviewer, CONTACT_TEXT_MAX, error_r) < 0)
		return -1;
	if ((u.reviewer[0] == '\0') != (u.source == REVIEWER_NONE)) {
		*error_r = "malformed review unit record";
		return -1;
	}
	*u_r = u;
	return 0;
}

size_t review_item_encode(const struct review_item *it, uint8_t *buf)
{
	size_t pos;

	memset(buf, 0, 48);
	buf[0] = REVIEW_RECORD_VERSION;
	buf[1] = it->status;
	buf[2] = (uint8_t)it->decision;
	buf[3] = it->by_default ? 1 : 0;
	put_le64(buf + 8, it->last_login);
	put_le64(buf + 16, it->last_send);
	put_le64(buf + 24, it->idle_days);
	put_le64(buf + 32, it->decided);
	put_le64(buf + 40, it->keep_until);
	pos = put_text(buf, 48, it->reason, 2);
	return put_text(buf, pos, it->reviewer, 2);
}

int review_item_decode(const void *data, size_t size, struct review_item *it_r,
		       const char **error_r)
{
	const uint8_t *p = data;
	struct review_item it;
	size_t pos = 48;

	if (check_version(p, size, 48, error_r) < 0)
		return -1;
	it.status = p[1];
	it.decision = p[2];
	it.by_default = p[3] == 1;
	it.last_login = get_le64(p + 8);
	it.last_send = get_le64(p + 16);
	it.idle_days = get_le64(p + 24);
	it.decided = get_le64(p + 32);
	it.keep_until = get_le64(p + 40);
	if (it.status >= STATUS_COUNT || it.decision > REVIEW_REVOKE ||
	    p[3] > 1 || !time_ok(it.last_login) || !time_ok(it.last_send) ||
	    it.idle_days < -1 || !time_ok(it.decided) || !time_ok(it.keep_until) ||
	    (it.decision == REVIEW_UNDECIDED) != (it.decided == 0)) {
		*error_r = "malformed review item record";
		return -1;
	}
	if (get_text(p, size, &pos, 2, it.reason, REVIEW_REASON_MAX, error_r) < 0 ||
	    get_text(p, size, &pos, 2, it.reviewer, REVIEW_NAME_MAX, error_r) < 0)
		return -1;
	*it_r = it;
	return 0;
}

size_t review_revoked_encode(const struct review_revoked *r, uint8_t *buf)
{
	size_t pos;

	memset(buf, 0, 16);
	buf[0] = REVIEW_RECORD_VERSION;
	put_le64(buf + 8, r->time);
	pos = put_text(buf, 16, r->id, 1);
	return put_text(buf, pos, r->reviewer, 1);
}

int review_revoked_decode(const void *data, size_t size,
			  struct review_revoked *r_r, const char **error_r)
{
	const uint8_t *p = data;
	struct review_revoked r;
	size_t pos = 16;

	if (check_version(p, size, 16, error_r) < 0)
		return -1;
	r.time = get_le64(p + 8);
	if (!time_ok(r.time) ||
	    get_text(p, size, &pos, 1, r.id, REVIEW_ID_MAX, error_r) < 0 ||
	    get_text(p, size, &pos, 1, r.reviewer, REVIEW_NAME_MAX, error_r) < 0 ||
	    !review_id_valid(r.id, strlen(r.id))) {
		*error_r = "malformed review revoked record";
		return -1;
	}
	*r_r = r;
	return 0;
}

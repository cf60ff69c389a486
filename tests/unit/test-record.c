/* test-record.c - the record codecs (doc/DESIGN.md §3): versioned
 * fixed-layout records of activity, state, accounts and events. */
#include "testutil.h"
#include "activitytest.h"
#include "record.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- activity record: encode / decode ---- */

struct roundtrip_case {
	int64_t login, send, recv;
	const char *login_ip, *send_ip;   /* NULL: none */
	const char *service;
};

static const struct roundtrip_case roundtrip_cases[] = {
	{ 0, 0, 0, NULL, NULL, "" },
	{ 1700000000, 1700000100, 1700000200, "192.0.2.1", "198.51.100.7", "imap" },
	{ 1700000000, 0, 0, "2001:db8::1", NULL, "pop3" },
	{ 0, 1700000000, 0, NULL, "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", "" },
	{ 1, 2, 3, "::", "0.0.0.0", "managesieve" },
	{ 1, 2, 3, "::ffff:10.0.0.1", "255.255.255.255", "abcdefghijklmno" },  /* 15 */
	{ INT64_MAX, INT64_MAX - 1, INT64_MAX, "10.0.0.1", "::1", "submission" },
};

static void fill_activity(struct activity *a, const struct roundtrip_case *c)
{
	memset(a, 0, sizeof(*a));
	a->last_login = c->login;
	a->last_send = c->send;
	a->last_receive = c->recv;
	a->login_ip = test_ip(c->login_ip);
	a->send_ip = test_ip(c->send_ip);
	snprintf(a->login_service, sizeof(a->login_service), "%s", c->service);
}

static void test_activity_roundtrip(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(roundtrip_cases); i++) {
		struct activity a, b;
		uint8_t buf[RECORD_ACTIVITY_SIZE + 1];
		const char *error = NULL;
		char t1[256], t2[256];
		int ret;

		fill_activity(&a, &roundtrip_cases[i]);
		buf[RECORD_ACTIVITY_SIZE] = 0xee;
		record_activity_encode(&a, buf);
		T_CHECK(buf[RECORD_ACTIVITY_SIZE] == 0xee, "case %zu: wrote past the record", i);
		T_CHECK(buf[0] == RECORD_ACTIVITY_VERSION, "case %zu: version byte %u", i, buf[0]);
		memset(&b, 0x55, sizeof(b));
		ret = record_activity_decode(buf, RECORD_ACTIVITY_SIZE, &b, &error);
		T_CHECK(ret == 0, "case %zu: decode failed: %s", i, T_STR(error));
		if (ret == 0)
			T_CHECK(test_activity_equal(&a, &b), "case %zu: %s became %s", i,
				test_activity_text(&a, t1, sizeof(t1)),
				test_activity_text(&b, t2, sizeof(t2)));
	}
	T_END();
}

/* The layout is a contract between versions: little-endian times at fixed
   offsets, families as 0/4/6, the service NUL padded. */
static void test_activity_layout(void **state)
{
	struct activity a;
	uint8_t buf[RECORD_ACTIVITY_SIZE];

	memset(&a, 0, sizeof(a));
	a.last_login = 0x0102030405060708LL;
	a.last_send = 0x1112131415161718LL;
	a.last_receive = 0x2122232425262728LL;
	a.login_ip = test_ip("192.0.2.1");
	a.send_ip = test_ip("2001:db8::1");
	strcpy(a.login_service, "imap");
	record_activity_encode(&a, buf);

	assert_int_equal(RECORD_ACTIVITY_SIZE, 80);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 4);
	assert_int_equal(buf[2], 6);
	for (int i = 3; i < 8; i++)
		assert_int_equal(buf[i], 0);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(buf[8 + i], 0x08 - i);
		assert_int_equal(buf[16 + i], 0x18 - i);
		assert_int_equal(buf[24 + i], 0x28 - i);
	}
	assert_memory_equal(buf + 32, a.login_ip.addr, 16);
	assert_memory_equal(buf + 48, a.send_ip.addr, 16);
	assert_memory_equal(buf + 64, "imap\0\0\0\0\0\0\0\0\0\0\0\0", 16);
}

/* Start from a good record and spoil it. */
struct decode_case {
	const char *name;
	size_t size;                 /* bytes handed to decode (buffer is 128) */
	int offset;                  /* byte to overwrite; -1 none */
	uint8_t value;
	int offset2;                 /* a second byte; -1 none */
	uint8_t value2;
	int ret;
	const char *error;           /* substring */
};

static const struct decode_case decode_cases[] = {
	{ "good", 80, -1, 0, -1, 0, 0, NULL },
	{ "empty", 0, -1, 0, -1, 0, -1, "empty" },
	{ "version 0", 80, 0, 0, -1, 0, -1, "version 0" },
	{ "version 2", 80, 0, 2, -1, 0, -1, "newer" },
	{ "version 255", 80, 0, 255, -1, 0, -1, "newer" },
	/* a newer version says so even when it is shorter: its layout is
	   not ours to judge */
	{ "version 2, 1 byte", 1, 0, 2, -1, 0, -1, "newer" },
	{ "version 2, 20 bytes", 20, 0, 2, -1, 0, -1, "newer" },
	{ "1 byte", 1, -1, 0, -1, 0, -1, "truncated" },
	{ "79 bytes", 79, -1, 0, -1, 0, -1, "truncated" },
	{ "40 bytes", 40, -1, 0, -1, 0, -1, "truncated" },
	/* a later minor version may append fields */
	{ "81 bytes", 81, -1, 0, -1, 0, 0, NULL },
	{ "128 bytes", 128, -1, 0, -1, 0, 0, NULL },
	{ "login family 5", 80, 1, 5, -1, 0, -1, "family" },
	{ "login family 2", 80, 1, 2, -1, 0, -1, "family" },
	{ "send family 10", 80, 2, 10, -1, 0, -1, "family" },
	{ "send family 255", 80, 2, 255, -1, 0, -1, "family" },
	{ "service control byte", 80, 65, 0x01, -1, 0, -1, "service" },
	{ "service space", 80, 65, ' ', -1, 0, -1, "service" },
	{ "service DEL", 80, 65, 0x7f, -1, 0, -1, "service" },
	{ "service 8-bit", 80, 64, 0xc3, -1, 0, -1, "service" },
	{ "service hole", 80, 66, 0, 68, 'x', -1, "service" },
	{ "service 16th byte", 80, 79, 'x', -1, 0, -1, "service" },
	{ "negative login", 80, 15, 0x80, -1, 0, -1, "negative" },
	{ "negative send", 80, 23, 0xff, -1, 0, -1, "negative" },
	{ "negative receive", 80, 31, 0x80, -1, 0, -1, "negative" },
};

static void test_activity_decode(void **state)
{
	struct activity good;
	uint8_t base[128];

	memset(&good, 0, sizeof(good));
	good.last_login = 1700000000;
	good.last_send = 1700000100;
	good.last_receive = 1700000200;
	good.login_ip = test_ip("192.0.2.1");
	good.send_ip = test_ip("2001:db8::2");
	strcpy(good.login_service, "imap");
	memset(base, 0xa5, sizeof(base));    /* appended "future fields" */
	record_activity_encode(&good, base);

	T_BEGIN();
	for (size_t i = 0; i < N(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		uint8_t *buf = malloc(c->size > 0 ? c->size : 1);
		struct activity out, sentinel;
		const char *error = NULL;
		int ret;

		/* exactly size bytes on the heap, so reading past is caught by ASan */
		memcpy(buf, base, c->size);
		if (c->offset >= 0)
			buf[c->offset] = c->value;
		if (c->offset2 >= 0)
			buf[c->offset2] = c->value2;
		memset(&out, 0x55, sizeof(out));
		sentinel = out;
		ret = record_activity_decode(buf, c->size, &out, &error);
		T_CHECK(ret == c->ret, "case %zu (%s): returned %d (%s), expected %d", i,
			c->name, ret, T_STR(error), c->ret);
		if (ret == 0 && c->ret == 0)
			T_CHECK(test_activity_equal(&out, &good), "case %zu (%s): fields differ",
				i, c->name);
		if (ret < 0) {
			T_CHECK(error != NULL && c->error != NULL &&
				strstr(error, c->error) != NULL,
				"case %zu (%s): error '%s' does not mention '%s'", i, c->name,
				T_STR(error), T_STR(c->error));
			T_CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0,
				"case %zu (%s): output written on failure", i, c->name);
		}
		free(buf);
	}
	T_END();
}

/* Every prefix of a good record shorter than RECORD_ACTIVITY_SIZE is
   refused, and every single-byte change either decodes or is refused
   with an error: never a crash, never garbage times. */
static void test_activity_decode_exhaustive(void **state)
{
	struct activity good, out;
	uint8_t base[RECORD_ACTIVITY_SIZE];
	const char *error;

	memset(&good, 0, sizeof(good));
	good.last_login = 1700000000;
	good.login_ip = test_ip("10.1.2.3");
	strcpy(good.login_service, "imap");
	record_activity_encode(&good, base);

	T_BEGIN();
	for (size_t n = 1; n < RECORD_ACTIVITY_SIZE; n++) {
		uint8_t *buf = malloc(n);

		memcpy(buf, base, n);
		error = NULL;
		T_CHECK(record_activity_decode(buf, n, &out, &error) < 0 && error != NULL,
			"prefix of %zu bytes accepted", n);
		free(buf);
	}
	for (size_t off = 0; off < RECORD_ACTIVITY_SIZE; off++) {
		for (unsigned v = 0; v < 256; v++) {
			uint8_t buf[RECORD_ACTIVITY_SIZE];

			memcpy(buf, base, sizeof(buf));
			buf[off] = (uint8_t)v;
			error = NULL;
			if (record_activity_decode(buf, sizeof(buf), &out, &error) < 0) {
				T_CHECK(error != NULL, "offset %zu = %u: no error", off, v);
				continue;
			}
			T_CHECK(out.last_login >= 0 && out.last_send >= 0 &&
				out.last_receive >= 0 &&
				(out.login_ip.family == 0 || out.login_ip.family == 4 ||
				 out.login_ip.family == 6) &&
				strlen(out.login_service) <= ACTIVITY_SERVICE_MAX,
				"offset %zu = %u: decoded to garbage", off, v);
		}
	}
	T_END();
}

/* ---- state records ---- */

struct state_case {
	enum account_state_kind kind;
	int64_t since, until;
	size_t reason_len, actor_len;     /* filled with letters */
};

static const struct state_case state_cases[] = {
	{ STATE_SUSPENDED, 1700000000, 0, 10, 4 },
	{ STATE_EXEMPT, 1700000000, 1800000000, 0, 0 },
	{ STATE_GRACE, 1, INT64_MAX, 1, 1 },
	{ STATE_EXEMPT, -1, -2, 5, 0 },
	{ STATE_SUSPENDED, 0, 0, STATE_TEXT_MAX, 0 },
	{ STATE_SUSPENDED, 0, 0, 0, STATE_TEXT_MAX },
	{ STATE_EXEMPT, 1700000000, 0, STATE_TEXT_MAX, STATE_TEXT_MAX },
};

static void make_state(struct account_state *st, const struct state_case *c)
{
	memset(st, 0, sizeof(*st));
	st->kind = c->kind;
	st->since = c->since;
	st->until = c->until;
	for (size_t j = 0; j < c->reason_len; j++)
		st->reason[j] = (char)('a' + j % 26);
	for (size_t j = 0; j < c->actor_len; j++)
		st->actor[j] = (char)('A' + j % 26);
}

static bool state_equal(const struct account_state *a, const struct account_state *b)
{
	return a->kind == b->kind && a->since == b->since && a->until == b->until &&
		strcmp(a->reason, b->reason) == 0 && strcmp(a->actor, b->actor) == 0;
}

static void test_state_roundtrip(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(state_cases); i++) {
		const struct state_case *c = &state_cases[i];
		struct account_state st, out;
		size_t need = 1 + 1 + 8 + 8 + 2 + c->reason_len + 2 + c->actor_len;
		uint8_t *buf = malloc(RECORD_STATE_MAX);
		const char *error = NULL;
		size_t len;

		make_state(&st, c);
		len = record_state_encode(&st, buf, RECORD_STATE_MAX);
		T_CHECK(len == need, "case %zu: encoded %zu bytes, expected %zu", i, len, need);
		/* exactly the bytes needed is enough, one less is not */
		T_CHECK(record_state_encode(&st, buf, need) == need,
			"case %zu: exact buffer refused", i);
		T_CHECK(record_state_encode(&st, buf, need - 1) == 0,
			"case %zu: short buffer accepted", i);
		len = record_state_encode(&st, buf, RECORD_STATE_MAX);
		memset(&out, 0x33, sizeof(out));
		T_CHECK(record_state_decode(buf, len, &out, &error) == 0,
			"case %zu: decode failed: %s", i, T_STR(error));
		T_CHECK(state_equal(&st, &out), "case %zu: fields differ", i);
		free(buf);
	}
	T_END();
}

/* Both texts of STATE_TEXT_MAX bytes fill RECORD_STATE_MAX exactly. */
static void test_state_max(void **state)
{
	struct account_state st, out;
	uint8_t *buf = malloc(RECORD_STATE_MAX);
	const char *error = NULL;

	make_state(&st, &state_cases[N(state_cases) - 1]);
	assert_int_equal(record_state_encode(&st, buf, RECORD_STATE_MAX), RECORD_STATE_MAX);
	assert_int_equal(record_state_decode(buf, RECORD_STATE_MAX, &out, &error), 0);
	assert_int_equal(strlen(out.reason), STATE_TEXT_MAX);
	assert_int_equal(strlen(out.actor), STATE_TEXT_MAX);
	free(buf);
}

struct state_decode_case {
	const char *name;
	int op;                      /* see below */
	int ret;
	const char *error;
};

enum {
	SD_GOOD, SD_EMPTY, SD_VERSION0, SD_VERSION2, SD_VERSION2_SHORT,
	SD_KIND0, SD_KIND4, SD_KIND255, SD_TRAILING, SD_TRAILING_ZERO,
	SD_REASON_TOO_LONG, SD_REASON_PAST_END, SD_ACTOR_PAST_END,
	SD_REASON_NUL, SD_ACTOR_NUL, SD_NO_ACTOR,
};

static const struct state_decode_case state_decode_cases[] = {
	{ "good", SD_GOOD, 0, NULL },
	{ "empty", SD_EMPTY, -1, "empty" },
	{ "version 0", SD_VERSION0, -1, "" },
	{ "version 2", SD_VERSION2, -1, "newer" },
	{ "version 2, 3 bytes", SD_VERSION2_SHORT, -1, "newer" },
	{ "kind 0", SD_KIND0, -1, "unknown kind" },
	{ "kind 4", SD_KIND4, -1, "unknown kind" },
	{ "kind 255", SD_KIND255, -1, "unknown kind" },
	{ "trailing byte", SD_TRAILING, -1, "trailing" },
	{ "trailing NUL", SD_TRAILING_ZERO, -1, "trailing" },
	{ "reason length 1025", SD_REASON_TOO_LONG, -1, "" },
	{ "reason past the end", SD_REASON_PAST_END, -1, "" },
	{ "actor past the end", SD_ACTOR_PAST_END, -1, "" },
	{ "NUL in reason", SD_REASON_NUL, -1, "" },
	{ "NUL in actor", SD_ACTOR_NUL, -1, "" },
	{ "no actor field", SD_NO_ACTOR, -1, "" },
};

static void test_state_decode(void **state)
{
	/* good record: reason "abc", actor "ABCD" */
	static const struct state_case good = { STATE_SUSPENDED, 1700000000, 0, 3, 4 };

	T_BEGIN();
	for (size_t i = 0; i < N(state_decode_cases); i++) {
		const struct state_decode_case *c = &state_decode_cases[i];
		uint8_t base[RECORD_STATE_MAX + 16], *buf;
		struct account_state st, out, sentinel;
		const char *error = NULL;
		size_t len;
		int ret;

		make_state(&st, &good);
		len = record_state_encode(&st, base, sizeof(base));
		/* layout: 0 version, 1 kind, 2 since, 10 until, 18 rlen, 20 reason,
		   23 alen, 25 actor, 29 end */
		switch (c->op) {
		case SD_EMPTY: len = 0; break;
		case SD_VERSION0: base[0] = 0; break;
		case SD_VERSION2: base[0] = 2; break;
		case SD_VERSION2_SHORT: base[0] = 2; len = 3; break;
		case SD_KIND0: base[1] = 0; break;
		case SD_KIND4: base[1] = 4; break;
		case SD_KIND255: base[1] = 255; break;
		case SD_TRAILING: base[len++] = 'x'; break;
		case SD_TRAILING_ZERO: base[len++] = 0; break;
		case SD_REASON_TOO_LONG:
			/* a 1025-byte reason, with the bytes really there */
			base[18] = (STATE_TEXT_MAX + 1) & 0xff;
			base[19] = (STATE_TEXT_MAX + 1) >> 8;
			memset(base + 20, 'r', STATE_TEXT_MAX + 1);
			base[20 + STATE_TEXT_MAX + 1] = 0;
			base[20 + STATE_TEXT_MAX + 2] = 0;
			len = 20 + STATE_TEXT_MAX + 1 + 2;
			break;
		case SD_REASON_PAST_END: base[18] = 200; break;
		case SD_ACTOR_PAST_END: base[23] = 5; break;
		case SD_REASON_NUL: base[21] = 0; break;
		case SD_ACTOR_NUL: base[26] = 0; break;
		case SD_NO_ACTOR: len = 23; break;
		}
		buf = malloc(len > 0 ? len : 1);
		memcpy(buf, base, len);
		memset(&out, 0x44, sizeof(out));
		sentinel = out;
		ret = record_state_decode(buf, len, &out, &error);
		T_CHECK(ret == c->ret, "case %zu (%s): returned %d (%s), expected %d", i,
			c->name, ret, T_STR(error), c->ret);
		if (ret == 0 && c->ret == 0)
			T_CHECK(state_equal(&out, &st), "case %zu (%s): fields differ", i,
				c->name);
		if (ret < 0) {
			T_CHECK(error != NULL && strstr(error, c->error) != NULL,
				"case %zu (%s): error '%s' does not mention '%s'", i,
				c->name, T_STR(error), c->error);
			T_CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0,
				"case %zu (%s): output written on failure", i, c->name);
		}
		free(buf);
	}
	T_END();
}

/* Every strict prefix of a good state record is refused. */
static void test_state_truncated(void **state)
{
	static const struct state_case good = { STATE_EXEMPT, 1700000000, 1800000000, 7, 5 };
	struct account_state st, out;
	uint8_t base[64];
	size_t len;

	make_state(&st, &good);
	len = record_state_encode(&st, base, sizeof(base));
	assert_int_equal(len, 1 + 1 + 8 + 8 + 2 + 7 + 2 + 5);
	T_BEGIN();
	for (size_t n = 0; n < len; n++) {
		uint8_t *buf = malloc(n > 0 ? n : 1);
		const char *error = NULL;

		memcpy(buf, base, n);
		T_CHECK(record_state_decode(buf, n, &out, &error) < 0 && error != NULL,
			"prefix of %zu bytes of %zu accepted", n, len);
		free(buf);
	}
	T_END();
}

/* ---- directory and event records ---- */

static void test_account_record(void **state)
{
	static const struct account_info infos[] = {
		{ 1700000000, 1700086400, 0, SOURCE_DOVEADM },
		{ 1, 2, 3, SOURCE_FILE },
		{ 0, 0, 0, SOURCE_UNKNOWN },
	};
	uint8_t buf[RECORD_ACCOUNT_MAX + 4];
	struct account_contacts c;
	struct account_info out;
	const char *error;

	T_BEGIN();
	for (size_t i = 0; i < N(infos); i++) {
		size_t n;

		error = NULL;
		/* version 1 (what older dormant wrote, and snapshots carry) */
		record_account_encode_v1(&infos[i], buf);
		T_CHECK(buf[0] == 1, "case %zu: v1 encoder wrote version %u", i, buf[0]);
		memset(&c, 'x', sizeof(c));
		T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE, &out, &c, &error) == 0,
			"case %zu: %s", i, T_STR(error));
		T_CHECK(out.first_seen == infos[i].first_seen &&
			out.last_seen == infos[i].last_seen &&
			out.gone_since == infos[i].gone_since &&
			out.source == infos[i].source, "case %zu: fields differ", i);
		T_CHECK(account_contacts_empty(&c), "case %zu: v1 record has contacts", i);
		/* appended fields are fine, a short record is not */
		T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE + 4, &out, NULL,
					      &error) == 0,
			"case %zu: longer record refused", i);
		T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE - 1, &out, NULL,
					      &error) < 0,
			"case %zu: truncated record accepted", i);
		/* version 2 without contacts: three empty fields */
		n = record_account_encode(&infos[i], NULL, buf);
		T_CHECK(n == RECORD_ACCOUNT_SIZE + 9 && buf[0] == 2,
			"case %zu: v2 record of %zu bytes", i, n);
		T_CHECK(record_account_decode(buf, n, &out, &c, &error) == 0 &&
			out.last_seen == infos[i].last_seen && account_contacts_empty(&c),
			"case %zu: v2 without contacts: %s", i, T_STR(error));
	}
	T_END();
}

/* Version 1 as bytes, not through the encoder: old databases stay readable. */
static void test_account_record_v1_bytes(void **state)
{
	static const uint8_t v1[RECORD_ACCOUNT_SIZE] = {
		1, 2,
		0x00, 0xf1, 0x53, 0x65, 0, 0, 0, 0,   /* 1700000000 */
		0x80, 0x42, 0x55, 0x65, 0, 0, 0, 0,   /* 1700086400 */
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct account_contacts c;
	struct account_info out;
	const char *error = NULL;

	(void)state;
	assert_int_equal(record_account_decode(v1, sizeof(v1), &out, &c, &error), 0);
	assert_int_equal(out.first_seen, 1700000000);
	assert_int_equal(out.last_seen, 1700086400);
	assert_int_equal(out.gone_since, 0);
	assert_int_equal(out.source, SOURCE_FILE);
	assert_true(account_contacts_empty(&c));
}

static void test_account_record_contacts(void **state)
{
	static const struct account_info info = { 10, 20, 0, SOURCE_DOVEADM };
	struct account_contacts c, out_c;
	struct account_info out;
	uint8_t buf[RECORD_ACCOUNT_MAX + 8];
	const char *error = NULL;
	size_t n;

	T_BEGIN();
	memset(&c, 0, sizeof(c));
	strcpy(c.text[CONTACT_UNIT], "Finance \xc3\xa9quipe");
	c.source[CONTACT_UNIT] = CONTACT_SRC_FILE;
	strcpy(c.text[CONTACT_MANAGER], "boss@example.org");
	c.source[CONTACT_MANAGER] = CONTACT_SRC_USERDB;
	memset(c.text[CONTACT_ALTERNATE], 'a', CONTACT_TEXT_MAX);   /* the longest */
	c.text[CONTACT_ALTERNATE][CONTACT_TEXT_MAX] = '\0';
	c.source[CONTACT_ALTERNATE] = CONTACT_SRC_FILE;
	n = record_account_encode(&info, &c, buf);
	T_CHECK(n <= RECORD_ACCOUNT_MAX, "record of %zu bytes", n);
	T_CHECK(record_account_decode(buf, n, &out, &out_c, &error) == 0,
		"round trip: %s", T_STR(error));
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		T_CHECK(strcmp(out_c.text[i], c.text[i]) == 0 &&
			out_c.source[i] == c.source[i], "%s differs",
			contact_field_name((enum contact_field)i));
	}
	/* appended bytes: fine */
	memset(buf + n, 0, 8);
	T_CHECK(record_account_decode(buf, n + 8, &out, &out_c, &error) == 0,
		"appended bytes refused");
	/* every shorter cut: refused, not read past */
	for (size_t cut = RECORD_ACCOUNT_SIZE; cut < n; cut++) {
		T_CHECK(record_account_decode(buf, cut, &out, &out_c, &error) < 0,
			"record cut at %zu accepted", cut);
	}
	/* a line break or another control byte in a text: refused */
	n = record_account_encode(&info, &c, buf);
	buf[RECORD_ACCOUNT_SIZE + 3 + 2] = '\n';
	T_CHECK(record_account_decode(buf, n, &out, &out_c, &error) < 0 &&
		strstr(error, "contacts") != NULL, "a contact with LF accepted");
	/* a length over the cap, and an unknown source */
	n = record_account_encode(&info, &c, buf);
	buf[RECORD_ACCOUNT_SIZE + 1] = 0xff;
	buf[RECORD_ACCOUNT_SIZE + 2] = 0x01;
	T_CHECK(record_account_decode(buf, n, &out, &out_c, &error) < 0,
		"over-long contact accepted");
	n = record_account_encode(&info, &c, buf);
	buf[RECORD_ACCOUNT_SIZE] = 7;
	T_CHECK(record_account_decode(buf, n, &out, &out_c, &error) < 0,
		"unknown contact source accepted");
	/* newer, version 0, unknown directory source */
	n = record_account_encode(&info, &c, buf);
	buf[0] = RECORD_ACCOUNT_VERSION + 1;
	error = NULL;
	T_CHECK(record_account_decode(buf, n, &out, NULL, &error) < 0 &&
		error != NULL && strstr(error, "newer") != NULL, "newer version accepted");
	buf[0] = 0;
	T_CHECK(record_account_decode(buf, n, &out, NULL, &error) < 0,
		"version 0 accepted");
	buf[0] = 1;
	buf[1] = 3;
	T_CHECK(record_account_decode(buf, n, &out, NULL, &error) < 0,
		"unknown source accepted");
	T_END();
}

struct info_merge_case {
	struct account_info have, src, want;
	bool changed;
};

static const struct info_merge_case info_merge_cases[] = {
	/* earliest first_seen, latest last_seen (with its source) */
	{ { 100, 200, 0, SOURCE_DOVEADM }, { 50, 300, 0, SOURCE_FILE },
	  { 50, 300, 0, SOURCE_FILE }, true },
	{ { 100, 200, 0, SOURCE_DOVEADM }, { 150, 150, 0, SOURCE_FILE },
	  { 100, 200, 0, SOURCE_DOVEADM }, false },
	/* unknown first_seen never wins */
	{ { 100, 200, 0, SOURCE_DOVEADM }, { 0, 200, 0, SOURCE_DOVEADM },
	  { 100, 200, 0, SOURCE_DOVEADM }, false },
	{ { 0, 0, 0, SOURCE_UNKNOWN }, { 100, 200, 0, SOURCE_FILE },
	  { 100, 200, 0, SOURCE_FILE }, true },
	/* gone only if no host saw it listed after it went */
	{ { 100, 200, 0, SOURCE_DOVEADM }, { 100, 200, 250, SOURCE_DOVEADM },
	  { 100, 200, 250, SOURCE_DOVEADM }, true },
	{ { 100, 300, 0, SOURCE_DOVEADM }, { 100, 200, 250, SOURCE_DOVEADM },
	  { 100, 300, 0, SOURCE_DOVEADM }, false },
	{ { 100, 200, 250, SOURCE_DOVEADM }, { 100, 300, 0, SOURCE_DOVEADM },
	  { 100, 300, 0, SOURCE_DOVEADM }, true },
};

static void test_account_info_merge(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(info_merge_cases); i++) {
		const struct info_merge_case *c = &info_merge_cases[i];
		struct account_info info = c->have;
		bool changed = account_info_merge(&info, &c->src);

		T_CHECK(changed == c->changed, "case %zu: changed %d, expected %d", i,
			changed, c->changed);
		T_CHECK(info.first_seen == c->want.first_seen &&
			info.last_seen == c->want.last_seen &&
			info.gone_since == c->want.gone_since &&
			info.source == c->want.source,
			"case %zu: got {%lld %lld %lld %d}", i, (long long)info.first_seen,
			(long long)info.last_seen, (long long)info.gone_since, info.source);
	}
	T_END();
}

static void test_event_record(void **state)
{
	struct account_event ev, out;
	uint8_t buf[RECORD_EVENT_SIZE];
	const char *error = NULL;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_WAKEUP_LOGIN;
	ev.idle = 100 * 86400;
	ev.ip = test_ip("2001:db8::7");
	strcpy(ev.service, "imap");
	record_event_encode(&ev, buf);
	assert_int_equal(record_event_decode(buf, sizeof(buf), &out, &error), 0);
	assert_int_equal(out.kind, ev.kind);
	assert_int_equal(out.idle, ev.idle);
	assert_true(test_ip_equal(&out.ip, &ev.ip));
	assert_string_equal(out.service, "imap");
	assert_true(record_event_decode(buf, sizeof(buf) - 1, &out, &error) < 0);
	buf[1] = 9;
	assert_true(record_event_decode(buf, sizeof(buf), &out, &error) < 0);
	buf[1] = EVENT_REFUSED_SEND;
	buf[0] = 2;
	assert_true(record_event_decode(buf, sizeof(buf), &out, &error) < 0);
	assert_non_null(strstr(error, "newer"));
	assert_string_equal(event_kind_name(EVENT_WAKEUP_LOGIN), "wakeup-login");
	assert_string_equal(event_kind_name(EVENT_REFUSED_SEND), "refused-send");
	assert_string_equal(event_kind_name((enum event_kind)99), "unknown");

	/* the new-network kinds and the flags byte; a v1 record written
	   before them (byte 3 zero) reads as no flags */
	ev.kind = EVENT_NEW_NETWORK_SEND;
	ev.flags = EVENT_FLAG_NEW_NETWORK | EVENT_FLAG_SUSPENDED;
	record_event_encode(&ev, buf);
	assert_int_equal(buf[3], 0x03);
	assert_int_equal(record_event_decode(buf, sizeof(buf), &out, &error), 0);
	assert_int_equal(out.kind, EVENT_NEW_NETWORK_SEND);
	assert_int_equal(out.flags, 0x03);
	buf[3] = 0;
	assert_int_equal(record_event_decode(buf, sizeof(buf), &out, &error), 0);
	assert_int_equal(out.flags, 0);
	buf[3] = 0x04;
	assert_true(record_event_decode(buf, sizeof(buf), &out, &error) < 0);
	buf[3] = 0;
	buf[1] = EVENT_NEW_NETWORK_SEND + 1;
	assert_true(record_event_decode(buf, sizeof(buf), &out, &error) < 0);
	assert_string_equal(event_kind_name(EVENT_NEW_NETWORK_LOGIN), "new-network-login");
	assert_string_equal(event_kind_name(EVENT_NEW_NETWORK_SEND), "new-network-send");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activity_roundtrip),
		cmocka_unit_test(test_activity_layout),
		cmocka_unit_test(test_activity_decode),
		cmocka_unit_test(test_activity_decode_exhaustive),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_state_max),
		cmocka_unit_test(test_state_decode),
		cmocka_unit_test(test_state_truncated),
		cmocka_unit_test(test_account_record),
		cmocka_unit_test(test_account_record_v1_bytes),
		cmocka_unit_test(test_account_record_contacts),
		cmocka_unit_test(test_account_info_merge),
		cmocka_unit_test(test_event_record),
	};

	test_init();
	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}

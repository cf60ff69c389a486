/* test-record.c - the record codecs and the activity rules (doc/DESIGN.md §3):
 * versioned fixed-layout records, "timestamps only move forward", write
 * coalescing, IP parsing, state records. */
#include "testutil.h"
#include "record.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct ip_bin ip(const char *text)
{
	struct ip_bin b;

	memset(&b, 0, sizeof(b));
	if (text != NULL && ip_parse(text, &b) < 0)
		T_FATAL("test bug: cannot parse %s", text);
	return b;
}

static bool ip_equal(const struct ip_bin *a, const struct ip_bin *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

static bool activity_equal(const struct activity *a, const struct activity *b)
{
	return a->last_login == b->last_login && a->last_send == b->last_send &&
		a->last_receive == b->last_receive &&
		ip_equal(&a->login_ip, &b->login_ip) &&
		ip_equal(&a->send_ip, &b->send_ip) &&
		strcmp(a->login_service, b->login_service) == 0;
}

static const char *activity_text(const struct activity *a, char *buf, size_t size)
{
	char lip[IP_TEXT_MAX], sip[IP_TEXT_MAX];

	ip_format(&a->login_ip, lip);
	ip_format(&a->send_ip, sip);
	snprintf(buf, size, "{login %lld %s '%s', send %lld %s, recv %lld}",
		 (long long)a->last_login, lip, a->login_service,
		 (long long)a->last_send, sip, (long long)a->last_receive);
	return buf;
}

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
	a->login_ip = ip(c->login_ip);
	a->send_ip = ip(c->send_ip);
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
			T_CHECK(activity_equal(&a, &b), "case %zu: %s became %s", i,
				activity_text(&a, t1, sizeof(t1)),
				activity_text(&b, t2, sizeof(t2)));
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
	a.login_ip = ip("192.0.2.1");
	a.send_ip = ip("2001:db8::1");
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
	good.login_ip = ip("192.0.2.1");
	good.send_ip = ip("2001:db8::2");
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
			T_CHECK(activity_equal(&out, &good), "case %zu (%s): fields differ",
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
	good.login_ip = ip("10.1.2.3");
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

/* ---- activity_apply: the max rule ---- */

static void stored_record(struct activity *a)
{
	memset(a, 0, sizeof(*a));
	a->last_login = 1000;
	a->login_ip = ip("10.0.0.1");
	strcpy(a->login_service, "imap");
	a->last_send = 2000;
	a->send_ip = ip("10.0.0.2");
	a->last_receive = 3000;
}

struct apply_case {
	struct activity_event ev;
	bool changed;
	/* expected record afterwards */
	int64_t login, send, recv;
	const char *login_ip, *send_ip, *service;
};

#define LOGIN ACTIVITY_LOGIN
#define SEND ACTIVITY_SEND
#define RECV ACTIVITY_RECEIVE

static const struct apply_case apply_cases[] = {
	/* older or equal: nothing changes, whatever ip and service say */
	{ { LOGIN, 999, "pop3", "10.9.9.9" }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	{ { LOGIN, 1000, "pop3", "10.9.9.9" }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	{ { LOGIN, 0, NULL, NULL }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	{ { LOGIN, -5, NULL, NULL }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	{ { SEND, 1999, NULL, "10.9.9.9" }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	{ { SEND, 2000, NULL, "10.9.9.9" }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	{ { RECV, 3000, NULL, NULL }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	{ { RECV, 2999, NULL, "10.9.9.9" }, false, 1000, 2000, 3000, "10.0.0.1", "10.0.0.2", "imap" },
	/* newer: time, ip and service of that kind only */
	{ { LOGIN, 1001, "pop3", "10.9.9.9" }, true, 1001, 2000, 3000, "10.9.9.9", "10.0.0.2", "pop3" },
	{ { LOGIN, 5000, "imap", "2001:db8::9" }, true, 5000, 2000, 3000, "2001:db8::9", "10.0.0.2", "imap" },
	{ { LOGIN, 5000, NULL, NULL }, true, 5000, 2000, 3000, NULL, "10.0.0.2", "" },
	{ { LOGIN, 5000, "imap", "not-an-ip" }, true, 5000, 2000, 3000, NULL, "10.0.0.2", "imap" },
	{ { LOGIN, 5000, "imap", "[10.9.9.9]" }, true, 5000, 2000, 3000, "10.9.9.9", "10.0.0.2", "imap" },
	{ { LOGIN, 5000, "averyveryverylongservicename", NULL }, true, 5000, 2000, 3000, NULL, "10.0.0.2", "averyveryverylo" },
	{ { LOGIN, 5000, "im ap\x01\xc3", NULL }, true, 5000, 2000, 3000, NULL, "10.0.0.2", "im?ap??" },
	{ { SEND, 2001, "smtp", "10.9.9.9" }, true, 1000, 2001, 3000, "10.0.0.1", "10.9.9.9", "imap" },
	{ { SEND, 9000, NULL, NULL }, true, 1000, 9000, 3000, "10.0.0.1", NULL, "imap" },
	{ { RECV, 3001, "lmtp", "10.9.9.9" }, true, 1000, 2000, 3001, "10.0.0.1", "10.0.0.2", "imap" },
};

static void test_activity_apply(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(apply_cases); i++) {
		const struct apply_case *c = &apply_cases[i];
		struct activity a, want;
		char t1[256], t2[256];
		bool changed;

		stored_record(&a);
		memset(&want, 0, sizeof(want));
		want.last_login = c->login;
		want.last_send = c->send;
		want.last_receive = c->recv;
		want.login_ip = ip(c->login_ip);
		want.send_ip = ip(c->send_ip);
		strcpy(want.login_service, c->service);
		changed = activity_apply(&a, &c->ev);
		T_CHECK(changed == c->changed, "case %zu: changed %d, expected %d", i,
			changed, c->changed);
		T_CHECK(activity_equal(&a, &want), "case %zu: got %s, expected %s", i,
			activity_text(&a, t1, sizeof(t1)),
			activity_text(&want, t2, sizeof(t2)));
	}
	T_END();
}

/* ---- activity_is_fresh: write coalescing ---- */

struct fresh_case {
	struct activity_event ev;
	unsigned int interval;
	bool fresh;
};

static const struct fresh_case fresh_cases[] = {
	/* login stored at 1000 from 10.0.0.1 over imap */
	{ { LOGIN, 1030, "imap", "10.0.0.1" }, 60, true },
	{ { LOGIN, 1059, "imap", "10.0.0.1" }, 60, true },
	{ { LOGIN, 1060, "imap", "10.0.0.1" }, 60, false },     /* interval reached */
	{ { LOGIN, 5000, "imap", "10.0.0.1" }, 60, false },
	{ { LOGIN, 1030, "imap", "10.0.0.9" }, 60, false },     /* new address */
	{ { LOGIN, 1030, "pop3", "10.0.0.1" }, 60, false },     /* new service */
	{ { LOGIN, 1030, NULL, "10.0.0.1" }, 60, false },
	{ { LOGIN, 1030, "imap", NULL }, 60, false },
	{ { LOGIN, 1030, "imap", "[10.0.0.1]" }, 60, true },    /* same address */
	{ { LOGIN, 1030, "imap", "::ffff:10.0.0.1" }, 60, true }, /* same, mapped */
	{ { LOGIN, 1000, "pop3", "10.0.0.9" }, 60, true },      /* equal: nothing newer */
	{ { LOGIN, 500, "pop3", "10.0.0.9" }, 60, true },       /* older */
	{ { LOGIN, 1001, "imap", "10.0.0.1" }, 0, false },      /* no coalescing */
	{ { LOGIN, 1000, "imap", "10.0.0.1" }, 0, true },
	/* send stored at 2000 from 10.0.0.2; the service plays no part */
	{ { SEND, 2030, NULL, "10.0.0.2" }, 60, true },
	{ { SEND, 2030, "smtp", "10.0.0.2" }, 60, true },
	{ { SEND, 2030, NULL, "10.0.0.3" }, 60, false },
	{ { SEND, 2060, NULL, "10.0.0.2" }, 60, false },
	{ { SEND, 1500, NULL, "10.0.0.3" }, 60, true },
	/* receive stored at 3000 */
	{ { RECV, 3030, NULL, "10.0.0.3" }, 60, true },
	{ { RECV, 3060, NULL, NULL }, 60, false },
	{ { RECV, 2000, NULL, NULL }, 60, true },
	/* a large interval */
	{ { LOGIN, 1000 + 86399, "imap", "10.0.0.1" }, 86400, true },
	{ { LOGIN, 1000 + 86400, "imap", "10.0.0.1" }, 86400, false },
};

static void test_activity_is_fresh(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(fresh_cases); i++) {
		const struct fresh_case *c = &fresh_cases[i];
		struct activity a, before;
		bool fresh;

		stored_record(&a);
		before = a;
		fresh = activity_is_fresh(&a, &c->ev, c->interval);
		T_CHECK(fresh == c->fresh, "case %zu (kind %d, time %lld, %s, %s, "
			"interval %u): fresh %d, expected %d", i, c->ev.kind,
			(long long)c->ev.time, T_STR(c->ev.service), T_STR(c->ev.ip),
			c->interval, fresh, c->fresh);
		T_CHECK(activity_equal(&a, &before), "case %zu: record changed", i);
	}
	T_END();
}

/* activity_is_fresh for an account never seen: nothing is fresh. */
static void test_fresh_unknown_account(void **state)
{
	struct activity a;
	struct activity_event ev = { LOGIN, 1700000000, "imap", "10.0.0.1" };

	memset(&a, 0, sizeof(a));
	assert_false(activity_is_fresh(&a, &ev, 60));
	ev.kind = SEND;
	assert_false(activity_is_fresh(&a, &ev, 60));
	ev.kind = RECV;
	assert_false(activity_is_fresh(&a, &ev, 60));
}

/* ---- activity_merge and activity_last ---- */

static void test_activity_merge(void **state)
{
	struct activity a, b, want;
	char t1[256], t2[256];

	stored_record(&a);
	/* b: older login, newer send, older receive */
	memset(&b, 0, sizeof(b));
	b.last_login = 900;
	b.login_ip = ip("10.5.5.5");
	strcpy(b.login_service, "pop3");
	b.last_send = 2500;
	b.send_ip = ip("2001:db8::5");
	b.last_receive = 100;
	want = a;
	want.last_send = 2500;
	want.send_ip = b.send_ip;
	assert_true(activity_merge(&a, &b));
	if (!activity_equal(&a, &want))
		T_FATAL("merge: %s, expected %s", activity_text(&a, t1, sizeof(t1)),
			 activity_text(&want, t2, sizeof(t2)));
	/* merging again, or merging an older record, changes nothing */
	assert_false(activity_merge(&a, &b));
	memset(&b, 0, sizeof(b));
	assert_false(activity_merge(&a, &b));
	/* a newer login brings its address and service along */
	b.last_login = 1500;
	b.login_ip = ip("10.6.6.6");
	strcpy(b.login_service, "submission");
	b.last_receive = 4000;
	assert_true(activity_merge(&a, &b));
	assert_int_equal(a.last_login, 1500);
	assert_true(ip_equal(&a.login_ip, &b.login_ip));
	assert_string_equal(a.login_service, "submission");
	assert_int_equal(a.last_receive, 4000);
	assert_int_equal(a.last_send, 2500);
}

struct last_case {
	int64_t login, send, recv, last;
};

static const struct last_case last_cases[] = {
	{ 0, 0, 0, 0 },
	{ 10, 0, 0, 10 },
	{ 0, 10, 0, 10 },
	{ 10, 20, 0, 20 },
	{ 20, 10, 0, 20 },
	{ 10, 20, 99, 20 },       /* receiving is not activity */
	{ 0, 0, 99, 0 },
};

static void test_activity_last(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(last_cases); i++) {
		struct activity a;

		memset(&a, 0, sizeof(a));
		a.last_login = last_cases[i].login;
		a.last_send = last_cases[i].send;
		a.last_receive = last_cases[i].recv;
		T_CHECK(activity_last(&a) == last_cases[i].last, "case %zu: %lld, expected %lld",
			i, (long long)activity_last(&a), (long long)last_cases[i].last);
	}
	T_END();
}

/* ---- ip_parse / ip_format ---- */

struct ip_case {
	const char *text;
	int ret;
	uint8_t family;
	const char *formatted;       /* ip_format of the result */
};

static const struct ip_case ip_cases[] = {
	{ "10.0.0.1", 0, 4, "10.0.0.1" },
	{ "0.0.0.0", 0, 4, "0.0.0.0" },
	{ "255.255.255.255", 0, 4, "255.255.255.255" },
	{ "192.0.2.10", 0, 4, "192.0.2.10" },
	{ "1.20.100.9", 0, 4, "1.20.100.9" },
	{ "[10.0.0.1]", 0, 4, "10.0.0.1" },
	{ "::1", 0, 6, "::1" },
	{ "[::1]", 0, 6, "::1" },
	{ "IPv6:::1", 0, 6, "::1" },
	{ "ipv6:::1", 0, 6, "::1" },
	{ "IPv6:[::1]", 0, 6, "::1" },
	{ "IPv6:2001:DB8::1", 0, 6, "2001:db8::1" },
	{ "2001:db8:0:0:0:0:0:1", 0, 6, "2001:db8::1" },
	/* IPv4-mapped: the IPv4 address it carries */
	{ "::ffff:10.0.0.1", 0, 4, "10.0.0.1" },
	{ "::FFFF:192.0.2.7", 0, 4, "192.0.2.7" },
	{ "[::ffff:c000:207]", 0, 4, "192.0.2.7" },
	{ "IPv6:::ffff:192.0.2.7", 0, 4, "192.0.2.7" },
	/* not mapped: IPv4-compatible (deprecated) and NAT64 stay IPv6 */
	{ "::10.0.0.1", 0, 6, "::10.0.0.1" },
	{ "64:ff9b::192.0.2.7", 0, 6, "64:ff9b::c000:207" },
	{ "::", 0, 6, "::" },
	/* 45 characters, the longest text form, in brackets */
	{ "[0000:0000:0000:0000:0000:ffff:255.255.255.255]", 0, 4, "255.255.255.255" },
	{ "", -1, 0, "" },
	{ "[]", -1, 0, "" },
	{ "IPv6:", -1, 0, "" },
	{ "IPv6:[]", -1, 0, "" },
	{ "garbage", -1, 0, "" },
	{ "unknown", -1, 0, "" },
	{ "10.0.0.256", -1, 0, "" },
	{ "10.0.0", -1, 0, "" },
	{ " 10.0.0.1", -1, 0, "" },
	{ "10.0.0.1 ", -1, 0, "" },
	{ "[10.0.0.1", -1, 0, "" },
	{ "10.0.0.1]", -1, 0, "" },
	{ "IPv6:10.0.0.1x", -1, 0, "" },
	{ "::1::", -1, 0, "" },
	{ "1:2:3:4:5:6:7:8:9", -1, 0, "" },
	{ "fe80::1%eth0", -1, 0, "" },
	/* too long for any address */
	{ "0000:0000:0000:0000:0000:ffff:255.255.255.2555", -1, 0, "" },
	{ "000000000000000000000000000000000000000000000000000000000000000000000000000000001", -1, 0, "" },
};

static void test_ip_parse(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(ip_cases); i++) {
		const struct ip_case *c = &ip_cases[i];
		struct ip_bin b;
		char text[IP_TEXT_MAX];
		int ret;

		memset(&b, 0x77, sizeof(b));
		ret = ip_parse(c->text, &b);
		T_CHECK(ret == c->ret, "case %zu '%s': returned %d, expected %d", i,
			c->text, ret, c->ret);
		T_CHECK(b.family == c->family, "case %zu '%s': family %u, expected %u",
			i, c->text, b.family, c->family);
		if (ret < 0) {
			static const uint8_t zero[16];
			T_CHECK(memcmp(b.addr, zero, 16) == 0,
				"case %zu '%s': address not cleared on failure", i, c->text);
		}
		/* records compare addresses with memcmp: IPv4 is 4 bytes + zeros */
		if (ret == 0 && b.family == 4) {
			static const uint8_t zero[12];
			T_CHECK(memcmp(b.addr + 4, zero, 12) == 0,
				"case %zu '%s': bytes after an IPv4 address", i, c->text);
		}
		ip_format(&b, text);
		T_CHECK(strcmp(text, c->formatted) == 0, "case %zu '%s': formatted '%s', "
			"expected '%s'", i, c->text, text, c->formatted);
	}
	T_END();
}

/* ip_format(ip_parse(x)) for every IPv4 byte value in every position
   (the IPv4 formatter is hand-written). */
static void test_ip_format_v4(void **state)
{
	T_BEGIN();
	for (unsigned v = 0; v < 256; v++) {
		for (int pos = 0; pos < 4; pos++) {
			unsigned o[4] = { 1, 22, 133, 4 };
			char in[32], out[IP_TEXT_MAX];
			struct ip_bin b;

			o[pos] = v;
			snprintf(in, sizeof(in), "%u.%u.%u.%u", o[0], o[1], o[2], o[3]);
			if (ip_parse(in, &b) < 0) {
				T_CHECK(false, "cannot parse %s", in);
				continue;
			}
			ip_format(&b, out);
			T_CHECK(strcmp(in, out) == 0, "%s formatted as %s", in, out);
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
	uint8_t buf[RECORD_ACCOUNT_SIZE + 4];
	struct account_info out;
	const char *error;

	T_BEGIN();
	for (size_t i = 0; i < N(infos); i++) {
		error = NULL;
		record_account_encode(&infos[i], buf);
		T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE, &out, &error) == 0,
			"case %zu: %s", i, T_STR(error));
		T_CHECK(out.first_seen == infos[i].first_seen &&
			out.last_seen == infos[i].last_seen &&
			out.gone_since == infos[i].gone_since &&
			out.source == infos[i].source, "case %zu: fields differ", i);
		/* appended fields are fine, a short record is not */
		T_CHECK(record_account_decode(buf, sizeof(buf), &out, &error) == 0,
			"case %zu: longer record refused", i);
		T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE - 1, &out, &error) < 0,
			"case %zu: truncated record accepted", i);
	}
	record_account_encode(&infos[0], buf);
	buf[0] = 2;
	error = NULL;
	T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE, &out, &error) < 0 &&
		error != NULL && strstr(error, "newer") != NULL, "newer version accepted");
	buf[0] = 0;
	T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE, &out, &error) < 0,
		"version 0 accepted");
	buf[0] = 1;
	buf[1] = 3;
	T_CHECK(record_account_decode(buf, RECORD_ACCOUNT_SIZE, &out, &error) < 0,
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
	ev.ip = ip("2001:db8::7");
	strcpy(ev.service, "imap");
	record_event_encode(&ev, buf);
	assert_int_equal(record_event_decode(buf, sizeof(buf), &out, &error), 0);
	assert_int_equal(out.kind, ev.kind);
	assert_int_equal(out.idle, ev.idle);
	assert_true(ip_equal(&out.ip, &ev.ip));
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activity_roundtrip),
		cmocka_unit_test(test_activity_layout),
		cmocka_unit_test(test_activity_decode),
		cmocka_unit_test(test_activity_decode_exhaustive),
		cmocka_unit_test(test_activity_apply),
		cmocka_unit_test(test_activity_is_fresh),
		cmocka_unit_test(test_fresh_unknown_account),
		cmocka_unit_test(test_activity_merge),
		cmocka_unit_test(test_activity_last),
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_ip_format_v4),
		cmocka_unit_test(test_state_roundtrip),
		cmocka_unit_test(test_state_max),
		cmocka_unit_test(test_state_decode),
		cmocka_unit_test(test_state_truncated),
		cmocka_unit_test(test_account_record),
		cmocka_unit_test(test_account_info_merge),
		cmocka_unit_test(test_event_record),
	};

	test_init();
	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}

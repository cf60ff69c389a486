/* test-netset.c - an account's recent networks (netset.c): /24 and /48
 * grouping, IPv4-mapped addresses, eviction of the least recently seen,
 * times that never move back, hostile records; the client name from a
 * retained IMAP ID (imapid.c); and which event a login or send raises
 * (alert.c). */
#include "testutil.h"
#include "activitytest.h"
#include "netset.h"
#include "imapid.h"
#include "alert.h"
#include "byteorder.h"

#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static enum netset_result observe(struct netset *set, const char *ip,
				  unsigned int kind, int64_t t, bool *changed_r)
{
	struct netset_use use;
	bool changed;

	memset(&use, 0, sizeof(use));
	if (ip != NULL)
		use.ip = test_ip(ip);
	use.kind = kind;
	use.time = t;
	return netset_observe(set, &use, changed_r != NULL ? changed_r : &changed);
}

static const struct {
	const char *a, *b;
	bool same;
} grouping_cases[] = {
	{ "203.0.113.7", "203.0.113.250", true },
	{ "203.0.113.7", "203.0.114.7", false },
	{ "203.0.113.7", "::ffff:203.0.113.9", true },    /* mapped: IPv4 */
	{ "2001:db8:1::1", "2001:db8:1:ffff::2", true },  /* same /48 */
	{ "2001:db8:1::1", "2001:db8:2::1", false },
	{ "10.0.0.1", "::a00:1", false },                 /* not mapped: IPv6 */
	{ "10.0.0.1", "2001:db8::1", false },
};

static void test_grouping(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(grouping_cases); i++) {
		struct netset set;
		enum netset_result r1, r2;

		memset(&set, 0, sizeof(set));
		r1 = observe(&set, grouping_cases[i].a, NETSET_LOGIN, 100, NULL);
		r2 = observe(&set, grouping_cases[i].b, NETSET_LOGIN, 200, NULL);
		T_CHECK(r1 == NETSET_TAUGHT, "case %zu: first is %d", i, r1);
		T_CHECK(r2 == (grouping_cases[i].same ? NETSET_KNOWN : NETSET_NEW),
			"case %zu: %s then %s gave %d", i, grouping_cases[i].a,
			grouping_cases[i].b, r2);
		T_CHECK(set.count == (grouping_cases[i].same ? 1u : 2u),
			"case %zu: %u entries", i, set.count);
	}
	T_END();
}

static void test_format_and_none(void **state)
{
	struct netset set;
	char buf[NETSET_TEXT_MAX];

	(void)state;
	memset(&set, 0, sizeof(set));
	assert_int_equal(observe(&set, NULL, NETSET_LOGIN, 1, NULL), NETSET_NONE);
	assert_int_equal(set.count, 0);
	observe(&set, "::ffff:203.0.113.7", NETSET_LOGIN, 1, NULL);
	observe(&set, "2001:db8:abcd:12::1", NETSET_SEND, 2, NULL);
	netset_format(&set.entry[0], buf);
	assert_string_equal(buf, "203.0.113.0/24");
	netset_format(&set.entry[1], buf);
	assert_string_equal(buf, "2001:db8:abcd::/48");
	assert_int_equal(set.entry[1].kinds, NETSET_SEND);
}

/* A full set gives up its least recently seen network, not its oldest
   or its first. */
static void test_eviction(void **state)
{
	struct netset set;
	char ip[32];

	(void)state;
	memset(&set, 0, sizeof(set));
	for (int i = 0; i < NETSET_MAX; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.1", i);
		observe(&set, ip, NETSET_LOGIN, 1000 + i, NULL);
	}
	assert_int_equal(set.count, NETSET_MAX);
	/* 10.0.0.x, the oldest, is seen again: 10.0.1.x is now the least
	   recently seen */
	assert_int_equal(observe(&set, "10.0.0.9", NETSET_LOGIN, 5000, NULL),
			 NETSET_KNOWN);
	assert_int_equal(observe(&set, "192.0.2.1", NETSET_LOGIN, 5001, NULL),
			 NETSET_NEW);
	assert_int_equal(set.count, NETSET_MAX);
	{
		struct ip_bin a = test_ip("10.0.0.1"), b = test_ip("10.0.1.1"),
			c = test_ip("192.0.2.200"), d = test_ip("10.0.2.1");
		assert_non_null(netset_find(&set, &a));
		assert_null(netset_find(&set, &b));
		assert_non_null(netset_find(&set, &c));
		assert_non_null(netset_find(&set, &d));
	}
	/* the evicted network is new again */
	assert_int_equal(observe(&set, "10.0.1.1", NETSET_LOGIN, 5002, NULL),
			 NETSET_NEW);
}

/* last_seen only moves forward and first_seen only back, so replaying
   old events (another process, a clock step) loses nothing; the kinds
   accumulate; the client follows the latest login, a send keeps it. */
static void test_times_and_client(void **state)
{
	struct netset set;
	struct netset_use use;
	bool changed;

	(void)state;
	memset(&set, 0, sizeof(set));
	observe(&set, "198.51.100.1", NETSET_LOGIN, 1000, NULL);
	observe(&set, "198.51.100.2", NETSET_LOGIN, 900, &changed);
	assert_true(changed);
	assert_int_equal(set.entry[0].first_seen, 900);
	assert_int_equal(set.entry[0].last_seen, 1000);
	observe(&set, "198.51.100.2", NETSET_LOGIN, 950, &changed);
	assert_false(changed);
	observe(&set, "198.51.100.3", NETSET_SEND, 950, &changed);
	assert_true(changed);               /* a kind is news */
	assert_int_equal(set.entry[0].kinds, NETSET_LOGIN | NETSET_SEND);
	assert_int_equal(set.entry[0].last_seen, 1000);

	memset(&use, 0, sizeof(use));
	use.ip = test_ip("198.51.100.4");
	use.kind = NETSET_LOGIN;
	use.time = 2000;
	use.client = "Roundcube\x01 Webmail and a very long name";
	use.webmail = true;
	netset_observe(&set, &use, &changed);
	assert_string_equal(set.entry[0].client, "Roundcube? Webmail and ");
	assert_int_equal(strlen(set.entry[0].client), NETSET_CLIENT_MAX);
	assert_int_equal(set.entry[0].flags, NETSET_WEBMAIL);
	use.kind = NETSET_SEND;
	use.time = 2100;
	use.client = NULL;
	use.webmail = false;
	netset_observe(&set, &use, &changed);
	assert_string_equal(set.entry[0].client, "Roundcube? Webmail and ");
	assert_int_equal(set.entry[0].flags, 0);
	/* an older login changes neither client nor flags */
	use.kind = NETSET_LOGIN;
	use.time = 1500;
	use.client = "Other";
	netset_observe(&set, &use, &changed);
	assert_false(changed);
	assert_string_equal(set.entry[0].client, "Roundcube? Webmail and ");
}

static void test_drop_future(void **state)
{
	struct netset set;

	(void)state;
	memset(&set, 0, sizeof(set));
	observe(&set, "192.0.2.1", NETSET_LOGIN, 100, NULL);
	observe(&set, "198.51.100.1", NETSET_LOGIN, 10000, NULL);
	observe(&set, "203.0.113.1", NETSET_LOGIN, 200, NULL);
	assert_int_equal(netset_drop_future(&set, 5000), 1);
	assert_int_equal(set.count, 2);
	assert_int_equal(set.entry[1].last_seen, 200);
}

static void test_record_roundtrip(void **state)
{
	struct netset set, out;
	uint8_t buf[RECORD_NETSET_MAX];
	const char *error = NULL;
	size_t len;
	char ip[32];

	(void)state;
	memset(&set, 0, sizeof(set));
	len = record_netset_encode(&set, buf);
	assert_int_equal(len, RECORD_NETSET_HEADER);
	assert_int_equal(record_netset_decode(buf, len, &out, &error), 0);
	assert_int_equal(out.count, 0);
	for (int i = 0; i < NETSET_MAX; i++) {
		snprintf(ip, sizeof(ip), i % 2 ? "10.%d.0.1" : "2001:db8:%x::1", i);
		observe(&set, ip, NETSET_LOGIN, 1000 + i, NULL);
	}
	strcpy(set.entry[3].client, "SOGo");
	set.entry[3].flags = NETSET_WEBMAIL;
	len = record_netset_encode(&set, buf);
	assert_int_equal(len, RECORD_NETSET_MAX);
	/* the layout: little-endian times at fixed offsets */
	assert_int_equal(buf[0], RECORD_NETSET_VERSION);
	assert_int_equal(buf[1], NETSET_MAX);
	assert_int_equal(get_le64(buf + RECORD_NETSET_HEADER + 24), 1000);
	assert_int_equal(record_netset_decode(buf, len, &out, &error), 0);
	assert_int_equal(out.count, set.count);
	assert_memory_equal(&out.entry, &set.entry, sizeof(set.entry));
}

/* Bytes planted by whoever can write the database: every one is an error,
   never a crash or a half-read set. */
static void test_record_hostile(void **state)
{
	struct netset set, out;
	uint8_t good[RECORD_NETSET_MAX], bad[RECORD_NETSET_MAX + 8];
	const char *error;
	size_t len;
	static const struct {
		const char *what;
		size_t off;                  /* from the first entry; ~0: header */
		uint8_t value;
		const char *msg;
	} cases[] = {
		{ "version 0", 0, 0, "version 0" },
		{ "newer", 0, 2, "newer dormant" },
		{ "count over max", 1, NETSET_MAX + 1, "too many" },
		{ "count past the bytes", 1, 3, "wrong length" },
		{ "family 5", RECORD_NETSET_HEADER + 0, 5, "malformed entry" },
		{ "no kind", RECORD_NETSET_HEADER + 1, 0, "malformed entry" },
		{ "unknown kind", RECORD_NETSET_HEADER + 1, 0x04, "malformed entry" },
		{ "unknown flag", RECORD_NETSET_HEADER + 2, 0x02, "malformed entry" },
		{ "reserved", RECORD_NETSET_HEADER + 3, 1, "malformed entry" },
		{ "IPv4 prefix padding", RECORD_NETSET_HEADER + 4 + 3, 1, "malformed entry" },
		{ "negative first seen", RECORD_NETSET_HEADER + 16 + 7, 0x80, "malformed entry" },
		{ "last before first", RECORD_NETSET_HEADER + 16 + 2, 0x7f, "malformed entry" },
		{ "control in client", RECORD_NETSET_HEADER + 32, 0x07, "malformed entry" },
		{ "hole in client", RECORD_NETSET_HEADER + 32 + 10, 'x', "malformed entry" },
		{ "client unterminated", RECORD_NETSET_HEADER + 55, 'x', "malformed entry" },
	};

	(void)state;
	memset(&set, 0, sizeof(set));
	observe(&set, "192.0.2.1", NETSET_LOGIN, 1000, NULL);
	observe(&set, "2001:db8::1", NETSET_SEND, 2000, NULL);
	strcpy(set.entry[0].client, "Roundcube");
	len = record_netset_encode(&set, good);
	T_BEGIN();
	for (size_t i = 0; i < N(cases); i++) {
		memcpy(bad, good, len);
		bad[cases[i].off] = cases[i].value;
		error = NULL;
		memset(&out, 0x5a, sizeof(out));
		T_CHECK(record_netset_decode(bad, len, &out, &error) < 0,
			"%s: decoded", cases[i].what);
		T_CHECK(error != NULL && strstr(error, cases[i].msg) != NULL,
			"%s: error %s", cases[i].what, T_STR(error));
		T_CHECK(out.count == 0x5a5a5a5a, "%s: output written", cases[i].what);
	}
	/* the same network twice */
	memcpy(bad, good, len);
	memcpy(bad + RECORD_NETSET_HEADER + RECORD_NETSET_ENTRY,
	       bad + RECORD_NETSET_HEADER, RECORD_NETSET_ENTRY);
	T_CHECK(record_netset_decode(bad, len, &out, &error) < 0 &&
		strstr(error, "twice") != NULL, "duplicate: %s", T_STR(error));
	/* every truncation, and a trailing byte */
	for (size_t n = 0; n < len; n++)
		T_CHECK(record_netset_decode(good, n, &out, &error) < 0,
			"truncated to %zu decoded", n);
	memcpy(bad, good, len);
	bad[len] = 0;
	T_CHECK(record_netset_decode(bad, len + 1, &out, &error) < 0,
		"trailing byte decoded");
	T_END();
}

static const struct {
	const char *list, *name;
} imapid_cases[] = {
	{ "\"name\" \"Roundcube\" \"version\" \"1.6\"", "Roundcube" },
	{ "\"version\" \"1.6\" \"NAME\" \"SOGo\"", "SOGo" },
	{ "\"os\" NIL \"name\" \"Z-Push\"", "Z-Push" },
	{ "\"name\" \"a \\\"quoted\\\" \\\\ one\"", "a \"quoted\" \\ one" },
	{ "\"name\" NIL", "" },
	{ "\"name\" \"\"", "" },
	{ "\"vendor\" \"x\"", "" },
	{ "\"name\" \"unterminated", "" },
	{ "{4}\r\nname \"x\"", "" },                 /* literals: no name */
	{ "NIL \"name\"", "" },
	{ "\"namex\" \"y\"", "" },
	{ "", "" },
	{ "\"name\" \"Roundcube Webmail with a name longer than the buffer\"",
	  "Roundcube Webmail with " },
};

static void test_imapid_name(void **state)
{
	char out[NETSET_CLIENT_MAX + 1];

	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(imapid_cases); i++) {
		bool found = imapid_name(imapid_cases[i].list, out, sizeof(out));

		T_CHECK(strcmp(out, imapid_cases[i].name) == 0 &&
			found == (imapid_cases[i].name[0] != '\0'),
			"case %zu: got \"%s\" (%d)", i, out, found);
	}
	T_CHECK(!imapid_name(NULL, out, sizeof(out)) && out[0] == '\0', "NULL list");
	T_END();
}

#define DAY 86400
static const struct {
	const char *what;
	int64_t last;                    /* old activity */
	enum netset_result network;
	int64_t suspended_since;
	bool send;
	int kind;                        /* 0: no event */
	uint8_t flags;
	int64_t idle;
} alert_cases[] = {
	{ "active, known", 1000 * DAY - 3600, NETSET_KNOWN, 0, false, 0, 0, 0 },
	{ "first login teaches", 0, NETSET_TAUGHT, 0, false, 0, 0, 0 },
	{ "new network", 1000 * DAY - 3600, NETSET_NEW, 0, false,
	  EVENT_NEW_NETWORK_LOGIN, EVENT_FLAG_NEW_NETWORK, 3600 },
	{ "new network, send", 1000 * DAY - 3600, NETSET_NEW, 0, true,
	  EVENT_NEW_NETWORK_SEND, EVENT_FLAG_NEW_NETWORK, 3600 },
	{ "wake-up", 900 * DAY, NETSET_KNOWN, 0, false,
	  EVENT_WAKEUP_LOGIN, 0, 100 * DAY },
	{ "wake-up from a new network", 900 * DAY, NETSET_NEW, 0, true,
	  EVENT_WAKEUP_SEND, EVENT_FLAG_NEW_NETWORK, 100 * DAY },
	{ "just under dormant_after", 910 * DAY + 1, NETSET_KNOWN, 0, false, 0, 0, 0 },
	{ "suspended, first since", 1000 * DAY - 60, NETSET_KNOWN, 999 * DAY, false,
	  EVENT_WAKEUP_LOGIN, EVENT_FLAG_SUSPENDED, 60 },
	{ "suspended, never used", 0, NETSET_TAUGHT, 999 * DAY, false,
	  EVENT_WAKEUP_LOGIN, EVENT_FLAG_SUSPENDED, -1 },
	{ "no address, idle", 800 * DAY, NETSET_NONE, 0, false,
	  EVENT_WAKEUP_LOGIN, 0, 200 * DAY },
};

static void test_alert_event(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(alert_cases); i++) {
		struct store_news news;
		struct account_event ev;
		bool raised;

		memset(&news, 0, sizeof(news));
		news.old.last_login = alert_cases[i].last;
		news.network = alert_cases[i].network;
		news.suspended_since = alert_cases[i].suspended_since;
		raised = alert_event(&news, alert_cases[i].send, 1000 * DAY, 90 * DAY, &ev);
		T_CHECK(raised == (alert_cases[i].kind != 0), "%s: raised %d",
			alert_cases[i].what, raised);
		if (!raised || alert_cases[i].kind == 0)
			continue;
		T_CHECK((int)ev.kind == alert_cases[i].kind && ev.flags == alert_cases[i].flags &&
			ev.idle == alert_cases[i].idle, "%s: kind %d flags %u idle %lld",
			alert_cases[i].what, ev.kind, ev.flags, (long long)ev.idle);
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_format_and_none),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_times_and_client),
		cmocka_unit_test(test_drop_future),
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_hostile),
		cmocka_unit_test(test_imapid_name),
		cmocka_unit_test(test_alert_event),
	};

	test_init();
	return cmocka_run_group_tests_name("netset", tests, NULL, NULL);
}

/* test-activity.c - the activity rules: "timestamps only move forward",
 * the merge of whole records, write coalescing, last activity. */
#include "testutil.h"
#include "activitytest.h"
#include "activity.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- activity_apply: the max rule ---- */

static void stored_record(struct activity *a)
{
	memset(a, 0, sizeof(*a));
	a->last_login = 1000;
	a->login_ip = test_ip("10.0.0.1");
	strcpy(a->login_service, "imap");
	a->last_send = 2000;
	a->send_ip = test_ip("10.0.0.2");
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
		want.login_ip = test_ip(c->login_ip);
		want.send_ip = test_ip(c->send_ip);
		strcpy(want.login_service, c->service);
		changed = activity_apply(&a, &c->ev);
		T_CHECK(changed == c->changed, "case %zu: changed %d, expected %d", i,
			changed, c->changed);
		T_CHECK(test_activity_equal(&a, &want), "case %zu: got %s, expected %s", i,
			test_activity_text(&a, t1, sizeof(t1)),
			test_activity_text(&want, t2, sizeof(t2)));
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
	/* the same second: no newer time, but a new address is for the
	   account's networks (store_activity_record) */
	{ { LOGIN, 1000, "pop3", "10.0.0.9" }, 60, false },
	{ { LOGIN, 1000, "imap", "10.0.0.1" }, 60, true },
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
		T_CHECK(test_activity_equal(&a, &before), "case %zu: record changed", i);
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
	b.login_ip = test_ip("10.5.5.5");
	strcpy(b.login_service, "pop3");
	b.last_send = 2500;
	b.send_ip = test_ip("2001:db8::5");
	b.last_receive = 100;
	want = a;
	want.last_send = 2500;
	want.send_ip = b.send_ip;
	assert_true(activity_merge(&a, &b));
	if (!test_activity_equal(&a, &want))
		T_FATAL("merge: %s, expected %s", test_activity_text(&a, t1, sizeof(t1)),
			 test_activity_text(&want, t2, sizeof(t2)));
	/* merging again, or merging an older record, changes nothing */
	assert_false(activity_merge(&a, &b));
	memset(&b, 0, sizeof(b));
	assert_false(activity_merge(&a, &b));
	/* a newer login brings its address and service along */
	b.last_login = 1500;
	b.login_ip = test_ip("10.6.6.6");
	strcpy(b.login_service, "submission");
	b.last_receive = 4000;
	assert_true(activity_merge(&a, &b));
	assert_int_equal(a.last_login, 1500);
	assert_true(test_ip_equal(&a.login_ip, &b.login_ip));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activity_apply),
		cmocka_unit_test(test_activity_is_fresh),
		cmocka_unit_test(test_fresh_unknown_account),
		cmocka_unit_test(test_activity_merge),
		cmocka_unit_test(test_activity_last),
	};

	test_init();
	return cmocka_run_group_tests_name("activity", tests, NULL, NULL);
}

/* test-policy.c - policy_classify at every boundary of doc/DESIGN.md §6, and a
 * property test: nobody active within warn_after is ever reported idle,
 * dormant, never-used or suspended (unless an admin suspended them). */
#include "testutil.h"
#include "policy.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400LL
#define NOW 1800000000LL
#define AGO(s) (NOW - (s))
#define WARN (60 * DAY)
#define DORMANT (90 * DAY)
#define SUSPEND (120 * DAY)

static const struct policy default_policy = { WARN, DORMANT, SUSPEND };

enum st { S_NONE, S_SUSPENDED, S_EXEMPT, S_GRACE, S_KIND_NONE };

struct classify_case {
	const char *name;
	int64_t last, first_seen, tracking;
	enum st state;
	int64_t until;               /* for exempt / grace */
	enum account_status status;
	int64_t idle;
};

static const struct classify_case classify_cases[] = {
	/* by last activity */
	{ "active now", NOW, AGO(400 * DAY), AGO(400 * DAY), S_NONE, 0, STATUS_ACTIVE, 0 },
	{ "active 1s", AGO(1), 0, 0, S_NONE, 0, STATUS_ACTIVE, 1 },
	{ "warn_after - 1", AGO(WARN - 1), AGO(400 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_ACTIVE, WARN - 1 },
	{ "warn_after", AGO(WARN), AGO(400 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_IDLE, WARN },
	{ "warn_after + 1", AGO(WARN + 1), 0, 0, S_NONE, 0, STATUS_IDLE, WARN + 1 },
	{ "dormant_after - 1", AGO(DORMANT - 1), AGO(400 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_IDLE, DORMANT - 1 },
	{ "dormant_after", AGO(DORMANT), AGO(400 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_DORMANT, DORMANT },
	{ "suspend_after", AGO(SUSPEND), AGO(400 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_DORMANT, SUSPEND },
	{ "years", 1, 0, 0, S_NONE, 0, STATUS_DORMANT, NOW - 1 },
	/* activity counts whatever tracking and the directory say */
	{ "active, tracking just began", AGO(10), AGO(5), AGO(5), S_NONE, 0,
	  STATUS_ACTIVE, 10 },
	{ "dormant, tracking unknown", AGO(DORMANT + 5), 0, 0, S_NONE, 0,
	  STATUS_DORMANT, DORMANT + 5 },
	/* clock skew: activity in the future */
	{ "last activity 1h ahead", NOW + 3600, AGO(400 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_ACTIVE, 0 },
	{ "last activity years ahead", NOW + 3650 * DAY, 0, 0, S_NONE, 0, STATUS_ACTIVE, 0 },
	/* never used: idle from the later of first seen and tracking start */
	{ "never, tracking dormant_after - 1", 0, AGO(400 * DAY), AGO(DORMANT - 1), S_NONE, 0,
	  STATUS_INSUFFICIENT_HISTORY, DORMANT - 1 },
	{ "never, tracking dormant_after", 0, AGO(400 * DAY), AGO(DORMANT), S_NONE, 0,
	  STATUS_NEVER_USED, DORMANT },
	{ "never, both dormant_after", 0, AGO(DORMANT), AGO(DORMANT), S_NONE, 0,
	  STATUS_NEVER_USED, DORMANT },
	{ "never, first seen dormant_after - 1", 0, AGO(DORMANT - 1), AGO(400 * DAY), S_NONE, 0,
	  STATUS_INSUFFICIENT_HISTORY, DORMANT - 1 },
	{ "never, first seen unknown", 0, 0, AGO(400 * DAY), S_NONE, 0,
	  STATUS_INSUFFICIENT_HISTORY, 400 * DAY },
	{ "never, tracking unknown", 0, AGO(400 * DAY), 0, S_NONE, 0,
	  STATUS_INSUFFICIENT_HISTORY, 400 * DAY },
	{ "never, nothing known", 0, 0, 0, S_NONE, 0, STATUS_INSUFFICIENT_HISTORY, -1 },
	{ "never, seen long ago, tracking 100d", 0, AGO(400 * DAY), AGO(100 * DAY), S_NONE, 0,
	  STATUS_NEVER_USED, 100 * DAY },
	{ "never, tracking long ago, seen 100d", 0, AGO(100 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_NEVER_USED, 100 * DAY },
	{ "never, tracking long ago, seen 10d", 0, AGO(10 * DAY), AGO(400 * DAY), S_NONE, 0,
	  STATUS_INSUFFICIENT_HISTORY, 10 * DAY },
	{ "never, tracking in the future", 0, AGO(400 * DAY), NOW + DAY, S_NONE, 0,
	  STATUS_INSUFFICIENT_HISTORY, 0 },
	{ "never, first seen in the future", 0, NOW + DAY, AGO(400 * DAY), S_NONE, 0,
	  STATUS_INSUFFICIENT_HISTORY, 0 },
	/* suspended wins over everything */
	{ "suspended, active", NOW, AGO(400 * DAY), AGO(400 * DAY), S_SUSPENDED, 0,
	  STATUS_SUSPENDED, 0 },
	{ "suspended, dormant", AGO(DORMANT), 0, 0, S_SUSPENDED, 0, STATUS_SUSPENDED, DORMANT },
	{ "suspended, never used", 0, AGO(400 * DAY), AGO(400 * DAY), S_SUSPENDED, 0,
	  STATUS_SUSPENDED, 400 * DAY },
	{ "suspended, insufficient history", 0, 0, 0, S_SUSPENDED, 0, STATUS_SUSPENDED, -1 },
	{ "suspended, until in the past", AGO(DORMANT), 0, 0, S_SUSPENDED, AGO(DAY),
	  STATUS_SUSPENDED, DORMANT },
	/* an unexpired exemption wins over activity; an expired one does not */
	{ "exempt, no end, dormant", AGO(DORMANT), 0, 0, S_EXEMPT, 0, STATUS_EXEMPT, DORMANT },
	{ "exempt, no end, active", NOW, 0, 0, S_EXEMPT, 0, STATUS_EXEMPT, 0 },
	{ "exempt until now + 1, dormant", AGO(DORMANT), 0, 0, S_EXEMPT, NOW + 1,
	  STATUS_EXEMPT, DORMANT },
	{ "exempt until next year, never used", 0, AGO(400 * DAY), AGO(400 * DAY), S_EXEMPT,
	  NOW + 365 * DAY, STATUS_EXEMPT, 400 * DAY },
	{ "exempt until now (expired), dormant", AGO(DORMANT), 0, 0, S_EXEMPT, NOW,
	  STATUS_DORMANT, DORMANT },
	{ "exempt expired, idle", AGO(WARN), 0, 0, S_EXEMPT, AGO(1), STATUS_IDLE, WARN },
	{ "exempt expired, active", AGO(5), 0, 0, S_EXEMPT, AGO(1), STATUS_ACTIVE, 5 },
	{ "exempt expired, never used", 0, AGO(400 * DAY), AGO(400 * DAY), S_EXEMPT, AGO(DAY),
	  STATUS_NEVER_USED, 400 * DAY },
	/* grace (reactivated) and an empty state decide nothing */
	{ "grace, dormant", AGO(DORMANT), 0, 0, S_GRACE, NOW + DAY, STATUS_DORMANT, DORMANT },
	{ "grace, active", AGO(5), 0, 0, S_GRACE, NOW + DAY, STATUS_ACTIVE, 5 },
	{ "state kind none, idle", AGO(WARN), 0, 0, S_KIND_NONE, 0, STATUS_IDLE, WARN },
};

static void make_state(struct account_state *st, enum st kind, int64_t until)
{
	memset(st, 0, sizeof(*st));
	st->kind = kind == S_SUSPENDED ? STATE_SUSPENDED : kind == S_EXEMPT ? STATE_EXEMPT :
		kind == S_GRACE ? STATE_GRACE : STATE_NONE;
	st->since = AGO(DAY);
	st->until = until;
	strcpy(st->reason, "test");
	strcpy(st->actor, "root");
}

static void test_classify_table(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(classify_cases); i++) {
		const struct classify_case *c = &classify_cases[i];
		struct account_state st;
		struct account_facts facts;
		enum account_status status;
		int64_t idle = 12345;

		make_state(&st, c->state, c->until);
		facts.last_activity = c->last;
		facts.first_seen = c->first_seen;
		facts.tracking_start = c->tracking;
		facts.state = c->state == S_NONE ? NULL : &st;
		status = policy_classify(&default_policy, &facts, NOW, &idle);
		T_CHECK(status == c->status, "case %zu (%s): %s, expected %s", i, c->name,
			policy_status_name(status), policy_status_name(c->status));
		T_CHECK(idle == c->idle, "case %zu (%s): idle %lld, expected %lld", i,
			c->name, (long long)idle, (long long)c->idle);
	}
	T_END();
}

/* Thresholds that are not the defaults: warn 1h, dormant 2h. */
static void test_classify_small_policy(void **state)
{
	static const struct policy p = { 3600, 7200, 7200 };
	static const struct { int64_t last; enum account_status status; } cases[] = {
		{ AGO(3599), STATUS_ACTIVE },
		{ AGO(3600), STATUS_IDLE },
		{ AGO(7199), STATUS_IDLE },
		{ AGO(7200), STATUS_DORMANT },
	};
	struct account_facts facts = { 0, AGO(DAY), AGO(DAY), NULL };
	int64_t idle;

	T_BEGIN();
	for (size_t i = 0; i < N(cases); i++) {
		facts.last_activity = cases[i].last;
		enum account_status s = policy_classify(&p, &facts, NOW, &idle);
		T_CHECK(s == cases[i].status, "case %zu: %s, expected %s", i,
			policy_status_name(s), policy_status_name(cases[i].status));
	}
	facts.last_activity = 0;
	facts.tracking_start = AGO(7200);
	facts.first_seen = AGO(7200);
	T_CHECK(policy_classify(&p, &facts, NOW, &idle) == STATUS_NEVER_USED,
		"never used after dormant_after");
	facts.tracking_start = AGO(7199);
	T_CHECK(policy_classify(&p, &facts, NOW, &idle) == STATUS_INSUFFICIENT_HISTORY,
		"never used, short history");
	T_END();
}

static void test_status_names(void **state)
{
	static const char *const names[STATUS_COUNT] = {
		[STATUS_ACTIVE] = "active", [STATUS_IDLE] = "idle",
		[STATUS_DORMANT] = "dormant", [STATUS_NEVER_USED] = "never-used",
		[STATUS_INSUFFICIENT_HISTORY] = "insufficient-history",
		[STATUS_EXEMPT] = "exempt", [STATUS_SUSPENDED] = "suspended",
	};
	static const char *const bad[] = {
		"", "unknown", "Active", "ACTIVE", "never_used", "never used", "active ",
		" active", "activ", "activex", "suspended\n",
	};

	T_BEGIN();
	for (int i = 0; i < STATUS_COUNT; i++) {
		const char *name = policy_status_name((enum account_status)i);
		T_CHECK(strcmp(name, names[i]) == 0, "status %d is '%s', expected '%s'", i,
			name, names[i]);
		T_CHECK(policy_status_parse(name) == i, "'%s' parses to %d, expected %d",
			name, policy_status_parse(name), i);
	}
	for (size_t i = 0; i < N(bad); i++)
		T_CHECK(policy_status_parse(bad[i]) == -1, "'%s' parses to %d", bad[i],
			policy_status_parse(bad[i]));
	T_CHECK(strcmp(policy_status_name(STATUS_COUNT), "unknown") == 0,
		"STATUS_COUNT has name '%s'", policy_status_name(STATUS_COUNT));
	T_CHECK(strcmp(policy_status_name((enum account_status)-1), "unknown") == 0,
		"-1 has a name");
	T_END();
}

/* ---- the property test ---- */

#define PROPERTY_RUNS 10000

/* A random history: events of random kinds at random times, applied in
   random order; returns the record. Also checks that the order does not
   matter (timestamps only move forward). */
static bool random_history(struct test_rng *rng, int64_t now, struct activity *rec_r,
			   char *why, size_t why_size)
{
	struct activity_event evs[16];
	static const char *const services[] = { "imap", "pop3", "submission", NULL };
	static const char *const ips[] = { "10.0.0.1", "2001:db8::1", NULL, "garbage" };
	struct activity a, b;
	int n = (int)test_rng_range(rng, 0, 15);
	int64_t horizon = test_rng_range(rng, 0, 3) == 0 ? 5 * DAY : 500 * DAY;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (int i = 0; i < n; i++) {
		int64_t k = test_rng_range(rng, 0, 2);

		evs[i].kind = k == 0 ? ACTIVITY_LOGIN : k == 1 ? ACTIVITY_SEND : ACTIVITY_RECEIVE;
		/* mostly in the past, a few ahead of now (clock skew) */
		evs[i].time = now - test_rng_range(rng, -2 * DAY, horizon);
		if (evs[i].time <= 0)
			evs[i].time = 1;
		evs[i].service = services[test_rng_range(rng, 0, 3)];
		evs[i].ip = ips[test_rng_range(rng, 0, 3)];
		activity_apply(&a, &evs[i]);
	}
	for (int i = n - 1; i >= 0; i--)
		activity_apply(&b, &evs[i]);
	/* times are order independent; ip/service too unless two events of one
	   kind share the newest time */
	if (a.last_login != b.last_login || a.last_send != b.last_send ||
	    a.last_receive != b.last_receive) {
		snprintf(why, why_size, "history depends on event order");
		return false;
	}
	for (int i = 0; i < n; i++) {
		int64_t stored = evs[i].kind == ACTIVITY_LOGIN ? a.last_login :
			evs[i].kind == ACTIVITY_SEND ? a.last_send : a.last_receive;
		if (evs[i].time > stored) {
			snprintf(why, why_size, "event at %lld lost (stored %lld)",
				 (long long)evs[i].time, (long long)stored);
			return false;
		}
	}
	*rec_r = a;
	return true;
}

static void test_property(void **state)
{
	struct test_rng rng = { test_seed() };
	uint64_t seed = rng.state;
	unsigned int counts[STATUS_COUNT];

	memset(counts, 0, sizeof(counts));
	print_message("# property seed %llu (set DORMANT_TEST_SEED to repeat)\n",
		      (unsigned long long)seed);
	T_BEGIN();
	for (int run = 0; run < PROPERTY_RUNS && test_failures < 10; run++) {
		struct policy p;
		struct activity rec;
		struct account_state st;
		struct account_facts facts;
		enum account_status status;
		int64_t now = test_rng_range(&rng, 1000000000LL, 2000000000LL), idle, last;
		int kind = (int)test_rng_range(&rng, 0, 5);
		bool suspended, exempt_live;
		char why[128];

		p.warn_after = test_rng_range(&rng, 3600, 200 * DAY);
		p.dormant_after = p.warn_after + test_rng_range(&rng, 1, 200 * DAY);
		p.suspend_after = p.dormant_after + test_rng_range(&rng, 0, 200 * DAY);
		if (!random_history(&rng, now, &rec, why, sizeof(why))) {
			T_CHECK(false, "seed %llu run %d: %s", (unsigned long long)seed, run, why);
			continue;
		}
		last = activity_last(&rec);
		/* state: none, suspended, exempt (no end / future / past), grace */
		memset(&st, 0, sizeof(st));
		st.kind = kind == 1 ? STATE_SUSPENDED : kind >= 2 && kind <= 4 ? STATE_EXEMPT :
			kind == 5 ? STATE_GRACE : STATE_NONE;
		st.since = now - test_rng_range(&rng, 0, 400 * DAY);
		st.until = kind == 2 ? 0 : kind == 3 ? now + test_rng_range(&rng, 1, 100 * DAY) :
			now - test_rng_range(&rng, 0, 100 * DAY);
		facts.last_activity = last;
		facts.first_seen = test_rng_range(&rng, 0, 4) == 0 ? 0 :
			now - test_rng_range(&rng, -DAY, 600 * DAY);
		facts.tracking_start = test_rng_range(&rng, 0, 4) == 0 ? 0 :
			now - test_rng_range(&rng, -DAY, 600 * DAY);
		facts.state = kind == 0 ? NULL : &st;
		suspended = kind == 1;
		exempt_live = kind == 2 || kind == 3;

		status = policy_classify(&p, &facts, now, &idle);
		counts[status]++;
#define FAIL_IF(cond, ...) do { if (cond) { \
	char m_[256]; snprintf(m_, sizeof(m_), __VA_ARGS__); \
	T_CHECK(false, "seed %llu run %d: %s (status %s, now %lld, last %lld, " \
		"first_seen %lld, tracking %lld, state kind %d until %lld, warn %lld, " \
		"dormant %lld, idle %lld)", (unsigned long long)seed, run, m_, \
		policy_status_name(status), (long long)now, (long long)last, \
		(long long)facts.first_seen, (long long)facts.tracking_start, kind, \
		(long long)st.until, (long long)p.warn_after, (long long)p.dormant_after, \
		(long long)idle); } } while (0)

		/* the rule this product lives by */
		if (last > 0 && now - last < p.warn_after) {
			FAIL_IF(status == STATUS_IDLE || status == STATUS_DORMANT ||
				status == STATUS_NEVER_USED ||
				status == STATUS_INSUFFICIENT_HISTORY,
				"recently active account classified %s",
				policy_status_name(status));
			FAIL_IF(status == STATUS_SUSPENDED && !suspended,
				"recently active account suspended without a suspended state");
		}
		/* the state decides first */
		FAIL_IF((status == STATUS_SUSPENDED) != suspended, "suspended mismatch");
		FAIL_IF(!suspended && (status == STATUS_EXEMPT) != exempt_live,
			"exempt mismatch");
		/* idle time: from activity, clamped at 0; never negative except
		   "unknown" (-1) */
		if (last > 0)
			FAIL_IF(idle != (now > last ? now - last : 0), "idle not from activity");
		FAIL_IF(idle < -1, "negative idle");
		/* each status's own condition */
		if (status == STATUS_ACTIVE)
			FAIL_IF(last <= 0 || idle >= p.warn_after, "active without recent activity");
		if (status == STATUS_IDLE)
			FAIL_IF(last <= 0 || idle < p.warn_after || idle >= p.dormant_after,
				"idle out of its window");
		if (status == STATUS_DORMANT)
			FAIL_IF(last <= 0 || idle < p.dormant_after, "dormant too early");
		if (status == STATUS_NEVER_USED)
			FAIL_IF(last != 0 || facts.tracking_start <= 0 || facts.first_seen <= 0 ||
				now - facts.tracking_start < p.dormant_after ||
				now - facts.first_seen < p.dormant_after,
				"never-used without enough history");
		if (status == STATUS_INSUFFICIENT_HISTORY)
			FAIL_IF(last != 0, "insufficient history with activity");
		if (last == 0 && !suspended && !exempt_live && facts.tracking_start > 0 &&
		    facts.first_seen > 0 && now - facts.tracking_start >= p.dormant_after &&
		    now - facts.first_seen >= p.dormant_after)
			FAIL_IF(status != STATUS_NEVER_USED, "never-used account not found");
#undef FAIL_IF
	}
	/* the generator must reach every status, or the test proves little */
	for (int i = 0; i < STATUS_COUNT; i++)
		T_CHECK(counts[i] > 0, "seed %llu: no run produced status %s",
			(unsigned long long)seed, policy_status_name((enum account_status)i));
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_classify_small_policy),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_property),
	};

	test_init();
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}

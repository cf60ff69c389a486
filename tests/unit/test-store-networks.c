/* test-store-networks.c - the networks record as the plugin and the
 * milter write it: in the transaction of a login or send, taught by the
 * first one, news when the network is new, nothing on a coalesced event;
 * the suspended account's first activity; hostile and future records. */
#include "storetest.h"

#include <string.h>

#define DAY 86400

/* One login or send through store_activity_record; fails unless it
   returns want. */
static struct store_news record_ok(struct store *store, const char *account,
				   enum activity_kind kind, int64_t t,
				   const char *ip, int want)
{
	struct activity_event ev = login_event(t, "imap", ip);
	struct store_news news;
	const char *error = NULL;
	int ret;

	ev.kind = kind;
	ev.client = "Roundcube";
	ret = store_activity_record(store, account, &ev, 60, 0, &news, &error);
	if (ret != want)
		T_FATAL("record %s at %lld from %s: %d (%s), expected %d", account,
			(long long)t, ip, ret, T_STR(error), want);
	return news;
}

void test_networks_learnt(void **state)
{
	struct fixture *f = *state;
	struct store_news news;
	struct activity rec;
	struct netset set;
	const char *error = NULL;

	open_store(f, 0);
	news = record_ok(f->store, "a@x", ACTIVITY_LOGIN, 1000, "203.0.113.7", 1);
	assert_int_equal(news.network, NETSET_TAUGHT);
	/* the same address within the interval: coalesced, nothing read */
	news = record_ok(f->store, "a@x", ACTIVITY_LOGIN, 1010, "203.0.113.7", 0);
	assert_int_equal(news.network, NETSET_NONE);
	/* another host of the same /24: a write (the address changed), known */
	news = record_ok(f->store, "a@x", ACTIVITY_LOGIN, 1020, "203.0.113.99", 1);
	assert_int_equal(news.network, NETSET_KNOWN);
	/* a new /24 */
	news = record_ok(f->store, "a@x", ACTIVITY_LOGIN, 1030, "198.51.100.1", 1);
	assert_int_equal(news.network, NETSET_NEW);
	assert_int_equal(news.old.last_login, 1020);
	/* another new one in the same second: the activity keeps its
	   values (the max rule), the network is still news */
	news = record_ok(f->store, "a@x", ACTIVITY_LOGIN, 1030, "192.0.2.1", 1);
	assert_int_equal(news.network, NETSET_NEW);
	rec = get_ok(f->store, "a@x", 1);
	assert_true(ip_is(&rec.login_ip, "198.51.100.1"));
	/* it again, after the interval: known */
	news = record_ok(f->store, "a@x", ACTIVITY_LOGIN, 2000, "198.51.100.1", 1);
	assert_int_equal(news.network, NETSET_KNOWN);
	/* a send shares the set */
	news = record_ok(f->store, "a@x", ACTIVITY_SEND, 2000, "203.0.113.1", 1);
	assert_int_equal(news.network, NETSET_KNOWN);
	news = record_ok(f->store, "a@x", ACTIVITY_SEND, 2001, "2001:db8:5::1", 1);
	assert_int_equal(news.network, NETSET_NEW);

	assert_int_equal(store_networks_get(f->store, "a@x", &set, &error), 1);
	assert_int_equal(set.count, 4);
	assert_int_equal(set.entry[0].last_seen, 2000);
	assert_int_equal(set.entry[0].first_seen, 1000);
	assert_int_equal(set.entry[0].kinds, NETSET_LOGIN | NETSET_SEND);
	assert_string_equal(set.entry[0].client, "Roundcube");
	assert_int_equal(set.entry[3].kinds, NETSET_SEND);
	assert_string_equal(set.entry[3].client, "");
	assert_int_equal(store_networks_get(f->store, "b@x", &set, &error), 0);
	/* a read-only handle of a database written before networks existed
	   sees none (tested by the open: the database is created by writers) */
}

void test_networks_suspended(void **state)
{
	struct fixture *f = *state;
	struct account_state st;
	struct store_news news;
	const char *error = NULL;

	open_store(f, 0);
	record_ok(f->store, "s@x", ACTIVITY_LOGIN, 100 * DAY, "192.0.2.1", 1);
	memset(&st, 0, sizeof(st));
	st.kind = STATE_SUSPENDED;
	st.since = 300 * DAY;
	assert_int_equal(store_state_set(f->store, "s@x", &st, "{}", &error), 0);
	/* a login that got through (no deny passdb): the first since */
	news = record_ok(f->store, "s@x", ACTIVITY_LOGIN, 301 * DAY, "192.0.2.1", 1);
	assert_int_equal(news.suspended_since, 300 * DAY);
	/* the next ones are not */
	news = record_ok(f->store, "s@x", ACTIVITY_LOGIN, 302 * DAY, "192.0.2.1", 1);
	assert_int_equal(news.suspended_since, 0);
	news = record_ok(f->store, "s@x", ACTIVITY_SEND, 302 * DAY, "192.0.2.1", 1);
	assert_int_equal(news.suspended_since, 0);
	/* never used, suspended: its first send counts */
	assert_int_equal(store_state_set(f->store, "n@x", &st, "{}", &error), 0);
	news = record_ok(f->store, "n@x", ACTIVITY_SEND, 301 * DAY, "192.0.2.1", 1);
	assert_int_equal(news.suspended_since, 300 * DAY);
	/* a grace state is not a suspension */
	st.kind = STATE_GRACE;
	assert_int_equal(store_state_set(f->store, "g@x", &st, "{}", &error), 0);
	news = record_ok(f->store, "g@x", ACTIVITY_LOGIN, 301 * DAY, "192.0.2.1", 1);
	assert_int_equal(news.suspended_since, 0);
}

/* Records planted by whoever can write the files: a malformed set is
   learnt again (the login goes on, no alert from noise), a newer one is
   left alone and the login still recorded, times from the future are not
   believed. */
void test_networks_hostile(void **state)
{
	struct fixture *f = *state;
	struct store_news news;
	struct netset set;
	uint8_t buf[RECORD_NETSET_MAX], newer[RECORD_NETSET_HEADER] = { 2 };
	const char *error = NULL;
	size_t len;

	memset(&set, 0, sizeof(set));
	set.count = 2;
	set.entry[0].family = 4;
	set.entry[0].kinds = NETSET_LOGIN;
	memcpy(set.entry[0].prefix, "\xc0\x00\x02", 3);          /* 192.0.2/24 */
	set.entry[0].first_seen = 1000;
	set.entry[0].last_seen = (int64_t)4000000000LL;          /* the future */
	set.entry[1] = set.entry[0];
	memcpy(set.entry[1].prefix, "\xc6\x33\x64", 3);          /* 198.51.100/24 */
	set.entry[1].last_seen = 1500;
	len = record_netset_encode(&set, buf);

	open_store(f, 0);
	store_close(&f->store);
	raw_put(f->dir, "networks", "bad@x", 5, "\x01\x05garbage", 9);
	raw_put(f->dir, "networks", "new@x", 5, newer, sizeof(newer));
	raw_put(f->dir, "networks", "fut@x", 5, buf, len);
	open_store(f, 0);

	assert_int_equal(store_networks_get(f->store, "bad@x", &set, &error), -1);
	assert_non_null(strstr(error, "networks"));
	news = record_ok(f->store, "bad@x", ACTIVITY_LOGIN, 2000, "192.0.2.1", 1);
	assert_int_equal(news.network, NETSET_TAUGHT);
	assert_int_equal(store_networks_get(f->store, "bad@x", &set, &error), 1);
	assert_int_equal(set.count, 1);

	news = record_ok(f->store, "new@x", ACTIVITY_LOGIN, 2000, "192.0.2.1", 1);
	assert_int_equal(news.network, NETSET_NONE);
	assert_int_equal(store_networks_get(f->store, "new@x", &set, &error), -1);
	assert_non_null(strstr(error, "newer"));

	/* the future entry is dropped: read, and replaced by the next write */
	assert_int_equal(store_networks_get(f->store, "fut@x", &set, &error), 1);
	assert_int_equal(set.count, 1);
	news = record_ok(f->store, "fut@x", ACTIVITY_LOGIN, 2000, "198.51.100.9", 1);
	assert_int_equal(news.network, NETSET_KNOWN);
	news = record_ok(f->store, "fut@x", ACTIVITY_LOGIN, 2100, "192.0.2.1", 1);
	assert_int_equal(news.network, NETSET_NEW);
	assert_int_equal(store_networks_get(f->store, "fut@x", &set, &error), 1);
	assert_int_equal(set.count, 2);
	assert_int_equal(set.entry[1].last_seen, 2100);
}

/* store_event_foreach callback: collects up to 8 events. */
struct got_events {
	size_t n;
	int64_t time[8];
	struct account_event ev[8];
};

static int got_event(void *ctx, int64_t t, const char *account,
		     const struct account_event *ev)
{
	struct got_events *g = ctx;

	(void)account;
	if (ev != NULL && g->n < 8) {
		g->time[g->n] = t;
		g->ev[g->n++] = *ev;
	}
	return 0;
}

/* One alerting login or send and what it costs: with a threshold, the
   event is raised and added in the activity's own write transaction
   (one commit, not two; issue 16), and news says which event it was. */
static int record_alerting(struct store *store, const char *account,
			   enum activity_kind kind, int64_t t, const char *ip,
			   struct store_news *news_r, uint64_t *commits_r)
{
	struct activity_event ev = login_event(t, kind == ACTIVITY_SEND ?
					       "smtp" : "imap", ip);
	uint64_t before = store_commit_count(store);
	const char *error = NULL;
	int ret;

	ev.kind = kind;
	ret = store_activity_record(store, account, &ev, 60, 90 * DAY, news_r,
				    &error);
	if (ret < 0)
		T_FATAL("record %s: %s", account, T_STR(error));
	*commits_r = store_commit_count(store) - before;
	return ret;
}

void test_networks_event_in_txn(void **state)
{
	struct fixture *f = *state;
	struct got_events g = { 0 };
	struct store_news news;
	uint64_t commits;
	const char *error = NULL;

	open_store(f, 0);
	/* the first login teaches: one commit, no event */
	assert_int_equal(record_alerting(f->store, "a@x", ACTIVITY_LOGIN, 10 * DAY,
					 "203.0.113.7", &news, &commits), 1);
	assert_int_equal(commits, 1);
	assert_false(news.raised);
	/* a new network: one commit, and the event is in it */
	assert_int_equal(record_alerting(f->store, "a@x", ACTIVITY_LOGIN,
					 11 * DAY, "198.51.100.7", &news,
					 &commits), 1);
	assert_int_equal(commits, 1);
	assert_true(news.raised);
	assert_int_equal(news.event.kind, EVENT_NEW_NETWORK_LOGIN);
	/* a wake-up send 100 days later from a known network */
	assert_int_equal(record_alerting(f->store, "a@x", ACTIVITY_SEND, 111 * DAY,
					 "198.51.100.8", &news, &commits), 1);
	assert_int_equal(commits, 1);
	assert_true(news.raised);
	assert_int_equal(news.event.kind, EVENT_WAKEUP_SEND);
	assert_int_equal(news.event.idle, 100 * DAY);
	/* a known network, not idle: one commit, nothing raised */
	assert_int_equal(record_alerting(f->store, "a@x", ACTIVITY_LOGIN,
					 112 * DAY, "198.51.100.9", &news,
					 &commits), 1);
	assert_int_equal(commits, 1);
	assert_false(news.raised);
	/* coalesced: no commit at all */
	assert_int_equal(record_alerting(f->store, "a@x", ACTIVITY_LOGIN,
					 112 * DAY + 5, "198.51.100.9", &news,
					 &commits), 0);
	assert_int_equal(commits, 0);
	assert_false(news.raised);

	assert_int_equal(store_event_foreach(f->store, 0, INT64_MAX, got_event, &g,
					     &error), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.time[0], 11 * DAY);
	assert_int_equal(g.ev[0].kind, EVENT_NEW_NETWORK_LOGIN);
	assert_true(ip_is(&g.ev[0].ip, "198.51.100.7"));
	assert_string_equal(g.ev[0].service, "imap");
	assert_int_equal(g.time[1], 111 * DAY);
	assert_int_equal(g.ev[1].kind, EVENT_WAKEUP_SEND);
	assert_true(ip_is(&g.ev[1].ip, "198.51.100.8"));
	assert_string_equal(g.ev[1].service, "smtp");
}

/* dbcheck.c - look at and prepare a dormant database for the milter tests,
 * through libdormant's store API (the same code the programs use).
 *
 * usage: dbcheck DBDIR get ACCOUNT          print the activity record
 *        dbcheck DBDIR suspend ACCOUNT      set state suspended (audited)
 *        dbcheck DBDIR clear ACCOUNT        clear the state (audited)
 *        dbcheck DBDIR set-send ACCOUNT TIME  fold a send at TIME (epoch)
 *        dbcheck DBDIR set-meta NAME VALUE  set a meta integer (as the CLI
 *                                           publishes dormant_after)
 *        dbcheck DBDIR events               print the events, oldest first
 *                                           (flags: EVENT_FLAG_* bits)
 * get prints "last_send=T send_ip=IP last_login=T last_receive=T" and exits
 * 1 when the account has no record; errors exit 3. */
#include "store.h"
#include "record.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int print_event(void *ctx, int64_t time, const char *account,
		       const struct account_event *ev)
{
	char ip[IP_TEXT_MAX];

	if (ev == NULL) {
		printf("%lld %s malformed\n", (long long)time, account);
		return 0;
	}
	ip_format(&ev->ip, ip);
	printf("%lld %s %s idle=%lld ip=%s flags=%u\n", (long long)time, account,
	       event_kind_name(ev->kind), (long long)ev->idle, ip, ev->flags);
	return 0;
}

int main(int argc, char **argv)
{
	struct store *store;
	struct activity rec;
	struct account_state st;
	const char *error, *cmd;
	char ip[IP_TEXT_MAX];
	uint64_t t;
	int ret = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: dbcheck DBDIR get|suspend|clear|set-send|"
			"set-meta|events [ACCOUNT|NAME [TIME|VALUE]]\n");
		return 2;
	}
	cmd = argv[2];
	if (strcmp(cmd, "events") != 0 && argc < 4) {
		fprintf(stderr, "dbcheck: %s needs an account\n", cmd);
		return 2;
	}
	if (store_open(argv[1], strcmp(cmd, "get") == 0 ||
		       strcmp(cmd, "events") == 0 ? STORE_READONLY : 0,
		       &store, &error) < 0) {
		fprintf(stderr, "dbcheck: %s\n", error);
		return 3;
	}
	if (strcmp(cmd, "get") == 0) {
		ret = store_activity_get(store, argv[3], &rec, &error);
		if (ret > 0) {
			ip_format(&rec.send_ip, ip);
			printf("last_send=%lld send_ip=%s last_login=%lld "
			       "last_receive=%lld\n", (long long)rec.last_send, ip,
			       (long long)rec.last_login, (long long)rec.last_receive);
		}
		ret = ret > 0 ? 0 : ret == 0 ? 1 : -1;
	} else if (strcmp(cmd, "suspend") == 0) {
		memset(&st, 0, sizeof(st));
		st.kind = STATE_SUSPENDED;
		st.since = time(NULL);
		strcpy(st.reason, "milter test");
		strcpy(st.actor, "dbcheck");
		ret = store_state_set(store, argv[3], &st,
				      "{\"action\":\"suspend\",\"actor\":\"dbcheck\"}",
				      &error);
	} else if (strcmp(cmd, "clear") == 0) {
		ret = store_state_set(store, argv[3], NULL,
				      "{\"action\":\"reactivate\",\"actor\":\"dbcheck\"}",
				      &error);
	} else if (strcmp(cmd, "set-send") == 0 && argc >= 5 &&
		   uint_parse(argv[4], INT64_MAX, &t) == 0) {
		memset(&rec, 0, sizeof(rec));
		rec.last_send = (int64_t)t;
		ret = store_activity_merge(store, argv[3], &rec, &error);
	} else if (strcmp(cmd, "set-meta") == 0 && argc >= 5 &&
		   uint_parse(argv[4], INT64_MAX, &t) == 0) {
		ret = store_meta_set(store, argv[3], (int64_t)t, &error);
	} else if (strcmp(cmd, "events") == 0) {
		ret = store_event_foreach(store, 0, INT64_MAX, print_event, NULL,
					  &error);
	} else {
		fprintf(stderr, "dbcheck: unknown command or bad arguments\n");
		store_close(&store);
		return 2;
	}
	if (ret < 0) {
		fprintf(stderr, "dbcheck: %s\n", error);
		ret = 3;
	}
	store_close(&store);
	return ret;
}

/* gen-db.c - build a database of N accounts with realistic activity for
 * the reporter benchmark: a directory sync of every account, and activity
 * for most of them (70 % active, some idle, dormant, never used), spread
 * over 40 domains, written through libdormant's batched merge. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	struct store *store;
	struct store_sync_stats stats;
	const char *error;
	char **names;
	struct activity *acts;
	long n;
	int64_t now = time(NULL);

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: gen-db DBDIR COUNT\n");
		return 2;
	}
	names = calloc((size_t)n, sizeof(*names));
	acts = calloc((size_t)n, sizeof(*acts));
	if (names == NULL || acts == NULL)
		return 3;
	for (long i = 0; i < n; i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "user%07ld.%c%c@unit%02d.ministry.example",
			 i, 'a' + (int)(next() % 26), 'a' + (int)(next() % 26),
			 (int)(next() % 40));
		names[i] = strdup(buf);
	}
	qsort(names, (size_t)n, sizeof(*names), cmp);
	if (store_open(argv[1], 0, &store, &error) < 0) {
		fprintf(stderr, "gen-db: %s\n", error);
		return 3;
	}
	/* the directory saw everyone a year ago */
	if (store_accounts_sync(store, (const char *const *)names, NULL, (size_t)n,
				SOURCE_FILE, now - 400 * 86400, NULL, NULL, &stats, &error) < 0 ||
	    store_tracking_extend(store, now - 400 * 86400, &error) < 0) {
		fprintf(stderr, "gen-db: %s\n", error);
		return 3;
	}
	for (long i = 0; i < n; i++) {
		uint64_t r = next() % 100;
		int64_t idle = r < 70 ? (int64_t)(next() % (30 * 86400)) :
			r < 80 ? (int64_t)(60 + next() % 30) * 86400 :
			r < 92 ? (int64_t)(90 + next() % 300) * 86400 : -1;
		if (idle < 0)
			continue;       /* never used */
		acts[i].last_login = now - idle;
		acts[i].login_ip.family = 4;
		acts[i].login_ip.addr[0] = 10;
		acts[i].login_ip.addr[3] = (uint8_t)next();
		strcpy(acts[i].login_service, next() % 3 ? "imap" : "pop3");
		if (next() % 2) {
			acts[i].last_send = now - idle - (int64_t)(next() % 86400);
			acts[i].send_ip = acts[i].login_ip;
		}
		acts[i].last_receive = now - (int64_t)(next() % 86400);
	}
	if (store_activity_merge_batch(store, (const char *const *)names, acts,
				       (size_t)n, &error) < 0) {
		fprintf(stderr, "gen-db: %s\n", error);
		return 3;
	}
	store_close(&store);
	for (long i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(acts);
	return 0;
}

/* storetest.h - what the store tests (test-store*.c, one program) share:
 * the fixture (a temporary directory and a store in it), raw LMDB access
 * to plant bad records, and small helpers that fail the test on error. */
#ifndef DORMANT_STORETEST_H
#define DORMANT_STORETEST_H

#include "testutil.h"
#include "store.h"
#include "account.h"

#include <stdbool.h>
#include <sys/types.h>
#include <lmdb.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char *dir;
	struct store *store;
	/* a second store in a subdirectory, closed by the teardown too */
	struct fixture *sub;
};

/* cmocka fixtures: a fresh directory; the teardown closes the stores and
   removes it, also after a failure. */
int setup(void **state);
int teardown(void **state);

/* (Re)open f->store in f->dir; fails the test on error. */
void open_store(struct fixture *f, unsigned int flags);
void path_in(const struct fixture *f, const char *name, char *buf, size_t size);
/* Size of f->dir/data.mdb, or -1. */
off_t data_size(const struct fixture *f);

/* Raw LMDB on dir, only with no store open on it in this process (LMDB
   forbids opening an environment twice in one process). */
MDB_env *raw_open(const char *dir);
void raw_put(const char *dir, const char *db, const void *key, size_t klen,
	     const void *val, size_t vlen);
/* Copy key's value into buf; its length, or -1 if none. */
ssize_t raw_get(const char *dir, const char *db, const char *key, void *buf,
		size_t size);
/* The map size the environment records. */
size_t raw_mapsize(const char *dir);

struct activity_event login_event(int64_t t, const char *service, const char *ip);
/* Update / get, failing the test unless the result is want. */
void update_ok(struct store *store, const char *account,
	       const struct activity_event *ev, unsigned int interval, int want);
struct activity get_ok(struct store *store, const char *account, int want);
bool ip_is(const struct ip_bin *b, const char *text);
bool is_zero(const void *p, size_t n);
/* Merge fresh accounts "fillNNNNNNNN@example.com" from number next on, in
   batches of batch, until data.mdb reaches limit bytes; the next number. */
long fill_until(struct fixture *f, struct store *store, long next, off_t limit,
		size_t batch);
/* store_activity_cb counting records into a long; stops at a bad one. */
int count_cb(void *ctx, const char *account, size_t len,
	     const struct activity *rec, const char *decode_error);

/* tests in test-store-map.c */
void test_map_growth(void **state);
void test_map_resized_elsewhere(void **state);
void test_threads_map_growth(void **state);
void test_map_full_every_writer(void **state);
void test_map_cannot_grow(void **state);
void test_map_resized_inside_a_read(void **state);
/* tests in test-store-procs.c */
void test_use_after_fork(void **state);
void test_no_reader_slot_between_calls(void **state);
void test_stale_reader_cleared(void **state);
void test_many_writers(void **state);
void test_many_handles_at_once(void **state);
void test_bounded_waits(void **state);
void test_scan_callback_holds_no_slot(void **state);

/* tests in test-store-networks.c */
void test_networks_learnt(void **state);
void test_networks_suspended(void **state);
void test_networks_hostile(void **state);
void test_networks_event_in_txn(void **state);
void test_meta_cache(void **state);

#endif

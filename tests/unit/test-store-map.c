/* test-store-map.c - the store's map: growth on MDB_MAP_FULL through every
 * write path, following another process's growth (MDB_MAP_RESIZED), and
 * threads sharing one handle while the map fills. STORE_FIT_MAP makes the
 * map small enough (32 MiB) to fill in a unit test. */
#include "storetest.h"

#include <pthread.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <lmdb.h>

/* ---- map growth ---- */

/* STORE_FIT_MAP starts with a small map. Fill it past its size through
   batches (merge) and then single updates (the plugin's path): every
   write must succeed, the map must have grown, nothing may be lost. */
void test_map_growth(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	size_t map0, map1;
	long next, count = 0;
	int singles = 0;

	open_store(f, STORE_FIT_MAP);
	store_close(&f->store);
	map0 = raw_mapsize(f->dir);
	print_message("# initial map %zu MiB\n", map0 >> 20);
	if (map0 > ((size_t)256 << 20))
		T_FATAL("initial STORE_FIT_MAP map of %zu MiB: too big to fill here", map0 >> 20);
	open_store(f, STORE_FIT_MAP);
	/* batches to within 1 MiB, smaller batches to within 128 KiB */
	next = fill_until(f, f->store, 0, (off_t)map0 - (1 << 20), 512);
	next = fill_until(f, f->store, next, (off_t)map0 - (128 << 10), 32);
	/* single updates across the end of the map */
	while (data_size(f) <= (off_t)map0 && singles < 200000) {
		char name[64];
		struct activity_event ev = login_event(1000 + next, "imap", "10.0.0.1");
		int ret;

		snprintf(name, sizeof(name), "fill%08ld@example.com", next++);
		ret = store_activity_update(f->store, name, &ev, 60, NULL, &error);
		if (ret != 1)
			T_FATAL("single update %d (data %lld bytes): %d %s", singles,
				 (long long)data_size(f), ret, T_STR(error));
		singles++;
	}
	print_message("# %ld accounts, %d single updates, data %lld bytes\n", next, singles,
		      (long long)data_size(f));
	assert_true(data_size(f) > (off_t)map0);
	/* everything is there and readable */
	assert_int_equal(store_activity_foreach(f->store, count_cb, &count, &error), 0);
	assert_int_equal(count, next);
	store_close(&f->store);
	map1 = raw_mapsize(f->dir);
	assert_true(map1 > map0);
	/* and it opens again (FIT_MAP sizes from the file) */
	open_store(f, STORE_FIT_MAP);
	struct activity r = get_ok(f->store, "fill00000000@example.com", 1);
	assert_int_equal(r.last_login, 1000);
}

/* Another process grows the map past this handle's: the handle follows
   (MDB_MAP_RESIZED) instead of failing. */
void test_map_resized_elsewhere(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	size_t map0;
	pid_t pid;
	int status;

	open_store(f, STORE_FIT_MAP);
	store_close(&f->store);
	map0 = raw_mapsize(f->dir);
	if (map0 > ((size_t)256 << 20))
		T_FATAL("initial STORE_FIT_MAP map of %zu MiB: too big to fill here", map0 >> 20);
	open_store(f, STORE_FIT_MAP);
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	update_ok(f->store, "parent@x", &ev, 60, 1);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct store *child = NULL;
		const char *cerr = NULL;

		if (store_open(f->dir, STORE_FIT_MAP, &child, &cerr) < 0) {
			fprintf(stderr, "child: open: %s\n", cerr);
			_exit(10);
		}
		/* fill_until uses cmocka on failure: do it by hand here */
		{
			enum { B = 512 };
			static char names[B][48];
			static const char *ptrs[B];
			static struct activity recs[B];
			long next = 0;

			while (data_size(f) < (off_t)map0 + (4 << 20)) {
				for (int i = 0; i < B; i++) {
					snprintf(names[i], 48, "fill%08ld@example.com", next + i);
					ptrs[i] = names[i];
					recs[i].last_login = 1000 + next + i;
				}
				if (store_activity_merge_batch(child, ptrs, recs, B, &cerr) != B) {
					fprintf(stderr, "child: merge: %s\n", cerr);
					_exit(11);
				}
				next += B;
			}
		}
		store_close(&child);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(data_size(f) > (off_t)map0);

	/* this handle's map is now smaller than the data */
	struct activity r = get_ok(f->store, "fill00000100@example.com", 1);
	assert_int_equal(r.last_login, 1100);
	r = get_ok(f->store, "parent@x", 1);
	assert_int_equal(r.last_login, 1000);
	ev.time = 2000;
	update_ok(f->store, "parent@x", &ev, 60, 1);
	long count = 0;
	assert_int_equal(store_activity_foreach(f->store, count_cb, &count, &error), 0);
	assert_true(count > 1000);
}

/* The milter shares one handle between threads. Several threads writing
   when the map fills: every write succeeds, and the map grows once for the
   need (doubling), not once per thread that saw MDB_MAP_FULL. */
#define WRITER_THREADS 8

struct thread_arg {
	struct fixture *f;
	int id;
	off_t stop_at;
	int writes;
	char error[256];
};

static void *writer_thread(void *p)
{
	struct thread_arg *a = p;

	for (int n = 0; n < 20000 && data_size(a->f) <= a->stop_at; n++) {
		char name[64];
		struct activity_event ev = { ACTIVITY_LOGIN, 1000 + n, "imap", "10.0.0.1" };
		const char *error = NULL;
		int ret;

		snprintf(name, sizeof(name), "thread%d-%06d@example.com", a->id, n);
		ret = store_activity_update(a->f->store, name, &ev, 60, NULL, &error);
		if (ret != 1) {
			snprintf(a->error, sizeof(a->error), "%s: %d %s", name, ret,
				 T_STR(error));
			break;
		}
		a->writes++;
	}
	return NULL;
}

void test_threads_map_growth(void **state)
{
	struct fixture *f = *state;
	struct thread_arg args[WRITER_THREADS];
	pthread_t threads[WRITER_THREADS];
	const char *error = NULL;
	size_t map0, map1;
	long count = 0, total;

	open_store(f, STORE_FIT_MAP);
	store_close(&f->store);
	map0 = raw_mapsize(f->dir);
	if (map0 > ((size_t)256 << 20))
		T_FATAL("initial STORE_FIT_MAP map of %zu MiB: too big to fill here", map0 >> 20);
	open_store(f, STORE_FIT_MAP);
	total = fill_until(f, f->store, 0, (off_t)map0 - (1 << 20), 512);
	total = fill_until(f, f->store, total, (off_t)map0 - (64 << 10), 16);
	for (int i = 0; i < WRITER_THREADS; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].f = f;
		args[i].id = i;
		args[i].stop_at = (off_t)map0 + (256 << 10);
		assert_int_equal(pthread_create(&threads[i], NULL, writer_thread, &args[i]), 0);
	}
	T_BEGIN();
	for (int i = 0; i < WRITER_THREADS; i++) {
		pthread_join(threads[i], NULL);
		T_CHECK(args[i].error[0] == '\0', "thread %d: %s", i, args[i].error);
		total += args[i].writes;
	}
	T_CHECK(data_size(f) > (off_t)map0, "the map was not filled (data %lld, map %zu)",
		(long long)data_size(f), map0);
	T_CHECK(store_activity_foreach(f->store, count_cb, &count, &error) == 0 &&
		count == total, "%ld records, expected %ld", count, total);
	store_close(&f->store);
	map1 = raw_mapsize(f->dir);
	print_message("# map %zu MiB -> %zu MiB\n", map0 >> 20, map1 >> 20);
	T_CHECK(map1 > map0, "map did not grow");
	T_CHECK(map1 <= 2 * map0, "map grew from %zu MiB to %zu MiB for %lld bytes of data "
		"(grown once per thread that hit MDB_MAP_FULL?)", map0 >> 20, map1 >> 20,
		(long long)data_size(f));
	T_END();
}

/* Every write path must survive a full map (doc/DESIGN.md §3.6: handle
   MDB_MAP_FULL), not only the activity updates: the same STORE_FIT_MAP
   store filled to within 64 KiB of its map, then one kind of write that
   needs more than that. */
enum full_op { FO_UPDATES, FO_STATE, FO_SYNC, FO_EVENTS, FO_NOTICES, FO_META };

static const struct { const char *name; enum full_op op; } full_cases[] = {
	{ "activity updates", FO_UPDATES },
	{ "state changes", FO_STATE },
	{ "accounts sync", FO_SYNC },
	{ "events", FO_EVENTS },
	{ "notices", FO_NOTICES },
	{ "meta values", FO_META },
};

#define FULL_WRITES 3000

static int full_write(struct store *store, enum full_op op, const char **error_r)
{
	static char names[FULL_WRITES][48];
	static const char *ptrs[FULL_WRITES];
	struct store_sync_stats stats;

	for (int i = 0; i < FULL_WRITES; i++) {
		snprintf(names[i], sizeof(names[i]), "full%06d@example.com", i);
		ptrs[i] = names[i];
	}
	if (op == FO_SYNC)
		return store_accounts_sync(store, ptrs, NULL, FULL_WRITES, SOURCE_FILE, 1000,
					   NULL, NULL, &stats, error_r);
	for (int i = 0; i < FULL_WRITES; i++) {
		struct activity_event ev = { ACTIVITY_LOGIN, 1000, "imap", "10.0.0.1" };
		struct account_state st;
		struct notice n = { 1000, 2000 };
		struct account_event e;
		int ret = 0;

		memset(&st, 0, sizeof(st));
		st.kind = STATE_EXEMPT;
		memset(&e, 0, sizeof(e));
		e.kind = EVENT_WAKEUP_LOGIN;
		switch (op) {
		case FO_UPDATES:
			ret = store_activity_update(store, names[i], &ev, 60, NULL, error_r) == 1 ?
				0 : -1;
			break;
		case FO_STATE:
			ret = store_state_set(store, names[i], &st, "{\"action\":\"exempt\"}",
					      error_r);
			break;
		case FO_EVENTS:
			ret = store_event_add(store, 1000 + i, names[i], &e, error_r);
			break;
		case FO_NOTICES:
			ret = store_notice_set(store, names[i], &n, error_r);
			break;
		case FO_META:
			ret = store_meta_set(store, names[i], i, error_r);
			break;
		case FO_SYNC:
			break;
		}
		if (ret < 0)
			return -1;
	}
	return 0;
}

void test_map_full_every_writer(void **state)
{
	struct fixture *top = *state;

	T_BEGIN();
	for (size_t i = 0; i < N(full_cases); i++) {
		static struct fixture sub;
		static char dir[4200];
		struct fixture *f = &sub;
		const char *error = NULL;
		size_t map0;
		int ret;

		/* inside the fixture's directory: the teardown removes it, and
		   the store is closed before each case's directory goes */
		snprintf(dir, sizeof(dir), "%s/case%zu", top->dir, i);
		if (mkdir(dir, 0700) < 0)
			T_FATAL("mkdir %s: %s", dir, strerror(errno));
		sub.dir = dir;
		sub.store = NULL;
		top->sub = &sub;
		open_store(f, STORE_FIT_MAP);
		store_close(&f->store);
		map0 = raw_mapsize(f->dir);
		open_store(f, STORE_FIT_MAP);
		long n = fill_until(f, f->store, 0, (off_t)map0 - (1 << 20), 512);
		fill_until(f, f->store, n, (off_t)map0 - (64 << 10), 16);
		ret = full_write(f->store, full_cases[i].op, &error);
		T_CHECK(ret == 0, "case %zu (%s) with the map full: %s", i, full_cases[i].name,
			T_STR(error));
		store_close(&f->store);
		test_rmtree(dir);
	}
	T_END();
}


/* The process's address space in bytes (VmSize), or 0. */
static size_t vm_size(void)
{
	char line[256];
	size_t kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmSize: %zu kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb * 1024;
}

/* A map that cannot grow: the address space limit (Dovecot's vsz_limit)
   leaves no room for the doubled map. The write that needs it fails with
   a message that says so, and so does every later call on the handle:
   LMDB leaves an environment whose resize failed without any map, and
   using it would crash the mail process. What was committed is kept, and
   a new handle works once there is room. RLIMIT_AS is per process: the
   limited part runs in a child. */
void test_map_cannot_grow(void **state)
{
	struct fixture *f = *state;
	long filled;
	pid_t pid;
	int status;

	open_store(f, STORE_FIT_MAP);
	store_close(&f->store);
	size_t map0 = raw_mapsize(f->dir);
	open_store(f, STORE_FIT_MAP);
	filled = fill_until(f, f->store, 0, (off_t)map0 - (1 << 20), 512);
	store_close(&f->store);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *error = NULL;
		struct activity act;
		struct rlimit rl;
		int ret = 0, failures = 0;
		long i;

		/* cmocka's handlers would turn a crash here into a test
		   report inside the child: let it die of the signal */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		/* the map store_open will choose: the file plus half, plus
		   16 MiB (STORE_FIT_HEADROOM), in MiB */
		off_t ds = data_size(f);
		size_t map1 = ((size_t)(ds + ds / 2 + (16 << 20)) + (1 << 20) - 1) &
			~(size_t)((1 << 20) - 1);

		open_store(f, STORE_FIT_MAP);
		filled = fill_until(f, f->store, filled, (off_t)map1 - (1 << 20), 512);
		/* room for the map there is, not for one twice its size */
		rl.rlim_cur = rl.rlim_max = vm_size() + map1 / 2;
		if (setrlimit(RLIMIT_AS, &rl) < 0)
			_exit(3);
		for (i = filled; i < filled + 50000; i++) {
			char name[64];
			struct activity_event ev = login_event(2000, "imap", "10.0.0.2");

			snprintf(name, sizeof(name), "fill%08ld@example.com", i);
			ret = store_activity_update(f->store, name, &ev, 60, NULL, &error);
			if (ret < 0)
				break;
		}
		if (ret >= 0 || error == NULL ||
		    strstr(error, "cannot grow database map") == NULL ||
		    strstr(error, "vsz_limit") == NULL) {
			print_message("# the map grew, or the error says too little: %d %s\n",
				      ret, T_STR(error));
			failures++;
		}
		/* the handle stays safe to call: errors, not a crash */
		error = NULL;
		if (store_activity_get(f->store, "fill00000000@example.com", &act,
				       &error) != -1 || error == NULL) {
			print_message("# read after the failed growth: %s\n", T_STR(error));
			failures++;
		}
		struct activity_event ev = login_event(3000, "imap", "10.0.0.3");
		error = NULL;
		if (store_activity_update(f->store, "fill00000000@example.com", &ev, 60,
					  NULL, &error) != -1 || error == NULL) {
			print_message("# write after the failed growth: %s\n", T_STR(error));
			failures++;
		}
		print_message("# after the failed growth: %s\n", T_STR(error));
		store_close(&f->store);
		_exit(failures == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		T_FATAL("the child died of signal %d using the handle after a failed "
			"map growth", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* with room again, a new handle sees everything committed */
	open_store(f, STORE_FIT_MAP);
	long count = 0;
	const char *error = NULL;
	assert_int_equal(store_activity_foreach(f->store, count_cb, &count, &error), 0);
	assert_true(count >= filled);
	struct activity r = get_ok(f->store, "fill00000000@example.com", 1);
	assert_int_equal(r.last_login, 1000);
}

/* A foreach callback that calls the store again (the CLI's notify reads
   notices inside an activity scan) while another process grows the data
   past this handle's map: following the growth needs the map lock
   exclusively. Scans page through the database and run their callbacks
   outside the read transaction, so the nested call follows the growth
   at once (before paging it failed with "run the command again"; see
   map_nested_error for the calls that still nest). */
struct nested {
	struct fixture *f;
	bool grown;
	int nested_ret;
	const char *nested_error;
	char error_copy[512];
};

static int nested_cb(void *ctx, const char *account, size_t len,
		     const struct activity *rec, const char *decode_error)
{
	struct nested *n = ctx;
	struct activity act;
	pid_t pid;
	int status;

	(void)account; (void)len; (void)rec; (void)decode_error;
	if (n->grown)
		return 0;
	n->grown = true;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* another process: its own handle, data past 40 MiB */
		struct fixture g = *n->f;
		g.store = NULL;
		open_store(&g, 0);
		fill_until(&g, g.store, 1000000, (off_t)40 << 20, 512);
		store_close(&g.store);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 7;
	alarm(60);                   /* a hang fails the test, not the suite */
	n->nested_ret = store_activity_get(n->f->store, "a@x", &act,
					   &n->nested_error);
	alarm(0);
	if (n->nested_error != NULL)
		snprintf(n->error_copy, sizeof(n->error_copy), "%s", n->nested_error);
	return 0;
}

void test_map_resized_inside_a_read(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	struct nested n = { .f = f };
	const char *error = NULL;
	int ret;

	open_store(f, STORE_FIT_MAP);
	update_ok(f->store, "a@x", &ev, 60, 1);
	update_ok(f->store, "b@x", &ev, 60, 1);
	signal(SIGALRM, SIG_DFL);
	ret = store_activity_foreach(f->store, nested_cb, &n, &error);
	assert_int_equal(ret, 0);
	assert_true(n.grown);
	T_BEGIN();
	T_CHECK(n.nested_ret == 1, "nested call after the growth: %d '%s'",
		n.nested_ret, n.error_copy);
	/* outside the scan the handle follows the growth */
	struct activity r = get_ok(f->store, "a@x", 1);
	T_CHECK(r.last_login == 1000, "a@x: %lld", (long long)r.last_login);
	long count = 0;
	T_CHECK(store_activity_foreach(f->store, count_cb, &count, &error) == 0 &&
		count > 100000, "after the growth: %ld records (%s)", count, T_STR(error));
	T_END();
}

/* test-store.c - the LMDB store (doc/DESIGN.md §3): creation, modes, read-only
 * opens, the max rule and write coalescing through the store, corrupt and
 * newer records, state with its audit trail, tracking start, the directory.
 * With test-store-map.c (map growth) and test-store-procs.c (fork, reader
 * slots, many processes) one program, one cmocka group: main() is here.
 *
 * Every test runs in its own temporary directory, removed by the teardown
 * even when the test fails. Raw LMDB access (to plant bad records) is done
 * with the store closed: LMDB forbids opening one environment twice in a
 * process. */
#include "storetest.h"
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <lmdb.h>

/* ---- opening ---- */

static void check_mode(const struct fixture *f, const char *name)
{
	char path[4200];
	struct stat st;

	path_in(f, name, path, sizeof(path));
	if (stat(path, &st) < 0)
		T_FATAL("%s: %s", path, strerror(errno));
	if ((st.st_mode & 07777) != 0660)
		T_FATAL("%s has mode %04o, expected 0660", path,
			 (unsigned)(st.st_mode & 07777));
}

static void test_open_creates(void **state)
{
	struct fixture *f = *state;
	const char *error = NULL;
	int64_t start = 0, schema = 0, now = time(NULL);
	mode_t old = umask(077), during;
	int ret = store_open(f->dir, 0, &f->store, &error);

	during = umask(old);
	if (ret < 0)
		T_FATAL("store_open: %s", T_STR(error));
	/* the process's umask is left as it was */
	assert_int_equal(during, 077);
	check_mode(f, "data.mdb");
	check_mode(f, "lock.mdb");
	assert_string_equal(store_dir(f->store), f->dir);
	/* tracking start is set by the first open, to now */
	assert_int_equal(store_tracking_start(f->store, &start, &error), 0);
	assert_in_range(start, now - 5, now + 5);
	assert_int_equal(store_meta_get(f->store, "schema", &schema, &error), 1);
	assert_int_equal(schema, STORE_SCHEMA_VERSION);
	assert_int_equal(store_meta_get(f->store, "no-such-name", &schema, &error), 0);
	get_ok(f->store, "nobody@example.com", 0);

	/* reopened read-write and read-only: the same environment */
	open_store(f, 0);
	open_store(f, STORE_READONLY);
	assert_int_equal(store_tracking_start(f->store, &schema, &error), 0);
	assert_int_equal(schema, start);
	get_ok(f->store, "nobody@example.com", 0);
	store_close(&f->store);
	assert_null(f->store);
	store_close(&f->store);     /* closing NULL is harmless */
}

/* Opening an empty directory read-only creates nothing. */
static void test_open_readonly_empty(void **state)
{
	struct fixture *f = *state;
	struct store *store = NULL;
	const char *error = NULL;
	char path[4200];

	assert_int_equal(store_open(f->dir, STORE_READONLY, &store, &error), -1);
	assert_null(store);
	assert_non_null(error);
	if (strstr(error, f->dir) == NULL || strstr(error, "no database") == NULL)
		T_FATAL("unclear error: %s", error);
	path_in(f, "data.mdb", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
	path_in(f, "lock.mdb", path, sizeof(path));
	assert_int_equal(access(path, F_OK), -1);
}

enum open_error_setup { OE_MISSING, OE_FILE, OE_GARBAGE, OE_NEWER_SCHEMA };

struct open_error_case {
	const char *name;
	enum open_error_setup setup;
	unsigned int flags;
	const char *error;           /* substring */
};

static const struct open_error_case open_error_cases[] = {
	{ "missing directory", OE_MISSING, 0, "No such file" },
	{ "missing directory, read-only", OE_MISSING, STORE_READONLY, "No such file" },
	{ "a regular file", OE_FILE, 0, "not a directory" },
	{ "garbage data.mdb", OE_GARBAGE, 0, "LMDB" },
	{ "garbage data.mdb, read-only", OE_GARBAGE, STORE_READONLY, "LMDB" },
	{ "newer schema", OE_NEWER_SCHEMA, 0, "newer" },
	{ "newer schema, read-only", OE_NEWER_SCHEMA, STORE_READONLY, "newer" },
};

static void test_open_errors(void **state)
{
	struct fixture *f = *state;

	T_BEGIN();
	for (size_t i = 0; i < N(open_error_cases); i++) {
		const struct open_error_case *c = &open_error_cases[i];
		char dir[4000], path[4200];
		struct store *store = NULL;
		const char *error = NULL;
		uint8_t junk[16384];
		int ret;

		/* inside the fixture's directory: the teardown removes it */
		snprintf(dir, sizeof(dir), "%s/case%zu", f->dir, i);
		if (mkdir(dir, 0700) < 0)
			T_FATAL("mkdir %s: %s", dir, strerror(errno));
		snprintf(path, sizeof(path), "%s/x", dir);
		switch (c->setup) {
		case OE_MISSING:
			break;
		case OE_FILE:
			test_write_file(path, "x", 1);
			break;
		case OE_GARBAGE:
			mkdir(path, 0700);
			memset(junk, 0xab, sizeof(junk));
			snprintf(path, sizeof(path), "%s/x/data.mdb", dir);
			test_write_file(path, junk, sizeof(junk));
			snprintf(path, sizeof(path), "%s/x", dir);
			break;
		case OE_NEWER_SCHEMA: {
			uint8_t v[8] = { STORE_SCHEMA_VERSION + 1 };
			mkdir(path, 0700);
			if (store_open(path, 0, &store, &error) == 0) {
				store_close(&store);
				raw_put(path, "meta", "schema", 6, v, sizeof(v));
			}
			break;
		}
		}
		ret = store_open(path, c->flags, &store, &error);
		T_CHECK(ret == -1, "case %zu (%s): opened", i, c->name);
		T_CHECK(ret == 0 || store == NULL, "case %zu (%s): store set on failure",
			i, c->name);
		if (ret < 0)
			T_CHECK(error != NULL && strstr(error, c->error) != NULL &&
				strstr(error, path) != NULL,
				"case %zu (%s): error '%s' should name %s and say '%s'", i,
				c->name, T_STR(error), path, c->error);
		store_close(&store);
		test_rmtree(dir);
	}
	T_END();
}

/* Read-only handles read and refuse every write. */
static void test_readonly_refuses_writes(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	struct activity rec;
	struct account_state st;
	const char *name = "a@example.com";
	const char *error;

	open_store(f, 0);
	update_ok(f->store, name, &ev, 60, 1);
	open_store(f, STORE_READONLY);
	rec = get_ok(f->store, name, 1);
	assert_int_equal(rec.last_login, 1000);
	memset(&st, 0, sizeof(st));
	st.kind = STATE_SUSPENDED;

	T_BEGIN();
	error = NULL;
	ev.time = 5000;
	T_CHECK(store_activity_update(f->store, name, &ev, 60, NULL, &error) == -1 &&
		error != NULL && strstr(error, "read-only") != NULL, "update: %s", T_STR(error));
	error = NULL;
	T_CHECK(store_activity_merge(f->store, name, &rec, &error) == -1 && error != NULL,
		"merge accepted");
	error = NULL;
	T_CHECK(store_activity_merge_batch(f->store, &name, &rec, 1, &error) == -1 &&
		error != NULL, "merge_batch accepted");
	error = NULL;
	T_CHECK(store_state_set(f->store, name, &st, "{}", &error) == -1 && error != NULL,
		"state_set accepted");
	error = NULL;
	T_CHECK(store_meta_set(f->store, "x", 1, &error) == -1 && error != NULL,
		"meta_set accepted");
	error = NULL;
	T_CHECK(store_tracking_extend(f->store, 1, &error) == -1 && error != NULL,
		"tracking_extend accepted");
	T_END();
	rec = get_ok(f->store, name, 1);
	assert_int_equal(rec.last_login, 1000);
}

/* ---- update, get, the max rule and coalescing ---- */

struct step {
	enum activity_kind kind;
	int64_t time;
	const char *service, *ip;
	unsigned int interval;
	int ret;                     /* 1 written, 0 not */
	/* the record afterwards */
	int64_t login, send, recv;
	const char *login_ip, *login_service, *send_ip;
};

#define LG ACTIVITY_LOGIN
#define SD ACTIVITY_SEND
#define RV ACTIVITY_RECEIVE

static const struct step steps[] = {
	/* first login: written */
	{ LG, 1000, "imap", "10.0.0.1", 60, 1, 1000, 0, 0, "10.0.0.1", "imap", NULL },
	/* same address and service within the interval: coalesced */
	{ LG, 1030, "imap", "10.0.0.1", 60, 0, 1000, 0, 0, "10.0.0.1", "imap", NULL },
	{ LG, 1059, "imap", "[10.0.0.1]", 60, 0, 1000, 0, 0, "10.0.0.1", "imap", NULL },
	/* a new address within the interval is written */
	{ LG, 1040, "imap", "10.0.0.2", 60, 1, 1040, 0, 0, "10.0.0.2", "imap", NULL },
	/* a new service within the interval is written */
	{ LG, 1050, "pop3", "10.0.0.2", 60, 1, 1050, 0, 0, "10.0.0.2", "pop3", NULL },
	{ LG, 1109, "pop3", "10.0.0.2", 60, 0, 1050, 0, 0, "10.0.0.2", "pop3", NULL },
	/* the interval reached: written */
	{ LG, 1110, "pop3", "10.0.0.2", 60, 1, 1110, 0, 0, "10.0.0.2", "pop3", NULL },
	/* older and equal events change no activity, whatever they carry;
	   an equal one from a new network writes the networks record only */
	{ LG, 500, "imap", "10.9.9.9", 60, 0, 1110, 0, 0, "10.0.0.2", "pop3", NULL },
	{ LG, 1110, "imap", "10.9.9.9", 60, 1, 1110, 0, 0, "10.0.0.2", "pop3", NULL },
	{ LG, 1110, "imap", "10.9.9.8", 60, 0, 1110, 0, 0, "10.0.0.2", "pop3", NULL },
	{ LG, 500, "imap", "10.9.9.9", 0, 0, 1110, 0, 0, "10.0.0.2", "pop3", NULL },
	/* sends and receives have their own times */
	{ SD, 2000, NULL, "2001:db8::7", 60, 1, 1110, 2000, 0, "10.0.0.2", "pop3", "2001:db8::7" },
	{ SD, 1999, NULL, "10.9.9.9", 60, 0, 1110, 2000, 0, "10.0.0.2", "pop3", "2001:db8::7" },
	{ SD, 2010, NULL, "IPv6:2001:db8::7", 60, 0, 1110, 2000, 0, "10.0.0.2", "pop3", "2001:db8::7" },
	{ SD, 2010, NULL, "10.0.0.8", 60, 1, 1110, 2010, 0, "10.0.0.2", "pop3", "10.0.0.8" },
	{ RV, 3000, NULL, NULL, 60, 1, 1110, 2010, 3000, "10.0.0.2", "pop3", "10.0.0.8" },
	{ RV, 3010, NULL, "10.9.9.9", 60, 0, 1110, 2010, 3000, "10.0.0.2", "pop3", "10.0.0.8" },
	{ RV, 3060, NULL, NULL, 60, 1, 1110, 2010, 3060, "10.0.0.2", "pop3", "10.0.0.8" },
	/* interval 0: every newer event is written */
	{ LG, 1111, "pop3", "10.0.0.2", 0, 1, 1111, 2010, 3060, "10.0.0.2", "pop3", "10.0.0.8" },
	/* no address, no service */
	{ LG, 9000, NULL, NULL, 60, 1, 9000, 2010, 3060, "", "", "10.0.0.8" },
};

static void test_update_steps(void **state)
{
	struct fixture *f = *state;
	const char *name = "a@example.com";
	struct activity before;

	open_store(f, 0);
	memset(&before, 0, sizeof(before));
	T_BEGIN();
	for (size_t i = 0; i < N(steps); i++) {
		const struct step *s = &steps[i];
		struct activity_event ev = { s->kind, s->time, s->service, s->ip };
		struct activity old, rec;
		uint64_t commits = store_commit_count(f->store);
		const char *error = NULL;
		int ret;

		memset(&old, 0x5a, sizeof(old));
		ret = store_activity_update(f->store, name, &ev, s->interval, &old, &error);
		T_CHECK(ret == s->ret, "step %zu: returned %d (%s), expected %d", i, ret,
			T_STR(error), s->ret);
		/* a coalesced or older event costs no commit */
		T_CHECK(store_commit_count(f->store) - commits == (uint64_t)(s->ret == 1),
			"step %zu: %llu commits", i,
			(unsigned long long)(store_commit_count(f->store) - commits));
		/* old_r is the record as it was before */
		T_CHECK(old.last_login == before.last_login && old.last_send == before.last_send &&
			old.last_receive == before.last_receive &&
			memcmp(&old.login_ip, &before.login_ip, sizeof(old.login_ip)) == 0 &&
			strcmp(old.login_service, before.login_service) == 0,
			"step %zu: old_r is not the previous record", i);
		error = NULL;
		ret = store_activity_get(f->store, name, &rec, &error);
		T_CHECK(ret == 1, "step %zu: get returned %d (%s)", i, ret, T_STR(error));
		if (ret != 1)
			continue;
		T_CHECK(rec.last_login == s->login && rec.last_send == s->send &&
			rec.last_receive == s->recv, "step %zu: times %lld %lld %lld, expected "
			"%lld %lld %lld", i, (long long)rec.last_login, (long long)rec.last_send,
			(long long)rec.last_receive, (long long)s->login, (long long)s->send,
			(long long)s->recv);
		T_CHECK(ip_is(&rec.login_ip, s->login_ip), "step %zu: login ip", i);
		T_CHECK(ip_is(&rec.send_ip, s->send_ip), "step %zu: send ip", i);
		T_CHECK(strcmp(rec.login_service, s->login_service) == 0,
			"step %zu: service '%s', expected '%s'", i, rec.login_service,
			s->login_service);
		before = rec;
	}
	T_END();
	/* old_r of an account never seen is all zero */
	{
		struct activity old;
		struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
		const char *error = NULL;

		memset(&old, 0x5a, sizeof(old));
		assert_int_equal(store_activity_update(f->store, "new@example.com", &ev, 60,
						       &old, &error), 1);
		assert_true(is_zero(&old.last_login, sizeof(old.last_login)));
		assert_int_equal(old.last_send, 0);
		assert_int_equal(old.last_receive, 0);
		assert_int_equal(old.login_ip.family, 0);
		assert_string_equal(old.login_service, "");
	}
}

/* What each handle sees is what another handle wrote (new handles every
   time: no caching across calls). */
static void test_update_persists(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1700000000, "submission", "2001:db8::1");
	struct activity rec;

	open_store(f, 0);
	update_ok(f->store, "a@example.com", &ev, 60, 1);
	open_store(f, STORE_READONLY);
	rec = get_ok(f->store, "a@example.com", 1);
	assert_int_equal(rec.last_login, 1700000000);
	assert_true(ip_is(&rec.login_ip, "2001:db8::1"));
	assert_string_equal(rec.login_service, "submission");
	get_ok(f->store, "A@example.com", 0);       /* keys are exact */
}

struct name_case {
	size_t len;
	int ret;
};

static const struct name_case name_cases[] = {
	{ 0, -1 }, { 1, 1 }, { ACCOUNT_MAX, 1 }, { ACCOUNT_MAX + 1, -1 }, { 511, -1 },
	{ 600, -1 },
};

static void test_account_names(void **state)
{
	struct fixture *f = *state;

	open_store(f, 0);
	T_BEGIN();
	for (size_t i = 0; i < N(name_cases); i++) {
		char name[700];
		struct activity_event ev = login_event(1000, "imap", NULL);
		struct activity rec;
		struct account_state st;
		const char *error = NULL;
		int ret;

		memset(name, 'n', name_cases[i].len);
		name[name_cases[i].len] = '\0';
		ret = store_activity_update(f->store, name, &ev, 60, NULL, &error);
		T_CHECK(ret == name_cases[i].ret, "case %zu (%zu bytes): update %d (%s)", i,
			name_cases[i].len, ret, T_STR(error));
		ret = store_activity_get(f->store, name, &rec, &error);
		T_CHECK(ret == name_cases[i].ret, "case %zu (%zu bytes): get %d", i,
			name_cases[i].len, ret);
		ret = store_state_get(f->store, name, &st, &error);
		T_CHECK(ret == (name_cases[i].ret < 0 ? -1 : 0), "case %zu: state_get %d",
			i, ret);
	}
	T_END();
}

/* ---- merge ---- */

/* store_key_name checks eight bytes at a time: a control byte or DEL at
   every position of every word, beside every byte that is allowed, must
   give the same verdict as a byte-by-byte check. */
static void test_key_name_every_position(void **state)
{
	static const uint8_t probes[] = { 0x00, 0x01, 0x1f, 0x20, 0x21, 0x40,
					  0x7e, 0x7f, 0x80, 0x9f, 0xc3, 0xff };
	uint8_t key[40];
	char name[ACCOUNT_MAX + 1];

	(void)state;
	T_BEGIN();
	for (size_t len = 1; len <= sizeof(key); len++) {
		for (size_t pos = 0; pos < len; pos++) {
			for (size_t p = 0; p < sizeof(probes); p++) {
				MDB_val k = { len, key };
				const char *error = NULL;
				size_t n;
				bool want_bad = probes[p] < 0x20 || probes[p] == 0x7f;
				int ret;

				memset(key, 'a', len);
				key[pos] = probes[p];
				ret = store_key_name(&k, name, &n, &error);
				T_CHECK((ret < 0) == want_bad,
					"len %zu byte 0x%02x at %zu: %d", len,
					probes[p], pos, ret);
				if (!want_bad)
					T_CHECK(n == len && memcmp(name, key, len) == 0 &&
						name[len] == '\0', "copy, len %zu", len);
				else
					T_CHECK(error != NULL && memchr(name, probes[p], n) == NULL,
						"escaped, len %zu", len);
			}
		}
	}
	T_END();
}

static void test_merge(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	struct activity in, rec;
	const char *error = NULL;

	open_store(f, 0);
	update_ok(f->store, "a@x", &ev, 60, 1);
	/* older login, newer send */
	memset(&in, 0, sizeof(in));
	in.last_login = 900;
	ip_parse("10.9.9.9", &in.login_ip);
	strcpy(in.login_service, "pop3");
	in.last_send = 2000;
	ip_parse("10.0.0.7", &in.send_ip);
	assert_int_equal(store_activity_merge(f->store, "a@x", &in, &error), 1);
	rec = get_ok(f->store, "a@x", 1);
	assert_int_equal(rec.last_login, 1000);
	assert_true(ip_is(&rec.login_ip, "10.0.0.1"));
	assert_string_equal(rec.login_service, "imap");
	assert_int_equal(rec.last_send, 2000);
	assert_true(ip_is(&rec.send_ip, "10.0.0.7"));
	/* the same again, or something older: no write */
	uint64_t commits = store_commit_count(f->store);
	assert_int_equal(store_activity_merge(f->store, "a@x", &in, &error), 0);
	memset(&in, 0, sizeof(in));
	assert_int_equal(store_activity_merge(f->store, "a@x", &in, &error), 0);
	assert_int_equal(store_commit_count(f->store), commits);
	/* into an unknown account */
	in.last_receive = 77;
	assert_int_equal(store_activity_merge(f->store, "b@x", &in, &error), 1);
	rec = get_ok(f->store, "b@x", 1);
	assert_int_equal(rec.last_receive, 77);
	assert_int_equal(rec.last_login, 0);
}

/* Batches: unsorted names, more than one transaction's worth, counts of
   changed records, idempotent when repeated. */
static void test_merge_batch(void **state)
{
	struct fixture *f = *state;
	enum { COUNT = 1300 };
	char (*names)[32] = calloc(COUNT, 32);
	const char **ptrs = calloc(COUNT, sizeof(*ptrs));
	struct activity *recs = calloc(COUNT, sizeof(*recs));
	struct activity_event ev = login_event(5000, "imap", NULL);
	const char *error = NULL;
	long changed;

	open_store(f, 0);
	/* one account already newer than its batch record */
	update_ok(f->store, "u0007@x", &ev, 60, 1);
	for (int i = 0; i < COUNT; i++) {
		/* descending: not sorted */
		snprintf(names[i], 32, "u%04d@x", COUNT - 1 - i);
		ptrs[i] = names[i];
		recs[i].last_login = 1000 + i;
		recs[i].last_send = 2000 + i;
	}
	uint64_t commits = store_commit_count(f->store);
	changed = store_activity_merge_batch(f->store, ptrs, recs, COUNT, &error);
	if (changed != COUNT)
		T_FATAL("merge_batch: %ld (%s), expected %d", changed, T_STR(error), COUNT);
	/* long writers commit in batches: 1300 records, 512 a batch */
	assert_true(store_commit_count(f->store) - commits >= 3);
	/* again: nothing changes, and a batch with nothing to write commits
	   nothing */
	commits = store_commit_count(f->store);
	changed = store_activity_merge_batch(f->store, ptrs, recs, COUNT, &error);
	assert_int_equal(changed, 0);
	assert_int_equal(store_commit_count(f->store) - commits, 0);
	struct activity r = get_ok(f->store, "u0007@x", 1);
	assert_int_equal(r.last_login, 5000);                 /* max kept */
	assert_int_equal(r.last_send, 2000 + COUNT - 1 - 7);
	r = get_ok(f->store, "u1299@x", 1);
	assert_int_equal(r.last_login, 1000);
	/* an empty batch */
	assert_int_equal(store_activity_merge_batch(f->store, ptrs, recs, 0, &error), 0);
	/* a bad name fails the call */
	ptrs[5] = "";
	assert_int_equal(store_activity_merge_batch(f->store, ptrs, recs, COUNT, &error), -1);
	free(names);
	free(ptrs);
	free(recs);
}

/* ---- foreach and bad records ---- */

struct seen {
	char name[ACCOUNT_MAX + 1];
	bool has_rec;
	int64_t login;
	char error[128];
};

struct collect {
	struct seen items[64];
	size_t count;
	size_t stop_after;           /* 0: never */
};

static int collect_cb(void *ctx, const char *account, size_t len,
		      const struct activity *rec, const char *decode_error)
{
	struct collect *c = ctx;
	struct seen *s;

	if (c->count >= N(c->items))
		return -99;
	s = &c->items[c->count++];
	snprintf(s->name, sizeof(s->name), "%s", account);
	if (strlen(account) != len)
		snprintf(s->name, sizeof(s->name), "(len %zu != %zu)", len, strlen(account));
	s->has_rec = rec != NULL;
	s->login = rec != NULL ? rec->last_login : -1;
	snprintf(s->error, sizeof(s->error), "%s", decode_error != NULL ? decode_error : "");
	if (c->stop_after != 0 && c->count == c->stop_after)
		return 7;
	return 0;
}

static void test_foreach_corrupt(void **state)
{
	struct fixture *f = *state;
	static const char *const order[] = { "a@x", "b@x", "bad@x", "c@x", "trunc@x",
					     "zzz..." };
	struct activity_event ev;
	struct collect c;
	const char *error = NULL;
	uint8_t trunc[10] = { 1 }, good[RECORD_ACTIVITY_SIZE];
	char longkey[400];
	struct activity rec;

	open_store(f, 0);
	ev = login_event(300, "imap", NULL);
	update_ok(f->store, "c@x", &ev, 60, 1);
	ev.time = 100;
	update_ok(f->store, "a@x", &ev, 60, 1);
	ev.time = 200;
	update_ok(f->store, "b@x", &ev, 60, 1);
	store_close(&f->store);
	raw_put(f->dir, "activity", "bad@x", 5, "\x01garbage", 8);
	raw_put(f->dir, "activity", "trunc@x", 7, trunc, sizeof(trunc));
	/* a key longer than any account name, with a good record */
	memset(longkey, 'z', sizeof(longkey));
	memset(&rec, 0, sizeof(rec));
	record_activity_encode(&rec, good);
	raw_put(f->dir, "activity", longkey, sizeof(longkey), good, sizeof(good));
	open_store(f, STORE_READONLY);

	memset(&c, 0, sizeof(c));
	assert_int_equal(store_activity_foreach(f->store, collect_cb, &c, &error), 0);
	T_BEGIN();
	T_CHECK(c.count == N(order), "visited %zu records, expected %zu", c.count, N(order));
	for (size_t i = 0; i < c.count && i < N(order); i++) {
		bool bad = strcmp(order[i], "bad@x") == 0 || strcmp(order[i], "trunc@x") == 0 ||
			strcmp(order[i], "zzz...") == 0;

		if (strcmp(order[i], "zzz...") == 0)
			/* passed cut to ACCOUNT_MAX, with an error */
			T_CHECK(strlen(c.items[i].name) == ACCOUNT_MAX &&
				strspn(c.items[i].name, "z") == ACCOUNT_MAX,
				"item %zu: long key passed as '%.20s...' (%zu bytes)", i,
				c.items[i].name, strlen(c.items[i].name));
		else
			T_CHECK(strcmp(c.items[i].name, order[i]) == 0,
				"item %zu is %s, expected %s", i, c.items[i].name, order[i]);
		T_CHECK(c.items[i].has_rec == !bad, "item %zu (%s): rec %s", i, order[i],
			c.items[i].has_rec ? "passed" : "NULL");
		T_CHECK(bad == (c.items[i].error[0] != '\0'), "item %zu (%s): decode_error '%s'",
			i, order[i], c.items[i].error);
	}
	T_CHECK(c.items[0].login == 100 && c.items[1].login == 200 && c.items[3].login == 300,
		"times differ");
	T_END();

	/* a callback's non-zero value stops the walk and is returned */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(store_activity_foreach(f->store, collect_cb, &c, &error), 7);
	assert_int_equal(c.count, 2);
	/* a corrupt record reads as none through get */
	get_ok(f->store, "bad@x", 0);
}

static int count_views(void *ctx, const struct account_view *view)
{
	struct collect *c = ctx;

	if (c->count < N(c->items)) {
		snprintf(c->items[c->count].name, sizeof(c->items[0].name), "%s", view->account);
		c->items[c->count].has_rec = view->activity != NULL;
		snprintf(c->items[c->count].error, sizeof(c->items[0].error), "%s",
			 view->decode_error != NULL ? view->decode_error : "");
	}
	c->count++;
	return 0;
}

/* A newer record is never overwritten; a malformed one is replaced. */
static void test_newer_and_malformed(void **state)
{
	struct fixture *f = *state;
	struct activity good, rec;
	struct activity_event ev = login_event(1700000000, "imap", "10.0.0.1");
	uint8_t newer[RECORD_ACTIVITY_SIZE + 8], bad_family[RECORD_ACTIVITY_SIZE];
	uint8_t v0[RECORD_ACTIVITY_SIZE], back[128];
	const char *name_newer = "new@x", *error;
	ssize_t len;

	memset(&good, 0, sizeof(good));
	good.last_login = 1000;
	record_activity_encode(&good, newer);
	memset(newer + RECORD_ACTIVITY_SIZE, 0xcc, 8);
	newer[0] = RECORD_ACTIVITY_VERSION + 1;
	record_activity_encode(&good, bad_family);
	bad_family[1] = 9;
	record_activity_encode(&good, v0);
	v0[0] = 0;

	open_store(f, 0);
	store_close(&f->store);
	raw_put(f->dir, "activity", "new@x", 5, newer, sizeof(newer));
	raw_put(f->dir, "activity", "fam@x", 5, bad_family, sizeof(bad_family));
	raw_put(f->dir, "activity", "v0@x", 4, v0, sizeof(v0));
	open_store(f, 0);

	T_BEGIN();
	/* newer: every access is an error naming the cause */
	error = NULL;
	T_CHECK(store_activity_get(f->store, "new@x", &rec, &error) == -1 && error != NULL &&
		strstr(error, "newer") != NULL, "get of a newer record: %s", T_STR(error));
	error = NULL;
	T_CHECK(store_activity_update(f->store, "new@x", &ev, 60, NULL, &error) == -1 &&
		error != NULL && strstr(error, "newer") != NULL,
		"update of a newer record: %s", T_STR(error));
	error = NULL;
	T_CHECK(store_activity_merge(f->store, "new@x", &good, &error) == -1 && error != NULL,
		"merge into a newer record accepted");
	error = NULL;
	T_CHECK(store_activity_merge_batch(f->store, &name_newer, &good, 1, &error) == -1 &&
		error != NULL, "merge_batch into a newer record accepted");
	/* malformed: reads as none, the next write replaces it */
	T_CHECK(store_activity_get(f->store, "fam@x", &rec, &error) == 0,
		"malformed record does not read as none");
	T_CHECK(store_activity_update(f->store, "fam@x", &ev, 60, NULL, &error) == 1,
		"malformed record not replaced");
	T_CHECK(store_activity_get(f->store, "fam@x", &rec, &error) == 1 &&
		rec.last_login == 1700000000, "replaced record wrong");
	T_CHECK(store_activity_update(f->store, "v0@x", &ev, 60, NULL, &error) == 1,
		"version 0 record not replaced");
	T_CHECK(store_activity_get(f->store, "v0@x", &rec, &error) == 1 &&
		rec.last_login == 1700000000, "replaced record wrong");
	store_close(&f->store);
	/* the newer record is byte for byte what it was */
	len = raw_get(f->dir, "activity", "new@x", back, sizeof(back));
	T_CHECK(len == (ssize_t)sizeof(newer) && memcmp(back, newer, sizeof(newer)) == 0,
		"newer record was modified (len %zd)", len);
	T_END();
}

/* A malformed record is replaced even by an event that activity_is_fresh
   would coalesce against an empty record, and by a merge that changes
   nothing against an empty record. */
static void test_malformed_replaced_by_noop(void **state)
{
	struct fixture *f = *state;
	struct activity empty, rec;
	const char *error = NULL;
	uint8_t back[128];

	open_store(f, 0);
	store_close(&f->store);
	raw_put(f->dir, "activity", "m@x", 3, "\x01junk", 5);
	open_store(f, 0);
	memset(&empty, 0, sizeof(empty));
	assert_int_equal(store_activity_merge(f->store, "m@x", &empty, &error), 1);
	rec = get_ok(f->store, "m@x", 1);
	assert_int_equal(rec.last_login, 0);
	store_close(&f->store);
	assert_int_equal(raw_get(f->dir, "activity", "m@x", back, sizeof(back)),
			 RECORD_ACTIVITY_SIZE);
}

/* store_account_foreach joins activity, accounts and state in key order
   and reports a corrupt record with its error. */
static void test_account_foreach(void **state)
{
	struct fixture *f = *state;
	static const char *const order[] = { "a@x", "b@x", "bad@x", "c@x", "d@x" };
	struct activity_event ev = login_event(100, "imap", NULL);
	static const char *const listed[] = { "b@x", "d@x" };
	struct store_sync_stats stats;
	struct account_state st;
	struct collect c;
	const char *error = NULL;

	open_store(f, 0);
	update_ok(f->store, "a@x", &ev, 60, 1);
	update_ok(f->store, "b@x", &ev, 60, 1);
	assert_int_equal(store_accounts_sync(f->store, listed, NULL, 2, SOURCE_FILE, 1000, NULL, NULL, &stats,
					     &error), 0);
	memset(&st, 0, sizeof(st));
	st.kind = STATE_EXEMPT;
	assert_int_equal(store_state_set(f->store, "c@x", &st, "{}", &error), 0);
	store_close(&f->store);
	raw_put(f->dir, "activity", "bad@x", 5, "\x01", 1);
	open_store(f, STORE_READONLY);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_account_foreach(f->store, count_views, &c, &error), 0);
	T_BEGIN();
	T_CHECK(c.count == N(order), "visited %zu, expected %zu", c.count, N(order));
	for (size_t i = 0; i < c.count && i < N(order); i++) {
		T_CHECK(strcmp(c.items[i].name, order[i]) == 0, "item %zu: %s, expected %s", i,
			c.items[i].name, order[i]);
		T_CHECK((strcmp(order[i], "bad@x") == 0) == (c.items[i].error[0] != '\0'),
			"item %zu (%s): decode_error '%s'", i, order[i], c.items[i].error);
	}
	T_END();
}

/* Many pages (the store copies 64 accounts per read transaction): every
   account once, in key order, with the records of each database it is
   in, whichever database ends a page. */
struct paged {
	size_t count;
	char last[64];
	bool ok;
};

static int paged_cb(void *ctx, const struct account_view *view)
{
	struct paged *p = ctx;
	int i;

	if (strcmp(view->account, p->last) <= 0 ||
	    sscanf(view->account, "u%d@x", &i) != 1)
		p->ok = false;
	/* activity for i % 2 == 0, a directory record for i % 3 == 0, a
	   state for i % 5 == 0 */
	else if ((view->activity != NULL) != (i % 2 == 0) ||
		 (view->info != NULL) != (i % 3 == 0) ||
		 (view->state != NULL) != (i % 5 == 0))
		p->ok = false;
	snprintf(p->last, sizeof(p->last), "%s", view->account);
	p->count++;
	return 0;
}

static void test_account_foreach_pages(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(100, "imap", NULL);
	char *listed[1000], name[32];
	size_t nlisted = 0, want = 0;
	struct store_sync_stats stats;
	struct account_state st;
	struct paged p = { 0, "", true };
	const char *error = NULL;

	open_store(f, 0);
	memset(&st, 0, sizeof(st));
	st.kind = STATE_EXEMPT;
	for (int i = 1; i < 1000; i++) {
		snprintf(name, sizeof(name), "u%04d@x", i);
		if (i % 2 == 0)
			update_ok(f->store, name, &ev, 60, 1);
		if (i % 3 == 0)
			listed[nlisted++] = strdup(name);
		if (i % 5 == 0)
			assert_int_equal(store_state_set(f->store, name, &st, "{}",
							 &error), 0);
		if (i % 2 == 0 || i % 3 == 0 || i % 5 == 0)
			want++;
	}
	assert_int_equal(store_accounts_sync(f->store, (const char *const *)listed,
					     NULL, nlisted, SOURCE_FILE, 1000, NULL, NULL, &stats,
					     &error), 0);
	assert_int_equal(store_account_foreach(f->store, paged_cb, &p, &error), 0);
	for (size_t i = 0; i < nlisted; i++)
		free(listed[i]);
	if (!p.ok || p.count != want)
		T_FATAL("visited %zu of %zu accounts (order and records %s, last %s)",
			p.count, want, p.ok ? "right" : "WRONG", p.last);
}

/* ---- state and audit ---- */

struct audit_seen {
	int64_t time[16];
	char json[16][64];
	size_t count;
};

static int audit_cb(void *ctx, int64_t t, const char *json, size_t len)
{
	struct audit_seen *a = ctx;

	if (a->count >= N(a->time))
		return -1;
	a->time[a->count] = t;
	snprintf(a->json[a->count], sizeof(a->json[0]), "%.*s", (int)len, json);
	a->count++;
	return 0;
}

struct state_seen {
	char names[16][32];
	enum account_state_kind kinds[16];
	size_t count;
};

static int state_cb(void *ctx, const char *account, const struct account_state *st,
		    const char *decode_error)
{
	struct state_seen *s = ctx;

	if (s->count >= N(s->names))
		return -1;
	snprintf(s->names[s->count], sizeof(s->names[0]), "%s", account);
	s->kinds[s->count] = st != NULL ? st->kind : (enum account_state_kind)-1;
	s->count++;
	return 0;
}

struct audit_case {
	int64_t since;
	size_t count;                /* entries from that time on */
	size_t first;                /* index of the first */
};

static void test_state_audit(void **state)
{
	struct fixture *f = *state;
	/* (account, kind or none, json, time): the clock goes back at entry 2 */
	static const struct {
		const char *account;
		int kind;                /* 0: clear */
		const char *json;
		int64_t t;
	} ops[] = {
		{ "a@x", STATE_SUSPENDED, "{\"n\":0}", 100 },
		{ "b@x", STATE_EXEMPT, "{\"n\":1}", 100 },
		{ "a@x", 0, "{\"n\":2}", 50 },
		{ "c@x", STATE_GRACE, "{\"n\":3}", 200 },
		{ "zz@x", 0, "{\"n\":4}", 300 },       /* clearing nothing is audited too */
		{ "b@x", STATE_EXEMPT, "{\"n\":5}", 300 },
	};
	/* the audit keeps the order of the changes and never goes back */
	static const int64_t audit_times[] = { 100, 100, 100, 200, 300, 300 };
	static const struct audit_case audit_cases[] = {
		{ 0, 6, 0 }, { -5, 6, 0 }, { 100, 6, 0 }, { 101, 3, 3 }, { 200, 3, 3 },
		{ 201, 2, 4 }, { 300, 2, 4 }, { 301, 0, 0 },
	};
	struct account_state st, got;
	struct audit_seen a;
	struct state_seen s;
	const char *error = NULL;

	open_store(f, 0);
	for (size_t i = 0; i < N(ops); i++) {
		uint64_t commits = store_commit_count(f->store);

		memset(&st, 0, sizeof(st));
		st.kind = (enum account_state_kind)ops[i].kind;
		st.since = ops[i].t;
		st.until = ops[i].kind == STATE_EXEMPT ? 5000 + (int64_t)i : 0;
		snprintf(st.reason, sizeof(st.reason), "reason %zu", i);
		snprintf(st.actor, sizeof(st.actor), "root");
		if (store_state_set_at(f->store, ops[i].account, ops[i].kind != 0 ? &st : NULL,
				       ops[i].json, ops[i].t, &error) < 0)
			T_FATAL("op %zu: %s", i, T_STR(error));
		/* state and audit in one transaction: one commit */
		assert_int_equal(store_commit_count(f->store) - commits, 1);
	}
	T_BEGIN();
	T_CHECK(store_state_get(f->store, "a@x", &got, &error) == 0, "a@x not cleared");
	T_CHECK(store_state_get(f->store, "b@x", &got, &error) == 1 &&
		got.kind == STATE_EXEMPT && got.until == 5005 && got.since == 300 &&
		strcmp(got.reason, "reason 5") == 0 && strcmp(got.actor, "root") == 0,
		"b@x state wrong");
	T_CHECK(store_state_get(f->store, "c@x", &got, &error) == 1 &&
		got.kind == STATE_GRACE, "c@x state wrong");
	T_CHECK(store_state_get(f->store, "zz@x", &got, &error) == 0, "zz@x has a state");

	for (size_t i = 0; i < N(audit_cases); i++) {
		const struct audit_case *c = &audit_cases[i];

		memset(&a, 0, sizeof(a));
		T_CHECK(store_audit_foreach(f->store, c->since, audit_cb, &a, &error) == 0,
			"audit since %lld: %s", (long long)c->since, T_STR(error));
		T_CHECK(a.count == c->count, "since %lld: %zu entries, expected %zu",
			(long long)c->since, a.count, c->count);
		for (size_t j = 0; j < a.count && j < c->count; j++) {
			T_CHECK(strcmp(a.json[j], ops[c->first + j].json) == 0 &&
				a.time[j] == audit_times[c->first + j],
				"since %lld: entry %zu is %lld %s, expected %lld %s",
				(long long)c->since, j, (long long)a.time[j], a.json[j],
				(long long)audit_times[c->first + j], ops[c->first + j].json);
		}
	}
	memset(&s, 0, sizeof(s));
	T_CHECK(store_state_foreach(f->store, state_cb, &s, &error) == 0, "state_foreach");
	T_CHECK(s.count == 2 && strcmp(s.names[0], "b@x") == 0 &&
		strcmp(s.names[1], "c@x") == 0 && s.kinds[0] == STATE_EXEMPT &&
		s.kinds[1] == STATE_GRACE, "state_foreach saw %zu states", s.count);
	T_END();

	/* store_state_set files the entry under the clock */
	int64_t now = time(NULL);
	memset(&st, 0, sizeof(st));
	st.kind = STATE_SUSPENDED;
	assert_int_equal(store_state_set(f->store, "d@x", &st, "{\"n\":6}", &error), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_audit_foreach(f->store, 301, audit_cb, &a, &error), 0);
	assert_int_equal(a.count, 1);
	assert_in_range(a.time[0], now - 5, now + 5);
	assert_string_equal(a.json[0], "{\"n\":6}");
}

/* Reasons and actors of STATE_TEXT_MAX bytes go through the store. */
static void test_state_long_text(void **state)
{
	struct fixture *f = *state;
	struct account_state st, got;
	const char *error = NULL;

	open_store(f, 0);
	memset(&st, 0, sizeof(st));
	st.kind = STATE_SUSPENDED;
	memset(st.reason, 'r', STATE_TEXT_MAX);
	memset(st.actor, 'a', STATE_TEXT_MAX);
	assert_int_equal(store_state_set(f->store, "a@x", &st, "{}", &error), 0);
	assert_int_equal(store_state_get(f->store, "a@x", &got, &error), 1);
	assert_int_equal(strlen(got.reason), STATE_TEXT_MAX);
	assert_int_equal(strlen(got.actor), STATE_TEXT_MAX);
	/* a corrupt state record is an error, not a state */
	store_close(&f->store);
	raw_put(f->dir, "state", "bad@x", 5, "\x01\x09", 2);
	open_store(f, STORE_READONLY);
	error = NULL;
	assert_int_equal(store_state_get(f->store, "bad@x", &got, &error), -1);
	assert_non_null(error);
}

/* ---- tracking start ---- */

static void test_tracking(void **state)
{
	struct fixture *f = *state;
	int64_t start = 0, now = time(NULL), t;
	const char *error = NULL;

	open_store(f, 0);
	assert_int_equal(store_tracking_start(f->store, &start, &error), 0);
	assert_in_range(start, now - 5, now + 5);
	/* later or 0: no change */
	assert_int_equal(store_tracking_extend(f->store, start + 1000, &error), 0);
	assert_int_equal(store_tracking_extend(f->store, 0, &error), 0);
	assert_int_equal(store_tracking_extend(f->store, -5, &error), 0);
	assert_int_equal(store_tracking_start(f->store, &t, &error), 0);
	assert_int_equal(t, start);
	/* earlier: moved */
	assert_int_equal(store_tracking_extend(f->store, 1500000000, &error), 0);
	assert_int_equal(store_tracking_start(f->store, &t, &error), 0);
	assert_int_equal(t, 1500000000);
	/* kept across opens: not reset by whoever opens next */
	open_store(f, 0);
	assert_int_equal(store_tracking_start(f->store, &t, &error), 0);
	assert_int_equal(t, 1500000000);
}

/* ---- the directory: sync ---- */

static void test_accounts_sync(void **state)
{
	struct fixture *f = *state;
	enum { MANY = 1200 };
	char (*names)[16] = calloc(MANY, 16);
	const char **ptrs = calloc(MANY, sizeof(*ptrs));
	struct store_sync_stats stats;
	struct account_info info;
	const char *error = NULL;

	for (int i = 0; i < MANY; i++) {
		snprintf(names[i], 16, "u%05d@x", i);     /* sorted */
		ptrs[i] = names[i];
	}
	open_store(f, 0);
	assert_int_equal(store_accounts_sync(f->store, ptrs, NULL, MANY, SOURCE_DOVEADM, 1000,
					     NULL, NULL, &stats, &error), 0);
	assert_int_equal(stats.listed, MANY);
	assert_int_equal(stats.added, MANY);
	assert_int_equal(stats.gone, 0);
	/* only the last 100 listed: 1100 gone, more than one batch */
	assert_int_equal(store_accounts_sync(f->store, ptrs + MANY - 100, NULL, 100, SOURCE_FILE,
					     2000, NULL, NULL, &stats, &error), 0);
	assert_int_equal(stats.added, 0);
	assert_int_equal(stats.gone, MANY - 100);
	assert_int_equal(store_account_info_get(f->store, "u00000@x", &info, NULL, &error), 1);
	assert_int_equal(info.first_seen, 1000);
	assert_int_equal(info.last_seen, 1000);
	assert_int_equal(info.gone_since, 2000);
	assert_int_equal(store_account_info_get(f->store, "u01199@x", &info, NULL, &error), 1);
	assert_int_equal(info.last_seen, 2000);
	assert_int_equal(info.gone_since, 0);
	assert_int_equal(info.source, SOURCE_FILE);
	/* back again: returned, first_seen kept */
	assert_int_equal(store_accounts_sync(f->store, ptrs, NULL, MANY, SOURCE_DOVEADM, 3000,
					     NULL, NULL, &stats, &error), 0);
	assert_int_equal(stats.returned, MANY - 100);
	assert_int_equal(stats.gone, 0);
	assert_int_equal(store_account_info_get(f->store, "u00000@x", &info, NULL, &error), 1);
	assert_int_equal(info.first_seen, 1000);
	assert_int_equal(info.gone_since, 0);
	assert_int_equal(store_account_info_get(f->store, "nobody@x", &info, NULL, &error), 0);
	free(names);
	free(ptrs);
}

/* store_sync_skip_fn: what sync left alone. */
struct skipped {
	unsigned int calls;
	char account[ACCOUNT_MAX + 1];
	char why[128];
};

static void skipped_cb(void *ctx, const char *account, const char *why)
{
	struct skipped *s = ctx;

	s->calls++;
	snprintf(s->account, sizeof(s->account), "%s", account);
	snprintf(s->why, sizeof(s->why), "%s", why);
}

/* doc/DESIGN-NOTES.md: a record of a newer version is never overwritten.
   A directory record this program cannot read stops a merge with an
   error naming it; sync leaves that account alone, names it and syncs the
   rest. It stays byte for byte; a malformed one (known
   version, bad contents) is replaced like a malformed activity record. */
static void test_accounts_newer_kept(void **state)
{
	struct fixture *f = *state;
	struct account_info info = { 100, 200, 0, SOURCE_FILE };
	uint8_t newer[RECORD_ACCOUNT_SIZE + 40], bad[RECORD_ACCOUNT_SIZE], back[128];
	const char *names[] = { "bad@x", "new@x" }, *error;
	struct store_sync_stats stats;
	struct skipped skip = { 0, "", "" };
	ssize_t len;

	memset(newer, 0xcc, sizeof(newer));
	newer[0] = RECORD_ACCOUNT_VERSION + 1;
	memset(bad, 0, sizeof(bad));
	bad[0] = 1;
	bad[1] = 9;                  /* unknown source */
	open_store(f, 0);
	store_close(&f->store);
	raw_put(f->dir, "accounts", "new@x", 5, newer, sizeof(newer));
	raw_put(f->dir, "accounts", "bad@x", 5, bad, sizeof(bad));
	open_store(f, 0);

	T_BEGIN();
	error = NULL;
	/* sync leaves it alone, names it, and syncs the rest (the malformed
	   one is replaced) */
	T_CHECK(store_accounts_sync(f->store, names, NULL, 2, SOURCE_DOVEADM, 1000,
				    skipped_cb, &skip, &stats, &error) == 0,
		"sync over a newer record: %s", T_STR(error));
	T_CHECK(stats.skipped == 1 && skip.calls == 1 &&
		strcmp(skip.account, "new@x") == 0 &&
		strstr(skip.why, "newer") != NULL,
		"skipped %lu, told %u times: %s (%s)", stats.skipped, skip.calls,
		skip.account, skip.why);
	error = NULL;
	T_CHECK(store_accounts_merge_batch(f->store, &names[1], &info, 1, &error) == -1 &&
		error != NULL && strstr(error, "newer") != NULL,
		"merge over a newer record: %s", T_STR(error));
	/* the malformed one: replaced */
	T_CHECK(store_account_info_get(f->store, "bad@x", &info, NULL, &error) == 1 &&
		info.first_seen == 1000 && info.source == SOURCE_DOVEADM,
		"malformed record not replaced");
	store_close(&f->store);
	len = raw_get(f->dir, "accounts", "new@x", back, sizeof(back));
	T_CHECK(len == (ssize_t)sizeof(newer) && memcmp(back, newer, sizeof(newer)) == 0,
		"newer record was modified (len %zd)", len);
	T_END();
}

/* Contacts come with each sync, whole; a gone account and a merge keep
   them; a version 1 record is upgraded in place by the next sync. */
static void test_accounts_contacts(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "a@x", "b@x" }, *error = NULL;
	struct account_contacts c[2], got;
	struct account_info info = { 1, 5000, 0, SOURCE_FILE };
	struct store_sync_stats stats;
	uint8_t v1[RECORD_ACCOUNT_SIZE], back[RECORD_ACCOUNT_MAX];
	ssize_t len;

	memset(c, 0, sizeof(c));
	strcpy(c[0].text[CONTACT_MANAGER], "boss@x");
	c[0].source[CONTACT_MANAGER] = CONTACT_SRC_USERDB;
	strcpy(c[1].text[CONTACT_UNIT], "Finance");
	c[1].source[CONTACT_UNIT] = CONTACT_SRC_FILE;
	record_account_encode_v1(&(struct account_info){ 500, 600, 0, SOURCE_FILE }, v1);
	open_store(f, 0);
	store_close(&f->store);
	raw_put(f->dir, "accounts", "a@x", 3, v1, sizeof(v1));
	open_store(f, 0);

	T_BEGIN();
	T_CHECK(store_account_info_get(f->store, "a@x", &info, &got, &error) == 1 &&
		info.first_seen == 500 && account_contacts_empty(&got),
		"version 1 record not read");
	T_CHECK(store_accounts_sync(f->store, names, c, 2, SOURCE_DOVEADM, 1000, NULL, NULL, &stats,
				    &error) == 0, "sync: %s", T_STR(error));
	T_CHECK(store_account_info_get(f->store, "a@x", &info, &got, &error) == 1 &&
		info.first_seen == 500 && strcmp(got.text[CONTACT_MANAGER], "boss@x") == 0 &&
		got.source[CONTACT_MANAGER] == CONTACT_SRC_USERDB,
		"a@x: manager '%s'", got.text[CONTACT_MANAGER]);
	T_CHECK(store_account_info_get(f->store, "b@x", &info, &got, &error) == 1 &&
		strcmp(got.text[CONTACT_UNIT], "Finance") == 0 &&
		got.text[CONTACT_MANAGER][0] == '\0', "b@x contacts wrong");
	/* b@x gone: keeps its unit; a merge keeps it too */
	T_CHECK(store_accounts_sync(f->store, names, c, 1, SOURCE_DOVEADM, 2000, NULL, NULL, &stats,
				    &error) == 0 && stats.gone == 1, "second sync");
	T_CHECK(store_accounts_merge_batch(f->store, &names[1], &info, 1, &error) >= 0,
		"merge: %s", T_STR(error));
	T_CHECK(store_account_info_get(f->store, "b@x", &info, &got, &error) == 1 &&
		info.gone_since == 2000 && strcmp(got.text[CONTACT_UNIT], "Finance") == 0,
		"gone or merged account lost its contacts");
	/* a sync without contacts clears them */
	T_CHECK(store_accounts_sync(f->store, names, NULL, 2, SOURCE_DOVEADM, 3000, NULL, NULL, &stats,
				    &error) == 0, "third sync");
	T_CHECK(store_account_info_get(f->store, "a@x", &info, &got, &error) == 1 &&
		account_contacts_empty(&got), "contacts not cleared");
	store_close(&f->store);
	len = raw_get(f->dir, "accounts", "a@x", back, sizeof(back));
	T_CHECK(len == RECORD_ACCOUNT_SIZE + 9 && back[0] == RECORD_ACCOUNT_VERSION,
		"record not rewritten as version %d (len %zd)", RECORD_ACCOUNT_VERSION, len);
	T_END();
}

/* ---- meta, policy publishing, notices, events ---- */

static int event_cb(void *ctx, int64_t t, const char *account,
		    const struct account_event *ev)
{
	struct audit_seen *a = ctx;

	if (a->count >= N(a->time))
		return -1;
	a->time[a->count] = t;
	snprintf(a->json[a->count], sizeof(a->json[0]), "%s %d", account,
		 ev != NULL ? (int)ev->kind : -1);
	a->count++;
	return 0;
}

static int event_stop(void *ctx, int64_t time, const char *account,
		      const struct account_event *ev)
{
	return 7;
}

static void test_meta_notice_events(void **state)
{
	struct fixture *f = *state;
	struct notice n = { 1700000000, 1600000000 }, got;
	struct account_event ev;
	struct audit_seen a;
	const char *error = NULL;
	int64_t v;

	open_store(f, 0);
	assert_int_equal(store_meta_set(f->store, "x", -42, &error), 0);
	assert_int_equal(store_meta_get(f->store, "x", &v, &error), 1);
	assert_int_equal(v, -42);
	/* publishing writes only when a value changes */
	assert_int_equal(store_policy_publish(f->store, 60 * 86400, 90 * 86400, &error), 0);
	uint64_t commits = store_commit_count(f->store);
	assert_int_equal(store_policy_publish(f->store, 60 * 86400, 90 * 86400, &error), 0);
	assert_int_equal(store_commit_count(f->store), commits);
	assert_int_equal(store_meta_get(f->store, "dormant_after", &v, &error), 1);
	assert_int_equal(v, 90 * 86400);
	assert_int_equal(store_notice_get(f->store, "a@x", &got, &error), 0);
	assert_int_equal(store_notice_set(f->store, "a@x", &n, &error), 0);
	assert_int_equal(store_notice_get(f->store, "a@x", &got, &error), 1);
	assert_int_equal(got.sent, n.sent);
	assert_int_equal(got.period, n.period);
	assert_int_equal(got.reminded, 0);
	n.reminded = 1700000500;
	assert_int_equal(store_notice_set_audited(f->store, "a@x", &n, "{\"x\":1}",
						  1700000500, &error), 0);
	assert_int_equal(store_notice_get(f->store, "a@x", &got, &error), 1);
	assert_int_equal(got.reminded, 1700000500);
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_audit_foreach(f->store, 0, audit_cb, &a, &error), 0);
	assert_int_equal(a.count, 1);
	/* a notice record as an older dormant wrote it (24 bytes): no reminder */
	{
		uint8_t old[24] = { 1 };
		old[8] = 7;
		store_close(&f->store);
		raw_put(f->dir, "notices", "old@x", 5, old, sizeof(old));
		open_store(f, 0);
		assert_int_equal(store_notice_get(f->store, "old@x", &got, &error), 1);
		assert_int_equal(got.sent, 7);
		assert_int_equal(got.reminded, 0);
	}

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_WAKEUP_LOGIN;
	ev.idle = 100;
	strcpy(ev.service, "imap");
	assert_int_equal(store_event_add(f->store, 300, "b@x", &ev, &error), 0);
	ev.kind = EVENT_REFUSED_SEND;
	assert_int_equal(store_event_add(f->store, 100, "a@x", &ev, &error), 0);
	assert_int_equal(store_event_add(f->store, 200, "a@x", &ev, &error), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_event_foreach(f->store, 100, 300, event_cb, &a, &error), 0);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.time[0], 100);
	assert_int_equal(a.time[1], 200);
	assert_string_equal(a.json[0], "a@x 4");
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_event_foreach(f->store, 0, INT64_MAX, event_cb, &a, &error), 0);
	assert_int_equal(a.count, 3);
	assert_string_equal(a.json[2], "b@x 1");
	/* a callback that stops the scan: its value, as every foreach */
	assert_int_equal(store_event_foreach(f->store, 0, INT64_MAX, event_stop,
					     NULL, &error), 7);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates),
		T(test_open_readonly_empty),
		T(test_open_errors),
		T(test_readonly_refuses_writes),
		T(test_update_steps),
		T(test_update_persists),
		T(test_account_names),
		T(test_key_name_every_position),
		T(test_merge),
		T(test_merge_batch),
		T(test_foreach_corrupt),
		T(test_newer_and_malformed),
		T(test_malformed_replaced_by_noop),
		T(test_account_foreach),
		T(test_account_foreach_pages),
		T(test_state_audit),
		T(test_state_long_text),
		T(test_tracking),
		T(test_accounts_sync),
		T(test_accounts_newer_kept),
		T(test_accounts_contacts),
		T(test_meta_notice_events),
		/* test-store-map.c */
		T(test_map_growth),
		T(test_map_resized_elsewhere),
		T(test_threads_map_growth),
		T(test_map_full_every_writer),
		T(test_map_cannot_grow),
		T(test_map_resized_inside_a_read),
		/* test-store-procs.c */
		T(test_use_after_fork),
		T(test_no_reader_slot_between_calls),
		T(test_stale_reader_cleared),
		T(test_many_writers),
		T(test_many_handles_at_once),
		T(test_bounded_waits),
		T(test_scan_callback_holds_no_slot),
		T(test_networks_learnt),
		T(test_networks_suspended),
		T(test_networks_hostile),
		T(test_networks_event_in_txn),
		T(test_meta_cache),
	};

	test_init();
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}

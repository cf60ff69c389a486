/* storetest.c - helpers of the store tests (see storetest.h). */
#include "storetest.h"

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

int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->dir = test_mkdtemp()) == NULL) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int teardown(void **state)
{
	struct fixture *f = *state;

	if (f != NULL) {
		store_close(&f->store);
		if (f->sub != NULL)
			store_close(&f->sub->store);
		test_rmtree(f->dir);
		free(f->dir);
		free(f);
	}
	return 0;
}

void open_store(struct fixture *f, unsigned int flags)
{
	const char *error = NULL;

	store_close(&f->store);
	if (store_open(f->dir, flags, &f->store, &error) < 0)
		T_FATAL("store_open %s: %s", f->dir, T_STR(error));
}

void path_in(const struct fixture *f, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", f->dir, name);
}

off_t data_size(const struct fixture *f)
{
	char path[4200];
	struct stat st;

	path_in(f, "data.mdb", path, sizeof(path));
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* ---- raw LMDB, with the store closed ---- */

MDB_env *raw_open(const char *dir)
{
	MDB_env *env;
	int ret;

	if ((ret = mdb_env_create(&env)) != 0)
		T_FATAL("mdb_env_create: %s", mdb_strerror(ret));
	mdb_env_set_maxdbs(env, 16);
	if ((ret = mdb_env_open(env, dir, 0, 0660)) != 0) {
		mdb_env_close(env);
		T_FATAL("mdb_env_open %s: %s", dir, mdb_strerror(ret));
	}
	return env;
}

void raw_put(const char *dir, const char *db, const void *key, size_t klen,
	     const void *val, size_t vlen)
{
	MDB_env *env = raw_open(dir);
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int ret;

	ret = mdb_txn_begin(env, NULL, 0, &txn);
	if (ret == 0)
		ret = mdb_dbi_open(txn, db, MDB_CREATE, &dbi);
	if (ret == 0)
		ret = mdb_put(txn, dbi, &k, &v, 0);
	if (ret == 0)
		ret = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	mdb_env_close(env);
	if (ret != 0)
		T_FATAL("raw put into %s: %s", db, mdb_strerror(ret));
}

/* Copy the value of key in db into buf; returns its length, or -1 if
   there is none. */
ssize_t raw_get(const char *dir, const char *db, const char *key,
		void *buf, size_t size)
{
	MDB_env *env = raw_open(dir);
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)key }, v;
	ssize_t len = -1;
	int ret;

	ret = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (ret == 0) {
		if (mdb_dbi_open(txn, db, 0, &dbi) == 0 &&
		    mdb_get(txn, dbi, &k, &v) == 0) {
			len = (ssize_t)v.mv_size;
			memcpy(buf, v.mv_data, v.mv_size < size ? v.mv_size : size);
		}
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return len;
}

/* The map size recorded in the environment. */
size_t raw_mapsize(const char *dir)
{
	MDB_env *env = raw_open(dir);
	MDB_envinfo info;

	mdb_env_info(env, &info);
	mdb_env_close(env);
	return info.me_mapsize;
}

/* ---- helpers ---- */

struct activity_event login_event(int64_t t, const char *service, const char *ip)
{
	struct activity_event ev = { ACTIVITY_LOGIN, t, service, ip };
	return ev;
}

void update_ok(struct store *store, const char *account,
	       const struct activity_event *ev, unsigned int interval, int want)
{
	const char *error = NULL;
	int ret = store_activity_update(store, account, ev, interval, NULL, &error);

	if (ret != want)
		T_FATAL("update %s at %lld: %d (%s), expected %d", account,
			 (long long)ev->time, ret, T_STR(error), want);
}

struct activity get_ok(struct store *store, const char *account, int want)
{
	struct activity rec;
	const char *error = NULL;
	int ret = store_activity_get(store, account, &rec, &error);

	if (ret != want)
		T_FATAL("get %s: %d (%s), expected %d", account, ret, T_STR(error), want);
	return rec;
}

bool ip_is(const struct ip_bin *b, const char *text)
{
	char buf[IP_TEXT_MAX];

	ip_format(b, buf);
	return strcmp(buf, text != NULL ? text : "") == 0;
}

bool is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++) {
		if (c[i] != 0)
			return false;
	}
	return true;
}

/* Fill with batches of 'batch' fresh accounts until data.mdb reaches
   limit bytes; returns the number of accounts written. */
long fill_until(struct fixture *f, struct store *store, long next, off_t limit,
		size_t batch)
{
	char (*names)[48] = calloc(batch, 48);
	const char **ptrs = calloc(batch, sizeof(*ptrs));
	struct activity *recs = calloc(batch, sizeof(*recs));
	const char *error = NULL;

	while (data_size(f) < limit) {
		for (size_t i = 0; i < batch; i++) {
			snprintf(names[i], 48, "fill%08ld@example.com", next + (long)i);
			ptrs[i] = names[i];
			recs[i].last_login = 1000 + next + (long)i;
			ip_parse("2001:db8::1", &recs[i].login_ip);
			strcpy(recs[i].login_service, "imap");
		}
		if (store_activity_merge_batch(store, ptrs, recs, batch, &error) != (long)batch) {
			free(names);
			free(ptrs);
			free(recs);
			T_FATAL("merge_batch at %ld (data %lld bytes): %s", next,
				 (long long)data_size(f), T_STR(error));
		}
		next += (long)batch;
	}
	free(names);
	free(ptrs);
	free(recs);
	return next;
}

int count_cb(void *ctx, const char *account, size_t len,
	     const struct activity *rec, const char *decode_error)
{
	long *n = ctx;

	if (rec == NULL)
		return -2;
	(*n)++;
	return 0;
}


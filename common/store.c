/* store.c - the LMDB environment and its named databases (see store.h). */
#include "store.h"
#include "account.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <lmdb.h>

enum store_db {
	DB_ACTIVITY,
	DB_ACCOUNTS,
	DB_STATE,
	DB_AUDIT,
	DB_META,
	DB_EVENTS,
	DB_NOTICES,
	DB_COUNT
};

static const char *const db_names[DB_COUNT] = {
	"activity", "accounts", "state", "audit", "meta", "events",
	"notices",
};

/* Readers only hold a slot for the length of one call, so this is about
   concurrency, not process count; it also bounds the lock file (64 B/slot). */
#define STORE_MAXREADERS 1024
/* Never grow the map past this (address space; the disk fills first). */
#define STORE_MAX_MAPSIZE ((size_t)1 << 40)
/* Writes per transaction for long writers (sync, merge, import): keeps
   each hold of LMDB's writer lock short. */
#define STORE_BATCH 512
/* STORE_FIT_MAP: the smallest map, and the headroom over the data. */
#define STORE_FIT_MIN ((size_t)32 << 20)
#define STORE_FIT_HEADROOM ((size_t)16 << 20)

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	bool have_db[DB_COUNT];
	unsigned int flags;
	pid_t pid;
	char *dir;
	/* Transactions hold it shared; changing the map size needs it
	   exclusive, because LMDB forbids that while a transaction is live. */
	pthread_rwlock_t map_lock;
	uint64_t commits;
};

static _Thread_local char store_errbuf[512];

static const char *store_err(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *store_err(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(store_errbuf, sizeof(store_errbuf), fmt, args);
	va_end(args);
	return store_errbuf;
}

static void put_le64(uint8_t *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

static int64_t get_le64(const uint8_t *p)
{
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u |= (uint64_t)p[i] << (8 * i);
	return (int64_t)u;
}

static int store_check(struct store *store, const char **error_r)
{
	if (store->pid != getpid()) {
		*error_r = "database handle used after fork (open it in the child)";
		return -1;
	}
	return 0;
}

/* The map to use now: the data plus headroom, never less than the
   current map unless fitting. */
static size_t store_fit_size(struct store *store)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t used, size;

	mdb_env_info(store->env, &info);
	mdb_env_stat(store->env, &st);
	used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
	size = used + used / 2 + STORE_FIT_HEADROOM;
	if (size < STORE_FIT_MIN)
		size = STORE_FIT_MIN;
	if (!(store->flags & STORE_FIT_MAP) && size < info.me_mapsize)
		size = info.me_mapsize;
	/* whole MiB */
	return (size + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
}

/* Begin a transaction; the caller holds map_lock shared. Follows another
   process's map growth once. */
static int txn_begin(struct store *store, unsigned int flags, MDB_txn **txn_r,
		     const char **error_r)
{
	int ret = mdb_txn_begin(store->env, NULL, flags, txn_r);

	if (ret == MDB_MAP_RESIZED) {
		/* another process grew the data past our map */
		pthread_rwlock_unlock(&store->map_lock);
		pthread_rwlock_wrlock(&store->map_lock);
		ret = mdb_env_set_mapsize(store->env, store_fit_size(store));
		pthread_rwlock_unlock(&store->map_lock);
		pthread_rwlock_rdlock(&store->map_lock);
		if (ret == 0)
			ret = mdb_txn_begin(store->env, NULL, flags, txn_r);
	}
	if (ret != 0) {
		*error_r = store_err("%s: cannot begin transaction: %s",
				     store->dir, mdb_strerror(ret));
		return -1;
	}
	return 0;
}

/* Double the map after MDB_MAP_FULL. Called without map_lock held. */
static int store_grow(struct store *store, const char **error_r)
{
	MDB_envinfo info;
	size_t size;
	int ret;

	pthread_rwlock_wrlock(&store->map_lock);
	mdb_env_info(store->env, &info);
	size = info.me_mapsize;
	if (size >= STORE_MAX_MAPSIZE) {
		pthread_rwlock_unlock(&store->map_lock);
		*error_r = store_err("%s: database map is full at %zu bytes",
				     store->dir, size);
		return -1;
	}
	ret = mdb_env_set_mapsize(store->env, size * 2);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: cannot grow database map to %zu MiB: %s%s",
				     store->dir, size * 2 >> 20, mdb_strerror(ret),
				     ret == ENOMEM ? " (raise the process's address "
				     "space limit, e.g. Dovecot's vsz_limit)" : "");
		return -1;
	}
	return 0;
}

static int meta_get_int(MDB_txn *txn, MDB_dbi dbi, const char *name,
			int64_t *value_r)
{
	MDB_val key = { strlen(name), (void *)name }, val;
	int ret = mdb_get(txn, dbi, &key, &val);

	if (ret != 0)
		return ret;
	if (val.mv_size != 8)
		return MDB_CORRUPTED;
	*value_r = get_le64(val.mv_data);
	return 0;
}

static int meta_put_int(MDB_txn *txn, MDB_dbi dbi, const char *name,
			int64_t value)
{
	MDB_val key = { strlen(name), (void *)name }, val;
	uint8_t buf[8];

	put_le64(buf, value);
	val.mv_size = sizeof(buf);
	val.mv_data = buf;
	return mdb_put(txn, dbi, &key, &val, 0);
}

/* Open the named databases that exist, in a read-only transaction. */
static int store_open_dbs(struct store *store, unsigned int txnflags,
			  const char **error_r)
{
	MDB_txn *txn;
	int ret = 0;

	if (txn_begin(store, txnflags, &txn, error_r) < 0)
		return -1;
	for (int i = 0; i < DB_COUNT; i++) {
		unsigned int dbflags = (txnflags & MDB_RDONLY) ? 0 : MDB_CREATE;
		if (store->have_db[i])
			continue;
		ret = mdb_dbi_open(txn, db_names[i], dbflags, &store->dbi[i]);
		if (ret == MDB_NOTFOUND)
			continue;
		if (ret != 0) {
			mdb_txn_abort(txn);
			*error_r = store_err("%s: cannot open database %s: %s",
					     store->dir, db_names[i], mdb_strerror(ret));
			return -1;
		}
		store->have_db[i] = true;
	}
	if (!(txnflags & MDB_RDONLY)) {
		int64_t value;
		ret = meta_get_int(txn, store->dbi[DB_META], "schema", &value);
		if (ret == MDB_NOTFOUND)
			ret = meta_put_int(txn, store->dbi[DB_META], "schema",
					   STORE_SCHEMA_VERSION);
		if (ret == 0) {
			ret = meta_get_int(txn, store->dbi[DB_META],
					   "tracking_start", &value);
			if (ret == MDB_NOTFOUND)
				ret = meta_put_int(txn, store->dbi[DB_META],
						   "tracking_start", time(NULL));
		}
		if (ret != 0) {
			mdb_txn_abort(txn);
			*error_r = store_err("%s: cannot initialise database: %s",
					     store->dir, mdb_strerror(ret));
			return -1;
		}
	}
	ret = mdb_txn_commit(txn);
	if (ret != 0) {
		*error_r = store_err("%s: cannot open databases: %s",
				     store->dir, mdb_strerror(ret));
		return -1;
	}
	if (!(txnflags & MDB_RDONLY))
		__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
	return 0;
}

static int store_check_schema(struct store *store, const char **error_r)
{
	MDB_txn *txn;
	int64_t schema = 0;
	int ret;

	if (!store->have_db[DB_META])
		return 0;
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0)
		return -1;
	ret = meta_get_int(txn, store->dbi[DB_META], "schema", &schema);
	mdb_txn_abort(txn);
	if (ret != 0 && ret != MDB_NOTFOUND) {
		*error_r = store_err("%s: cannot read schema version: %s",
				     store->dir, mdb_strerror(ret));
		return -1;
	}
	if (schema > STORE_SCHEMA_VERSION) {
		*error_r = store_err("%s: database schema %lld is newer than this "
				     "program's (%d): upgrade dormant", store->dir,
				     (long long)schema, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/* STORE_DEFAULT_MAPSIZE, or for STORE_FIT_MAP the data file's size plus
   headroom (LMDB raises a map below the data's size by itself). */
static size_t store_initial_mapsize(const char *dir, unsigned int flags)
{
	char path[4096];
	struct stat st;
	size_t size = 0;

	if (!(flags & STORE_FIT_MAP))
		return STORE_DEFAULT_MAPSIZE;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &st) == 0 && st.st_size > 0)
		size = (size_t)st.st_size;
	size = size + size / 2 + STORE_FIT_HEADROOM;
	if (size < STORE_FIT_MIN)
		size = STORE_FIT_MIN;
	return (size + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
}

int store_open(const char *dir, unsigned int flags, struct store **store_r,
	       const char **error_r)
{
	struct store *store;
	struct stat st;
	unsigned int envflags = MDB_NOTLS | MDB_NOMETASYNC;
	mode_t old_umask;
	int dead, ret;

	if (stat(dir, &st) < 0) {
		*error_r = store_err("database directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*error_r = store_err("database directory %s: not a directory", dir);
		return -1;
	}
	store = calloc(1, sizeof(*store));
	if (store == NULL || (store->dir = strdup(dir)) == NULL) {
		free(store);
		*error_r = "out of memory";
		return -1;
	}
	store->flags = flags;
	store->pid = getpid();
	pthread_rwlock_init(&store->map_lock, NULL);
	if (flags & STORE_READONLY)
		envflags |= MDB_RDONLY;

	ret = mdb_env_create(&store->env);
	if (ret == 0)
		ret = mdb_env_set_maxdbs(store->env, DB_COUNT + 3);
	if (ret == 0)
		ret = mdb_env_set_maxreaders(store->env, STORE_MAXREADERS);
	if (ret == 0)
		ret = mdb_env_set_mapsize(store->env, store_initial_mapsize(dir, flags));
	if (ret != 0) {
		*error_r = store_err("%s: cannot create environment: %s", dir,
				     mdb_strerror(ret));
		goto fail;
	}
	/* Files are shared by the mail processes, the milter and the admin
	   through the directory's group: never let a umask take group rw. */
	old_umask = umask(007);
	ret = mdb_env_open(store->env, dir, envflags, 0660);
	umask(old_umask);
	if (ret != 0) {
		if (ret == ENOENT && (flags & STORE_READONLY))
			*error_r = store_err("%s: no database here yet (nothing recorded?)", dir);
		else if (ret == MDB_VERSION_MISMATCH || ret == MDB_INVALID)
			*error_r = store_err("%s: not a usable LMDB database: %s", dir,
					     mdb_strerror(ret));
		else
			*error_r = store_err("%s: cannot open database: %s%s", dir,
					     mdb_strerror(ret), ret == ENOMEM ?
					     " (the map does not fit the process's "
					     "address space limit, e.g. Dovecot's "
					     "vsz_limit)" : "");
		goto fail;
	}
	/* Clear slots left by processes that died inside a read transaction. */
	(void)mdb_reader_check(store->env, &dead);

	pthread_rwlock_rdlock(&store->map_lock);
	ret = store_open_dbs(store, MDB_RDONLY, error_r);
	if (ret == 0 && !(flags & STORE_READONLY)) {
		bool missing = false;
		for (int i = 0; i < DB_COUNT; i++)
			missing = missing || !store->have_db[i];
		if (missing)
			ret = store_open_dbs(store, 0, error_r);
	}
	if (ret == 0)
		ret = store_check_schema(store, error_r);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret < 0)
		goto fail;
	*store_r = store;
	return 0;
fail:
	store_close(&store);
	return -1;
}

void store_close(struct store **_store)
{
	struct store *store = *_store;

	if (store == NULL)
		return;
	*_store = NULL;
	/* In a forked child, mdb_env_close would release the parent's reader
	   slots: leave the environment alone there. */
	if (store->env != NULL && store->pid == getpid())
		mdb_env_close(store->env);
	pthread_rwlock_destroy(&store->map_lock);
	free(store->dir);
	free(store);
}

static MDB_val account_key(const char *account)
{
	MDB_val key = { strlen(account), (void *)account };
	return key;
}

static int key_check(const char *account, const char **error_r)
{
	size_t len = strlen(account);

	if (len == 0 || len > ACCOUNT_MAX) {
		*error_r = len == 0 ? "empty account name" : "account name too long";
		return -1;
	}
	return 0;
}

/* Read and decode one activity record inside txn: 1, 0, or -1. A record
   from a newer version is an error; a malformed one reads as empty and
   *malformed_r is set, so that the next write replaces it. */
static int activity_read(struct store *store, MDB_txn *txn, const char *account,
			 struct activity *rec_r, bool *malformed_r,
			 const char **error_r)
{
	MDB_val key = account_key(account), val;
	const char *derr;
	int ret;

	*malformed_r = false;
	memset(rec_r, 0, sizeof(*rec_r));
	if (!store->have_db[DB_ACTIVITY])
		return 0;
	ret = mdb_get(txn, store->dbi[DB_ACTIVITY], &key, &val);
	if (ret == MDB_NOTFOUND)
		return 0;
	if (ret != 0) {
		*error_r = store_err("%s: read %s: %s", store->dir, account,
				     mdb_strerror(ret));
		return -1;
	}
	if (record_activity_decode(val.mv_data, val.mv_size, rec_r, &derr) < 0) {
		memset(rec_r, 0, sizeof(*rec_r));
		if (val.mv_size > 0 &&
		    ((const uint8_t *)val.mv_data)[0] > RECORD_ACTIVITY_VERSION) {
			*error_r = store_err("%s: %s", account, derr);
			return -1;
		}
		*malformed_r = true;
		return 0;
	}
	return 1;
}

int store_activity_get(struct store *store, const char *account,
		       struct activity *rec_r, const char **error_r)
{
	MDB_txn *txn;
	bool malformed;
	int ret;

	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = activity_read(store, txn, account, rec_r, &malformed, error_r);
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	return ret;
}

/* The write half of an update: re-read under the writer lock (another
   process may have written since), fold, put, commit. fold returns true if
   the record changed. Returns 1 written, 0 unchanged, -1 error; on
   MDB_MAP_FULL grows the map and tries once more. */
typedef bool activity_fold_fn(struct activity *rec, const void *arg);

static int activity_write(struct store *store, const char *account,
			  activity_fold_fn *fold, const void *arg,
			  const char **error_r)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct activity rec;
		uint8_t buf[RECORD_ACTIVITY_SIZE];
		MDB_val key = account_key(account), val;
		MDB_txn *txn;
		bool malformed;
		int ret;

		pthread_rwlock_rdlock(&store->map_lock);
		if (txn_begin(store, 0, &txn, error_r) < 0) {
			pthread_rwlock_unlock(&store->map_lock);
			return -1;
		}
		ret = activity_read(store, txn, account, &rec, &malformed, error_r);
		if (ret < 0) {
			mdb_txn_abort(txn);
			pthread_rwlock_unlock(&store->map_lock);
			return -1;
		}
		if (!fold(&rec, arg) && !malformed) {
			mdb_txn_abort(txn);
			pthread_rwlock_unlock(&store->map_lock);
			return 0;
		}
		record_activity_encode(&rec, buf);
		val.mv_size = sizeof(buf);
		val.mv_data = buf;
		ret = mdb_put(txn, store->dbi[DB_ACTIVITY], &key, &val, 0);
		if (ret == 0)
			ret = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		pthread_rwlock_unlock(&store->map_lock);
		if (ret == 0) {
			__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
			return 1;
		}
		if (ret != MDB_MAP_FULL || attempt > 0) {
			*error_r = store_err("%s: write %s: %s", store->dir, account,
					     mdb_strerror(ret));
			return -1;
		}
		if (store_grow(store, error_r) < 0)
			return -1;
	}
	return -1;
}

static bool fold_record(struct activity *rec, const void *arg);

/* Apply count items, STORE_BATCH per write transaction, so a long merge
   never holds LMDB's writer lock for long. item() folds item j into its
   database inside txn and returns 1 if it wrote, 0 if not, -1 on error
   with *error_r set and *mdb_r the LMDB error (0 if none). A batch that
   hits MDB_MAP_FULL is redone after the map grew. */
typedef int batch_item_fn(struct store *store, MDB_txn *txn, size_t j,
			  const void *ctx, int *mdb_r, const char **error_r);

static long store_batch(struct store *store, size_t count, batch_item_fn *item,
			const void *ctx, const char *what, const char **error_r)
{
	long changed = 0;
	size_t i = 0;

	if (store_check(store, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	while (i < count) {
		size_t end = i + STORE_BATCH < count ? i + STORE_BATCH : count;
		long batch_changed = 0;
		MDB_txn *txn;
		int ret = 0;

		pthread_rwlock_rdlock(&store->map_lock);
		if (txn_begin(store, 0, &txn, error_r) < 0) {
			pthread_rwlock_unlock(&store->map_lock);
			return -1;
		}
		const char *ierr = NULL;
		bool failed = false;

		for (size_t j = i; j < end && !failed; j++) {
			int r = item(store, txn, j, ctx, &ret, &ierr);
			if (r < 0)
				failed = true;
			else
				batch_changed += r;
		}
		if (!failed) {
			ret = mdb_txn_commit(txn);
			failed = ret != 0;
		} else {
			mdb_txn_abort(txn);
		}
		pthread_rwlock_unlock(&store->map_lock);
		if (ret == MDB_MAP_FULL) {
			if (store_grow(store, error_r) < 0)
				return -1;
			continue;       /* the same batch again */
		}
		if (failed) {
			*error_r = ierr != NULL ? store_err("%s: %s: %s", store->dir,
							    what, ierr) :
				store_err("%s: %s: %s", store->dir, what,
					  mdb_strerror(ret));
			return -1;
		}
		__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
		changed += batch_changed;
		i = end;
	}
	return changed;
}

struct merge_items {
	const char *const *names;
	const void *recs;
};

static int activity_item(struct store *store, MDB_txn *txn, size_t j,
			 const void *_ctx, int *mdb_r, const char **error_r)
{
	const struct merge_items *ctx = _ctx;
	const struct activity *src = (const struct activity *)ctx->recs + j;
	struct activity rec;
	uint8_t buf[RECORD_ACTIVITY_SIZE];
	MDB_val key, val;
	bool malformed;

	*mdb_r = 0;
	/* a record of a newer version is an error: never overwritten */
	if (key_check(ctx->names[j], error_r) < 0 ||
	    activity_read(store, txn, ctx->names[j], &rec, &malformed, error_r) < 0)
		return -1;
	if (!activity_merge(&rec, src) && !malformed)
		return 0;
	record_activity_encode(&rec, buf);
	key = account_key(ctx->names[j]);
	val.mv_size = sizeof(buf);
	val.mv_data = buf;
	*mdb_r = mdb_put(txn, store->dbi[DB_ACTIVITY], &key, &val, 0);
	return *mdb_r == 0 ? 1 : -1;
}

long store_activity_merge_batch(struct store *store, const char *const *names,
				const struct activity *recs, size_t count,
				const char **error_r)
{
	struct merge_items ctx = { names, recs };

	return store_batch(store, count, activity_item, &ctx, "merge activity",
			   error_r);
}

static int account_item(struct store *store, MDB_txn *txn, size_t j,
			const void *_ctx, int *mdb_r, const char **error_r)
{
	const struct merge_items *ctx = _ctx;
	const struct account_info *src = (const struct account_info *)ctx->recs + j;
	struct account_info info;
	uint8_t buf[RECORD_ACCOUNT_SIZE];
	MDB_val key, val;
	const char *error;
	int ret;

	(void)store;
	*mdb_r = 0;
	if (key_check(ctx->names[j], error_r) < 0)
		return -1;
	key = account_key(ctx->names[j]);
	ret = mdb_get(txn, store->dbi[DB_ACCOUNTS], &key, &val);
	if (ret != 0 && ret != MDB_NOTFOUND) {
		*mdb_r = ret;
		return -1;
	}
	if (ret == MDB_NOTFOUND ||
	    record_account_decode(val.mv_data, val.mv_size, &info, &error) < 0)
		memset(&info, 0, sizeof(info));
	if (!account_info_merge(&info, src))
		return 0;
	record_account_encode(&info, buf);
	val.mv_size = sizeof(buf);
	val.mv_data = buf;
	*mdb_r = mdb_put(txn, store->dbi[DB_ACCOUNTS], &key, &val, 0);
	return *mdb_r == 0 ? 1 : -1;
}

long store_accounts_merge_batch(struct store *store, const char *const *names,
				const struct account_info *infos, size_t count,
				const char **error_r)
{
	struct merge_items ctx = { names, infos };

	return store_batch(store, count, account_item, &ctx, "merge accounts",
			   error_r);
}

int store_tracking_extend(struct store *store, int64_t t, const char **error_r)
{
	int64_t cur = 0;
	int ret;

	if (t <= 0)
		return 0;
	ret = store_meta_get(store, "tracking_start", &cur, error_r);
	if (ret < 0)
		return -1;
	if (ret > 0 && cur > 0 && cur <= t)
		return 0;
	return store_meta_set(store, "tracking_start", t, error_r);
}

static bool fold_event(struct activity *rec, const void *arg)
{
	return activity_apply(rec, arg);
}

int store_activity_update(struct store *store, const char *account,
			  const struct activity_event *ev,
			  unsigned int update_interval,
			  struct activity *old_r, const char **error_r)
{
	struct activity rec;
	MDB_txn *txn;
	bool malformed;
	int ret;

	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	/* The cheap path: one read-only transaction, no writer lock. */
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = activity_read(store, txn, account, &rec, &malformed, error_r);
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret < 0)
		return -1;
	if (old_r != NULL)
		*old_r = rec;
	if (!malformed && activity_is_fresh(&rec, ev, update_interval))
		return 0;
	return activity_write(store, account, fold_event, ev, error_r);
}

static bool fold_record(struct activity *rec, const void *arg)
{
	return activity_merge(rec, arg);
}

int store_activity_merge(struct store *store, const char *account,
			 const struct activity *rec, const char **error_r)
{
	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	return activity_write(store, account, fold_record, rec, error_r);
}

int store_activity_foreach(struct store *store, store_activity_cb *cb,
			   void *ctx, const char **error_r)
{
	char name[ACCOUNT_MAX + 1];
	MDB_txn *txn;
	MDB_cursor *cursor;
	MDB_val key, val;
	int ret, cbret = 0;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[DB_ACTIVITY])
		return 0;
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_cursor_open(txn, store->dbi[DB_ACTIVITY], &cursor);
	if (ret != 0)
		goto out;
	while ((ret = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) == 0) {
		struct activity rec;
		const char *derr = NULL;
		size_t len = key.mv_size;

		if (len > ACCOUNT_MAX) {
			len = ACCOUNT_MAX;
			derr = "account key too long";
		}
		memcpy(name, key.mv_data, len);
		name[len] = '\0';
		if (derr == NULL &&
		    record_activity_decode(val.mv_data, val.mv_size, &rec, &derr) == 0)
			cbret = cb(ctx, name, len, &rec, NULL);
		else
			cbret = cb(ctx, name, len, NULL, derr);
		if (cbret != 0)
			break;
	}
	mdb_cursor_close(cursor);
	if (ret == MDB_NOTFOUND || cbret != 0)
		ret = 0;
out:
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: reading activity: %s", store->dir,
				     mdb_strerror(ret));
		return -1;
	}
	return cbret;
}

int store_state_get(struct store *store, const char *account,
		    struct account_state *st_r, const char **error_r)
{
	MDB_val key, val;
	MDB_txn *txn;
	const char *derr;
	int ret;

	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (!store->have_db[DB_STATE])
		return 0;
	key = account_key(account);
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_get(txn, store->dbi[DB_STATE], &key, &val);
	if (ret == 0) {
		ret = record_state_decode(val.mv_data, val.mv_size, st_r, &derr) < 0 ?
			-2 : 1;
	}
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret == MDB_NOTFOUND)
		return 0;
	if (ret == -2) {
		*error_r = store_err("%s: state of %s: %s", store->dir, account, derr);
		return -1;
	}
	if (ret != 1) {
		*error_r = store_err("%s: read state of %s: %s", store->dir, account,
				     mdb_strerror(ret));
		return -1;
	}
	return 1;
}

int store_tracking_start(struct store *store, int64_t *start_r,
			 const char **error_r)
{
	MDB_txn *txn;
	int ret;

	*start_r = 0;
	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[DB_META])
		return 0;
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = meta_get_int(txn, store->dbi[DB_META], "tracking_start", start_r);
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0 && ret != MDB_NOTFOUND) {
		*error_r = store_err("%s: read tracking start: %s", store->dir,
				     mdb_strerror(ret));
		return -1;
	}
	return 0;
}

uint64_t store_commit_count(const struct store *store)
{
	return __atomic_load_n(&store->commits, __ATOMIC_RELAXED);
}

const char *store_dir(const struct store *store)
{
	return store->dir;
}

/* Audit keys sort by time: 8-byte big-endian seconds, then a 4-byte
   big-endian sequence number for entries within the same second. */
#define AUDIT_KEY_SIZE 12

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The key after the newest audit entry, for now. */
static int audit_next_key(struct store *store, MDB_txn *txn, int64_t t,
			  uint8_t key[AUDIT_KEY_SIZE])
{
	MDB_cursor *cursor;
	MDB_val k, v;
	uint64_t now = t > 0 ? (uint64_t)t : 0, last_time = 0, seq = 0;
	int ret;

	ret = mdb_cursor_open(txn, store->dbi[DB_AUDIT], &cursor);
	if (ret != 0)
		return ret;
	ret = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
	if (ret == 0 && k.mv_size == AUDIT_KEY_SIZE) {
		last_time = get_be(k.mv_data, 8);
		seq = get_be((const uint8_t *)k.mv_data + 8, 4);
	}
	mdb_cursor_close(cursor);
	if (ret != 0 && ret != MDB_NOTFOUND)
		return ret;
	/* never sort before an existing entry, even if the clock went back */
	if (now <= last_time) {
		now = last_time;
		seq++;
	} else {
		seq = 0;
	}
	put_be(key, now, 8);
	put_be(key + 8, seq, 4);
	return 0;
}

int store_state_set(struct store *store, const char *account,
		    const struct account_state *st, const char *audit_json,
		    const char **error_r)
{
	return store_state_set_at(store, account, st, audit_json, time(NULL),
				  error_r);
}

int store_state_set_at(struct store *store, const char *account,
		       const struct account_state *st, const char *audit_json,
		       int64_t t, const char **error_r)
{
	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		uint8_t buf[RECORD_STATE_MAX], akey[AUDIT_KEY_SIZE];
		MDB_val key = account_key(account), val, ak, av;
		MDB_txn *txn;
		int ret;

		pthread_rwlock_rdlock(&store->map_lock);
		if (txn_begin(store, 0, &txn, error_r) < 0) {
			pthread_rwlock_unlock(&store->map_lock);
			return -1;
		}
		if (st != NULL) {
			val.mv_size = record_state_encode(st, buf, sizeof(buf));
			val.mv_data = buf;
			ret = mdb_put(txn, store->dbi[DB_STATE], &key, &val, 0);
		} else {
			ret = mdb_del(txn, store->dbi[DB_STATE], &key, NULL);
			if (ret == MDB_NOTFOUND)
				ret = 0;
		}
		if (ret == 0)
			ret = audit_next_key(store, txn, t, akey);
		if (ret == 0) {
			ak.mv_size = sizeof(akey);
			ak.mv_data = akey;
			av.mv_size = strlen(audit_json);
			av.mv_data = (void *)audit_json;
			ret = mdb_put(txn, store->dbi[DB_AUDIT], &ak, &av, MDB_NOOVERWRITE);
		}
		if (ret == 0)
			ret = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		pthread_rwlock_unlock(&store->map_lock);
		if (ret == 0) {
			__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
			return 0;
		}
		if (ret != MDB_MAP_FULL || attempt > 0) {
			*error_r = store_err("%s: change state of %s: %s", store->dir,
					     account, mdb_strerror(ret));
			return -1;
		}
		if (store_grow(store, error_r) < 0)
			return -1;
	}
	return -1;
}

int store_state_foreach(struct store *store, store_state_cb *cb, void *ctx,
			const char **error_r)
{
	char name[ACCOUNT_MAX + 1];
	MDB_txn *txn;
	MDB_cursor *cursor;
	MDB_val key, val;
	int ret, cbret = 0;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[DB_STATE])
		return 0;
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_cursor_open(txn, store->dbi[DB_STATE], &cursor);
	if (ret != 0)
		goto out;
	while ((ret = mdb_cursor_get(cursor, &key, &val, MDB_NEXT)) == 0) {
		struct account_state st;
		const char *derr = NULL;
		size_t len = key.mv_size > ACCOUNT_MAX ? ACCOUNT_MAX : key.mv_size;

		memcpy(name, key.mv_data, len);
		name[len] = '\0';
		if (record_state_decode(val.mv_data, val.mv_size, &st, &derr) == 0)
			cbret = cb(ctx, name, &st, NULL);
		else
			cbret = cb(ctx, name, NULL, derr);
		if (cbret != 0)
			break;
	}
	mdb_cursor_close(cursor);
	if (ret == MDB_NOTFOUND || cbret != 0)
		ret = 0;
out:
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: reading states: %s", store->dir,
				     mdb_strerror(ret));
		return -1;
	}
	return cbret;
}

int store_audit_foreach(struct store *store, int64_t since, store_audit_cb *cb,
			void *ctx, const char **error_r)
{
	uint8_t start[AUDIT_KEY_SIZE];
	MDB_txn *txn;
	MDB_cursor *cursor;
	MDB_val key, val;
	MDB_cursor_op op = MDB_SET_RANGE;
	int ret, cbret = 0;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[DB_AUDIT])
		return 0;
	put_be(start, since > 0 ? (uint64_t)since : 0, 8);
	put_be(start + 8, 0, 4);
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_cursor_open(txn, store->dbi[DB_AUDIT], &cursor);
	if (ret != 0)
		goto out;
	key.mv_size = sizeof(start);
	key.mv_data = start;
	while ((ret = mdb_cursor_get(cursor, &key, &val, op)) == 0) {
		op = MDB_NEXT;
		if (key.mv_size != AUDIT_KEY_SIZE)
			continue;
		cbret = cb(ctx, (int64_t)get_be(key.mv_data, 8), val.mv_data,
			   val.mv_size);
		if (cbret != 0)
			break;
	}
	mdb_cursor_close(cursor);
	if (ret == MDB_NOTFOUND || cbret != 0)
		ret = 0;
out:
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: reading audit: %s", store->dir,
				     mdb_strerror(ret));
		return -1;
	}
	return cbret;
}

/* One cursor of the merge in store_account_foreach. */
struct join_cursor {
	MDB_cursor *cursor;
	MDB_val key, val;
	bool valid;
};

static int join_next(struct join_cursor *jc, MDB_cursor_op op)
{
	int ret;

	if (jc->cursor == NULL) {
		jc->valid = false;
		return 0;
	}
	ret = mdb_cursor_get(jc->cursor, &jc->key, &jc->val, op);
	jc->valid = ret == 0;
	return ret == MDB_NOTFOUND ? 0 : ret;
}

static int key_cmp(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int c = memcmp(a->mv_data, b->mv_data, n);

	if (c != 0)
		return c;
	return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size ? 1 : 0;
}

int store_account_foreach(struct store *store, store_account_cb *cb, void *ctx,
			  const char **error_r)
{
	static const enum store_db join_dbs[3] = { DB_ACTIVITY, DB_ACCOUNTS, DB_STATE };
	struct join_cursor jc[3];
	char name[ACCOUNT_MAX + 1];
	MDB_txn *txn;
	int ret = 0, cbret = 0;

	if (store_check(store, error_r) < 0)
		return -1;
	memset(jc, 0, sizeof(jc));
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	for (int i = 0; i < 3 && ret == 0; i++) {
		if (!store->have_db[join_dbs[i]])
			continue;
		ret = mdb_cursor_open(txn, store->dbi[join_dbs[i]], &jc[i].cursor);
		if (ret == 0)
			ret = join_next(&jc[i], MDB_FIRST);
	}
	while (ret == 0 && cbret == 0) {
		struct activity act;
		struct account_info info;
		struct account_state st;
		struct account_view view;
		const MDB_val *min = NULL;
		bool match[3];
		const char *derr;

		for (int i = 0; i < 3; i++) {
			if (jc[i].valid && (min == NULL || key_cmp(&jc[i].key, min) < 0))
				min = &jc[i].key;
		}
		if (min == NULL)
			break;
		memset(&view, 0, sizeof(view));
		view.account_len = min->mv_size > ACCOUNT_MAX ? ACCOUNT_MAX : min->mv_size;
		memcpy(name, min->mv_data, view.account_len);
		name[view.account_len] = '\0';
		view.account = name;
		if (min->mv_size > ACCOUNT_MAX)
			view.decode_error = "account key too long";
		for (int i = 0; i < 3; i++)
			match[i] = jc[i].valid && key_cmp(&jc[i].key, min) == 0;
		if (match[0]) {
			if (record_activity_decode(jc[0].val.mv_data, jc[0].val.mv_size,
						   &act, &derr) == 0)
				view.activity = &act;
			else if (view.decode_error == NULL)
				view.decode_error = derr;
		}
		if (match[1]) {
			if (record_account_decode(jc[1].val.mv_data, jc[1].val.mv_size,
						  &info, &derr) == 0)
				view.info = &info;
			else if (view.decode_error == NULL)
				view.decode_error = derr;
		}
		if (match[2]) {
			if (record_state_decode(jc[2].val.mv_data, jc[2].val.mv_size,
						&st, &derr) == 0)
				view.state = &st;
			else if (view.decode_error == NULL)
				view.decode_error = derr;
		}
		cbret = cb(ctx, &view);
		/* min points into a cursor's key: advance only after the callback */
		for (int i = 0; i < 3 && ret == 0; i++) {
			if (match[i])
				ret = join_next(&jc[i], MDB_NEXT);
		}
	}
	for (int i = 0; i < 3; i++) {
		if (jc[i].cursor != NULL)
			mdb_cursor_close(jc[i].cursor);
	}
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: reading accounts: %s", store->dir,
				     mdb_strerror(ret));
		return -1;
	}
	return cbret;
}


static bool sorted_contains(const char *const *names, size_t count,
			    const char *key, size_t keylen)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t n = strlen(names[mid]);
		int c = memcmp(names[mid], key, n < keylen ? n : keylen);
		if (c == 0)
			c = n < keylen ? -1 : n > keylen ? 1 : 0;
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int store_accounts_sync(struct store *store, const char *const *names,
			size_t count, enum account_source source, int64_t now,
			struct store_sync_stats *stats_r, const char **error_r)
{
	struct store_sync_stats stats;
	MDB_txn *txn = NULL;
	int ret = 0;

	memset(&stats, 0, sizeof(stats));
	if (store_check(store, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	stats.listed = count;
	/* Phase 1: every listed account, STORE_BATCH per transaction. */
	for (size_t i = 0; i < count && ret == 0; i++) {
		struct account_info info;
		uint8_t buf[RECORD_ACCOUNT_SIZE];
		MDB_val key = account_key(names[i]), val;
		const char *derr;

		if (txn == NULL) {
			pthread_rwlock_rdlock(&store->map_lock);
			if (txn_begin(store, 0, &txn, error_r) < 0) {
				pthread_rwlock_unlock(&store->map_lock);
				return -1;
			}
		}
		ret = mdb_get(txn, store->dbi[DB_ACCOUNTS], &key, &val);
		if (ret == 0 &&
		    record_account_decode(val.mv_data, val.mv_size, &info, &derr) == 0) {
			if (info.gone_since != 0)
				stats.returned++;
		} else if (ret == 0 || ret == MDB_NOTFOUND) {
			memset(&info, 0, sizeof(info));
			info.first_seen = now;
			stats.added++;
		} else {
			break;
		}
		info.last_seen = now;
		info.gone_since = 0;
		info.source = source;
		record_account_encode(&info, buf);
		val.mv_size = sizeof(buf);
		val.mv_data = buf;
		ret = mdb_put(txn, store->dbi[DB_ACCOUNTS], &key, &val, 0);
		if (ret == 0 && ((i + 1) % STORE_BATCH == 0 || i + 1 == count)) {
			ret = mdb_txn_commit(txn);
			txn = NULL;
			pthread_rwlock_unlock(&store->map_lock);
			__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
		}
	}
	if (txn != NULL) {
		mdb_txn_abort(txn);
		pthread_rwlock_unlock(&store->map_lock);
		txn = NULL;
	}
	/* Phase 2: accounts no longer listed get gone_since, STORE_BATCH
	   marks per transaction; resume holds the key to go on from. */
	char resume[ACCOUNT_MAX + 1] = "";
	while (ret == 0) {
		size_t n = 0;
		MDB_cursor *cursor;
		MDB_val key, val;
		bool more = false;

		pthread_rwlock_rdlock(&store->map_lock);
		if (txn_begin(store, 0, &txn, error_r) < 0) {
			pthread_rwlock_unlock(&store->map_lock);
			return -1;
		}
		ret = mdb_cursor_open(txn, store->dbi[DB_ACCOUNTS], &cursor);
		if (ret == 0) {
			MDB_cursor_op op = MDB_FIRST;
			if (resume[0] != '\0') {
				key = account_key(resume);
				op = MDB_SET_RANGE;
			}
			while (n < STORE_BATCH &&
			       (ret = mdb_cursor_get(cursor, &key, &val, op)) == 0) {
				struct account_info info;
				uint8_t buf[RECORD_ACCOUNT_SIZE];
				const char *derr;

				op = MDB_NEXT;
				if (key.mv_size > ACCOUNT_MAX ||
				    sorted_contains(names, count, key.mv_data, key.mv_size))
					continue;
				if (record_account_decode(val.mv_data, val.mv_size,
							  &info, &derr) < 0 ||
				    info.gone_since != 0)
					continue;
				info.gone_since = now;
				record_account_encode(&info, buf);
				val.mv_size = sizeof(buf);
				val.mv_data = buf;
				ret = mdb_cursor_put(cursor, &key, &val, MDB_CURRENT);
				if (ret != 0)
					break;
				stats.gone++;
				n++;
			}
			if (ret == 0 && n == STORE_BATCH) {
				/* remember where to go on after this commit */
				memcpy(resume, key.mv_data, key.mv_size);
				resume[key.mv_size] = '\0';
				more = true;
			}
			if (ret == MDB_NOTFOUND)
				ret = 0;
			mdb_cursor_close(cursor);
		}
		if (ret == 0)
			ret = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		txn = NULL;
		pthread_rwlock_unlock(&store->map_lock);
		if (ret == 0)
			__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
		if (!more)
			break;
	}
	if (ret != 0) {
		*error_r = store_err("%s: sync accounts: %s", store->dir,
				     mdb_strerror(ret));
		return -1;
	}
	*stats_r = stats;
	return 0;
}

int store_meta_get(struct store *store, const char *name, int64_t *value_r,
		   const char **error_r)
{
	MDB_txn *txn;
	int ret;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[DB_META])
		return 0;
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = meta_get_int(txn, store->dbi[DB_META], name, value_r);
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret == MDB_NOTFOUND)
		return 0;
	if (ret != 0) {
		*error_r = store_err("%s: read %s: %s", store->dir, name,
				     mdb_strerror(ret));
		return -1;
	}
	return 1;
}

int store_meta_set(struct store *store, const char *name, int64_t value,
		   const char **error_r)
{
	MDB_txn *txn;
	int ret;

	if (store_check(store, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, 0, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = meta_put_int(txn, store->dbi[DB_META], name, value);
	if (ret == 0)
		ret = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: write %s: %s", store->dir, name,
				     mdb_strerror(ret));
		return -1;
	}
	__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
	return 0;
}

int store_account_info_get(struct store *store, const char *account,
			   struct account_info *info_r, const char **error_r)
{
	MDB_val key, val;
	MDB_txn *txn;
	const char *derr = NULL;
	int ret;

	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (!store->have_db[DB_ACCOUNTS])
		return 0;
	key = account_key(account);
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_get(txn, store->dbi[DB_ACCOUNTS], &key, &val);
	if (ret == 0 && record_account_decode(val.mv_data, val.mv_size, info_r,
					      &derr) < 0)
		ret = -2;
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret == 0)
		return 1;
	if (ret == MDB_NOTFOUND)
		return 0;
	*error_r = ret == -2 ? store_err("%s: account %s: %s", store->dir, account, derr) :
		store_err("%s: read account %s: %s", store->dir, account,
			  mdb_strerror(ret));
	return -1;
}

int store_event_add(struct store *store, int64_t t, const char *account,
		    const struct event *ev, const char **error_r)
{
	uint8_t kbuf[8 + ACCOUNT_MAX], vbuf[RECORD_EVENT_SIZE];
	size_t alen = strlen(account);
	MDB_val key, val;
	MDB_txn *txn;
	int ret;

	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	put_be(kbuf, t > 0 ? (uint64_t)t : 0, 8);
	memcpy(kbuf + 8, account, alen);
	key.mv_size = 8 + alen;
	key.mv_data = kbuf;
	record_event_encode(ev, vbuf);
	val.mv_size = sizeof(vbuf);
	val.mv_data = vbuf;
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, 0, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_put(txn, store->dbi[DB_EVENTS], &key, &val, 0);
	if (ret == 0)
		ret = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: record event for %s: %s", store->dir,
				     account, mdb_strerror(ret));
		return -1;
	}
	__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
	return 0;
}

int store_event_foreach(struct store *store, int64_t since, int64_t until,
			store_event_cb *cb, void *ctx, const char **error_r)
{
	char name[ACCOUNT_MAX + 1];
	uint8_t start[8];
	MDB_txn *txn;
	MDB_cursor *cursor;
	MDB_val key, val;
	MDB_cursor_op op = MDB_SET_RANGE;
	int ret, cbret = 0;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[DB_EVENTS])
		return 0;
	put_be(start, since > 0 ? (uint64_t)since : 0, 8);
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_cursor_open(txn, store->dbi[DB_EVENTS], &cursor);
	if (ret != 0)
		goto out;
	key.mv_size = sizeof(start);
	key.mv_data = start;
	while ((ret = mdb_cursor_get(cursor, &key, &val, op)) == 0) {
		struct event ev;
		const char *derr;
		int64_t t;
		size_t alen;

		op = MDB_NEXT;
		if (key.mv_size <= 8 || key.mv_size > 8 + ACCOUNT_MAX)
			continue;
		t = (int64_t)get_be(key.mv_data, 8);
		if (t >= until)
			break;
		alen = key.mv_size - 8;
		memcpy(name, (const uint8_t *)key.mv_data + 8, alen);
		name[alen] = '\0';
		if (record_event_decode(val.mv_data, val.mv_size, &ev, &derr) == 0)
			cbret = cb(ctx, t, name, &ev);
		else
			cbret = cb(ctx, t, name, NULL);
		if (cbret != 0)
			break;
	}
	mdb_cursor_close(cursor);
	if (ret == MDB_NOTFOUND || cbret != 0)
		ret = 0;
out:
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: reading events: %s", store->dir,
				     mdb_strerror(ret));
		return -1;
	}
	return cbret;
}

int store_policy_publish(struct store *store, uint64_t warn_after,
			 uint64_t dormant_after, const char **error_r)
{
	static const char *const names[2] = { "warn_after", "dormant_after" };
	const int64_t values[2] = { (int64_t)warn_after, (int64_t)dormant_after };

	for (int i = 0; i < 2; i++) {
		int64_t cur;
		int ret = store_meta_get(store, names[i], &cur, error_r);
		if (ret < 0)
			return -1;
		if ((ret == 0 || cur != values[i]) &&
		    store_meta_set(store, names[i], values[i], error_r) < 0)
			return -1;
	}
	return 0;
}

/* Notice record: version byte, 7 reserved, sent (8), period (8). */
#define NOTICE_SIZE 24

int store_notice_get(struct store *store, const char *account,
		     struct notice *notice_r, const char **error_r)
{
	MDB_val key, val;
	MDB_txn *txn;
	int ret;

	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (!store->have_db[DB_NOTICES])
		return 0;
	key = account_key(account);
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, MDB_RDONLY, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_get(txn, store->dbi[DB_NOTICES], &key, &val);
	if (ret == 0) {
		const uint8_t *p = val.mv_data;
		if (val.mv_size < NOTICE_SIZE || p[0] != 1) {
			ret = MDB_CORRUPTED;
		} else {
			notice_r->sent = get_le64(p + 8);
			notice_r->period = get_le64(p + 16);
		}
	}
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret == MDB_NOTFOUND)
		return 0;
	if (ret != 0) {
		*error_r = store_err("%s: notice of %s: %s", store->dir, account,
				     mdb_strerror(ret));
		return -1;
	}
	return 1;
}

int store_notice_set(struct store *store, const char *account,
		     const struct notice *notice, const char **error_r)
{
	uint8_t buf[NOTICE_SIZE];
	MDB_val key, val;
	MDB_txn *txn;
	int ret;

	if (store_check(store, error_r) < 0 || key_check(account, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	buf[0] = 1;
	put_le64(buf + 8, notice->sent);
	put_le64(buf + 16, notice->period);
	key = account_key(account);
	val.mv_size = sizeof(buf);
	val.mv_data = buf;
	pthread_rwlock_rdlock(&store->map_lock);
	if (txn_begin(store, 0, &txn, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	ret = mdb_put(txn, store->dbi[DB_NOTICES], &key, &val, 0);
	if (ret == 0)
		ret = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = store_err("%s: record notice for %s: %s", store->dir,
				     account, mdb_strerror(ret));
		return -1;
	}
	__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
	return 0;
}

/* store.c - the LMDB environment: opening, map sizing and growth, and the
 * transaction helpers every store_* function is built on (see store.h for
 * the rules they keep). The per-database functions live in store-*.c. */
#include "store-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static const char *const db_names[DB_COUNT] = {
	"activity", "accounts", "state", "audit", "meta", "events", "notices",
	"networks", "history", "review",
};

/* Readers only hold a slot for the length of one call, so this is about
   concurrency, not process count; it also bounds the lock file (64 B/slot). */
#define STORE_MAXREADERS 1024
/* The size LMDB gives its lock file for STORE_MAXREADERS: a 128-byte
   header, then one 64-byte (cache line) slot per reader. */
#define STORE_LOCKFILE_SIZE (128 + STORE_MAXREADERS * 64)
/* Never grow the map past this (address space; the disk fills first). */
#define STORE_MAX_MAPSIZE ((size_t)1 << 40)
/* STORE_FIT_MAP: the smallest map, and the headroom over the data. */
#define STORE_FIT_MIN ((size_t)32 << 20)
#define STORE_FIT_HEADROOM ((size_t)16 << 20)
#define MIB ((size_t)1 << 20)

int store_check(struct store *store, const char **error_r)
{
	if (store->pid != getpid()) {
		*error_r = "database handle used after fork (open it in the child)";
		return -1;
	}
	return 0;
}

int store_check_writable(struct store *store, const char **error_r)
{
	if (store_check(store, error_r) < 0)
		return -1;
	if (store->flags & STORE_READONLY) {
		*error_r = "database opened read-only";
		return -1;
	}
	return 0;
}

int store_key_check(const char *account, const char **error_r)
{
	size_t len = strlen(account);

	if (len == 0 || len > ACCOUNT_MAX) {
		*error_r = len == 0 ? "empty account name" : "account name too long";
		return -1;
	}
	return 0;
}

int store_key_name(const MDB_val *key, char name[ACCOUNT_MAX + 1],
		   size_t *len_r, const char **error_r)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *k = key->mv_data;
	size_t n = 0, i;
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t bad = key->mv_size == 0 || key->mv_size > ACCOUNT_MAX;

	/* Every listing checks every account's key: eight bytes at a time,
	   a byte below 0x20 (w - 0x20.. borrows into its high bit, which
	   ~w keeps only for bytes below 0x80) or equal to 0x7f (zero after
	   ^ 0x7f..). */
	for (i = 0; bad == 0 && i + 8 <= key->mv_size; i += 8) {
		uint64_t w, x;

		memcpy(&w, k + i, 8);
		x = w ^ (0x7f * ones);
		bad = ((w - 0x20 * ones) & ~w & highs) | ((x - ones) & ~x & highs);
	}
	for (; bad == 0 && i < key->mv_size; i++)
		bad = k[i] < 0x20 || k[i] == 0x7f;
	if (bad == 0) {
		memcpy(name, k, key->mv_size);
		name[key->mv_size] = '\0';
		*len_r = key->mv_size;
		return 0;
	}
	/* something to show, never a name to act on: \xNN for every byte
	   a terminal would act on, and the backslash itself */
	for (i = 0; i < key->mv_size && n < ACCOUNT_MAX; i++) {
		if (k[i] < 0x20 || k[i] == 0x7f || k[i] == '\\') {
			if (n + 4 > ACCOUNT_MAX)
				break;
			name[n++] = '\\';
			name[n++] = 'x';
			name[n++] = hex[k[i] >> 4];
			name[n++] = hex[k[i] & 15];
		} else {
			name[n++] = (char)k[i];
		}
	}
	name[n] = '\0';
	*len_r = n;
	*error_r = key->mv_size == 0 ? "empty account name in the database" :
		key->mv_size > ACCOUNT_MAX ? "account key too long" :
		"account name in the database holds a NUL or control byte";
	return -1;
}

void store_set_now(struct store *store, int64_t now)
{
	if (now + STORE_MAX_SKEW > store->time_limit)
		store->time_limit = now + STORE_MAX_SKEW;
}

int store_activity_times_ok(const struct store *store,
			    const struct activity *rec, const char **error_r)
{
	const char *what = rec->last_login > store->time_limit ? "last login" :
		rec->last_send > store->time_limit ? "last send" :
		rec->last_receive > store->time_limit ? "last receive" : NULL;

	if (what == NULL)
		return 0;
	*error_r = errmsg_printf("%s lies in the future (more than %d hours "
				 "past the clock): not believed", what,
				 STORE_MAX_SKEW / 3600);
	return -1;
}

MDB_val store_account_key(const char *account)
{
	MDB_val key = { strlen(account), (void *)account };
	return key;
}

static size_t round_mib(size_t size)
{
	return (size + MIB - 1) & ~(MIB - 1);
}

size_t store_fit_map(size_t data_size)
{
	size_t size = data_size + data_size / 2 + STORE_FIT_HEADROOM;

	return round_mib(size < STORE_FIT_MIN ? STORE_FIT_MIN : size);
}

/* The map to use now: the data plus headroom; for a full-size store never
   less than the current map. 0, or an LMDB error. */
static int store_fit_size(struct store *store, size_t *size_r)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t size;
	int ret;

	if ((ret = mdb_env_info(store->env, &info)) != 0 ||
	    (ret = mdb_env_stat(store->env, &st)) != 0)
		return ret;
	size = store_fit_map((info.me_last_pgno + 1) * (size_t)st.ms_psize);
	if (!(store->flags & STORE_FIT_MAP) && size < info.me_mapsize)
		size = info.me_mapsize;
	*size_r = size;
	return 0;
}

/* The current map size: 0, or -1 with *error_r. */
static int store_mapsize(struct store *store, size_t *size_r,
			 const char **error_r)
{
	MDB_envinfo info;
	int ret = mdb_env_info(store->env, &info);

	if (ret != 0) {
		*error_r = errmsg_printf("%s: cannot read the map size: %s",
					 store->dir, mdb_strerror(ret));
		return -1;
	}
	*size_r = info.me_mapsize;
	return 0;
}

/* How many map_lock read holds this thread has (a store_*_foreach
   callback may call the store again). Changing the map needs the lock
   exclusively, which a thread still holding it shared would wait for
   forever: such a nested call fails instead. */
static _Thread_local unsigned int map_lock_depth;

static void map_rdlock(struct store *store)
{
	pthread_rwlock_rdlock(&store->map_lock);
	map_lock_depth++;
}

static void map_rdunlock(struct store *store)
{
	map_lock_depth--;
	pthread_rwlock_unlock(&store->map_lock);
}

static int map_nested_error(struct store *store, const char **error_r)
{
	*error_r = errmsg_printf("%s: the database grew past this process's map "
			         "during a longer read; run the command again",
			         store->dir);
	return -1;
}

/* Fails once a resize has failed (see map_lost); map_lock held. */
static int store_map_ok(struct store *store, const char **error_r)
{
	if (!store->map_lost)
		return 0;
	*error_r = errmsg_printf("%s: the database map could not grow (raise the "
			         "process's address space limit, e.g. Dovecot's "
			         "vsz_limit); this handle is unusable until reopened",
			         store->dir);
	return -1;
}

/* mdb_env_set_mapsize on an open environment; map_lock held exclusively.
   A failure leaves the environment without a map: remembered. */
static int store_set_mapsize(struct store *store, size_t size)
{
	int ret;

	if (store->map_lost)
		return ENOMEM;
	ret = mdb_env_set_mapsize(store->env, size);
	if (ret != 0)
		store->map_lost = true;
	return ret;
}

bool store_map_lost(struct store *store)
{
	bool lost;

	map_rdlock(store);
	lost = store->map_lost;
	map_rdunlock(store);
	return lost;
}

/* Where dormant's write gate lives in lock.mdb: LMDB locks byte 0 only,
   and a lock may lie beyond the end of a file. */
#define STORE_GATE_OFFSET ((off_t)1 << 30)

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Take a lock (F_SETLK or F_OFD_SETLK, type on one byte at start) without
   blocking, polling until wait_ms have passed: 0, or an errno
   (ETIMEDOUT when someone else held it all along). */
static int lock_poll(int fd, int cmd, short type, off_t start,
		     unsigned int wait_ms)
{
	int64_t deadline = monotonic_ms() + wait_ms;
	long pause_us = 500;

	for (;;) {
		struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
				    .l_start = start, .l_len = 1 };
		struct timespec ts;

		if (fcntl(fd, cmd, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return errno;
		if (monotonic_ms() >= deadline)
			return ETIMEDOUT;
		ts.tv_sec = 0;
		ts.tv_nsec = pause_us * 1000;
		nanosleep(&ts, NULL);
		if (pause_us < 20000)
			pause_us *= 2;
	}
}

/* Enter the write gate: this process's writers one at a time, then the
   OFD lock that every dormant writer of every process takes before LMDB's
   writer mutex, so that mutex is never waited on for long. */
static int gate_enter(struct store *store, const char **error_r)
{
	struct timespec until;
	int ret;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += store->wait_ms / 1000;
	until.tv_nsec += (long)(store->wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	ret = pthread_mutex_timedlock(&store->gate, &until);
	if (ret == 0 && store->lockfd >= 0) {
		ret = lock_poll(store->lockfd, F_OFD_SETLK, F_WRLCK,
				STORE_GATE_OFFSET, store->wait_ms);
		if (ret != 0)
			pthread_mutex_unlock(&store->gate);
	}
	if (ret == 0)
		return 0;
	if (ret == ETIMEDOUT)
		*error_r = errmsg_printf("%s: database busy: another process has held "
				         "its write lock for %u ms (a stopped or hung "
				         "dormant process?); nothing written",
				         store->dir, store->wait_ms);
	else
		*error_r = errmsg_printf("%s: cannot lock lock.mdb: %s", store->dir,
				         strerror(ret));
	return -1;
}

static void gate_leave(struct store *store)
{
	if (store->lockfd >= 0) {
		struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET,
				    .l_start = STORE_GATE_OFFSET, .l_len = 1 };
		(void)fcntl(store->lockfd, F_OFD_SETLK, &fl);
	}
	pthread_mutex_unlock(&store->gate);
}

/* Begin a transaction; the caller holds map_lock shared. Follows another
   process's map growth once. */
static int txn_begin(struct store *store, unsigned int flags, MDB_txn **txn_r,
		     const char **error_r)
{
	size_t size;
	int ret;

	if (store_map_ok(store, error_r) < 0)
		return -1;
	ret = mdb_txn_begin(store->env, NULL, flags, txn_r);
	if (ret == MDB_MAP_RESIZED) {
		/* another process grew the data past our map */
		if (map_lock_depth > 1)
			return map_nested_error(store, error_r);
		pthread_rwlock_unlock(&store->map_lock);
		pthread_rwlock_wrlock(&store->map_lock);
		/* store_fit_size reads the environment: not once it is lost */
		ret = store->map_lost ? ENOMEM : store_fit_size(store, &size);
		if (ret == 0)
			ret = store_set_mapsize(store, size);
		pthread_rwlock_unlock(&store->map_lock);
		pthread_rwlock_rdlock(&store->map_lock);
		if (ret == 0 && store_map_ok(store, error_r) < 0)
			return -1;
		if (ret == 0)
			ret = mdb_txn_begin(store->env, NULL, flags, txn_r);
	}
	if (ret != 0) {
		*error_r = errmsg_printf("%s: cannot begin transaction: %s%s",
				         store->dir, mdb_strerror(ret), ret == ENOMEM ?
				         " (the map no longer fits the process's "
				         "address space limit, e.g. Dovecot's "
				         "vsz_limit)" : "");
		return -1;
	}
	return 0;
}

/* Double the map after MDB_MAP_FULL in a transaction that began with the
   map at seen bytes; if another thread grew it since, that is enough.
   Called without map_lock held. */
static int store_grow(struct store *store, size_t seen, const char **error_r)
{
	size_t size;
	int ret;

	if (map_lock_depth > 0)
		return map_nested_error(store, error_r);
	pthread_rwlock_wrlock(&store->map_lock);
	if (store_map_ok(store, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	if (store_mapsize(store, &size, error_r) < 0) {
		pthread_rwlock_unlock(&store->map_lock);
		return -1;
	}
	if (size > seen) {
		pthread_rwlock_unlock(&store->map_lock);
		return 0;
	}
	if (size >= STORE_MAX_MAPSIZE) {
		pthread_rwlock_unlock(&store->map_lock);
		*error_r = errmsg_printf("%s: database map is full at %zu bytes",
				         store->dir, size);
		return -1;
	}
	ret = store_set_mapsize(store, size * 2);
	pthread_rwlock_unlock(&store->map_lock);
	if (ret != 0) {
		*error_r = errmsg_printf("%s: cannot grow database map to %zu MiB: %s%s",
				         store->dir, size * 2 / MIB, mdb_strerror(ret),
				         ret == ENOMEM ? " (raise the process's address "
				         "space limit, e.g. Dovecot's vsz_limit)" : "");
		return -1;
	}
	return 0;
}

/* Open the named databases that exist, in a read-only transaction. */
static int store_open_dbs(struct store *store, unsigned int txnflags,
			  const char **error_r)
{
	MDB_txn *txn;
	bool write = !(txnflags & MDB_RDONLY);
	int ret = 0;

	if (write && gate_enter(store, error_r) < 0)
		return -1;
	if (txn_begin(store, txnflags, &txn, error_r) < 0) {
		if (write)
			gate_leave(store);
		return -1;
	}
	for (int i = 0; i < DB_COUNT; i++) {
		unsigned int dbflags = (txnflags & MDB_RDONLY) ? 0 : MDB_CREATE;
		if (store->have_db[i])
			continue;
		ret = mdb_dbi_open(txn, db_names[i], dbflags, &store->dbi[i]);
		if (ret == MDB_NOTFOUND)
			continue;
		if (ret != 0) {
			mdb_txn_abort(txn);
			if (write)
				gate_leave(store);
			*error_r = errmsg_printf("%s: cannot open database %s: %s",
					         store->dir, db_names[i],
					         mdb_strerror(ret));
			return -1;
		}
		store->have_db[i] = true;
	}
	if (!(txnflags & MDB_RDONLY)) {
		int64_t value;
		ret = store_txn_meta_get(txn, store->dbi[DB_META], "schema", &value);
		if (ret == MDB_NOTFOUND)
			ret = store_txn_meta_put(txn, store->dbi[DB_META], "schema",
					   STORE_SCHEMA_VERSION);
		if (ret == 0) {
			ret = store_txn_meta_get(txn, store->dbi[DB_META],
					   "tracking_start", &value);
			if (ret == MDB_NOTFOUND)
				ret = store_txn_meta_put(txn, store->dbi[DB_META],
						   "tracking_start", time(NULL));
		}
		if (ret != 0) {
			mdb_txn_abort(txn);
			gate_leave(store);
			*error_r = errmsg_printf("%s: cannot initialise database: %s",
					         store->dir, mdb_strerror(ret));
			return -1;
		}
	}
	ret = mdb_txn_commit(txn);
	if (write)
		gate_leave(store);
	if (ret != 0) {
		*error_r = errmsg_printf("%s: cannot open databases: %s",
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
	ret = store_txn_meta_get(txn, store->dbi[DB_META], "schema", &schema);
	mdb_txn_abort(txn);
	if (ret != 0 && ret != MDB_NOTFOUND) {
		*error_r = errmsg_printf("%s: cannot read schema version: %s",
				         store->dir, mdb_strerror(ret));
		return -1;
	}
	if (schema > STORE_SCHEMA_VERSION) {
		*error_r = errmsg_printf("%s: database schema %lld is newer than this "
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
	return store_fit_map(size);
}

/* Open lock.mdb for the handle's life (store->lockfd) and prepare it:
 *  - give it all its disk blocks before LMDB maps it. LMDB sizes lock.mdb
 *    with ftruncate, which leaves a sparse file, and then writes to it
 *    through a shared map: on a full disk the first write to a page that
 *    has no block yet is a SIGBUS, which would kill the mail process, the
 *    milter or the reporter (seen on tmpfs; ext4 and XFS do the same).
 *    With the blocks reserved a full disk is an error message instead;
 *  - take the lock LMDB's mdb_env_open would wait for without a bound
 *    (F_SETLKW on byte 0) ourselves, polling with the handle's deadline: a
 *    process holding a write lock on the file cannot stall a login. Our
 *    lock and LMDB's are one (POSIX locks belong to the process), so LMDB
 *    still sees whether it is alone and behaves as without us.
 * A file that cannot be opened is left for mdb_env_open to report. */
static int store_open_lockfile(struct store *store, const char *dir,
			       unsigned int flags, const char **error_r)
{
	char path[4096];
	struct stat st;
	off_t want = STORE_LOCKFILE_SIZE;
	int fd, ret;

	if (snprintf(path, sizeof(path), "%s/lock.mdb", dir) >= (int)sizeof(path))
		return 0;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW |
		  ((flags & STORE_READONLY) ? 0 : O_CREAT), 0660);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	store->lockfd = fd;
	if (st.st_size > want)
		want = st.st_size;
	if ((off_t)st.st_blocks * 512 < want) {
		ret = posix_fallocate(fd, 0, want);
		if (ret == ENOSPC || ret == EDQUOT) {
			*error_r = errmsg_printf("%s: cannot reserve the lock file "
					         "lock.mdb: %s", dir, strerror(ret));
			return -1;
		}
	}
	/* LMDB's own protocol, with a deadline: the exclusive lock if nobody
	   else has the file open (LMDB then initialises the lock file, with
	   every other opener kept out, and downgrades it: one lock, ours and
	   LMDB's), else a shared one once the initialising process let go.
	   Taking only the shared lock would let two first openers both find
	   the other and skip the initialisation. */
	{
		struct flock excl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
				      .l_start = 0, .l_len = 1 };
		ret = fcntl(fd, F_SETLK, &excl) == 0 ? 0 :
			lock_poll(fd, F_SETLK, F_RDLCK, 0, store->wait_ms);
	}
	if (ret == ETIMEDOUT) {
		*error_r = errmsg_printf("%s: database busy: another process has held "
				         "a lock on lock.mdb for %u ms; nothing done",
				         dir, store->wait_ms);
		return -1;
	}
	return 0;
}

/* LMDB opens data.mdb and lock.mdb by name and follows links: a link or
   anything but a regular file there was planted (the directory is shared
   with every mail process). The root CLI opens the store as the
   directory's owner, so this is what tells the admin, not what protects. */
static int store_check_files(const char *dir, const char **error_r)
{
	static const char *const names[] = { "data.mdb", "lock.mdb" };
	char path[4096];
	struct stat st;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
			*error_r = errmsg_printf("%s: %s is %s: refusing to open it "
					         "(someone who can write the directory "
					         "put it there)", dir, names[i],
					         S_ISLNK(st.st_mode) ? "a symbolic link" :
					         "not a regular file");
			return -1;
		}
	}
	return 0;
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
		*error_r = errmsg_printf("database directory %s: %s", dir,
					 strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		*error_r = errmsg_printf("database directory %s: not a directory", dir);
		return -1;
	}
	if (store_check_files(dir, error_r) < 0)
		return -1;
	store = calloc(1, sizeof(*store));
	if (store == NULL || (store->dir = strdup(dir)) == NULL) {
		free(store);
		*error_r = "out of memory";
		return -1;
	}
	store->flags = flags;
	store->pid = getpid();
	store->lockfd = -1;
	store->wait_ms = (flags & STORE_HOT_PATH) ? STORE_HOT_WAIT_MS : STORE_WAIT_MS;
	store->time_limit = (int64_t)time(NULL) + STORE_MAX_SKEW;
	ret = pthread_rwlock_init(&store->map_lock, NULL);
	if (ret == 0 && (ret = pthread_mutex_init(&store->gate, NULL)) != 0)
		pthread_rwlock_destroy(&store->map_lock);
	if (ret != 0) {
		/* store_close would destroy locks never made: freed here */
		*error_r = errmsg_printf("%s: cannot create locks: %s", dir,
				         strerror(ret));
		free(store->dir);
		free(store);
		return -1;
	}
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
		*error_r = errmsg_printf("%s: cannot create environment: %s", dir,
				         mdb_strerror(ret));
		goto fail;
	}
	/* Files are shared by the mail processes, the milter and the admin
	   through the directory's group: never let a umask take group rw. */
	old_umask = umask(007);
	if (store_open_lockfile(store, dir, flags, error_r) < 0) {
		umask(old_umask);
		goto fail;
	}
	ret = mdb_env_open(store->env, dir, envflags, 0660);
	umask(old_umask);
	if (ret != 0) {
		if (ret == ENOENT && (flags & STORE_READONLY))
			*error_r = errmsg_printf("%s: no database here yet "
						 "(nothing recorded?)", dir);
		else if (ret == MDB_VERSION_MISMATCH || ret == MDB_INVALID)
			*error_r = errmsg_printf("%s: not a usable LMDB database: %s", dir,
					         mdb_strerror(ret));
		else
			*error_r = errmsg_printf("%s: cannot open database: %s%s", dir,
					         mdb_strerror(ret), ret == ENOMEM ?
					         " (the map does not fit the process's "
					         "address space limit, e.g. Dovecot's "
					         "vsz_limit)" : "");
		goto fail;
	}
	/* Clear slots left by processes that died inside a read transaction. */
	(void)mdb_reader_check(store->env, &dead);

	map_rdlock(store);
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
	map_rdunlock(store);
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
	/* after LMDB's own descriptor: closing ours drops its locks too */
	if (store->lockfd >= 0)
		close(store->lockfd);
	pthread_rwlock_destroy(&store->map_lock);
	pthread_mutex_destroy(&store->gate);
	free(store->dir);
	free(store);
}

uint64_t store_commit_count(const struct store *store)
{
	return __atomic_load_n(&store->commits, __ATOMIC_RELAXED);
}

const char *store_dir(const struct store *store)
{
	return store->dir;
}

/* A transaction's error. A write that fails for want of space says how
   much is left: LMDB reports a write cut short by a full disk as EIO. */
static const char *txn_error(struct store *store, int ret, const char *what)
{
	struct statvfs vfs;

	if ((ret == EIO || ret == ENOSPC || ret == EDQUOT) &&
	    statvfs(store->dir, &vfs) == 0) {
		unsigned long long avail =
			(unsigned long long)vfs.f_bavail * vfs.f_frsize;
		return errmsg_printf("%s: %s: %s (%llu KiB free on its file system%s)",
				     store->dir, what, mdb_strerror(ret), avail >> 10,
				     ret == EIO && avail < STORE_FIT_HEADROOM ?
				     ": a full disk" : "");
	}
	return errmsg_printf("%s: %s: %s", store->dir, what, mdb_strerror(ret));
}

int store_txn_result(struct store_txn *t, int mdb_ret, const char **error_r)
{
	if (mdb_ret == 0)
		return 1;
	t->mdb_error = mdb_ret;
	*error_r = txn_error(t->store, mdb_ret, t->what);
	return -1;
}

int store_read(struct store *store, store_txn_fn *fn, void *ctx,
	       const char *what, const char **error_r)
{
	struct store_txn t = { store, NULL, what, 0 };
	int ret;

	if (store_check(store, error_r) < 0)
		return -1;
	map_rdlock(store);
	if (txn_begin(store, MDB_RDONLY, &t.txn, error_r) < 0) {
		map_rdunlock(store);
		return -1;
	}
	ret = fn(&t, ctx, error_r);
	/* a read transaction ends here: its reader slot is released */
	mdb_txn_abort(t.txn);
	map_rdunlock(store);
	return ret;
}

int store_write(struct store *store, store_txn_fn *fn, void *ctx,
		const char *what, const char **error_r)
{
	if (store_check_writable(store, error_r) < 0)
		return -1;
	for (;;) {
		struct store_txn t = { store, NULL, what, 0 };
		size_t seen;
		int ret;

		if (gate_enter(store, error_r) < 0)
			return -1;
		map_rdlock(store);
		if (store_map_ok(store, error_r) < 0) {
			map_rdunlock(store);
			gate_leave(store);
			return -1;
		}
		if (store_mapsize(store, &seen, error_r) < 0 ||
		    txn_begin(store, 0, &t.txn, error_r) < 0) {
			map_rdunlock(store);
			gate_leave(store);
			return -1;
		}
		ret = fn(&t, ctx, error_r);
		if (ret > 0)
			/* a failed commit has freed the transaction too */
			ret = store_txn_result(&t, mdb_txn_commit(t.txn), error_r);
		else
			mdb_txn_abort(t.txn);
		map_rdunlock(store);
		gate_leave(store);
		if (ret > 0) {
			__atomic_add_fetch(&store->commits, 1, __ATOMIC_RELAXED);
			return 1;
		}
		if (ret == 0 || t.mdb_error != MDB_MAP_FULL)
			return ret;
		/* the whole transaction again, in a bigger map; store_grow
		   fails once the map cannot grow, which ends the loop */
		if (store_grow(store, seen, error_r) < 0)
			return -1;
	}
}

struct batch {
	size_t start, end;
	store_item_fn *item;
	const void *ctx;
	long written;
};

static int batch_txn(struct store_txn *t, void *_b, const char **error_r)
{
	struct batch *b = _b;

	b->written = 0;
	for (size_t i = b->start; i < b->end; i++) {
		int r = b->item(t, i, b->ctx, error_r);
		if (r < 0)
			return -1;
		b->written += r;
	}
	return b->written > 0 ? 1 : 0;
}

long store_batch(struct store *store, size_t count, store_item_fn *item,
		 const void *ctx, const char *what, const char **error_r)
{
	struct batch b = { 0, 0, item, ctx, 0 };
	long total = 0;

	while (b.start < count) {
		b.end = b.start + STORE_BATCH < count ? b.start + STORE_BATCH : count;
		if (store_write(store, batch_txn, &b, what, error_r) < 0)
			return -1;
		total += b.written;
		b.start = b.end;
	}
	return total;
}

/* Long listings page through the database: at most STORE_PAGE records
   (or STORE_PAGE_BYTES of them) are copied out in one read transaction,
   which ends before the callbacks run. A callback that blocks (a report
   written to a pager nobody reads) then pins no reader slot, and LMDB can
   reuse the pages writers free meanwhile; otherwise the file grows without
   a bound under the logins. The price: a listing is consistent per record,
   not as a whole. */
#define STORE_PAGE 128
#define STORE_PAGE_BYTES ((size_t)1 << 20)

struct scan {
	enum store_db db;
	/* where the page starts: the caller's start, then the last key seen
	   (skipped when found again) */
	uint8_t from[512];
	size_t from_len;
	bool have_from, skip_from;
	/* the page */
	size_t n;
	size_t klen[STORE_PAGE], vlen[STORE_PAGE], off[STORE_PAGE];
	uint8_t *buf;
	size_t used, size;
	bool more;                   /* the database goes on after the page */
};

static int scan_copy(struct scan *s, const MDB_val *key, const MDB_val *val)
{
	size_t need = key->mv_size + val->mv_size;

	if (s->used + need > s->size) {
		size_t size = s->size * 2 > s->used + need ? s->size * 2 : s->used + need;
		uint8_t *buf = realloc(s->buf, size);
		if (buf == NULL)
			return ENOMEM;
		s->buf = buf;
		s->size = size;
	}
	s->off[s->n] = s->used;
	s->klen[s->n] = key->mv_size;
	s->vlen[s->n] = val->mv_size;
	memcpy(s->buf + s->used, key->mv_data, key->mv_size);
	memcpy(s->buf + s->used + key->mv_size, val->mv_data, val->mv_size);
	s->used += need;
	s->n++;
	return 0;
}

static int scan_txn(struct store_txn *t, void *_s, const char **error_r)
{
	struct scan *s = _s;
	MDB_cursor *cursor;
	MDB_val key, val;
	MDB_cursor_op op = MDB_FIRST;
	int ret;

	s->n = 0;
	s->used = 0;
	s->more = false;
	ret = mdb_cursor_open(t->txn, t->store->dbi[s->db], &cursor);
	if (ret != 0)
		return store_txn_result(t, ret, error_r);
	if (s->have_from) {
		key.mv_size = s->from_len;
		key.mv_data = s->from;
		op = MDB_SET_RANGE;
	}
	while ((ret = mdb_cursor_get(cursor, &key, &val, op)) == 0) {
		op = MDB_NEXT;
		if (s->skip_from && key.mv_size == s->from_len &&
		    memcmp(key.mv_data, s->from, s->from_len) == 0)
			continue;
		if (s->n == STORE_PAGE || (s->n > 0 && s->used >= STORE_PAGE_BYTES)) {
			s->more = true;
			break;
		}
		if ((ret = scan_copy(s, &key, &val)) != 0)
			break;
	}
	mdb_cursor_close(cursor);
	return store_txn_result(t, ret == MDB_NOTFOUND ? 0 : ret, error_r);
}

int store_scan(struct store *store, enum store_db db, const MDB_val *start,
	       store_scan_fn *fn, void *ctx, const char *what,
	       const char **error_r)
{
	struct scan *s;
	int stopped = 0;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[db])
		return 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	s->db = db;
	if (start != NULL && start->mv_size <= sizeof(s->from)) {
		memcpy(s->from, start->mv_data, start->mv_size);
		s->from_len = start->mv_size;
		s->have_from = true;
	}
	do {
		if (store_read(store, scan_txn, s, what, error_r) < 0) {
			stopped = -1;
			break;
		}
		/* outside the transaction: the callbacks may take their time */
		for (size_t i = 0; i < s->n && stopped == 0; i++) {
			MDB_val key = { s->klen[i], s->buf + s->off[i] };
			MDB_val val = { s->vlen[i], s->buf + s->off[i] + s->klen[i] };
			stopped = fn(ctx, &key, &val);
		}
		if (s->n > 0) {
			size_t last = s->n - 1;
			/* keys are at most 511 bytes (LMDB's limit) */
			s->from_len = s->klen[last] < sizeof(s->from) ?
				s->klen[last] : sizeof(s->from);
			memcpy(s->from, s->buf + s->off[last], s->from_len);
			s->have_from = s->skip_from = true;
		}
	} while (stopped == 0 && s->more);
	free(s->buf);
	free(s);
	return stopped;
}

struct get {
	enum store_db db;
	const MDB_val *key;
	void *buf;
	size_t bufsize, size;
};

static int get_txn(struct store_txn *t, void *_g, const char **error_r)
{
	struct get *g = _g;
	MDB_val val;
	int ret;

	ret = mdb_get(t->txn, t->store->dbi[g->db], (MDB_val *)g->key, &val);
	if (ret == MDB_NOTFOUND)
		return 0;
	if (ret != 0)
		return store_txn_result(t, ret, error_r);
	g->size = val.mv_size;
	memcpy(g->buf, val.mv_data, val.mv_size < g->bufsize ? val.mv_size : g->bufsize);
	return 1;
}

int store_get(struct store *store, enum store_db db, const MDB_val *key,
	      void *buf, size_t bufsize, size_t *size_r, const char **error_r)
{
	struct get g = { db, key, buf, bufsize, 0 };
	int ret;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[db])
		return 0;
	ret = store_read(store, get_txn, &g, "read", error_r);
	if (ret > 0)
		*size_r = g.size;
	return ret;
}

int store_get_record(struct store *store, enum store_db db, const char *account,
		     store_decode_fn *decode, void *out, const char *what,
		     const char **error_r)
{
	/* the largest record any database holds, plus room to see that a
	   longer one is longer */
	uint8_t buf[RECORD_STATE_MAX + 64];
	MDB_val key = store_account_key(account);
	const char *derr;
	size_t size;
	int ret;

	if (store_key_check(account, error_r) < 0)
		return -1;
	ret = store_get(store, db, &key, buf, sizeof(buf), &size, error_r);
	if (ret <= 0)
		return ret;
	if (decode(buf, size > sizeof(buf) ? sizeof(buf) : size, out, &derr) < 0) {
		*error_r = errmsg_printf("%s: %s of %s: %s", store->dir, what,
					 account, derr);
		return -1;
	}
	return 1;
}

struct put {
	enum store_db db;
	const MDB_val *key, *val;
};

static int put_txn(struct store_txn *t, void *_p, const char **error_r)
{
	struct put *p = _p;

	return store_txn_result(t, mdb_put(t->txn, t->store->dbi[p->db],
					   (MDB_val *)p->key, (MDB_val *)p->val, 0),
				error_r);
}

int store_put(struct store *store, enum store_db db, const MDB_val *key,
	      const MDB_val *val, const char *what, const char **error_r)
{
	struct put p = { db, key, val };

	return store_write(store, put_txn, &p, what, error_r) < 0 ? -1 : 0;
}

int store_txn_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name,
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

int store_txn_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name,
		       int64_t value)
{
	MDB_val key = { strlen(name), (void *)name }, val;
	uint8_t buf[8];

	put_le64(buf, value);
	val.mv_size = sizeof(buf);
	val.mv_data = buf;
	return mdb_put(txn, dbi, &key, &val, 0);
}

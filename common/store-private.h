/* store-private.h - what the store's files share: the handle, the named
 * databases, and the transaction helpers every public function is built
 * on. Not for use outside common/store*.c. */
#ifndef DORMANT_STORE_PRIVATE_H
#define DORMANT_STORE_PRIVATE_H

#include "store.h"
#include "account.h"
#include "byteorder.h"
#include "errmsg.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <lmdb.h>

enum store_db {
	DB_ACTIVITY,
	DB_ACCOUNTS,
	DB_STATE,
	DB_AUDIT,
	DB_META,
	DB_EVENTS,
	DB_NOTICES,
	DB_NETWORKS,
	DB_HISTORY,
	DB_REVIEW,
	DB_COUNT
};

/* Writes per transaction for long writers (sync, merge, import): keeps
   each hold of LMDB's writer lock short. */
#define STORE_BATCH 512

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
	/* lock.mdb, open for the handle's life: it holds the shared lock
	   taken for LMDB before mdb_env_open (closing any descriptor of the
	   file would drop LMDB's POSIX locks too, so it closes after the
	   environment) and the write gate's OFD lock. -1 if none. */
	int lockfd;
	/* The write gate within the process: OFD locks belong to the open
	   file description, shared by the milter's threads. */
	pthread_mutex_t gate;
	unsigned int wait_ms;        /* STORE_HOT_WAIT_MS or STORE_WAIT_MS */
	/* Stored times past this are not believed (store_set_now). */
	int64_t time_limit;
	/* A resize failed (ENOMEM: an address space limit such as Dovecot's
	   vsz_limit). LMDB then leaves the environment without a map and its
	   meta pointers dangling: nothing but mdb_env_close may touch it.
	   Set under map_lock held exclusively, read under it shared. */
	bool map_lost;
};

/* A transaction as its body sees it. */
struct store_txn {
	struct store *store;
	MDB_txn *txn;
	const char *what;            /* what it does, for messages */
	int mdb_error;               /* the LMDB error that failed it, or 0 */
};

/* A transaction body. Returns 1 (for a write: commit; for a read: found),
   0 (nothing to write, or not found: the transaction is aborted), or -1
   with *error_r set; an LMDB error goes through store_txn_result. The
   codes are the public calls' (store.h). */
typedef int store_txn_fn(struct store_txn *t, void *ctx, const char **error_r);

/* An LMDB return inside t as a body's result: 1 for 0, else -1 with a
   message naming t->what in *error_r, the code kept in t->mdb_error (so
   store_write can grow the map on MDB_MAP_FULL and try again). */
int store_txn_result(struct store_txn *t, int mdb_ret, const char **error_r);

/* Run fn in a read-only transaction: fn's 1 or 0, or -1. */
int store_read(struct store *store, store_txn_fn *fn, void *ctx,
	       const char *what, const char **error_r);
/* Run fn in a write transaction and commit: 1 committed, 0 nothing to
   write, -1 error. On MDB_MAP_FULL grow the map and run fn again in a
   fresh transaction. */
int store_write(struct store *store, store_txn_fn *fn, void *ctx,
		const char *what, const char **error_r);

/* Apply count items, STORE_BATCH per store_write transaction. item()
   returns as a body: 1 if it wrote, 0 if not, -1. Returns the number
   written, or -1. */
typedef int store_item_fn(struct store_txn *t, size_t i, const void *ctx,
			  const char **error_r);
long store_batch(struct store *store, size_t count, store_item_fn *item,
		 const void *ctx, const char *what, const char **error_r);

/* Visit db from key start (NULL: first), a page at a time: each page is
   copied out of a read transaction that ends before fn runs on the copies
   (key and val valid until fn returns; see "Scans" in store.h). fn
   returns 0 to go on, anything else to stop (returned). -1 on error. */
typedef int store_scan_fn(void *ctx, const MDB_val *key, const MDB_val *val);
int store_scan(struct store *store, enum store_db db, const MDB_val *start,
	       store_scan_fn *fn, void *ctx, const char *what,
	       const char **error_r);

/* Get one value by key in a read transaction: 1 found (copied into
   buf, at most bufsize bytes, *size_r set), 0 not, -1 error. */
int store_get(struct store *store, enum store_db db, const MDB_val *key,
	      void *buf, size_t bufsize, size_t *size_r, const char **error_r);
/* Get account's record from db and decode it into out: 1, 0 none, -1
   error (a record that does not decode is an error naming it). */
typedef int store_decode_fn(const void *data, size_t size, void *out,
			    const char **error_r);
int store_get_record(struct store *store, enum store_db db, const char *account,
		     store_decode_fn *decode, void *out, const char *what,
		     const char **error_r);
/* Put one value in a write transaction. 0 or -1. */
int store_put(struct store *store, enum store_db db, const MDB_val *key,
	      const MDB_val *val, const char *what, const char **error_r);

/* 0, or -1 with *error_r: the handle is used after fork (store_check), or
   is also read-only (store_check_writable). */
int store_check(struct store *store, const char **error_r);
int store_check_writable(struct store *store, const char **error_r);
/* 0, or -1 with *error_r for an account name no key may have (empty,
   longer than ACCOUNT_MAX). */
int store_key_check(const char *account, const char **error_r);
/* A key read from a database as an account name for callbacks: copied
   into name (NUL terminated) with its length. A key that no normaliser
   would produce (empty, longer than ACCOUNT_MAX, a NUL or a control byte:
   planted by whoever can write the files) is -1 with *error_r set and
   name holding a printable, escaped, truncated form that callers may show
   but never act on. */
int store_key_name(const MDB_val *key, char name[ACCOUNT_MAX + 1],
		   size_t *len_r, const char **error_r);
/* -1 with *error_r if a time in rec lies past the store's time limit (a
   record from the future would pin an account active for ever). */
int store_activity_times_ok(const struct store *store,
			    const struct activity *rec, const char **error_r);
/* Fold use into account's networks record inside t's write transaction
   (store-networks.c): *result_r says what the network was to the set,
   *changed_r whether the record was written. A
   record of a newer version is left alone (NETSET_NONE); one that does
   not decode, or entries from the future, are replaced. 0 or -1. */
int store_txn_networks_observe(struct store_txn *t, const char *account,
			       const struct netset_use *use,
			       enum netset_result *result_r, bool *changed_r,
			       const char **error_r);
/* When account is suspended inside t: its state's since (> 0), else 0;
   -1 on an LMDB error. An undecodable state reads as not suspended. */
int store_txn_suspended_since(struct store_txn *t, const char *account,
			      int64_t *since_r, const char **error_r);
/* Append one audit entry (json, filed under time t) in txn: an LMDB
   code (store-state.c). */
int store_txn_audit_put(struct store *store, MDB_txn *txn, const char *json,
			int64_t t);
/* Put account's event ev at time inside t's write transaction; keep:
   an event already stored for that account and second stays (0), else it
   is replaced. 1 written, 0 kept, -1. */
int store_txn_event_put(struct store_txn *t, int64_t time, const char *account,
			const struct account_event *ev, bool keep,
			const char **error_r);
/* The key of account (no copy: points into account). */
MDB_val store_account_key(const char *account);

/* One meta integer inside txn, with LMDB's return convention (mdb_get's):
   0, MDB_NOTFOUND, or an LMDB error; a value of another size is
   MDB_CORRUPTED. */
int store_txn_meta_get(MDB_txn *txn, MDB_dbi dbi, const char *name,
		       int64_t *value_r);
int store_txn_meta_put(MDB_txn *txn, MDB_dbi dbi, const char *name,
		       int64_t value);

#endif

/* store.h - the LMDB store shared by the plugin, the milter and the CLI.
 *
 * One LMDB environment in a directory (default /var/lib/dormant) with ten
 * named databases: activity, accounts, state, audit, meta, events, notices,
 * networks, history and review (their keys and record formats: doc/DESIGN.md §3).
 *
 * Rules the store keeps for all callers:
 *  - no read transaction outlives a call, so no process pins an LMDB reader
 *    slot between events (Dovecot runs hundreds of mail processes);
 *  - MDB_NOTLS, so a handle can be used from several threads (the milter),
 *    one transaction per call (a scan: one per page, see "Scans" below);
 *  - a handle is never used across fork(): store calls made in a child of the
 *    opening process fail with an error instead of corrupting the lock file;
 *  - timestamps only move forward (activity_apply), and an update that would
 *    change nothing within the coalescing interval costs one read-only
 *    transaction and no write;
 *  - MDB_NOMETASYNC: a system crash may lose the last commit, never corrupts;
 *  - the map grows on MDB_MAP_FULL and follows other processes' growth
 *    (MDB_MAP_RESIZED);
 *  - waits are bounded: every writer first takes dormant's own write gate
 *    (an OFD lock in lock.mdb, beside LMDB's byte) and the open takes
 *    LMDB's shared file lock, both polled with a deadline, so a process
 *    stopped inside a write transaction, or one holding a file lock,
 *    delays a login or MAIL FROM by at most STORE_HOT_WAIT_MS. A process
 *    that bypasses dormant (raw LMDB calls with the mail uid) can still
 *    hold LMDB's own mutexes: see doc/DESIGN-NOTES.md.
 * Functions return 0 (or 1 / 0 for found / not found, written / not
 * written) and -1 on error with *error_r pointing to a message valid until
 * the same thread's next call into libdormant (errmsg.h). Nothing here
 * logs or exits. */
#ifndef DORMANT_STORE_H
#define DORMANT_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "record.h"
#include "netset.h"

#define STORE_SCHEMA_VERSION 1
/* Initial map: room for well over a million accounts. The file is sparse
   and grows with use; this is address space, not disk. */
#define STORE_DEFAULT_MAPSIZE ((size_t)1 << 30)

struct store;

enum store_open_flags {
	/* open read-only: never creates, never writes */
	STORE_READONLY = 0x01,
	/* map only what the data needs plus headroom, not STORE_DEFAULT_MAPSIZE:
	   for processes with a small address-space limit (Dovecot's mail
	   processes run under vsz_limit, 256 MB by default) */
	STORE_FIT_MAP = 0x02,
	/* a login or an SMTP transaction waits on this handle: never wait
	   longer than STORE_HOT_WAIT_MS for a lock another process holds
	   (a stopped process, a long writer); give up with an error instead */
	STORE_HOT_PATH = 0x04,
};

/* How long a STORE_HOT_PATH handle waits for the database's locks, and how
   long any other (the CLI) waits before it says the database is busy. */
#define STORE_HOT_WAIT_MS 200
#define STORE_WAIT_MS (120 * 1000)

/* Open the environment in dir, creating data and lock files (mode 0660,
   group from the directory) and the named databases when they are
   missing and the caller may write. The directory itself must exist. */
int store_open(const char *dir, unsigned int flags, struct store **store_r,
	       const char **error_r);
/* Stored times more than STORE_MAX_SKEW past the clock are not believed:
   a record "from the future" reads as malformed (callers skip and report
   it) and the next write replaces those times. A command acting as if
   it were now (the CLI's --now) moves the limit to now + the skew when
   that is later. */
#define STORE_MAX_SKEW (24 * 3600)
void store_set_now(struct store *store, int64_t now);

/* Close and free; sets *store to NULL. Safe with *store == NULL. */
void store_close(struct store **store);
/* The map a STORE_FIT_MAP handle (the Dovecot plugin) takes for data_size
   bytes of data: the data plus half plus 16 MiB, at least 32 MiB, whole
   MiB. */
size_t store_fit_map(size_t data_size);
/* True once growing the map failed (an address space limit): every call
   on the handle then fails; close it and open the database again. */
bool store_map_lost(struct store *store);

/* Activity of one (normalised) account: 1 found, 0 none, -1 error. */
int store_activity_get(struct store *store, const char *account,
		       struct activity *rec_r, const char **error_r);

/* Record ev for account. Returns 1 if a write was committed, 0 if the
   event was coalesced or older than what is stored (no write), -1 on
   error. If old_r is not NULL it receives the record as it was before
   (all zero if the account was unknown). */
int store_activity_update(struct store *store, const char *account,
			  const struct activity_event *ev,
			  unsigned int update_interval,
			  struct activity *old_r, const char **error_r);

/* What a login or send found, for the caller's alerts
   (store_activity_record). */
struct store_news {
	struct activity old;         /* the record before (zero if none) */
	/* the event's network against the account's set (netset.h); only
	   when a write was committed, else NETSET_NONE */
	enum netset_result network;
	/* > 0: the account is suspended (since then) and this is its first
	   login or send since its suspension */
	int64_t suspended_since;
	/* the event the write raised (alert.h) and added to the events in
	   its own transaction: kind, flags, idle, and the login's address
	   and service (a send's: "smtp") */
	bool raised;
	struct account_event event;
};

/* store_activity_update for a login or a send, which also folds the
   address's network into the account's networks record and looks at its
   state, in the same write transaction (no write, no look: a coalesced
   event costs what it did). ev->client and ev->webmail go to the
   network's entry. With dormant_after > 0 (seconds: the wake-up
   threshold), the event the write raises (alert_event) is added to the
   events in that transaction too: an alerting login takes the writer
   lock once. Returns as store_activity_update; *news_r is filled in
   either case (network, suspended_since and raised only on 1). */
int store_activity_record(struct store *store, const char *account,
			  const struct activity_event *ev,
			  unsigned int update_interval, int64_t dormant_after,
			  struct store_news *news_r, const char **error_r);

/* The networks an account was used from: 1 found, 0 none, -1 error (a
   record that does not decode). Entries with times past the store's time
   limit are left out (not believed). */
int store_networks_get(struct store *store, const char *account,
		       struct netset *set_r, const char **error_r);

/* Fold a whole record into account by the max rule (merge, import). */
int store_activity_merge(struct store *store, const char *account,
			 const struct activity *rec, const char **error_r);

/* Fold many records by the max rule, STORE_BATCH per transaction so a
   long import never holds the writer lock for long. names need not be
   sorted. Returns the number of records that changed, or -1. */
long store_activity_merge_batch(struct store *store, const char *const *names,
				const struct activity *recs, size_t count,
				const char **error_r);

/* Fold directory records from another host: first_seen is the earliest,
   last_seen the latest, gone_since kept only when it is later than every
   sighting. Batched like store_activity_merge_batch. */
long store_accounts_merge_batch(struct store *store, const char *const *names,
				const struct account_info *infos, size_t count,
				const char **error_r);

/* Move tracking start earlier to t if t is older (imports, merges). */
int store_tracking_extend(struct store *store, int64_t t, const char **error_r);

/* Scans (store_*_foreach). Each copies a page of records out of one read
   transaction (at most 128 records or 1 MiB; 64 accounts for
   store_account_foreach), ends that transaction, and only then calls back,
   once per record in key order; the next page starts after the page's
   last key, in a new transaction. So during a callback:
    - no transaction is open and the store holds no lock: the callback may
      take its time (a pager nobody reads pins no reader slot) and may call
      any store function on the same handle, writes included;
    - every pointer it receives (name, record, view, audit text) points
      into the scan's own copies, valid only until the callback returns:
      copy what must outlive it;
    - decode_error may point into this thread's store error buffer, which
      the next store call from this thread overwrites: copy it first if it
      must survive a nested call (account_view's is the scan's own copy);
    - writes made meanwhile, by the callback or another process, show in
      later pages: a scan is consistent per record, not as a whole.
   A callback returns 0 to go on; any other value stops the scan, and the
   foreach returns it (store_event_foreach: 1). A foreach returns -1 with
   *error_r set when the store fails: a callback's own -1 would read the
   same without *error_r, so stop with a positive value.

   Called for each activity record. A record that fails to decode (or
   holds a time from the future) is passed with rec == NULL and its error
   in decode_error, so a caller can report it and go on. account is NUL
   terminated, len bytes long. */
typedef int store_activity_cb(void *ctx, const char *account, size_t len,
			      const struct activity *rec,
			      const char *decode_error);
int store_activity_foreach(struct store *store, store_activity_cb *cb,
			   void *ctx, const char **error_r);

/* One account as the three per-account databases see it. A pointer is
   NULL where that database has no record; a record that fails to decode
   is NULL too, with its error in decode_error (the first one found). */
struct account_view {
	const char *account;
	size_t account_len;
	const struct activity *activity;
	const struct account_info *info;
	const struct account_contacts *contacts;  /* NULL: none known */
	const struct account_state *state;
	const char *decode_error;
};

/* Visit every account present in activity, accounts or state, in key
   order, streaming (a merge of three cursors, paged as the other scans):
   memory does not grow with the number of accounts. view and all it
   points to are valid until the callback returns. Return values as
   store_activity_foreach. */
typedef int store_account_cb(void *ctx, const struct account_view *view);
int store_account_foreach(struct store *store, store_account_cb *cb, void *ctx,
			  const char **error_r);

/* Directory record of an account and its contacts (contacts_r may be
   NULL): 1 found, 0 none, -1 error. */
int store_account_info_get(struct store *store, const char *account,
			   struct account_info *info_r,
			   struct account_contacts *contacts_r,
			   const char **error_r);

/* State of an account: 1 found, 0 none, -1 error. */
int store_state_get(struct store *store, const char *account,
		    struct account_state *st_r, const char **error_r);

/* Set (st != NULL) or clear (st == NULL) an account's state, and append
   audit_json (one JSON object, the caller's text) to the audit database, in
   one transaction: there is never a change without its audit entry. */
int store_state_set(struct store *store, const char *account,
		    const struct account_state *st, const char *audit_json,
		    const char **error_r);
/* The same, with the audit entry filed under time t (store_state_set uses
   the clock): the CLI files it under its --now. */
int store_state_set_at(struct store *store, const char *account,
		       const struct account_state *st, const char *audit_json,
		       int64_t t, const char **error_r);

/* Called for each state record in key order; as store_activity_cb. */
typedef int store_state_cb(void *ctx, const char *account,
			   const struct account_state *st,
			   const char *decode_error);
int store_state_foreach(struct store *store, store_state_cb *cb, void *ctx,
			const char **error_r);

/* Called for each audit entry, oldest first, from time since on: json is
   len bytes of the stored text, not NUL terminated. */
typedef int store_audit_cb(void *ctx, int64_t time, const char *json,
			   size_t len);
int store_audit_foreach(struct store *store, int64_t since, store_audit_cb *cb,
			void *ctx, const char **error_r);

/* Reconcile the accounts database with the directory's list at time now:
   names[0..count) must be normalised, sorted (strcmp) and unique. Listed
   accounts get first_seen (if new) and last_seen = now, lose any
   gone_since, and get contacts[i] (contacts NULL: none) in place of what
   they had; accounts no longer listed get gone_since = now (kept, never
   deleted, contacts kept). Commits in batches so logins never wait long on the writer
   lock. Counts of new, returning and gone accounts go to *stats_r. A
   listed account whose record a newer dormant wrote is left alone (§3.4)
   and the sync goes on: it is counted as skipped and, after the writes,
   passed to skipped(skip_ctx, account, why) (skipped may be NULL). */
struct store_sync_stats {
	unsigned long listed, added, returned, gone, skipped;
};
typedef void store_sync_skip_fn(void *ctx, const char *account, const char *why);
int store_accounts_sync(struct store *store, const char *const *names,
			const struct account_contacts *contacts, size_t count,
			enum account_source source, int64_t now,
			store_sync_skip_fn *skipped, void *skip_ctx,
			struct store_sync_stats *stats_r, const char **error_r);

/* Small named integers in the meta database (schema, tracking_start, the
   policy thresholds the CLI copies for the plugin). 1 found, 0 not, -1. */
int store_meta_get(struct store *store, const char *name, int64_t *value_r,
		   const char **error_r);
int store_meta_set(struct store *store, const char *name, int64_t value,
		   const char **error_r);

/* Append an event for account at time t (seconds). */
int store_event_add(struct store *store, int64_t t, const char *account,
		    const struct account_event *ev, const char **error_r);
/* Many events in STORE_BATCH-sized transactions (import-log). An event
   already stored for the same account and second is kept, whatever it
   is, so importing twice changes nothing and a live event is never
   replaced by an imported one. Returns how many were written, or -1. */
struct store_event_item {
	int64_t time;
	const char *account;
	struct account_event ev;
};
long store_event_add_batch(struct store *store,
			   const struct store_event_item *items, size_t count,
			   const char **error_r);
/* Events with since <= time < until, oldest first. A malformed record is
   passed with ev == NULL. Return values as store_activity_foreach. */
typedef int store_event_cb(void *ctx, int64_t time, const char *account,
			   const struct account_event *ev);
int store_event_foreach(struct store *store, int64_t since, int64_t until,
			store_event_cb *cb, void *ctx, const char **error_r);

/* Publish the thresholds (meta "warn_after", "dormant_after", seconds;
   the plugin and the milter read dormant_after to tell wake-ups), writing
   only when they changed. */
int store_policy_publish(struct store *store, uint64_t warn_after,
			 uint64_t dormant_after, const char **error_r);

/* Warning notices (dormant notify): when the owner was last warned, and
   for which idle period (the account's last activity then, 0 for never).
   1 found, 0 none, -1 error. */
struct notice {
	int64_t sent;
	int64_t period;
	int64_t reminded;            /* the reminder for this period, 0 none */
};
int store_notice_get(struct store *store, const char *account,
		     struct notice *notice_r, const char **error_r);
int store_notice_set(struct store *store, const char *account,
		     const struct notice *notice, const char **error_r);
/* The same, with an audit entry (one JSON object, filed under time t) in
   the same transaction: no notice without its entry. */
int store_notice_set_audited(struct store *store, const char *account,
			     const struct notice *notice, const char *audit_json,
			     int64_t t, const char **error_r);

/* The month's history record (history.h) under month ("YYYY-MM"),
   replacing the month's earlier one. 0 or -1. */
int store_history_put(struct store *store, const char *month, const void *rec,
		      size_t size, const char **error_r);
/* Every history record in key order (oldest month first), raw: key is
   key_len bytes, not NUL terminated, and like the record may be anything
   (the database is input, doc/DESIGN.md §9.1); the caller checks both.
   Return values as store_activity_foreach. */
typedef int store_history_cb(void *ctx, const char *key, size_t key_len,
			     const void *rec, size_t size);
int store_history_foreach(struct store *store, store_history_cb *cb, void *ctx,
			  const char **error_r);
/* The review database (review.h builds its keys and records): raw values
   by key. Get: 1 found (copied into buf, *size_r its length), 0 none,
   -1 error (a value longer than bufsize is one). */
int store_review_get(struct store *store, const void *key, size_t klen,
		     void *buf, size_t bufsize, size_t *size_r,
		     const char **error_r);
/* One change: val NULL deletes key. */
struct store_review_put {
	const void *key;
	size_t klen;
	const void *val;
	size_t vlen;
};
/* Apply every change, and append audit_json (unless NULL, filed under t),
   in one transaction. 0 or -1. */
int store_review_write(struct store *store, const struct store_review_put *puts,
		       size_t count, const char *audit_json, int64_t t,
		       const char **error_r);
/* Many changes, STORE_BATCH a transaction (a campaign's frozen lists:
   write what refers to them last). 0 or -1. */
int store_review_write_batch(struct store *store,
			     const struct store_review_put *puts, size_t count,
			     const char **error_r);
/* Every key starting with prefix, in key order, paged as the other scans
   (the pointers are valid during the call only). cb returns 0 to go on,
   1 to stop (returned). -1 on a store error. */
typedef int store_review_cb(void *ctx, const void *key, size_t klen,
			    const void *val, size_t vlen);
int store_review_foreach(struct store *store, const void *prefix, size_t plen,
			 store_review_cb *cb, void *ctx, const char **error_r);

/* Tracking start (seconds, UTC): when this database began seeing events,
   moved earlier by imports. 0 if unknown. */
int store_tracking_start(struct store *store, int64_t *start_r,
			 const char **error_r);

/* Number of commits this handle made (tests prove coalescing with it). */
uint64_t store_commit_count(const struct store *store);

/* The directory the store was opened in. */
const char *store_dir(const struct store *store);

#endif

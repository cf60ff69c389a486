/* store-accounts.c - the account universe: what the directory knows of
 * each account (dormant sync, merges), and the join of the three
 * per-account databases that every listing streams. */
#include "store-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct info_out {
	struct account_info *info;
	struct account_contacts *contacts;
};

static int decode_info(const void *data, size_t size, void *_out,
		       const char **error_r)
{
	struct info_out *out = _out;

	return record_account_decode(data, size, out->info, out->contacts, error_r);
}

int store_account_info_get(struct store *store, const char *account,
			   struct account_info *info_r,
			   struct account_contacts *contacts_r,
			   const char **error_r)
{
	struct info_out out = { info_r, contacts_r };

	return store_get_record(store, DB_ACCOUNTS, account, decode_info, &out,
				"account", error_r);
}

/* A fold: change info and contacts for arg; true if anything changed. */
typedef bool account_fold_fn(struct account_info *info,
			     struct account_contacts *contacts, const void *arg);

/* Read, fold with fold(), and write back one account record in t:
   1 written, 0 unchanged, or -1. A record of a newer version is never
   overwritten (doc/DESIGN.md §3.4): with newer_r it is left alone, 0 and
   *newer_r set; without, it is an error. */
static int account_fold(struct store_txn *t, const char *account,
			account_fold_fn *fold, const void *arg, bool *newer_r,
			const char **error_r)
{
	MDB_dbi dbi = t->store->dbi[DB_ACCOUNTS];
	struct account_info info;
	struct account_contacts contacts;
	uint8_t buf[RECORD_ACCOUNT_MAX];
	MDB_val key = store_account_key(account), val;
	bool malformed = false;
	const char *derr;
	int ret;

	ret = mdb_get(t->txn, dbi, &key, &val);
	if (ret != 0 && ret != MDB_NOTFOUND)
		return store_txn_result(t, ret, error_r);
	memset(&info, 0, sizeof(info));
	memset(&contacts, 0, sizeof(contacts));
	if (ret == 0 && record_account_decode(val.mv_data, val.mv_size, &info,
					      &contacts, &derr) < 0) {
		/* a newer program's record is never overwritten (it may hold
		   what this one cannot carry); a malformed one is replaced */
		if (val.mv_size > 0 &&
		    ((const uint8_t *)val.mv_data)[0] > RECORD_ACCOUNT_VERSION) {
			if (newer_r != NULL) {
				*newer_r = true;
				return 0;
			}
			*error_r = errmsg_printf("%s: %s", account, derr);
			return -1;
		}
		memset(&info, 0, sizeof(info));
		memset(&contacts, 0, sizeof(contacts));
		malformed = true;
	}
	if (!fold(&info, &contacts, arg) && !malformed)
		return 0;
	val.mv_size = record_account_encode(&info, &contacts, buf);
	val.mv_data = buf;
	return store_txn_result(t, mdb_put(t->txn, dbi, &key, &val, 0), error_r);
}

struct sync {
	const char *const *names;
	const struct account_contacts *contacts;   /* NULL: none */
	size_t count;
	enum account_source source;
	int64_t now;
	struct store_sync_stats stats;
	/* listed accounts whose record a newer dormant wrote: left alone */
	char **skipped;
	size_t skipped_alloc;
	bool oom;
};

/* Remember a skipped account once (a batch redone after MDB_MAP_FULL
   meets it again; skips are rare, a scan is cheap). */
static void sync_skip(struct sync *s, const char *account)
{
	char **p;

	for (size_t i = 0; i < s->stats.skipped; i++) {
		if (strcmp(s->skipped[i], account) == 0)
			return;
	}
	if (s->stats.skipped == s->skipped_alloc) {
		size_t n = s->skipped_alloc == 0 ? 8 : s->skipped_alloc * 2;
		p = realloc(s->skipped, n * sizeof(*p));
		if (p == NULL) {
			s->oom = true;
			return;
		}
		s->skipped = p;
		s->skipped_alloc = n;
	}
	s->skipped[s->stats.skipped] = strdup(account);
	if (s->skipped[s->stats.skipped] == NULL)
		s->oom = true;
	else
		s->stats.skipped++;
}

/* One listed account: the sync and its index. */
struct listed {
	struct sync *s;
	size_t i;
};

/* Counts are informational: a batch redone after MDB_MAP_FULL counts its
   accounts twice. Contacts are replaced whole: the directory's word now. */
static bool fold_listed(struct account_info *info,
			struct account_contacts *contacts, const void *arg)
{
	const struct listed *l = arg;
	struct sync *s = l->s;

	if (info->first_seen == 0) {
		info->first_seen = s->now;
		s->stats.added++;
	} else if (info->gone_since != 0) {
		s->stats.returned++;
	}
	info->last_seen = s->now;
	info->gone_since = 0;
	info->source = s->source;
	if (s->contacts != NULL)
		*contacts = s->contacts[l->i];
	else
		memset(contacts, 0, sizeof(*contacts));
	return true;
}

/* A gone account keeps its contacts: its unit still reviews it. */
static bool fold_gone(struct account_info *info,
		      struct account_contacts *contacts, const void *arg)
{
	const struct sync *s = arg;

	(void)contacts;

	if (info->first_seen == 0 || info->gone_since != 0)
		return false;
	info->gone_since = s->now;
	return true;
}

static int listed_item(struct store_txn *t, size_t i, const void *_s,
		       const char **error_r)
{
	struct listed l = { (struct sync *)_s, i };
	bool newer = false;
	int ret;

	if (store_key_check(l.s->names[i], error_r) < 0)
		return -1;
	ret = account_fold(t, l.s->names[i], fold_listed, &l, &newer, error_r);
	if (newer)
		sync_skip(l.s, l.s->names[i]);
	return ret;
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

struct gone_list {
	const struct sync *s;
	char **names;
	size_t count, alloc;
	bool oom;
};

static int collect_gone(void *_g, const MDB_val *key, const MDB_val *val)
{
	struct gone_list *g = _g;
	struct account_info info;
	const char *derr;
	char *name;

	if (key->mv_size == 0 || key->mv_size > ACCOUNT_MAX ||
	    sorted_contains(g->s->names, g->s->count, key->mv_data, key->mv_size) ||
	    record_account_decode(val->mv_data, val->mv_size, &info, NULL, &derr) < 0 ||
	    info.gone_since != 0)
		return 0;
	if (g->count == g->alloc) {
		size_t n = g->alloc == 0 ? 256 : g->alloc * 2;
		char **p = realloc(g->names, n * sizeof(*p));
		if (p == NULL) {
			g->oom = true;
			return 1;
		}
		g->names = p;
		g->alloc = n;
	}
	name = strndup(key->mv_data, key->mv_size);
	if (name == NULL) {
		g->oom = true;
		return 1;
	}
	g->names[g->count++] = name;
	return 0;
}

struct gone_items {
	const struct sync *s;
	char *const *names;
};

static int gone_item(struct store_txn *t, size_t i, const void *_g,
		     const char **error_r)
{
	const struct gone_items *g = _g;

	return account_fold(t, g->names[i], fold_gone, g->s, NULL, error_r);
}

static void sync_free_skipped(struct sync *s)
{
	for (size_t i = 0; i < s->stats.skipped; i++)
		free(s->skipped[i]);
	free(s->skipped);
}

int store_accounts_sync(struct store *store, const char *const *names,
			const struct account_contacts *contacts, size_t count,
			enum account_source source, int64_t now,
			store_sync_skip_fn *skipped, void *skip_ctx,
			struct store_sync_stats *stats_r, const char **error_r)
{
	struct sync s = {
		names, contacts, count, source, now, { count, 0, 0, 0, 0 },
		NULL, 0, false,
	};
	struct gone_list g = { &s, NULL, 0, 0, false };
	struct gone_items gi;
	long gone;

	/* Phase 1: every listed account, in batches. */
	if (store_batch(store, count, listed_item, &s, "sync accounts",
			error_r) < 0 || s.oom) {
		if (s.oom)
			*error_r = "out of memory";
		sync_free_skipped(&s);
		return -1;
	}
	/* told after the writes: no caller's code runs under the writer lock */
	for (size_t i = 0; skipped != NULL && i < s.stats.skipped; i++)
		skipped(skip_ctx, s.skipped[i],
			"account record written by a newer dormant (upgrade this "
			"program); left alone, not synced");
	sync_free_skipped(&s);
	/* Phase 2: the accounts no longer listed, collected in one read pass,
	   then marked (never deleted) in batches. */
	if (store_scan(store, DB_ACCOUNTS, NULL, collect_gone, &g,
		       "sync accounts", error_r) < 0 || g.oom) {
		if (g.oom)
			*error_r = "out of memory";
		for (size_t i = 0; i < g.count; i++)
			free(g.names[i]);
		free(g.names);
		return -1;
	}
	gi.s = &s;
	gi.names = g.names;
	gone = store_batch(store, g.count, gone_item, &gi, "sync accounts", error_r);
	for (size_t i = 0; i < g.count; i++)
		free(g.names[i]);
	free(g.names);
	if (gone < 0)
		return -1;
	s.stats.gone = (unsigned long)gone;
	*stats_r = s.stats;
	return 0;
}

struct merge_items {
	const char *const *names;
	const struct account_info *infos;
};

/* A merge folds the directory's times; contacts stay this host's own
   (snapshots carry none). */
static bool fold_info(struct account_info *info,
		      struct account_contacts *contacts, const void *arg)
{
	(void)contacts;
	return account_info_merge(info, arg);
}

static int merge_item(struct store_txn *t, size_t i, const void *_m,
		      const char **error_r)
{
	const struct merge_items *m = _m;

	if (store_key_check(m->names[i], error_r) < 0)
		return -1;
	return account_fold(t, m->names[i], fold_info, &m->infos[i], NULL, error_r);
}

long store_accounts_merge_batch(struct store *store, const char *const *names,
				const struct account_info *infos, size_t count,
				const char **error_r)
{
	struct merge_items m = { names, infos };

	return store_batch(store, count, merge_item, &m, "merge accounts", error_r);
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

/* The merge pages through the three databases like store_scan: JOIN_PAGE
   accounts are decoded into memory in one read transaction, which ends
   before the callbacks run (see STORE_PAGE in store.c for why). */
#define JOIN_PAGE 64

struct join_item {
	char name[ACCOUNT_MAX + 1];
	size_t name_len;
	bool has_act, has_info, has_st;
	struct activity act;
	struct account_info info;
	struct account_contacts contacts;
	struct account_state st;
	char error[160];             /* "" when every record decoded */
};

struct join {
	struct join_item items[JOIN_PAGE];
	size_t n;
	bool more;
	uint8_t from[512];           /* the last key of the previous page */
	size_t from_len;
	bool have_from;
	uint8_t last[512];           /* the last key of this page (raw: a name
					that does not decode differs) */
	size_t last_len;
};

static void join_error(struct join_item *it, const char *error)
{
	if (it->error[0] == '\0')
		snprintf(it->error, sizeof(it->error), "%s", error);
}

/* Decode the records of one account (min) into it. */
static void join_fill(struct store *store, struct join *j,
		      struct join_item *it, const MDB_val *min,
		      const struct join_cursor jc[3], const bool match[3])
{
	const char *derr = NULL;

	/* no memset: the records are decoded whole, the rest is set here
	   (a page of items is a few hundred KiB, cleared per page it cost
	   more than the decoding) */
	it->has_act = it->has_info = it->has_st = false;
	it->error[0] = '\0';
	j->last_len = min->mv_size < sizeof(j->last) ? min->mv_size : sizeof(j->last);
	memcpy(j->last, min->mv_data, j->last_len);
	if (store_key_name(min, it->name, &it->name_len, &derr) < 0)
		join_error(it, derr);
	if (match[0]) {
		derr = NULL;
		if (record_activity_decode(jc[0].val.mv_data, jc[0].val.mv_size,
					   &it->act, &derr) == 0 &&
		    store_activity_times_ok(store, &it->act, &derr) == 0)
			it->has_act = true;
		else
			join_error(it, derr);
	}
	if (match[1]) {
		derr = NULL;
		if (record_account_decode(jc[1].val.mv_data, jc[1].val.mv_size,
					  &it->info, &it->contacts, &derr) < 0)
			join_error(it, derr);
		else if (it->info.first_seen > store->time_limit)
			join_error(it, "first seen lies in the future: not believed");
		else
			it->has_info = true;
	}
	if (match[2]) {
		derr = NULL;
		if (record_state_decode(jc[2].val.mv_data, jc[2].val.mv_size,
					&it->st, &derr) == 0)
			it->has_st = true;
		else
			join_error(it, derr);
	}
}

static int join_txn(struct store_txn *t, void *_j, const char **error_r)
{
	static const enum store_db join_dbs[3] = { DB_ACTIVITY, DB_ACCOUNTS, DB_STATE };
	struct store *store = t->store;
	struct join *j = _j;
	struct join_cursor jc[3];
	MDB_val from = { j->from_len, j->from };
	int ret = 0;

	j->n = 0;
	j->more = false;
	memset(jc, 0, sizeof(jc));
	for (int i = 0; i < 3 && ret == 0; i++) {
		if (!store->have_db[join_dbs[i]])
			continue;
		ret = mdb_cursor_open(t->txn, store->dbi[join_dbs[i]], &jc[i].cursor);
		if (ret == 0 && j->have_from) {
			jc[i].key = from;
			ret = join_next(&jc[i], MDB_SET_RANGE);
		} else if (ret == 0) {
			ret = join_next(&jc[i], MDB_FIRST);
		}
	}
	while (ret == 0) {
		const MDB_val *min = NULL;
		bool match[3], seen;

		for (int i = 0; i < 3; i++) {
			if (jc[i].valid && (min == NULL || key_cmp(&jc[i].key, min) < 0))
				min = &jc[i].key;
		}
		if (min == NULL)
			break;
		seen = j->have_from && key_cmp(min, &from) == 0;
		if (!seen && j->n == JOIN_PAGE) {
			j->more = true;
			break;
		}
		for (int i = 0; i < 3; i++)
			match[i] = jc[i].valid && key_cmp(&jc[i].key, min) == 0;
		if (!seen)
			join_fill(store, j, &j->items[j->n++], min, jc, match);
		/* min points into a cursor's key: advance only after copying */
		for (int i = 0; i < 3 && ret == 0; i++) {
			if (match[i])
				ret = join_next(&jc[i], MDB_NEXT);
		}
	}
	for (int i = 0; i < 3; i++) {
		if (jc[i].cursor != NULL)
			mdb_cursor_close(jc[i].cursor);
	}
	return store_txn_result(t, ret, error_r);
}

int store_account_foreach(struct store *store, store_account_cb *cb, void *ctx,
			  const char **error_r)
{
	struct join *j = calloc(1, sizeof(*j));
	int stopped = 0;

	if (j == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	do {
		if (store_read(store, join_txn, j, "reading accounts", error_r) < 0) {
			stopped = -1;
			break;
		}
		for (size_t i = 0; i < j->n && stopped == 0; i++) {
			struct join_item *it = &j->items[i];
			struct account_view view = {
				.account = it->name,
				.account_len = it->name_len,
				.activity = it->has_act ? &it->act : NULL,
				.info = it->has_info ? &it->info : NULL,
				.contacts = it->has_info &&
					!account_contacts_empty(&it->contacts) ?
					&it->contacts : NULL,
				.state = it->has_st ? &it->st : NULL,
				.decode_error = it->error[0] != '\0' ? it->error : NULL,
			};
			stopped = cb(ctx, &view);
		}
		if (j->n > 0) {
			memcpy(j->from, j->last, j->last_len);
			j->from_len = j->last_len;
			j->have_from = true;
		}
	} while (stopped == 0 && j->more);
	free(j);
	return stopped;
}

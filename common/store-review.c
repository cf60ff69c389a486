/* store-review.c - the review database (doc/DESIGN.md §7.7): raw keys and
 * values, which the reporter builds and decodes with review.h. Changes go
 * in one transaction with their audit entry, or in batches (a campaign's
 * frozen lists). */
#include "store-private.h"
#include "review-record.h"

#include <string.h>

/* review_one's stop, which no callback returns (they stop with 1) */
#define REVIEW_SCAN_DONE 0x7ffe0001

int store_review_get(struct store *store, const void *key, size_t klen,
		     void *buf, size_t bufsize, size_t *size_r,
		     const char **error_r)
{
	MDB_val k = { klen, (void *)key };
	int ret;

	if (klen == 0 || klen > REVIEW_KEY_MAX) {
		*error_r = "review key too long";
		return -1;
	}
	ret = store_get(store, DB_REVIEW, &k, buf, bufsize, size_r, error_r);
	if (ret > 0 && *size_r > bufsize) {
		/* longer than any record this program writes or reads */
		*error_r = "review record too long";
		return -1;
	}
	return ret;
}

struct review_change {
	const struct store_review_put *puts;
	size_t count;
	const char *audit_json;
	int64_t t;
};

static int review_put_one(struct store_txn *t, const struct store_review_put *p)
{
	MDB_val k = { p->klen, (void *)p->key }, v = { p->vlen, (void *)p->val };
	int ret;

	if (p->val != NULL)
		return mdb_put(t->txn, t->store->dbi[DB_REVIEW], &k, &v, 0);
	ret = mdb_del(t->txn, t->store->dbi[DB_REVIEW], &k, NULL);
	return ret == MDB_NOTFOUND ? 0 : ret;
}

static int review_txn(struct store_txn *t, void *_c, const char **error_r)
{
	struct review_change *c = _c;
	int ret = 0;

	for (size_t i = 0; i < c->count && ret == 0; i++)
		ret = review_put_one(t, &c->puts[i]);
	if (ret == 0 && c->audit_json != NULL)
		ret = store_txn_audit_put(t->store, t->txn, c->audit_json, c->t);
	return store_txn_result(t, ret, error_r);
}

static int review_check_puts(const struct store_review_put *puts, size_t count,
			     const char **error_r)
{
	for (size_t i = 0; i < count; i++) {
		if (puts[i].klen == 0 || puts[i].klen > REVIEW_KEY_MAX) {
			*error_r = "review key too long";
			return -1;
		}
	}
	return 0;
}

int store_review_write(struct store *store, const struct store_review_put *puts,
		       size_t count, const char *audit_json, int64_t t,
		       const char **error_r)
{
	struct review_change c = { puts, count, audit_json, t };

	if (store_check_writable(store, error_r) < 0 ||
	    review_check_puts(puts, count, error_r) < 0)
		return -1;
	return store_write(store, review_txn, &c, "write review", error_r) < 0 ? -1 : 0;
}

static int review_item(struct store_txn *t, size_t i, const void *ctx,
		       const char **error_r)
{
	const struct store_review_put *puts = ctx;

	return store_txn_result(t, review_put_one(t, &puts[i]), error_r);
}

int store_review_write_batch(struct store *store,
			     const struct store_review_put *puts, size_t count,
			     const char **error_r)
{
	if (store_check_writable(store, error_r) < 0 ||
	    review_check_puts(puts, count, error_r) < 0)
		return -1;
	return store_batch(store, count, review_item, puts, "write review",
			   error_r) < 0 ? -1 : 0;
}

struct review_scan {
	const void *prefix;
	size_t plen;
	store_review_cb *cb;
	void *ctx;
};

static int review_one(void *_s, const MDB_val *key, const MDB_val *val)
{
	struct review_scan *s = _s;

	if (key->mv_size < s->plen || memcmp(key->mv_data, s->prefix, s->plen) != 0)
		return REVIEW_SCAN_DONE;     /* past the prefix */
	return s->cb(s->ctx, key->mv_data, key->mv_size, val->mv_data,
		     val->mv_size);
}

int store_review_foreach(struct store *store, const void *prefix, size_t plen,
			 store_review_cb *cb, void *ctx, const char **error_r)
{
	struct review_scan s = { prefix, plen, cb, ctx };
	MDB_val start = { plen, (void *)prefix };
	int ret;

	ret = store_scan(store, DB_REVIEW, plen > 0 ? &start : NULL, review_one,
			 &s, "reading reviews", error_r);
	return ret == REVIEW_SCAN_DONE ? 0 : ret;
}

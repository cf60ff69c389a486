/* store-meta.c - small named integers (schema, tracking start, the
 * published thresholds) and the events database (wake-ups, refusals). */
#include "store-private.h"

#include <string.h>

struct meta_op {
	const char *name;
	int64_t value;
};

static int meta_get_txn(struct store_txn *t, void *_op, const char **error_r)
{
	struct meta_op *op = _op;
	int ret = store_txn_meta_get(t->txn, t->store->dbi[DB_META], op->name,
				     &op->value);

	return ret == MDB_NOTFOUND ? 0 : store_txn_result(t, ret, error_r);
}

static int meta_set_txn(struct store_txn *t, void *_op, const char **error_r)
{
	struct meta_op *op = _op;

	return store_txn_result(t, store_txn_meta_put(t->txn,
						     t->store->dbi[DB_META],
						     op->name, op->value),
				error_r);
}

int store_meta_get(struct store *store, const char *name, int64_t *value_r,
		   const char **error_r)
{
	struct meta_op op = { name, 0 };
	int ret;

	if (store_check(store, error_r) < 0)
		return -1;
	if (!store->have_db[DB_META])
		return 0;
	ret = store_read(store, meta_get_txn, &op, name, error_r);
	if (ret > 0)
		*value_r = op.value;
	return ret;
}

int store_meta_set(struct store *store, const char *name, int64_t value,
		   const char **error_r)
{
	struct meta_op op = { name, value };

	return store_write(store, meta_set_txn, &op, name, error_r) < 0 ? -1 : 0;
}

int store_tracking_start(struct store *store, int64_t *start_r,
			 const char **error_r)
{
	*start_r = 0;
	return store_meta_get(store, "tracking_start", start_r, error_r) < 0 ? -1 : 0;
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

int store_txn_event_put(struct store_txn *t, int64_t time, const char *account,
			const struct account_event *ev, bool keep,
			const char **error_r)
{
	uint8_t kbuf[8 + ACCOUNT_MAX], vbuf[RECORD_EVENT_SIZE];
	size_t alen = strlen(account);
	MDB_val key = { 8 + alen, kbuf }, val = { sizeof(vbuf), vbuf };
	int ret;

	if (store_key_check(account, error_r) < 0)
		return -1;
	byteorder_put_be(kbuf, time > 0 ? (uint64_t)time : 0, 8);
	memcpy(kbuf + 8, account, alen);
	record_event_encode(ev, vbuf);
	ret = mdb_put(t->txn, t->store->dbi[DB_EVENTS], &key, &val,
		      keep ? MDB_NOOVERWRITE : 0);
	return keep && ret == MDB_KEYEXIST ? 0 : store_txn_result(t, ret, error_r);
}

struct event_add {
	int64_t time;
	const char *account;
	const struct account_event *ev;
};

static int event_add_txn(struct store_txn *t, void *_a, const char **error_r)
{
	const struct event_add *a = _a;

	return store_txn_event_put(t, a->time, a->account, a->ev, false, error_r);
}

int store_event_add(struct store *store, int64_t t, const char *account,
		    const struct account_event *ev, const char **error_r)
{
	struct event_add a = { t, account, ev };

	if (store_key_check(account, error_r) < 0)
		return -1;
	return store_write(store, event_add_txn, &a, "record event", error_r) < 0 ?
		-1 : 0;
}

static int event_item(struct store_txn *t, size_t i, const void *ctx,
		      const char **error_r)
{
	const struct store_event_item *it = (const struct store_event_item *)ctx + i;

	/* an event already stored for this account and second stays: the
	   same one imported again (whose idle time may read differently now
	   that the database knows more), or one the milter or the plugin
	   recorded as it happened */
	return store_txn_event_put(t, it->time, it->account, &it->ev, true,
				   error_r);
}

long store_event_add_batch(struct store *store,
			   const struct store_event_item *items, size_t count,
			   const char **error_r)
{
	return store_batch(store, count, event_item, items, "record events",
			   error_r);
}

struct event_scan {
	int64_t until;
	store_event_cb *cb;
	void *ctx;
	bool past_until;             /* the scan stopped at until */
};

static int event_one(void *_s, const MDB_val *key, const MDB_val *val)
{
	struct event_scan *s = _s;
	char name[ACCOUNT_MAX + 1];
	MDB_val nkey;
	struct account_event ev;
	const char *derr;
	size_t alen;
	int64_t t;

	if (key->mv_size <= 8 || key->mv_size > 8 + ACCOUNT_MAX)
		return 0;
	t = (int64_t)byteorder_get_be(key->mv_data, 8);
	if (t >= s->until) {
		s->past_until = true;
		return 1;
	}
	nkey.mv_size = key->mv_size - 8;
	nkey.mv_data = (uint8_t *)key->mv_data + 8;
	if (store_key_name(&nkey, name, &alen, &derr) == 0 &&
	    record_event_decode(val->mv_data, val->mv_size, &ev, &derr) == 0)
		return s->cb(s->ctx, t, name, &ev);
	return s->cb(s->ctx, t, name, NULL);
}

int store_event_foreach(struct store *store, int64_t since, int64_t until,
			store_event_cb *cb, void *ctx, const char **error_r)
{
	struct event_scan s = { until, cb, ctx, false };
	uint8_t start[8];
	MDB_val skey = { sizeof(start), start };
	int ret;

	byteorder_put_be(start, since > 0 ? (uint64_t)since : 0, 8);
	ret = store_scan(store, DB_EVENTS, &skey, event_one, &s, "reading events",
			 error_r);
	/* reaching until is the end of the window, not a stop */
	return s.past_until ? 0 : ret;
}

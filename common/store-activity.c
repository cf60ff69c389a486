/* store-activity.c - the activity database: last login, send and receive
 * per account, updated by the max rule with write coalescing. */
#include "store-private.h"
#include "alert.h"

#include <stdio.h>
#include <string.h>

/* Read and decode one activity record inside txn: 1, 0, or -1. A
   record from a newer version is an error (never overwritten); a
   malformed one reads as empty with *malformed_r set, so that the next
   write replaces it. */
static int activity_read(struct store *store, MDB_txn *txn, const char *account,
			 struct activity *rec_r, bool *malformed_r,
			 const char **error_r)
{
	MDB_val key = store_account_key(account), val;
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
		*error_r = errmsg_printf("%s: read %s: %s", store->dir, account,
				         mdb_strerror(ret));
		return -1;
	}
	if (record_activity_decode(val.mv_data, val.mv_size, rec_r, &derr) < 0) {
		memset(rec_r, 0, sizeof(*rec_r));
		if (val.mv_size > 0 &&
		    ((const uint8_t *)val.mv_data)[0] > RECORD_ACTIVITY_VERSION) {
			*error_r = errmsg_printf("%s: %s", account, derr);
			return -1;
		}
		*malformed_r = true;
		return 0;
	}
	/* a time from the future is not believed: dropped here, so the
	   next write replaces it instead of losing to it for ever */
	if (store_activity_times_ok(store, rec_r, &derr) < 0) {
		if (rec_r->last_login > store->time_limit) {
			rec_r->last_login = 0;
			memset(&rec_r->login_ip, 0, sizeof(rec_r->login_ip));
			rec_r->login_service[0] = '\0';
		}
		if (rec_r->last_send > store->time_limit) {
			rec_r->last_send = 0;
			memset(&rec_r->send_ip, 0, sizeof(rec_r->send_ip));
		}
		if (rec_r->last_receive > store->time_limit)
			rec_r->last_receive = 0;
		*malformed_r = true;
	}
	return 1;
}

struct activity_op {
	const char *account;
	struct activity rec;
	bool malformed;
	int found;
	/* write: fold the record; true if it changed */
	bool (*fold)(struct activity *rec, const void *arg);
	const void *arg;
	/* a login or send whose news the caller wants (the event is arg),
	   or NULL */
	struct store_news *news;
	/* > 0: the news' event is raised with this threshold and written */
	int64_t dormant_after;
};

static int read_txn(struct store_txn *t, void *_op, const char **error_r)
{
	struct activity_op *op = _op;

	op->found = activity_read(t->store, t->txn, op->account, &op->rec,
				  &op->malformed, error_r);
	return op->found;
}

/* The networks record and the state of a login or send being written,
   in its transaction (doc/DESIGN.md §5.4). */
static int news_txn(struct store_txn *t, struct activity_op *op,
		    bool *changed_r, const char **error_r)
{
	const struct activity_event *ev = op->arg;
	struct store_news *news = op->news;
	struct netset_use use;
	int64_t since;

	news->suspended_since = 0;
	news->raised = false;
	memset(&use, 0, sizeof(use));
	use.kind = ev->kind == ACTIVITY_LOGIN ? NETSET_LOGIN : NETSET_SEND;
	use.time = ev->time;
	use.client = ev->client;
	use.webmail = ev->webmail;
	if (ev->ip != NULL)
		(void)ip_parse(ev->ip, &use.ip);
	if (store_txn_networks_observe(t, op->account, &use, &news->network,
				       changed_r, error_r) < 0 ||
	    store_txn_suspended_since(t, op->account, &since, error_r) < 0)
		return -1;
	/* the first activity since the suspension, not every one after */
	if (since > 0 && activity_last(&news->old) < since)
		news->suspended_since = since;
	return 0;
}

/* The event a login or send raises, in its write transaction: set in
   news->event and added to the events. 1 added, 0 none, -1. */
static int event_txn(struct store_txn *t, struct activity_op *op,
		     const char **error_r)
{
	const struct activity_event *ev = op->arg;
	struct store_news *news = op->news;
	const char *service = ev->service != NULL ? ev->service : "";

	news->raised = alert_event(news, ev->kind == ACTIVITY_SEND, ev->time,
				   op->dormant_after, &news->event);
	if (!news->raised)
		return 0;
	if (ev->ip != NULL)
		(void)ip_parse(ev->ip, &news->event.ip);
	snprintf(news->event.service, sizeof(news->event.service), "%s", service);
	return store_txn_event_put(t, ev->time, op->account, &news->event, false,
				   error_r);
}

static int write_txn(struct store_txn *t, void *_op, const char **error_r)
{
	struct activity_op *op = _op;
	uint8_t buf[RECORD_ACTIVITY_SIZE];
	bool changed, net_changed = false;
	MDB_val key, val;

	/* read again under the writer lock: another process may have written */
	if (read_txn(t, op, error_r) < 0)
		return -1;
	if (op->news != NULL)
		op->news->old = op->rec;
	changed = op->fold(&op->rec, op->arg) || op->malformed;
	/* a login in the same second as the stored one changes no time, but
	   may come from another network */
	if (op->news != NULL && news_txn(t, op, &net_changed, error_r) < 0)
		return -1;
	if (op->news != NULL && op->dormant_after > 0 &&
	    (changed || net_changed) &&
	    event_txn(t, op, error_r) < 0)
		return -1;
	if (!changed)
		return net_changed ? 1 : 0;
	record_activity_encode(&op->rec, buf);
	key = store_account_key(op->account);
	val.mv_size = sizeof(buf);
	val.mv_data = buf;
	return store_txn_result(t, mdb_put(t->txn, t->store->dbi[DB_ACTIVITY],
					   &key, &val, 0), error_r);
}

int store_activity_get(struct store *store, const char *account,
		       struct activity *rec_r, const char **error_r)
{
	struct activity_op op = { .account = account };

	if (store_key_check(account, error_r) < 0 ||
	    store_read(store, read_txn, &op, "read activity", error_r) < 0)
		return -1;
	*rec_r = op.rec;
	return op.found;
}

static bool fold_event(struct activity *rec, const void *arg)
{
	return activity_apply(rec, arg);
}

static bool fold_record(struct activity *rec, const void *arg)
{
	return activity_merge(rec, arg);
}

int store_activity_record(struct store *store, const char *account,
			  const struct activity_event *ev,
			  unsigned int update_interval, int64_t dormant_after,
			  struct store_news *news_r, const char **error_r)
{
	struct activity_op op = {
		.account = account, .fold = fold_event, .arg = ev,
		.dormant_after = dormant_after,
	};

	memset(news_r, 0, sizeof(*news_r));
	if (store_key_check(account, error_r) < 0 ||
	    store_check_writable(store, error_r) < 0)
		return -1;
	/* The cheap path: one read-only transaction, no writer lock. */
	if (store_read(store, read_txn, &op, "read activity", error_r) < 0)
		return -1;
	news_r->old = op.rec;
	if (!op.malformed && activity_is_fresh(&op.rec, ev, update_interval))
		return 0;
	if (ev->kind == ACTIVITY_LOGIN || ev->kind == ACTIVITY_SEND)
		op.news = news_r;
	return store_write(store, write_txn, &op, "write activity", error_r);
}

int store_activity_update(struct store *store, const char *account,
			  const struct activity_event *ev,
			  unsigned int update_interval,
			  struct activity *old_r, const char **error_r)
{
	struct store_news news;
	int ret;

	ret = store_activity_record(store, account, ev, update_interval, 0, &news,
				    error_r);
	if (old_r != NULL)
		*old_r = news.old;
	return ret;
}

int store_activity_merge(struct store *store, const char *account,
			 const struct activity *rec, const char **error_r)
{
	struct activity_op op = { .account = account, .fold = fold_record, .arg = rec };

	if (store_key_check(account, error_r) < 0)
		return -1;
	return store_write(store, write_txn, &op, "merge activity", error_r);
}

struct merge_items {
	const char *const *names;
	const struct activity *recs;
};

static int merge_item(struct store_txn *t, size_t i, const void *_ctx,
		      const char **error_r)
{
	const struct merge_items *ctx = _ctx;
	struct activity_op op = {
		.account = ctx->names[i], .fold = fold_record, .arg = &ctx->recs[i],
	};

	if (store_key_check(op.account, error_r) < 0)
		return -1;
	return write_txn(t, &op, error_r);
}

long store_activity_merge_batch(struct store *store, const char *const *names,
				const struct activity *recs, size_t count,
				const char **error_r)
{
	struct merge_items ctx = { names, recs };

	return store_batch(store, count, merge_item, &ctx, "merge activity",
			   error_r);
}

struct foreach {
	store_activity_cb *cb;
	void *ctx;
	const struct store *store;
};

static int foreach_one(void *_f, const MDB_val *key, const MDB_val *val)
{
	struct foreach *f = _f;
	char name[ACCOUNT_MAX + 1];
	struct activity rec;
	const char *derr = NULL;
	size_t len;

	if (store_key_name(key, name, &len, &derr) == 0 &&
	    record_activity_decode(val->mv_data, val->mv_size, &rec, &derr) == 0 &&
	    store_activity_times_ok(f->store, &rec, &derr) == 0)
		return f->cb(f->ctx, name, len, &rec, NULL);
	return f->cb(f->ctx, name, len, NULL, derr);
}

int store_activity_foreach(struct store *store, store_activity_cb *cb,
			   void *ctx, const char **error_r)
{
	struct foreach f = { cb, ctx, store };

	return store_scan(store, DB_ACTIVITY, NULL, foreach_one, &f,
			  "reading activity", error_r);
}

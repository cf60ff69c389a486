/* store-state.c - the CLI's decisions: account states (suspended, exempt,
 * grace) with their audit trail in the same transaction, and the notices
 * sent to owners. */
#include "store-private.h"

#include <string.h>
#include <time.h>

/* Audit keys sort by time: 8-byte big-endian seconds, then a 4-byte
   big-endian sequence number for entries within the same second. */
#define AUDIT_KEY_SIZE 12
/* Notice record: version byte, 7 reserved, sent (8), period (8), then
   (appended, still version 1) reminded (8); a 24-byte record has none. */
#define NOTICE_SIZE_V1 24
#define NOTICE_SIZE 32

static int decode_state(const void *data, size_t size, void *out,
			const char **error_r)
{
	return record_state_decode(data, size, out, error_r);
}

int store_state_get(struct store *store, const char *account,
		    struct account_state *st_r, const char **error_r)
{
	return store_get_record(store, DB_STATE, account, decode_state, st_r,
				"state", error_r);
}

/* The key after the newest audit entry, for time t. */
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
		last_time = byteorder_get_be(k.mv_data, 8);
		seq = byteorder_get_be((const uint8_t *)k.mv_data + 8, 4);
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
	byteorder_put_be(key, now, 8);
	byteorder_put_be(key + 8, seq, 4);
	return 0;
}

int store_txn_audit_put(struct store *store, MDB_txn *txn, const char *json,
		     int64_t t)
{
	uint8_t akey[AUDIT_KEY_SIZE];
	MDB_val ak = { sizeof(akey), akey }, av = { strlen(json), (void *)json };
	int ret = audit_next_key(store, txn, t, akey);

	if (ret == 0)
		ret = mdb_put(txn, store->dbi[DB_AUDIT], &ak, &av, MDB_NOOVERWRITE);
	return ret;
}

struct state_change {
	const char *account;
	const struct account_state *st;
	const char *audit_json;
	int64_t t;
};

static int state_txn(struct store_txn *t, void *_c, const char **error_r)
{
	struct state_change *c = _c;
	struct store *store = t->store;
	MDB_txn *txn = t->txn;
	uint8_t buf[RECORD_STATE_MAX];
	MDB_val key = store_account_key(c->account), val;
	int ret;

	if (c->st != NULL) {
		val.mv_size = record_state_encode(c->st, buf, sizeof(buf));
		val.mv_data = buf;
		ret = mdb_put(txn, store->dbi[DB_STATE], &key, &val, 0);
	} else {
		ret = mdb_del(txn, store->dbi[DB_STATE], &key, NULL);
		if (ret == MDB_NOTFOUND)
			ret = 0;
	}
	if (ret == 0)
		ret = store_txn_audit_put(store, txn, c->audit_json, c->t);
	return store_txn_result(t, ret, error_r);
}

int store_state_set_at(struct store *store, const char *account,
		       const struct account_state *st, const char *audit_json,
		       int64_t t, const char **error_r)
{
	struct state_change c = { account, st, audit_json, t };

	if (store_key_check(account, error_r) < 0)
		return -1;
	if (st != NULL && st->kind == STATE_NONE) {
		*error_r = "state kind none: clear the state instead";
		return -1;
	}
	return store_write(store, state_txn, &c, "change state", error_r) < 0 ? -1 : 0;
}

int store_state_set(struct store *store, const char *account,
		    const struct account_state *st, const char *audit_json,
		    const char **error_r)
{
	return store_state_set_at(store, account, st, audit_json, time(NULL),
				  error_r);
}

struct state_foreach {
	store_state_cb *cb;
	void *ctx;
};

static int state_one(void *_f, const MDB_val *key, const MDB_val *val)
{
	struct state_foreach *f = _f;
	char name[ACCOUNT_MAX + 1];
	struct account_state st;
	const char *derr = NULL;
	size_t len;

	if (store_key_name(key, name, &len, &derr) == 0 &&
	    record_state_decode(val->mv_data, val->mv_size, &st, &derr) == 0)
		return f->cb(f->ctx, name, &st, NULL);
	return f->cb(f->ctx, name, NULL, derr);
}

int store_state_foreach(struct store *store, store_state_cb *cb, void *ctx,
			const char **error_r)
{
	struct state_foreach f = { cb, ctx };

	return store_scan(store, DB_STATE, NULL, state_one, &f, "reading states",
			  error_r);
}

struct audit_foreach {
	store_audit_cb *cb;
	void *ctx;
};

static int audit_one(void *_f, const MDB_val *key, const MDB_val *val)
{
	struct audit_foreach *f = _f;

	if (key->mv_size != AUDIT_KEY_SIZE)
		return 0;
	return f->cb(f->ctx, (int64_t)byteorder_get_be(key->mv_data, 8), val->mv_data,
		     val->mv_size);
}

int store_audit_foreach(struct store *store, int64_t since, store_audit_cb *cb,
			void *ctx, const char **error_r)
{
	struct audit_foreach f = { cb, ctx };
	uint8_t start[AUDIT_KEY_SIZE];
	MDB_val skey = { sizeof(start), start };

	byteorder_put_be(start, since > 0 ? (uint64_t)since : 0, 8);
	byteorder_put_be(start + 8, 0, 4);
	return store_scan(store, DB_AUDIT, &skey, audit_one, &f, "reading audit",
			  error_r);
}

int store_notice_get(struct store *store, const char *account,
		     struct notice *notice_r, const char **error_r)
{
	uint8_t buf[NOTICE_SIZE];
	MDB_val key = store_account_key(account);
	size_t size;
	int ret;

	if (store_key_check(account, error_r) < 0)
		return -1;
	ret = store_get(store, DB_NOTICES, &key, buf, sizeof(buf), &size, error_r);
	if (ret <= 0)
		return ret;
	if (size < NOTICE_SIZE_V1 || buf[0] != 1) {
		*error_r = errmsg_printf("%s: notice of %s: corrupt record", store->dir,
				         account);
		return -1;
	}
	notice_r->sent = get_le64(buf + 8);
	notice_r->period = get_le64(buf + 16);
	notice_r->reminded = size >= NOTICE_SIZE ? get_le64(buf + 24) : 0;
	return 1;
}

static void notice_encode(const struct notice *notice, uint8_t buf[NOTICE_SIZE])
{
	memset(buf, 0, NOTICE_SIZE);
	buf[0] = 1;
	put_le64(buf + 8, notice->sent);
	put_le64(buf + 16, notice->period);
	put_le64(buf + 24, notice->reminded);
}

int store_notice_set(struct store *store, const char *account,
		     const struct notice *notice, const char **error_r)
{
	uint8_t buf[NOTICE_SIZE];
	MDB_val key = store_account_key(account), val = { sizeof(buf), buf };

	if (store_key_check(account, error_r) < 0)
		return -1;
	notice_encode(notice, buf);
	return store_put(store, DB_NOTICES, &key, &val, "record notice", error_r);
}

struct notice_change {
	const char *account;
	const struct notice *notice;
	const char *audit_json;
	int64_t t;
};

static int notice_txn(struct store_txn *t, void *_c, const char **error_r)
{
	struct notice_change *c = _c;
	uint8_t buf[NOTICE_SIZE];
	MDB_val key = store_account_key(c->account), val = { sizeof(buf), buf };
	int ret;

	notice_encode(c->notice, buf);
	ret = mdb_put(t->txn, t->store->dbi[DB_NOTICES], &key, &val, 0);
	if (ret == 0)
		ret = store_txn_audit_put(t->store, t->txn, c->audit_json, c->t);
	return store_txn_result(t, ret, error_r);
}

int store_notice_set_audited(struct store *store, const char *account,
			     const struct notice *notice, const char *audit_json,
			     int64_t t, const char **error_r)
{
	struct notice_change c = { account, notice, audit_json, t };

	if (store_key_check(account, error_r) < 0)
		return -1;
	return store_write(store, notice_txn, &c, "record notice", error_r) < 0 ? -1 : 0;
}

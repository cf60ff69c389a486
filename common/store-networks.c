/* store-networks.c - the networks database: per account, the recent /24
 * and /48 networks it was used from (netset.h), written in the
 * transaction of the login or send that used them (store-activity.c). */
#include "store-private.h"

#include <string.h>

/* Read account's set inside txn: 1 found, 0 none (or a record that must
   be replaced: *replace_r), -1 LMDB error. A newer version is 1 with
   *newer_r set: it is never overwritten. */
static int networks_read(struct store *store, MDB_txn *txn, const char *account,
			 struct netset *set_r, bool *newer_r, const char **error_r)
{
	MDB_val key = store_account_key(account), val;
	const char *derr;
	int ret;

	*newer_r = false;
	memset(set_r, 0, sizeof(*set_r));
	if (!store->have_db[DB_NETWORKS])
		return 0;
	ret = mdb_get(txn, store->dbi[DB_NETWORKS], &key, &val);
	if (ret == MDB_NOTFOUND)
		return 0;
	if (ret != 0) {
		*error_r = errmsg_printf("%s: read networks of %s: %s", store->dir,
				         account, mdb_strerror(ret));
		return -1;
	}
	if (record_netset_decode(val.mv_data, val.mv_size, set_r, &derr) < 0) {
		memset(set_r, 0, sizeof(*set_r));
		*newer_r = val.mv_size > 0 &&
			((const uint8_t *)val.mv_data)[0] > RECORD_NETSET_VERSION;
		return 0;
	}
	/* times from the future are not believed: those networks are
	   learnt again */
	(void)netset_drop_future(set_r, store->time_limit);
	return 1;
}

int store_txn_networks_observe(struct store_txn *t, const char *account,
			       const struct netset_use *use,
			       enum netset_result *result_r, bool *changed_r,
			       const char **error_r)
{
	struct store *store = t->store;
	uint8_t buf[RECORD_NETSET_MAX];
	struct netset set;
	MDB_val key, val;
	bool newer;

	*result_r = NETSET_NONE;
	*changed_r = false;
	if (use->ip.family == 0 || !store->have_db[DB_NETWORKS])
		return 0;
	if (networks_read(store, t->txn, account, &set, &newer, error_r) < 0)
		return -1;
	if (newer)
		return 0;
	*result_r = netset_observe(&set, use, changed_r);
	if (!*changed_r)
		return 0;
	key = store_account_key(account);
	val.mv_size = record_netset_encode(&set, buf);
	val.mv_data = buf;
	return store_txn_result(t, mdb_put(t->txn, store->dbi[DB_NETWORKS], &key,
					   &val, 0), error_r) < 0 ? -1 : 0;
}

int store_txn_suspended_since(struct store_txn *t, const char *account,
			      int64_t *since_r, const char **error_r)
{
	struct store *store = t->store;
	MDB_val key = store_account_key(account), val;
	struct account_state st;
	const char *derr;
	int ret;

	*since_r = 0;
	if (!store->have_db[DB_STATE])
		return 0;
	ret = mdb_get(t->txn, store->dbi[DB_STATE], &key, &val);
	if (ret == MDB_NOTFOUND)
		return 0;
	if (ret != 0)
		return store_txn_result(t, ret, error_r);
	if (record_state_decode(val.mv_data, val.mv_size, &st, &derr) == 0 &&
	    st.kind == STATE_SUSPENDED)
		/* a suspension "at 0" still counts */
		*since_r = st.since > 0 ? st.since : 1;
	return 0;
}

static int decode_networks(const void *data, size_t size, void *out,
			   const char **error_r)
{
	return record_netset_decode(data, size, out, error_r);
}

int store_networks_get(struct store *store, const char *account,
		       struct netset *set_r, const char **error_r)
{
	int ret;

	ret = store_get_record(store, DB_NETWORKS, account, decode_networks, set_r,
			       "networks", error_r);
	if (ret > 0)
		(void)netset_drop_future(set_r, store->time_limit);
	return ret;
}

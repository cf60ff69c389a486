/* store-history.c - the history database: one record a month, keyed
 * "YYYY-MM", the month's counts as last recorded (history.h,
 * doc/DESIGN.md §3.2). Written only by commands that change the database
 * (sync); read by the trend and the reports. */
#include "store-private.h"

#include <string.h>

int store_history_put(struct store *store, const char *month, const void *rec,
		      size_t size, const char **error_r)
{
	MDB_val key = { strlen(month), (void *)month };
	MDB_val val = { size, (void *)rec };

	if (store_check_writable(store, error_r) < 0)
		return -1;
	if (key.mv_size != 7) {
		*error_r = "history key is not a month (YYYY-MM)";
		return -1;
	}
	return store_put(store, DB_HISTORY, &key, &val, "write history", error_r);
}

struct history_scan {
	store_history_cb *cb;
	void *ctx;
};

static int history_one(void *ctx, const MDB_val *key, const MDB_val *val)
{
	struct history_scan *h = ctx;

	return h->cb(h->ctx, key->mv_data, key->mv_size, val->mv_data,
		     val->mv_size);
}

int store_history_foreach(struct store *store, store_history_cb *cb, void *ctx,
			  const char **error_r)
{
	struct history_scan h = { cb, ctx };

	return store_scan(store, DB_HISTORY, NULL, history_one, &h,
			  "read history", error_r);
}

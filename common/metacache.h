/* metacache.h - a meta integer (store_meta_get) read at most once every
 * ttl seconds, for a long-lived process that needs it on a hot path: the
 * milter's wake-up threshold, which the CLI publishes (doc/DESIGN.md
 * §5.4). Thread-safe: one read at a time refreshes it, the others wait
 * for that read instead of making their own. */
#ifndef DORMANT_METACACHE_H
#define DORMANT_METACACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "store.h"

struct meta_cache {
	pthread_mutex_t lock;
	const char *name;            /* the meta key */
	unsigned int ttl;            /* seconds a value is used unread */
	bool valid;                  /* value/read_at hold a read */
	int64_t value;               /* 0: none stored (or unreadable) */
	int64_t read_at;
};

#define META_CACHE_INIT(key, seconds) \
	{ PTHREAD_MUTEX_INITIALIZER, (key), (seconds), false, 0, 0 }

/* The value stored under c->name, read from store when the last read is
   ttl seconds or more before now (or after it: a clock set back), or
   after meta_cache_forget; fallback when none is stored, it is not
   positive, or the read fails (tried again after ttl: a broken database
   costs one read a ttl, not one per call). */
int64_t meta_cache_get(struct meta_cache *c, struct store *store, int64_t now,
		       int64_t fallback);
/* Read again at the next get (the configuration was reloaded, or the
   database replaced). */
void meta_cache_forget(struct meta_cache *c);

#endif

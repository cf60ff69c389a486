/* metacache.c - a cached meta integer (metacache.h). */
#include "metacache.h"

int64_t meta_cache_get(struct meta_cache *c, struct store *store, int64_t now,
		       int64_t fallback)
{
	const char *error;
	int64_t value;

	pthread_mutex_lock(&c->lock);
	if (!c->valid || now < c->read_at || now - c->read_at >= (int64_t)c->ttl) {
		if (store_meta_get(store, c->name, &value, &error) <= 0)
			value = 0;
		c->value = value;
		c->read_at = now;
		c->valid = true;
	}
	value = c->value;
	pthread_mutex_unlock(&c->lock);
	return value > 0 ? value : fallback;
}

void meta_cache_forget(struct meta_cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->valid = false;
	pthread_mutex_unlock(&c->lock);
}

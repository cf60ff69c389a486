/* test-metacache.c - the milter's cached threshold (metacache.h): a
 * changed value is seen within the ttl and not read before, at once after
 * a forget, and the fallback stands in for none. */
#include "storetest.h"
#include "metacache.h"

void test_meta_cache(void **state)
{
	struct fixture *f = *state;
	struct meta_cache c = META_CACHE_INIT("dormant_after", 60);
	const char *error = NULL;

	open_store(f, 0);
	/* nothing published: the fallback */
	assert_int_equal(meta_cache_get(&c, f->store, 1000, 77), 77);
	assert_int_equal(store_meta_set(f->store, "dormant_after", 500, &error), 0);
	/* within the ttl: not read again */
	assert_int_equal(meta_cache_get(&c, f->store, 1059, 77), 77);
	/* at the bound: read */
	assert_int_equal(meta_cache_get(&c, f->store, 1060, 77), 500);
	assert_int_equal(store_meta_set(f->store, "dormant_after", 600, &error), 0);
	assert_int_equal(meta_cache_get(&c, f->store, 1119, 77), 500);
	assert_int_equal(meta_cache_get(&c, f->store, 1120, 77), 600);
	/* a reload: read at once */
	assert_int_equal(store_meta_set(f->store, "dormant_after", 700, &error), 0);
	meta_cache_forget(&c);
	assert_int_equal(meta_cache_get(&c, f->store, 1121, 77), 700);
	/* a clock set back reads again */
	assert_int_equal(store_meta_set(f->store, "dormant_after", 800, &error), 0);
	assert_int_equal(meta_cache_get(&c, f->store, 900, 77), 800);
	/* a value that is no threshold: the fallback (another one now) */
	assert_int_equal(store_meta_set(f->store, "dormant_after", -5, &error), 0);
	meta_cache_forget(&c);
	assert_int_equal(meta_cache_get(&c, f->store, 901, 88), 88);
}

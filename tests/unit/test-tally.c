/* test-tally.c - the report's counts by domain and by unit
 * (reporter/tally.c): names counted in any order come out sorted with
 * their counts, and many distinct names cost time linear in their number
 * (a hosting provider's 100,000 domains, a directory of offices). */
#include "testutil.h"
#include "tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Unsorted, runs and returns, the empty name, byte order past ASCII. */
static const struct { const char *name; enum account_status status; } adds[] = {
	{ "example.org", STATUS_ACTIVE }, { "b.example", STATUS_DORMANT },
	{ "example.org", STATUS_DORMANT }, { "example.org", STATUS_DORMANT },
	{ "", STATUS_NEVER_USED }, { "S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh", STATUS_ACTIVE },
	{ "a.example", STATUS_IDLE }, { "b.example", STATUS_ACTIVE },
	{ "Sa", STATUS_SUSPENDED }, { "", STATUS_ACTIVE },
};

static const struct { const char *name; unsigned long total, active, dormant; } want[] = {
	{ "", 2, 1, 0 }, { "Sa", 1, 0, 0 },
	{ "S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh", 1, 1, 0 },
	{ "a.example", 1, 0, 0 }, { "b.example", 2, 1, 1 },
	{ "example.org", 3, 1, 2 },
};

static void test_tally_counts_sorted(void **state)
{
	struct tally t;
	bool keep[N(want) + 1];

	memset(&t, 0, sizeof(t));
	T_BEGIN();
	for (size_t i = 0; i < N(adds); i++)
		T_CHECK(tally_add(&t, adds[i].name, adds[i].status) == 0, "add %zu", i);
	tally_sort(&t);
	T_CHECK(t.n == N(want), "%zu names, expected %zu", t.n, N(want));
	for (size_t i = 0; i < N(want) && i < t.n; i++) {
		const struct tally_entry *e = &t.items[i];

		T_CHECK(strcmp(e->name, want[i].name) == 0 &&
			e->total == want[i].total &&
			e->counts[STATUS_ACTIVE] == want[i].active &&
			e->counts[STATUS_DORMANT] == want[i].dormant,
			"item %zu: '%s' %lu (active %lu, dormant %lu)", i, e->name,
			e->total, e->counts[STATUS_ACTIVE], e->counts[STATUS_DORMANT]);
	}
	/* counting goes on after a sort: the same entries, sorted again */
	T_CHECK(tally_add(&t, "a.example", STATUS_ACTIVE) == 0 &&
		tally_add(&t, "0", STATUS_ACTIVE) == 0, "add after sort");
	tally_sort(&t);
	T_CHECK(t.n == N(want) + 1 && strcmp(t.items[0].name, "") == 0 &&
		strcmp(t.items[1].name, "0") == 0 && t.items[4].total == 2,
		"after sort: %zu names, '%s' '%s' %lu", t.n, t.items[0].name,
		t.items[1].name, t.items[4].total);
	/* the two largest, ties to the earlier name */
	T_CHECK(tally_top(&t, 2, NULL, keep) == 0 && keep[0] && keep[6] &&
		!keep[1] && !keep[4] && !keep[5], "top: not the largest or ties "
		"not to the earlier name");
	tally_free(&t);
	T_CHECK(t.n == 0 && t.items == NULL, "freed");
	T_END();
}

/* 200,000 distinct names in scrambled order, each counted twice: every
   count right, sorted, and in linear time. Kept sorted on each insert
   (the code before) this took 15 s; the bound is loose for a loaded
   machine and a sanitizer build. */
#define MANY 200000
static void test_tally_many_names(void **state)
{
	struct timespec a, b;
	struct tally t;
	char name[32];
	bool ok = true;
	double secs;

	memset(&t, 0, sizeof(t));
	T_BEGIN();
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < MANY && ok; i++) {
			snprintf(name, sizeof(name), "unit-%08x",
				 (unsigned)(i * 2654435761u));
			ok = tally_add(&t, name, pass == 0 ? STATUS_ACTIVE :
				       STATUS_DORMANT) == 0;
		}
	}
	tally_sort(&t);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	T_CHECK(ok && t.n == MANY, "%zu names", t.n);
	for (size_t i = 0; i < t.n; i++) {
		const struct tally_entry *e = &t.items[i];

		if ((i > 0 && strcmp(t.items[i - 1].name, e->name) >= 0) ||
		    e->total != 2 || e->counts[STATUS_ACTIVE] != 1 ||
		    e->counts[STATUS_DORMANT] != 1) {
			T_CHECK(false, "item %zu '%s' out of order or miscounted", i,
				e->name);
			break;
		}
	}
	T_CHECK(secs < 4.0, "%d names took %.1f s", MANY, secs);
	tally_free(&t);
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tally_counts_sorted),
		cmocka_unit_test(test_tally_many_names),
	};

	test_init();
	return cmocka_run_group_tests_name("tally", tests, NULL, NULL);
}

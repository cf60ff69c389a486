/* tally.c - counts by status under a sorted name (tally.h). */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

static struct tally_entry *tally_get(struct tally *t, const char *name)
{
	size_t lo = 0, hi = t->n;
	struct tally_entry *e;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->items[mid].name, name);
		if (c == 0)
			return &t->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	e = realloc(t->items, (t->n + 1) * sizeof(*e));
	if (e == NULL)
		return NULL;
	t->items = e;
	memmove(e + lo + 1, e + lo, (t->n - lo) * sizeof(*e));
	memset(&e[lo], 0, sizeof(e[lo]));
	e[lo].name = strdup(name);
	if (e[lo].name == NULL) {
		memmove(e + lo, e + lo + 1, (t->n - lo) * sizeof(*e));
		return NULL;
	}
	t->n++;
	return &e[lo];
}

int tally_add(struct tally *t, const char *name, enum account_status status)
{
	/* accounts come sorted, so one domain's run is usually contiguous */
	if (t->last == NULL || strcmp(t->last->name, name) != 0)
		t->last = tally_get(t, name);
	if (t->last == NULL)
		return -1;
	t->last->counts[status]++;
	t->last->total++;
	return 0;
}

/* Largest total first, then by name. */
static int rank_cmp(const void *a, const void *b)
{
	const struct tally_entry *x = *(const struct tally_entry *const *)a;
	const struct tally_entry *y = *(const struct tally_entry *const *)b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->name, y->name);
}

int tally_top(const struct tally *t, size_t max, bool (*ok)(const char *name),
	      bool *keep_r)
{
	const struct tally_entry **rank;
	size_t n = 0;

	memset(keep_r, 0, t->n * sizeof(*keep_r));
	rank = calloc(t->n + 1, sizeof(*rank));
	if (rank == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		if (ok == NULL || ok(t->items[i].name))
			rank[n++] = &t->items[i];
	}
	if (n > max) {
		qsort(rank, n, sizeof(*rank), rank_cmp);
		n = max;
	}
	for (size_t j = 0; j < n; j++)
		keep_r[rank[j] - t->items] = true;
	free(rank);
	return 0;
}

void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->items[i].name);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

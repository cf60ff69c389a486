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

void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->items[i].name);
	free(t->items);
	memset(t, 0, sizeof(*t));
}

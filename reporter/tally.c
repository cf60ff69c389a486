/* tally.c - counts by status under a name (tally.h): a hash table while
 * counting, one sort at the end. Kept sorted on every insert, a report of
 * 100,000 domains moved 10^10 bytes (seconds at every sync). */
#include "tally.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint64_t tally_seed;

/* FNV-1a from a per-process random basis, then a finaliser (MurmurHash3's
   fmix64) so that the low bits, which pick the slot, depend on every
   byte. */
static uint64_t tally_hash(const char *name)
{
	uint64_t h;

	if (tally_seed == 0) {
		if (getrandom(&tally_seed, sizeof(tally_seed), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(tally_seed))
			tally_seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&h;
		tally_seed |= 1;
	}
	h = tally_seed ^ 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The slot holding name, or the empty slot where it belongs. */
static size_t *tally_slot(const struct tally *t, const char *name)
{
	size_t mask = t->nslots - 1, i = (size_t)tally_hash(name) & mask;

	while (t->slots[i] != 0 &&
	       strcmp(t->items[t->slots[i] - 1].name, name) != 0)
		i = (i + 1) & mask;
	return &t->slots[i];
}

/* Fill the (empty) table with every item's index. */
static void tally_index(struct tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		*tally_slot(t, t->items[i].name) = i + 1;
}

/* Rebuild the table with nslots slots (a power of two above 2 n). */
static int tally_rehash(struct tally *t, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return -1;
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	tally_index(t);
	return 0;
}

/* The entry of name, added when new; NULL out of memory. */
static struct tally_entry *tally_get(struct tally *t, const char *name)
{
	struct tally_entry *e;
	size_t *slot;

	if (t->nslots / 2 <= t->n &&
	    tally_rehash(t, t->nslots == 0 ? 64 : t->nslots * 2) < 0)
		return NULL;
	slot = tally_slot(t, name);
	if (*slot != 0)
		return &t->items[*slot - 1];
	if (t->n == t->alloc) {
		size_t alloc = t->alloc == 0 ? 32 : t->alloc * 2;

		e = realloc(t->items, alloc * sizeof(*e));
		if (e == NULL)
			return NULL;
		t->items = e;
		t->alloc = alloc;
	}
	e = &t->items[t->n];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (e->name == NULL)
		return NULL;
	*slot = ++t->n;
	return e;
}

int tally_add(struct tally *t, const char *name, enum account_status status)
{
	struct tally_entry *e;

	/* a run of one domain's accounts skips the hash */
	if (t->last != 0 && strcmp(t->items[t->last - 1].name, name) == 0) {
		e = &t->items[t->last - 1];
	} else {
		e = tally_get(t, name);
		if (e == NULL)
			return -1;
		t->last = (size_t)(e - t->items) + 1;
	}
	e->counts[status]++;
	e->total++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tally_entry *)a)->name,
		      ((const struct tally_entry *)b)->name);
}

void tally_sort(struct tally *t)
{
	if (t->n > 1)
		qsort(t->items, t->n, sizeof(*t->items), name_cmp);
	/* the indices moved: rebuild in place (the table's size stays) */
	if (t->nslots > 0) {
		memset(t->slots, 0, t->nslots * sizeof(*t->slots));
		tally_index(t);
	}
	t->last = 0;
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
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* tally.h - counts of accounts by status under a name (a domain, a
 * unit), sorted by name for the report's tables and the history. */
#ifndef DORMANT_TALLY_H
#define DORMANT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy.h"

struct tally_entry {
	char *name;
	unsigned long counts[STATUS_COUNT];
	unsigned long total;
};

struct tally {
	/* in the order first counted until tally_sort(), then by name
	   (strcmp) */
	struct tally_entry *items;
	size_t n, alloc;
	/* the names' hash table (open addressing): item index + 1, 0 empty;
	   its size a power of two at least twice n. Names are the database's
	   (a unit contact, a domain), so the hash is keyed per process and a
	   planted set of names cannot make every lookup collide. */
	size_t *slots;
	size_t nslots;
	size_t last;                 /* the last name counted: index + 1, 0 none */
};

/* Count one account of status under name: amortised constant time, so
   100,000 distinct names cost no more than 100,000 accounts of one.
   0, or -1 out of memory (t unchanged). */
int tally_add(struct tally *t, const char *name, enum account_status status);
/* Order the items by name (strcmp), as the tables and the history record
   want them; call after the last tally_add. */
void tally_sort(struct tally *t);
/* Mark keep_r[i] for the (at most max) entries of t with the largest
   totals, ties to the earlier name, among those ok accepts (ok NULL: all):
   which units get a place of their own where places are bounded (the
   history record, the metrics). keep_r has t->n entries. 0, or -1 out
   of memory. */
int tally_top(const struct tally *t, size_t max, bool (*ok)(const char *name),
	      bool *keep_r);
/* Free the entries; t is empty again. */
void tally_free(struct tally *t);

#endif

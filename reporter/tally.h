/* tally.h - counts of accounts by status under a name (a domain, a
 * unit), kept sorted by name for the report's tables and the history. */
#ifndef DORMANT_TALLY_H
#define DORMANT_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include "policy.h"

struct tally_entry {
	char *name;
	unsigned long counts[STATUS_COUNT];
	unsigned long total;
};

struct tally {
	struct tally_entry *items;   /* sorted by name (strcmp) */
	size_t n;
	struct tally_entry *last;    /* lookup cache; NULL after an insert */
};

/* Count one account of status under name. 0, or -1 out of memory. */
int tally_add(struct tally *t, const char *name, enum account_status status);
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

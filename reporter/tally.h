/* tally.h - counts of accounts by status under a name (a domain, a
 * unit), kept sorted by name for the report's tables and the history. */
#ifndef DORMANT_TALLY_H
#define DORMANT_TALLY_H

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
/* Free the entries; t is empty again. */
void tally_free(struct tally *t);

#endif

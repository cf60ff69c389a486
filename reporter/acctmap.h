/* acctmap.h - an in-memory map from account name to activity, folding by
 * the max rule: import-log collects a whole file in one before writing,
 * so a log of millions of lines costs a few thousand commits, not one
 * per line. Open addressing, FNV-1a, grows at 70 % load. */
#ifndef DORMANT_ACCTMAP_H
#define DORMANT_ACCTMAP_H

#include <stddef.h>
#include "record.h"

struct acctmap_entry {
	char *name;                  /* NULL: empty slot */
	struct activity act;
};

struct acctmap {
	struct acctmap_entry *slots;
	size_t size, count;
};

void acctmap_init(struct acctmap *map);
void acctmap_free(struct acctmap *map);
/* Fold ev into the entry for name (created if new). -1 out of memory. */
int acctmap_apply(struct acctmap *map, const char *name,
		  const struct activity_event *ev);
/* Fold a whole record (merging maps, snapshots). -1 out of memory. */
int acctmap_fold(struct acctmap *map, const char *name,
		 const struct activity *rec);

#endif

/* history.h - the history record: one month's counts of accounts by
 * status, overall and per unit, as they stood when recorded (layout:
 * doc/DESIGN.md §3.4). Activity is overwritten, so a past month cannot be
 * recomputed: these records are the trend's only memory. The records live
 * in the shared database, which the mail uid can write, so decoding
 * checks every length, count and name before it believes one (§9.1).
 * Pure functions; nothing here touches LMDB. */
#ifndef DORMANT_HISTORY_H
#define DORMANT_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"
#include "record.h"

#define RECORD_HISTORY_VERSION 1
/* Units kept per month: the largest by total; the rest are summed into
   "others" (a ministry has hundreds of offices; this bounds a record at
   about 350 KiB). */
#define HISTORY_UNITS_MAX 1000

struct history_counts {
	uint32_t total;
	uint32_t status[STATUS_COUNT];   /* by enum account_status */
};

struct history_unit {
	const char *name;            /* 1 to CONTACT_TEXT_MAX bytes, no control byte */
	struct history_counts counts;
};

/* 1 version, 1 number of statuses, 2 number of units, 4 zero, 8 recorded */
#define HISTORY_HEADER_SIZE 16
#define HISTORY_COUNTS_SIZE (4 * (1 + STATUS_COUNT))
/* header, overall, others, then per unit: u16 length, name, counts */
#define RECORD_HISTORY_MAX (HISTORY_HEADER_SIZE + 2 * HISTORY_COUNTS_SIZE + \
	HISTORY_UNITS_MAX * (2 + CONTACT_TEXT_MAX + HISTORY_COUNTS_SIZE))

/* Encode into buf (RECORD_HISTORY_MAX bytes always suffice): units
   sorted by name (strcmp), unique, at most HISTORY_UNITS_MAX. Returns the
   length, or 0 with *error_r for units that break those rules. */
size_t record_history_encode(int64_t recorded, const struct history_counts *all,
			     const struct history_counts *others,
			     const struct history_unit *units, size_t nunits,
			     uint8_t *buf, size_t bufsize, const char **error_r);

/* One decoded month. unit_found tells whether the unit asked for is in
   the record (its counts in unit). */
struct history_point {
	int64_t recorded;
	struct history_counts all, others;
	size_t nunits;
	bool unit_found;
	struct history_counts unit;
};
/* Check the whole record (version, sizes, counts that add up, names
   sorted and valid, nothing left over) and decode it, looking up unit
   (NULL: none). 0, or -1 with *error_r (static text); *point_r is
   written only on success. */
int record_history_decode(const void *data, size_t size, const char *unit,
			  struct history_point *point_r, const char **error_r);

/* Add one account of status to counts. */
void history_counts_add(struct history_counts *counts,
			enum account_status status);

#endif

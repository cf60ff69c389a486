/* review.h - review campaigns as the CLI sees them (doc/DESIGN.md §7.7):
 * the latest campaign, its units and frozen accounts read back from the
 * review database (every record decoded as hostile input), the counts
 * per unit that the reports show, and the units file (unit,reviewer).
 * Helpers: they never print, and return -1 with *error_r. */
#ifndef DORMANT_REPORTER_REVIEW_H
#define DORMANT_REPORTER_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "account.h"
#include "errstr.h"
#include "review-record.h"
#include "store.h"

/* The latest campaign's id and record: 1, 0 none ever started, -1. A
   record that does not decode is an error (nothing is acted on). */
int review_latest(struct store *store, char id[REVIEW_ID_MAX + 1],
		  struct review_campaign *c_r, const char **error_r);

/* Campaign id's record: 1, 0 no such campaign (or id is no campaign id),
   -1 (a record that does not decode). */
int review_campaign_get(struct store *store, const char *id,
			struct review_campaign *c_r, const char **error_r);

/* The units of campaign id, in number order: (*units_r)[i] is unit i.
   A unit record that does not decode, or a gap, is an error. Free with
   free(). */
int review_units_load(struct store *store, const char *id,
		      const struct review_campaign *c,
		      struct review_unit **units_r, size_t *count_r,
		      const char **error_r);
/* Write unit number n of campaign id (and audit_json, unless NULL, in the
   same transaction, filed under t). */
int review_unit_save(struct store *store, const char *id, uint32_t n,
		     const struct review_unit *u, const char *audit_json,
		     int64_t t, const char **error_r);

/* One frozen account of a unit, as sheets show it. */
struct review_acct {
	char *account;
	uint32_t unit;
	struct review_item item;
};
/* The accounts of unit n in key order (skipping, through warn, records
   that do not decode: never acted on). Free with review_accts_free. */
int review_accts_load(struct store *store, const char *id, uint32_t n,
		      errstr_warn_fn *warn, struct review_acct **accts_r,
		      size_t *count_r, const char **error_r);
void review_accts_free(struct review_acct *accts, size_t count);
/* The order of a sheet: dormant and never-used first, then the longest
   idle, then by name (qsort comparator on struct review_acct). */
int review_acct_cmp(const void *a, const void *b);
/* That order's rank of a status: dormant 0, never-used 1, then idle,
   insufficient history, active, exempt, suspended. */
int review_status_rank(uint8_t status);

/* Per unit of a campaign, for status and the ministry report. */
struct review_counts {
	char unit[CONTACT_TEXT_MAX + 1];
	char reviewer[CONTACT_TEXT_MAX + 1];     /* "" none */
	unsigned long accounts, kept, revoked, undecided;
	unsigned long by_default;                /* revoked by review_default */
	unsigned long bad;                       /* records skipped */
	uint32_t sheets;
	int64_t answered, reminded;
};
/* Counts for every unit of campaign id (NULL: the latest), in unit
   order; *count_r 0 and *counts_r NULL when there is no campaign. Free
   with free(). reviewed = kept + revoked; open = undecided. */
int review_unit_counts(struct store *store, const char *id,
		       struct review_counts **counts_r, size_t *count_r,
		       const char **error_r);

/* units_file: "unit,reviewer[,name]" a line (RFC 4180, BOM and a header
   line "unit,..." allowed, '#' comments), reviewer a plain address,
   normalised with rules; a unit listed twice is an error. */
struct review_unitmap_entry {
	char *unit;
	char *reviewer;
	char *name;                  /* "" when not given */
	unsigned long line;
};
struct review_unitmap {
	struct review_unitmap_entry *entries;  /* sorted by unit */
	size_t count, alloc;
};
/* 0, or -1 with "name:line: message" and *map_r empty. */
int review_units_file_read(FILE *f, const char *name,
			   const struct account_rules *rules,
			   struct review_unitmap *map_r, const char **error_r);
const struct review_unitmap_entry *
review_unitmap_lookup(const struct review_unitmap *map, const char *unit);
void review_unitmap_free(struct review_unitmap *map);

/* The sheet key as 32 lowercase hex digits. */
void review_key_hex(const uint8_t key[REVIEW_SHEET_KEY_BYTES], char hex[33]);
/* A unit's file name stem in the campaign's directory: "unit-NNNN-" and
   the unit's letters, digits, '.', '_' and '-' (others '_', at most 40),
   never a path or a dot file. */
void review_unit_stem(uint32_t n, const char *unit, char stem[64]);

#endif

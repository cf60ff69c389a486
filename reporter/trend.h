/* trend.h - the month-by-month trend (doc/DESIGN.md §8.11): recording
 * the current month's counts in the history database, and reading the
 * months recorded back as a table with the change against the month
 * before and one sentence ("dormant accounts fell from N to M since
 * YYYY-MM"). */
#ifndef DORMANT_TREND_H
#define DORMANT_TREND_H

#include <stdio.h>
#include "errstr.h"
#include "history.h"
#include "store.h"
#include "table.h"
#include "tally.h"

/* Months the report shows; dormant trend --months takes up to
   TREND_MONTHS_MAX. */
#define TREND_REPORT_MONTHS 12
#define TREND_MONTHS_MAX 1200

struct trend_point {
	int month;                   /* month.h */
	int64_t recorded;
	struct history_counts counts;
};

struct trend {
	struct trend_point *points;  /* oldest first */
	size_t n;
	unsigned long errors;        /* records left out (each told to warn) */
};

/* The latest nmonths months recorded up to month last, for unit (NULL:
   all accounts; a month that does not list the unit is left out). A key
   that is no month or a record that does not decode goes to warn and is
   left out. 0, or -1 with *error_r (the store failed, or out of memory;
   *trend_r is then empty, nothing to free). */
int trend_load(struct store *store, const char *unit, int last, size_t nmonths,
	       errstr_warn_fn *warn, struct trend *trend_r, const char **error_r);
void trend_free(struct trend *trend);

/* "Dormant accounts fell from N to M since YYYY-MM." or rose, unchanged,
   or that there is no trend yet. */
#define TREND_SENTENCE_MAX 256
void trend_sentence(const struct trend *trend, char buf[TREND_SENTENCE_MAX]);

/* The points as rows of format (text, csv, json; embedded: inside a
   larger JSON document). */
void trend_write(const struct trend *trend, const struct table_format *format,
		 bool embedded, FILE *out);

/* For the report: load and write the text section (heading, table,
   sentence) or the JSON array; records left out are added to *errors.
   0, or -1 with *error_r. */
int trend_write_text_section(struct store *store, const char *unit, int last,
			     size_t nmonths, errstr_warn_fn *warn,
			     unsigned long *errors, FILE *out, const char **error_r);
int trend_write_json_array(struct store *store, const char *unit, int last,
			   size_t nmonths, errstr_warn_fn *warn,
			   unsigned long *errors, FILE *out, const char **error_r);

/* Record the report's counts (it must be of the current month: a past
   month's cannot be recomputed) in the history database under its month,
   replacing the month's earlier record: totals over all accounts and by
   unit. The HISTORY_UNITS_MAX largest units are kept; the rest, and
   accounts without a unit, are counted in "others". Gathers the report
   if it was not. 0, or -1 with *error_r. */
struct report;
int trend_record(struct report *rep, const char **error_r);

#endif

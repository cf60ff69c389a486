/* report.h - the dormancy report: per-domain counts by status, the
 * accounts that need a decision, and the month's wake-up and refusal
 * events (formats: doc/DESIGN.md §8.4). */
#ifndef DORMANT_REPORT_H
#define DORMANT_REPORT_H

#include <stdio.h>
#include "errstr.h"
#include "tally.h"
#include "view.h"

/* An event kind as people read it (text and HTML, in the configured
   language; a status: view_status_label); CSV, JSON and metrics use
   event_kind_name(). */
const char *report_kind_label(enum event_kind kind);

/* Idle-day buckets of the histogram: [0,30) [30,60) [60,90) [90,120)
   [120,180) [180,365) [365,...). */
#define REPORT_BUCKETS 7
extern const int report_bucket_days[REPORT_BUCKETS];

/* One account's alerts in the month (doc/DESIGN.md §8.4). */
struct report_alerted {
	char *account;
	unsigned long kinds[EVENT_KIND_LAST + 1];   /* by enum event_kind */
	unsigned long total;
};
/* At most this many events are grouped by account; a storm beyond it is
   counted, and its accounts listed only by the event list. */
#define REPORT_ALERTED_EVENTS_MAX 100000

struct report {
	struct store *store;
	struct view_ctx view;        /* view.now: the time the report is "as of" */
	int64_t generated;
	int64_t month_start, month_end;
	char month[8];               /* "YYYY-MM" */
	int month_num;               /* month.h */
	bool current;                /* the month of now */
	struct tally domains;
	/* by unit (account_unit): the same as domains unless some account
	   has a unit contact (units_distinct) */
	struct tally units;
	bool units_distinct;
	unsigned long totals[STATUS_COUNT];
	unsigned long total;
	unsigned long hist[REPORT_BUCKETS];
	unsigned long events;
	unsigned long events_by_kind[EVENT_KIND_LAST + 1];
	struct report_alerted *alerted;  /* sorted by account, after gather */
	size_t nalerted, alerted_alloc;
	unsigned long alerted_dropped;   /* events past REPORT_ALERTED_EVENTS_MAX */
	unsigned long errors;        /* records left out (each told to warn) */
	errstr_warn_fn *warn;
	const char *walk_error;      /* why a walk stopped early */
	bool gathered;
};

/* Set up the month ("YYYY-MM", NULL for the month of now); records that
   do not decode go to warn and are left out. Returns 0, or -1 with
   *error_r for a bad month (the caller's usage error). */
int report_init(struct report *rep, struct store *store,
		const struct view_ctx *view, int64_t now, const char *month,
		errstr_warn_fn *warn, const char **error_r);
/* The summary (per-domain counts, histogram, events) in one pass over the
   store, once; the formats that print it call this. 0, or -1 with
   *error_r. */
int report_gather(struct report *rep, const char **error_r);
void report_free(struct report *rep);

/* The report in one format: 0, or -1 with *error_r. */
struct report_format {
	const char *name;            /* as --format takes it */
	int (*write)(struct report *rep, FILE *out, const char **error_r);
};
/* text, csv, json or html by name; NULL for another. */
const struct report_format *report_format_find(const char *name);

int report_write_text(struct report *rep, FILE *out, const char **error_r);
int report_write_csv(struct report *rep, FILE *out, const char **error_r);
int report_write_json(struct report *rep, FILE *out, const char **error_r);
int report_write_html(struct report *rep, FILE *out, const char **error_r);
/* The review campaign of the report's month (review_report_month), its
   records left out added to rep->errors; review_r->id "" when none.
   0, or -1 with *error_r. */
struct review_report;
int report_review(struct report *rep, struct review_report *review_r,
		  const char **error_r);
/* The HTML page's head (title escaped) and its style, up to <body>: for
   the other self-contained pages (review report). */
void report_html_begin(FILE *out, const char *title);

/* Visit the accounts again, calling fn for every row; for the writers. */
typedef void report_row_fn(struct report *rep, const struct row *row,
			   FILE *out, void *ctx);
int report_foreach_row(struct report *rep, report_row_fn *fn, FILE *out,
		       void *ctx, const char **error_r);
/* The networks account was used from in the month (last seen in it or
   after its start, first seen before its end), formatted, comma-separated
   into buf; "" for none or an unreadable record. */
#define REPORT_NETWORKS_MAX (NETSET_MAX * (NETSET_TEXT_MAX + 12))
void report_networks(struct report *rep, const char *account,
		     char buf[REPORT_NETWORKS_MAX]);
/* "wakeup-login 1, new-network-login 2" */
#define REPORT_KINDS_MAX 256
void report_kinds(const struct report_alerted *a, char buf[REPORT_KINDS_MAX]);
/* Visit the month's events. */
/* The flags of an event as words ("new-network,suspended"), "" for none. */
#define REPORT_EVENT_FLAGS_MAX 32
const char *report_event_flags(const struct account_event *ev,
			       char buf[REPORT_EVENT_FLAGS_MAX]);
typedef void report_event_fn(struct report *rep, int64_t time,
			     const char *account, const struct account_event *ev,
			     FILE *out, void *ctx);
int report_foreach_event(struct report *rep, report_event_fn *fn, FILE *out,
			 void *ctx, const char **error_r);


#endif

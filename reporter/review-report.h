/* review-report.h - a review campaign's outcome, the report for the
 * ministry (doc/DESIGN.md §7.7, §8.4): per unit its accounts, how many
 * were reviewed, kept and revoked (by the reviewer or by review_default),
 * still open, the sheets received and the last answer, a totals row, one
 * sentence, and the lists an auditor asks for: the kept accounts with
 * their reasons and reviewer, the revoked ones with who decided and
 * whether they are suspended yet. "review report" writes it whole; the
 * monthly report carries its per-unit table. Read-only. */
#ifndef DORMANT_REVIEW_REPORT_H
#define DORMANT_REVIEW_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "errstr.h"
#include "review.h"
#include "table.h"

/* One decided account. */
struct review_report_acct {
	char *account;
	uint32_t unit;
	struct review_item item;
	bool suspended;              /* revoked: its state is suspended now */
};

struct review_report {
	char id[REVIEW_ID_MAX + 1];
	struct review_campaign c;
	struct review_counts *units;     /* review_unit_counts */
	size_t nunits;
	struct review_counts totals;     /* unit and reviewer "" */
	unsigned long answered;          /* units that sent a sheet */
	/* in unit order, then account order; NULL without lists */
	struct review_report_acct *kept, *revoked;
	size_t nkept, nrevoked, kept_alloc, revoked_alloc;
	unsigned long errors;            /* records left out (told to warn) */
};

/* Load campaign id (NULL: the latest), with the account lists when lists
   (each revoked account's state read: suspended yet?). Records that do
   not decode go to warn, are left out and counted in errors. 1, 0 no such
   campaign (*rep_r empty), or -1 with *error_r. */
int review_report_load(struct store *store, const char *id, bool lists,
		       errstr_warn_fn *warn, struct review_report *rep_r,
		       const char **error_r);
void review_report_free(struct review_report *rep);
/* For the report of a month [start, end): the latest campaign when it
   started before its end and is open or closed in the month (1), else 0
   (*rep_r empty); no lists. -1 with *error_r. */
int review_report_month(struct store *store, int64_t start, int64_t end,
			errstr_warn_fn *warn, struct review_report *rep_r,
			const char **error_r);

/* "12 of 15 units answered; of 168 accounts 40 kept, 120 revoked, 8
   still open." */
#define REVIEW_SENTENCE_MAX 256
void review_report_sentence(const struct review_report *rep,
			    char buf[REVIEW_SENTENCE_MAX]);

/* "campaign ID (open), started YYYY-MM-DD, due YYYY-MM-DD[, closed
   YYYY-MM-DD]" */
#define REVIEW_HEADING_MAX 192
void review_report_heading(const struct review_report *rep,
			   char buf[REVIEW_HEADING_MAX]);

/* The report in one format. lists false: the per-unit table only, as the
   monthly report shows it (text without the lists; JSON one object with
   no "kept" and "revoked"; HTML a section, not a page). CSV is the
   per-unit table and its totals row always. embedded (JSON): inside a
   larger document, no newline at the end. */
void review_report_text(const struct review_report *rep, bool lists, FILE *out);
void review_report_csv(const struct review_report *rep, FILE *out);
void review_report_json(const struct review_report *rep, bool lists,
			bool embedded, FILE *out);
void review_report_html(const struct review_report *rep, bool page, FILE *out);

#endif

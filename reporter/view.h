/* view.h - one account as the reports show it: status, idle days and the
 * formatted fields of the CSV/JSON contract (DESIGN 11), and the writers
 * of one row in each format. */
#ifndef DORMANT_VIEW_H
#define DORMANT_VIEW_H

#include <stdio.h>
#include "output.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "timeutil.h"

struct row {
	const char *account;
	size_t account_len;
	const char *domain;          /* "" for a bare name */
	enum account_status status;
	int64_t idle_days;           /* -1: unknown */
	char last_login[RFC3339_MAX];
	char login_service[ACTIVITY_SERVICE_MAX + 1];
	char login_ip[IP_TEXT_MAX];
	char last_send[RFC3339_MAX];
	char send_ip[IP_TEXT_MAX];
	char last_receive[RFC3339_MAX];
	char first_seen[RFC3339_MAX];
};

struct view_ctx {
	struct policy policy;
	int64_t tracking_start;
	int64_t now;
};

void view_row(const struct view_ctx *ctx, const struct account_view *view,
	      struct row *row_r);

/* Only status and idle days (no formatting): for counting passes. */
enum account_status view_classify(const struct view_ctx *ctx,
				  const struct account_view *view,
				  int64_t *idle_days_r);

/* The column names, in order, comma separated (the CSV header). */
extern const char view_csv_header[];

void view_write_csv(FILE *out, const struct row *row, bool with_domain);
/* One JSON object (no separator, no newline). */
void view_write_json(FILE *out, const struct row *row, bool with_domain);
/* The members of that object only, for callers that add their own. */
void view_write_json_fields(FILE *out, const struct row *row, bool with_domain);
void view_write_text_header(FILE *out);
void view_write_text(FILE *out, const struct row *row);

#endif

/* view.h - one account as the reports show it: status, idle days and the
 * formatted fields of the CSV/JSON contract (doc/DESIGN.md §8.3), and the
 * writers of one row: its columns and values for table.h. */
#ifndef DORMANT_VIEW_H
#define DORMANT_VIEW_H

#include <stdio.h>
#include "table.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "netset.h"
#include "timeutil.h"

struct row {
	const char *account;
	size_t account_len;
	const char *domain;          /* "" for a bare name */
	const char *unit;            /* its unit contact, else domain */
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

/* The columns of an account's row, in the order of the CSV/JSON contract
   (doc/DESIGN.md §8.3): dormant list writes all but the domain, the
   report and show all. The unit is JSON's only: CSV's
   columns stay as scripts read them. */
enum view_column {
	VIEW_COL_ACCOUNT, VIEW_COL_STATUS, VIEW_COL_IDLE_DAYS,
	VIEW_COL_LAST_LOGIN, VIEW_COL_LOGIN_SERVICE, VIEW_COL_LOGIN_IP,
	VIEW_COL_LAST_SEND, VIEW_COL_SEND_IP, VIEW_COL_LAST_RECEIVE,
	VIEW_COL_FIRST_SEEN, VIEW_COL_DOMAIN, VIEW_COL_UNIT,
	VIEW_NCOLUMNS
};
/* A status as people read it (text and HTML, in the configured
   language); CSV, JSON and metrics use policy_status_name(). */
const char *view_status_label(enum account_status status);
/* A text table's RFC 3339 column as people read it (table_column.text):
   lang_date(LANG_DATE_COLUMN), or value itself when it is no time. */
const char *view_date_text(const char *value, char *buf, size_t size);
/* The same for a day ("2026-12-31"): lang_date(LANG_DATE_DAY). */
const char *view_day_text(const char *value, char *buf, size_t size);

extern const struct table_column view_columns[VIEW_NCOLUMNS];

/* How the last login came, as the entry of its network tells
   (doc/DESIGN.md §5.1): "webmail (Roundcube)", "imap (Thunderbird)",
   "imap" ("?" for no stored service), into buf. e may be NULL (no entry:
   the service alone). The client is anyone's bytes: escape buf. */
#define VIEW_HOW_MAX (ACTIVITY_SERVICE_MAX + NETSET_CLIENT_MAX + 4)
void view_login_how(const char *service, const struct netset_entry *e,
		    char buf[VIEW_HOW_MAX]);

/* The row's values for view_columns (pointing into row). */
void view_values(const struct row *row, struct table_value values[VIEW_NCOLUMNS]);

#endif

/* review-report.c - a review campaign's outcome (review-report.h): loading
 * it, and writing it as text, CSV and JSON through table.h. The HTML is in
 * review-report-html.c. */
#include "review-report.h"
#include "lang.h"
#include "view.h"
#include "array.h"
#include "i18n.h"
#include "output.h"
#include "timeutil.h"

#include <stdlib.h>
#include <string.h>

/* ---- loading ---- */

static int acct_push(struct review_report_acct **list, size_t *n, size_t *alloc,
		     struct review_acct *a)
{
	struct review_report_acct *r;

	if (array_grow(list, alloc, *n, sizeof(**list)) < 0)
		return -1;
	r = &(*list)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->account = a->account;      /* taken over */
	a->account = NULL;
	r->unit = a->unit;
	r->item = a->item;
	return 0;
}

/* The decided accounts of unit u into rep's lists. 0, or -1. */
static int load_unit_lists(struct store *store, struct review_report *rep,
			   uint32_t u, errstr_warn_fn *warn, const char **error_r)
{
	struct review_acct *a;
	struct account_state st;
	size_t count;
	int ret = 0, found;

	if (review_accts_load(store, rep->id, u, warn, &a, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; i < count && ret == 0; i++) {
		if (a[i].item.decision == REVIEW_KEEP) {
			ret = acct_push(&rep->kept, &rep->nkept, &rep->kept_alloc, &a[i]);
		} else if (a[i].item.decision == REVIEW_REVOKE) {
			found = store_state_get(store, a[i].account, &st, error_r);
			if (found < 0) {
				warn(errmsg_printf("account %s: %s (not known as "
						   "suspended)", a[i].account, *error_r));
				rep->errors++;
			}
			ret = acct_push(&rep->revoked, &rep->nrevoked,
					&rep->revoked_alloc, &a[i]);
			if (ret == 0)
				rep->revoked[rep->nrevoked - 1].suspended =
					found > 0 && st.kind == STATE_SUSPENDED;
		}
	}
	review_accts_free(a, count);
	if (ret < 0)
		*error_r = "out of memory";
	return ret;
}

int review_report_load(struct store *store, const char *id, bool lists,
		       errstr_warn_fn *warn, struct review_report *rep_r,
		       const char **error_r)
{
	struct review_report *rep = rep_r;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (id == NULL)
		ret = review_latest(store, rep->id, &rep->c, error_r);
	else if ((ret = review_campaign_get(store, id, &rep->c, error_r)) > 0)
		snprintf(rep->id, sizeof(rep->id), "%s", id);
	if (ret <= 0)
		return ret;
	if (review_unit_counts(store, rep->id, &rep->units, &rep->nunits,
			       error_r) < 0)
		return -1;
	for (size_t i = 0; i < rep->nunits; i++) {
		const struct review_counts *rc = &rep->units[i];
		struct review_counts *t = &rep->totals;

		t->accounts += rc->accounts;
		t->kept += rc->kept;
		t->revoked += rc->revoked;
		t->undecided += rc->undecided;
		t->by_default += rc->by_default;
		t->bad += rc->bad;
		t->sheets += rc->sheets;
		if (rc->answered > t->answered)
			t->answered = rc->answered;
		rep->answered += rc->sheets > 0;
		if (rc->bad > 0 && !lists)
			warn(errmsg_printf("review unit %zu: %lu records did not "
					   "decode (not counted)", i, rc->bad));
	}
	rep->errors += rep->totals.bad;
	for (size_t u = 0; lists && u < rep->nunits; u++) {
		if (load_unit_lists(store, rep, (uint32_t)u, warn, error_r) < 0) {
			review_report_free(rep);
			return -1;
		}
	}
	return 1;
}

int review_report_month(struct store *store, int64_t start, int64_t end,
			errstr_warn_fn *warn, struct review_report *rep_r,
			const char **error_r)
{
	int ret = review_report_load(store, NULL, false, warn, rep_r, error_r);

	if (ret <= 0)
		return ret;
	if (rep_r->c.started < end &&
	    (rep_r->c.state == REVIEW_OPEN || rep_r->c.closed >= start))
		return 1;
	review_report_free(rep_r);
	return 0;
}

static void accts_free(struct review_report_acct *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].account);
	free(list);
}

void review_report_free(struct review_report *rep)
{
	free(rep->units);
	accts_free(rep->kept, rep->nkept);
	accts_free(rep->revoked, rep->nrevoked);
	memset(rep, 0, sizeof(*rep));
}

void review_report_sentence(const struct review_report *rep,
			    char buf[REVIEW_SENTENCE_MAX])
{
	snprintf(buf, REVIEW_SENTENCE_MAX, _("%lu of %zu units answered; of %lu "
		 "accounts %lu kept, %lu revoked, %lu still open."), rep->answered,
		 rep->nunits, rep->totals.accounts, rep->totals.kept,
		 rep->totals.revoked, rep->totals.undecided);
}

/* ---- the per-unit table ---- */

enum unit_column {
	U_ROW, U_UNIT, U_REVIEWER, U_ACCOUNTS, U_REVIEWED, U_KEPT, U_REVOKED,
	U_BY_REVIEWER, U_BY_DEFAULT, U_OPEN, U_SHEETS, U_ANSWERED,
	U_NCOLUMNS
};

static const struct table_column unit_columns[U_NCOLUMNS] = {
	{ "row", TABLE_PLAIN, TABLE_CSV_ONLY, "", NULL, 0, NULL, NULL, NULL, NULL },
	{ "unit", TABLE_TEXT, 0, N_("UNIT"), NULL, -24, NULL, NULL, NULL, NULL },
	{ "reviewer", TABLE_TEXT, TABLE_NULL_EMPTY, N_("REVIEWER"), " ", -28, NULL,
	  "-", NULL, NULL },
	{ "accounts", TABLE_NUMBER, 0, N_("ACCTS"), " ", 6, NULL, "-", NULL, NULL },
	{ "reviewed", TABLE_NUMBER, 0, N_("REVIEWED"), " ", 9, NULL, "-", NULL, NULL },
	{ "kept", TABLE_NUMBER, 0, N_("KEPT"), " ", 5, NULL, "-", NULL, NULL },
	{ "revoked", TABLE_NUMBER, 0, N_("REVOKED"), " ", 8, NULL, "-", NULL, NULL },
	{ "revoked_by_reviewer", TABLE_NUMBER, 0, "BY-REVIEWER", " ", 12, NULL,
	  "-", NULL, NULL },
	{ "revoked_by_default", TABLE_NUMBER, 0, "BY-DEFAULT", " ", 11, NULL, "-",
	  NULL, NULL },
	{ "open", TABLE_NUMBER, 0, N_("OPEN"), " ", 5, NULL, "-", NULL, NULL },
	{ "sheets", TABLE_NUMBER, 0, N_("SHEETS"), " ", 7, NULL, "-", NULL, NULL },
	{ "last_answer", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("LAST ANSWER"), "  ", -20,
	  NULL, "-", NULL, NULL, view_date_text },
};

/* The values of one row (pointing into rc and answered). */
static void unit_values(const struct review_counts *rc, const char *row,
			const char *unit, struct table_value v[U_NCOLUMNS],
			char answered[RFC3339_MAX])
{
	answered[0] = '\0';
	if (rc->answered > 0)
		time_format_rfc3339(rc->answered, answered);
	memset(v, 0, U_NCOLUMNS * sizeof(*v));
	v[U_ROW] = table_str(row);
	v[U_UNIT] = table_str(unit);
	v[U_REVIEWER] = table_str(rc->reviewer);
	v[U_ACCOUNTS].num = (int64_t)rc->accounts;
	v[U_REVIEWED].num = (int64_t)(rc->kept + rc->revoked);
	v[U_KEPT].num = (int64_t)rc->kept;
	v[U_REVOKED].num = (int64_t)rc->revoked;
	v[U_BY_REVIEWER].num = (int64_t)(rc->revoked - rc->by_default);
	v[U_BY_DEFAULT].num = (int64_t)rc->by_default;
	v[U_OPEN].num = (int64_t)rc->undecided;
	v[U_SHEETS].num = rc->sheets;
	v[U_ANSWERED] = table_str(answered);
}

/* Every unit, then the totals as a row (total_unit its unit cell). */
static void unit_table(const struct review_report *rep,
		       const struct table_format *format, const char *total_unit,
		       FILE *out)
{
	struct table_value v[U_NCOLUMNS];
	char answered[RFC3339_MAX];
	struct table t;

	table_init(&t, format, unit_columns, U_NCOLUMNS, out);
	table_begin(&t);
	for (size_t i = 0; i < rep->nunits; i++) {
		unit_values(&rep->units[i], "unit", rep->units[i].unit, v, answered);
		table_row(&t, v);
	}
	unit_values(&rep->totals, "total", total_unit, v, answered);
	table_row(&t, v);
	table_end(&t);
}

/* ---- the lists ---- */

enum list_column {
	L_UNIT, L_ACCOUNT, L_REASON, L_REVIEWER, L_BY_DEFAULT, L_DECIDED,
	L_UNTIL, L_SUSPENDED,
	L_NCOLUMNS
};

/* a column of the other list only (the two share list_table's values) */
#define HIDDEN (TABLE_NO_TEXT | TABLE_TEXT_ONLY)

static const struct table_column kept_columns[] = {
	{ "unit", TABLE_TEXT, 0, N_("UNIT"), NULL, -24, NULL, NULL, NULL, NULL },
	{ "account", TABLE_TEXT, 0, N_("ACCOUNT"), " ", -32, NULL, NULL, NULL, NULL },
	{ "reason", TABLE_TEXT, 0, N_("REASON"), " ", -30, NULL, "-", NULL, NULL },
	{ "reviewer", TABLE_TEXT, 0, N_("REVIEWER"), " ", -20, NULL, "-", NULL, NULL },
	{ "by_default", TABLE_BOOL, HIDDEN, "", NULL, 0, NULL, NULL, NULL, NULL },
	{ "decided", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("DECIDED"), " ", -20, NULL, "-",
	  NULL, NULL, view_date_text },
	{ "until", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("UNTIL"), " ", -10, NULL, "-",
	  NULL, NULL, view_day_text },
	{ "suspended", TABLE_BOOL, HIDDEN, "", NULL, 0, NULL, NULL, NULL, NULL },
};

static const struct table_column revoked_columns[] = {
	{ "unit", TABLE_TEXT, 0, N_("UNIT"), NULL, -24, NULL, NULL, NULL, NULL },
	{ "account", TABLE_TEXT, 0, N_("ACCOUNT"), " ", -32, NULL, NULL, NULL, NULL },
	{ "reason", TABLE_TEXT, TABLE_NO_TEXT, "", NULL, 0, NULL, NULL, NULL, NULL },
	{ "reviewer", TABLE_TEXT, 0, N_("DECIDED BY"), " ", -20, NULL, "-", NULL, NULL },
	{ "by_default", TABLE_BOOL, 0, N_("HOW"), " ", -10, NULL, NULL, N_("default"),
	  N_("reviewer") },
	{ "decided", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("DECIDED"), " ", -20, NULL, "-",
	  NULL, NULL, view_date_text },
	{ "until", TABLE_PLAIN, HIDDEN, "", NULL, 0, NULL, NULL, NULL, NULL },
	{ "suspended", TABLE_BOOL, 0, N_("SUSPENDED"), " ", -9, NULL, NULL, N_("yes"), N_("no") },
};

/* A decided account as a row of kept_columns or revoked_columns. */
static void list_table(const struct review_report *rep,
		       const struct review_report_acct *list, size_t n,
		       const struct table_column *columns,
		       const struct table_format *format, bool embedded, FILE *out)
{
	struct table_value v[L_NCOLUMNS];
	char decided[RFC3339_MAX], until[RFC3339_MAX];
	struct table t;

	table_init(&t, format, columns, L_NCOLUMNS, out);
	t.embedded = embedded;
	table_begin(&t);
	for (size_t i = 0; i < n; i++) {
		const struct review_report_acct *a = &list[i];

		decided[0] = until[0] = '\0';
		if (a->item.decided > 0)
			time_format_rfc3339(a->item.decided, decided);
		if (a->item.keep_until > 0) {
			time_format_rfc3339(a->item.keep_until, until);
			until[10] = '\0';
		}
		memset(v, 0, sizeof(v));
		v[L_UNIT] = table_str(a->unit < rep->nunits ?
				      rep->units[a->unit].unit : "");
		v[L_ACCOUNT] = table_str(a->account);
		v[L_REASON] = table_str(a->item.reason);
		v[L_REVIEWER] = table_str(a->item.reviewer);
		v[L_BY_DEFAULT].yes = a->item.by_default;
		v[L_DECIDED] = table_str(decided);
		v[L_UNTIL] = table_str(until);
		v[L_SUSPENDED].yes = a->suspended;
		table_row(&t, v);
	}
	table_end(&t);
}

/* ---- the formats ---- */

void review_report_heading(const struct review_report *rep,
			   char buf[REVIEW_HEADING_MAX])
{
	char started[LANG_DATE_MAX], due[LANG_DATE_MAX], closed[LANG_DATE_MAX];
	int n;

	lang_date(rep->c.started, LANG_DATE_DAY, started);
	lang_date(rep->c.due, LANG_DATE_DAY, due);
	lang_date(rep->c.closed, LANG_DATE_DAY, closed);
	n = snprintf(buf, REVIEW_HEADING_MAX, _("campaign %s (%s), started %s, due %s"),
		     rep->id, rep->c.state == REVIEW_OPEN ? _("open") : _("closed"),
		     started, due);
	if (rep->c.state != REVIEW_OPEN && n > 0 && n < REVIEW_HEADING_MAX)
		snprintf(buf + n, (size_t)(REVIEW_HEADING_MAX - n), _(", closed %s"),
			 closed);
}

void review_report_text(const struct review_report *rep, bool lists, FILE *out)
{
	char sentence[REVIEW_SENTENCE_MAX], heading[REVIEW_HEADING_MAX];

	review_report_heading(rep, heading);
	fprintf(out, _("%s: %zu units, %lu accounts\n"), heading, rep->nunits,
		rep->totals.accounts);
	unit_table(rep, &table_text, _("all units"), out);
	review_report_sentence(rep, sentence);
	fprintf(out, "%s\n", sentence);
	if (!lists)
		return;
	fprintf(out, _("\nkept accounts (%zu)\n"), rep->nkept);
	if (rep->nkept > 0)
		list_table(rep, rep->kept, rep->nkept, kept_columns, &table_text,
			   false, out);
	fprintf(out, _("\nrevoked accounts (%zu)\n"), rep->nrevoked);
	if (rep->nrevoked > 0)
		list_table(rep, rep->revoked, rep->nrevoked, revoked_columns,
			   &table_text, false, out);
}

void review_report_csv(const struct review_report *rep, FILE *out)
{
	unit_table(rep, &table_csv, "", out);
}

void review_report_json(const struct review_report *rep, bool lists,
			bool embedded, FILE *out)
{
	struct table_value v[U_NCOLUMNS];
	char started[RFC3339_MAX], due[RFC3339_MAX], closed[RFC3339_MAX];
	char answered[RFC3339_MAX];
	struct table t;

	time_format_rfc3339(rep->c.started, started);
	time_format_rfc3339(rep->c.due, due);
	time_format_rfc3339(rep->c.closed, closed);
	fprintf(out, "{\"campaign\":\"%s\",\"state\":\"%s\",\"started\":\"%s\","
		"\"due\":\"%s\",\"closed\":", rep->id,
		rep->c.state == REVIEW_OPEN ? "open" : "closed", started, due);
	if (rep->c.state != REVIEW_OPEN)
		fprintf(out, "\"%s\"", closed);
	else
		fputs("null", out);
	fputs(",\"units\":", out);
	table_init(&t, &table_json, unit_columns, U_NCOLUMNS, out);
	t.embedded = true;
	table_begin(&t);
	for (size_t i = 0; i < rep->nunits; i++) {
		unit_values(&rep->units[i], "unit", rep->units[i].unit, v, answered);
		table_row(&t, v);
	}
	table_end(&t);
	/* the totals: the counting columns, and how many units answered */
	unit_values(&rep->totals, "total", "", v, answered);
	fprintf(out, ",\"totals\":{\"units\":%zu,\"units_answered\":%lu,",
		rep->nunits, rep->answered);
	table_json_members(out, &unit_columns[U_ACCOUNTS], U_NCOLUMNS - U_ACCOUNTS,
			   &v[U_ACCOUNTS]);
	fputc('}', out);
	if (lists) {
		fputs(",\"kept\":", out);
		list_table(rep, rep->kept, rep->nkept, kept_columns, &table_json,
			   true, out);
		fputs(",\"revoked\":", out);
		list_table(rep, rep->revoked, rep->nrevoked, revoked_columns,
			   &table_json, true, out);
	}
	fputs(embedded ? "}" : "}\n", out);
}

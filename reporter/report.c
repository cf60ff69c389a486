/* report.c - gathering the report and writing it as text, CSV and JSON. */
#include "report.h"
#include "array.h"
#include "errstr.h"
#include "i18n.h"
#include "month.h"
#include "trend.h"
#include "lang.h"
#include "output.h"
#include "review-report.h"

#include <stdlib.h>
#include <string.h>

const int report_bucket_days[REPORT_BUCKETS] = { 0, 30, 60, 90, 120, 180, 365 };

/* The words people read for an event kind, in the order of enum
   event_kind; the machine formats keep event_kind_name(). */
static const char *const kind_labels[] = {
	NULL, N_("wakeup-login"), N_("wakeup-send"), N_("refused-login"),
	N_("refused-send"), N_("new-network-login"), N_("new-network-send"),
};

const char *report_kind_label(enum event_kind kind)
{
	return kind > 0 && (size_t)kind < sizeof(kind_labels) / sizeof(kind_labels[0]) ?
		_(kind_labels[kind]) : event_kind_name(kind);
}


static int gather_one(void *ctx, const struct account_view *view)
{
	struct report *rep = ctx;
	enum account_status status;
	const char *domain, *unit;
	int64_t idle_days;
	const char *at;
	int b;

	if (view->decode_error != NULL) {
		rep->warn(errmsg_printf(_("account %s: %s (left out of the report)"),
					view->account, view->decode_error));
		rep->errors++;
		return 0;
	}
	status = view_classify(&rep->view, view, &idle_days);
	at = memchr(view->account, '@', view->account_len);
	domain = at != NULL ? at + 1 : "";
	unit = account_unit(view->contacts, view->account);
	if (view->contacts != NULL && view->contacts->text[CONTACT_UNIT][0] != '\0')
		rep->units_distinct = true;
	if (tally_add(&rep->domains, domain, status) < 0 ||
	    tally_add(&rep->units, unit, status) < 0) {
		rep->walk_error = "out of memory";
		return 1;       /* stop; -1 reads as a store error (store.h) */
	}
	rep->totals[status]++;
	rep->total++;
	if (idle_days >= 0 && status != STATUS_EXEMPT &&
	    status != STATUS_SUSPENDED) {
		for (b = REPORT_BUCKETS - 1; b > 0; b--) {
			if (idle_days >= report_bucket_days[b])
				break;
		}
		rep->hist[b]++;
	}
	return 0;
}

static int count_event(void *ctx, int64_t time, const char *account,
		       const struct account_event *ev)
{
	struct report *rep = ctx;
	struct report_alerted *a;

	(void)time;
	rep->events++;
	if (ev == NULL)
		return 0;
	rep->events_by_kind[ev->kind]++;
	/* one entry an event here; report_gather groups them by account */
	if (rep->nalerted >= REPORT_ALERTED_EVENTS_MAX) {
		rep->alerted_dropped++;
		return 0;
	}
	if (array_grow(&rep->alerted, &rep->alerted_alloc, rep->nalerted,
		       sizeof(*rep->alerted)) < 0 ||
	    (account = strdup(account)) == NULL) {
		rep->walk_error = "out of memory";
		return 1;
	}
	a = &rep->alerted[rep->nalerted++];
	memset(a, 0, sizeof(*a));
	a->account = (char *)account;
	a->kinds[ev->kind] = 1;
	a->total = 1;
	return 0;
}

static int alerted_cmp(const void *a, const void *b)
{
	return strcmp(((const struct report_alerted *)a)->account,
		      ((const struct report_alerted *)b)->account);
}

/* Sort the month's events by account and fold each account's into one. */
static void alerted_group(struct report *rep)
{
	size_t n = 0;

	if (rep->nalerted == 0)
		return;                 /* alerted is NULL: qsort may not see it */
	qsort(rep->alerted, rep->nalerted, sizeof(*rep->alerted), alerted_cmp);
	for (size_t i = 0; i < rep->nalerted; i++) {
		struct report_alerted *a = &rep->alerted[i];

		if (n > 0 && strcmp(rep->alerted[n - 1].account, a->account) == 0) {
			for (int k = 0; k <= EVENT_KIND_LAST; k++)
				rep->alerted[n - 1].kinds[k] += a->kinds[k];
			rep->alerted[n - 1].total += a->total;
			free(a->account);
		} else {
			rep->alerted[n++] = *a;
		}
	}
	rep->nalerted = n;
}

void report_kinds(const struct report_alerted *a, char buf[REPORT_KINDS_MAX])
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 1; k <= EVENT_KIND_LAST && len < REPORT_KINDS_MAX; k++) {
		int n;

		if (a->kinds[k] == 0)
			continue;
		n = snprintf(buf + len, REPORT_KINDS_MAX - len, "%s%s %lu",
			     len > 0 ? ", " : "", report_kind_label((enum event_kind)k),
			     a->kinds[k]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

void report_networks(struct report *rep, const char *account,
		     char buf[REPORT_NETWORKS_MAX])
{
	struct netset set;
	const char *error;
	size_t len = 0;

	buf[0] = '\0';
	if (store_networks_get(rep->store, account, &set, &error) <= 0)
		return;
	for (unsigned int i = 0; i < set.count; i++) {
		const struct netset_entry *e = &set.entry[i];
		char net[NETSET_TEXT_MAX];
		int n;

		if (e->last_seen < rep->month_start || e->first_seen >= rep->month_end)
			continue;
		netset_format(e, net);
		n = snprintf(buf + len, REPORT_NETWORKS_MAX - len, "%s%s%s",
			     len > 0 ? ", " : "", net,
			     (e->flags & NETSET_WEBMAIL) != 0 ? " (webmail)" : "");
		if (n < 0 || (size_t)n >= REPORT_NETWORKS_MAX - len)
			break;
		len += (size_t)n;
	}
}

int report_init(struct report *rep, struct store *store,
		const struct view_ctx *view, int64_t now, const char *month,
		errstr_warn_fn *warn, const char **error_r)
{
	int m;

	memset(rep, 0, sizeof(*rep));
	rep->store = store;
	rep->view = *view;
	rep->generated = now;
	rep->warn = warn;
	if (month == NULL) {
		m = month_of(now);
	} else if (month_parse(month, &m) < 0) {
		*error_r = errmsg_printf(_("--month: not a month (YYYY-MM): %s"), month);
		return -1;
	}
	rep->month_start = month_start(m);
	rep->month_end = month_start(m + 1);
	if (rep->month_start > now) {
		*error_r = errmsg_printf(_("--month %s lies in the future"), month);
		return -1;
	}
	month_format(m, rep->month);
	rep->month_num = m;
	rep->current = m == month_of(now);
	/* a past month is reported as it stood at its last second */
	rep->view.now = now < rep->month_end ? now : rep->month_end - 1;
	return 0;
}

int report_gather(struct report *rep, const char **error_r)
{
	if (rep->gathered)
		return 0;
	rep->walk_error = NULL;
	if (store_account_foreach(rep->store, gather_one, rep, error_r) != 0 ||
	    store_event_foreach(rep->store, rep->month_start, rep->month_end,
				count_event, rep, error_r) != 0) {
		if (rep->walk_error != NULL)
			*error_r = rep->walk_error;
		return -1;
	}
	alerted_group(rep);
	tally_sort(&rep->domains);
	tally_sort(&rep->units);
	rep->gathered = true;
	return 0;
}

void report_free(struct report *rep)
{
	tally_free(&rep->domains);
	tally_free(&rep->units);
	for (size_t i = 0; i < rep->nalerted; i++)
		free(rep->alerted[i].account);
	free(rep->alerted);
	rep->alerted = NULL;
	rep->nalerted = rep->alerted_alloc = 0;
}

struct row_walk {
	struct report *rep;
	report_row_fn *fn;
	FILE *out;
	void *ctx;
};

static int walk_one(void *_ctx, const struct account_view *view)
{
	struct row_walk *w = _ctx;
	struct row row;

	if (view->decode_error != NULL) {
		/* reported once: by the gathering pass if there was one */
		if (!w->rep->gathered) {
			w->rep->warn(errmsg_printf(
				_("account %s: %s (left out of the report)"),
				view->account, view->decode_error));
			w->rep->errors++;
		}
		return 0;
	}
	view_row(&w->rep->view, view, &row);
	w->fn(w->rep, &row, w->out, w->ctx);
	return 0;
}

int report_foreach_row(struct report *rep, report_row_fn *fn, FILE *out,
		       void *ctx, const char **error_r)
{
	struct row_walk w = { rep, fn, out, ctx };

	return store_account_foreach(rep->store, walk_one, &w, error_r) < 0 ?
		-1 : 0;
}

struct event_walk {
	struct report *rep;
	report_event_fn *fn;
	FILE *out;
	void *ctx;
};

static int event_one(void *_ctx, int64_t time, const char *account,
		     const struct account_event *ev)
{
	struct event_walk *w = _ctx;

	if (ev != NULL)
		w->fn(w->rep, time, account, ev, w->out, w->ctx);
	return 0;
}

int report_foreach_event(struct report *rep, report_event_fn *fn, FILE *out,
			 void *ctx, const char **error_r)
{
	struct event_walk w = { rep, fn, out, ctx };

	return store_event_foreach(rep->store, rep->month_start, rep->month_end,
				   event_one, &w, error_r) < 0 ? -1 : 0;
}

/* ---- text ---- */

/* Rows into a table, every row or (want != NULL) those of one status. */
struct table_rows {
	struct table table;
	const enum account_status *want;
};

static void table_rows_one(struct report *rep, const struct row *row,
			   FILE *out, void *ctx)
{
	struct table_rows *tr = ctx;
	struct table_value values[VIEW_NCOLUMNS];

	(void)rep; (void)out;
	if (tr->want != NULL && row->status != *tr->want)
		return;
	view_values(row, values);
	table_row(&tr->table, values);
}

/* Every account's row in format, with the domain. */
static int report_table(struct report *rep, const struct table_format *format,
			FILE *out, bool embedded, const char **error_r)
{
	struct table_rows tr = { .want = NULL };
	int ret;

	table_init(&tr.table, format, view_columns, VIEW_NCOLUMNS, out);
	tr.table.embedded = embedded;
	table_begin(&tr.table);
	ret = report_foreach_row(rep, table_rows_one, out, &tr, error_r);
	table_end(&tr.table);
	return ret;
}

const char *report_event_flags(const struct account_event *ev,
			       char buf[REPORT_EVENT_FLAGS_MAX])
{
	snprintf(buf, REPORT_EVENT_FLAGS_MAX, "%s%s%s",
		 (ev->flags & EVENT_FLAG_NEW_NETWORK) != 0 ? "new-network" : "",
		 (ev->flags & EVENT_FLAGS_ALL) == EVENT_FLAGS_ALL ? "," : "",
		 (ev->flags & EVENT_FLAG_SUSPENDED) != 0 ? "suspended" : "");
	return buf;
}

static void text_event(struct report *rep, int64_t time, const char *account,
		       const struct account_event *ev, FILE *out, void *ctx)
{
	char stamp[LANG_DATE_MAX], ip[IP_TEXT_MAX], flags[REPORT_EVENT_FLAGS_MAX];

	(void)rep; (void)ctx;
	lang_date(time, LANG_DATE_TIME, stamp);
	ip_format(&ev->ip, ip);
	fprintf(out, "%s  %-14s ", stamp, report_kind_label(ev->kind));
	text_safe(out, account, strlen(account));
	if (ev->idle >= 0) {
		long long days = (long long)(ev->idle / 86400);
		fprintf(out, ngettext("  after %lld day idle", "  after %lld days idle",
				      (unsigned long)days), days);
	}
	fprintf(out, "  %s %s", ev->service[0] ? ev->service : "-", ip[0] ? ip : "-");
	if (report_event_flags(ev, flags)[0] != '\0')
		fprintf(out, "  (%s)", flags);
	fputc('\n', out);
}

int report_review(struct report *rep, struct review_report *review_r,
		  const char **error_r)
{
	int ret = review_report_month(rep->store, rep->month_start, rep->month_end,
				      rep->warn, review_r, error_r);

	if (ret < 0)
		return -1;
	rep->errors += review_r->errors;
	return 0;
}

/* Counts by status per name of t, then the totals. */
static void text_summary(const struct report *rep, const struct tally *t,
			 const char *const columns[STATUS_COUNT],
			 const char *heading, const char *unnamed, FILE *out)
{
	text_column(out, heading, -30);
	fputc(' ', out);
	text_column(out, _("TOTAL"), 7);
	for (int s = 0; s < STATUS_COUNT; s++) {
		fputc(' ', out);
		text_column(out, columns[s], s == STATUS_INSUFFICIENT_HISTORY ? 10 : 9);
	}
	fputc('\n', out);
	for (size_t i = 0; i <= t->n; i++) {
		bool all = i == t->n;
		const char *name = all ? _("all") : t->items[i].name;
		const unsigned long *counts = all ? rep->totals : t->items[i].counts;
		unsigned long total = all ? rep->total : t->items[i].total;
		/* a name from the database pads by its bytes, as the lists
		   do; the program's (translated) words by their characters */
		bool words = all || name[0] == '\0';
		size_t shown;

		if (name[0] == '\0')
			name = unnamed;
		shown = words ? text_width(name) : strlen(name);
		text_safe(out, name, strlen(name));
		fprintf(out, "%*s %7lu", shown < 30 ? (int)(30 - shown) : 0, "", total);
		for (int s = 0; s < STATUS_COUNT; s++)
			fprintf(out, " %*lu", s == STATUS_INSUFFICIENT_HISTORY ? 10 : 9,
				counts[s]);
		fputc('\n', out);
	}
}

int report_write_text(struct report *rep, FILE *out, const char **error_r)
{
	static const enum account_status listed[] = {
		STATUS_DORMANT, STATUS_NEVER_USED, STATUS_SUSPENDED,
	};
	/* TRANSLATORS: column titles of the text report, at most 9
	   characters (no-history: 10) */
	const char *const columns[STATUS_COUNT] = {
		C_("column", "active"), C_("column", "idle"), C_("column", "dormant"),
		C_("column", "never-used"), C_("column", "no-history"),
		C_("column", "exempt"), C_("column", "suspended"),
	};
	char stamp[LANG_DATE_MAX], mon[LANG_DATE_MAX];
	struct review_report review;
	struct table_rows tr;

	if (report_gather(rep, error_r) < 0)
		return -1;
	lang_date(rep->generated, LANG_DATE_TIME, stamp);
	fprintf(out, _("Dormant mailbox report for %s (generated %s)\n\n"),
		lang_month(rep->month, mon), stamp);
	text_summary(rep, &rep->domains, columns, _("DOMAIN"), _("(no domain)"), out);
	if (rep->units_distinct) {
		fputc('\n', out);
		text_summary(rep, &rep->units, columns, _("UNIT"), _("(no unit)"), out);
	}
	if (trend_write_text_section(rep->store, NULL, rep->month_num,
				     TREND_REPORT_MONTHS, rep->warn,
				     &rep->errors, out,
				     error_r) < 0)
		return -1;
	if (report_review(rep, &review, error_r) < 0)
		return -1;
	if (review.id[0] != '\0') {
		fprintf(out, "\n%s: ", _("unit review"));
		review_report_text(&review, false, out);
		review_report_free(&review);
	}
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		enum account_status want = listed[i];
		fprintf(out, _("\n%s accounts (%lu)\n"), view_status_label(want),
			rep->totals[want]);
		if (rep->totals[want] == 0)
			continue;
		table_init(&tr.table, &table_text, view_columns, VIEW_NCOLUMNS, out);
		tr.want = &want;
		table_begin(&tr.table);
		if (report_foreach_row(rep, table_rows_one, out, &tr, error_r) < 0)
			return -1;
	}
	fprintf(out, _("\nalerts in %s by account (%zu)\n"),
		lang_month(rep->month, mon), rep->nalerted);
	for (size_t i = 0; i < rep->nalerted; i++) {
		char kinds[REPORT_KINDS_MAX], nets[REPORT_NETWORKS_MAX];

		report_kinds(&rep->alerted[i], kinds);
		report_networks(rep, rep->alerted[i].account, nets);
		text_safe(out, rep->alerted[i].account, strlen(rep->alerted[i].account));
		fprintf(out, _("  %s  networks: %s\n"), kinds, nets[0] != '\0' ? nets : "-");
	}
	if (rep->alerted_dropped > 0)
		fprintf(out, ngettext("(%lu more event not grouped)\n",
				      "(%lu more events not grouped)\n", rep->alerted_dropped),
			rep->alerted_dropped);
	fprintf(out, _("\nwake-up, new-network and refusal events in %s (%lu)\n"),
		lang_month(rep->month, mon), rep->events);
	return report_foreach_event(rep, text_event, out, NULL, error_r);
}

/* ---- CSV: every account, the list columns plus domain ---- */

int report_write_csv(struct report *rep, FILE *out, const char **error_r)
{
	return report_table(rep, &table_csv, out, false, error_r);
}

/* ---- JSON ---- */

static void json_event(struct report *rep, int64_t time, const char *account,
		       const struct account_event *ev, FILE *out, void *ctx)
{
	unsigned long *n = ctx;
	char stamp[RFC3339_MAX], ip[IP_TEXT_MAX];

	(void)rep;
	time_format_rfc3339(time, stamp);
	ip_format(&ev->ip, ip);
	fprintf(out, "%s{\"time\":\"%s\",\"event\":\"%s\",\"account\":",
		*n == 0 ? "\n" : ",\n", stamp, event_kind_name(ev->kind));
	json_string(out, account, strlen(account));
	fputs(",\"idle_days\":", out);
	if (ev->idle >= 0)
		fprintf(out, "%lld", (long long)(ev->idle / 86400));
	else
		fputs("null", out);
	fputs(",\"service\":", out);
	if (ev->service[0] != '\0')
		json_string(out, ev->service, strlen(ev->service));
	else
		fputs("null", out);
	fputs(",\"ip\":", out);
	if (ip[0] != '\0')
		fprintf(out, "\"%s\"", ip);
	else
		fputs("null", out);
	fputs(",\"new_network\":", out);
	fputs((ev->flags & EVENT_FLAG_NEW_NETWORK) != 0 ? "true" : "false", out);
	fputs(",\"suspended\":", out);
	fputs((ev->flags & EVENT_FLAG_SUSPENDED) != 0 ? "true" : "false", out);
	fputc('}', out);
	(*n)++;
}

/* "alerts_by_account": per account, its alerts by kind and the networks
   it was used from in the month. */
static void json_alerted(struct report *rep, FILE *out)
{
	fputs(",\"alerts_by_account\":[", out);
	for (size_t i = 0; i < rep->nalerted; i++) {
		const struct report_alerted *a = &rep->alerted[i];
		char nets[REPORT_NETWORKS_MAX];
		bool first = true;

		fputs(i == 0 ? "\n{\"account\":" : ",\n{\"account\":", out);
		json_string(out, a->account, strlen(a->account));
		fputs(",\"alerts\":{", out);
		for (int k = 1; k <= EVENT_KIND_LAST; k++) {
			if (a->kinds[k] == 0)
				continue;
			fprintf(out, "%s\"%s\":%lu", first ? "" : ",",
				event_kind_name((enum event_kind)k), a->kinds[k]);
			first = false;
		}
		fputs("},\"networks\":[", out);
		report_networks(rep, a->account, nets);
		/* "a, b (webmail)": the formatter's own words, no escaping needed */
		for (char *p = nets, *next; p != NULL && *p != '\0'; p = next) {
			next = strstr(p, ", ");
			fprintf(out, "%s\"%.*s\"", p == nets ? "" : ",",
				(int)(next != NULL ? (size_t)(next - p) : strlen(p)), p);
			if (next != NULL)
				next += 2;
		}
		fputs("]}", out);
	}
	fputs(rep->nalerted == 0 ? "]" : "\n]", out);
}

/* {"active":n,...,"total":n} */
static void json_counts(FILE *out, const unsigned long counts[STATUS_COUNT],
			unsigned long total)
{
	fputc('{', out);
	for (int s = 0; s < STATUS_COUNT; s++)
		fprintf(out, "%s\"%s\":%lu", s == 0 ? "" : ",",
			policy_status_name((enum account_status)s), counts[s]);
	fprintf(out, ",\"total\":%lu}", total);
}

int report_write_json(struct report *rep, FILE *out, const char **error_r)
{
	struct review_report review;
	char stamp[RFC3339_MAX];
	unsigned long n = 0;

	if (report_gather(rep, error_r) < 0)
		return -1;
	time_format_rfc3339(rep->generated, stamp);
	fprintf(out, "{\"generated\":\"%s\",\"month\":\"%s\",\"summary\":{", stamp,
		rep->month);
	for (size_t i = 0; i < rep->domains.n; i++) {
		const struct tally_entry *e = &rep->domains.items[i];

		fputs(i == 0 ? "\n" : ",\n", out);
		json_string(out, e->name, strlen(e->name));
		fputc(':', out);
		json_counts(out, e->counts, e->total);
	}
	fputs("},\"totals\":", out);
	json_counts(out, rep->totals, rep->total);
	/* by_unit is always there; without unit contacts its units are the
	   domains (units_are_domains), which the text and HTML do not repeat */
	fprintf(out, ",\"units_are_domains\":%s,\"by_unit\":[",
		rep->units_distinct ? "false" : "true");
	for (size_t i = 0; i < rep->units.n; i++) {
		const struct tally_entry *e = &rep->units.items[i];

		fputs(i == 0 ? "\n{\"unit\":" : ",\n{\"unit\":", out);
		json_string(out, e->name, strlen(e->name));
		fputs(",\"counts\":", out);
		json_counts(out, e->counts, e->total);
		fputc('}', out);
	}
	fputs(rep->units.n == 0 ? "],\"trend\":" : "\n],\"trend\":", out);
	if (trend_write_json_array(rep->store, NULL, rep->month_num,
				   TREND_REPORT_MONTHS, rep->warn,
				   &rep->errors, out,
				   error_r) < 0)
		return -1;
	fputs(",\"review\":", out);
	if (report_review(rep, &review, error_r) < 0)
		return -1;
	if (review.id[0] != '\0') {
		review_report_json(&review, false, true, out);
		review_report_free(&review);
	} else {
		fputs("null", out);
	}
	fputs(",\"accounts\":", out);
	if (report_table(rep, &table_json, out, true, error_r) < 0)
		return -1;
	fputs(",\"events\":[", out);
	if (report_foreach_event(rep, json_event, out, &n, error_r) < 0)
		return -1;
	fputs(n == 0 ? "]" : "\n]", out);
	json_alerted(rep, out);
	fputs("}\n", out);
	return 0;
}

const struct report_format *report_format_find(const char *name)
{
	static const struct report_format formats[] = {
		{ "text", report_write_text },
		{ "csv", report_write_csv },
		{ "json", report_write_json },
		{ "html", report_write_html },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	}
	return NULL;
}

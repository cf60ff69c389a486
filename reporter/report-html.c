/* report-html.c - the report as one self-contained HTML file: inline CSS,
 * an inline SVG histogram of idle days, no scripts, nothing fetched from
 * the network, readable on screen and on paper. Everything printed from
 * the database is escaped. */
#include "report.h"
#include "i18n.h"
#include "month.h"
#include "lang.h"
#include "output.h"
#include "review-report.h"
#include "trend.h"

#include <string.h>

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>";
static const char html_style[] =
	"</title>\n<style>\n"
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
	"color:#1c2530;margin:2em auto;max-width:72em;padding:0 1em;line-height:1.4}\n"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;"
	"border-bottom:2px solid #d0d7de;padding-bottom:.2em}\n"
	".meta{color:#57606a;margin-top:0}\n"
	"table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}\n"
	"th,td{padding:.3em .6em;border-bottom:1px solid #d8dee4;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#f3f5f7;font-weight:600}td.n,th.n{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	"tr.total td{font-weight:600;border-top:2px solid #8c959f}\n"
	".cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}\n"
	".card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;min-width:8em}\n"
	".card b{display:block;font-size:1.6em}\n"
	".dormant{color:#b35900}.never-used{color:#a40e26}.suspended{color:#57606a}\n"
	".active{color:#1a7f37}.idle{color:#9a6700}\n"
	"code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;"
	"font-size:.95em;word-break:break-all}\n"
	"svg{max-width:40em;height:auto}\n"
	"@media print{body{margin:0;max-width:none;font-size:10pt}"
	"h2{break-after:avoid}tr{break-inside:avoid}.cards{gap:.4em}}\n"
	"</style>\n</head>\n<body>\n";

static void esc(FILE *out, const char *s)
{
	html_escape(out, s, strlen(s));
}

void report_html_begin(FILE *out, const char *title)
{
	fprintf(out, html_head, lang_current());
	esc(out, title);
	fputs(html_style, out);
}

/* Counts by status per name of t (domains or units), then the totals. */
static void html_tally(const struct report *rep, const struct tally *t,
		       const char *title, const char *heading, const char *all_name,
		       const char *unnamed, FILE *out)
{
	fprintf(out, "<h2>%s</h2>\n<table>\n<thead><tr><th>%s</th>"
		"<th class=\"n\">%s</th>", title, heading, _("Total"));
	for (int s = 0; s < STATUS_COUNT; s++)
		fprintf(out, "<th class=\"n\">%s</th>",
			view_status_label((enum account_status)s));
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i <= t->n; i++) {
		bool all = i == t->n;
		const unsigned long *counts = all ? rep->totals : t->items[i].counts;

		if (all) {
			fprintf(out, "<tr class=\"total\"><td>%s</td>", all_name);
		} else {
			fputs("<tr><td>", out);
			esc(out, t->items[i].name[0] != '\0' ? t->items[i].name : unnamed);
			fputs("</td>", out);
		}
		fprintf(out, "<td class=\"n\">%lu</td>",
			all ? rep->total : t->items[i].total);
		for (int s = 0; s < STATUS_COUNT; s++)
			fprintf(out, "<td class=\"n\">%lu</td>", counts[s]);
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

/* The months recorded (trend.h), a table and one sentence. */
static int html_trend(struct report *rep, FILE *out, const char **error_r)
{
	static const enum account_status shown[] = {
		STATUS_DORMANT, STATUS_NEVER_USED, STATUS_SUSPENDED,
	};
	char sentence[TREND_SENTENCE_MAX], month[MONTH_TEXT_MAX];
	char shown_month[LANG_DATE_MAX];
	struct trend trend;

	if (trend_load(rep->store, NULL, rep->month_num, TREND_REPORT_MONTHS,
		       rep->warn, &trend, error_r) < 0)
		return -1;
	rep->errors += trend.errors;
	fprintf(out, "<h2>%s</h2>\n", _("Trend by month"));
	if (trend.n > 0) {
		fprintf(out, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s</th>",
			_("Month"), _("Total"));
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
			fprintf(out, "<th class=\"n\">%s</th><th class=\"n\">+/-</th>",
				view_status_label(shown[k]));
		fputs("</tr></thead>\n<tbody>\n", out);
	}
	for (size_t i = 0; i < trend.n; i++) {
		const struct trend_point *p = &trend.points[i];

		month_format(p->month, month);
		fprintf(out, "<tr><td>%s</td><td class=\"n\">%lu</td>",
			lang_month(month, shown_month),
			(unsigned long)p->counts.total);
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) {
			uint32_t now = p->counts.status[shown[k]];

			fprintf(out, "<td class=\"n\">%lu</td>", (unsigned long)now);
			if (i == 0)
				fputs("<td class=\"n\">-</td>", out);
			else
				fprintf(out, "<td class=\"n\">%+lld</td>", (long long)now -
					(long long)p[-1].counts.status[shown[k]]);
		}
		fputs("</tr>\n", out);
	}
	if (trend.n > 0)
		fputs("</tbody>\n</table>\n", out);
	trend_sentence(&trend, sentence);
	fputs("<p>", out);
	esc(out, sentence);
	fputs("</p>\n", out);
	trend_free(&trend);
	return 0;
}

static void html_summary(struct report *rep, FILE *out)
{
	static const enum account_status cards[] = {
		STATUS_ACTIVE, STATUS_IDLE, STATUS_DORMANT, STATUS_NEVER_USED,
		STATUS_SUSPENDED, STATUS_EXEMPT, STATUS_INSUFFICIENT_HISTORY,
	};

	fputs("<div class=\"cards\">\n", out);
	fprintf(out, "<div class=\"card\"><b>%lu</b>%s</div>\n", rep->total,
		_("accounts"));
	for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++)
		fprintf(out, "<div class=\"card %s\"><b>%lu</b>%s</div>\n",
			policy_status_name(cards[i]), rep->totals[cards[i]],
			view_status_label(cards[i]));
	fputs("</div>\n", out);
	html_tally(rep, &rep->domains, _("By domain"), _("Domain"),
		   _("All domains"), _("(no domain)"), out);
	if (rep->units_distinct)
		html_tally(rep, &rep->units, _("By unit"), _("Unit"),
			   _("All units"), _("(no unit)"), out);
}

/* A bar chart of how long accounts have been idle. */
static void html_histogram(struct report *rep, FILE *out)
{
	static const char *const labels[REPORT_BUCKETS] = {
		"0-29", "30-59", "60-89", "90-119", "120-179", "180-364", "365+",
	};
	const int width = 560, height = 240, left = 50, bottom = 40, top = 20;
	const int plot_h = height - bottom - top;
	const int slot = (width - left - 10) / REPORT_BUCKETS;
	unsigned long max = 1;

	for (int b = 0; b < REPORT_BUCKETS; b++)
		if (rep->hist[b] > max)
			max = rep->hist[b];
	fprintf(out, "<h2>%s</h2>\n", _("Idle time"));
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"%s\">\n", width, height,
		width, height, _("Accounts by days since last use"));
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/>\n",
		left, height - bottom, width - 10, height - bottom);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" "
		"fill=\"#57606a\">%lu</text>\n", left - 6, top + 4, max);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" "
		"fill=\"#57606a\">0</text>\n", left - 6, height - bottom + 4);
	for (int b = 0; b < REPORT_BUCKETS; b++) {
		int h = (int)((double)rep->hist[b] / (double)max * plot_h);
		int x = left + b * slot + slot / 6;
		int w = slot * 2 / 3;
		int days = report_bucket_days[b];
		const char *fill = days >= (int)(rep->view.policy.dormant_after / 86400) ?
			"#b35900" : days >= (int)(rep->view.policy.warn_after / 86400) ?
			"#d4a72c" : "#2da44e";

		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"%s\"><title>", x, height - bottom - h, w, h, fill);
		/* TRANSLATORS: a range of days ("30-59") and how many accounts */
		fprintf(out, _("%s days: %lu"), labels[b], rep->hist[b]);
		fputs("</title></rect>\n", out);
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
			"text-anchor=\"middle\">%lu</text>\n", x + w / 2,
			height - bottom - h - 4, rep->hist[b]);
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
			"text-anchor=\"middle\" fill=\"#57606a\">%s</text>\n", x + w / 2,
			height - bottom + 16, labels[b]);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" "
		"fill=\"#57606a\">%s</text>\n</svg>\n",
		left + (width - left) / 2, height - 6, _("days since last login or send"));
}

static void html_row(struct report *rep, const struct row *row, FILE *out,
		     void *ctx)
{
	enum account_status *want = ctx;
	char t[LANG_DATE_MAX];

	(void)rep;
	if (row->status != *want)
		return;
	fputs("<tr><td class=\"mono\">", out);
	html_escape(out, row->account, row->account_len);
	fputs("</td><td class=\"n\">", out);
	if (row->idle_days >= 0)
		fprintf(out, "%lld", (long long)row->idle_days);
	fputs("</td><td>", out);
	esc(out, row->last_login[0] ? lang_date_text(row->last_login, t) : _("never"));
	fputs("</td><td>", out);
	esc(out, row->login_service);
	fputs("</td><td class=\"mono\">", out);
	esc(out, row->login_ip);
	fputs("</td><td>", out);
	esc(out, row->last_send[0] ? lang_date_text(row->last_send, t) : _("never"));
	fputs("</td><td>", out);
	esc(out, lang_date_text(row->first_seen, t));
	fputs("</td></tr>\n", out);
}

static void html_event(struct report *rep, int64_t time, const char *account,
		       const struct account_event *ev, FILE *out, void *ctx)
{
	char stamp[LANG_DATE_MAX], ip[IP_TEXT_MAX], flags[REPORT_EVENT_FLAGS_MAX];

	(void)rep; (void)ctx;
	lang_date(time, LANG_DATE_TIME, stamp);
	ip_format(&ev->ip, ip);
	fprintf(out, "<tr><td>%s</td><td>%s", stamp, report_kind_label(ev->kind));
	if (report_event_flags(ev, flags)[0] != '\0')
		fprintf(out, " (%s)", flags);
	fputs("</td><td class=\"mono\">", out);
	esc(out, account);
	fputs("</td><td class=\"n\">", out);
	if (ev->idle >= 0)
		fprintf(out, "%lld", (long long)(ev->idle / 86400));
	fputs("</td><td>", out);
	esc(out, ev->service);
	fprintf(out, "</td><td class=\"mono\">%s</td></tr>\n", ip);
}

int report_write_html(struct report *rep, FILE *out, const char **error_r)
{
	static const enum account_status listed[] = {
		STATUS_DORMANT, STATUS_NEVER_USED, STATUS_SUSPENDED,
	};
	static const char *const titles[] = {
		N_("Dormant accounts"), N_("Never used"), N_("Suspended"),
	};
	char stamp[LANG_DATE_MAX], mon[LANG_DATE_MAX], title[256];
	const char *month;
	struct review_report review;

	if (report_gather(rep, error_r) < 0)
		return -1;
	lang_date(rep->generated, LANG_DATE_TIME, stamp);
	month = lang_month(rep->month, mon);
	snprintf(title, sizeof(title), _("Dormant mailbox report %s"), month);
	report_html_begin(out, title);
	fprintf(out, "<h1>");
	fprintf(out, _("Dormant mailbox report: %s"), month);
	fputs("</h1>\n<p class=\"meta\">", out);
	fprintf(out, _("Generated %s. Idle from %lld days, dormant "
		"from %lld days, suspension from %lld days."), stamp,
		(long long)(rep->view.policy.warn_after / 86400),
		(long long)(rep->view.policy.dormant_after / 86400),
		(long long)(rep->view.policy.suspend_after / 86400));
	fputs("</p>\n", out);
	html_summary(rep, out);
	html_histogram(rep, out);
	if (html_trend(rep, out, error_r) < 0)
		return -1;
	if (report_review(rep, &review, error_r) < 0)
		return -1;
	if (review.id[0] != '\0') {
		review_report_html(&review, false, out);
		review_report_free(&review);
	}
	for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		enum account_status want = listed[i];

		fprintf(out, "<h2>%s (%lu)</h2>\n", _(titles[i]), rep->totals[want]);
		if (rep->totals[want] == 0) {
			fprintf(out, "<p>%s</p>\n", _("None."));
			continue;
		}
		fprintf(out, "<table>\n<thead><tr><th>%s</th><th class=\"n\">%s"
			"</th><th>%s</th><th>%s</th><th>%s</th>"
			"<th>%s</th><th>%s</th></tr></thead>\n<tbody>\n", _("Account"),
			_("Idle days"), _("Last login"), _("Service"), _("From"),
			_("Last send"), _("First seen"));
		if (report_foreach_row(rep, html_row, out, &want, error_r) < 0)
			return -1;
		fputs("</tbody>\n</table>\n", out);
	}
	fputs("<h2>", out);
	fprintf(out, _("Alerts in %s by account (%zu)"), month, rep->nalerted);
	fputs("</h2>\n", out);
	if (rep->nalerted == 0) {
		fprintf(out, "<p>%s</p>\n", _("None."));
	} else {
		fprintf(out, "<table>\n<thead><tr><th>%s</th><th>%s</th>"
			"<th>%s</th></tr></thead>\n<tbody>\n", _("Account"), _("Alerts"),
			_("Networks used this month"));
		for (size_t i = 0; i < rep->nalerted; i++) {
			char kinds[REPORT_KINDS_MAX], nets[REPORT_NETWORKS_MAX];

			report_kinds(&rep->alerted[i], kinds);
			report_networks(rep, rep->alerted[i].account, nets);
			fputs("<tr><td class=\"mono\">", out);
			esc(out, rep->alerted[i].account);
			fprintf(out, "</td><td>%s</td><td class=\"mono\">", kinds);
			esc(out, nets);
			fputs("</td></tr>\n", out);
		}
		fputs("</tbody>\n</table>\n", out);
	}
	fputs("<h2>", out);
	fprintf(out, _("Wake-ups, new networks and refusals in %s (%lu)"), month,
		rep->events);
	fputs("</h2>\n", out);
	if (rep->events == 0) {
		fprintf(out, "<p>%s</p>\n", _("None."));
	} else {
		fprintf(out, "<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th>"
			"<th class=\"n\">%s</th><th>%s</th><th>%s"
			"</th></tr></thead>\n<tbody>\n", _("Time"), _("Event"), _("Account"),
			_("Idle days before"), _("Service"), _("From"));
		if (report_foreach_event(rep, html_event, out, NULL, error_r) < 0)
			return -1;
		fputs("</tbody>\n</table>\n", out);
	}
	fprintf(out, "<p class=\"meta\">%s</p>\n</body>\n</html>\n",
		_("A wake-up is a login or send by an account that had "
		  "been dormant: if its owner did not expect it, treat the account as "
		  "compromised."));
	return 0;
}

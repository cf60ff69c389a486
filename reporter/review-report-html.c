/* review-report-html.c - a review campaign's outcome as HTML: a section of
 * the monthly report (the per-unit table and its sentence) or one
 * self-contained page with the kept and revoked accounts too, in the
 * monthly report's style (report_html_begin). Every value from the
 * database is escaped. */
#include "review-report.h"
#include "i18n.h"
#include "output.h"
#include "report.h"
#include "timeutil.h"
#include "lang.h"

#include <string.h>

static void esc(FILE *out, const char *s)
{
	html_escape(out, s, strlen(s));
}

/* A time as people read it in the report's language; "-" for never. */
static void stamp(FILE *out, int64_t t)
{
	char buf[LANG_DATE_MAX];

	if (t <= 0) {
		fputs("-", out);
		return;
	}
	lang_date(t, LANG_DATE_COLUMN, buf);
	fputs(buf, out);
}

static void unit_row(const struct review_counts *rc, const char *name, bool total,
		     FILE *out)
{
	fputs(total ? "<tr class=\"total\"><td>" : "<tr><td>", out);
	esc(out, name);
	fputs("</td><td>", out);
	esc(out, rc->reviewer[0] != '\0' ? rc->reviewer : total ? "" : "-");
	fprintf(out, "</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td>"
		"<td class=\"n\">%lu</td><td class=\"n\">%lu</td>"
		"<td class=\"n\">%lu</td><td class=\"n\">%lu</td>"
		"<td class=\"n\">%lu</td><td class=\"n\">%lu</td><td>",
		rc->accounts, rc->kept + rc->revoked, rc->kept, rc->revoked,
		rc->revoked - rc->by_default, rc->by_default, rc->undecided,
		(unsigned long)rc->sheets);
	stamp(out, rc->answered);
	fputs("</td></tr>\n", out);
}

static void unit_table(const struct review_report *rep, FILE *out)
{
	char sentence[REVIEW_SENTENCE_MAX];

	fprintf(out, "<table>\n<thead><tr><th>%s</th><th>%s</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th>"
		"<th class=\"n\">%s</th><th class=\"n\">%s</th><th>%s</th>"
		"</tr></thead>\n<tbody>\n", _("Unit"), _("Reviewer"),
		_("Accounts"), _("Reviewed"), _("Kept"), _("Revoked"),
		_("by reviewer"), _("by default"), _("Still open"),
		_("Sheets"), _("Last answer"));
	for (size_t i = 0; i < rep->nunits; i++)
		unit_row(&rep->units[i], rep->units[i].unit, false, out);
	unit_row(&rep->totals, _("All units"), true, out);
	fputs("</tbody>\n</table>\n<p>", out);
	review_report_sentence(rep, sentence);
	esc(out, sentence);
	fputs("</p>\n", out);
}

/* "campaign ID (open), started D, due D[, closed D]." */
static void meta(const struct review_report *rep, FILE *out)
{
	char heading[REVIEW_HEADING_MAX];

	review_report_heading(rep, heading);
	fputs("<p class=\"meta\">", out);
	esc(out, heading);
	fputs(".</p>\n", out);
}

static const char *unit_name(const struct review_report *rep,
			     const struct review_report_acct *a)
{
	return a->unit < rep->nunits ? rep->units[a->unit].unit : "";
}

static void kept_table(const struct review_report *rep, FILE *out)
{
	fprintf(out, "<h2>%s (%zu)</h2>\n", _("Kept accounts"), rep->nkept);
	if (rep->nkept == 0) {
		fprintf(out, "<p>%s</p>\n", _("None."));
		return;
	}
	fprintf(out, "<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
		_("Unit"), _("Account"), _("Reason"), _("Reviewer"), _("Decided"),
		_("Kept until"));
	for (size_t i = 0; i < rep->nkept; i++) {
		const struct review_report_acct *a = &rep->kept[i];
		char until[LANG_DATE_MAX];

		fputs("<tr><td>", out);
		esc(out, unit_name(rep, a));
		fputs("</td><td class=\"mono\">", out);
		esc(out, a->account);
		fputs("</td><td>", out);
		esc(out, a->item.reason);
		fputs("</td><td>", out);
		esc(out, a->item.reviewer);
		fputs("</td><td>", out);
		stamp(out, a->item.decided);
		fputs("</td><td>", out);
		if (a->item.keep_until > 0) {
			lang_date(a->item.keep_until, LANG_DATE_DAY, until);
			fputs(until, out);
		} else {
			esc(out, _("the next campaign"));
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void revoked_table(const struct review_report *rep, FILE *out)
{
	fprintf(out, "<h2>%s (%zu)</h2>\n", _("Revoked accounts"), rep->nrevoked);
	if (rep->nrevoked == 0) {
		fprintf(out, "<p>%s</p>\n", _("None."));
		return;
	}
	fprintf(out, "<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr></thead>\n<tbody>\n", _("Unit"),
		_("Account"), _("Decided by"), _("Decided"), _("Suspended"));
	for (size_t i = 0; i < rep->nrevoked; i++) {
		const struct review_report_acct *a = &rep->revoked[i];

		fputs("<tr><td>", out);
		esc(out, unit_name(rep, a));
		fputs("</td><td class=\"mono\">", out);
		esc(out, a->account);
		fputs("</td><td>", out);
		if (a->item.by_default)
			esc(out, _("review_default (no answer)"));
		else
			esc(out, a->item.reviewer);
		fputs("</td><td>", out);
		stamp(out, a->item.decided);
		fprintf(out, "</td><td>%s</td></tr>\n",
			a->suspended ? _("yes") : _("not yet"));
	}
	fputs("</tbody>\n</table>\n", out);
}

void review_report_html(const struct review_report *rep, bool page, FILE *out)
{
	char title[96];

	if (!page) {
		fprintf(out, "<h2>%s</h2>\n", _("Unit review"));
		meta(rep, out);
		unit_table(rep, out);
		return;
	}
	snprintf(title, sizeof(title), _("Account review %s"), rep->id);
	report_html_begin(out, title);
	fputs("<h1>", out);
	esc(out, title);
	fputs("</h1>\n", out);
	meta(rep, out);
	unit_table(rep, out);
	kept_table(rep, out);
	revoked_table(rep, out);
	fputs("</body>\n</html>\n", out);
}

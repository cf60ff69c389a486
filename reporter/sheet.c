/* sheet.c - writing review sheets and reading them back (sheet.h). */
#include "sheet.h"
#include "array.h"
#include "csv.h"
#include "i18n.h"
#include "lang.h"
#include "lines.h"
#include "output.h"
#include "policy.h"
#include "timeutil.h"
#include "view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void csv_str(FILE *out, const char *s)
{
	csv_field(out, s, strlen(s));
}

void sheet_write_csv(FILE *out, const struct sheet_info *info,
		     const struct review_acct *accts, size_t count)
{
	char login[RFC3339_MAX], send[RFC3339_MAX];

	fputs("\xef\xbb\xbf" SHEET_COLUMNS "\r\n", out);
	for (size_t i = 0; i < count; i++) {
		const struct review_item *it = &accts[i].item;

		login[0] = send[0] = '\0';
		if (it->last_login > 0)
			time_format_rfc3339(it->last_login, login);
		if (it->last_send > 0)
			time_format_rfc3339(it->last_send, send);
		csv_str(out, info->id);
		fputc(',', out);
		csv_str(out, info->unit);
		fprintf(out, ",%s,", info->key_hex);
		csv_str(out, accts[i].account);
		fprintf(out, ",%s,%s,%s,", policy_status_name(it->status), login, send);
		if (it->idle_days >= 0)
			fprintf(out, "%lld", (long long)it->idle_days);
		fprintf(out, ",%s,", review_decision_name(it->decision));
		csv_str(out, it->reason);
		fputc(',', out);
		csv_str(out, it->reviewer);
		fputs("\r\n", out);
	}
}

static const char html_style[] =
	"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
	"color:#1c2530;margin:2em auto;max-width:72em;padding:0 1em;line-height:1.4}\n"
	"h1{font-size:1.5em;margin-bottom:.2em}.meta{color:#57606a;margin-top:0}\n"
	".howto{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;"
	"background:#f6f8fa}\n"
	"table{border-collapse:collapse;width:100%;font-size:.9em;margin:1em 0}\n"
	"th,td{padding:.3em .6em;border:1px solid #d8dee4;text-align:left;"
	"vertical-align:top}\nth{background:#f3f5f7}td.n{text-align:right}\n"
	"td.fill{min-width:8em}\n.dormant{color:#b35900}.never-used{color:#a40e26}\n"
	".mono{font-family:ui-monospace,Menlo,monospace;word-break:break-all}\n"
	"@media print{body{margin:0;max-width:none;font-size:9pt}"
	"tr{break-inside:avoid}thead{display:table-header-group}}\n";

static void esc(FILE *out, const char *s)
{
	html_escape(out, s, strlen(s));
}

static void html_date(FILE *out, int64_t t)
{
	char day[LANG_DATE_MAX];

	if (t <= 0) {
		fputs("-", out);
		return;
	}
	lang_date(t, LANG_DATE_DAY, day);
	fputs(day, out);
}

/* A decision as the HTML sheet names it: the word a reviewer writes into
   the CSV sheet in this language (review_decision_parse takes it back). */
static const char *decision_label(enum review_decision d)
{
	switch (d) {
	case REVIEW_KEEP: return C_("decision", "keep");
	case REVIEW_REVOKE: return C_("decision", "revoke");
	default: return review_decision_name(d);
	}
}

void sheet_write_html(FILE *out, const struct sheet_info *info,
		      const struct review_acct *accts, size_t count)
{
	/* lang: the reader's fonts, hyphenation and screen reader */
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
		"<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
		"content=\"width=device-width, initial-scale=1\">\n<title>",
		lang_current());
	fputs(_("Account review"), out);
	fputs(": ", out);
	esc(out, info->unit);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>",
		html_style);
	fputs(_("Account review"), out);
	fputs(": ", out);
	esc(out, info->unit);
	fputs("</h1>\n<p class=\"meta\">", out);
	fprintf(out, "%s <span class=\"mono\">", _("Campaign"));
	esc(out, info->id);
	fprintf(out, "</span> &middot; %s ", _("reviewer"));
	esc(out, info->reviewer[0] != '\0' ? info->reviewer : _("none"));
	fprintf(out, " &middot; %s ", _("due"));
	html_date(out, info->due);
	fprintf(out, " &middot; %s <span class=\"mono\">", _("sheet key"));
	esc(out, info->key_hex);
	fputs("</span></p>\n<div class=\"howto\">\n<p>", out);
	fputs(_("Please say for every account of your unit whether it is still "
		"needed. In the attached CSV sheet (open it with a spreadsheet), "
		"write in the decision column:"), out);
	fprintf(out, "</p>\n<ul>\n<li><b>%s</b>: ", decision_label(REVIEW_KEEP));
	fputs(_("the account is in use or needed; give the reason in the "
		"reason column (required)."), out);
	fprintf(out, "</li>\n<li><b>%s</b>: ", decision_label(REVIEW_REVOKE));
	fputs(_("nobody needs it; it will be suspended (reversibly)."), out);
	fputs("</li>\n<li>", out);
	fputs(_("leave it empty if you do not know yet."), out);
	fputs("</li>\n</ul>\n<p>", out);
	fputs(_("Put your name in the reviewer column. Do not change the "
		"campaign, unit, sheet_key and account columns: a sheet that "
		"does not match is refused as a whole. Save it as \"CSV UTF-8\" "
		"and send it back to the IT department before the due date."), out);
	fputs("</p>\n</div>\n<table>\n<thead><tr>", out);
	fprintf(out, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
		_("Account"), _("Status"), _("Last login"), _("Last send"),
		_("Idle days"), _("Decision"), _("Reason"));
	for (size_t i = 0; i < count; i++) {
		const struct review_item *it = &accts[i].item;
		const char *status = policy_status_name(it->status);

		fputs("<tr><td class=\"mono\">", out);
		esc(out, accts[i].account);
		fprintf(out, "</td><td class=\"%s\">", status);
		esc(out, view_status_label(it->status));
		fputs("</td><td>", out);
		html_date(out, it->last_login);
		fputs("</td><td>", out);
		html_date(out, it->last_send);
		fputs("</td><td class=\"n\">", out);
		if (it->idle_days >= 0)
			fprintf(out, "%lld", (long long)it->idle_days);
		else
			fputs("-", out);
		fprintf(out, "</td><td class=\"fill\">%s</td><td class=\"fill\">",
			decision_label(it->decision));
		esc(out, it->reason);
		fputs("</td></tr>\n", out);
	}
	fprintf(out, "</tbody>\n</table>\n<p class=\"meta\">%lu %s</p>\n"
		"</body>\n</html>\n", (unsigned long)count, _("accounts"));
}

/* The sheet's column positions. */
enum sheet_col {
	COL_CAMPAIGN, COL_UNIT, COL_KEY, COL_ACCOUNT, COL_STATUS, COL_LOGIN,
	COL_SEND, COL_IDLE, COL_DECISION, COL_REASON, COL_REVIEWER,
};

static bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* The header tells the separator: the columns split at ',' or at ';'. */
static int header_sep(char *line, char *sep_r)
{
	static const char seps[] = ",;";
	char *fields[SHEET_NCOLUMNS + 1], copy[LINE_MAX_BYTES + 1];
	const char *error;
	size_t n;

	for (const char *sep = seps; *sep != '\0'; sep++) {
		const char *want = SHEET_COLUMNS;
		bool ok;

		snprintf(copy, sizeof(copy), "%s", line);
		if (csv_split(copy, *sep, fields, SHEET_NCOLUMNS + 1, SHEET_COLUMNS,
			      &n, &error) < 0 || n != SHEET_NCOLUMNS)
			continue;
		ok = true;
		for (size_t i = 0; i < n && ok; i++) {
			size_t len = strcspn(want, ",");

			ok = strlen(fields[i]) == len &&
				strncasecmp(fields[i], want, len) == 0;
			want += len + (want[len] == ',');
		}
		if (ok) {
			*sep_r = *sep;
			return 0;
		}
	}
	return -1;
}

/* Take off the "'" dormant put before a cell a spreadsheet would run. */
static char *unguard(char *s)
{
	if (s[0] == '\'' && s[1] != '\0' && strchr("=+-@\t\r", s[1]) != NULL)
		return s + 1;
	return s;
}

static bool hex32(const char *s)
{
	if (strlen(s) != 32)
		return false;
	return strspn(s, "0123456789abcdef") == 32;
}

static int row_cmp(const void *a, const void *b)
{
	const struct sheet_row *x = a, *y = b;
	int r = strcmp(x->account, y->account);

	return r != 0 ? r : (x->line < y->line ? -1 : x->line > y->line);
}

/* One data row into sheet: 0, or -1 with *error_r. */
static int sheet_row_add(struct sheet *sheet, char **f, size_t n,
			 const char **error_r)
{
	struct sheet_row row;
	int d;

	for (size_t i = 0; i < n; i++)
		f[i] = unguard(f[i]);
	for (size_t i = n; i < SHEET_NCOLUMNS; i++)
		f[i] = (char *)"";
	if (!review_id_valid(f[COL_CAMPAIGN], strlen(f[COL_CAMPAIGN]))) {
		*error_r = _("campaign: not a campaign id");
		return -1;
	}
	if (f[COL_UNIT][0] == '\0' ||
	    !review_text_valid(f[COL_UNIT], strlen(f[COL_UNIT]), CONTACT_TEXT_MAX)) {
		*error_r = _("unit: empty, longer than 320 bytes or a control byte");
		return -1;
	}
	if (!hex32(f[COL_KEY])) {
		*error_r = _("sheet_key: not the 32 hex digits of a sheet key");
		return -1;
	}
	if (sheet->count == 0) {
		snprintf(sheet->id, sizeof(sheet->id), "%s", f[COL_CAMPAIGN]);
		snprintf(sheet->unit, sizeof(sheet->unit), "%s", f[COL_UNIT]);
		snprintf(sheet->key_hex, sizeof(sheet->key_hex), "%s", f[COL_KEY]);
	} else if (strcmp(sheet->id, f[COL_CAMPAIGN]) != 0 ||
		   strcmp(sheet->unit, f[COL_UNIT]) != 0 ||
		   strcmp(sheet->key_hex, f[COL_KEY]) != 0) {
		*error_r = _("campaign, unit or sheet_key differs from the first row's "
			     "(one sheet is one unit)");
		return -1;
	}
	if (f[COL_ACCOUNT][0] == '\0' ||
	    !review_text_valid(f[COL_ACCOUNT], strlen(f[COL_ACCOUNT]), ACCOUNT_MAX)) {
		*error_r = _("account: empty, longer than 320 bytes or a control byte");
		return -1;
	}
	d = review_decision_parse(f[COL_DECISION]);
	if (d < 0) {
		*error_r = errmsg_printf(_("unknown decision '%.40s' (keep, "
					   "revoke, or empty)"),
					 f[COL_DECISION]);
		return -1;
	}
	if (!review_text_valid(f[COL_REASON], strlen(f[COL_REASON]),
			       REVIEW_REASON_MAX)) {
		*error_r = _("reason: longer than 500 bytes or a control byte");
		return -1;
	}
	if (d == REVIEW_KEEP && f[COL_REASON][0] == '\0') {
		*error_r = _("keep needs a reason");
		return -1;
	}
	if (!review_text_valid(f[COL_REVIEWER], strlen(f[COL_REVIEWER]),
			       REVIEW_NAME_MAX)) {
		*error_r = _("reviewer: longer than 64 bytes or a control byte");
		return -1;
	}
	if (array_grow(&sheet->rows, &sheet->alloc, sheet->count, sizeof(row)) < 0)
		goto oom;
	memset(&row, 0, sizeof(row));
	row.decision = (enum review_decision)d;
	row.account = strdup(f[COL_ACCOUNT]);
	row.reason = strdup(f[COL_REASON]);
	row.reviewer = strdup(f[COL_REVIEWER]);
	if (row.account == NULL || row.reason == NULL || row.reviewer == NULL) {
		free(row.account);
		free(row.reason);
		free(row.reviewer);
		goto oom;
	}
	sheet->rows[sheet->count++] = row;
	return 0;
oom:
	*error_r = _("out of memory");
	return -1;
}

int sheet_parse(FILE *f, const char *name, struct sheet *sheet_r,
		const char **error_r)
{
	struct sheet sheet;
	char line[LINE_MAX_BYTES + 1], *fields[SHEET_NCOLUMNS], sep = 0;
	unsigned long lineno = 0;
	enum line_result r;
	const char *err;
	size_t len, n;

	memset(&sheet, 0, sizeof(sheet));
	while ((r = lines_read(f, line, &len)) != LINE_EOF) {
		char *p = line;

		lineno++;
		if (r != LINE_OK) {
			err = r == LINE_NUL ? _("a NUL byte (not a CSV text file)") :
				_("line longer than 4096 bytes");
			goto fail;
		}
		if (lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		if (!utf8_valid(p, strlen(p))) {
			err = _("not UTF-8: save the sheet as \"CSV UTF-8\"");
			goto fail;
		}
		if (strpbrk(p, "\r\n") != NULL) {
			err = _("a CR or LF inside a line (a line break in a cell?)");
			goto fail;
		}
		if (sep == 0) {
			if (header_sep(p, &sep) < 0) {
				err = errmsg_printf(_("not a review sheet: the first "
							    "line must be the header %s"),
							  SHEET_COLUMNS);
				goto fail;
			}
			continue;
		}
		if (p[strspn(p, " \t,;\"")] == '\0')
			continue;    /* an empty row a spreadsheet left */
		if (csv_split(p, sep, fields, SHEET_NCOLUMNS, SHEET_COLUMNS, &n,
			      &err) < 0)
			goto fail;
		if (n <= COL_DECISION) {
			err = _("fewer fields than the header's");
			goto fail;
		}
		if (sheet_row_add(&sheet, fields, n, &err) < 0)
			goto fail;
		sheet.rows[sheet.count - 1].line = lineno;
	}
	if (ferror(f)) {
		*error_r = errmsg_printf(_("%s: read error: %s"), name, strerror(errno));
		sheet_free(&sheet);
		return -1;
	}
	if (sheet.count == 0) {
		*error_r = errmsg_printf("%s: %s", name, lineno == 0 ?
					 _("empty file") :
					 _("no account in the sheet"));
		sheet_free(&sheet);
		return -1;
	}
	/* a decision twice is no decision: refuse, naming the later line */
	qsort(sheet.rows, sheet.count, sizeof(*sheet.rows), row_cmp);
	for (size_t i = 1; i < sheet.count; i++) {
		if (strcmp(sheet.rows[i - 1].account, sheet.rows[i].account) == 0) {
			lineno = sheet.rows[i].line;
			err = _("an account listed twice");
			goto fail;
		}
	}
	*sheet_r = sheet;
	return 0;
fail:
	*error_r = errmsg_printf("%s:%lu: %s", name, lineno, err);
	sheet_free(&sheet);
	return -1;
}

void sheet_free(struct sheet *sheet)
{
	for (size_t i = 0; i < sheet->count; i++) {
		free(sheet->rows[i].account);
		free(sheet->rows[i].reason);
		free(sheet->rows[i].reviewer);
	}
	free(sheet->rows);
	memset(sheet, 0, sizeof(*sheet));
}

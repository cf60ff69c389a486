/* review-mail.c - a unit's sheets to its reviewer: one multipart mail,
 * the HTML sheet to read and the CSV sheet to fill in, both attached. */
#include "cmd-review.h"
#include "contacts.h"
#include "i18n.h"
#include "lang.h"
#include "mail.h"
#include "timeutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void review_sheet_info(const char *id, const struct review_campaign *c,
		       const struct review_unit *u, char key_hex[33],
		       struct sheet_info *info_r)
{
	review_key_hex(u->key, key_hex);
	info_r->id = id;
	info_r->unit = u->name;
	info_r->key_hex = key_hex;
	info_r->reviewer = u->reviewer;
	info_r->due = c->due;
}

/* The sheets in memory: 0, or -1. */
static int render(const struct sheet_info *info, const struct review_acct *accts,
		  size_t count, bool html, char **buf_r, size_t *len_r)
{
	FILE *f = open_memstream(buf_r, len_r);

	if (f == NULL)
		return -1;
	if (html)
		sheet_write_html(f, info, accts, count);
	else
		sheet_write_csv(f, info, accts, count);
	return fclose(f) == 0 ? 0 : -1;
}

int review_mail_unit(const struct cli *cli, const struct sheet_info *info,
		     uint32_t n, const struct review_acct *accts, size_t count,
		     unsigned long undecided, bool reminder, const char **error_r)
{
	char *csv = NULL, *html = NULL, stem[64], name[80], boundary[64];
	char subject[CONTACT_TEXT_MAX + 200], due[LANG_DATE_MAX];
	const char *from = cli->cfg.notice_from[0] != '\0' ?
		cli->cfg.notice_from : cli->cfg.report_to;
	size_t csv_len = 0, html_len = 0;
	uint8_t rnd[12];
	struct mail m;
	int ret = 0;

	if (!contact_address_plain(info->reviewer)) {
		*error_r = _("the unit's reviewer is not a plain mail address");
		return -1;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		*error_r = errmsg_printf("getrandom: %s", strerror(errno));
		return -1;
	}
	snprintf(boundary, sizeof(boundary), "=_dormant_%02x%02x%02x%02x%02x%02x"
		 "%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
		 rnd[5], rnd[6], rnd[7], rnd[8], rnd[9], rnd[10], rnd[11]);
	if (render(info, accts, count, false, &csv, &csv_len) < 0 ||
	    render(info, accts, count, true, &html, &html_len) < 0) {
		free(csv);
		free(html);
		*error_r = _("out of memory");
		return -1;
	}
	lang_date(info->due, LANG_DATE_DAY, due);
	snprintf(subject, sizeof(subject), reminder ?
		 _("Reminder: Account review of unit %s (due %s)") :
		 _("Account review of unit %s (due %s)"), info->unit, due);
	if (mail_open(&m, cli->cfg.sendmail, error_r) < 0) {
		free(csv);
		free(html);
		return -1;
	}
	mail_headers(m.f, info->reviewer, "", from);
	mail_subject(m.f, subject, strlen(subject));
	mail_multipart_begin(m.f, boundary);
	mail_part_text(m.f, boundary);
	fprintf(m.f, _("Hello,\n\nplease review the mail accounts of unit %s "
		       "(%zu accounts, %lu without a decision) by %s.\n\n"
		       "The attached sheets list them: the HTML sheet to read "
		       "and print, the CSV sheet to fill in with a spreadsheet "
		       "(the HTML sheet says how) and send back to the IT "
		       "department.\n\nCampaign %s.\n"), info->unit, count,
		undecided, due, info->id);
	review_unit_stem(n, info->unit, stem);
	snprintf(name, sizeof(name), "%s.csv", stem);
	if (mail_part_attach(m.f, boundary, "text/csv", name, csv, csv_len) < 0)
		ret = -1;
	snprintf(name, sizeof(name), "%s.html", stem);
	if (mail_part_attach(m.f, boundary, "text/html", name, html, html_len) < 0)
		ret = -1;
	mail_multipart_end(m.f, boundary);
	free(csv);
	free(html);
	if (mail_close(&m, error_r) < 0)
		return -1;
	if (ret < 0)
		*error_r = _("writing the mail failed");
	return ret;
}

int review_parse_date(const char *s, int64_t *t_r)
{
	char stamp[32];
	int64_t t;

	if (strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' ||
	    s[7] != '-')
		return -1;
	snprintf(stamp, sizeof(stamp), "%sT23:59:59Z", s);
	if (time_parse_rfc3339(stamp, &t) < 0)
		return -1;
	*t_r = t;
	return 0;
}

/* cmd-report.c - "dormant report": the report for a month, in any format,
 * to a file (gzip when it ends in .gz) or stdout; --monthly writes the
 * HTML and CSV files into report_dir for cron and can mail the HTML. */
#include "cli.h"
#include "i18n.h"
#include "lang.h"
#include "mail.h"
#include "outfile.h"
#include "month.h"
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

/* 0, or -1 (printed). */
static int report_to_file(struct report *rep, const char *format,
			  const char *path)
{
	struct outfile *of;
	const char *error;
	FILE *out;

	of = outfile_open(path, 0640, &out, &error);
	if (of == NULL) {
		cli_error("%s", error);
		return -1;
	}
	if (report_format_find(format)->write(rep, out, &error) < 0) {
		cli_error("%s", error);
		outfile_abort(&of);
		return -1;
	}
	if (outfile_commit(&of, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

/* 0, or -1 (printed). */
static int report_mail(struct cli *cli, struct report *rep, const char *html_path)
{
	struct mail m;
	const char *error, *month;
	char mon[LANG_DATE_MAX], subject[256];
	FILE *src;
	int ret;

	if (cli->cfg.report_to[0] == '\0') {
		cli_error(_("--mail: report_to is not set in the configuration"));
		return -1;
	}
	src = fopen(html_path, "r");
	if (src == NULL) {
		cli_error("%s: %s", html_path, strerror(errno));
		return -1;
	}
	if (mail_open(&m, cli->cfg.sendmail, &error) < 0) {
		cli_error("%s", error);
		fclose(src);
		return -1;
	}
	mail_headers(m.f, cli->cfg.report_to, "", "");
	month = lang_month(rep->month, mon);
	snprintf(subject, sizeof(subject), _("Dormant mailbox report %s"), month);
	mail_subject(m.f, subject, strlen(subject));
	fputs("Content-Type: text/html; charset=utf-8\n"
	      "Content-Transfer-Encoding: base64\n\n", m.f);
	ret = mail_base64(src, m.f);
	fclose(src);
	if (mail_close(&m, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return ret;
}

static int report_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "monthly", no_argument, NULL, 'M' },
		{ "mail", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	const char *month = NULL, *output = "-";
	bool monthly = false, mail = false;
	char prev[8], path[4096];
	const char *format = "text";
	int c, ret = 0;
	struct view_ctx view;
	struct report rep;
	struct store *store;
	const char *error;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'm': month = optarg; break;
		case 'o': output = optarg; break;
		case 'M': monthly = true; break;
		case 'S': mail = true; break;
		case 'F':
			format = optarg;
			if (report_format_find(format) == NULL)
				return cli_usage(&cmd_report, _("unknown format '%s'"), optarg);
			break;
		default:
			return cli_usage(&cmd_report, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_report, _("unexpected argument '%s'"), argv[optind]);
	if (mail && !monthly)
		return cli_usage(&cmd_report, _("--mail goes with --monthly"));
	if (monthly && month == NULL) {
		month_format(month_of(cli->now) - 1, prev);
		month = prev;
	}
	/* read-only in every form: the month's counts for the trend are
	   sync's to record (trend.h), so a report never creates, locks or
	   fails on the database's writer side */
	store = cli_open_view(cli, true, &view);
	if (store == NULL)
		return EXIT_RUNTIME;
	if (report_init(&rep, store, &view, cli->now, month, cli_warn,
			&error) < 0) {
		cli_error("%s", error);
		report_free(&rep);
		store_close(&store);
		return EXIT_USAGE;
	}
	if (!monthly) {
		ret = report_to_file(&rep, format, output);
	} else {
		if (mkdir(cli->cfg.report_dir, 0750) < 0 && errno != EEXIST) {
			cli_error("%s: %s", cli->cfg.report_dir, strerror(errno));
			ret = -1;
		}
		snprintf(path, sizeof(path), "%s/dormant-%s.csv.gz",
			 cli->cfg.report_dir, rep.month);
		if (ret == 0)
			ret = report_to_file(&rep, "csv", path);
		snprintf(path, sizeof(path), "%s/dormant-%s.html",
			 cli->cfg.report_dir, rep.month);
		if (ret == 0)
			ret = report_to_file(&rep, "html", path);
		if (ret == 0 && mail)
			ret = report_mail(cli, &rep, path);
		if (ret == 0)
			printf(mail ? _("wrote %s/dormant-%s.{html,csv.gz} and mailed the HTML\n") :
			       _("wrote %s/dormant-%s.{html,csv.gz}\n"), cli->cfg.report_dir,
			       rep.month);
	}
	c = rep.errors > 0 ? EXIT_FINDINGS : EXIT_OK;
	report_free(&rep);
	store_close(&store);
	return ret < 0 ? EXIT_RUNTIME : c;
}

const struct cli_command cmd_report = {
	"report", report_run,
	"[--month YYYY-MM] [--format text|csv|json|html] [-o FILE] | --monthly [--mail]",
	N_("the dormancy report for a month (default: this month)"),
	N_("  --month    the month to report; a past month is evaluated at its end\n"
	"  --format   text (default), csv (every account, the list columns plus\n"
	"             domain), json (generated, month, summary, accounts, events)\n"
	"             or html (one self-contained file)\n"
	"  -o FILE    write to FILE atomically; gzip-compressed if it ends in .gz\n"
	"  --monthly  write dormant-YYYY-MM.html and dormant-YYYY-MM.csv.gz for\n"
	"             the previous month into report_dir (for cron)\n"
	"  --mail     with --monthly: mail the HTML to report_to via sendmail\n"),
};

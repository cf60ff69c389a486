/* cmd-review-report.c - "review report": a campaign's outcome per unit
 * and the kept and revoked accounts (review-report.h), to stdout or a
 * file written atomically (gzip when it ends in .gz). Read-only.
 * doc/DESIGN.md §7.7. */
#include "cmd-review.h"
#include "i18n.h"
#include "outfile.h"
#include "review-report.h"

#include <getopt.h>
#include <string.h>

int review_report(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "campaign", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const formats[] = { "text", "csv", "json", "html" };
	const char *campaign = NULL, *format = "text", *output = "-", *error;
	struct review_report rep;
	struct outfile *of;
	struct store *store;
	size_t f;
	FILE *out;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': campaign = optarg; break;
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		default: return cli_usage(&cmd_review, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_review, _("unexpected argument '%s'"), argv[optind]);
	for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		if (strcmp(formats[f], format) == 0)
			break;
	}
	if (f == sizeof(formats) / sizeof(formats[0]))
		return cli_usage(&cmd_review, _("unknown format '%s'"), format);
	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	ret = review_report_load(store, campaign, true, cli_warn, &rep, &error);
	store_close(&store);
	if (ret <= 0) {
		if (ret < 0)
			cli_error("%s", error);
		else if (campaign != NULL)
			cli_error(_("no review campaign %s"), campaign);
		else
			cli_error(_("no review campaign (dormant review start)"));
		return ret < 0 ? EXIT_RUNTIME : EXIT_FINDINGS;
	}
	of = outfile_open(output, 0640, &out, &error);
	if (of == NULL) {
		cli_error("%s", error);
		review_report_free(&rep);
		return EXIT_RUNTIME;
	}
	switch (f) {
	case 0: review_report_text(&rep, true, out); break;
	case 1: review_report_csv(&rep, out); break;
	case 2: review_report_json(&rep, true, false, out); break;
	default: review_report_html(&rep, true, out); break;
	}
	ret = rep.errors > 0 ? EXIT_FINDINGS : EXIT_OK;
	review_report_free(&rep);
	if (outfile_commit(&of, &error) < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	if (ret != EXIT_OK)
		cli_error(_("some review records did not decode (left out)"));
	return ret;
}

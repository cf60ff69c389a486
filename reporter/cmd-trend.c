/* cmd-trend.c - "dormant trend": the counts recorded month by month
 * (doc/DESIGN.md §8.11), overall or for one unit. Read-only: the history
 * is written by sync alone. */
#include "cli.h"
#include "i18n.h"
#include "month.h"
#include "timeutil.h"
#include "trend.h"

#include <getopt.h>
#include <string.h>

static const struct table_format *const trend_formats[] = {
	&table_text, &table_csv, &table_json, NULL
};

static int trend_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "months", required_argument, NULL, 'n' },
		{ "unit", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const struct table_format *format = &table_text;
	char sentence[TREND_SENTENCE_MAX];
	const char *unit = NULL, *error;
	uint64_t months = TREND_REPORT_MONTHS;
	struct store *store;
	struct trend trend;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (uint_parse(optarg, TREND_MONTHS_MAX, &months) < 0 ||
			    months == 0)
				return cli_usage(&cmd_trend, _("--months: not a number "
						   "from 1 to %d: %s"), TREND_MONTHS_MAX,
						 optarg);
			break;
		case 'u':
			unit = optarg;
			break;
		case 'F':
			format = cli_table_format(&cmd_trend, trend_formats, optarg);
			if (format == NULL)
				return EXIT_USAGE;
			break;
		default:
			return cli_usage(&cmd_trend, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_trend, _("unexpected argument '%s'"), argv[optind]);
	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	if (trend_load(store, unit, month_of(cli->now), (size_t)months, cli_warn,
		       &trend, &error) < 0) {
		cli_error("%s", error);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	store_close(&store);
	if (format != &table_text || trend.n > 0)
		trend_write(&trend, format, false, stdout);
	if (format == &table_text) {
		trend_sentence(&trend, sentence);
		printf("%s\n", sentence);
	}
	c = trend.errors > 0 ? EXIT_FINDINGS : EXIT_OK;
	trend_free(&trend);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(_("writing output failed"));
		return EXIT_RUNTIME;
	}
	return c;
}

const struct cli_command cmd_trend = {
	"trend", trend_run,
	"[--months N] [--unit UNIT] [--format text|csv|json]",
	N_("dormant and never-used accounts month by month"),
	N_("  --months   the latest N months recorded (default 12, at most 1200)\n"
	"  --unit     one unit's counts (a unit contact, or a domain); months\n"
	"             whose record does not list it are left out\n"
	"  --format   text (default: a table and one sentence), csv or json;\n"
	"             CSV columns: month,recorded,total,total_change,dormant,\n"
	"             dormant_change,never_used,never_used_change,suspended,\n"
	"             suspended_change\n"
	"The counts are recorded by every sync (the month's latest sync is its\n"
	"value).\n"),
};

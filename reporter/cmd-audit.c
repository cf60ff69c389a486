/* cmd-audit.c - "dormant audit": who did what, when, and why. */
#include "cli.h"
#include "i18n.h"
#include "table.h"
#include "timeutil.h"

#include <getopt.h>
#include <string.h>

/* Entries are stored as JSON objects written by this program: the JSON
   format prints them as they are, one a line; text puts the time first
   and escapes the rest for the terminal. */
static const struct table_column audit_columns[] = {
	{ "time", TABLE_PLAIN, TABLE_TEXT_ONLY, NULL, NULL, 0, NULL, NULL, NULL,
	  NULL },
	{ "entry", TABLE_JSON, 0, NULL, "  ", 0, NULL, NULL, NULL, NULL },
};

static const struct table_format *const audit_formats[] = {
	&table_text, &table_json_lines, NULL
};

static int audit_one(void *ctx, int64_t time, const char *json, size_t len)
{
	struct table_value values[2];
	char stamp[RFC3339_MAX];

	time_format_rfc3339(time, stamp);
	values[0] = table_str(stamp);
	values[1] = (struct table_value){ .str = json, .len = len };
	table_row(ctx, values);
	return 0;
}

static int audit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const struct table_format *format = &table_text;
	struct table table;
	struct store *store;
	const char *error;
	int64_t since = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			format = cli_table_format(&cmd_audit, audit_formats, optarg);
			if (format == NULL)
				return EXIT_USAGE;
			break;
		case 's':
			if (time_parse_rfc3339(optarg, &since) < 0)
				return cli_usage(&cmd_audit, _("--since: not a date: %s"), optarg);
			break;
		default:
			return cli_usage(&cmd_audit, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_audit, _("unexpected argument '%s'"), argv[optind]);
	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	table_init(&table, format, audit_columns, 2, stdout);
	table_begin(&table);
	ret = store_audit_foreach(store, since, audit_one, &table, &error);
	table_end(&table);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

const struct cli_command cmd_audit = {
	"audit", audit_run, "[--since DATE] [--format text|json]",
	N_("who changed what, when and why (suspensions, exemptions)"),
	N_("  --format json  one JSON object per line with at least time, actor,\n"
	"                 action, account, reason\n"),
};

/* cmd-audit.c - "dormant audit": who did what, when, and why. */
#include "cli.h"
#include "output.h"
#include "timeutil.h"

#include <getopt.h>
#include <string.h>

struct audit_ctx {
	int format;
	unsigned long count;
};

static int audit_one(void *_ctx, int64_t time, const char *json, size_t len)
{
	struct audit_ctx *ctx = _ctx;
	char stamp[RFC3339_MAX];

	ctx->count++;
	if (ctx->format == FORMAT_JSON) {
		/* entries are stored as JSON objects written by this program;
		   print them as they are, one a line */
		fwrite(json, 1, len, stdout);
		fputc('\n', stdout);
		return 0;
	}
	time_format_rfc3339(time, stamp);
	printf("%s  ", stamp);
	text_safe(stdout, json, len);
	fputc('\n', stdout);
	return 0;
}

static int audit_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_ctx ctx = { FORMAT_TEXT, 0 };
	struct store *store;
	const char *error;
	int64_t since = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (time_parse_rfc3339(optarg, &since) < 0)
				return cli_usage(&cmd_audit, "--since: not a date: %s", optarg);
			break;
		case 'F':
			ctx.format = output_format_parse(optarg, 1 << FORMAT_TEXT |
							 1 << FORMAT_JSON);
			if (ctx.format < 0)
				return cli_usage(&cmd_audit, "unknown format '%s'", optarg);
			break;
		default:
			return cli_usage(&cmd_audit, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_audit, "unexpected argument '%s'", argv[optind]);
	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	ret = store_audit_foreach(store, since, audit_one, &ctx, &error);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

const struct cli_command cmd_audit = {
	"audit", audit_run, "[--since DATE] [--format text|json]",
	"who changed what, when and why (suspensions, exemptions)",
	"  --format json  one JSON object per line with at least time, actor,\n"
	"                 action, account, reason\n",
};

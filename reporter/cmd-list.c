/* cmd-list.c - "dormant list": every account with its status. */
#include "cli.h"
#include "i18n.h"
#include "view.h"

#include <getopt.h>
#include <string.h>
#include <strings.h>

static const struct table_format *const list_formats[] = {
	&table_text, &table_csv, &table_json, NULL
};

struct list_ctx {
	struct view_ctx view;
	struct table table;
	int status;                  /* -1: all */
	const char *domain;          /* NULL: all */
	const char *unit;            /* NULL: all */
	unsigned long errors;
	/* every column but the domain (the account shows it); the unit in
	   its place, JSON's only (view.h) */
	struct table_column columns[VIEW_COL_DOMAIN + 1];
	/* text: the service column says how the last login came, as show
	   does ("webmail (Roundcube)"), from the account's networks; CSV and
	   JSON keep the stored service (the contract, §8.3) */
	struct store *how_store;
	char how[VIEW_HOW_MAX];
};

/* The last login's network entry as show finds it; quietly the stored
   service when the networks record is missing or unreadable (show names
   that). */
static void list_login_how(struct list_ctx *ctx, const struct account_view *view,
			   struct row *row)
{
	const struct netset_entry *e = NULL;
	struct netset set;
	const char *error;

	if (view->activity == NULL || view->activity->last_login <= 0)
		return;
	if (store_networks_get(ctx->how_store, view->account, &set, &error) > 0)
		e = netset_find(&set, &view->activity->login_ip);
	if (e == NULL)
		return;
	view_login_how(row->login_service, e, ctx->how);
}

static int list_one(void *_ctx, const struct account_view *view)
{
	struct list_ctx *ctx = _ctx;
	struct table_value values[VIEW_NCOLUMNS];
	struct row row;

	if (view->decode_error != NULL) {
		cli_error(_("account %s: %s (skipped)"), view->account, view->decode_error);
		ctx->errors++;
		return 0;
	}
	view_row(&ctx->view, view, &row);
	if (ctx->status >= 0 && (int)row.status != ctx->status)
		return 0;
	if (ctx->domain != NULL && strcasecmp(ctx->domain, row.domain) != 0)
		return 0;
	if (ctx->unit != NULL && strcmp(ctx->unit, row.unit) != 0)
		return 0;
	view_values(&row, values);
	values[VIEW_COL_DOMAIN] = values[VIEW_COL_UNIT];
	ctx->how[0] = '\0';
	if (ctx->how_store != NULL)
		list_login_how(ctx, view, &row);
	if (ctx->how[0] != '\0')
		values[VIEW_COL_LOGIN_SERVICE] = table_str(ctx->how);
	table_row(&ctx->table, values);
	return 0;
}

static int list_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "status", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'D' },
		{ "unit", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const struct table_format *format = &table_text;
	struct list_ctx ctx;
	struct store *store;
	const char *error;
	int c, ret;

	memset(&ctx, 0, sizeof(ctx));
	ctx.status = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			format = cli_table_format(&cmd_list, list_formats, optarg);
			if (format == NULL)
				return EXIT_USAGE;
			break;
		case 's':
			ctx.status = policy_status_parse(optarg);
			if (ctx.status < 0)
				return cli_usage(&cmd_list, _("unknown status '%s'"), optarg);
			break;
		case 'D':
			ctx.domain = optarg;
			break;
		case 'u':
			ctx.unit = optarg;
			break;
		default:
			return cli_usage(&cmd_list, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_list, _("unexpected argument '%s'"), argv[optind]);

	memcpy(ctx.columns, view_columns, VIEW_COL_DOMAIN * sizeof(ctx.columns[0]));
	ctx.columns[VIEW_COL_DOMAIN] = view_columns[VIEW_COL_UNIT];
	table_init(&ctx.table, format, ctx.columns, VIEW_COL_DOMAIN + 1, stdout);
	store = cli_open_view(cli, true, &ctx.view);
	if (store == NULL)
		return EXIT_RUNTIME;
	if (format == &table_text)
		ctx.how_store = store;
	table_begin(&ctx.table);
	ret = store_account_foreach(store, list_one, &ctx, &error);
	table_end(&ctx.table);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(_("writing output failed"));
		return EXIT_RUNTIME;
	}
	return ctx.errors > 0 ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cmd_list = {
	"list", list_run,
	"[--format text|csv|json] [--status STATUS] [--domain DOMAIN] [--unit UNIT]",
	N_("list every account with its status, last login and last send"),
	N_("  --format   text (default), csv or json; CSV columns:\n"
	"             account,status,idle_days,last_login,login_service,login_ip,\n"
	"             last_send,send_ip,last_receive,first_seen (times RFC 3339 UTC);\n"
	"             JSON adds unit\n"
	"  --status   only accounts with this status (active, idle, dormant,\n"
	"             never-used, insufficient-history, exempt, suspended)\n"
	"  --domain   only accounts of this domain\n"
	"  --unit     only accounts of this unit (its unit contact, else its\n"
	"             domain)\n"),
};

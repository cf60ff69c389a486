/* cmd-exempt.c - "dormant exempt add|remove|list": accounts that are never
 * suspended (shared mailboxes, service accounts, people on leave).
 * Every change is audited in the same transaction. */
#include "cli.h"
#include "i18n.h"
#include "account.h"
#include "audit.h"
#include "table.h"
#include "timeutil.h"

#include <getopt.h>
#include <string.h>

static int exempt_change(struct cli *cli, const char *arg, bool add,
			 const char *reason, int64_t until)
{
	char name[ACCOUNT_MAX + 1], json[AUDIT_JSON_MAX], until_text[RFC3339_MAX];
	struct account_state st, cur;
	struct store *store;
	const char *error, *actor = audit_actor();
	int ret;

	if (cli_account_arg(cli, arg, name) < 0)
		return EXIT_USAGE;
	if (reason != NULL && strlen(reason) > STATE_TEXT_MAX)
		return cli_usage(&cmd_exempt, _("--reason: longer than %d bytes"),
				 STATE_TEXT_MAX);
	store = cli_store_open(cli, false);
	if (store == NULL)
		return EXIT_RUNTIME;
	ret = store_state_get(store, name, &cur, &error);
	if (ret < 0) {
		cli_error("%s", error);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	if (ret > 0 && cur.kind == STATE_SUSPENDED) {
		cli_error(_("%s is suspended: run 'dormant reactivate' first"), name);
		store_close(&store);
		return EXIT_FINDINGS;
	}
	/* remove clears an exemption and nothing else: a grace period after
	   reactivation is another kind of state and stays */
	if (!add && (ret == 0 || cur.kind != STATE_EXEMPT)) {
		if (ret > 0 && cur.kind == STATE_GRACE) {
			time_format_rfc3339(cur.until, until_text);
			cli_error(_("%s is not exempt (it is in its grace period after "
				  "reactivation until %s, which stays)"), name, until_text);
		} else {
			cli_error(_("%s is not exempt"), name);
		}
		store_close(&store);
		return EXIT_FINDINGS;
	}
	time_format_rfc3339(until, until_text);
	if (audit_json(json, sizeof(json), cli->now, actor,
		       add ? "exempt" : "unexempt", name, reason,
		       until != 0 ? "until" : NULL, until_text) == NULL) {
		cli_error(_("%s: cannot build the audit entry"), name);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	memset(&st, 0, sizeof(st));
	st.kind = STATE_EXEMPT;
	st.since = cli->now;
	st.until = until;
	snprintf(st.reason, sizeof(st.reason), "%s", reason != NULL ? reason : "");
	snprintf(st.actor, sizeof(st.actor), "%s", actor);
	ret = audit_state_set(store, name, add ? &st : NULL, json, cli->now, &error);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	if (add)
		if (until != 0)
			printf(_("%s exempt until %s\n"), name, until_text);
		else
			printf(_("%s exempt\n"), name);
	else
		printf(_("%s no longer exempt\n"), name);
	return EXIT_OK;
}

enum exempt_column {
	EXEMPT_ACCOUNT, EXEMPT_SINCE, EXEMPT_UNTIL, EXEMPT_EXPIRED, EXEMPT_ACTOR,
	EXEMPT_REASON,
	EXEMPT_NCOLUMNS
};

/* The text format: "ACCOUNT  since S  until U (expired)  by A  reason: R" */
static const struct table_column exempt_columns[EXEMPT_NCOLUMNS] = {
	{ "account", TABLE_TEXT, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL },
	{ "since", TABLE_PLAIN, 0, NULL, "  since ", 0, NULL, NULL, NULL, NULL },
	{ "until", TABLE_PLAIN, TABLE_NULL_EMPTY, NULL, "  until ", 0, NULL, "-",
	  NULL, NULL },
	{ "expired", TABLE_BOOL, 0, NULL, NULL, 0, NULL, NULL, " (expired)", "" },
	{ "actor", TABLE_TEXT, 0, NULL, "  by ", 0, NULL, NULL, NULL, NULL },
	{ "reason", TABLE_TEXT, 0, NULL, "  reason: ", 0, NULL, NULL, NULL, NULL },
};

static const struct table_format *const exempt_formats[] = {
	&table_text, &table_csv, &table_json, NULL
};

struct exempt_list_ctx {
	struct table table;
	int64_t now;
};

static int exempt_list_one(void *_ctx, const char *account,
			   const struct account_state *st, const char *derr)
{
	struct exempt_list_ctx *ctx = _ctx;
	struct table_value values[EXEMPT_NCOLUMNS];
	char since[RFC3339_MAX], until[RFC3339_MAX];

	if (st == NULL) {
		cli_error(_("account %s: %s (skipped)"), account, derr);
		return 0;
	}
	if (st->kind != STATE_EXEMPT)
		return 0;
	time_format_rfc3339(st->since, since);
	time_format_rfc3339(st->until, until);
	values[EXEMPT_ACCOUNT] = table_str(account);
	values[EXEMPT_SINCE] = table_str(since);
	values[EXEMPT_UNTIL] = table_str(until);
	values[EXEMPT_EXPIRED].yes = st->until != 0 && st->until <= ctx->now;
	values[EXEMPT_ACTOR] = table_str(st->actor);
	values[EXEMPT_REASON] = table_str(st->reason);
	table_row(&ctx->table, values);
	return 0;
}

static int exempt_list(struct cli *cli, const struct table_format *format)
{
	struct exempt_list_ctx ctx = { .now = cli->now };
	struct store *store;
	const char *error;
	int ret;

	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	table_init(&ctx.table, format, exempt_columns, EXEMPT_NCOLUMNS, stdout);
	table_begin(&ctx.table);
	ret = store_state_foreach(store, exempt_list_one, &ctx, &error);
	table_end(&ctx.table);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int exempt_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = NULL, *sub;
	int64_t until = 0;
	const struct table_format *format = &table_text;
	int c;

	if (argc < 2)
		return cli_usage(&cmd_exempt, _("give add, remove or list"));
	sub = argv[1];
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			reason = optarg;
			break;
		case 'u':
			if (time_parse_rfc3339(optarg, &until) < 0)
				return cli_usage(&cmd_exempt, _("--until: not a date: %s"), optarg);
			break;
		case 'F':
			format = cli_table_format(&cmd_exempt, exempt_formats, optarg);
			if (format == NULL)
				return EXIT_USAGE;
			break;
		default:
			return cli_usage(&cmd_exempt, NULL);
		}
	}
	if (strcmp(sub, "list") == 0) {
		if (optind != argc)
			return cli_usage(&cmd_exempt, _("list takes no account"));
		return exempt_list(cli, format);
	}
	if (optind + 1 != argc)
		return cli_usage(&cmd_exempt, _("give one account"));
	if (strcmp(sub, "add") == 0) {
		if (reason == NULL || reason[0] == '\0')
			return cli_usage(&cmd_exempt, _("add needs --reason TEXT"));
		if (until != 0 && until <= cli->now)
			return cli_usage(&cmd_exempt, _("--until lies in the past"));
		return exempt_change(cli, argv[optind], true, reason, until);
	}
	if (strcmp(sub, "remove") == 0)
		return exempt_change(cli, argv[optind], false, reason, 0);
	return cli_usage(&cmd_exempt, _("unknown subcommand '%s'"), sub);
}

const struct cli_command cmd_exempt = {
	"exempt", exempt_run,
	"add ACCOUNT --reason TEXT [--until DATE] | remove ACCOUNT [--reason TEXT]"
	" | list [--format text|csv|json]",
	N_("exempt accounts from suspension (audited)"),
	N_("An exempt account is never suspended, whatever its idle time. --until\n"
	"takes an RFC 3339 date (2027-06-30) or time; after it the exemption\n"
	"no longer applies.\n"),
};

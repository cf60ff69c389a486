/* cmd-exempt.c - "dormant exempt add|remove|list": accounts that are never
 * suspended (shared mailboxes, service accounts, people on leave).
 * Every change is audited in the same transaction. */
#include "cli.h"
#include "account.h"
#include "audit.h"
#include "output.h"
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
		return cli_usage(&cmd_exempt, "--reason: longer than %d bytes",
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
		cli_error("%s is suspended: run 'dormant reactivate' first", name);
		store_close(&store);
		return EXIT_FINDINGS;
	}
	/* remove clears an exemption and nothing else: a grace period after
	   reactivation is another kind of state and stays */
	if (!add && (ret == 0 || cur.kind != STATE_EXEMPT)) {
		if (ret > 0 && cur.kind == STATE_GRACE) {
			time_format_rfc3339(cur.until, until_text);
			cli_error("%s is not exempt (it is in its grace period after "
				  "reactivation until %s, which stays)", name, until_text);
		} else {
			cli_error("%s is not exempt", name);
		}
		store_close(&store);
		return EXIT_FINDINGS;
	}
	time_format_rfc3339(until, until_text);
	if (audit_json(json, sizeof(json), cli->now, actor,
		       add ? "exempt" : "unexempt", name, reason,
		       until != 0 ? "until" : NULL, until_text) == NULL) {
		cli_error("%s: cannot build the audit entry", name);
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
		printf("%s exempt%s%s\n", name, until != 0 ? " until " : "",
		       until != 0 ? until_text : "");
	else
		printf("%s no longer exempt\n", name);
	return EXIT_OK;
}

struct exempt_list_ctx {
	int format;
	int64_t now;
	unsigned long count;
};

static int exempt_list_one(void *_ctx, const char *account,
			   const struct account_state *st, const char *derr)
{
	struct exempt_list_ctx *ctx = _ctx;
	char since[RFC3339_MAX], until[RFC3339_MAX];

	if (st == NULL) {
		cli_error("account %s: %s (skipped)", account, derr);
		return 0;
	}
	if (st->kind != STATE_EXEMPT)
		return 0;
	time_format_rfc3339(st->since, since);
	time_format_rfc3339(st->until, until);
	switch (ctx->format) {
	case FORMAT_CSV:
		csv_field(stdout, account);
		printf(",%s,%s,%s,", since, until,
		       st->until != 0 && st->until <= ctx->now ? "yes" : "no");
		csv_field(stdout, st->actor);
		fputc(',', stdout);
		csv_field(stdout, st->reason);
		fputs("\r\n", stdout);
		break;
	case FORMAT_JSON:
		fputs(ctx->count == 0 ? "\n{\"account\":" : ",\n{\"account\":", stdout);
		json_string(stdout, account, strlen(account));
		printf(",\"since\":\"%s\",\"until\":", since);
		if (until[0] != '\0')
			printf("\"%s\"", until);
		else
			fputs("null", stdout);
		printf(",\"expired\":%s,\"actor\":",
		       st->until != 0 && st->until <= ctx->now ? "true" : "false");
		json_string(stdout, st->actor, strlen(st->actor));
		fputs(",\"reason\":", stdout);
		json_string(stdout, st->reason, strlen(st->reason));
		fputc('}', stdout);
		break;
	default:
		text_safe(stdout, account, strlen(account));
		printf("  since %s  until %s%s  by ", since, until[0] ? until : "-",
		       st->until != 0 && st->until <= ctx->now ? " (expired)" : "");
		text_safe(stdout, st->actor, strlen(st->actor));
		fputs("  reason: ", stdout);
		text_safe(stdout, st->reason, strlen(st->reason));
		fputc('\n', stdout);
		break;
	}
	ctx->count++;
	return 0;
}

static int exempt_list(struct cli *cli, int format)
{
	struct exempt_list_ctx ctx = { format, cli->now, 0 };
	struct store *store;
	const char *error;
	int ret;

	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	if (format == FORMAT_CSV)
		fputs("account,since,until,expired,actor,reason\r\n", stdout);
	else if (format == FORMAT_JSON)
		fputs("[", stdout);
	ret = store_state_foreach(store, exempt_list_one, &ctx, &error);
	if (format == FORMAT_JSON)
		fputs(ctx.count == 0 ? "]\n" : "\n]\n", stdout);
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
	int c, format = FORMAT_TEXT;

	if (argc < 2)
		return cli_usage(&cmd_exempt, "give add, remove or list");
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
				return cli_usage(&cmd_exempt, "--until: not a date: %s", optarg);
			break;
		case 'F':
			format = output_format_parse(optarg, 1 << FORMAT_TEXT |
						     1 << FORMAT_CSV | 1 << FORMAT_JSON);
			if (format < 0)
				return cli_usage(&cmd_exempt, "unknown format '%s'", optarg);
			break;
		default:
			return cli_usage(&cmd_exempt, NULL);
		}
	}
	if (strcmp(sub, "list") == 0) {
		if (optind != argc)
			return cli_usage(&cmd_exempt, "list takes no account");
		return exempt_list(cli, format);
	}
	if (optind + 1 != argc)
		return cli_usage(&cmd_exempt, "give one account");
	if (strcmp(sub, "add") == 0) {
		if (reason == NULL || reason[0] == '\0')
			return cli_usage(&cmd_exempt, "add needs --reason TEXT");
		if (until != 0 && until <= cli->now)
			return cli_usage(&cmd_exempt, "--until lies in the past");
		return exempt_change(cli, argv[optind], true, reason, until);
	}
	if (strcmp(sub, "remove") == 0)
		return exempt_change(cli, argv[optind], false, reason, 0);
	return cli_usage(&cmd_exempt, "unknown subcommand '%s'", sub);
}

const struct cli_command cmd_exempt = {
	"exempt", exempt_run,
	"add ACCOUNT --reason TEXT [--until DATE] | remove ACCOUNT [--reason TEXT]"
	" | list [--format text|csv|json]",
	"exempt accounts from suspension (audited)",
	"An exempt account is never suspended, whatever its idle time. --until\n"
	"takes an RFC 3339 date (2027-06-30) or time; after it the exemption\n"
	"no longer applies.\n",
};

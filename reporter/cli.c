/* cli.c - what the commands share: messages on stderr, usage errors, the
 * store opened as the command needs it, the policy, account arguments.
 * Only the commands (cmd-*.c) call these; the helpers below them return
 * their errors (errstr.h) and never print. */
#include "cli.h"
#include "i18n.h"
#include "output.h"
#include "privs.h"
#include "table.h"
#include "view.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
	char buf[4096];
	va_list args;
	int n;

	fflush(stdout);
	va_start(args, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	if (n < 0)
		n = 0;
	/* messages name accounts, files and records others wrote: nothing
	   in them may reach the terminal as a control sequence */
	fputs("dormant: ", stderr);
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	/* a backslash is harmless here and names escaped by the store
	   (\x00) stay readable: only what lies between goes through
	   text_safe */
	for (const char *p = buf, *end = buf + n; p < end; ) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		size_t len = bs != NULL ? (size_t)(bs - p) : (size_t)(end - p);

		text_safe(stderr, p, len);
		if (bs == NULL)
			break;
		fputc('\\', stderr);
		p = bs + 1;
	}
	fputc('\n', stderr);
}

void cli_warn(const char *msg)
{
	cli_error("%s", msg);
}

int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list args;

	if (fmt != NULL) {
		fprintf(stderr, "dormant %s: ", cmd->name);
		va_start(args, fmt);
		vfprintf(stderr, fmt, args);
		va_end(args);
		fputc('\n', stderr);
	}
	fprintf(stderr, _("usage: dormant [-c FILE] [-d DBDIR] %s %s\n"), cmd->name,
		cmd->usage);
	return EXIT_USAGE;
}

struct store *cli_store_open(struct cli *cli, bool readonly)
{
	struct store *store;
	struct privs privs;
	const char *error;
	int ret;

	/* As the directory's owner: the mail uid can plant links there
	   (privs.h). LMDB opens its files only here, so the handle is safe
	   to use as root afterwards. */
	if (privs_for_dir(cli->cfg.db, &privs, &error) < 0 ||
	    privs_enter(&privs, &error) < 0) {
		cli_error(_("database directory %s"), error);
		return NULL;
	}
	ret = store_open(cli->cfg.db, readonly ? STORE_READONLY : 0, &store,
			 &error);
	privs_leave(&privs);
	if (ret < 0) {
		cli_error("%s", error);
		return NULL;
	}
	/* times past --now (a what-if in the future) are believed too */
	store_set_now(store, cli->now);
	/* The plugin reads no dormant.conf: it and the milter take
	   dormant_after, for wake-ups, from here (doc/DESIGN.md §3.3). */
	if (!readonly && store_policy_publish(store, cli->cfg.warn_after,
					      cli->cfg.dormant_after, &error) < 0)
		cli_error(_("%s (carrying on)"), error);
	return store;
}

struct store *cli_open_view(struct cli *cli, bool readonly,
			    struct view_ctx *ctx_r)
{
	struct store *store = cli_store_open(cli, readonly);
	const char *error;

	memset(ctx_r, 0, sizeof(*ctx_r));
	if (store == NULL)
		return NULL;
	cli_policy(cli, &ctx_r->policy);
	ctx_r->now = cli->now;
	if (store_tracking_start(store, &ctx_r->tracking_start, &error) < 0) {
		cli_error("%s", error);
		store_close(&store);
		return NULL;
	}
	return store;
}

void cli_policy(const struct cli *cli, struct policy *policy_r)
{
	policy_r->warn_after = (int64_t)cli->cfg.warn_after;
	policy_r->dormant_after = (int64_t)cli->cfg.dormant_after;
	policy_r->suspend_after = (int64_t)cli->cfg.suspend_after;
}

const struct table_format *
cli_table_format(const struct cli_command *cmd,
		 const struct table_format *const *formats, const char *name)
{
	const struct table_format *format = table_format_find(formats, name);

	if (format == NULL)
		(void)cli_usage(cmd, _("unknown format '%s'"), name);
	return format;
}

void cli_account_rules(const struct cli *cli, struct account_rules *rules_r)
{
	memset(rules_r, 0, sizeof(*rules_r));
	rules_r->default_domain = cli->cfg.default_domain;
	rules_r->keep_local_case = !cli->cfg.lowercase_local_part;
}

int cli_account_arg(const struct cli *cli, const char *arg,
		    char name[ACCOUNT_MAX + 1])
{
	struct account_rules rules;
	const char *error;

	cli_account_rules(cli, &rules);
	if (account_normalize(arg, strlen(arg), ACCOUNT_LOGIN, &rules, name,
			      &error) < 0) {
		cli_error("%s: %s", arg, error);
		return -1;
	}
	return 0;
}

/* cmd-suspend.c - "dormant suspend" and "dormant reactivate": the action
 * the product exists for, and the one that can hurt people, so: a dry run
 * unless --apply, safety rails that refuse unless --force, exemptions that
 * always win, and an audit entry in the same transaction as every change. */
#include "cli.h"
#include "i18n.h"
#include "lang.h"
#include "report.h"
#include "account.h"
#include "array.h"
#include "audit.h"
#include "output.h"
#include "review.h"
#include "suspend.h"
#include "view.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct candidate {
	char *account;
	enum account_status status;
	int64_t idle_days;
	char last_login[RFC3339_MAX];
	bool revoked;                /* a review revoked it (reason below) */
	char reason[REVIEW_ID_MAX + REVIEW_NAME_MAX + 32];
};

/* The accounts review campaigns revoked (doc/DESIGN.md §7.7), sorted. */
struct revoked {
	char *account;
	struct review_revoked r;
};

struct plan {
	struct view_ctx view;
	struct candidate *c;
	size_t count, alloc;
	unsigned long known;         /* listed at the last sync */
	unsigned long grace;         /* past the threshold but in grace */
	unsigned long errors;
	struct revoked *revoked;
	size_t nrevoked, revoked_alloc;
};

static int revoked_one(void *_plan, const void *key, size_t klen,
		       const void *val, size_t vlen)
{
	struct plan *plan = _plan;
	char name[ACCOUNT_MAX + 1];
	struct review_revoked r;
	const char *error;

	if (review_key_item_account(key, klen, 1, name, &error) < 0 ||
	    review_revoked_decode(val, vlen, &r, &error) < 0) {
		cli_error("a revoked account of the review database: %s (not "
			  "considered)", error);
		plan->errors++;
		return 0;
	}
	if (array_grow(&plan->revoked, &plan->revoked_alloc, plan->nrevoked,
		       sizeof(*plan->revoked)) < 0 ||
	    (plan->revoked[plan->nrevoked].account = strdup(name)) == NULL) {
		cli_error("out of memory");
		return 1;
	}
	plan->revoked[plan->nrevoked++].r = r;
	return 0;
}

static int revoked_cmp(const void *a, const void *b)
{
	return strcmp(((const struct revoked *)a)->account,
		      ((const struct revoked *)b)->account);
}

static const struct revoked *revoked_find(const struct plan *plan,
					  const char *account)
{
	struct revoked key = { .account = (char *)account };

	if (plan->nrevoked == 0)
		return NULL;
	return bsearch(&key, plan->revoked, plan->nrevoked, sizeof(key),
		       revoked_cmp);
}

static int plan_one(void *_ctx, const struct account_view *view)
{
	struct plan *plan = _ctx;
	const struct revoked *rv;
	struct candidate *c;
	struct row row;

	if (view->decode_error != NULL) {
		cli_error(_("account %s: %s (not considered)"), view->account,
			  view->decode_error);
		plan->errors++;
		return 0;
	}
	if (view->info != NULL && view->info->gone_since == 0)
		plan->known++;
	view_row(&plan->view, view, &row);
	/* a review's revoke makes a candidate of any account not exempt or
	   suspended; the grace period and the rails still hold */
	rv = revoked_find(plan, view->account);
	if (rv != NULL &&
	    (row.status == STATUS_EXEMPT || row.status == STATUS_SUSPENDED))
		rv = NULL;
	if (rv == NULL &&
	    row.status != STATUS_DORMANT && row.status != STATUS_NEVER_USED)
		return 0;
	if (rv == NULL && (row.idle_days < 0 ||
	    row.idle_days * 86400 < plan->view.policy.suspend_after))
		return 0;
	if (view->state != NULL && view->state->kind == STATE_GRACE &&
	    view->state->until > plan->view.now) {
		plan->grace++;
		return 0;
	}
	if (array_grow(&plan->c, &plan->alloc, plan->count, sizeof(*plan->c)) < 0) {
		cli_error(_("out of memory"));
		return 1;       /* stop, reported (a -1 reads as a store error) */
	}
	c = &plan->c[plan->count];
	memset(c, 0, sizeof(*c));
	c->account = strdup(view->account);
	if (c->account == NULL) {
		cli_error(_("out of memory"));
		return 1;       /* stop, reported (a -1 reads as a store error) */
	}
	c->status = row.status;
	c->idle_days = row.idle_days;
	memcpy(c->last_login, row.last_login, sizeof(c->last_login));
	if (rv != NULL) {
		c->revoked = true;
		snprintf(c->reason, sizeof(c->reason), "revoked by review %s (%s)",
			 rv->r.id, rv->r.reviewer);
	}
	plan->count++;
	return 0;
}

static void plan_free(struct plan *plan)
{
	for (size_t i = 0; i < plan->count; i++)
		free(plan->c[i].account);
	free(plan->c);
	for (size_t i = 0; i < plan->nrevoked; i++)
		free(plan->revoked[i].account);
	free(plan->revoked);
}

/* The revoked set, before the accounts are visited. 0, or -1 printed. */
static int plan_revoked(struct store *store, struct plan *plan)
{
	const uint8_t prefix = REVIEW_KEY_REVOKED;
	const char *error;
	int ret = store_review_foreach(store, &prefix, 1, revoked_one, plan, &error);

	if (ret < 0)
		cli_error("%s", error);
	if (ret != 0)
		return -1;
	if (plan->nrevoked > 0)
		qsort(plan->revoked, plan->nrevoked, sizeof(*plan->revoked),
		      revoked_cmp);
	return 0;
}

/* A suspended account's revoked record has done its work: once gone, a
   later reactivation is not undone by the next run. */
static void revoked_done(struct store *store, const char *account)
{
	uint8_t key[REVIEW_KEY_MAX];
	struct store_review_put put = { key, 0, NULL, 0 };
	const char *error;

	put.klen = review_key(key, REVIEW_KEY_REVOKED, NULL, 0, account);
	if (store_review_write(store, &put, 1, NULL, 0, &error) < 0)
		cli_error("%s: suspended, but its review record stays: %s", account,
			  error);
}

/* Print why the run must not go ahead; returns the number of rails hit. */
static int plan_rails(struct cli *cli, const struct plan *plan)
{
	int hit = 0;

	if (plan->known == 0) {
		cli_error(_("refused: no account is known from the directory "
			  "(run 'dormant sync' first)"));
		hit++;
	} else if (plan->count > cli->cfg.max_suspend_fraction * (double)plan->known) {
		cli_error(_("refused: %zu of %lu known accounts (%.1f%%) is more than "
			  "max_suspend_fraction (%.1f%%)"), plan->count, plan->known,
			  100.0 * (double)plan->count / (double)plan->known,
			  100.0 * cli->cfg.max_suspend_fraction);
		hit++;
	}
	if (plan->view.tracking_start <= 0 ||
	    cli->now - plan->view.tracking_start < plan->view.policy.suspend_after) {
		cli_error(_("refused: the database's history is shorter than "
			  "suspend_after (reset or new install?): idle times are "
			  "not yet known"));
		hit++;
	}
	return hit;
}

static int suspend_apply(struct cli *cli, struct store *store,
			 const struct plan *plan, bool forced)
{
	const char *actor = audit_actor(), *error;
	char json[AUDIT_JSON_MAX];
	unsigned long done = 0, failed = 0;
	int ret = 0;

	for (size_t i = 0; i < plan->count; i++) {
		const struct candidate *c = &plan->c[i];
		struct account_state st;

		error = "cannot build the audit entry";
		memset(&st, 0, sizeof(st));
		st.kind = STATE_SUSPENDED;
		st.since = cli->now;
		if (c->revoked)
			snprintf(st.reason, sizeof(st.reason), "%s", c->reason);
		else
			snprintf(st.reason, sizeof(st.reason), "%s, idle %lld days",
				 policy_status_name(c->status), (long long)c->idle_days);
		snprintf(st.actor, sizeof(st.actor), "%s", actor);
		if (audit_json(json, sizeof(json), cli->now, actor, "suspend",
			       c->account, st.reason, forced ? "forced" : NULL,
			       "yes") == NULL ||
		    audit_state_set(store, c->account, &st, json, cli->now, &error) < 0) {
			cli_error(_("%s: not suspended: %s"), c->account, error);
			failed++;
			continue;
		}
		if (c->revoked)
			revoked_done(store, c->account);
		done++;
	}
	/* Dovecot's deny passdb first, then the admin's own directory */
	if (suspend_write_deny_file(cli->cfg.deny_file, store, cli_warn,
				    &error) < 0) {
		cli_error("%s", error);
		ret = -1;
	}
	for (size_t i = 0; i < plan->count; i++) {
		if (suspend_run_command(cli->cfg.suspend_command,
					plan->c[i].account, &error) < 0) {
			cli_error("%s", error);
			ret = -1;
		}
	}
	printf(ngettext("suspended %lu account", "suspended %lu accounts", done), done);
	if (failed > 0)
		printf(_(", %lu failed"), failed);
	putchar('\n');
	return failed > 0 ? -1 : ret;
}

static int suspend_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	bool apply = false, force = false;
	struct plan plan;
	struct store *store;
	const char *error;
	int c, rails, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': apply = true; break;
		case 'f': force = true; break;
		default: return cli_usage(&cmd_suspend, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_suspend, _("unexpected argument '%s'"), argv[optind]);
	/* a dry run never writes, not even the published thresholds */
	memset(&plan, 0, sizeof(plan));
	store = cli_open_view(cli, !apply, &plan.view);
	if (store == NULL)
		return EXIT_RUNTIME;
	if (plan_revoked(store, &plan) < 0) {
		plan_free(&plan);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	if ((ret = store_account_foreach(store, plan_one, &plan, &error)) != 0) {
		if (ret < 0)
			cli_error("%s", error);
		plan_free(&plan);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	printf(apply ? ngettext("suspending %zu account idle %lld days or more (of %lu known):\n",
				"suspending %zu accounts idle %lld days or more (of %lu known):\n",
				plan.count) :
	       ngettext("would suspend %zu account idle %lld days or more (of %lu known):\n",
			"would suspend %zu accounts idle %lld days or more (of %lu known):\n",
			plan.count),
	       plan.count, (long long)(plan.view.policy.suspend_after / 86400), plan.known);
	for (size_t i = 0; i < plan.count; i++) {
		printf("  ");
		text_safe(stdout, plan.c[i].account, strlen(plan.c[i].account));
		char t[LANG_DATE_MAX];

		printf(_("  %s, idle %lld days, last login %s"),
		       view_status_label(plan.c[i].status),
		       (long long)plan.c[i].idle_days,
		       plan.c[i].last_login[0] ? lang_date_text(plan.c[i].last_login, t) :
		       _("never"));
		if (plan.c[i].revoked) {
			fputs(", ", stdout);
			text_safe(stdout, plan.c[i].reason, strlen(plan.c[i].reason));
		}
		putchar('\n');
	}
	if (plan.grace > 0)
		printf(ngettext("not suspended: %lu account in the grace period after "
				"reactivation\n", "not suspended: %lu accounts in the grace "
				"period after reactivation\n", plan.grace), plan.grace);
	rails = plan.count > 0 ? plan_rails(cli, &plan) : 0;
	if (rails > 0 && force)
		printf(ngettext("--force: going ahead despite %d safety rail\n",
				"--force: going ahead despite %d safety rails\n",
				(unsigned long)rails), rails);
	if (!apply) {
		if (plan.count > 0)
			printf(_("dry run: nothing changed (add --apply)\n"));
		ret = rails > 0 && !force ? EXIT_FINDINGS : EXIT_OK;
	} else if (rails > 0 && !force) {
		printf(_("nothing changed\n"));
		ret = EXIT_FINDINGS;
	} else if (plan.count == 0) {
		ret = EXIT_OK;
	} else {
		ret = suspend_apply(cli, store, &plan, rails > 0) < 0 ?
			EXIT_RUNTIME : EXIT_OK;
	}
	plan_free(&plan);
	store_close(&store);
	return ret;
}

const struct cli_command cmd_suspend = {
	"suspend", suspend_run, "[--apply] [--force]",
	N_("suspend accounts idle past suspend_after (a dry run without --apply)"),
	N_("Candidates are dormant and never-used accounts idle suspend_after or\n"
	"longer, and accounts a review revoked (dormant review); exempt\n"
	"accounts and those in their grace period after\n"
	"reactivation never are. Applying records the state and an audit entry\n"
	"in one transaction, rewrites deny_file atomically, runs\n"
	"suspend_command ACCOUNT (never for a name starting with '-', which\n"
	"would read as an option: exit 3), and the milter refuses its mail.\n"
	"Safety rails refuse the whole run unless --force: more than\n"
	"max_suspend_fraction of the accounts known at the last sync, no sync\n"
	"ever, or a database history shorter than suspend_after.\n"
	"Exit: 0 done (or a dry run that would apply cleanly), 1 refused.\n"),
};

static int reactivate_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	char name[ACCOUNT_MAX + 1], json[AUDIT_JSON_MAX], until[RFC3339_MAX];
	const char *reason = "", *error, *actor = audit_actor();
	struct account_state st;
	struct store *store;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'r')
			return cli_usage(&cmd_reactivate, NULL);
		reason = optarg;
	}
	if (optind + 1 != argc)
		return cli_usage(&cmd_reactivate, _("give one account"));
	if (strlen(reason) > STATE_TEXT_MAX)
		return cli_usage(&cmd_reactivate, _("--reason: longer than %d bytes"),
				 STATE_TEXT_MAX);
	if (cli_account_arg(cli, argv[optind], name) < 0)
		return EXIT_USAGE;
	store = cli_store_open(cli, false);
	if (store == NULL)
		return EXIT_RUNTIME;
	ret = store_state_get(store, name, &st, &error);
	if (ret < 0) {
		cli_error("%s", error);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	if (ret == 0 || st.kind != STATE_SUSPENDED) {
		cli_error(_("%s is not suspended"), name);
		store_close(&store);
		return EXIT_FINDINGS;
	}
	/* a fresh grace period: not suspended again for suspend_after */
	memset(&st, 0, sizeof(st));
	st.kind = STATE_GRACE;
	st.since = cli->now;
	st.until = cli->now + (int64_t)cli->cfg.suspend_after;
	snprintf(st.reason, sizeof(st.reason), "%s", reason);
	snprintf(st.actor, sizeof(st.actor), "%s", actor);
	time_format_rfc3339(st.until, until);
	/* AUDIT_JSON_MAX holds any account, actor and reason within bounds */
	error = "cannot build the audit entry";
	if (audit_json(json, sizeof(json), cli->now, actor, "reactivate", name,
		       reason, "grace_until", until) == NULL ||
	    audit_state_set(store, name, &st, json, cli->now, &error) < 0) {
		cli_error(_("%s: not reactivated: %s"), name, error);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	ret = suspend_write_deny_file(cli->cfg.deny_file, store, cli_warn, &error);
	if (ret < 0)
		cli_error("%s", error);
	store_close(&store);
	if (suspend_run_command(cli->cfg.reactivate_command, name, &error) < 0) {
		cli_error("%s", error);
		ret = -1;
	}
	printf(_("%s reactivated; not suspended again before %s\n"), name, until);
	return ret < 0 ? EXIT_RUNTIME : EXIT_OK;
}

const struct cli_command cmd_reactivate = {
	"reactivate", reactivate_run, "[--reason TEXT] ACCOUNT",
	N_("undo a suspension (audited), with a fresh grace period"),
	N_("Clears the suspension, rewrites deny_file, runs reactivate_command\n"
	"ACCOUNT; the account is not suspended again for suspend_after.\n"
	"An account starting with '-' is given after --.\n"),
};

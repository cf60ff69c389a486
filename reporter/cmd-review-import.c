/* cmd-review-import.c - "review import" (the reviewers' sheets: refused
 * whole at the first error, else each decision applied and audited) and
 * "review close" (review_default for what nobody decided, then the
 * campaign closes). doc/DESIGN.md §7.7. */
#include "cmd-review.h"
#include "lang.h"
#include "audit.h"
#include "i18n.h"
#include "output.h"
#include "timeutil.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int review_open_campaign(struct store *store, char id[REVIEW_ID_MAX + 1],
			 struct review_campaign *c_r)
{
	const char *error;
	int ret = review_latest(store, id, c_r, &error);

	if (ret < 0)
		cli_error("%s", error);
	else if (ret == 0)
		cli_error(_("no review campaign (dormant review start)"));
	else if (c_r->state != REVIEW_OPEN)
		cli_error(_("campaign %s is closed: no campaign is open"), id);
	return ret == 1 && c_r->state == REVIEW_OPEN ? 0 : -1;
}

struct store *review_open_units(struct cli *cli, bool readonly,
				char id[REVIEW_ID_MAX + 1], struct review_campaign *c_r,
				struct review_unit **units_r, size_t *count_r,
				int *exit_r)
{
	struct store *store = cli_store_open(cli, readonly);
	const char *error;

	*exit_r = EXIT_RUNTIME;
	if (store == NULL)
		return NULL;
	if (review_open_campaign(store, id, c_r) < 0) {
		*exit_r = EXIT_FINDINGS;
		store_close(&store);
		return NULL;
	}
	if (review_units_load(store, id, c_r, units_r, count_r, &error) < 0) {
		cli_error("%s", error);
		store_close(&store);
		return NULL;
	}
	return store;
}

/* A decision's two changes: the item, and the revoked record (r NULL:
   removed). The buffers are the caller's (REVIEW_KEY_MAX, _ITEM_MAX,
   REVIEW_KEY_MAX, _REVOKED_MAX bytes). */
static void decision_puts(struct store_review_put puts[2], uint8_t *ikey,
			  uint8_t *ival, uint8_t *rkey, uint8_t *rval,
			  const char *id, uint32_t n, const char *account,
			  const struct review_item *it, const struct review_revoked *r)
{
	puts[0].key = ikey;
	puts[0].klen = review_key(ikey, REVIEW_KEY_ITEM, id, n, account);
	puts[0].val = ival;
	puts[0].vlen = review_item_encode(it, ival);
	puts[1].key = rkey;
	puts[1].klen = review_key(rkey, REVIEW_KEY_REVOKED, NULL, 0, account);
	puts[1].val = r != NULL ? rval : NULL;
	puts[1].vlen = r != NULL ? review_revoked_encode(r, rval) : 0;
}

int review_revoke(struct cli *cli, struct store *store, const char *id,
		  uint32_t n, const char *account, struct review_item *it,
		  const char **error_r)
{
	uint8_t ikey[REVIEW_KEY_MAX], rkey[REVIEW_KEY_MAX];
	uint8_t ival[REVIEW_ITEM_MAX], rval[REVIEW_REVOKED_MAX];
	char json[REVIEW_AUDIT_MAX];
	struct review_revoked r;
	struct store_review_put puts[2];

	memset(&r, 0, sizeof(r));
	r.time = cli->now;
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.reviewer, sizeof(r.reviewer), "%s", it->reviewer);
	decision_puts(puts, ikey, ival, rkey, rval, id, n, account, it, &r);
	if (audit_json(json, sizeof(json), cli->now, audit_actor(),
		       it->by_default ? "review-default-revoke" : "review-revoke",
		       account, it->reason, "reviewer", it->reviewer) == NULL) {
		*error_r = "cannot build the audit entry";
		return -1;
	}
	return audit_review_write(store, puts, 2, json, cli->now, error_r);
}

/* A keep: the exemption (audited, with the reviewer), then the item, and
   no revoked record any more. */
static int review_keep(struct cli *cli, struct store *store, const char *id,
		       uint32_t n, const char *account, struct review_item *it,
		       const char **error_r)
{
	uint8_t ikey[REVIEW_KEY_MAX], rkey[REVIEW_KEY_MAX], ival[REVIEW_ITEM_MAX];
	char json[REVIEW_AUDIT_MAX], until[RFC3339_MAX];
	struct store_review_put puts[2];
	struct account_state st, cur;
	int ret;

	ret = store_state_get(store, account, &cur, error_r);
	if (ret < 0)
		return -1;
	if (ret > 0 && cur.kind == STATE_SUSPENDED) {
		*error_r = _("suspended: the keep is recorded, the account "
			     "stays suspended (dormant reactivate)");
	} else {
		memset(&st, 0, sizeof(st));
		st.kind = STATE_EXEMPT;
		st.since = cli->now;
		st.until = it->keep_until;
		snprintf(st.reason, sizeof(st.reason), "review %s: %s", id, it->reason);
		snprintf(st.actor, sizeof(st.actor), "%s", it->reviewer);
		time_format_rfc3339(it->keep_until, until);
		if (audit_json(json, sizeof(json), cli->now, audit_actor(), "exempt",
			       account, st.reason, "reviewer", it->reviewer) == NULL) {
			*error_r = "cannot build the audit entry";
			return -1;
		}
		if (audit_state_set(store, account, &st, json, cli->now, error_r) < 0)
			return -1;
		*error_r = NULL;
	}
	decision_puts(puts, ikey, ival, rkey, NULL, id, n, account, it, NULL);
	{
		const char *note = *error_r, *error;

		if (store_review_write(store, puts, 2, NULL, 0, &error) < 0) {
			*error_r = error;
			return -1;
		}
		*error_r = note;
	}
	return 0;
}

/* Clear an exemption an earlier keep of this campaign gave (the reviewer
   changed their mind): audited. */
static int review_unkeep(struct cli *cli, struct store *store, const char *id,
			 const char *account, const char **error_r)
{
	char json[AUDIT_JSON_MAX], prefix[REVIEW_ID_MAX + 16];
	struct account_state cur;
	int ret = store_state_get(store, account, &cur, error_r);

	snprintf(prefix, sizeof(prefix), "review %s: ", id);
	if (ret <= 0 || cur.kind != STATE_EXEMPT ||
	    strncmp(cur.reason, prefix, strlen(prefix)) != 0)
		return ret < 0 ? -1 : 0;
	if (audit_json(json, sizeof(json), cli->now, audit_actor(), "unexempt",
		       account, "revoked by the review", NULL, NULL) == NULL) {
		*error_r = "cannot build the audit entry";
		return -1;
	}
	return audit_state_set(store, account, NULL, json, cli->now, error_r);
}

struct import {
	struct cli *cli;
	struct store *store;
	const char *id;
	const struct review_campaign *c;
	struct review_unit *units;
	size_t nunits;
	int64_t keep_until;
	bool apply;
};

/* The sheet against the database: its campaign, unit and key, and every
   account on that unit's frozen list. The unit's number, or -1 after
   printing why the sheet is refused. items_r[i] is rows[i]'s item. */
static long sheet_check(struct import *im, const char *file,
			const struct sheet *sh, struct review_item *items)
{
	char key_hex[33];
	const char *error;
	long n = -1;

	if (strcmp(sh->id, im->id) != 0) {
		cli_error(_("%s: a sheet of campaign %s, not of the open campaign %s "
			  "(refused)"), file, sh->id, im->id);
		return -1;
	}
	for (size_t i = 0; i < im->nunits && n < 0; i++) {
		if (strcmp(im->units[i].name, sh->unit) == 0)
			n = (long)i;
	}
	if (n < 0) {
		cli_error(_("%s: unit %s is not in campaign %s (refused)"), file,
			  sh->unit, im->id);
		return -1;
	}
	review_key_hex(im->units[n].key, key_hex);
	if (strcmp(key_hex, sh->key_hex) != 0) {
		cli_error(_("%s: the sheet key is not unit %s's (a changed sheet, or "
			  "another unit's; refused)"), file, sh->unit);
		return -1;
	}
	for (size_t i = 0; i < sh->count; i++) {
		uint8_t key[REVIEW_KEY_MAX], val[REVIEW_ITEM_MAX + 64];
		size_t klen, size;
		int ret;

		if (strlen(sh->rows[i].account) > ACCOUNT_MAX)
			ret = 0;
		else {
			klen = review_key(key, REVIEW_KEY_ITEM, im->id, (uint32_t)n,
					  sh->rows[i].account);
			ret = store_review_get(im->store, key, klen, val, sizeof(val),
					       &size, &error);
		}
		if (ret < 0) {
			cli_error("%s", error);
			return -2;
		}
		if (ret == 0) {
			cli_error(_("%s:%lu: %s is not on unit %s's list (refused)"), file,
				  sh->rows[i].line, sh->rows[i].account, sh->unit);
			return -1;
		}
		if (review_item_decode(val, size, &items[i], &error) < 0) {
			cli_error(_("%s:%lu: %s: %s (refused)"), file, sh->rows[i].line,
				  sh->rows[i].account, error);
			return -1;
		}
	}
	return n;
}

/* Apply one checked sheet: returns the failures. */
static unsigned long sheet_apply(struct import *im, const char *file,
				 const struct sheet *sh, uint32_t n,
				 struct review_item *items)
{
	struct review_unit *u = &im->units[n];
	unsigned long keep = 0, revoke = 0, open = 0, same = 0, failed = 0;
	const char *error;

	for (size_t i = 0; i < sh->count; i++) {
		const struct sheet_row *row = &sh->rows[i];
		struct review_item *it = &items[i];
		int ret = 0;

		if (row->decision == REVIEW_UNDECIDED) {
			open += it->decision == REVIEW_UNDECIDED;
			continue;
		}
		if (it->decision == row->decision && strcmp(it->reason, row->reason) == 0) {
			same++;
			continue;
		}
		row->decision == REVIEW_KEEP ? keep++ : revoke++;
		if (!im->apply)
			continue;
		it->decision = row->decision;
		it->by_default = false;
		it->decided = im->cli->now;
		it->keep_until = row->decision == REVIEW_KEEP ? im->keep_until : 0;
		snprintf(it->reason, sizeof(it->reason), "%s", row->reason);
		snprintf(it->reviewer, sizeof(it->reviewer), "%.*s", REVIEW_NAME_MAX,
			 row->reviewer[0] != '\0' ? row->reviewer : u->reviewer);
		error = NULL;
		if (row->decision == REVIEW_KEEP) {
			ret = review_keep(im->cli, im->store, im->id, n, row->account, it,
					  &error);
		} else {
			ret = review_unkeep(im->cli, im->store, im->id, row->account, &error);
			if (ret == 0)
				ret = review_revoke(im->cli, im->store, im->id, n,
						    row->account, it, &error);
		}
		if (ret < 0) {
			cli_error(_("%s:%lu: %s: %s"), file, row->line, row->account, error);
			failed++;
		} else if (error != NULL) {
			cli_error(_("%s:%lu: %s: %s"), file, row->line, row->account, error);
		}
	}
	printf(im->apply ? _("%s: unit %s: %lu keep, %lu revoke, %lu unchanged, "
			     "%lu undecided\n") :
	       _("%s: unit %s: would apply %lu keep, %lu revoke (%lu unchanged, "
		 "%lu undecided)\n"), file, sh->unit, keep, revoke, same, open);
	if (im->apply) {
		u->sheets++;
		u->answered = im->cli->now;
		if (review_unit_save(im->store, im->id, n, u, NULL, 0, &error) < 0) {
			cli_error("%s", error);
			failed++;
		}
	}
	return failed;
}

int review_import(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", no_argument, NULL, 'a' },
		{ "keep-until", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct import im;
	char id[REVIEW_ID_MAX + 1];
	struct review_campaign c;
	unsigned long refused = 0, failed = 0;
	const char *error;
	int opt, ret;

	memset(&im, 0, sizeof(im));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': im.apply = true; break;
		case 'k':
			if (review_parse_date(optarg, &im.keep_until) < 0)
				return cli_usage(&cmd_review, _("--keep-until: not a date "
						 "(YYYY-MM-DD): %s"), optarg);
			break;
		default: return cli_usage(&cmd_review, NULL);
		}
	}
	if (optind >= argc)
		return cli_usage(&cmd_review, _("review import needs the sheets (FILE...)"));
	if (im.keep_until != 0 && im.keep_until <= cli->now)
		return cli_usage(&cmd_review, _("--keep-until: that day is over"));
	im.cli = cli;
	im.store = review_open_units(cli, !im.apply, id, &c, &im.units, &im.nunits,
				     &ret);
	if (im.store == NULL)
		return ret;
	im.id = id;
	im.c = &c;
	for (int i = optind; i < argc; i++) {
		struct review_item *items;
		struct sheet sh;
		FILE *f = fopen(argv[i], "r");
		long n;

		if (f == NULL) {
			cli_error(_("%s: %s"), argv[i], strerror(errno));
			refused++;
			continue;
		}
		ret = sheet_parse(f, argv[i], &sh, &error);
		fclose(f);
		if (ret < 0) {
			cli_error(_("%s (nothing from this sheet applied)"), error);
			refused++;
			continue;
		}
		items = calloc(sh.count, sizeof(*items));
		if (items == NULL) {
			cli_error(_("out of memory"));
			sheet_free(&sh);
			failed++;
			break;
		}
		n = sheet_check(&im, argv[i], &sh, items);
		if (n >= 0)
			failed += sheet_apply(&im, argv[i], &sh, (uint32_t)n, items);
		else if (n == -1)
			refused++;
		else
			failed++;
		free(items);
		sheet_free(&sh);
	}
	if (!im.apply)
		fputs(_("dry run: nothing changed (add --apply)\n"), stdout);
	free(im.units);
	store_close(&im.store);
	return failed > 0 ? EXIT_RUNTIME : refused > 0 ? EXIT_FINDINGS : EXIT_OK;
}

/* From the due day on (c.due is its last second). */
static bool campaign_due(const struct cli *cli, const struct review_campaign *c)
{
	return cli->now >= c->due - 86399;
}

/* --if-due: 1 when an open campaign's due day is over (close it), 0
   when there is nothing to do (said so), -1 after printing the error. */
static int close_if_due(struct cli *cli)
{
	char id[REVIEW_ID_MAX + 1], due[RFC3339_MAX];
	struct review_campaign c;
	struct store *store;
	const char *error;
	int ret;

	store = cli_store_open(cli, true);
	if (store == NULL)
		return -1;
	ret = review_latest(store, id, &c, &error);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		return -1;
	}
	if (ret == 0 || c.state != REVIEW_OPEN) {
		fputs(_("no review campaign is open: nothing to close\n"), stdout);
		return 0;
	}
	/* a timer waits until the due day is over: the reviewers have all
	   of it (an admin's close may start on the day itself) */
	if (cli->now <= c.due) {
		time_format_rfc3339(c.due, due);
		due[10] = '\0';
		printf(_("campaign %s is due %s: it closes after that day\n"), id, due);
		return 0;
	}
	return 1;
}

int review_close(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "if-due", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	bool apply = false, force = false, if_due = false, revoke_never;
	char id[REVIEW_ID_MAX + 1], json[AUDIT_JSON_MAX], reason[128], due[LANG_DATE_MAX];
	struct review_campaign c;
	struct review_unit *units;
	struct store *store;
	unsigned long revoked = 0, undecided = 0, failed = 0;
	const char *error;
	size_t nunits;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a': apply = true; break;
		case 'f': force = true; break;
		case 'i': if_due = true; break;
		default: return cli_usage(&cmd_review, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_review, _("unexpected argument '%s'"), argv[optind]);
	if (force && if_due)
		return cli_usage(&cmd_review, _("--force and --if-due exclude each other"));
	if (if_due && (opt = close_if_due(cli)) <= 0)
		return opt < 0 ? EXIT_RUNTIME : EXIT_OK;
	store = review_open_units(cli, !apply, id, &c, &units, &nunits, &opt);
	if (store == NULL)
		return opt;
	lang_date(c.due, LANG_DATE_DAY, due);
	if (!campaign_due(cli, &c) && !force) {
		cli_error(_("campaign %s is due %s: it closes on or after that day "
			  "(--force closes it now)"), id, due);
		free(units);
		store_close(&store);
		return EXIT_FINDINGS;
	}
	revoke_never = strcmp(cli->cfg.review_default, "revoke-never-used") == 0;
	for (size_t u = 0; u < nunits; u++) {
		struct review_acct *a;
		size_t count;

		if (review_accts_load(store, id, (uint32_t)u, cli_warn, &a, &count,
				      &error) < 0) {
			cli_error("%s", error);
			failed++;
			continue;
		}
		for (size_t i = 0; i < count; i++) {
			struct review_item *it = &a[i].item;

			if (it->decision != REVIEW_UNDECIDED)
				continue;
			if (!revoke_never || it->status != STATUS_NEVER_USED) {
				undecided++;
				continue;
			}
			revoked++;
			fputs(apply ? _("  revoked ") : _("  would revoke "), stdout);
			text_safe(stdout, a[i].account, strlen(a[i].account));
			fputs(_(" (never used; review_default)\n"), stdout);
			if (!apply)
				continue;
			it->decision = REVIEW_REVOKE;
			it->by_default = true;
			it->decided = cli->now;
			snprintf(it->reason, sizeof(it->reason),
				 "never used, undecided at the close (review_default)");
			snprintf(it->reviewer, sizeof(it->reviewer), "review_default");
			if (review_revoke(cli, store, id, (uint32_t)u, a[i].account, it,
					  &error) < 0) {
				cli_error(_("%s: %s"), a[i].account, error);
				failed++;
			}
		}
		review_accts_free(a, count);
	}
	free(units);
	printf(_("campaign %s: %lu revoked by review_default (%s), %lu left "
		 "undecided\n"), id, revoked, cli->cfg.review_default, undecided);
	if (!apply) {
		fputs(_("dry run: nothing changed (add --apply)\n"), stdout);
		store_close(&store);
		return EXIT_OK;
	}
	if (failed == 0) {
		uint8_t key[REVIEW_KEY_MAX], val[REVIEW_CAMPAIGN_SIZE];
		struct store_review_put put = { key, 0, val, 0 };

		c.state = REVIEW_CLOSED;
		c.closed = cli->now;
		put.klen = review_key(key, REVIEW_KEY_CAMPAIGN, id, 0, NULL);
		put.vlen = review_campaign_encode(&c, val);
		snprintf(reason, sizeof(reason), "campaign %s closed: %lu revoked by "
			 "review_default, %lu undecided", id, revoked, undecided);
		error = "cannot build the audit entry";
		if (audit_json(json, sizeof(json), cli->now, audit_actor(),
			       "review-close", "", reason, "review_default",
			       cli->cfg.review_default) == NULL ||
		    audit_review_write(store, &put, 1, json, cli->now, &error) < 0) {
			cli_error("%s", error);
			failed++;
		} else {
			printf(_("campaign %s closed\n"), id);
		}
	} else {
		cli_error(_("campaign %s stays open: run review close again"), id);
	}
	store_close(&store);
	return failed > 0 ? EXIT_RUNTIME : EXIT_OK;
}

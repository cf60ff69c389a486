/* cmd-review.c - "dormant review": the command and its dispatch, and
 * "review start", which freezes per unit the list of its accounts, writes
 * each unit's sheets and mails them to the unit's reviewer
 * (doc/DESIGN.md §7.7). The other subcommands are in cmd-review-*.c. */
#include "cmd-review.h"
#include "lang.h"
#include "array.h"
#include "audit.h"
#include "i18n.h"
#include "outfile.h"
#include "output.h"
#include "view.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

/* One account as the campaign freezes it. */
struct frozen {
	char *account;
	char *unit;
	char *manager;               /* NULL: none */
	uint8_t status;
	bool review_exempt;          /* kept by an earlier review: ends now */
	int64_t last_login, last_send, idle_days;
};

struct start {
	struct view_ctx view;
	struct frozen *f;
	size_t count, alloc;
	char **only;                 /* --unit, NULL-terminated */
	bool *only_seen;
	unsigned long errors;
	bool oom;
};

/* An exemption a review's keep gave, without an end date (its reason is
   "review ID: ..."): it lasts until the next campaign starts. An admin's
   own exemption is never one, whatever its reason says about reviews. */
static bool review_exemption(const struct account_state *st)
{
	return st != NULL && st->kind == STATE_EXEMPT && st->until == 0 &&
		strncmp(st->reason, "review ", 7) == 0 &&
		review_id_valid(st->reason + 7, strnlen(st->reason + 7, 15)) &&
		strncmp(st->reason + 22, ": ", 2) == 0;
}

static int start_one(void *_ctx, const struct account_view *view)
{
	struct start *s = _ctx;
	struct account_view v = *view;
	const char *unit, *manager;
	struct frozen *f;
	struct row row;

	if (view->decode_error != NULL) {
		cli_error(_("account %s: %s (not in the campaign)"), view->account,
			  view->decode_error);
		s->errors++;
		return 0;
	}
	/* the directory's accounts: those the last sync listed */
	if (view->info == NULL || view->info->gone_since != 0)
		return 0;
	unit = account_unit(view->contacts, view->account);
	if (s->only != NULL) {
		size_t i;

		for (i = 0; s->only[i] != NULL && strcmp(s->only[i], unit) != 0; i++)
			;
		if (s->only[i] == NULL)
			return 0;
		s->only_seen[i] = true;
	}
	if (review_exemption(view->state))
		v.state = NULL;      /* frozen as it is without that keep */
	view_row(&s->view, &v, &row);
	if (array_grow(&s->f, &s->alloc, s->count, sizeof(*s->f)) < 0)
		goto oom;
	f = &s->f[s->count];
	memset(f, 0, sizeof(*f));
	manager = view->contacts != NULL ?
		view->contacts->text[CONTACT_MANAGER] : "";
	f->account = strdup(view->account);
	f->unit = strdup(unit);
	f->manager = manager[0] != '\0' ? strdup(manager) : NULL;
	if (f->account == NULL || f->unit == NULL ||
	    (manager[0] != '\0' && f->manager == NULL)) {
		free(f->account);
		free(f->unit);
		free(f->manager);
		goto oom;
	}
	f->status = (uint8_t)row.status;
	f->review_exempt = review_exemption(view->state);
	f->last_login = view->activity != NULL ? view->activity->last_login : 0;
	f->last_send = view->activity != NULL ? view->activity->last_send : 0;
	f->idle_days = row.idle_days;
	s->count++;
	return 0;
oom:
	s->oom = true;
	cli_error(_("out of memory"));
	return 1;
}

static int frozen_cmp(const void *_a, const void *_b)
{
	const struct frozen *a = _a, *b = _b;
	int r = strcmp(a->unit, b->unit), ra, rb;

	if (r != 0)
		return r;
	ra = review_status_rank(a->status);
	rb = review_status_rank(b->status);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->idle_days != b->idle_days)
		return a->idle_days > b->idle_days ? -1 : 1;
	return strcmp(a->account, b->account);
}

static int str_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	return strcmp(x, y);
}

/* The manager most of f[0..n) name (the smallest name on a tie), or
   NULL. */
static const char *majority_manager(const struct frozen *f, size_t n)
{
	const char **names = malloc((n > 0 ? n : 1) * sizeof(*names)), *best = NULL;
	size_t count = 0, best_run = 0;

	if (names == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (f[i].manager != NULL)
			names[count++] = f[i].manager;
	}
	qsort(names, count, sizeof(*names), str_cmp);
	for (size_t i = 0, run; i < count; i += run) {
		for (run = 1; i + run < count && strcmp(names[i], names[i + run]) == 0;
		     run++)
			;
		if (run > best_run) {
			best_run = run;
			best = names[i];
		}
	}
	free(names);
	return best;
}

static const char *source_name(enum review_reviewer_source s)
{
	switch (s) {
	case REVIEWER_UNITS_FILE: return "units_file";
	case REVIEWER_MANAGER: return "manager";
	case REVIEWER_ADMIN: return "admin";
	default: return "none";
	}
}

/* Each unit's reviewer: the units file, else the manager most of its
   accounts name, else the admin's address (notify_cc, else report_to). */
static void unit_reviewer(const struct cli *cli, const struct review_unitmap *map,
			  const struct frozen *f, size_t n, struct review_unit *u)
{
	const struct review_unitmap_entry *e = review_unitmap_lookup(map, u->name);
	const char *manager, *admin = cli->cfg.notify_cc[0] != '\0' ?
		cli->cfg.notify_cc : cli->cfg.report_to;

	if (e != NULL) {
		snprintf(u->reviewer, sizeof(u->reviewer), "%s", e->reviewer);
		u->source = REVIEWER_UNITS_FILE;
	} else if ((manager = majority_manager(f, n)) != NULL &&
		   contact_text_valid(manager, strlen(manager))) {
		snprintf(u->reviewer, sizeof(u->reviewer), "%s", manager);
		u->source = REVIEWER_MANAGER;
	} else if (admin[0] != '\0' && strlen(admin) <= CONTACT_TEXT_MAX) {
		snprintf(u->reviewer, sizeof(u->reviewer), "%s", admin);
		u->source = REVIEWER_ADMIN;
	} else {
		u->reviewer[0] = '\0';
		u->source = REVIEWER_NONE;
	}
}

struct plan {
	struct review_unit *units;
	size_t *first;               /* units[i]'s accounts: f[first[i]..first[i+1]) */
	size_t count;
};

static void plan_free(struct start *s, struct plan *p)
{
	for (size_t i = 0; i < s->count; i++) {
		free(s->f[i].account);
		free(s->f[i].unit);
		free(s->f[i].manager);
	}
	free(s->f);
	free(s->only_seen);
	free(p->units);
	free(p->first);
}

/* Group the sorted accounts into units and find their reviewers. */
static int plan_units(const struct cli *cli, struct start *s,
		      const struct review_unitmap *map, struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < s->count; i++)
		n += i == 0 || strcmp(s->f[i - 1].unit, s->f[i].unit) != 0;
	if (n > REVIEW_UNITS_MAX) {
		cli_error(_("%zu units: more than %d in one campaign"), n, REVIEW_UNITS_MAX);
		return -1;
	}
	p->units = calloc(n > 0 ? n : 1, sizeof(*p->units));
	p->first = calloc(n + 1, sizeof(*p->first));
	if (p->units == NULL || p->first == NULL) {
		cli_error(_("out of memory"));
		return -1;
	}
	p->count = 0;
	for (size_t i = 0; i < s->count; i++) {
		if (i == 0 || strcmp(s->f[i - 1].unit, s->f[i].unit) != 0) {
			struct review_unit *u = &p->units[p->count];

			snprintf(u->name, sizeof(u->name), "%s", s->f[i].unit);
			p->first[p->count++] = i;
		}
	}
	p->first[p->count] = s->count;
	for (size_t i = 0; i < p->count; i++) {
		struct review_unit *u = &p->units[i];

		u->accounts = (uint32_t)(p->first[i + 1] - p->first[i]);
		unit_reviewer(cli, map, s->f + p->first[i], u->accounts, u);
	}
	return 0;
}

static void plan_print(const struct start *s, const struct plan *p,
		       const char *id, const char *due, bool apply)
{
	unsigned long none = 0;

	printf(apply ? _("campaign %s due %s: %zu units, %zu accounts\n") :
	       _("would start campaign %s due %s: %zu units, %zu accounts\n"),
	       id, due, p->count, s->count);
	for (size_t i = 0; i < p->count; i++) {
		const struct review_unit *u = &p->units[i];
		unsigned long dormant = 0, never = 0;

		for (size_t j = p->first[i]; j < p->first[i + 1]; j++) {
			dormant += s->f[j].status == STATUS_DORMANT;
			never += s->f[j].status == STATUS_NEVER_USED;
		}
		fputs("  ", stdout);
		text_safe(stdout, u->name, strlen(u->name));
		printf(_("  %u accounts (%lu dormant, %lu never used)  reviewer "),
		       u->accounts, dormant, never);
		if (u->source == REVIEWER_NONE) {
			fputs(_("none (no reviewer: the sheet is only written to disk)"),
			      stdout);
			none++;
		} else {
			text_safe(stdout, u->reviewer, strlen(u->reviewer));
			printf(" (%s)", source_name(u->source));
		}
		putchar('\n');
	}
	if (none > 0)
		printf(_("%lu units without a reviewer\n"), none);
}

/* Every frozen account, every unit, then (last, so that a campaign is
   never seen half written) the campaign, the latest id and the audit
   entry in one transaction. Review exemptions of earlier campaigns end
   first (audited). */
static int start_store(struct cli *cli, struct store *store, struct start *s,
		       struct plan *p, const char *id, struct review_campaign *c)
{
	struct store_review_put *puts;
	uint8_t *arena, ckey[REVIEW_KEY_MAX], lkey[REVIEW_KEY_MAX];
	uint8_t cval[REVIEW_CAMPAIGN_SIZE];
	char json[AUDIT_JSON_MAX], reason[200];
	const char *error, *actor = audit_actor();
	size_t slot = REVIEW_KEY_MAX + REVIEW_ITEM_MAX, nputs = s->count + p->count;
	struct store_review_put last[2];
	int ret = 0;

	for (size_t i = 0; i < s->count; i++) {
		if (!s->f[i].review_exempt)
			continue;
		snprintf(reason, sizeof(reason), "review %s started", id);
		error = "cannot build the audit entry";
		if (audit_json(json, sizeof(json), cli->now, actor, "unexempt",
			       s->f[i].account, reason, NULL, NULL) == NULL ||
		    audit_state_set(store, s->f[i].account, NULL, json, cli->now,
				    &error) < 0) {
			cli_error(_("%s: the earlier review's exemption stays: %s"),
				  s->f[i].account, error);
			ret = -1;
		}
	}
	puts = calloc(nputs > 0 ? nputs : 1, sizeof(*puts));
	arena = malloc((nputs > 0 ? nputs : 1) * slot);
	if (puts == NULL || arena == NULL) {
		free(puts);
		free(arena);
		cli_error(_("out of memory"));
		return -1;
	}
	for (size_t u = 0, k = 0; u < p->count; u++) {
		for (size_t i = p->first[u]; i < p->first[u + 1]; i++, k++) {
			struct review_item it;
			uint8_t *b = arena + k * slot;

			memset(&it, 0, sizeof(it));
			it.status = s->f[i].status;
			it.last_login = s->f[i].last_login;
			it.last_send = s->f[i].last_send;
			it.idle_days = s->f[i].idle_days;
			puts[k].key = b;
			puts[k].klen = review_key(b, REVIEW_KEY_ITEM, id, (uint32_t)u,
						  s->f[i].account);
			puts[k].val = b + REVIEW_KEY_MAX;
			puts[k].vlen = review_item_encode(&it, b + REVIEW_KEY_MAX);
		}
	}
	for (size_t u = 0; u < p->count; u++) {
		uint8_t *b = arena + (s->count + u) * slot;

		/* slot holds a unit record too (REVIEW_UNIT_MAX < ITEM_MAX + KEY_MAX) */
		puts[s->count + u].key = b;
		puts[s->count + u].klen = review_key(b, REVIEW_KEY_UNIT, id,
						     (uint32_t)u, NULL);
		puts[s->count + u].val = b + 64;
		puts[s->count + u].vlen = review_unit_encode(&p->units[u], b + 64);
	}
	if (store_review_write_batch(store, puts, nputs, &error) < 0) {
		cli_error("%s", error);
		free(puts);
		free(arena);
		return -1;
	}
	free(puts);
	free(arena);
	last[0].key = ckey;
	last[0].klen = review_key(ckey, REVIEW_KEY_CAMPAIGN, id, 0, NULL);
	last[0].val = cval;
	last[0].vlen = review_campaign_encode(c, cval);
	last[1].key = lkey;
	last[1].klen = review_key(lkey, REVIEW_KEY_LATEST, NULL, 0, NULL);
	last[1].val = id;
	last[1].vlen = strlen(id);
	snprintf(reason, sizeof(reason), "campaign %s: %zu units, %zu accounts",
		 id, p->count, s->count);
	error = "cannot build the audit entry";
	{
		char due[RFC3339_MAX];

		time_format_rfc3339(c->due, due);
		if (audit_json(json, sizeof(json), cli->now, actor, "review-start", "",
			       reason, "due", due) == NULL ||
		    audit_review_write(store, last, 2, json, cli->now, &error) < 0) {
			cli_error("%s", error);
			return -1;
		}
	}
	return ret;
}

/* The campaign's directory: report_dir/review-ID (0750). */
static int sheet_dir(const struct cli *cli, const char *id, char *dir, size_t size)
{
	if (mkdir(cli->cfg.report_dir, 0750) < 0 && errno != EEXIST) {
		cli_error(_("%s: %s"), cli->cfg.report_dir, strerror(errno));
		return -1;
	}
	snprintf(dir, size, "%s/review-%s", cli->cfg.report_dir, id);
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		cli_error(_("%s: %s"), dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_sheet(const char *dir, const char *stem, bool html,
		       const struct sheet_info *info, const struct review_acct *a,
		       size_t n)
{
	char path[4096];
	struct outfile *of;
	const char *error;
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, stem, html ? "html" : "csv");
	of = outfile_open_as(path, 0640, false, &out, &error);
	if (of == NULL) {
		cli_error("%s", error);
		return -1;
	}
	if (html)
		sheet_write_html(out, info, a, n);
	else
		sheet_write_csv(out, info, a, n);
	if (outfile_commit(&of, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

/* Per unit: the two sheets on disk, then (with a reviewer, and mail)
   the mail. Returns the failures. */
static unsigned long start_sheets(struct cli *cli, const struct start *s,
				  const struct plan *p, const char *id,
				  const struct review_campaign *c, bool mail)
{
	struct review_acct *accts = NULL;
	size_t alloc = 0;
	unsigned long failed = 0, mailed = 0;
	char dir[4096], stem[64], key_hex[33];
	const char *error;

	if (sheet_dir(cli, id, dir, sizeof(dir)) < 0)
		return 1;
	for (size_t u = 0; u < p->count; u++) {
		size_t n = p->first[u + 1] - p->first[u];
		struct sheet_info info;

		if (n > alloc) {
			struct review_acct *more = realloc(accts, n * sizeof(*accts));

			if (more == NULL) {
				cli_error(_("out of memory"));
				free(accts);
				return failed + 1;
			}
			accts = more;
			alloc = n;
		}
		memset(accts, 0, n * sizeof(*accts));
		for (size_t i = 0; i < n; i++) {
			const struct frozen *f = &s->f[p->first[u] + i];

			accts[i].account = f->account;
			accts[i].unit = (uint32_t)u;
			accts[i].item.status = f->status;
			accts[i].item.last_login = f->last_login;
			accts[i].item.last_send = f->last_send;
			accts[i].item.idle_days = f->idle_days;
		}
		review_sheet_info(id, c, &p->units[u], key_hex, &info);
		review_unit_stem((uint32_t)u, p->units[u].name, stem);
		if (write_sheet(dir, stem, false, &info, accts, n) < 0 ||
		    write_sheet(dir, stem, true, &info, accts, n) < 0) {
			failed++;
			continue;
		}
		if (!mail || p->units[u].source == REVIEWER_NONE)
			continue;
		if (review_mail_unit(cli, &info, (uint32_t)u, accts, n, n, false,
				     &error) < 0) {
			cli_error(_("unit %s: mail to %s: %s"), p->units[u].name,
				  p->units[u].reviewer, error);
			failed++;
			continue;
		}
		mailed++;
	}
	free(accts);
	printf(_("sheets written to %s; %lu mailed\n"), dir, mailed);
	return failed;
}

int review_start(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "due", required_argument, NULL, 'd' },
		{ "unit", required_argument, NULL, 'u' },
		{ "apply", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	char id[REVIEW_ID_MAX + 1], latest[REVIEW_ID_MAX + 1], due_text[LANG_DATE_MAX];
	struct review_unitmap map = { NULL, 0, 0 };
	struct review_campaign c, old;
	struct account_rules rules;
	struct store *store;
	struct start s;
	struct plan p;
	const char *error;
	size_t nonly = 0;
	bool apply = false;
	int opt, ret = EXIT_OK;

	memset(&s, 0, sizeof(s));
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	s.only = calloc((size_t)argc + 1, sizeof(*s.only));
	s.only_seen = calloc((size_t)argc + 1, sizeof(*s.only_seen));
	if (s.only == NULL || s.only_seen == NULL) {
		free(s.only);
		free(s.only_seen);
		cli_error(_("out of memory"));
		return EXIT_RUNTIME;
	}
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (review_parse_date(optarg, &c.due) < 0) {
				free(s.only);
				free(s.only_seen);
				return cli_usage(&cmd_review, _("--due: not a date "
						 "(YYYY-MM-DD): %s"), optarg);
			}
			break;
		case 'u': s.only[nonly++] = optarg; break;
		case 'a': apply = true; break;
		default:
			free(s.only);
			free(s.only_seen);
			return cli_usage(&cmd_review, NULL);
		}
	}
	if (nonly == 0) {
		free(s.only);
		s.only = NULL;
	}
	if (optind != argc || c.due == 0 || c.due <= cli->now) {
		free(s.only);
		free(s.only_seen);
		return cli_usage(&cmd_review, "%s", optind != argc ?
				 _("unexpected argument") : c.due == 0 ?
				 _("review start needs --due YYYY-MM-DD") :
				 _("--due: that day is over"));
	}
	if (cli->cfg.units_file[0] != '\0') {
		FILE *f = fopen(cli->cfg.units_file, "r");

		cli_account_rules(cli, &rules);
		if (f == NULL) {
			cli_error(_("units_file %s: %s"), cli->cfg.units_file,
				  strerror(errno));
			ret = EXIT_USAGE;
		} else {
			if (review_units_file_read(f, cli->cfg.units_file, &rules, &map,
						   &error) < 0) {
				cli_error(_("%s (nothing done)"), error);
				ret = EXIT_USAGE;
			}
			fclose(f);
		}
		if (ret != EXIT_OK) {
			free(s.only);
			free(s.only_seen);
			return ret;
		}
	}
	store = cli_open_view(cli, !apply, &s.view);
	if (store == NULL) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	switch (review_latest(store, latest, &old, &error)) {
	case -1:
		cli_error("%s", error);
		ret = EXIT_RUNTIME;
		goto out;
	case 1:
		if (old.state == REVIEW_OPEN) {
			cli_error(_("campaign %s is still open: close it first "
				  "(dormant review close)"), latest);
			ret = EXIT_FINDINGS;
			goto out;
		}
	}
	review_id_make(cli->now, id);
	if (store_account_foreach(store, start_one, &s, &error) != 0 || s.oom) {
		if (!s.oom)
			cli_error("%s", error);
		ret = EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < nonly; i++) {
		if (!s.only_seen[i]) {
			cli_error(_("--unit %s: no account of the directory is in that unit"),
				  s.only[i]);
			ret = EXIT_USAGE;
		}
	}
	if (ret != EXIT_OK)
		goto out;
	if (s.count > 0)
		qsort(s.f, s.count, sizeof(*s.f), frozen_cmp);
	if (plan_units(cli, &s, &map, &p) < 0) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	lang_date(c.due, LANG_DATE_DAY, due_text);
	plan_print(&s, &p, id, due_text, apply);
	if (!apply) {
		fputs(_("dry run: nothing written (add --apply)\n"), stdout);
		ret = s.errors > 0 ? EXIT_FINDINGS : EXIT_OK;
		goto out;
	}
	if (s.count == 0) {
		cli_error(_("no account to review (run 'dormant sync' first)"));
		ret = EXIT_FINDINGS;
		goto out;
	}
	for (size_t u = 0; u < p.count; u++) {
		if (getrandom(p.units[u].key, REVIEW_SHEET_KEY_BYTES, 0) !=
		    REVIEW_SHEET_KEY_BYTES) {
			cli_error(_("getrandom: %s"), strerror(errno));
			ret = EXIT_RUNTIME;
			goto out;
		}
	}
	c.state = REVIEW_OPEN;
	c.started = cli->now;
	c.units = (uint32_t)p.count;
	c.accounts = (uint32_t)s.count;
	if (start_store(cli, store, &s, &p, id, &c) < 0) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (start_sheets(cli, &s, &p, id, &c, true) > 0)
		ret = EXIT_RUNTIME;
	else if (s.errors > 0)
		ret = EXIT_FINDINGS;
out:
	plan_free(&s, &p);
	free(s.only);
	review_unitmap_free(&map);
	store_close(&store);
	return ret;
}

static const struct {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
} subcommands[] = {
	{ "start", review_start },
	{ "import", review_import },
	{ "status", review_status },
	{ "remind", review_remind },
	{ "close", review_close },
	{ "report", review_report },
};

static int review_run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(&cmd_review, _("give a subcommand"));
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(cli, argc - 1, argv + 1);
	}
	return cli_usage(&cmd_review, _("unknown subcommand '%s'"), argv[1]);
}

const struct cli_command cmd_review = {
	"review", review_run,
	"start --due YYYY-MM-DD [--unit U]... [--apply] | import FILE... "
	"[--keep-until YYYY-MM-DD] [--apply] | status [--format text|csv|json] | "
	"remind [--apply] | close [--force | --if-due] [--apply] | "
	"report [--campaign ID] [--format text|csv|json|html] [-o FILE]",
	N_("review campaigns: each unit's reviewer keeps or revokes its accounts"),
	N_("start freezes per unit its accounts (the directory's, dormant and\n"
	"never-used first), writes per unit a CSV and an HTML sheet into\n"
	"report_dir/review-ID/ and mails them to the unit's reviewer\n"
	"(units_file, else the manager most of its accounts name, else\n"
	"notify_cc or report_to). import reads the returned CSV sheets: keep\n"
	"(a reason required) exempts the account until the next campaign or\n"
	"--keep-until, revoke makes it a candidate of 'dormant suspend'. A sheet\n"
	"with any error is refused as a whole. status shows per unit what is\n"
	"answered and the days left; remind mails the reviewers of units with\n"
	"undecided accounts (once a day); close applies review_default to the\n"
	"undecided accounts (on or after the due date unless --force;\n"
	"--if-due: nothing and exit 0 when no campaign is open or it is not\n"
	"due yet, for a daily timer). report shows a campaign's outcome per\n"
	"unit (the latest unless --campaign), the kept accounts with their\n"
	"reasons and the revoked ones; -o FILE writes it atomically, gzip if\n"
	"it ends in .gz.\n"
	"Every subcommand but status and report is a dry run without --apply.\n"
	"Exit: 0 done, 1 findings (a refused sheet, an open campaign),\n"
	"2 usage or configuration, 3 database, file or mail failure.\n"),
};

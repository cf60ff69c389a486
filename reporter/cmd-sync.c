/* cmd-sync.c - "dormant sync": learn the account universe from the
 * directory, so accounts that never logged in appear in every report. */
#include "cli.h"
#include "i18n.h"
#include "suspend.h"
#include "account.h"
#include "contacts.h"
#include "lines.h"
#include "report.h"
#include "trend.h"
#include "userdb.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct name_list {
	char **names;
	size_t count, alloc;
	unsigned long bad;
};

static int name_add(struct name_list *list, const char *name)
{
	if (list->count == list->alloc) {
		size_t n = list->alloc == 0 ? 1024 : list->alloc * 2;
		char **p = realloc(list->names, n * sizeof(*p));
		if (p == NULL)
			return -1;
		list->names = p;
		list->alloc = n;
	}
	if ((list->names[list->count] = strdup(name)) == NULL)
		return -1;
	list->count++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_sort_unique(struct name_list *list)
{
	size_t out = 0;

	qsort(list->names, list->count, sizeof(char *), name_cmp);
	for (size_t i = 0; i < list->count; i++) {
		if (out > 0 && strcmp(list->names[out - 1], list->names[i]) == 0)
			free(list->names[i]);
		else
			list->names[out++] = list->names[i];
	}
	list->count = out;
}

static void names_free(struct name_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->names[i]);
	free(list->names);
}

/* One account per line, '#' comments and blank lines ignored; in a
   passwd-file only the part before the first ':' counts. */
static int read_names(struct cli *cli, FILE *f, const char *what,
		      struct name_list *list)
{
	struct account_rules rules = {
		.default_domain = cli->cfg.default_domain,
		.keep_local_case = !cli->cfg.lowercase_local_part,
	};
	char line[LINE_MAX_BYTES + 1], name[ACCOUNT_MAX + 1];
	unsigned long lineno = 0;
	enum line_result r;
	const char *error;
	size_t len;

	while ((r = lines_read(f, line, &len)) != LINE_EOF) {
		char *p = line;
		size_t n;

		lineno++;
		if (r != LINE_OK) {
			cli_error(_("%s:%lu: %s (skipped)"), what, lineno,
				  r == LINE_NUL ? "NUL byte" : "line too long");
			list->bad++;
			continue;
		}
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		n = strcspn(p, ":");
		if (account_normalize(p, n, ACCOUNT_LOGIN, &rules, name, &error) < 0) {
			cli_error(_("%s:%lu: %s (skipped)"), what, lineno, error);
			list->bad++;
			continue;
		}
		if (name_add(list, name) < 0) {
			cli_error(_("out of memory"));
			return -1;
		}
	}
	if (ferror(f)) {
		cli_error(_("%s: read error: %s"), what, strerror(errno));
		return -1;
	}
	return 0;
}

struct listing {
	struct cli *cli;
	struct name_list *list;
};

static int listing_read(FILE *f, void *_l, const char **error_r)
{
	struct listing *l = _l;

	if (read_names(l->cli, f, "doveadm user '*'", l->list) < 0) {
		*error_r = _("doveadm user '*': reading the listing failed");
		return -1;
	}
	return 0;
}

/* Run doveadm user '*' (execve, no shell) and read its output. */
static int read_doveadm(struct cli *cli, const char *doveadm_config,
			struct name_list *list)
{
	static const char *const args[] = { "user", "*", NULL };
	struct listing l = { cli, list };
	const char *error;

	if (userdb_doveadm(doveadm_config, args, NULL, listing_read, &l, &error) < 0) {
		cli_error(_("%s: accounts not synced"), error);
		return -1;
	}
	return 0;
}

/* The contacts of every listed account: the userdb's fields (from
   doveadm, when configured), then contacts_file over them. NULL with
   *contacts_r when no source is configured; -1 (printed) on error, with
   *usage_r set when contacts_file is bad (a configuration error). */
static int sync_contacts(struct cli *cli, struct name_list *list,
			 bool from_doveadm, const char *doveadm_config,
			 struct account_contacts **contacts_r, bool *usage_r)
{
	const struct userdb_fields fields = { {
		[CONTACT_UNIT] = cli->cfg.unit_field,
		[CONTACT_MANAGER] = cli->cfg.contact_manager_field,
		[CONTACT_ALTERNATE] = cli->cfg.contact_alternate_field,
	} };
	struct account_rules rules = {
		.default_domain = cli->cfg.default_domain,
		.keep_local_case = !cli->cfg.lowercase_local_part,
	};
	bool want_userdb = false;
	struct contacts_map map = { NULL, 0, 0 };
	struct account_contacts *c;
	const char *file = cli->cfg.contacts_file, *error;
	unsigned long bad = 0;
	size_t unlisted = 0;

	*contacts_r = NULL;
	for (int i = 0; i < CONTACT_FIELDS; i++)
		want_userdb |= from_doveadm && fields.name[i][0] != '\0';
	if (!want_userdb && file[0] == '\0')
		return 0;
	/* read the file first: a bad one changes nothing, not even the
	   directory records */
	if (file[0] != '\0') {
		FILE *f = fopen(file, "r");
		int ret;

		if (f == NULL) {
			cli_error(_("contacts_file %s: %s: nothing synced"), file,
				  strerror(errno));
			*usage_r = true;
			return -1;
		}
		ret = contacts_file_read(f, file, &rules, &map, &error);
		fclose(f);
		if (ret < 0) {
			cli_error(_("%s: nothing synced"), error);
			*usage_r = true;
			return -1;
		}
	}
	c = calloc(list->count > 0 ? list->count : 1, sizeof(*c));
	if (c == NULL) {
		cli_error(_("out of memory"));
		contacts_map_free(&map);
		return -1;
	}
	if (want_userdb &&
	    userdb_contacts(doveadm_config, (const char *const *)list->names,
			    list->count, &fields, &rules, c, cli_warn, &bad,
			    &error) < 0) {
		cli_error(_("%s: accounts not synced"), error);
		contacts_map_free(&map);
		free(c);
		return -1;
	}
	for (size_t i = 0; i < list->count; i++)
		contacts_apply(&map, list->names[i], &c[i]);
	for (size_t i = 0; i < map.count; i++) {
		const char *key = map.entries[i].account;

		if (bsearch(&key, list->names, list->count, sizeof(char *),
			    name_cmp) == NULL)
			unlisted++;
	}
	if (unlisted > 0)
		cli_error(_("contacts_file %s: %zu accounts the directory does not "
			  "list (ignored)"), file, unlisted);
	contacts_map_free(&map);
	list->bad += bad;
	*contacts_r = c;
	return 0;
}

/* Record this month's counts for the trend (trend.h): the timer's daily
   sync keeps the month's point current, its last one is the month's end.
   0, or -1 (printed). */
static int sync_history(struct cli *cli, struct store *store,
			const struct view_ctx *view)
{
	struct report rep;
	const char *error;
	int ret;

	ret = report_init(&rep, store, view, cli->now, NULL, cli_warn, &error);
	if (ret == 0)
		ret = trend_record(&rep, &error);
	if (ret < 0)
		cli_error("recording this month's counts: %s", error);
	report_free(&rep);
	return ret;
}

/* An account the sync left alone (its record is a newer dormant's): one
   warning naming it, escaped by cli_error; the sync went on. */
static void sync_skipped(void *ctx, const char *account, const char *why)
{
	(void)ctx;
	cli_error("%s: %s", account, why);
}

static int sync_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "from-doveadm", no_argument, NULL, 'D' },
		{ "doveadm-config", required_argument, NULL, 'C' },
		{ "allow-empty", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 }
	};
	const char *file = NULL, *doveadm_config = NULL, *error;
	bool from_doveadm = false, allow_empty = false;
	struct account_contacts *contacts = NULL;
	struct store_sync_stats stats;
	bool usage = false;
	long with_contacts = -1;
	struct name_list list;
	struct store *store;
	struct view_ctx view;
	int c, ret;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 'D': from_doveadm = true; break;
		case 'C': doveadm_config = optarg; break;
		case 'E': allow_empty = true; break;
		default: return cli_usage(&cmd_sync, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_sync, _("unexpected argument '%s'"), argv[optind]);
	if ((file != NULL) == from_doveadm)
		return cli_usage(&cmd_sync, _("give one of --file FILE or --from-doveadm"));

	memset(&list, 0, sizeof(list));
	if (file != NULL) {
		FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (f == NULL) {
			cli_error("%s: %s", file, strerror(errno));
			return EXIT_RUNTIME;
		}
		ret = read_names(cli, f, file, &list);
		if (f != stdin)
			fclose(f);
	} else {
		ret = read_doveadm(cli, doveadm_config, &list);
	}
	if (ret < 0) {
		names_free(&list);
		return EXIT_RUNTIME;
	}
	names_sort_unique(&list);
	/* An empty directory listing is far more likely a broken lookup than
	   an organisation without accounts: do not mark everyone gone. */
	if (list.count == 0 && !allow_empty) {
		cli_error(_("the directory listed no accounts: nothing changed "
			  "(--allow-empty to accept that)"));
		names_free(&list);
		return EXIT_FINDINGS;
	}
	if (sync_contacts(cli, &list, from_doveadm, doveadm_config, &contacts,
			  &usage) < 0) {
		names_free(&list);
		return usage ? EXIT_USAGE : EXIT_RUNTIME;
	}
	store = cli_open_view(cli, false, &view);
	if (store == NULL) {
		free(contacts);
		names_free(&list);
		return EXIT_RUNTIME;
	}
	ret = store_accounts_sync(store, (const char *const *)list.names, contacts,
				  list.count,
				  file != NULL ? SOURCE_FILE : SOURCE_DOVEADM,
				  cli->now, sync_skipped, NULL, &stats, &error);
	if (contacts != NULL)
		with_contacts = 0;
	for (size_t i = 0; contacts != NULL && i < list.count; i++)
		with_contacts += !account_contacts_empty(&contacts[i]);
	free(contacts);
	if (ret < 0) {
		cli_error("%s", error);
		store_close(&store);
		names_free(&list);
		return EXIT_RUNTIME;
	}
	/* the set-up step an admin runs before adding Dovecot's deny
	   passdb, which fails on a missing file */
	if (suspend_ensure_deny_file(cli->cfg.deny_file, store, cli_warn,
				     &error) < 0) {
		cli_error("%s", error);
		ret = -1;
	}
	if (sync_history(cli, store, &view) < 0)
		ret = -1;
	store_close(&store);
	names_free(&list);
	if (ret < 0)
		return EXIT_RUNTIME;
	printf(_("synced %lu accounts: %lu new, %lu back, %lu no longer listed"),
	       stats.listed, stats.added, stats.returned, stats.gone);
	if (with_contacts >= 0)
		printf(_(", %ld with contacts"), with_contacts);
	if (list.bad > 0)
		printf(_(", %lu lines skipped"), list.bad);
	if (stats.skipped > 0)
		printf(_(", %lu accounts left alone"), stats.skipped);
	putchar('\n');
	return list.bad > 0 || stats.skipped > 0 ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cmd_sync = {
	"sync", sync_run,
	"--from-doveadm [--doveadm-config FILE] | --file FILE [--allow-empty]",
	N_("learn every account from the directory (doveadm user '*' or a file)"),
	N_("  --from-doveadm    run doveadm user '*' (works with any userdb)\n"
	"  --doveadm-config  pass -c FILE to doveadm\n"
	"  --file FILE       one account per line, or a passwd-file; - for stdin\n"
	"  --allow-empty     accept a directory that lists no account\n"
	"Contacts (unit, manager, alternate) come from the userdb fields named\n"
	"by unit_field, contact_manager_field and contact_alternate_field\n"
	"(--from-doveadm: doveadm user -u), then from contacts_file, which wins;\n"
	"a bad contacts_file changes nothing (exit 2).\n"
	"Accounts no longer listed are marked, never deleted. Exit 1 if lines\n"
	"were skipped.\n"),
};

/* cmd-sync.c - "dormant sync": learn the account universe from the
 * directory, so accounts that never logged in appear in every report. */
#include "cli.h"
#include "suspend.h"
#include "account.h"
#include "lines.h"
#include "spawn.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define DOVEADM_PATH "/usr/bin/doveadm"

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
			cli_error("%s:%lu: %s (skipped)", what, lineno,
				  r == LINE_NUL ? "NUL byte" : "line too long");
			list->bad++;
			continue;
		}
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		n = strcspn(p, ":");
		if (account_normalize(p, n, ACCOUNT_LOGIN, &rules, name, &error) < 0) {
			cli_error("%s:%lu: %s (skipped)", what, lineno, error);
			list->bad++;
			continue;
		}
		if (name_add(list, name) < 0) {
			cli_error("out of memory");
			return -1;
		}
	}
	if (ferror(f)) {
		cli_error("%s: read error: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/* Run doveadm user '*' (execve, no shell) and read its output. */
static int read_doveadm(struct cli *cli, const char *doveadm_config,
			struct name_list *list)
{
	char *argv[6];
	struct spawn sp;
	const char *error;
	int status, ret, argc = 0;
	FILE *f;

	argv[argc++] = (char *)DOVEADM_PATH;
	if (doveadm_config != NULL) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = (char *)doveadm_config;
	}
	argv[argc++] = (char *)"user";
	argv[argc++] = (char *)"*";
	argv[argc] = NULL;
	/* no deadline: listing a large directory takes what it takes */
	memset(&sp, 0, sizeof(sp));
	sp.argv = argv;
	sp.flags = SPAWN_STDOUT_PIPE;
	sp.timeout_ms = -1;
	if (spawn_start(&sp, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	f = fdopen(sp.out, "r");
	if (f == NULL) {
		cli_error("fdopen: %s", strerror(errno));
		(void)spawn_wait(&sp, &status, &error);
		return -1;
	}
	sp.out = -1;                 /* f has it */
	ret = read_names(cli, f, "doveadm user '*'", list);
	fclose(f);
	if (spawn_wait(&sp, &status, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	if (spawn_exit_code(status) != 0) {
		cli_error("doveadm user '*' failed (exit %d): accounts not synced",
			  spawn_exit_code(status));
		return -1;
	}
	return ret;
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
	struct store_sync_stats stats;
	struct name_list list;
	struct store *store;
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
		return cli_usage(&cmd_sync, "unexpected argument '%s'", argv[optind]);
	if ((file != NULL) == from_doveadm)
		return cli_usage(&cmd_sync, "give one of --file FILE or --from-doveadm");

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
		cli_error("the directory listed no accounts: nothing changed "
			  "(--allow-empty to accept that)");
		names_free(&list);
		return EXIT_FINDINGS;
	}
	store = cli_store_open(cli, false);
	if (store == NULL) {
		names_free(&list);
		return EXIT_RUNTIME;
	}
	ret = store_accounts_sync(store, (const char *const *)list.names, NULL,
				  list.count,
				  file != NULL ? SOURCE_FILE : SOURCE_DOVEADM,
				  cli->now, &stats, &error);
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
	store_close(&store);
	names_free(&list);
	if (ret < 0)
		return EXIT_RUNTIME;
	printf("synced %lu accounts: %lu new, %lu back, %lu no longer listed",
	       stats.listed, stats.added, stats.returned, stats.gone);
	if (list.bad > 0)
		printf(", %lu lines skipped", list.bad);
	putchar('\n');
	return list.bad > 0 ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cmd_sync = {
	"sync", sync_run,
	"--from-doveadm [--doveadm-config FILE] | --file FILE [--allow-empty]",
	"learn every account from the directory (doveadm user '*' or a file)",
	"  --from-doveadm    run doveadm user '*' (works with any userdb)\n"
	"  --doveadm-config  pass -c FILE to doveadm\n"
	"  --file FILE       one account per line, or a passwd-file; - for stdin\n"
	"  --allow-empty     accept a directory that lists no account\n"
	"Accounts no longer listed are marked, never deleted. Exit 1 if lines\n"
	"were skipped.\n",
};

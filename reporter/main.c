/* main.c - the dormant command: the command table, global options,
 * configuration, dispatch. Each command family lives in its own cmd-*.c
 * file; what they share is in cli.c. Nothing calls into this file. */
#include "cli.h"
#include "errmsg.h"
#include "i18n.h"
#include "lang.h"
#include "timeutil.h"

#include <getopt.h>
#include <signal.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct cli_command *const commands[] = {
	&cmd_list,
	&cmd_show,
	&cmd_sync,
	&cmd_exempt,
	&cmd_report,
	&cmd_trend,
	&cmd_notify,
	&cmd_suspend,
	&cmd_reactivate,
	&cmd_audit,
	&cmd_alerts,
	&cmd_import,
	&cmd_export,
	&cmd_merge,
	&cmd_metrics,
	&cmd_review,
	&cmd_check,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* LMDB trusts its file: a page number past the end of a data.mdb someone
   truncated or scribbled on is read through the map, a SIGBUS. Say what
   it means instead of dying of it. */
static void on_sigbus(int sig)
{
	static const char msg[] = "dormant: the database is damaged (a page lies "
		"outside data.mdb): nothing more was read or written; restore it "
		"(dormant export/merge from another host, or a backup) or move it "
		"aside\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(EXIT_RUNTIME);
}

static const struct cli_command *command_find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

static void usage(FILE *out)
{
	fputs(_("usage: dormant [-c FILE] [-d DBDIR] [--now TIME] COMMAND [OPTIONS]\n"
		"       dormant help [COMMAND]\n\ncommands:\n"), out);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i]->name, _(commands[i]->summary));
	fprintf(out, _("\noptions:\n"
		       "  -c FILE     configuration file (default %s)\n"
		       "  -d DBDIR    database directory (overrides db in the file)\n"
		       "  --now TIME  act as if it were TIME (RFC 3339), for tests and what-ifs\n"
		       "\nexit: 0 ok, 1 problems found, 2 usage or configuration error,\n"
		       "      3 database or I/O failure\n"), DORMANT_DEFAULT_CONFIG);
}

static int help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	cmd = command_find(argv[1]);
	if (cmd == NULL) {
		cli_error(_("no such command: %s"), argv[1]);
		return EXIT_USAGE;
	}
	printf(_("usage: dormant [-c FILE] [-d DBDIR] %s %s\n"), cmd->name, cmd->usage);
	printf("\n%s\n", _(cmd->summary));
	if (cmd->help != NULL)
		printf("\n%s", _(cmd->help));
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cli_command *cmd;
	const char *dbdir = NULL, *error, *now_text = NULL, *config_error = NULL;
	struct cli cli;
	int c, ret;

	memset(&cli, 0, sizeof(cli));
	cli.prog = "dormant";
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigbus;
		sigaction(SIGBUS, &sa, NULL);
	}
	/* reports write millions of short lines */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	/* '+': global options end at the command name */
	while ((c = getopt_long(argc, argv, "+c:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config_path = optarg;
			break;
		case 'd':
			dbdir = optarg;
			break;
		case 'N':
			now_text = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			puts("dormant " PACKAGE_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;

	/* The configuration first: its language is that of everything
	   printed from here on, help included; its error is shown once the
	   command is known (help works with a broken file). */
	config_init(&cli.cfg);
	if (config_load(&cli.cfg, cli.config_path != NULL ? cli.config_path :
			DORMANT_DEFAULT_CONFIG, cli.config_path != NULL, &error) < 0 ||
	    (dbdir != NULL && config_set(&cli.cfg, "db", dbdir, &error) < 0) ||
	    config_check(&cli.cfg, &error) < 0) {
		/* kept past later calls into libdormant (errmsg.h) */
		static char copy[ERRMSG_MAX];
		snprintf(copy, sizeof(copy), "%s", error);
		config_error = copy;
	}
	{
		/* the build tree's tests point at their own catalogues */
		const char *localedir = getenv("DORMANT_LOCALEDIR");
		const char *configured = config_error == NULL ? cli.cfg.language : "";

		if (lang_init(configured, localedir != NULL && localedir[0] == '/' ?
			      localedir : LOCALEDIR) < 0 && configured[0] != '\0')
			fprintf(stderr, "dormant: language = %s: its messages "
				"cannot be read here (no catalogue, or Debian 13 "
				"without the %s_* locale: see README.Debian); "
				"English is used\n", configured, configured);
	}
	if (strcmp(argv[0], "help") == 0) {
		ret = help(argc, argv);
		config_free(&cli.cfg);
		return ret;
	}
	cmd = command_find(argv[0]);
	if (cmd == NULL) {
		cli_error(_("no such command: %s (try 'dormant help')"), argv[0]);
		config_free(&cli.cfg);
		return EXIT_USAGE;
	}

	cli.now = time(NULL);
	if (now_text != NULL && time_parse_rfc3339(now_text, &cli.now) < 0) {
		cli_error(_("--now: not an RFC 3339 time: %s"), now_text);
		config_free(&cli.cfg);
		return EXIT_USAGE;
	}
	if (config_error != NULL) {
		cli_error("%s", config_error);
		config_free(&cli.cfg);
		return EXIT_USAGE;
	}
	optind = 0;     /* GNU getopt: start over for the command's options */
	ret = cmd->run(&cli, argc, argv);
	config_free(&cli.cfg);
	return ret;
}

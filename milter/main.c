/* main.c - dormant-milter: options, configuration, and which processes run.
 *
 * The configuration is read and checked first (errors exit 2 before
 * anything else happens); then the process detaches (unless -f) and
 * becomes the supervisor, which forks the worker that runs libmilter
 * (supervise.h, worker.h). -S runs the worker alone, for debuggers and
 * tracers: nothing restarts it, and SIGHUP reads the file as milter_user. */
#include "mconf.h"
#include "mlog.h"
#include "supervise.h"
#include "worker.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fputs("usage: dormant-milter [-c FILE] [-d DBDIR] [-p SOCKET] [-u USER] "
	      "[-P PIDFILE] [-R N/TIME] [-f] [-S] [-n]\n"
	      "  -c FILE     configuration file (default " DORMANT_DEFAULT_CONFIG ")\n"
	      "  -d DBDIR    database directory (overrides db)\n"
	      "  -p SOCKET   unix:/path, inet:PORT@HOST or inet6:PORT@HOST "
	      "(overrides milter_socket)\n"
	      "  -u USER     run as USER (overrides milter_user)\n"
	      "  -P PIDFILE  write the process id there (overrides milter_pidfile)\n"
	      "  -R N/TIME   restart a crashed worker at most N times within TIME,\n"
	      "              then exit 3 (default " SUPERVISE_DEFAULT_LIMITS ")\n"
	      "  -f          stay in the foreground, log to stderr too\n"
	      "  -S          no supervisor: one process, never restarted (debugging)\n"
	      "  -n          check the configuration, print it and exit\n"
	      "exit: 0 ok, 2 usage or configuration error, 3 runtime failure\n",
	      out);
}

/* Detach (unless foreground) and run the supervisor, or the worker
   alone; returns the exit code. */
static int milter_run(const struct worker_params *params,
		      struct mlfi_settings *set, bool supervised,
		      const struct supervise_limits *limits)
{
	struct worker_params p = *params;
	const char *error;
	int facility = LOG_MAIL, ready_fd = -1, status;

	(void)config_syslog_facility(p.running->syslog_facility, &facility);
	mlog_open("dormant-milter", facility, true);
	if (!p.foreground && daemon_detach(&ready_fd, &error) < 0) {
		mlog(LOG_ERR, "cannot detach: %s", error);
		mlfi_settings_free(&set);
		mlog_close();
		return EXIT_RUNTIME;
	}
	if (supervised) {
		status = supervise_run(&p, ready_fd, set, limits);
	} else {
		p.ready_fd = ready_fd;
		p.write_pidfile = true;
		status = worker_run(&p, set);
	}
	mlog_close();
	return status;
}

int main(int argc, char **argv)
{
	struct mconf_options opts;
	struct daemon_user user = { NULL, 0, 0 };
	struct supervise_limits limits;
	struct dormant_config running;
	struct worker_params params;
	struct mlfi_settings *set;
	const struct dormant_config *cfg;
	const char *error, *limits_text = SUPERVISE_DEFAULT_LIMITS;
	bool foreground = false, check = false, supervised = true;
	int c, status;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt(argc, argv, "c:d:p:u:P:R:fSnh")) != -1) {
		switch (c) {
		case 'c': opts.config_path = optarg; break;
		case 'd': opts.db = optarg; break;
		case 'p': opts.socket = optarg; break;
		case 'u': opts.user = optarg; break;
		case 'P': opts.pidfile = optarg; break;
		case 'R': limits_text = optarg; break;
		case 'f': foreground = true; break;
		case 'S': supervised = false; break;
		case 'n': check = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "dormant-milter: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (supervise_limits_parse(limits_text, &limits, &error) < 0) {
		fprintf(stderr, "dormant-milter: -R %s: %s\n", limits_text, error);
		return EXIT_USAGE;
	}
	if (mconf_load(&opts, -1, &set, &error) < 0) {
		fprintf(stderr, "dormant-milter: %s\n", error);
		return EXIT_USAGE;
	}
	cfg = mlfi_settings_config(set);
	if (cfg->milter_user[0] != '\0' &&
	    daemon_user_lookup(cfg->milter_user, &user, &error) < 0) {
		fprintf(stderr, "dormant-milter: %s\n", error);
		mlfi_settings_free(&set);
		return EXIT_USAGE;
	}
	if (cfg->trusted_networks[0] != '\0' && cfg->local_domains[0] == '\0')
		fputs("dormant-milter: warning: trusted_networks is set but "
		      "local_domains is empty: no unauthenticated sender is "
		      "recorded\n", stderr);
	if (check) {
		config_dump(cfg, stdout);
		mlfi_settings_free(&set);
		daemon_user_free(&user);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
	}
	if (mconf_running(cfg, &running) < 0) {
		fputs("dormant-milter: out of memory\n", stderr);
		mlfi_settings_free(&set);
		daemon_user_free(&user);
		return EXIT_RUNTIME;
	}
	memset(&params, 0, sizeof(params));
	params.opts = &opts;
	params.user = &user;
	params.running = &running;
	params.foreground = foreground;
	params.ctl_fd = -1;
	params.ready_fd = -1;
	status = milter_run(&params, set, supervised, &limits);
	config_free(&running);
	daemon_user_free(&user);
	return status;
}

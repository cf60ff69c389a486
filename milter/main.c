/* main.c - dormant-milter: options, configuration, the daemon's life cycle.
 *
 * Start-up order matters: read and check the configuration (errors exit 2
 * before anything else happens); detach; drop privileges; open the store
 * (never before fork: an LMDB handle must not cross it); open the socket;
 * write the pid file; run libmilter.
 *
 * Signals: libmilter's own signal thread (sigwait on SIGHUP, SIGTERM,
 * SIGINT) stops the milter on SIGHUP, but SIGHUP must reload here. So
 * smfi_main runs in a second thread, and the main thread never blocks the
 * three signals (a handler writes them to a pipe, SA_NODEFER). Linux
 * gives a signal sent to the process to its main thread whenever that
 * thread does not block it and has no other signal pending, so in practice
 * libmilter's thread never sees one (the run.sh storm test sends SIGHUPs
 * during traffic). Should it ever take one, the milter stops, exits 3 and
 * says so, and a service manager restarts it. The main thread reads the
 * pipe: SIGHUP reloads; SIGTERM/SIGINT stop libmilter (milter_stop). */
#include "mlfi.h"
#include "mlog.h"
#include "daemon.h"
#include "config.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libmilter/mfapi.h>

#define EXIT_OK 0
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

/* How long shutdown waits for callbacks still using the store. */
#define QUIESCE_TIMEOUT_MS 5000
/* Byte the milter thread writes to the signal pipe when smfi_main returns;
   not a signal number we catch. */
#define MILTER_DONE 0xff

struct options {
	const char *config_path;     /* -c; NULL: the default file, may be missing */
	const char *db;              /* -d */
	const char *socket;          /* -p */
	const char *user;            /* -u */
	const char *pidfile;         /* -P */
	bool foreground;             /* -f */
	bool check;                  /* -n */
};

/* Keys a reload cannot apply: the process runs with these until restarted. */
static const char *const restart_keys[] = {
	"db", "milter_socket", "milter_user", "milter_pidfile", "syslog_facility",
};
#define N_RESTART_KEYS (sizeof(restart_keys) / sizeof(restart_keys[0]))

static int sig_pipe[2] = { -1, -1 };
static int milter_result;

static void usage(FILE *out)
{
	fputs("usage: dormant-milter [-c FILE] [-d DBDIR] [-p SOCKET] [-u USER] "
	      "[-P PIDFILE] [-f] [-n]\n"
	      "  -c FILE     configuration file (default " DORMANT_DEFAULT_CONFIG ")\n"
	      "  -d DBDIR    database directory (overrides db)\n"
	      "  -p SOCKET   unix:/path, inet:PORT@HOST or inet6:PORT@HOST "
	      "(overrides milter_socket)\n"
	      "  -u USER     run as USER (overrides milter_user)\n"
	      "  -P PIDFILE  write the process id there (overrides milter_pidfile)\n"
	      "  -f          stay in the foreground, log to stderr too\n"
	      "  -n          check the configuration, print it and exit\n"
	      "exit: 0 ok, 2 usage or configuration error, 3 runtime failure\n",
	      out);
}

static const char *config_value(const struct dormant_config *cfg, const char *key)
{
	if (strcmp(key, "db") == 0)
		return cfg->db;
	if (strcmp(key, "milter_socket") == 0)
		return cfg->milter_socket;
	if (strcmp(key, "milter_user") == 0)
		return cfg->milter_user;
	if (strcmp(key, "milter_pidfile") == 0)
		return cfg->milter_pidfile;
	if (strcmp(key, "syslog_facility") == 0)
		return cfg->syslog_facility;
	return "";
}

/* Read the file, apply the command line over it and check what the
   milter uses. On error *error_r is "file:line: message" or names the
   setting, and nothing is allocated. */
static int milter_config_load(const struct options *opts,
			      struct dormant_config **cfg_r, const char **error_r)
{
	static _Thread_local char errbuf[CONFIG_LINE_MAX + 512];
	const char *path = opts->config_path != NULL ? opts->config_path :
		DORMANT_DEFAULT_CONFIG;
	const struct {
		const char *opt, *key, *value;
	} overrides[] = {
		{ "-d", "db", opts->db },
		{ "-p", "milter_socket", opts->socket },
		{ "-u", "milter_user", opts->user },
		{ "-P", "milter_pidfile", opts->pidfile },
	};
	struct dormant_config *cfg;
	const char *error;

	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	config_init(cfg);
	if (config_load(cfg, path, opts->config_path != NULL, &error) < 0) {
		snprintf(errbuf, sizeof(errbuf), "%s", error);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
		if (overrides[i].value != NULL &&
		    config_set(cfg, overrides[i].key, overrides[i].value, &error) < 0) {
			snprintf(errbuf, sizeof(errbuf), "%s: %s", overrides[i].opt, error);
			goto fail;
		}
	}
	if (config_check(cfg, &error) < 0) {
		snprintf(errbuf, sizeof(errbuf), "%s: %s", path, error);
		goto fail;
	}
	*cfg_r = cfg;
	return 0;
fail:
	config_free(cfg);
	free(cfg);
	*error_r = errbuf;
	return -1;
}

/* Configuration to settings; *set_r is ready to be made current. */
static int milter_settings_load(const struct options *opts,
				struct mlfi_settings **set_r, const char **error_r)
{
	static _Thread_local char errbuf[512];
	struct dormant_config *cfg;
	const char *error;

	if (milter_config_load(opts, &cfg, error_r) < 0)
		return -1;
	if (mlfi_settings_create(cfg, set_r, &error) < 0) {
		snprintf(errbuf, sizeof(errbuf), "%s: %s", opts->config_path != NULL ?
			 opts->config_path : DORMANT_DEFAULT_CONFIG, error);
		*error_r = errbuf;
		return -1;
	}
	return 0;
}

/* SIGHUP: re-read the file; keep the running settings if it is broken. */
static void milter_reload(const struct options *opts,
			  const struct dormant_config *running)
{
	const struct dormant_config *cfg;
	struct mlfi_settings *set;
	const char *error;

	if (milter_settings_load(opts, &set, &error) < 0) {
		mlog(LOG_ERR, "reload: %s: keeping the running configuration", error);
		return;
	}
	cfg = mlfi_settings_config(set);
	for (size_t i = 0; i < N_RESTART_KEYS; i++) {
		if (strcmp(config_value(cfg, restart_keys[i]),
			   config_value(running, restart_keys[i])) != 0)
			mlog(LOG_WARNING, "reload: %s changed; it takes effect after "
			     "a restart", restart_keys[i]);
	}
	mlfi_settings_swap(set);
	mlog(LOG_INFO, "configuration reloaded (enforce = %s, update_interval = "
	     "%llus)", cfg->enforce ? "yes" : "no",
	     (unsigned long long)cfg->update_interval);
}

static void on_signal(int sig)
{
	int saved_errno = errno;
	unsigned char c = (unsigned char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* pipe full: a signal of each kind is already waiting */
	}
	errno = saved_errno;
}

static int signals_init(const char **error_r)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC) < 0 ||
	    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK) < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* NODEFER: the main thread never blocks them, even in the handler,
	   so the kernel never passes one to libmilter's thread instead */
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0) {
			*error_r = strerror(errno);
			return -1;
		}
	}
	return 0;
}

static void *milter_thread(void *arg)
{
	unsigned char c = MILTER_DONE;

	milter_result = smfi_main();
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* cannot happen with a reader draining the pipe */
	}
	return NULL;
}

/* Start smfi_main in its own thread, which (with everything it starts)
   inherits SIGHUP, SIGTERM and SIGINT blocked. */
static int milter_thread_start(pthread_t *tid_r, const char **error_r)
{
	sigset_t set, old;
	int ret;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	ret = pthread_create(tid_r, NULL, milter_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret != 0) {
		*error_r = strerror(ret);
		return -1;
	}
	return 0;
}

static void *stopper_thread(void *arg)
{
	smfi_stop();
	return NULL;
}

/* smfi_stop() sets libmilter's stop flag, then waits for the listener to
   come out of its poll (up to 5 s) to close the socket. Call it from a
   thread of its own; the main thread then connects to the socket every
   STOP_POKE_MS, which wakes the listener at once. */
#define STOP_POKE_MS 50

static void milter_stop(const struct dormant_config *running,
			pthread_t *stopper_r, bool *have_stopper_r)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	*have_stopper_r = pthread_create(stopper_r, NULL, stopper_thread, NULL) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!*have_stopper_r)
		smfi_stop();         /* slower, as good */
	daemon_socket_poke(running->milter_socket);
}

/* Wait for signals until libmilter stops; returns the exit code. */
static int milter_loop(const struct options *opts,
		       const struct dormant_config *running)
{
	struct pollfd pfd = { .fd = sig_pipe[0], .events = POLLIN };
	bool stopping = false, have_stopper = false;
	pthread_t stopper;
	unsigned char c;
	ssize_t n;
	int ret;

	for (;;) {
		ret = poll(&pfd, 1, stopping ? STOP_POKE_MS : -1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret == 0) {
			daemon_socket_poke(running->milter_socket);
			continue;
		}
		n = read(sig_pipe[0], &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1) {
			mlog(LOG_ERR, "signal pipe: %s: stopping",
			     n < 0 ? strerror(errno) : "closed");
			if (!stopping)
				milter_stop(running, &stopper, &have_stopper);
			stopping = true;
			continue;
		}
		if (c == SIGHUP) {
			milter_reload(opts, running);
		} else if (c == SIGTERM || c == SIGINT) {
			if (!stopping) {
				mlog(LOG_INFO, "stopping (signal %d)", c);
				milter_stop(running, &stopper, &have_stopper);
			}
			stopping = true;
		} else if (c == MILTER_DONE) {
			break;
		}
	}
	if (have_stopper)
		pthread_join(stopper, NULL);
	if (milter_result != MI_SUCCESS) {
		mlog(LOG_ERR, "libmilter failed (see its messages above)");
		return EXIT_RUNTIME;
	}
	if (!stopping) {
		/* only libmilter's own signal thread stops it without us */
		mlog(LOG_ERR, "libmilter stopped unexpectedly");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int milter_run(const struct options *opts, struct mlfi_settings *set,
		      const struct daemon_user *user)
{
	const struct dormant_config *cfg = mlfi_settings_config(set);
	bool enforce = cfg->enforce;
	struct dormant_config running;
	struct store *store = NULL;
	const char *error;
	bool pidfile = false, registered = false;
	int facility = LOG_MAIL, ready_fd = -1, status = EXIT_RUNTIME;
	mode_t old_umask;
	pthread_t tid;

	/* restart-only values, for reload to compare against */
	memset(&running, 0, sizeof(running));
	running.db = strdup(cfg->db);
	running.milter_socket = strdup(cfg->milter_socket);
	running.milter_user = strdup(cfg->milter_user);
	running.milter_pidfile = strdup(cfg->milter_pidfile);
	running.syslog_facility = strdup(cfg->syslog_facility);
	if (running.db == NULL || running.milter_socket == NULL ||
	    running.milter_user == NULL || running.milter_pidfile == NULL ||
	    running.syslog_facility == NULL) {
		fputs("dormant-milter: out of memory\n", stderr);
		config_free(&running);
		mlfi_settings_free(&set);
		return EXIT_RUNTIME;
	}

	(void)config_syslog_facility(cfg->syslog_facility, &facility);
	mlog_open("dormant-milter", facility, true);
	if (!opts->foreground && daemon_detach(&ready_fd, &error) < 0) {
		mlog(LOG_ERR, "cannot detach: %s", error);
		goto out;
	}
	/* from here on a SIGTERM or SIGHUP waits in the pipe for the loop */
	if (signals_init(&error) < 0) {
		mlog(LOG_ERR, "signals: %s", error);
		goto out;
	}
	if (user->name != NULL) {
		if (daemon_drop_privileges(user, &error) < 0) {
			mlog(LOG_ERR, "%s", error);
			goto out;
		}
	} else if (geteuid() == 0) {
		mlog(LOG_WARNING, "running as root: set milter_user (or -u)");
	}
	if (store_open(running.db, STORE_HOT_PATH, &store, &error) < 0) {
		mlog(LOG_ERR, "cannot open the database: %s", error);
		goto out;
	}
	if (mlfi_init(store, set) < 0) {
		mlog(LOG_ERR, "smfi_register failed");
		goto out;
	}
	registered = true;
	/* current now: a reload may free it, mlfi_deinit does */
	set = NULL;
	cfg = NULL;
	if (smfi_setconn(running.milter_socket) != MI_SUCCESS) {
		mlog(LOG_ERR, "smfi_setconn %s failed", running.milter_socket);
		goto out;
	}
	if (daemon_socket_check_free(running.milter_socket, &error) < 0) {
		mlog(LOG_ERR, "cannot use socket %s", error);
		goto out;
	}
	/* a unix socket for the MTA's group: 0660 */
	old_umask = umask(0117);
	if (smfi_opensocket(true) != MI_SUCCESS) {
		umask(old_umask);
		mlog(LOG_ERR, "cannot listen on %s (libmilter's reason is logged "
		     "above)", running.milter_socket);
		goto out;
	}
	umask(old_umask);
	if (running.milter_pidfile[0] != '\0') {
		if (daemon_pidfile_write(running.milter_pidfile, &error) < 0) {
			mlog(LOG_ERR, "pid file: %s", error);
			goto out;
		}
		pidfile = true;
	}
	if (milter_thread_start(&tid, &error) < 0) {
		mlog(LOG_ERR, "cannot start: %s", error);
		goto out;
	}
	mlog(LOG_INFO, "started: socket %s, database %s, enforce = %s",
	     running.milter_socket, running.db, enforce ? "yes" : "no");
	if (!opts->foreground) {
		daemon_ready(ready_fd, EXIT_OK);
		ready_fd = -1;
	}

	status = milter_loop(opts, &running);
	pthread_join(tid, NULL);
	/* Sessions libmilter still serves call back until their MTA hangs up:
	   close the store only when none is inside it. */
	if (mlfi_quiesce(QUIESCE_TIMEOUT_MS) < 0) {
		mlog(LOG_WARNING, "callbacks still running after %d ms: the "
		     "database is left open", QUIESCE_TIMEOUT_MS);
		store = NULL;
	}
	mlog(LOG_INFO, "stopped");
out:
	if (ready_fd >= 0)
		daemon_ready(ready_fd, status);
	if (registered)
		mlfi_deinit();
	mlfi_settings_free(&set);
	store_close(&store);
	if (pidfile)
		daemon_pidfile_remove(running.milter_pidfile);
	config_free(&running);
	mlog_close();
	return status;
}

int main(int argc, char **argv)
{
	struct options opts;
	struct daemon_user user = { NULL, 0, 0 };
	struct mlfi_settings *set;
	const struct dormant_config *cfg;
	const char *error;
	int c, status;

	memset(&opts, 0, sizeof(opts));
	while ((c = getopt(argc, argv, "c:d:p:u:P:fnh")) != -1) {
		switch (c) {
		case 'c': opts.config_path = optarg; break;
		case 'd': opts.db = optarg; break;
		case 'p': opts.socket = optarg; break;
		case 'u': opts.user = optarg; break;
		case 'P': opts.pidfile = optarg; break;
		case 'f': opts.foreground = true; break;
		case 'n': opts.check = true; break;
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
	if (milter_settings_load(&opts, &set, &error) < 0) {
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
	if (opts.check) {
		config_dump(cfg, stdout);
		mlfi_settings_free(&set);
		daemon_user_free(&user);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
	}
	status = milter_run(&opts, set, &user);
	daemon_user_free(&user);
	return status;
}

/* worker.c - the libmilter process (worker.h).
 *
 * Start-up order matters: drop privileges; open the store (never before
 * fork: an LMDB handle must not cross it); open the socket; run
 * libmilter; tell whoever waits that we listen.
 *
 * Signals: libmilter's own signal thread (sigwait on SIGHUP, SIGTERM,
 * SIGINT) stops the milter on SIGHUP, but SIGHUP must reload here. So
 * smfi_main runs in a second thread, and the main thread never blocks the
 * three signals (sigpipe.h). Linux gives a signal sent to the process to
 * its main thread whenever that thread does not block it and has no other
 * signal pending, so in practice libmilter's thread never sees one (the
 * run.sh storm test sends SIGHUPs during traffic). Should it ever take
 * one, the milter stops and exits 3, and the supervisor starts another.
 *
 * The main thread waits in poll for: a signal (SIGHUP reloads, SIGTERM
 * and SIGINT stop libmilter), a message from the supervisor (a new
 * configuration; its end means stop), and once a second it checks that
 * the database files are still those it opened (dbwatch.h). */
#include "worker.h"
#include "ctl.h"
#include "dbwatch.h"
#include "mlfi.h"
#include "mlog.h"
#include "sigpipe.h"
#include "store.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <libmilter/mfapi.h>

/* How long shutdown waits for callbacks still using the store. */
#define QUIESCE_TIMEOUT_MS 5000
/* Byte the milter thread writes to the signal pipe when smfi_main returns;
   not a signal number we catch. */
#define MILTER_DONE 0xff
/* How often the database files are compared with the open handle's. */
#define DBWATCH_MS 1000
/* How long a store swap waits for callbacks in flight (each holds the
   gate for a few store calls); MAIL FROMs arriving meanwhile wait too.
   Past it the swap is tried again a second later. */
#define SWAP_DRAIN_MS 200
/* smfi_stop() sets libmilter's stop flag, then waits for the listener to
   come out of its poll (up to 5 s) to close the socket. Call it from a
   thread of its own; the main thread then connects to the socket every
   STOP_POKE_MS, which wakes the listener at once. */
#define STOP_POKE_MS 50

struct worker {
	const struct worker_params *p;
	struct store *store;         /* NULL after a failed reopen */
	struct dbwatch watch;        /* the files store was opened on */
	pthread_t stopper;
	bool have_stopper, stopping;
	bool registered;             /* mlfi_init done: mlfi_deinit at the end */
};

static int milter_result;

static const int worker_signals[] = { SIGHUP, SIGTERM, SIGINT };
#define N_WORKER_SIGNALS (sizeof(worker_signals) / sizeof(worker_signals[0]))

/* --- libmilter's threads --- */

static void *milter_thread(void *arg)
{
	milter_result = smfi_main();
	sigpipe_post(MILTER_DONE);
	return NULL;
}

/* Start fn in a thread of its own which (with every thread it starts)
   has our signals blocked. */
static int thread_start(pthread_t *tid_r, void *(*fn)(void *))
{
	sigset_t set, old;
	int ret;

	sigemptyset(&set);
	for (size_t i = 0; i < N_WORKER_SIGNALS; i++)
		sigaddset(&set, worker_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	ret = pthread_create(tid_r, NULL, fn, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

static void *stopper_thread(void *arg)
{
	smfi_stop();
	return NULL;
}

static void worker_stop(struct worker *w, const char *why)
{
	if (w->stopping)
		return;
	w->stopping = true;
	mlog(LOG_INFO, "stopping (%s)", why);
	w->have_stopper = thread_start(&w->stopper, stopper_thread) == 0;
	if (!w->have_stopper)
		smfi_stop();         /* slower, as good */
	daemon_socket_poke(w->p->running->milter_socket);
}

/* --- configuration --- */

/* SIGHUP without a supervisor (snapshot_fd < 0: read the file), or the
   supervisor's snapshot. A broken one keeps the running settings. */
static void worker_reload(struct worker *w, int snapshot_fd)
{
	const struct dormant_config *cfg;
	struct mlfi_settings *set;
	const char *error;

	if (mconf_load(w->p->opts, snapshot_fd, &set, &error) < 0) {
		mlog(LOG_ERR, "reload: %s: keeping the running configuration", error);
		return;
	}
	cfg = mlfi_settings_config(set);
	if (snapshot_fd < 0)
		mconf_warn_restart(w->p->running, cfg);
	mlfi_settings_swap(set);
	mlog(LOG_INFO, "configuration reloaded (enforce = %s, update_interval = "
	     "%llus)", cfg->enforce ? "yes" : "no",
	     (unsigned long long)cfg->update_interval);
}

/* --- the store and its files --- */

/* Open the store and remember which files it holds: the same before and
   after the open, or the directory changed meanwhile and we try again. */
static int worker_store_open(struct worker *w, const char **error_r)
{
	struct dbwatch before;

	for (int tries = 0; tries < 3; tries++) {
		before = w->watch;
		dbwatch_snap(&before);
		/* MAIL FROM waits at most STORE_HOT_WAIT_MS on the database */
		if (store_open(w->p->running->db, STORE_HOT_PATH, &w->store,
			       error_r) < 0)
			return -1;
		dbwatch_snap(&w->watch);
		if (dbwatch_equal(&before, &w->watch))
			return 0;
		store_close(&w->store);
	}
	*error_r = "the database files keep changing while they are opened";
	return -1;
}

/* Reopen when the files are no longer the handle's. Both handles never
   live at once: LMDB's locks are fcntl locks, which a process loses on
   every descriptor of a file when it closes any one of them, so the old
   handle is closed first, with the callbacks held at the gate. */
static void worker_store_check(struct worker *w)
{
	const char *error;

	switch (dbwatch_check(&w->watch)) {
	case DBWATCH_SAME:
		if (w->store != NULL)
			return;
		break;               /* a failed reopen: try again */
	case DBWATCH_MISSING:
		mlog_limited(LOG_WARNING, "%s is missing: keeping the open database "
			     "until it is back", w->watch.data_path);
		return;
	case DBWATCH_REPLACED:
		break;
	}
	if (mlfi_pause(SWAP_DRAIN_MS) < 0) {
		mlog_limited(LOG_WARNING, "database files replaced, but callbacks "
			     "are busy: reopening later");
		return;
	}
	store_close(&w->store);
	if (worker_store_open(w, &error) < 0)
		mlog_limited(LOG_ERR, "database files replaced: cannot open them: %s "
			     "(mail goes on unchecked; trying again each second)",
			     error);
	else
		mlog(LOG_NOTICE, "database files in %s replaced (a restored backup?): "
		     "reopened", w->p->running->db);
	mlfi_resume(w->store);
}

/* --- the main loop --- */

/* A message from the supervisor. */
static void worker_ctl(struct worker *w)
{
	char msg;
	int fd, ret = ctl_recv(w->p->ctl_fd, &msg, &fd);

	if (ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (ret <= 0) {
		/* never outlive the supervisor: another one may be starting,
		   and it needs the socket */
		worker_stop(w, ret == 0 ? "the supervisor is gone" :
			    "the supervisor's channel failed");
		return;
	}
	if (msg == CTL_CONFIG && fd >= 0)
		worker_reload(w, fd);
	if (fd >= 0)
		close(fd);
}

static void worker_signal(struct worker *w, unsigned char c)
{
	if (c == SIGHUP) {
		if (w->p->ctl_fd < 0)
			worker_reload(w, -1);
		/* only the supervisor may be able to read the file */
		else if (ctl_send(w->p->ctl_fd, CTL_RELOAD, -1) < 0)
			mlog(LOG_ERR, "reload: cannot ask the supervisor: %s",
			     strerror(errno));
	} else if (c == SIGTERM || c == SIGINT) {
		worker_stop(w, c == SIGTERM ? "SIGTERM" : "SIGINT");
	}
}

/* Wait for events until libmilter stops; returns the exit code. */
static int worker_loop(struct worker *w)
{
	struct pollfd pfd[2] = {
		{ .fd = sigpipe_fd(), .events = POLLIN },
		{ .fd = w->p->ctl_fd, .events = POLLIN },
	};
	nfds_t nfds = w->p->ctl_fd >= 0 ? 2 : 1;
	int64_t next_check = daemon_clock_ms() + DBWATCH_MS, wait = DBWATCH_MS;
	unsigned char c;
	int ret;

	for (;;) {
		/* due whatever woke us, so signals cannot put it off */
		if (!w->stopping && (wait = next_check - daemon_clock_ms()) <= 0) {
			worker_store_check(w);
			next_check = daemon_clock_ms() + DBWATCH_MS;
			wait = DBWATCH_MS;
		}
		/* once stopping, the supervisor has nothing more to say */
		ret = poll(pfd, w->stopping ? 1 : nfds,
			   w->stopping ? STOP_POKE_MS : (int)wait);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret == 0) {
			if (w->stopping)
				daemon_socket_poke(w->p->running->milter_socket);
			continue;
		}
		if (!w->stopping && nfds > 1 && pfd[1].revents != 0)
			worker_ctl(w);
		if (pfd[0].revents == 0)
			continue;
		ret = sigpipe_read(&c);
		if (ret == 0)
			continue;
		if (ret < 0) {
			mlog(LOG_ERR, "signal pipe: %s", strerror(errno));
			worker_stop(w, "signal pipe failed");
			/* nothing to read any more: wait out libmilter */
			break;
		}
		if (c == MILTER_DONE)
			break;
		worker_signal(w, c);
	}
	if (w->have_stopper)
		pthread_join(w->stopper, NULL);
	if (milter_result != MI_SUCCESS) {
		mlog(LOG_ERR, "libmilter failed (see its messages above)");
		return EXIT_RUNTIME;
	}
	if (!w->stopping) {
		/* only libmilter's own signal thread stops it without us */
		mlog(LOG_ERR, "libmilter stopped unexpectedly");
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* --- start-up --- */

/* Everything up to listening; returns 0 or -1 (logged). */
static int worker_start(struct worker *w, struct mlfi_settings **set)
{
	const struct worker_params *p = w->p;
	const char *error;
	mode_t old_umask;
	sigset_t sigs;

	if (sigpipe_open(worker_signals, N_WORKER_SIGNALS, &error) < 0) {
		mlog(LOG_ERR, "signals: %s", error);
		return -1;
	}
	/* the supervisor forks us with them blocked (supervise.c) */
	sigemptyset(&sigs);
	for (size_t i = 0; i < N_WORKER_SIGNALS; i++)
		sigaddset(&sigs, worker_signals[i]);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	if (p->user->name != NULL) {
		if (daemon_drop_privileges(p->user, &error) < 0) {
			mlog(LOG_ERR, "%s", error);
			return -1;
		}
	} else if (geteuid() == 0) {
		mlog(LOG_WARNING, "running as root: set milter_user (or -u)");
	}
	if (dbwatch_init(&w->watch, p->running->db) < 0) {
		mlog(LOG_ERR, "cannot open the database: %s: path too long",
		     p->running->db);
		return -1;
	}
	if (worker_store_open(w, &error) < 0) {
		mlog(LOG_ERR, "cannot open the database: %s", error);
		return -1;
	}
	if (mlfi_init(w->store, *set) < 0) {
		mlog(LOG_ERR, "smfi_register failed");
		return -1;
	}
	/* current now: a reload may free it, mlfi_deinit does */
	*set = NULL;
	w->registered = true;
	if (smfi_setconn(p->running->milter_socket) != MI_SUCCESS) {
		mlog(LOG_ERR, "smfi_setconn %s failed", p->running->milter_socket);
		return -1;
	}
	if (daemon_socket_check_free(p->running->milter_socket, &error) < 0) {
		mlog(LOG_ERR, "cannot use socket %s", error);
		return -1;
	}
	/* a unix socket for the MTA's group: 0660; a stale one (a worker
	   that died) is replaced */
	old_umask = umask(0117);
	if (smfi_opensocket(true) != MI_SUCCESS) {
		umask(old_umask);
		mlog(LOG_ERR, "cannot listen on %s (libmilter's reason is logged "
		     "above)", p->running->milter_socket);
		return -1;
	}
	umask(old_umask);
	return 0;
}

int worker_run(const struct worker_params *p, struct mlfi_settings *set)
{
	const struct dormant_config *cfg = mlfi_settings_config(set);
	struct worker w;
	const char *error;
	bool enforce = cfg->enforce, pidfile = false, running = false;
	int status = EXIT_RUNTIME;
	pthread_t tid;

	memset(&w, 0, sizeof(w));
	w.p = p;
	if (worker_start(&w, &set) < 0)
		goto out;
	if (p->write_pidfile && p->running->milter_pidfile[0] != '\0') {
		if (daemon_pidfile_write(p->running->milter_pidfile, &error) < 0) {
			mlog(LOG_ERR, "pid file: %s", error);
			goto out;
		}
		pidfile = true;
	}
	if ((errno = thread_start(&tid, milter_thread)) != 0) {
		mlog(LOG_ERR, "cannot start: %s", strerror(errno));
		goto out;
	}
	running = true;
	mlog(LOG_INFO, "started: socket %s, database %s, enforce = %s",
	     p->running->milter_socket, p->running->db, enforce ? "yes" : "no");
	if (p->ctl_fd >= 0 && ctl_send(p->ctl_fd, CTL_READY, -1) < 0)
		mlog(LOG_WARNING, "cannot tell the supervisor we are ready: %s",
		     strerror(errno));
	if (!p->foreground && daemon_ready(p->ready_fd, EXIT_OK, &error) < 0)
		mlog(LOG_ERR, "%s", error);

	status = worker_loop(&w);
	pthread_join(tid, NULL);
	/* Sessions libmilter still serves call back until their MTA hangs up:
	   close the store only when none is inside it. */
	if (mlfi_quiesce(QUIESCE_TIMEOUT_MS) < 0) {
		mlog(LOG_WARNING, "callbacks still running after %d ms: the "
		     "database is left open", QUIESCE_TIMEOUT_MS);
		w.store = NULL;
	}
	mlog(LOG_INFO, "stopped");
out:
	if (!running && !p->foreground)
		(void)daemon_ready(p->ready_fd, status, &error);
	if (w.registered)
		mlfi_deinit();
	mlfi_settings_free(&set);
	store_close(&w.store);
	if (pidfile)
		daemon_pidfile_remove(p->running->milter_pidfile);
	sigpipe_close();
	return status;
}

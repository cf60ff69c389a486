/* supervise.c - the parent that keeps a worker running (supervise.h). */
#include "supervise.h"
#include "ctl.h"
#include "mlog.h"
#include "sigpipe.h"
#include "timeutil.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#define LIMIT_COUNT_MAX 1000
#define LIMIT_INTERVAL_MAX (7 * 24 * 3600)

struct supervisor {
	const struct worker_params *p;
	const struct supervise_limits *limits;
	struct mlfi_settings *set;   /* what the next worker starts with */
	pid_t pid;                   /* the worker; 0 while there is none */
	int ctl_fd;                  /* our end of its channel, or -1 */
	int ready_fd;                /* until the first worker listens */
	bool ever_ready, stopping;
	int64_t *restarts;           /* ring of restart times (ms), count long */
	unsigned int nrestarts, next;
};

static const int supervise_signals[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };
#define N_SUPERVISE_SIGNALS \
	(sizeof(supervise_signals) / sizeof(supervise_signals[0]))

int supervise_limits_parse(const char *text, struct supervise_limits *limits_r,
			   const char **error_r)
{
	const char *slash = strchr(text, '/');
	char count[16];
	uint64_t n, secs;

	if (slash == NULL || (size_t)(slash - text) >= sizeof(count)) {
		*error_r = "expected COUNT/INTERVAL, e.g. 10/60s";
		return -1;
	}
	memcpy(count, text, (size_t)(slash - text));
	count[slash - text] = '\0';
	if (uint_parse(count, LIMIT_COUNT_MAX, &n) < 0) {
		*error_r = "the count must be a number from 0 to 1000";
		return -1;
	}
	if (duration_parse(slash + 1, LIMIT_INTERVAL_MAX, &secs) < 0 || secs == 0) {
		*error_r = "the interval must be a duration from 1s to 7d";
		return -1;
	}
	limits_r->count = (unsigned int)n;
	limits_r->interval = (unsigned int)secs;
	return 0;
}

/* Room for one more restart now? Counts it if so. */
static bool restart_allowed(struct supervisor *s)
{
	int64_t now = daemon_clock_ms();
	unsigned int count = s->limits->count;

	if (count == 0)
		return false;
	/* the ring holds the last count restarts; the oldest is at next */
	if (s->nrestarts == count &&
	    now - s->restarts[s->next] < (int64_t)s->limits->interval * 1000)
		return false;
	s->restarts[s->next] = now;
	s->next = (s->next + 1) % count;
	if (s->nrestarts < count)
		s->nrestarts++;
	return true;
}

/* --- the worker's birth and death --- */

static void block_signals(bool block, sigset_t *old)
{
	sigset_t set;

	if (!block) {
		sigprocmask(SIG_SETMASK, old, NULL);
		return;
	}
	sigemptyset(&set);
	for (size_t i = 0; i < N_SUPERVISE_SIGNALS; i++)
		sigaddset(&set, supervise_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* Fork a worker. Returns its pid in the supervisor, 0 in the worker (with
   *ctl_r its end of the channel), -1 on failure (logged). */
static pid_t supervise_spawn(struct supervisor *s, int *ctl_r)
{
	const char *error;
	sigset_t old, chld;
	int fds[2];
	pid_t pid;

	if (ctl_pair(fds, &error) < 0) {
		mlog(LOG_ERR, "cannot start a worker: socketpair: %s", error);
		return -1;
	}
	/* A signal for the worker that came before it has handlers of its
	   own would run ours and land on our pipe: keep them pending until
	   the worker catches them (worker_start unblocks them). */
	block_signals(true, &old);
	pid = fork();
	if (pid < 0) {
		mlog(LOG_ERR, "cannot start a worker: fork: %s", strerror(errno));
		block_signals(false, &old);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		sigpipe_close();
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		close(fds[0]);
		*ctl_r = fds[1];
		return 0;
	}
	block_signals(false, &old);
	close(fds[1]);
	s->pid = pid;
	s->ctl_fd = fds[0];
	return pid;
}

static void supervise_forget_worker(struct supervisor *s)
{
	s->pid = 0;
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	s->ctl_fd = -1;
}

/* The worker is gone with wstatus: returns the exit code, or -1 when
   another worker is to start. */
static int supervise_reaped(struct supervisor *s, pid_t pid, int wstatus)
{
	int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : EXIT_RUNTIME;
	char why[128];

	supervise_forget_worker(s);
	if (s->stopping)
		return code;
	if (WIFSIGNALED(wstatus))
		snprintf(why, sizeof(why), "killed by signal %d (%s)",
			 WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		snprintf(why, sizeof(why), "exited with status %d", code);
	if (!s->ever_ready) {
		/* a start-up failure: its reason is logged; no retry */
		if (WIFSIGNALED(wstatus))
			mlog(LOG_ERR, "worker (pid %ld) %s while starting",
			     (long)pid, why);
		return code;
	}
	if (WIFEXITED(wstatus) && (code == EXIT_OK || code == EXIT_USAGE)) {
		mlog(LOG_INFO, "worker (pid %ld) %s: stopping", (long)pid, why);
		return code;
	}
	if (!restart_allowed(s)) {
		mlog(LOG_ERR, "worker (pid %ld) %s: more than %u restarts within "
		     "%u s, giving up (exit 3)", (long)pid, why,
		     s->limits->count, s->limits->interval);
		return EXIT_RUNTIME;
	}
	mlog(LOG_ERR, "worker (pid %ld) %s: restarting", (long)pid, why);
	return -1;
}

/* --- events --- */

/* Read the file, check it, keep it for the next worker and hand it to
   this one. A broken file changes nothing. */
static void supervise_reload(struct supervisor *s)
{
	struct mlfi_settings *set;
	const char *error;
	int fd;

	fd = mconf_snapshot(s->p->opts, &error);
	if (fd < 0 || mconf_load(s->p->opts, fd, &set, &error) < 0) {
		mlog(LOG_ERR, "reload: %s: keeping the running configuration", error);
		if (fd >= 0)
			close(fd);
		return;
	}
	mconf_warn_restart(s->p->running, mlfi_settings_config(set));
	mlfi_settings_free(&s->set);
	s->set = set;
	/* no worker: the next one starts with it */
	if (s->ctl_fd >= 0 && ctl_send(s->ctl_fd, CTL_CONFIG, fd) < 0)
		mlog(LOG_ERR, "reload: cannot pass the configuration to the "
		     "worker: %s", strerror(errno));
	close(fd);
}

static void supervise_ctl(struct supervisor *s)
{
	const char *error;
	char msg;
	int fd, ret = ctl_recv(s->ctl_fd, &msg, &fd);

	if (ret < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (fd >= 0)
		close(fd);           /* a worker passes none */
	if (ret <= 0) {
		/* the worker is exiting: SIGCHLD follows */
		close(s->ctl_fd);
		s->ctl_fd = -1;
		return;
	}
	if (msg == CTL_READY && !s->ever_ready) {
		s->ever_ready = true;
		if (!s->p->foreground &&
		    daemon_ready(s->ready_fd, EXIT_OK, &error) < 0)
			mlog(LOG_ERR, "%s", error);
		s->ready_fd = -1;
	} else if (msg == CTL_RELOAD) {
		supervise_reload(s);
	}
}

/* Returns the exit code, or -1 to go on. */
static int supervise_signal(struct supervisor *s, unsigned char c)
{
	int wstatus, code;
	pid_t pid;

	switch (c) {
	case SIGHUP:
		supervise_reload(s);
		return -1;
	case SIGTERM:
	case SIGINT:
		s->stopping = true;
		if (s->pid == 0)
			return EXIT_OK;
		(void)kill(s->pid, c);
		return -1;
	case SIGCHLD:
		while (s->pid > 0 &&
		       (pid = waitpid(s->pid, &wstatus, WNOHANG)) == s->pid) {
			code = supervise_reaped(s, pid, wstatus);
			if (code >= 0)
				return code;
		}
		return -1;
	default:
		return -1;
	}
}

/* Wait for the next events; returns the exit code, or -1 to go on. */
static int supervise_wait(struct supervisor *s)
{
	struct pollfd pfd[2] = {
		{ .fd = sigpipe_fd(), .events = POLLIN },
		{ .fd = s->ctl_fd, .events = POLLIN },
	};
	unsigned char c;
	int ret, code;

	ret = poll(pfd, s->ctl_fd >= 0 ? 2 : 1, -1);
	if (ret < 0 && errno == EINTR)
		return -1;
	if (ret < 0) {
		mlog(LOG_ERR, "poll: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (s->ctl_fd >= 0 && pfd[1].revents != 0)
		supervise_ctl(s);
	while (pfd[0].revents != 0 && (ret = sigpipe_read(&c)) > 0) {
		if ((code = supervise_signal(s, c)) >= 0)
			return code;
	}
	if (ret < 0) {
		mlog(LOG_ERR, "signal pipe: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	return -1;
}

/* In a new worker: drop what only the supervisor uses, and run. */
static int supervise_child(struct supervisor *s, int ctl_fd)
{
	struct worker_params wp = *s->p;
	struct mlfi_settings *set = s->set;
	int status;

	free(s->restarts);
	if (s->ready_fd >= 0)
		close(s->ready_fd);
	wp.ctl_fd = ctl_fd;
	wp.ready_fd = -1;
	wp.write_pidfile = false;
	s->set = NULL;
	status = worker_run(&wp, set);
	close(ctl_fd);
	return status;
}

int supervise_run(const struct worker_params *p, int ready_fd,
		  struct mlfi_settings *set, const struct supervise_limits *limits)
{
	struct supervisor s;
	const char *error;
	bool pidfile = false;
	int status = EXIT_RUNTIME, ctl_fd;
	pid_t pid;

	memset(&s, 0, sizeof(s));
	s.p = p;
	s.limits = limits;
	s.set = set;
	s.ctl_fd = -1;
	s.ready_fd = ready_fd;
	s.restarts = calloc(limits->count > 0 ? limits->count : 1,
			    sizeof(*s.restarts));
	if (s.restarts == NULL) {
		mlog(LOG_ERR, "out of memory");
		goto out;
	}
	if (sigpipe_open(supervise_signals, N_SUPERVISE_SIGNALS, &error) < 0) {
		mlog(LOG_ERR, "signals: %s", error);
		goto out;
	}
	if (p->running->milter_pidfile[0] != '\0') {
		if (daemon_pidfile_write(p->running->milter_pidfile, &error) < 0) {
			mlog(LOG_ERR, "pid file: %s", error);
			goto out;
		}
		pidfile = true;
	}
	for (;;) {
		if (s.pid == 0) {
			pid = supervise_spawn(&s, &ctl_fd);
			if (pid < 0) {
				status = EXIT_RUNTIME;
				break;
			}
			if (pid == 0)
				return supervise_child(&s, ctl_fd);
		}
		if ((status = supervise_wait(&s)) >= 0)
			break;
	}
	if (s.pid > 0) {
		/* we are failing: leave no worker holding the socket */
		(void)kill(s.pid, SIGTERM);
		(void)waitpid(s.pid, NULL, 0);
		supervise_forget_worker(&s);
	}
out:
	if (!s.ever_ready && !p->foreground)
		(void)daemon_ready(s.ready_fd, status, &error);
	if (pidfile)
		daemon_pidfile_remove(p->running->milter_pidfile);
	sigpipe_close();
	mlfi_settings_free(&s.set);
	free(s.restarts);
	return status;
}

/* worker.h - the process that runs libmilter: drops privileges, opens the
 * store and the socket, serves the MTA until told to stop.
 *
 * Normally the supervisor's child (supervise.h), which it tells when it
 * listens and asks for a configuration on SIGHUP; with -S the only
 * process, which reads the file itself. */
#ifndef DORMANT_WORKER_H
#define DORMANT_WORKER_H

#include "daemon.h"
#include "mconf.h"

/* Exit codes (doc/DESIGN.md §8.1), of the worker and of dormant-milter. */
#define EXIT_OK 0
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

struct worker_params {
	const struct mconf_options *opts;
	const struct daemon_user *user;          /* name NULL: stay as we are */
	const struct dormant_config *running;    /* restart-only keys (mconf.h) */
	bool foreground;
	/* channel to the supervisor, or -1 when there is none (-S) */
	int ctl_fd;
	/* -S in daemon mode: daemon_detach's pipe, reported to once
	   listening; else -1 */
	int ready_fd;
	/* -S: write running->milter_pidfile (the supervisor writes its own) */
	bool write_pidfile;
};

/* Run until SIGTERM/SIGINT, libmilter's end or the supervisor's; set is
   taken over. Returns the exit code. */
int worker_run(const struct worker_params *p, struct mlfi_settings *set);

#endif

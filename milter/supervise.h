/* supervise.h - the parent that keeps a worker running (OpenDKIM's
 * AutoRestart is the model).
 *
 * libmilter has defects no milter can guard against (a macro packet with
 * an odd number of strings makes smfi_getsymval read past its array), and
 * whoever may connect to the socket can send one. So dormant-milter is two
 * processes: this one, which holds the pid file, reads the configuration
 * and does nothing else, and a worker it forks (worker.h). When the worker
 * dies abnormally (a signal, or an exit status other than 0 or 2) one line
 * is logged and another worker starts at once, unless more than
 * limits.count restarts fall within limits.interval: then the supervisor
 * exits 3 and the service manager (Restart=always) takes over.
 *
 * SIGTERM and SIGINT are passed on to the worker, and the supervisor exits
 * with its status. SIGHUP (to either process) makes the supervisor read
 * and check the file and hand the worker a snapshot (mconf.h), so the
 * file may be readable by root only. The supervisor keeps the rights it
 * was started with for that; the worker drops to milter_user before it
 * opens the database or the socket, as before. */
#ifndef DORMANT_SUPERVISE_H
#define DORMANT_SUPERVISE_H

#include "worker.h"

struct supervise_limits {
	unsigned int count;          /* restarts allowed within interval */
	unsigned int interval;       /* seconds */
};

/* -R's default: ten restarts a minute is a crash loop, not bad luck. */
#define SUPERVISE_DEFAULT_LIMITS "10/60s"

/* Parse "COUNT/DURATION" (COUNT 0..1000; DURATION 1s..7d with the units
   of dormant.conf). Returns 0, or -1 with *error_r; *limits_r is left
   untouched on failure. */
int supervise_limits_parse(const char *text, struct supervise_limits *limits_r,
			   const char **error_r);

/* Write the pid file (ours), then run workers with p (whose ctl_fd,
   ready_fd and write_pidfile are ignored) until stopped; set is taken
   over. ready_fd (daemon mode, else -1) learns the first worker's
   start-up status. Returns the exit code, in the supervisor and, once
   they are done, in the workers it forked. */
int supervise_run(const struct worker_params *p, int ready_fd,
		  struct mlfi_settings *set, const struct supervise_limits *limits);

#endif

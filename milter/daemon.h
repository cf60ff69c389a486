/* daemon.h - the process side of a daemon: detaching, privileges, the
 * pid file, the listening socket's path, a clock for timers. Nothing here
 * knows libmilter or the store. Functions return 0 or -1 with a message in
 * *error_r (valid as common/errmsg.h says). */
#ifndef DORMANT_DAEMON_H
#define DORMANT_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct daemon_user {
	char *name;
	uid_t uid;
	gid_t gid;
};

/* Look name up in the password database (before any thread starts). */
int daemon_user_lookup(const char *name, struct daemon_user *user_r,
		       const char **error_r);
void daemon_user_free(struct daemon_user *user);

/* Detach: fork, and in the child start a new session and chdir("/"). The
   parent waits until the child calls daemon_ready() and exits with the
   status the child reports there (or 3 if the child dies first), so a
   failing start-up still fails the command that started it. Returns in the
   child only, with *ready_fd_r to pass to daemon_ready(). Standard error
   stays open until then, so start-up errors reach the terminal. */
int daemon_detach(int *ready_fd_r, const char **error_r);
/* Report the start-up status (0 ok, else the exit code) to the waiting
   parent; on 0, point stdin, stdout and stderr at /dev/null first.
   Returns 0, or -1 with *error_r when that failed (the status is still
   reported: the daemon runs). */
int daemon_ready(int ready_fd, int status, const char **error_r);

/* Become user: supplementary groups, gid, uid, and check that each took
   and that root cannot be regained. */
int daemon_drop_privileges(const struct daemon_user *user, const char **error_r);

/* Write our pid to path atomically (temporary file, rename). Refuses when
   the file names another live process. */
int daemon_pidfile_write(const char *path, const char **error_r);
/* Remove path if it still holds our pid. */
void daemon_pidfile_remove(const char *path);

/* For a libmilter unix socket spec ("unix:/path", "local:/path" or
   "/path"), fail if another process is accepting on it: libmilter removes
   the file before listening, which would silently steal the socket from a
   running instance. Other specs pass. */
int daemon_socket_check_free(const char *spec, const char **error_r);

/* Milliseconds on the monotonic clock, for timers. */
int64_t daemon_clock_ms(void);

/* Connect to our own listening socket and hang up: wakes libmilter's
   listener, which otherwise notices smfi_stop() only when its poll times
   out (seconds). Best effort, errors ignored. */
void daemon_socket_poke(const char *spec);

#endif

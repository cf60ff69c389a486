/* suspend.h - what suspension and reactivation do besides the state
 * change: the deny file for Dovecot's passdb and the admin's commands. */
#ifndef DORMANT_SUSPEND_H
#define DORMANT_SUSPEND_H

#include "errstr.h"
#include "store.h"

/* Rewrite deny_file atomically from the suspended accounts in the state
   database (one account a line, for a passwd-file passdb with deny=yes),
   readable by everyone (Dovecot's auth user reads it); an existing file
   keeps its owner, group and mode (plus read for all). Does nothing when
   deny_file is "" (not set). An account it cannot hold goes to warn.
   0, or -1 with *error_r. Only the commands that change a suspension
   call it (suspend --apply, reactivate). */
int suspend_write_deny_file(const char *deny_file, struct store *store,
			    errstr_warn_fn *warn, const char **error_r);

/* Write deny_file if it is set and missing (Dovecot's passwd-file passdb
   fails on a missing file). Only commands that change the database call
   it (sync, suspend, reactivate), never read-only ones. 0, or -1 with
   *error_r. */
int suspend_ensure_deny_file(const char *deny_file, struct store *store,
			     errstr_warn_fn *warn, const char **error_r);

/* Run command ACCOUNT by execv (no shell, minimal environment, stdin
   /dev/null), waiting at most 60 s. 0 if it exited 0, else -1 with
   *error_r. An empty command does nothing; an account starting with '-'
   is refused (-1), never passed where it would read as an option. */
int suspend_run_command(const char *command, const char *account,
			const char **error_r);

#endif

/* mconf.h - the milter's configuration: dormant.conf with the command
 * line over it, turned into callback settings; and the snapshots the
 * supervisor hands its worker on SIGHUP.
 *
 * Why snapshots: the worker runs as milter_user and may not be able to
 * read the file (0640 root:root when it holds secrets), and an editor
 * replaces the file rather than rewriting it, so an fd kept open from
 * start-up would read the old text. The supervisor, which keeps the
 * rights it started with, reads the file once into an anonymous memory
 * file, checks that copy, and passes the descriptor to the worker, which
 * parses the very same bytes. */
#ifndef DORMANT_MCONF_H
#define DORMANT_MCONF_H

#include "mlfi.h"

struct mconf_options {
	const char *config_path;     /* -c; NULL: the default file, may be missing */
	const char *db;              /* -d */
	const char *socket;          /* -p */
	const char *user;            /* -u */
	const char *pidfile;         /* -P */
};

/* The file mconf_load reads without a snapshot, and names in messages. */
const char *mconf_path(const struct mconf_options *opts);

/* Read the configuration (snapshot_fd < 0: the file itself; else that
   snapshot, whose messages still name the file), apply the command line
   over it and check it. Returns 0 with *set_r ready to be made current,
   or -1 with "file:line: message" (or a message naming the setting) in
   *error_r, valid as common/errmsg.h says. */
int mconf_load(const struct mconf_options *opts, int snapshot_fd,
	       struct mlfi_settings **set_r, const char **error_r);

/* Copy the configuration file into a new anonymous memory file (read
   with this process's rights; a missing default file copies as empty).
   Returns its descriptor (close-on-exec), or -1 with *error_r. */
int mconf_snapshot(const struct mconf_options *opts, const char **error_r);

/* Copy the keys a reload cannot apply (CONFIG_KEY_RESTART in config.c's
   table: db, milter_socket, milter_user, milter_pidfile, syslog_facility)
   from cfg into running, which is then freed with config_free. Returns 0,
   -1 when out of memory. */
int mconf_running(const struct dormant_config *cfg,
		  struct dormant_config *running);
/* Log a warning for each of those keys cfg sets otherwise than running. */
void mconf_warn_restart(const struct dormant_config *running,
			const struct dormant_config *cfg);

#endif

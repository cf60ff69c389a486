/* privs.h - whom the root CLI acts as when it touches a path that someone
 * else can change.
 *
 * The database directory is writable by the mail uid (every Dovecot mail
 * process), and an output directory may belong to another service (node
 * exporter's textfile directory). Whoever can write a directory can plant
 * a symbolic link in it: root following it would create or overwrite files
 * anywhere. So the CLI, when it runs as root, walks the path component by
 * component (never trusting a link that an untrusted directory holds), and
 * when the path passes through a directory root does not alone control it
 * acts as that directory's owner (nobody when root owns it) with that
 * directory's group, for just the calls that open, create or rename there.
 * What it could then reach by a planted link is what that owner could reach
 * anyway. */
#ifndef DORMANT_PRIVS_H
#define DORMANT_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

struct privs {
	bool switched;               /* privs_enter changed the identity */
	uid_t uid;                   /* whom to act as, when untrusted */
	gid_t gid;
	bool untrusted;              /* someone besides root controls the path */
	char who[64];                /* e.g. "uid 5000 (group 5000)", for messages */
	gid_t saved_egid;
	int saved_ngroups;
	gid_t saved_groups[64];
};

/* Decide how to act on dir (a directory path): privs_r->untrusted is set
   when some directory on the way, dir included, is writable by someone
   other than root, with the identity to act as. When not running as root
   nothing is ever switched. 0, or -1 with *error_r (a path that cannot be
   walked: missing, a loop, too long). */
int privs_for_dir(const char *dir, struct privs *privs_r,
		  const char **error_r);

/* Take privs' identity (when untrusted and running as root) until
   privs_leave. 0 or -1 with *error_r. */
int privs_enter(struct privs *privs, const char **error_r);
/* Back to root. Aborts if that fails: going on as the wrong user would be
   worse than stopping. */
void privs_leave(struct privs *privs);

#endif

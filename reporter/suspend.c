/* suspend.c - deny file and admin commands for suspension. */
#include "suspend.h"
#include "i18n.h"
#include "errstr.h"
#include "outfile.h"
#include "spawn.h"

#include <string.h>
#include <sys/stat.h>

#define COMMAND_TIMEOUT 60

struct deny_ctx {
	FILE *out;
	errstr_warn_fn *warn;
	unsigned long written, skipped;
};

static int deny_one(void *_ctx, const char *account,
		    const struct account_state *st, const char *derr)
{
	struct deny_ctx *ctx = _ctx;

	if (st == NULL) {
		ctx->warn(errmsg_printf(_("account %s: %s (left out of the deny file)"),
					account, derr));
		ctx->skipped++;
		return 0;
	}
	if (st->kind != STATE_SUSPENDED)
		return 0;
	/* passwd-file splits on ':': such a name would deny a prefix of it,
	   another user. The milter still refuses its mail. */
	if (strchr(account, ':') != NULL) {
		ctx->warn(errmsg_printf(_("account %s contains ':' and cannot be "
					"written to the deny file (the milter "
					"still refuses its mail)"), account));
		ctx->skipped++;
		return 0;
	}
	fprintf(ctx->out, "%s\n", account);
	ctx->written++;
	return 0;
}

int suspend_write_deny_file(const char *deny_file, struct store *store,
			    errstr_warn_fn *warn, const char **error_r)
{
	struct deny_ctx ctx = { NULL, warn, 0, 0 };
	struct outfile *of;
	struct stat st;
	bool exists;
	int mode = 0644;

	if (deny_file[0] == '\0')
		return 0;
	/* Dovecot's auth process (default_internal_user, not root) reads
	   it, from wherever the admin put it (/etc/dovecot is root's): a
	   file it cannot read fails every login. It holds names only, so it
	   is readable by everyone; an existing file keeps its owner, group
	   and mode, plus read for everyone. */
	exists = lstat(deny_file, &st) == 0 && S_ISREG(st.st_mode);
	if (exists)
		mode = (int)(st.st_mode & 07777) | 0444;
	of = outfile_open(deny_file, mode, &ctx.out, error_r);
	if (of == NULL)
		return -1;
	if (exists)
		outfile_chown(of, st.st_uid, st.st_gid);
	fputs("# Suspended by dormant: do not edit, see 'dormant audit'.\n", ctx.out);
	if (store_state_foreach(store, deny_one, &ctx, error_r) < 0) {
		outfile_abort(&of);
		return -1;
	}
	return outfile_commit(&of, error_r);
}

int suspend_ensure_deny_file(const char *deny_file, struct store *store,
			     errstr_warn_fn *warn, const char **error_r)
{
	struct stat st;

	if (deny_file[0] == '\0' || lstat(deny_file, &st) == 0)
		return 0;
	return suspend_write_deny_file(deny_file, store, warn, error_r);
}

int suspend_run_command(const char *command, const char *account,
			const char **error_r)
{
	char *argv[] = { (char *)command, (char *)account, NULL };
	char *envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct spawn sp = {
		.argv = argv, .envp = envp,
		/* a hung script is killed with whatever it started */
		.flags = SPAWN_STDIN_NULL | SPAWN_PGROUP,
		.timeout_ms = COMMAND_TIMEOUT * 1000,
	};
	const char *error;
	int status;

	if (command == NULL || command[0] == '\0')
		return 0;
	/* The account is the command's only argument, "$1" in the admin's
	   script, which hands it on to usermod, ldapmodify or a wrapper; a
	   name starting with '-' would reach them as an option (-rf, --help).
	   Passing "--" first would break every script reading $1, and no
	   directory tool needs such a name: refuse it here, loudly. The
	   state change, the audit entry and the deny file are done already. */
	if (account[0] == '-') {
		*error_r = errmsg_printf(_("%s not run for account %s: a name "
					 "starting with '-' would be read as an "
					 "option; change the account in the "
					 "directory by hand"), command, account);
		return -1;
	}
	if (spawn_start(&sp, error_r) < 0)
		return -1;
	if (spawn_wait(&sp, &status, &error) < 0) {
		*error_r = !sp.timed_out ? error :
			errmsg_printf("%s %s: %s", command, account, error);
		return -1;
	}
	if (spawn_exit_code(status) != 0) {
		*error_r = errmsg_printf(_("%s %s: failed (exit %d)"), command, account,
					 spawn_exit_code(status));
		return -1;
	}
	return 0;
}

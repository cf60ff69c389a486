/* cmd-check.c - "dormant check": is the installation sound? Checks the
 * configuration, the database directory, file modes and ownership, the
 * records, the deny file, and says what it found. Exit 1 on any problem. */
#include "cli.h"
#include "i18n.h"
#include "lang.h"
#include "privs.h"
#include "spawn.h"
#include "timeutil.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#define DOVECONF_TIMEOUT_MS 10000

struct check {
	unsigned long problems, notes;
	unsigned long corrupt;
};

static void ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ok(const char *fmt, ...)
{
	va_list args;
	fputs(_("ok       "), stdout);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	putchar('\n');
}

static void problem(struct check *c, const char *fmt, ...)
{
	va_list args;
	c->problems++;
	fputs(_("PROBLEM  "), stdout);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	putchar('\n');
}

static void note(struct check *c, const char *fmt, ...)
{
	va_list args;
	c->notes++;
	fputs(_("note     "), stdout);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	putchar('\n');
}

static const char *group_name(gid_t gid)
{
	static char buf[32];
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		return gr->gr_name;
	snprintf(buf, sizeof(buf), "%u", (unsigned)gid);
	return buf;
}

static void check_dir(struct check *c, const char *dir, struct stat *st_r)
{
	if (stat(dir, st_r) < 0) {
		problem(c, _("database directory %s: %s"), dir, strerror(errno));
		return;
	}
	if (!S_ISDIR(st_r->st_mode)) {
		problem(c, _("database directory %s is not a directory"), dir);
		return;
	}
	if (st_r->st_mode & S_IWOTH)
		problem(c, _("%s is writable by everyone (mode %04o): use 2770"), dir,
			(unsigned)(st_r->st_mode & 07777));
	else if (!(st_r->st_mode & S_ISGID))
		note(c, _("%s has no setgid bit: files may not get group %s "
		     "(chmod g+s)"), dir, group_name(st_r->st_gid));
	else
		ok(_("database directory %s (group %s, mode %04o)"), dir,
		   group_name(st_r->st_gid), (unsigned)(st_r->st_mode & 07777));
	if (st_r->st_uid == 0 && (st_r->st_mode & S_IWGRP))
		note(c, _("%s belongs to root but its group may write it: dormant "
		     "opens it as nobody (group %s); give it to the dormant user "
		     "(chown dormant %s)"), dir, group_name(st_r->st_gid), dir);
}

static void check_file(struct check *c, const char *dir, const char *name,
		       const struct stat *dirst)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			note(c, _("%s does not exist yet (created on first use)"), path);
		else
			problem(c, "%s: %s", path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		problem(c, _("%s is not a regular file"), path);
		return;
	}
	if ((st.st_mode & 0660) != 0660)
		problem(c, _("%s has mode %04o: the mail processes and the milter "
			"need 0660"), path, (unsigned)(st.st_mode & 07777));
	else if (st.st_mode & 0007)
		problem(c, _("%s is accessible to everyone (mode %04o)"), path,
			(unsigned)(st.st_mode & 07777));
	else if (dirst != NULL && st.st_gid != dirst->st_gid)
		problem(c, _("%s has group %s, the directory %s"), path,
			group_name(st.st_gid), group_name(dirst->st_gid));
	else
		ok(_("%s (mode %04o, group %s)"), path, (unsigned)(st.st_mode & 07777),
		   group_name(st.st_gid));
}

/* The Dovecot plugin maps store_fit_map() of the data inside mail
   processes limited by vsz_limit, 256 MB by default, of which about 40 MB
   is the process itself. */
#define CHECK_MIB ((int64_t)1 << 20)
#define CHECK_VSZ_DEFAULT (256 * CHECK_MIB)
#define CHECK_PROCESS_SIZE (40 * CHECK_MIB)

static void check_plugin_map(struct check *c, const char *dir)
{
	char path[4096];
	struct stat st;
	int64_t size, map;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &st) < 0)
		return;
	size = (int64_t)st.st_size;
	map = (int64_t)store_fit_map((size_t)size);
	if (map + CHECK_PROCESS_SIZE > CHECK_VSZ_DEFAULT)
		note(c, _("the Dovecot plugin maps %lld MiB for this %lld MiB database: "
		     "more than Dovecot's default vsz_limit (256M) leaves beside a "
		     "mail process; raise default_vsz_limit to at least %lldM"),
		     (long long)(map / CHECK_MIB), (long long)(size / CHECK_MIB),
		     (long long)((2 * map + CHECK_PROCESS_SIZE) / CHECK_MIB));
	else
		ok(_("the Dovecot plugin maps %lld MiB for this database (fits "
		   "Dovecot's default vsz_limit)"), (long long)(map / CHECK_MIB));
}

static int count_corrupt(void *ctx, const struct account_view *view)
{
	struct check *c = ctx;

	if (view->decode_error != NULL) {
		c->corrupt++;
		if (c->corrupt <= 10)
			problem(c, _("account %s: %s"), view->account, view->decode_error);
	}
	return 0;
}

/* The user Dovecot's auth process runs as, from `doveconf -h
   default_internal_user` (execvp, no shell); "" when doveconf cannot say
   within DOVECONF_TIMEOUT_MS. */
static void dovecot_auth_user(const char *dovecot_config, char *user,
			      size_t size)
{
	char *argv[6];
	struct spawn sp;
	const char *error;
	int argc = 0, status;
	size_t len;

	user[0] = '\0';
	argv[argc++] = (char *)"doveconf";
	if (dovecot_config != NULL) {
		argv[argc++] = (char *)"-c";
		argv[argc++] = (char *)dovecot_config;
	}
	argv[argc++] = (char *)"-h";
	argv[argc++] = (char *)"default_internal_user";
	argv[argc] = NULL;
	memset(&sp, 0, sizeof(sp));
	sp.argv = argv;
	sp.flags = SPAWN_PATH | SPAWN_STDIN_NULL | SPAWN_STDOUT_PIPE |
		SPAWN_STDERR_NULL | SPAWN_PGROUP;
	sp.timeout_ms = DOVECONF_TIMEOUT_MS;
	if (spawn_start(&sp, &error) < 0)
		return;
	len = spawn_read(&sp, user, size - 1);
	user[len] = '\0';
	if (spawn_wait(&sp, &status, &error) < 0 || spawn_exit_code(status) != 0)
		user[0] = '\0';
	user[strcspn(user, "\n")] = '\0';
}

struct open_as {
	const struct passwd *pw;
	const char *path;
};

/* In a child: become pw (its groups too) and open path. The exit status
   says how it went: 0 opened, 100 could not become pw, else errno. */
static int open_as(void *_ctx)
{
	const struct open_as *ctx = _ctx;
	int fd;

	if (initgroups(ctx->pw->pw_name, ctx->pw->pw_gid) < 0 ||
	    setgid(ctx->pw->pw_gid) < 0 || setuid(ctx->pw->pw_uid) < 0)
		return 100;
	fd = open(ctx->path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? 0 : (errno & 0x7f);
}

/* Can user open path for reading (its groups, every directory on the
   way)? 1 yes, 0 no (*errno_r why), -1 no such user. */
static int readable_as(const char *user, const char *path, int *errno_r)
{
	struct open_as ctx = { getpwnam(user), path };
	struct spawn sp;
	const char *error;
	int status;

	if (ctx.pw == NULL)
		return -1;
	/* no exec: the child only runs open_as */
	memset(&sp, 0, sizeof(sp));
	sp.pre_exec = open_as;
	sp.ctx = &ctx;
	sp.timeout_ms = -1;
	if (spawn_start(&sp, &error) < 0) {
		*errno_r = errno;
		return 0;
	}
	if (spawn_wait(&sp, &status, &error) < 0 || spawn_exit_code(status) < 0) {
		*errno_r = EIO;
		return 0;
	}
	*errno_r = spawn_exit_code(status) == 100 ? EPERM : spawn_exit_code(status);
	return spawn_exit_code(status) == 0 ? 1 : 0;
}

static void check_deny_file(struct check *c, const char *path,
			    const char *dovecot_config)
{
	char user[256];
	struct stat st;
	int err = 0, ret;

	if (path[0] == '\0') {
		note(c, _("deny_file is not set: suspensions are enforced by the milter "
		     "and suspend_command only"));
		return;
	}
	if (lstat(path, &st) < 0) {
		problem(c, _("deny_file %s: %s (Dovecot's passwd-file passdb fails on a "
			"missing file, every login with it: 'dormant sync' writes it)"),
			path, strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		problem(c, _("deny_file %s is a symbolic link"), path);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		problem(c, _("deny_file %s is not a regular file"), path);
		return;
	}
	if (st.st_mode & 0002) {
		problem(c, _("deny_file %s is writable by everyone"), path);
		return;
	}
	if (geteuid() != 0) {
		ok(_("deny_file %s (run as root to check that Dovecot can read it)"), path);
		return;
	}
	dovecot_auth_user(dovecot_config, user, sizeof(user));
	if (user[0] == '\0') {
		note(c, _("doveconf -h default_internal_user gave no answer: cannot "
		     "check that Dovecot's auth process can read deny_file %s"), path);
		return;
	}
	ret = readable_as(user, path, &err);
	if (ret < 0)
		problem(c, _("Dovecot's default_internal_user %s does not exist"), user);
	else if (ret == 0)
		problem(c, _("deny_file %s cannot be read by %s, Dovecot's auth user: %s "
			"(every login through the deny passdb fails; 'dormant "
			"suspend --apply' or 'dormant sync' rewrites it readable)"),
			path, user, strerror(err));
	else
		ok(_("deny_file %s (readable by Dovecot's auth user %s)"), path, user);
}

static int check_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dovecot-config", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dovecot_config = NULL;
	struct check c;
	struct stat dirst;
	struct store *store;
	struct privs privs;
	const char *error;
	int64_t start = 0;
	int ret, opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'C')
			return cli_usage(&cmd_check, NULL);
		dovecot_config = optarg;
	}
	if (optind != argc)
		return cli_usage(&cmd_check, NULL);
	memset(&c, 0, sizeof(c));
	ok(_("configuration %s"), cli->config_path != NULL ? cli->config_path :
	   DORMANT_DEFAULT_CONFIG);
	memset(&dirst, 0, sizeof(dirst));
	check_dir(&c, cli->cfg.db, &dirst);
	check_file(&c, cli->cfg.db, "data.mdb", S_ISDIR(dirst.st_mode) ? &dirst : NULL);
	check_file(&c, cli->cfg.db, "lock.mdb", S_ISDIR(dirst.st_mode) ? &dirst : NULL);
	/* as the directory's owner, like every command (privs.h) */
	ret = privs_for_dir(cli->cfg.db, &privs, &error);
	if (ret == 0 && (ret = privs_enter(&privs, &error)) == 0) {
		ret = store_open(cli->cfg.db, STORE_READONLY, &store, &error);
		privs_leave(&privs);
		if (ret == 0)
			store_set_now(store, cli->now);
	}
	if (ret < 0) {
		problem(&c, "%s", error);
	} else {
		if (store_tracking_start(store, &start, &error) < 0)
			problem(&c, "%s", error);
		if (store_account_foreach(store, count_corrupt, &c, &error) < 0)
			problem(&c, "%s", error);
		else if (c.corrupt == 0)
			ok(_("every record reads back"));
		else
			problem(&c, _("%lu unreadable records"), c.corrupt);
		if (start > 0) {
			char t[LANG_DATE_MAX];
			lang_date(start, LANG_DATE_TIME, t);
			ok(_("tracking since %s (%lld days)"), t,
			   (long long)((cli->now - start) / 86400));
			if (cli->now - start < (int64_t)cli->cfg.dormant_after)
				note(&c, _("history is shorter than dormant_after: accounts "
				     "never seen are insufficient-history, not never-used "
				     "(dormant import-log can backfill)"));
		}
		store_close(&store);
	}
	check_plugin_map(&c, cli->cfg.db);
	check_deny_file(&c, cli->cfg.deny_file, dovecot_config);
	printf(ngettext("%lu problem, ", "%lu problems, ", c.problems), c.problems);
	printf(ngettext("%lu note\n", "%lu notes\n", c.notes), c.notes);
	return c.problems > 0 ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cmd_check = {
	"check", check_run, "[--dovecot-config FILE]",
	N_("check the configuration, database, file modes and what was recorded"),
	N_("  --dovecot-config FILE  the dovecot.conf to ask doveconf about (which\n"
	"                         user Dovecot's auth process runs as, who must\n"
	"                         be able to read deny_file)\n"
	"Exit 1 when any PROBLEM line was printed.\n"),
};

/* privs.c - walk a path as root would resolve it and decide whom to act as
 * there (see privs.h). */
#include "privs.h"
#include "i18n.h"
#include "errmsg.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define PRIVS_MAX_LINKS 40           /* as the kernel's own limit */


/* Nobody else can change what a directory holds: owned by root and
   writable only by it. */
static bool dir_trusted(const struct stat *st)
{
	return st->st_uid == 0 && (st->st_mode & 022) == 0;
}

/* An entry of a directory that others may write to but which has the
   sticky bit (/tmp): only its owner or root may replace it. */
static bool entry_trusted(const struct stat *parent, const struct stat *st)
{
	return dir_trusted(parent) ||
		((parent->st_mode & S_ISVTX) != 0 && st->st_uid == 0);
}

static void untrusted_at(struct privs *privs, const struct stat *dir)
{
	struct passwd *pw;

	privs->untrusted = true;
	privs->gid = dir->st_gid;
	if (dir->st_uid != 0) {
		privs->uid = dir->st_uid;
	} else {
		/* root owns it but lets a group write: act as nobody of
		   that group */
		pw = getpwnam("nobody");
		privs->uid = pw != NULL ? pw->pw_uid : 65534;
	}
	snprintf(privs->who, sizeof(privs->who), "uid %lu, gid %lu",
		 (unsigned long)privs->uid, (unsigned long)privs->gid);
}

/* Append the components of path (absolute or relative to what is in
   todo already) in front of the components still to walk. */
static int push_path(char *todo, size_t size, const char *path)
{
	char tmp[PATH_MAX * 2];
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s/%s", path, todo);
	if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof(tmp))
		return -1;
	memcpy(todo, tmp, (size_t)n + 1);
	return 0;
}

int privs_for_dir(const char *dir, struct privs *privs_r,
		  const char **error_r)
{
	char todo[PATH_MAX * 2], cur[PATH_MAX], link[PATH_MAX];
	struct stat parent, st;
	unsigned int links = 0;
	char *p, *comp;

	memset(privs_r, 0, sizeof(*privs_r));
	if (geteuid() != 0)
		return 0;
	todo[0] = '\0';
	if (push_path(todo, sizeof(todo), dir) < 0)
		goto too_long;
	if (dir[0] != '/') {
		if (getcwd(cur, sizeof(cur)) == NULL ||
		    push_path(todo, sizeof(todo), cur) < 0)
			goto too_long;
	}
	strcpy(cur, "/");
	if (lstat("/", &parent) < 0)
		goto fail;
	if (!dir_trusted(&parent)) {
		untrusted_at(privs_r, &parent);
		return 0;
	}
	p = todo;
	while (*p != '\0') {
		size_t len;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		comp = p;
		while (*p != '\0' && *p != '/')
			p++;
		len = (size_t)(p - comp);
		if (len == 1 && comp[0] == '.')
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			/* every directory walked so far is trusted: going up
			   within them is safe */
			char *slash = strrchr(cur, '/');
			if (slash != NULL && slash != cur)
				*slash = '\0';
			else
				strcpy(cur, "/");
			if (lstat(cur, &parent) < 0)
				goto fail;
			continue;
		}
		if (strlen(cur) + 1 + len >= sizeof(cur))
			goto too_long;
		if (strcmp(cur, "/") != 0)
			strcat(cur, "/");
		strncat(cur, comp, len);
		if (lstat(cur, &st) < 0)
			goto fail;
		if (!entry_trusted(&parent, &st)) {
			/* someone else could swap this entry: everything from
			   here on is theirs */
			untrusted_at(privs_r, &parent);
			return 0;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t n;
			char rest[PATH_MAX * 2];

			if (++links > PRIVS_MAX_LINKS) {
				errno = ELOOP;
				goto fail;
			}
			n = readlink(cur, link, sizeof(link) - 1);
			if (n < 0)
				goto fail;
			link[n] = '\0';
			/* the link's target, then what was left after it */
			if (strlen(p) >= sizeof(rest))
				goto too_long;
			strcpy(rest, p);
			strcpy(todo, rest);
			p = todo;
			/* a relative target starts from the link's directory */
			*strrchr(cur, '/') = '\0';
			if (cur[0] == '\0')
				strcpy(cur, "/");
			if (link[0] == '/') {
				strcpy(cur, "/");
				if (lstat("/", &parent) < 0)
					goto fail;
			}
			if (push_path(todo, sizeof(todo), link) < 0)
				goto too_long;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail;
		}
		if (!dir_trusted(&st) && (st.st_mode & S_ISVTX) == 0) {
			/* the last directory, or one on the way, that others
			   may write to */
			untrusted_at(privs_r, &st);
			return 0;
		}
		parent = st;
	}
	return 0;
too_long:
	errno = ENAMETOOLONG;
fail:
	*error_r = errmsg_printf("%s: %s", dir, strerror(errno));
	return -1;
}

int privs_enter(struct privs *privs, const char **error_r)
{
	privs->switched = false;
	if (!privs->untrusted || geteuid() != 0)
		return 0;
	privs->saved_egid = getegid();
	privs->saved_ngroups = getgroups(64, privs->saved_groups);
	if (privs->saved_ngroups < 0)
		privs->saved_ngroups = 0;
	if (setgroups(1, &privs->gid) < 0 || setegid(privs->gid) < 0 ||
	    seteuid(privs->uid) < 0) {
		*error_r = errmsg_printf(_("cannot act as %s: %s"), privs->who,
					 strerror(errno));
		privs->switched = true;
		privs_leave(privs);
		return -1;
	}
	privs->switched = true;
	return 0;
}

void privs_leave(struct privs *privs)
{
	if (!privs->switched)
		return;
	privs->switched = false;
	if (seteuid(0) < 0 || setegid(privs->saved_egid) < 0 ||
	    setgroups((size_t)privs->saved_ngroups, privs->saved_groups) < 0) {
		fprintf(stderr, "dormant: cannot return to root: %s\n",
			strerror(errno));
		abort();
	}
}

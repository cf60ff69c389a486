/* outfile.c - atomic, optionally gzip-compressed output files. */
#include "outfile.h"
#include "i18n.h"
#include "errstr.h"
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

struct outfile {
	FILE *f;
	gzFile gz;
	int fd;
	int dirfd;                   /* the target's directory, opened once */
	char *path;
	char *base;                  /* the target's name in dirfd */
	char *tmp;                   /* the temporary file's name in dirfd */
	struct privs privs;          /* whom to act as in that directory */
	bool is_stdout;
	bool write_failed;
};

bool outfile_is_gzip(const char *path)
{
	size_t len = strlen(path);
	return len > 3 && strcmp(path + len - 3, ".gz") == 0;
}

void outfile_chown(struct outfile *out, uid_t uid, gid_t gid)
{
	if (out->fd >= 0)
		(void)!fchown(out->fd, uid, gid);
}

static ssize_t gz_cookie_write(void *cookie, const char *buf, size_t size)
{
	struct outfile *out = cookie;
	size_t done = 0;

	/* gzwrite takes an unsigned int length */
	while (done < size) {
		unsigned int n = size - done > (1u << 30) ? 1u << 30 :
			(unsigned int)(size - done);
		int w = gzwrite(out->gz, buf + done, n);
		if (w <= 0) {
			out->write_failed = true;
			errno = EIO;
			return done > 0 ? (ssize_t)done : -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int gz_cookie_close(void *cookie)
{
	(void)cookie;
	return 0;   /* gzclose happens in outfile_commit, which checks it */
}

static void outfile_free(struct outfile *out)
{
	if (out->fd >= 0)
		close(out->fd);
	if (out->dirfd >= 0)
		close(out->dirfd);
	free(out->tmp);
	free(out->base);
	free(out->path);
	free(out);
}

/* Split path into its directory (opened once, as whoever controls it: see
   privs.h) and its name, refuse a link or anything but a regular file at
   the name, and create the temporary file beside it. */
static int outfile_create(struct outfile *out, const char *path,
			  const char **error_r)
{
	const char *slash = strrchr(path, '/'), *error;
	char *dir;
	struct stat st;
	int ret = -1;

	out->path = strdup(path);
	out->base = strdup(slash != NULL ? slash + 1 : path);
	dir = slash == NULL ? strdup(".") : slash == path ? strdup("/") :
		strndup(path, (size_t)(slash - path));
	if (out->path == NULL || out->base == NULL || dir == NULL) {
		*error_r = _("out of memory");
		free(dir);
		return -1;
	}
	if (out->base[0] == '\0') {
		*error_r = errmsg_printf(_("%s: not a file name"), path);
		free(dir);
		return -1;
	}
	if (privs_for_dir(dir, &out->privs, &error) < 0 ||
	    privs_enter(&out->privs, &error) < 0) {
		*error_r = error;
		free(dir);
		return -1;
	}
	out->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out->dirfd < 0) {
		*error_r = errmsg_printf("%s: %s%s%s%s", dir, strerror(errno),
			out->privs.switched ? " (as " : "",
			out->privs.switched ? out->privs.who : "",
			out->privs.switched ?
			", who can change that directory)" : "");
		goto done;
	}
	if (fstatat(out->dirfd, out->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		*error_r = errmsg_printf(_("%s: %s: refusing to replace it"), path,
			S_ISLNK(st.st_mode) ? "is a symbolic link" :
			"is not a regular file");
		goto done;
	}
	for (int i = 0; i < 100 && out->fd < 0; i++) {
		unsigned int r;
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + (unsigned int)i;
		free(out->tmp);
		if (asprintf(&out->tmp, ".%s.%08x", out->base, r) < 0) {
			out->tmp = NULL;
			*error_r = _("out of memory");
			goto done;
		}
		out->fd = openat(out->dirfd, out->tmp, O_WRONLY | O_CREAT |
				 O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out->fd < 0 && errno != EEXIST)
			break;
	}
	if (out->fd < 0) {
		*error_r = errmsg_printf(
			_("%s/%s: cannot create a temporary file: %s%s%s%s"), dir,
			out->tmp != NULL ? out->tmp : "", strerror(errno),
			out->privs.switched ? _(" (as ") : "",
			out->privs.switched ? out->privs.who : "",
			out->privs.switched ? ")" : "");
		goto done;
	}
	ret = 0;
done:
	privs_leave(&out->privs);
	free(dir);
	return ret;
}

static void outfile_unlink_tmp(struct outfile *out)
{
	const char *error;

	if (out->tmp == NULL || out->dirfd < 0)
		return;
	if (privs_enter(&out->privs, &error) < 0)
		return;
	(void)unlinkat(out->dirfd, out->tmp, 0);
	privs_leave(&out->privs);
}

/* Put the finished file in place and make the rename durable. 0, or -1
   with *error_r. */
static int outfile_rename(struct outfile *out, const char **error_r)
{
	const char *error;
	int ret;

	if (privs_enter(&out->privs, &error) < 0) {
		*error_r = errmsg_printf(_("%s: writing failed: %s"), out->path, error);
		return -1;
	}
	ret = renameat(out->dirfd, out->tmp, out->dirfd, out->base);
	privs_leave(&out->privs);
	if (ret < 0) {
		*error_r = errmsg_printf(_("%s: writing failed: %s"), out->path,
					 errno != 0 ? strerror(errno) : "I/O error");
		return -1;
	}
	(void)fsync(out->dirfd);
	return 0;
}

struct outfile *outfile_open(const char *path, int mode, FILE **f_r,
			     const char **error_r)
{
	return outfile_open_as(path, mode, outfile_is_gzip(path), f_r, error_r);
}

struct outfile *outfile_open_as(const char *path, int mode, bool gzip, FILE **f_r,
				const char **error_r)
{
	static const cookie_io_functions_t gz_io = {
		.write = gz_cookie_write,
		.close = gz_cookie_close,
	};
	struct outfile *out;
	struct stat st;

	out = calloc(1, sizeof(*out));
	if (out == NULL) {
		*error_r = _("out of memory");
		return NULL;
	}
	out->fd = -1;
	if (strcmp(path, "-") == 0 && !gzip) {
		out->is_stdout = true;
		out->f = stdout;
		*f_r = stdout;
		return out;
	}
	if (strcmp(path, "-") == 0) {
		/* compressed to standard output: no temporary file */
		out->is_stdout = true;
		out->gz = gzdopen(dup(STDOUT_FILENO), "wb9");
		out->f = out->gz != NULL ? fopencookie(out, "w", gz_io) : NULL;
		if (out->f == NULL) {
			*error_r = _("cannot start compression");
			if (out->gz != NULL)
				gzclose(out->gz);
			free(out);
			return NULL;
		}
		*f_r = out->f;
		return out;
	}
	out->dirfd = -1;
	if (outfile_create(out, path, error_r) < 0)
		goto fail;
	if (fchmod(out->fd, (mode_t)mode) < 0) {
		*error_r = errmsg_printf(_("%s: chmod: %s"), path, strerror(errno));
		goto fail_unlink;
	}
	/* the directory's group, as a setgid directory would give it
	   (doc/DESIGN.md §8.9); otherwise only root can, so it may fail */
	if (fstat(out->dirfd, &st) == 0)
		(void)!fchown(out->fd, (uid_t)-1, st.st_gid);
	if (gzip) {
		int gzfd = dup(out->fd);
		if (gzfd < 0 || (out->gz = gzdopen(gzfd, "wb9")) == NULL) {
			if (gzfd >= 0)
				close(gzfd);
			*error_r = errmsg_printf(_("%s: cannot start compression"), path);
			goto fail_unlink;
		}
		out->f = fopencookie(out, "w", gz_io);
	} else {
		out->f = fdopen(dup(out->fd), "w");
	}
	if (out->f == NULL) {
		*error_r = errmsg_printf("%s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	*f_r = out->f;
	return out;
fail_unlink:
	outfile_unlink_tmp(out);
fail:
	if (out->gz != NULL)
		gzclose(out->gz);
	outfile_free(out);
	return NULL;
}

int outfile_commit(struct outfile **_out, const char **error_r)
{
	struct outfile *out = *_out;
	bool ok;

	*_out = NULL;
	if (out->is_stdout) {
		if (out->gz != NULL) {
			ok = fclose(out->f) == 0;
			ok = gzclose(out->gz) == Z_OK && ok && !out->write_failed;
		} else {
			ok = fflush(stdout) == 0 && !ferror(stdout);
		}
		free(out);
		if (!ok)
			*error_r = _("writing to standard output failed");
		return ok ? 0 : -1;
	}
	ok = fflush(out->f) == 0 && !ferror(out->f);
	ok = fclose(out->f) == 0 && ok;
	if (out->gz != NULL)
		ok = gzclose(out->gz) == Z_OK && ok && !out->write_failed;
	if (ok && fsync(out->fd) < 0)
		ok = false;
	if (!ok)
		*error_r = errmsg_printf(_("%s: writing failed: %s"), out->path,
					 errno != 0 ? strerror(errno) : "I/O error");
	else if (outfile_rename(out, error_r) < 0)
		ok = false;
	if (!ok)
		outfile_unlink_tmp(out);
	outfile_free(out);
	return ok ? 0 : -1;
}

void outfile_abort(struct outfile **_out)
{
	struct outfile *out = *_out;

	if (out == NULL)
		return;
	*_out = NULL;
	if (out->is_stdout) {
		if (out->gz != NULL) {
			fclose(out->f);
			gzclose(out->gz);
		}
		free(out);
		return;
	}
	fclose(out->f);
	if (out->gz != NULL)
		gzclose(out->gz);
	outfile_unlink_tmp(out);
	outfile_free(out);
}

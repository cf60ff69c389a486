/* outfile.c - atomic, optionally gzip-compressed output files. */
#include "outfile.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

struct outfile {
	FILE *f;
	gzFile gz;
	int fd;
	char *path;
	char *tmp;
	bool is_stdout;
	bool write_failed;
};

bool outfile_is_gzip(const char *path)
{
	size_t len = strlen(path);
	return len > 3 && strcmp(path + len - 3, ".gz") == 0;
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

struct outfile *outfile_open(const char *path, int mode, FILE **f_r)
{
	return outfile_open_as(path, mode, outfile_is_gzip(path), f_r);
}

struct outfile *outfile_open_as(const char *path, int mode, bool gzip, FILE **f_r)
{
	static const cookie_io_functions_t gz_io = {
		.write = gz_cookie_write,
		.close = gz_cookie_close,
	};
	struct outfile *out;
	struct stat st;
	char *dir_copy;

	out = calloc(1, sizeof(*out));
	if (out == NULL) {
		cli_error("out of memory");
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
			cli_error("cannot start compression");
			if (out->gz != NULL)
				gzclose(out->gz);
			free(out);
			return NULL;
		}
		*f_r = out->f;
		return out;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		cli_error("%s: is a symbolic link: refusing to replace it", path);
		free(out);
		return NULL;
	}
	out->path = strdup(path);
	dir_copy = strdup(path);
	if (out->path == NULL || dir_copy == NULL ||
	    asprintf(&out->tmp, "%s/.%s.XXXXXX", dirname(dir_copy),
		     strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path) < 0) {
		cli_error("out of memory");
		free(dir_copy);
		free(out->path);
		free(out);
		return NULL;
	}
	free(dir_copy);
	out->fd = mkstemp(out->tmp);
	if (out->fd < 0) {
		cli_error("%s: cannot create a temporary file: %s", out->tmp,
			  strerror(errno));
		goto fail;
	}
	if (fchmod(out->fd, (mode_t)mode) < 0) {
		cli_error("%s: chmod: %s", out->tmp, strerror(errno));
		goto fail_unlink;
	}
	/* the directory's group, as a setgid directory would give it
	   (DESIGN 12); only root can change it otherwise, and may fail */
	{
		char *d = strdup(out->tmp);
		struct stat dst;
		if (d != NULL && stat(dirname(d), &dst) == 0)
			(void)!fchown(out->fd, (uid_t)-1, dst.st_gid);
		free(d);
	}
	if (gzip) {
		int gzfd = dup(out->fd);
		if (gzfd < 0 || (out->gz = gzdopen(gzfd, "wb9")) == NULL) {
			if (gzfd >= 0)
				close(gzfd);
			cli_error("%s: cannot start compression", path);
			goto fail_unlink;
		}
		out->f = fopencookie(out, "w", gz_io);
	} else {
		out->f = fdopen(dup(out->fd), "w");
	}
	if (out->f == NULL) {
		cli_error("%s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	*f_r = out->f;
	return out;
fail_unlink:
	unlink(out->tmp);
fail:
	if (out->gz != NULL)
		gzclose(out->gz);
	if (out->fd >= 0)
		close(out->fd);
	free(out->tmp);
	free(out->path);
	free(out);
	return NULL;
}

static void outfile_free(struct outfile *out)
{
	if (out->fd >= 0)
		close(out->fd);
	free(out->tmp);
	free(out->path);
	free(out);
}

int outfile_commit(struct outfile **_out)
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
			cli_error("writing to standard output failed");
		return ok ? 0 : -1;
	}
	ok = fflush(out->f) == 0 && !ferror(out->f);
	ok = fclose(out->f) == 0 && ok;
	if (out->gz != NULL)
		ok = gzclose(out->gz) == Z_OK && ok && !out->write_failed;
	if (ok && fsync(out->fd) < 0)
		ok = false;
	if (ok && rename(out->tmp, out->path) < 0)
		ok = false;
	if (ok) {
		/* make the rename itself durable */
		char *d = strdup(out->path);
		int dfd = d != NULL ? open(dirname(d), O_RDONLY | O_DIRECTORY) : -1;
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(d);
	}
	if (!ok) {
		cli_error("%s: writing failed: %s", out->path,
			  errno != 0 ? strerror(errno) : "I/O error");
		unlink(out->tmp);
	}
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
	unlink(out->tmp);
	outfile_free(out);
}

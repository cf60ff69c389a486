/* mconf.c - the milter's configuration and its snapshots (mconf.h). */
#include "mconf.h"
#include "mlog.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Largest configuration file a snapshot takes: far beyond any real one,
   small enough that a wrong -c (a log file) is refused, not copied. */
#define MCONF_FILE_MAX (1024 * 1024)
/* "/proc/self/fd/" + a descriptor number */
#define MCONF_FD_PATH_MAX 32

const char *mconf_path(const struct mconf_options *opts)
{
	return opts->config_path != NULL ? opts->config_path :
		DORMANT_DEFAULT_CONFIG;
}

/* config_load names the path it opened; a snapshot's messages name the
   file the snapshot was taken from. */
static const char *mconf_error(const char *opened, const char *name,
			       const char *error)
{
	size_t len = strlen(opened);

	if (strncmp(error, opened, len) == 0)
		return errmsg_printf("%s%s", name, error + len);
	return error;
}

/* Read the file (or snapshot), apply the command line over it and check
   what the milter uses. Nothing is allocated on error. */
static int mconf_config_load(const struct mconf_options *opts, int snapshot_fd,
			     struct dormant_config **cfg_r, const char **error_r)
{
	const char *name = mconf_path(opts), *path = name;
	const struct {
		const char *opt, *key, *value;
	} overrides[] = {
		{ "-d", "db", opts->db },
		{ "-p", "milter_socket", opts->socket },
		{ "-u", "milter_user", opts->user },
		{ "-P", "milter_pidfile", opts->pidfile },
	};
	char fdpath[MCONF_FD_PATH_MAX];
	struct dormant_config *cfg;
	const char *error;

	if (snapshot_fd >= 0) {
		/* a fresh open of the memory file, from its start */
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", snapshot_fd);
		path = fdpath;
	}
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	config_init(cfg);
	if (config_load(cfg, path, opts->config_path != NULL || snapshot_fd >= 0,
			&error) < 0) {
		*error_r = mconf_error(path, name, error);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
		if (overrides[i].value != NULL &&
		    config_set(cfg, overrides[i].key, overrides[i].value, &error) < 0) {
			*error_r = errmsg_printf("%s: %s", overrides[i].opt, error);
			goto fail;
		}
	}
	if (config_check(cfg, &error) < 0) {
		*error_r = errmsg_printf("%s: %s", name, error);
		goto fail;
	}
	*cfg_r = cfg;
	return 0;
fail:
	config_free(cfg);
	free(cfg);
	return -1;
}

int mconf_load(const struct mconf_options *opts, int snapshot_fd,
	       struct mlfi_settings **set_r, const char **error_r)
{
	struct dormant_config *cfg;
	const char *error;

	if (mconf_config_load(opts, snapshot_fd, &cfg, error_r) < 0)
		return -1;
	if (mlfi_settings_create(cfg, set_r, &error) < 0) {
		*error_r = errmsg_printf("%s: %s", mconf_path(opts), error);
		return -1;
	}
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copy in to out, at most MCONF_FILE_MAX bytes. */
static int mconf_copy(int in, int out, const char *name, const char **error_r)
{
	char buf[8192];
	size_t total = 0;
	ssize_t n;

	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = errmsg_printf("%s: %s", name, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		total += (size_t)n;
		if (total > MCONF_FILE_MAX) {
			*error_r = errmsg_printf("%s: larger than %d bytes: not a "
						 "configuration file", name,
						 MCONF_FILE_MAX);
			return -1;
		}
		if (write_all(out, buf, (size_t)n) < 0) {
			*error_r = errmsg_printf("snapshot of %s: %s", name,
						 strerror(errno));
			return -1;
		}
	}
}

int mconf_snapshot(const struct mconf_options *opts, const char **error_r)
{
	const char *name = mconf_path(opts);
	struct stat st;
	int in, out;

	out = memfd_create("dormant.conf", MFD_CLOEXEC);
	if (out < 0) {
		*error_r = errmsg_printf("memfd_create: %s", strerror(errno));
		return -1;
	}
	in = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (in < 0) {
		/* as config_load: the default file may be missing */
		if (errno == ENOENT && opts->config_path == NULL)
			return out;
		*error_r = errmsg_printf("%s: %s", name, strerror(errno));
		close(out);
		return -1;
	}
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* a FIFO would hang the supervisor */
		*error_r = errmsg_printf("%s: not a regular file", name);
		close(in);
		close(out);
		return -1;
	}
	if (mconf_copy(in, out, name, error_r) < 0) {
		close(in);
		close(out);
		return -1;
	}
	close(in);
	return out;
}

int mconf_running(const struct dormant_config *cfg,
		  struct dormant_config *running)
{
	memset(running, 0, sizeof(*running));
	if (config_copy(running, cfg, CONFIG_KEY_RESTART) < 0) {
		config_free(running);
		return -1;
	}
	return 0;
}

void mconf_warn_restart(const struct dormant_config *running,
			const struct dormant_config *cfg)
{
	const char *key;
	size_t pos = 0;

	while ((key = config_next_difference(running, cfg, CONFIG_KEY_RESTART,
					     &pos)) != NULL)
		mlog(LOG_WARNING, "reload: %s changed; it takes effect after "
		     "a restart", key);
}

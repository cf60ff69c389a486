/* daemon.c - detaching, privileges, pid file, socket checks (daemon.h). */
#include "daemon.h"
#include "config.h"
#include "errmsg.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

/* Exit status of the waiting parent when the child dies before it is
   ready: a runtime failure (doc/DESIGN.md §8.1). */
#define DAEMON_EXIT_FAILURE 3

int daemon_user_lookup(const char *name, struct daemon_user *user_r,
		       const char **error_r)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		*error_r = errno == 0 ?
			errmsg_printf("milter_user: no such user '%s'", name) :
			errmsg_printf("milter_user: cannot look up '%s': %s", name,
				      strerror(errno));
		return -1;
	}
	user_r->name = strdup(pw->pw_name);
	if (user_r->name == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	user_r->uid = pw->pw_uid;
	user_r->gid = pw->pw_gid;
	return 0;
}

void daemon_user_free(struct daemon_user *user)
{
	free(user->name);
	user->name = NULL;
}

int daemon_detach(int *ready_fd_r, const char **error_r)
{
	int fds[2], status;
	unsigned char code;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0) {
		*error_r = errmsg_printf("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		*error_r = errmsg_printf("fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid > 0) {
		close(fds[1]);
		do {
			n = read(fds[0], &code, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1) {
			/* died before it was ready: its error went to stderr */
			(void)waitpid(pid, &status, 0);
			_exit(DAEMON_EXIT_FAILURE);
		}
		_exit(code);
	}
	close(fds[0]);
	if (fcntl(fds[1], F_SETFD, FD_CLOEXEC) < 0) {
		*error_r = errmsg_printf("fcntl: %s", strerror(errno));
		close(fds[1]);
		return -1;
	}
	if (setsid() < 0) {
		*error_r = errmsg_printf("setsid: %s", strerror(errno));
		close(fds[1]);
		return -1;
	}
	if (chdir("/") < 0) {
		*error_r = errmsg_printf("chdir /: %s", strerror(errno));
		close(fds[1]);
		return -1;
	}
	*ready_fd_r = fds[1];
	return 0;
}

/* Point stdin, stdout and stderr at /dev/null: 0, or -1 with *error_r
   (the streams a call did not reach stay where they were). */
static int daemon_null_stdio(const char **error_r)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		*error_r = errmsg_printf("/dev/null: %s", strerror(errno));
		return -1;
	}
	for (int i = STDIN_FILENO; i <= STDERR_FILENO; i++) {
		/* dup2 drops the close-on-exec flag on the copy */
		if (fd != i && dup2(fd, i) < 0) {
			*error_r = errmsg_printf("cannot point descriptor %d at "
						 "/dev/null: %s", i,
						 strerror(errno));
			if (fd > STDERR_FILENO)
				close(fd);
			return -1;
		}
	}
	if (fd > STDERR_FILENO)
		close(fd);
	else if (fcntl(fd, F_SETFD, 0) < 0) {
		/* /dev/null took a standard descriptor's number itself */
		*error_r = errmsg_printf("fcntl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int daemon_ready(int ready_fd, int status, const char **error_r)
{
	unsigned char code = (unsigned char)status;
	int ret = 0;

	if (status == 0)
		ret = daemon_null_stdio(error_r);
	if (ready_fd >= 0) {
		while (write(ready_fd, &code, 1) < 0 && errno == EINTR)
			;
		close(ready_fd);
	}
	return ret;
}

int daemon_drop_privileges(const struct daemon_user *user, const char **error_r)
{
	if (getuid() == user->uid && geteuid() == user->uid &&
	    getgid() == user->gid && getegid() == user->gid)
		return 0;            /* already that user */
	if (geteuid() != 0) {
		*error_r = errmsg_printf("cannot become user %s: not running as root",
				         user->name);
		return -1;
	}
	if (initgroups(user->name, user->gid) < 0) {
		*error_r = errmsg_printf("initgroups %s: %s", user->name, strerror(errno));
		return -1;
	}
	if (setgid(user->gid) < 0) {
		*error_r = errmsg_printf("setgid %lu: %s", (unsigned long)user->gid,
				         strerror(errno));
		return -1;
	}
	if (setuid(user->uid) < 0) {
		*error_r = errmsg_printf("setuid %lu: %s", (unsigned long)user->uid,
				         strerror(errno));
		return -1;
	}
	/* trust, but verify: all ids changed, and there is no way back */
	if (getuid() != user->uid || geteuid() != user->uid ||
	    getgid() != user->gid || getegid() != user->gid ||
	    (user->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))) {
		*error_r = errmsg_printf("privileges of user %s did not take", user->name);
		return -1;
	}
	return 0;
}

/* The pid in path: > 0, 0 if none or unreadable. */
static pid_t pidfile_read(const char *path)
{
	char buf[32];
	uint64_t pid;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (uint_parse(buf, INT_MAX, &pid) < 0)
		return 0;
	return (pid_t)pid;
}

int daemon_pidfile_write(const char *path, const char **error_r)
{
	char tmp[PATH_MAX], buf[32];
	pid_t other = pidfile_read(path);
	int fd, len;

	if (other > 0 && other != getpid() &&
	    (kill(other, 0) == 0 || errno == EPERM)) {
		*error_r = errmsg_printf("%s: another instance is running (pid %ld; "
				         "remove the file if that is not "
				         "dormant-milter)", path, (long)other);
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		*error_r = errmsg_printf("%s: path too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		*error_r = errmsg_printf("%s: %s", tmp, strerror(errno));
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (fchmod(fd, 0644) < 0 || write(fd, buf, (size_t)len) != len ||
	    fsync(fd) < 0) {
		*error_r = errmsg_printf("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		*error_r = errmsg_printf("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void daemon_pidfile_remove(const char *path)
{
	if (pidfile_read(path) == getpid())
		(void)unlink(path);
}

int daemon_socket_check_free(const char *spec, const char **error_r)
{
	const char *path = config_socket_path(spec);
	union {
		struct sockaddr sa;
		struct sockaddr_un sun;
	} addr;
	int fd, ret;

	if (path == NULL)
		return 0;
	memset(&addr, 0, sizeof(addr));
	addr.sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun.sun_path)) {
		*error_r = errmsg_printf("%s: socket path too long", path);
		return -1;
	}
	strcpy(addr.sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*error_r = errmsg_printf("socket: %s", strerror(errno));
		return -1;
	}
	ret = connect(fd, &addr.sa, sizeof(addr.sun));
	close(fd);
	if (ret == 0) {
		*error_r = errmsg_printf("%s: another process is listening on it", path);
		return -1;
	}
	return 0;                    /* missing or stale: libmilter replaces it */
}

int64_t daemon_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void daemon_socket_poke(const char *spec)
{
	struct addrinfo hints, *ai;
	const char *path = config_socket_path(spec), *port, *at;
	char service[16], host[256];
	size_t len;
	int fd;

	if (path != NULL) {
		const char *error;
		/* a successful connect is all it takes */
		(void)daemon_socket_check_free(spec, &error);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (strncmp(spec, "inet:", 5) == 0) {
		port = spec + 5;
		hints.ai_family = AF_INET;
	} else if (strncmp(spec, "inet6:", 6) == 0) {
		port = spec + 6;
		hints.ai_family = AF_INET6;
	} else {
		return;
	}
	at = strchr(port, '@');
	len = at != NULL ? (size_t)(at - port) : strlen(port);
	if (len >= sizeof(service))
		return;
	memcpy(service, port, len);
	service[len] = '\0';
	/* no host: listening on every address, loopback among them */
	snprintf(host, sizeof(host), "%s", at != NULL ? at + 1 :
		 hints.ai_family == AF_INET ? "127.0.0.1" : "::1");
	if (getaddrinfo(host, service, &hints, &ai) != 0)
		return;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		(void)connect(fd, ai->ai_addr, ai->ai_addrlen);
		close(fd);
	}
	freeaddrinfo(ai);
}


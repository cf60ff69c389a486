/* spawn.c - fork and exec with pipes, a pre-exec hook and a deadline. */
#include "spawn.h"
#include "i18n.h"
#include "errstr.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

/* what children get when sp->envp is NULL; NULL: environ */
static char **default_env;

void spawn_set_environ(char **envp)
{
	default_env = envp;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before the deadline (0 past it), or -1 for none. */
static int spawn_left(const struct spawn *sp)
{
	int64_t left;

	if (sp->deadline < 0)
		return -1;
	left = sp->deadline - now_ms();
	return left < 0 ? 0 : left > 60 * 60 * 1000 ? 60 * 60 * 1000 : (int)left;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* In the child: set up its descriptors, run the hook, exec. Never returns. */
static void spawn_child(struct spawn *sp, const int in[2], const int out[2])
{
	char *const *env;
	int null = -1, ret;

	if (sp->flags & SPAWN_PGROUP)
		(void)setpgid(0, 0);
	if (sp->flags & (SPAWN_STDIN_NULL | SPAWN_STDERR_NULL))
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if ((sp->flags & SPAWN_STDIN_PIPE) && dup2(in[0], STDIN_FILENO) < 0)
		_exit(127);
	if ((sp->flags & SPAWN_STDIN_NULL) && null >= 0)
		(void)dup2(null, STDIN_FILENO);
	if ((sp->flags & SPAWN_STDOUT_PIPE) && dup2(out[1], STDOUT_FILENO) < 0)
		_exit(127);
	if ((sp->flags & SPAWN_STDERR_NULL) && null >= 0)
		(void)dup2(null, STDERR_FILENO);
	/* the pipes were made close-on-exec; dup2 cleared it on 0, 1 and 2 */
	if (sp->pre_exec != NULL && (ret = sp->pre_exec(sp->ctx)) != 0)
		_exit(ret);
	if (sp->argv == NULL)
		_exit(0);
	env = sp->envp != NULL ? sp->envp : default_env != NULL ? default_env : environ;
	if (sp->flags & SPAWN_PATH)
		execvpe(sp->argv[0], sp->argv, env);
	else
		execve(sp->argv[0], sp->argv, env);
	fprintf(stderr, "dormant: cannot run %s: %s\n", sp->argv[0], strerror(errno));
	_exit(127);
}

int spawn_start(struct spawn *sp, const char **error_r)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };

	sp->pid = -1;
	sp->in = sp->out = -1;
	sp->timed_out = false;
	if (((sp->flags & SPAWN_STDIN_PIPE) && pipe2(in, O_CLOEXEC) < 0) ||
	    ((sp->flags & SPAWN_STDOUT_PIPE) && pipe2(out, O_CLOEXEC) < 0)) {
		int err = errno;

		*error_r = errmsg_printf("pipe: %s", strerror(err));
		close_fd(&in[0]);
		close_fd(&in[1]);
		errno = err;
		return -1;
	}
	/* what this process buffered must not be written twice */
	fflush(NULL);
	sp->deadline = sp->timeout_ms >= 0 ? now_ms() + sp->timeout_ms : -1;
	sp->pid = fork();
	if (sp->pid < 0) {
		int err = errno;

		*error_r = errmsg_printf("fork: %s", strerror(err));
		close_fd(&in[0]);
		close_fd(&in[1]);
		close_fd(&out[0]);
		close_fd(&out[1]);
		errno = err;
		return -1;
	}
	if (sp->pid == 0)
		spawn_child(sp, in, out);
	/* both sides set the group: kill(-pid) must find it at once */
	if (sp->flags & SPAWN_PGROUP)
		(void)setpgid(sp->pid, sp->pid);
	close_fd(&in[0]);
	close_fd(&out[1]);
	sp->in = in[1];
	sp->out = out[0];
	return 0;
}

size_t spawn_read(struct spawn *sp, char *buf, size_t size)
{
	size_t len = 0;

	while (sp->out >= 0 && len < size) {
		struct pollfd pfd = { sp->out, POLLIN, 0 };
		ssize_t n;
		int ret = poll(&pfd, 1, spawn_left(sp));

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			break;
		n = read(sp->out, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close_fd(&sp->out);
	return len;
}

int spawn_wait(struct spawn *sp, int *status_r, const char **error_r)
{
	pid_t r;

	close_fd(&sp->in);
	close_fd(&sp->out);
	for (;;) {
		r = waitpid(sp->pid, status_r, sp->deadline < 0 ? 0 : WNOHANG);
		if (r == sp->pid)
			return 0;
		if (r < 0 && errno != EINTR) {
			*error_r = errmsg_printf("waitpid: %s", strerror(errno));
			return -1;
		}
		if (r == 0 && spawn_left(sp) == 0) {
			kill((sp->flags & SPAWN_PGROUP) ? -sp->pid : sp->pid, SIGKILL);
			while (waitpid(sp->pid, status_r, 0) < 0 && errno == EINTR)
				;
			sp->timed_out = true;
			*error_r = errmsg_printf(_("no exit after %d s, killed"),
						 sp->timeout_ms / 1000);
			return -1;
		}
		/* a child is expected to take well under a second: look again
		   soon (no SIGCHLD handler to share with the rest of dormant) */
		if (r == 0)
			(void)poll(NULL, 0, 20);
	}
}

int spawn_exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* sigpipe.c - signals as bytes on a pipe (sigpipe.h). */
#include "sigpipe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* the largest set a process here catches */
#define SIGPIPE_MAX 8

static int sp_pipe[2] = { -1, -1 };
static int sp_sigs[SIGPIPE_MAX];
static size_t sp_count;

static void on_signal(int sig)
{
	int saved_errno = errno;

	sigpipe_post((unsigned char)sig);
	errno = saved_errno;
}

int sigpipe_open(const int *sigs, size_t count, const char **error_r)
{
	struct sigaction sa;

	if (count > SIGPIPE_MAX) {
		*error_r = "too many signals";
		return -1;
	}
	if (pipe2(sp_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		*error_r = strerror(errno);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	for (size_t i = 0; i < count; i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0) {
			*error_r = strerror(errno);
			sigpipe_close();
			return -1;
		}
		sp_sigs[sp_count++] = sigs[i];
	}
	return 0;
}

void sigpipe_close(void)
{
	for (size_t i = 0; i < sp_count; i++)
		(void)signal(sp_sigs[i], SIG_DFL);
	sp_count = 0;
	for (int i = 0; i < 2; i++) {
		if (sp_pipe[i] >= 0)
			close(sp_pipe[i]);
		sp_pipe[i] = -1;
	}
}

int sigpipe_fd(void)
{
	return sp_pipe[0];
}

void sigpipe_post(unsigned char byte)
{
	if (write(sp_pipe[1], &byte, 1) < 0) {
		/* full: that byte is already waiting */
	}
}

int sigpipe_read(unsigned char *byte_r)
{
	ssize_t n;

	do {
		n = read(sp_pipe[0], byte_r, 1);
	} while (n < 0 && errno == EINTR);
	if (n == 1)
		return 1;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return -1;
}

/* mail.c - sending mail through the local sendmail. */
#include "mail.h"
#include "errstr.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int mail_open(struct mail *m, const char *sendmail, const char **error_r)
{
	char *argv[] = { (char *)sendmail, (char *)"-t", (char *)"-oi", NULL };
	int fds[2];

	if (sendmail == NULL || sendmail[0] != '/') {
		*error_r = "sendmail: must be an absolute path";
		return -1;
	}
	if (pipe(fds) < 0) {
		*error_r = errstr_printf("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	m->pid = fork();
	if (m->pid < 0) {
		*error_r = errstr_printf("fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (m->pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(sendmail, argv);
		fprintf(stderr, "dormant: cannot run %s: %s\n", sendmail, strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	m->f = fdopen(fds[1], "w");
	if (m->f == NULL) {
		close(fds[1]);
		waitpid(m->pid, NULL, 0);
		*error_r = errstr_printf("fdopen: %s", strerror(errno));
		return -1;
	}
	/* a sendmail that dies early must not kill us with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int mail_close(struct mail *m, const char **error_r)
{
	int status, ok;

	ok = fclose(m->f) == 0;
	while (waitpid(m->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			*error_r = errstr_printf("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*error_r = errstr_printf("sendmail failed (exit %d)",
					 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	if (!ok) {
		*error_r = "writing to sendmail failed";
		return -1;
	}
	return 0;
}

int mail_base64(FILE *src, FILE *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char in[57];   /* 57 bytes -> one 76-column line */
	size_t n;

	while ((n = fread(in, 1, sizeof(in), src)) > 0) {
		for (size_t i = 0; i < n; i += 3) {
			unsigned int v = (unsigned)in[i] << 16;
			if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
			if (i + 2 < n) v |= in[i + 2];
			fputc(alphabet[(v >> 18) & 63], out);
			fputc(alphabet[(v >> 12) & 63], out);
			fputc(i + 1 < n ? alphabet[(v >> 6) & 63] : '=', out);
			fputc(i + 2 < n ? alphabet[v & 63] : '=', out);
		}
		fputc('\n', out);
	}
	return ferror(src) || ferror(out) ? -1 : 0;
}

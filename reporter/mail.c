/* mail.c - sending mail through the local sendmail. */
#include "mail.h"
#include "errstr.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

int mail_open(struct mail *m, const char *sendmail, const char **error_r)
{
	char *argv[] = { (char *)sendmail, (char *)"-t", (char *)"-oi", NULL };
	const char *error;
	int status;

	if (sendmail == NULL || sendmail[0] != '/') {
		*error_r = "sendmail: must be an absolute path";
		return -1;
	}
	/* no deadline, so no process group of its own: sendmail gets the
	   terminal's ^C with dormant rather than sending half a message */
	memset(&m->sp, 0, sizeof(m->sp));
	m->sp.argv = argv;
	m->sp.flags = SPAWN_STDIN_PIPE;
	m->sp.timeout_ms = -1;
	if (spawn_start(&m->sp, error_r) < 0)
		return -1;
	m->f = fdopen(m->sp.in, "w");
	if (m->f == NULL) {
		*error_r = errmsg_printf("fdopen: %s", strerror(errno));
		(void)spawn_wait(&m->sp, &status, &error);
		return -1;
	}
	m->sp.in = -1;               /* m->f has it */
	/* a sendmail that dies early must not kill us with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int mail_close(struct mail *m, const char **error_r)
{
	int status, ok;

	ok = fclose(m->f) == 0;
	if (spawn_wait(&m->sp, &status, error_r) < 0)
		return -1;
	if (spawn_exit_code(status) != 0) {
		*error_r = errmsg_printf("sendmail failed (exit %d)",
					 spawn_exit_code(status));
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

void mail_text_headers(FILE *f, const char *to, const char *cc,
		       const char *from)
{
	fprintf(f, "To: %s\n", to);
	if (cc[0] != '\0')
		fprintf(f, "Cc: %s\n", cc);
	if (from[0] != '\0')
		fprintf(f, "From: %s\n", from);
	fputs("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	      "Content-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\n", f);
}

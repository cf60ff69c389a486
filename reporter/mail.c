/* mail.c - sending mail through the local sendmail. */
#include "mail.h"
#include "errstr.h"

#include <errno.h>
#include <stdbool.h>
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

/* base64 of src to out, a newline after every 76 columns when lines. */
static int base64_write(FILE *src, FILE *out, bool lines)
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
		if (lines)
			fputc('\n', out);
	}
	return ferror(src) || ferror(out) ? -1 : 0;
}

int mail_base64(FILE *src, FILE *out)
{
	return base64_write(src, out, true);
}

int mail_base64_inline(FILE *src, FILE *out)
{
	return base64_write(src, out, false);
}

void mail_headers(FILE *f, const char *to, const char *cc, const char *from)
{
	fprintf(f, "To: %s\n", to);
	if (cc[0] != '\0')
		fprintf(f, "Cc: %s\n", cc);
	if (from[0] != '\0')
		fprintf(f, "From: %s\n", from);
	fputs("MIME-Version: 1.0\nAuto-Submitted: auto-generated\n", f);
}

void mail_text_headers(FILE *f, const char *to, const char *cc,
		       const char *from)
{
	mail_headers(f, to, cc, from);
	fputs("Content-Type: text/plain; charset=utf-8\n"
	      "Content-Transfer-Encoding: 8bit\n", f);
}

void mail_subject(FILE *f, const char *subject)
{
	size_t len = strlen(subject), i;
	FILE *src;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)subject[i];
		if (c < 0x20 || c >= 0x7f)
			break;
	}
	if (i == len) {
		fprintf(f, "Subject: %s\n", subject);
		return;
	}
	/* RFC 2047 encoded words of at most 45 bytes (60 in base64), cut
	   between UTF-8 sequences, each on its own folded line */
	fputs("Subject:", f);
	for (i = 0; i < len;) {
		size_t n = len - i > 45 ? 45 : len - i;

		while (n > 1 && i + n < len &&
		       ((unsigned char)subject[i + n] & 0xc0) == 0x80)
			n--;
		src = fmemopen((void *)(subject + i), n, "r");
		fputs(" =?UTF-8?B?", f);
		if (src != NULL) {
			mail_base64_inline(src, f);
			fclose(src);
		}
		fputs("?=\n", f);
		i += n;
		if (i < len)
			fputc(' ', f);   /* folding: the next word's line */
	}
}

void mail_multipart_begin(FILE *f, const char *boundary)
{
	fprintf(f, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
		"This is a MIME message.\n", boundary);
}

void mail_part_text(FILE *f, const char *boundary)
{
	fprintf(f, "\n--%s\nContent-Type: text/plain; charset=utf-8\n"
		"Content-Transfer-Encoding: 8bit\n\n", boundary);
}

int mail_part_attach(FILE *f, const char *boundary, const char *type,
		     const char *filename, const char *data, size_t len)
{
	FILE *src;
	int ret;

	fprintf(f, "\n--%s\nContent-Type: %s; charset=utf-8; name=\"%s\"\n"
		"Content-Disposition: attachment; filename=\"%s\"\n"
		"Content-Transfer-Encoding: base64\n\n", boundary, type, filename,
		filename);
	if (len == 0)
		return 0;
	src = fmemopen((void *)data, len, "r");
	if (src == NULL)
		return -1;
	ret = mail_base64(src, f);
	fclose(src);
	return ret;
}

void mail_multipart_end(FILE *f, const char *boundary)
{
	fprintf(f, "\n--%s--\n", boundary);
}

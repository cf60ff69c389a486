/* mail.c - sending mail through the local sendmail. */
#include "mail.h"
#include "i18n.h"
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
		*error_r = _("sendmail: must be an absolute path");
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
		*error_r = errmsg_printf(_("sendmail failed (exit %d)"),
					 spawn_exit_code(status));
		return -1;
	}
	if (!ok) {
		*error_r = _("writing to sendmail failed");
		return -1;
	}
	return 0;
}

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* n (1..3) bytes as 4 base64 characters */
static void base64_group(const unsigned char *in, size_t n, FILE *out)
{
	unsigned int v = (unsigned)in[0] << 16;

	if (n > 1) v |= (unsigned)in[1] << 8;
	if (n > 2) v |= in[2];
	fputc(alphabet[(v >> 18) & 63], out);
	fputc(alphabet[(v >> 12) & 63], out);
	fputc(n > 1 ? alphabet[(v >> 6) & 63] : '=', out);
	fputc(n > 2 ? alphabet[v & 63] : '=', out);
}

void mail_subject(FILE *f, const char *subject, size_t len)
{
	/* 45 bytes are 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" is
	   72, under RFC 2047's 75 for an encoded word */
	const size_t chunk_max = 45;
	size_t off = 0;
	bool ascii = true;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)subject[i];
		if (c >= 0x80 || c < 0x20 || c == 0x7f)
			ascii = false;
	}
	fputs("Subject: ", f);
	if (ascii) {
		fwrite(subject, 1, len, f);
		fputc('\n', f);
		return;
	}
	/* encoded words of whole UTF-8 characters, one a folded line */
	while (off < len) {
		size_t n = len - off < chunk_max ? len - off : chunk_max;

		while (off + n < len && n > 1 &&
		       ((unsigned char)subject[off + n] & 0xc0) == 0x80)
			n--;
		fputs(off == 0 ? "=?UTF-8?B?" : "\n =?UTF-8?B?", f);
		for (size_t i = 0; i < n; i += 3)
			base64_group((const unsigned char *)subject + off + i,
				     n - i < 3 ? n - i : 3, f);
		fputs("?=", f);
		off += n;
	}
	fputc('\n', f);
}

int mail_base64(FILE *src, FILE *out)
{
	unsigned char in[57];   /* 57 bytes -> one 76-column line */
	size_t n;

	while ((n = fread(in, 1, sizeof(in), src)) > 0) {
		for (size_t i = 0; i < n; i += 3)
			base64_group(in + i, n - i < 3 ? n - i : 3, out);
		fputc('\n', out);
	}
	return ferror(src) || ferror(out) ? -1 : 0;
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

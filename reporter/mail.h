/* mail.h - hand a message to the local MTA: "sendmail -t -oi" run by execv
 * (no shell), recipients taken from the headers. */
#ifndef DORMANT_MAIL_H
#define DORMANT_MAIL_H

#include <stdio.h>
#include "spawn.h"

struct mail {
	FILE *f;
	struct spawn sp;
};

/* Start sendmail; write headers, a blank line and the body to m->f.
   0, or -1 with *error_r. */
int mail_open(struct mail *m, const char *sendmail, const char **error_r);
/* Close the pipe and wait: 0 if sendmail exited 0, else -1 with
   *error_r. */
int mail_close(struct mail *m, const char **error_r);

/* The one writer of the headers every message dormant sends (notices,
   summaries, alerts, reports, review sheets): To, Cc and From (each left
   out when ""), MIME-Version and Auto-Submitted (RFC 3834: no
   auto-replies). The caller adds Subject (mail_subject), its
   Content-Type and the blank line. Addresses must be checked already (no
   CR or LF). */
void mail_headers(FILE *f, const char *to, const char *cc, const char *from);
/* mail_headers, then UTF-8 plain text in 8bit. */
void mail_text_headers(FILE *f, const char *to, const char *cc,
		       const char *from);

/* A multipart/mixed body: after the headers, begin (its Content-Type and
   the blank line), then parts, then end. boundary is the caller's own
   text, not found in any part (parts are base64 or the caller's). */
void mail_multipart_begin(FILE *f, const char *boundary);
/* A UTF-8 plain-text part: the caller writes the text next. */
void mail_part_text(FILE *f, const char *boundary);
/* An attachment of type (e.g. "text/csv") named filename (the caller's
   safe name: no quote, CR or LF), len bytes of data in base64. 0 or -1. */
int mail_part_attach(FILE *f, const char *boundary, const char *type,
		     const char *filename, const char *data, size_t len);
void mail_multipart_end(FILE *f, const char *boundary);

/* The Subject: header line for subject (len bytes, UTF-8, no CR or LF):
   as it is when it is printable ASCII, else RFC 2047 "B" encoded words
   of whole characters, folded, so that Vietnamese survives every MTA. */
void mail_subject(FILE *f, const char *subject, size_t len);

/* Write the bytes of src (to EOF) base64-encoded, 76 columns. */
int mail_base64(FILE *src, FILE *out);

#endif

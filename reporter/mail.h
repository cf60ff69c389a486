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

/* The headers of every plain-text message dormant sends: To, Cc and
   From (each left out when ""), MIME UTF-8 text, 8bit and Auto-Submitted
   (RFC 3834: no auto-replies). The caller adds Subject and any other
   header, then the blank line. Addresses must be checked already (no CR
   or LF). */
void mail_text_headers(FILE *f, const char *to, const char *cc,
		       const char *from);

/* The Subject: header line for subject (len bytes, UTF-8, no CR or LF):
   as it is when it is printable ASCII, else RFC 2047 "B" encoded words
   of whole characters, folded, so that Vietnamese survives every MTA. */
void mail_subject(FILE *f, const char *subject, size_t len);

/* Write the bytes of src (to EOF) base64-encoded, 76 columns. */
int mail_base64(FILE *src, FILE *out);

#endif

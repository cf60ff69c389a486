/* lines.h - bounded line reading from untrusted files and pipes. */
#ifndef DORMANT_LINES_H
#define DORMANT_LINES_H

#include <stdio.h>
#include <stddef.h>

#define LINE_MAX_BYTES 4096

enum line_result {
	LINE_EOF = 0,
	LINE_OK = 1,
	LINE_TOO_LONG = -1,   /* the rest of the line was skipped */
	LINE_NUL = -2,        /* the line held a NUL byte; skipped */
};

/* Read one line (without its newline and a trailing CR) into buf of
   LINE_MAX_BYTES + 1 bytes. */
enum line_result lines_read(FILE *f, char *buf, size_t *len_r);

#endif

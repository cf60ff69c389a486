/* csv.h - reading the CSV files people write (contacts_file, units_file,
 * review sheets saved by a spreadsheet): one line at a time, RFC 4180
 * quoting without line breaks inside a field. Writing goes through
 * output.h's csv_field (formula-safe). */
#ifndef DORMANT_CSV_H
#define DORMANT_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Split line in place at sep (',' or ';') into at most max fields:
   0 with *n_r set, or -1 with *error_r (static text or errmsg_printf's).
   Unquoted fields are trimmed of blanks; columns names the fields for
   the "more than N fields (columns)" message. */
int csv_split(char *line, char sep, char **fields, size_t max,
	      const char *columns, size_t *n_r, const char **error_r);

/* One line's fields (ctx, fields[0..n), its line number): 0, or -1 with
   *error_r (csv_file_read adds "name:line: "). */
typedef int csv_line_fn(void *ctx, char **fields, size_t n,
			unsigned long line, const char **error_r);
/* Read a whole file of lines (LINE_MAX_BYTES each): an optional UTF-8 BOM,
   CRLF or LF, blank and '#' lines skipped, a header line (its first field
   is columns' first name) allowed as the first line only, min to max
   fields a line, split at sep. Each data line goes to fn. 0, or -1 with
   "name:line: message" (or "name: read error: ...") in *error_r. */
int csv_file_read(FILE *f, const char *name, char sep, size_t min, size_t max,
		  const char *columns, csv_line_fn *fn, void *ctx,
		  const char **error_r);

#endif

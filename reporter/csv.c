/* csv.c - splitting a CSV line (csv.h). */
#include "csv.h"
#include "errmsg.h"
#include "i18n.h"
#include "lines.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

#include <string.h>

int csv_split(char *line, char sep, char **fields, size_t max,
	      const char *columns, size_t *n_r, const char **error_r)
{
	const char seps[2] = { sep, '\0' };
	char *p = line;
	size_t n = 0;

	for (;;) {
		char *start, *out;

		if (n == max) {
			*error_r = errmsg_printf(_("more than %zu fields (%s)"), max,
						 columns);
			return -1;
		}
		p += strspn(p, " \t");
		if (*p == '"') {
			start = out = ++p;
			for (;;) {
				if (*p == '\0') {
					*error_r = _("unterminated quoted field");
					return -1;
				}
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			p += strspn(p, " \t");
			if (*p != sep && *p != '\0') {
				*error_r = _("text after a closing quote");
				return -1;
			}
			*out = '\0';
		} else {
			char *end;

			start = p;
			p += strcspn(p, seps);
			if (memchr(start, '"', (size_t)(p - start)) != NULL) {
				*error_r = _("a quote inside an unquoted field");
				return -1;
			}
			end = p;
			while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			if (*p == sep) {
				*end = '\0';
				fields[n++] = start;
				p++;
				continue;
			}
			*end = '\0';
		}
		fields[n++] = start;
		if (*p == '\0')
			break;
		p++;                 /* the separator after a quoted field */
	}
	*n_r = n;
	return 0;
}

int csv_file_read(FILE *f, const char *name, char sep, size_t min, size_t max,
		  const char *columns, csv_line_fn *fn, void *ctx,
		  const char **error_r)
{
	char line[LINE_MAX_BYTES + 1], *fields[16];
	size_t first_len = strcspn(columns, ",");
	unsigned long lineno = 0;
	bool seen_data = false;
	enum line_result r;
	const char *err;
	size_t len, n;

	if (max > sizeof(fields) / sizeof(fields[0]))
		max = sizeof(fields) / sizeof(fields[0]);
	while ((r = lines_read(f, line, &len)) != LINE_EOF) {
		char *p = line;

		lineno++;
		if (r != LINE_OK) {
			err = r == LINE_NUL ? _("NUL byte") : _("line longer than 4096 bytes");
			goto fail;
		}
		if (lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;      /* a BOM, as spreadsheets write */
		if (strpbrk(p, "\r\n") != NULL) {
			err = _("a CR or LF inside a line");
			goto fail;
		}
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '#')
			continue;
		if (csv_split(p, sep, fields, max, columns, &n, &err) < 0)
			goto fail;
		if (n < min) {
			err = min == max ?
				errmsg_printf(_("expected %zu fields: %s"), min, columns) :
				errmsg_printf(_("expected %zu to %zu fields: %s"), min, max,
					      columns);
			goto fail;
		}
		if (strlen(fields[0]) == first_len &&
		    strncasecmp(fields[0], columns, first_len) == 0) {
			/* the header line, first or not at all (with a
			   default_domain it would pass for an account) */
			if (seen_data) {
				err = _("a header line after the first line");
				goto fail;
			}
			seen_data = true;
			continue;
		}
		seen_data = true;
		if (fn(ctx, fields, n, lineno, &err) < 0)
			goto fail;
	}
	if (ferror(f)) {
		*error_r = errmsg_printf(_("%s: read error: %s"), name, strerror(errno));
		return -1;
	}
	return 0;
fail:
	*error_r = errmsg_printf("%s:%lu: %s", name, lineno, err);
	return -1;
}

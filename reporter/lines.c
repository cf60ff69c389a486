/* lines.c - bounded line reading. */
#include "lines.h"

enum line_result lines_read(FILE *f, char *buf, size_t *len_r)
{
	enum line_result result = LINE_OK;
	size_t len = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			result = LINE_NUL;
		else if (len == LINE_MAX_BYTES)
			result = result == LINE_OK ? LINE_TOO_LONG : result;
		else
			buf[len++] = (char)c;
	}
	if (c == EOF && len == 0 && result == LINE_OK)
		return LINE_EOF;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	*len_r = len;
	return result;
}

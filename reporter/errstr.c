/* errstr.c - error messages for the reporter's helpers. */
#include "errstr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char errstr_buf[ERRSTR_MAX];

const char *errstr_printf(const char *fmt, ...)
{
	char tmp[ERRSTR_MAX];
	va_list args;

	/* through tmp: an argument may be the previous message */
	va_start(args, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, args);
	va_end(args);
	memcpy(errstr_buf, tmp, sizeof(errstr_buf));
	return errstr_buf;
}

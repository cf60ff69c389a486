/* errmsg.c - the thread's error message buffer (errmsg.h). */
#include "errmsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char errmsg_buf[ERRMSG_MAX];

const char *errmsg_printf(const char *fmt, ...)
{
	/* formatted apart: an argument may point into errmsg_buf */
	char msg[ERRMSG_MAX];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	memcpy(errmsg_buf, msg, sizeof(msg));
	return errmsg_buf;
}

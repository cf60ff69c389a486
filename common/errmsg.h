/* errmsg.h - the one buffer behind every formatted error message of
 * libdormant (and of the milter's own modules, built on it).
 *
 * The convention, everywhere: a function that fails returns -1 (or NULL)
 * and sets *error_r to a message. The message is either static text or
 * text formatted here, into one buffer per thread, and stays valid until
 * the same thread's next call into libdormant (any module: the store, the
 * configuration, ...). A caller that needs it longer copies it. Threads
 * never share the buffer, so a handle used by several threads (the
 * milter's store) gives each its own messages. */
#ifndef DORMANT_ERRMSG_H
#define DORMANT_ERRMSG_H

/* Room for a configuration line (CONFIG_LINE_MAX) and a path around it;
   a longer message is cut. */
#define ERRMSG_MAX (4096 + 512)

/* Format a message into this thread's buffer and return it. The
   arguments may include the message the buffer holds now (a message
   that wraps another): it is formatted apart first. */
const char *errmsg_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif

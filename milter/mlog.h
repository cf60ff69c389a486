/* mlog.h - the milter's logging: syslog, stderr in the foreground, and a
 * rate limit for messages the network or a broken database can repeat.
 *
 * All functions are thread-safe (libmilter calls back from one thread per
 * MTA connection). Messages are formatted here; callers never pass text
 * from the network as a format, and pass it through mlog_escape() first. */
#ifndef DORMANT_MLOG_H
#define DORMANT_MLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* An identical rate-limited message is logged at most once per this many
   seconds, and at most MLOG_BURST distinct rate-limited messages go out per
   interval; the rest are counted and the count is logged later. */
#define MLOG_INTERVAL 60
#define MLOG_BURST 50

/* Buffer sizes for mlog_escape(): 4 output bytes per input byte (\xNN),
   + "..." + NUL. SHORT shows the first 64 bytes of hostile input; ACCOUNT
   holds any normalised account name (ACCOUNT_MAX = 320) whole. */
#define MLOG_ESCAPE_SHORT (64 * 4 + 3 + 1)
#define MLOG_ESCAPE_ACCOUNT (320 * 4 + 3 + 1)

/* Start logging as ident to facility; to_stderr also copies every line,
   libmilter's own included, to standard error (LOG_PERROR; a daemon's
   stderr is /dev/null once it is ready). Call before any thread starts. */
void mlog_open(const char *ident, int facility, bool to_stderr);
void mlog_close(void);

void mlog(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same under the rate limit. Returns true if the line was logged,
   false if it was suppressed. Never tie a record to it: what the store
   keeps must not depend on what the log had room for. */
bool mlog_limited(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Text of an untrusted string as it goes into a log line: printable ASCII
   as is, '\\' and '"' escaped, any other byte (NUL, control, 8-bit) as
   \xNN; cut with "..." where buf (bufsize >= 8) is full. Returns buf. */
const char *mlog_escape(const char *in, size_t len, char *buf, size_t bufsize);

#endif

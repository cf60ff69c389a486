/* mlog.c - syslog and stderr logging with a rate limit (see mlog.h).
 *
 * The rate limit keeps a broken database or a client repeating one bad
 * name from writing a line per message: a small table remembers the hash
 * of recent lines, and a per-interval budget caps distinct lines, so an
 * attacker varying the text cannot flood the log either. */
#include "mlog.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MLOG_LINE_MAX 1024
#define MLOG_SLOTS 32

struct mlog_slot {
	uint64_t hash;
	int64_t last;                /* monotonic seconds; 0: free */
	unsigned long suppressed;
};

static struct {
	pthread_mutex_t lock;
	struct mlog_slot slots[MLOG_SLOTS];
	int64_t window_start;
	unsigned int window_count;
	unsigned long window_dropped;
} ml = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

void mlog_open(const char *ident, int facility, bool to_stderr)
{
	openlog(ident, LOG_PID | LOG_NDELAY | (to_stderr ? LOG_PERROR : 0),
		facility);
}

void mlog_close(void)
{
	closelog();
}

static void mlog_write(int priority, const char *line)
{
	syslog(priority, "%s", line);
}

void mlog(int priority, const char *fmt, ...)
{
	char line[MLOG_LINE_MAX];
	va_list args;

	va_start(args, fmt);
	vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	mlog_write(priority, line);
}

static uint64_t mlog_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;      /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int64_t mlog_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec + 1;     /* never 0: 0 marks a free slot */
}

bool mlog_limited(int priority, const char *fmt, ...)
{
	char line[MLOG_LINE_MAX];
	struct mlog_slot *slot = NULL, *oldest = &ml.slots[0];
	unsigned long repeated = 0, dropped = 0;
	uint64_t hash;
	int64_t now;
	va_list args;

	va_start(args, fmt);
	vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	hash = mlog_hash(line);
	now = mlog_now();

	pthread_mutex_lock(&ml.lock);
	if (now - ml.window_start >= MLOG_INTERVAL) {
		dropped = ml.window_dropped;
		ml.window_start = now;
		ml.window_count = 0;
		ml.window_dropped = 0;
	}
	for (int i = 0; i < MLOG_SLOTS; i++) {
		if (ml.slots[i].last != 0 && ml.slots[i].hash == hash) {
			slot = &ml.slots[i];
			break;
		}
		if (ml.slots[i].last < oldest->last)
			oldest = &ml.slots[i];
	}
	if (slot != NULL && now - slot->last < MLOG_INTERVAL) {
		slot->suppressed++;
		pthread_mutex_unlock(&ml.lock);
		if (dropped > 0)
			mlog(LOG_WARNING, "%lu log messages suppressed in the last "
			     "%d seconds (rate limit)", dropped, MLOG_INTERVAL);
		return false;
	}
	if (ml.window_count >= MLOG_BURST) {
		ml.window_dropped++;
		pthread_mutex_unlock(&ml.lock);
		return false;
	}
	if (slot == NULL) {
		slot = oldest;
		slot->hash = hash;
		slot->suppressed = 0;
	}
	repeated = slot->suppressed;
	slot->suppressed = 0;
	slot->last = now;
	ml.window_count++;
	pthread_mutex_unlock(&ml.lock);

	if (dropped > 0)
		mlog(LOG_WARNING, "%lu log messages suppressed in the last %d "
		     "seconds (rate limit)", dropped, MLOG_INTERVAL);
	if (repeated > 0)
		mlog(priority, "%s (and %lu more times since last logged)", line,
		     repeated);
	else
		mlog_write(priority, line);
	return true;
}

const char *mlog_escape(const char *in, size_t len, char *buf, size_t bufsize)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		size_t need = c == '\\' || c == '"' ? 2 : c >= 0x20 && c < 0x7f ? 1 : 4;

		/* room for this byte and for "..." + NUL after it */
		if (o + need + 4 > bufsize)
			break;
		if (need == 2) {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (need == 1) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

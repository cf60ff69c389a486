/* logline.c - Dovecot and Postfix log lines to activity events. */
#include "logline.h"

#include <string.h>
#include <time.h>
#include "timeutil.h"

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

void logline_init(struct logline_ctx *ctx, int64_t reference,
		  const struct account_rules *rules)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->reference = reference;
	ctx->rules = *rules;
	ctx->cache_year = -1;
}

static const char *find(const char *hay, size_t len, const char *needle)
{
	return memmem(hay, len, needle, strlen(needle));
}

/* Whether the n bytes at p begin with lit (lines are not NUL-terminated:
   never compare past n). */
static bool starts(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(p, lit, l) == 0;
}

static int digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int64_t local_hour(struct logline_ctx *ctx, int year, int mon, int mday,
			  int hour)
{
	struct tm tm;

	if (year == ctx->cache_year && mon == ctx->cache_mon &&
	    mday == ctx->cache_mday && hour == ctx->cache_hour)
		return ctx->cache_base;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_isdst = -1;
	ctx->cache_base = (int64_t)mktime(&tm);
	ctx->cache_year = year;
	ctx->cache_mon = mon;
	ctx->cache_mday = mday;
	ctx->cache_hour = hour;
	return ctx->cache_base;
}

/* "Nov 24 10:00:00 " -> time; returns bytes used or -1. */
static int classic_stamp(struct logline_ctx *ctx, const char *p, size_t len,
			 int64_t *t_r)
{
	const char *m;
	int mon, mday, h, mi, s, year;
	struct tm ref;
	time_t rt = (time_t)ctx->reference;
	int64_t t;

	if (len < 16 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':' ||
	    p[15] != ' ')
		return -1;
	m = memmem(months, sizeof(months) - 1, p, 3);
	if (m == NULL || (m - months) % 3 != 0)
		return -1;
	mon = (int)((m - months) / 3);
	mday = p[4] == ' ' ? digits(p + 5, 1) : digits(p + 4, 2);
	h = digits(p + 7, 2);
	mi = digits(p + 10, 2);
	s = digits(p + 13, 2);
	if (mday < 1 || mday > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 60)
		return -1;
	localtime_r(&rt, &ref);
	year = ref.tm_year + 1900;
	t = local_hour(ctx, year, mon, mday, h) + mi * 60 + s;
	if (t > ctx->reference + 86400)
		t = local_hour(ctx, year - 1, mon, mday, h) + mi * 60 + s;
	*t_r = t;
	return 16;
}

/* "2026-11-24T10:00:00.123456+01:00 " -> time; returns bytes used or -1. */
static int rfc3339_stamp(const char *p, size_t len, int64_t *t_r)
{
	char buf[48];
	size_t n = 0;

	while (n < len && p[n] != ' ' && n < sizeof(buf) - 1)
		n++;
	if (n == len || p[n] != ' ' || n < 19)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (time_parse_rfc3339(buf, t_r) < 0)
		return -1;
	return (int)n + 1;
}

/* Copy the value after "key" up to one of the stop bytes. */
static size_t field(const char *msg, size_t len, const char *key,
		    const char *stops, const char **value_r)
{
	const char *p = find(msg, len, key), *end = msg + len, *q;

	if (p == NULL)
		return (size_t)-1;
	p += strlen(key);
	for (q = p; q < end && strchr(stops, *q) == NULL; q++)
		;
	*value_r = p;
	return (size_t)(q - p);
}

static int copy_ip(const char *p, size_t n, char ip[IP_TEXT_MAX])
{
	struct ip_bin bin;
	char buf[IP_TEXT_MAX + 8];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (ip_parse(buf, &bin) < 0)
		return -1;
	ip_format(&bin, ip);
	return 0;
}

static enum logline_result dovecot_login(struct logline_ctx *ctx,
					 const char *msg, size_t len,
					 struct logline_event *ev,
					 const char **error_r)
{
	const char *login = find(msg, len, "-login: "), *end = msg + len;
	const char *what, *user, *uend, *tail, *svc, *rip;
	enum logline_result result;
	size_t n, rest, wn, tn;

	if (login == NULL)
		return LOGLINE_NONE;
	rest = len - (size_t)(login - msg);
	/* "imap-login: [Info: ]WHAT... user=<NAME>, FIELDS": what is said is
	   read before user=<, the fields after its '>', so a hostile name
	   can forge neither */
	user = find(login, rest, "user=<");
	if (user == NULL)
		return LOGLINE_NONE;
	user += 6;
	what = login + 8;
	if (starts(what, rest - 8, "Info: "))
		what += 6;
	wn = what < user ? (size_t)(user - what) : 0;
	if (starts(what, wn, "Login: user=<") ||            /* 2.3 */
	    starts(what, wn, "Logged in: user=<")) {        /* 2.4 */
		result = LOGLINE_EVENT;
	} else if ((starts(what, wn, "Disconnected") ||       /* 2.3 */
		    starts(what, wn, "Aborted login") ||
		    starts(what, wn, "Login aborted")) &&     /* 2.4 */
		   /* 2.3 "(user disabled)", 2.4 "(user disabled, 1 attempts
		      in 0 secs) (user_disabled)" */
		   (find(what, wn, " (user disabled)") != NULL ||
		    find(what, wn, " (user disabled, ") != NULL)) {
		/* refused by a deny passdb; user=<> is no account */
		if (user < end && *user == '>')
			return LOGLINE_NONE;
		result = LOGLINE_REFUSED;
	} else {
		return LOGLINE_NONE;
	}
	uend = memchr(user, '>', (size_t)(end - user));
	if (uend == NULL) {
		*error_r = "Dovecot login line with an unterminated user=<>";
		return LOGLINE_MALFORMED;
	}
	tail = uend + 1;
	tn = (size_t)(end - tail);
	if (find(tail, tn, "master=<") != NULL ||
	    find(tail, tn, "master_user=<") != NULL)
		return LOGLINE_MASTER;
	for (svc = login; svc > msg && svc[-1] != ' ' && svc[-1] != ':' &&
	     svc[-1] != ']'; svc--)
		;
	n = (size_t)(login - svc);
	if (n == 0 || n > ACTIVITY_SERVICE_MAX) {
		*error_r = "Dovecot login line without a service name";
		return LOGLINE_MALFORMED;
	}
	memcpy(ev->service, svc, n);
	ev->service[n] = '\0';
	if (account_normalize(user, (size_t)(uend - user), ACCOUNT_LOGIN,
			      &ctx->rules, ev->account, error_r) < 0)
		return LOGLINE_MALFORMED;
	n = field(tail, tn, "rip=", ", ", &rip);
	if (n == (size_t)-1 || copy_ip(rip, n, ev->ip) < 0)
		ev->ip[0] = '\0';
	ev->kind = ACTIVITY_LOGIN;
	return result;
}

static enum logline_result postfix_send(struct logline_ctx *ctx,
					const char *msg, size_t len,
					struct logline_event *ev,
					const char **error_r)
{
	const char *client, *user, *lb;
	size_t n, un;

	un = field(msg, len, ", sasl_username=", ", ", &user);
	if (un == (size_t)-1)
		return LOGLINE_NONE;
	if (find(msg, len, "postfix") == NULL || find(msg, len, "authentication failed") != NULL)
		return LOGLINE_NONE;
	n = field(msg, len, " client=", ",", &client);
	if (n == (size_t)-1)
		return LOGLINE_NONE;
	if (account_normalize(user, un, ACCOUNT_LOGIN, &ctx->rules, ev->account,
			      error_r) < 0)
		return LOGLINE_MALFORMED;
	/* client=host[ip] */
	lb = memchr(client, '[', n);
	if (lb != NULL && client[n - 1] == ']' &&
	    copy_ip(lb + 1, (size_t)(client + n - 1 - lb - 1), ev->ip) == 0)
		;
	else
		ev->ip[0] = '\0';
	memcpy(ev->service, "smtp", 5);
	ev->kind = ACTIVITY_SEND;
	return LOGLINE_EVENT;
}

enum logline_result logline_parse(struct logline_ctx *ctx, const char *line,
				  size_t len, struct logline_event *ev_r,
				  const char **error_r)
{
	struct logline_event ev;
	enum logline_result r;
	int used;

	/* cheap filter first: most lines are neither */
	if (find(line, len, "user=<") == NULL &&
	    find(line, len, "sasl_username=") == NULL)
		return LOGLINE_NONE;
	memset(&ev, 0, sizeof(ev));
	if (len > 4 && line[4] == '-' && line[0] >= '0' && line[0] <= '9')
		used = rfc3339_stamp(line, len, &ev.time);
	else
		used = classic_stamp(ctx, line, len, &ev.time);
	r = dovecot_login(ctx, line + (used > 0 ? used : 0),
			  len - (size_t)(used > 0 ? used : 0), &ev, error_r);
	if (r == LOGLINE_NONE)
		r = postfix_send(ctx, line + (used > 0 ? used : 0),
				 len - (size_t)(used > 0 ? used : 0), &ev, error_r);
	if (r != LOGLINE_EVENT && r != LOGLINE_REFUSED)
		return r;
	if (used < 0) {
		*error_r = "no time stamp (neither RFC 3339 nor 'Mon DD HH:MM:SS')";
		return LOGLINE_MALFORMED;
	}
	if (ev.time <= 0) {
		*error_r = "time stamp before 1970";
		return LOGLINE_MALFORMED;
	}
	*ev_r = ev;
	return r;
}

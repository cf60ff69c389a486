/* logline.c - Dovecot and Postfix log lines to activity events.
 *
 * A line is read by position, never searched for a phrase: the stamp,
 * then the syslog host and program tag (none in Dovecot's own log files),
 * then the event at the start of the message, then that event's fields.
 * Postfix writes a client's MAIL FROM and RCPT TO verbatim into its reject
 * lines, so a phrase found anywhere else in a line may be a stranger's. */
#include "logline.h"

#include <string.h>
#include <time.h>
#include "timeutil.h"

/* Part of a line: lines are not NUL-terminated and may hold NUL bytes. */
struct span {
	const char *p;
	size_t n;
};

enum program {
	PROGRAM_OTHER,
	PROGRAM_DOVECOT,             /* "dovecot:", or Dovecot's own log file */
	PROGRAM_SMTPD,               /* "postfix[-x][/y]/smtpd[pid]:" */
};

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

void logline_init(struct logline_ctx *ctx, int64_t reference,
		  const struct account_rules *rules)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->reference = reference;
	ctx->rules = *rules;
	ctx->cache_year = -1;
}

static const char *find(struct span s, const char *needle)
{
	return memmem(s.p, s.n, needle, strlen(needle));
}

static bool starts(struct span s, const char *lit)
{
	size_t l = strlen(lit);

	return s.n >= l && memcmp(s.p, lit, l) == 0;
}

static bool ends(struct span s, const char *lit)
{
	size_t l = strlen(lit);

	return s.n >= l && memcmp(s.p + s.n - l, lit, l) == 0;
}

static bool equals(struct span s, const char *lit)
{
	return s.n == strlen(lit) && starts(s, lit);
}

static void advance(struct span *s, size_t n)
{
	s->p += n;
	s->n -= n;
}

/* Step over lit if s begins with it. */
static bool skip(struct span *s, const char *lit)
{
	if (!starts(*s, lit))
		return false;
	advance(s, strlen(lit));
	return true;
}

/* The bytes up to the next ", " (a field separator) or the end. */
static struct span until_comma(struct span s)
{
	const char *q = find(s, ", ");

	return (struct span){ s.p, q != NULL ? (size_t)(q - s.p) : s.n };
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(p[i]))
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

/* "HH:MM:SS" at p (8 bytes, checked by the caller) into seconds of the
   day after the hour; the hour in *h_r. -1 if it is no time. */
static int clock_time(const char *p, int *h_r)
{
	int h = digits(p, 2), mi = digits(p + 3, 2), s = digits(p + 6, 2);

	if (p[2] != ':' || p[5] != ':' || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60)
		return -1;
	*h_r = h;
	return mi * 60 + s;
}

/* Syslog's "Sep  4 08:15:02 ", also "Sep 04" (Dovecot, Postfix's own
   log file) and "Sep 4" (some syslog daemons) -> time; bytes used or -1.
   No year: the one that puts the stamp at most a day after the
   reference. */
static int classic_stamp(struct logline_ctx *ctx, const char *p, size_t len,
			 int64_t *t_r)
{
	const char *m;
	size_t i = 4, dn;
	int mon, mday, h, rest, year;
	struct tm ref;
	time_t rt = (time_t)ctx->reference;
	int64_t t;

	if (len < 16 || p[3] != ' ')
		return -1;
	m = memmem(months, sizeof(months) - 1, p, 3);
	if (m == NULL || (m - months) % 3 != 0)
		return -1;
	mon = (int)((m - months) / 3);
	if (p[i] == ' ')
		i++;
	dn = is_digit(p[i + 1]) ? 2 : 1;
	mday = digits(p + i, (int)dn);
	i += dn;
	if (mday < 1 || mday > 31 || p[i] != ' ' || len < i + 10 ||
	    p[i + 9] != ' ' || (rest = clock_time(p + i + 1, &h)) < 0)
		return -1;
	localtime_r(&rt, &ref);
	year = ref.tm_year + 1900;
	t = local_hour(ctx, year, mon, mday, h) + rest;
	if (t > ctx->reference + 86400)
		t = local_hour(ctx, year - 1, mon, mday, h) + rest;
	*t_r = t;
	return (int)i + 10;
}

/* Dovecot's log_timestamp "%Y-%m-%d %H:%M:%S " (optionally with
   ".%{usecs}"), local time -> time; bytes used or -1. */
static int dovecot_stamp(struct logline_ctx *ctx, const char *p, size_t len,
			 int64_t *t_r)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year, mon, mday, h, rest;
	size_t i = 19;

	if (len < 20 || p[4] != '-' || p[7] != '-' || p[10] != ' ')
		return -1;
	year = digits(p, 4);
	mon = digits(p + 5, 2);
	mday = digits(p + 8, 2);
	if (year < 1970 || mon < 1 || mon > 12 || mday < 1 ||
	    mday > mdays[mon - 1] || (rest = clock_time(p + 11, &h)) < 0)
		return -1;
	if (p[i] == '.') {
		for (i++; i < len && is_digit(p[i]); i++)
			;
	}
	if (i >= len || p[i] != ' ')
		return -1;
	*t_r = local_hour(ctx, year, mon - 1, mday, h) + rest;
	return (int)i + 1;
}

/* "2026-11-24T10:00:00.123456+01:00 " -> time; bytes used or -1. */
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

static int stamp(struct logline_ctx *ctx, const char *p, size_t len,
		 int64_t *t_r)
{
	if (len > 10 && is_digit(p[0]) && p[4] == '-')
		return p[10] == ' ' ? dovecot_stamp(ctx, p, len, t_r) :
			rfc3339_stamp(p, len, t_r);
	return classic_stamp(ctx, p, len, t_r);
}

/* A Dovecot login process's prefix, "imap-login: " (any service name
   ending in "-login"); its service ("imap") into *svc_r. */
static bool login_prefix(struct span *s, struct span *svc_r)
{
	size_t i = 0;

	while (i < s->n && (s->p[i] == '-' || s->p[i] == '_' || is_digit(s->p[i]) ||
			    (s->p[i] >= 'a' && s->p[i] <= 'z') ||
			    (s->p[i] >= 'A' && s->p[i] <= 'Z')))
		i++;
	if (i <= 6 || s->n < i + 2 || s->p[i] != ':' || s->p[i + 1] != ' ' ||
	    memcmp(s->p + i - 6, "-login", 6) != 0)
		return false;
	*svc_r = (struct span){ s->p, i - 6 };
	advance(s, i + 2);
	return true;
}

/* A syslog program tag, "NAME: " or "NAME[PID]: ", stepped over. */
static enum program program_tag(struct span *s)
{
	struct span name;
	size_t i = 0, pid;

	while (i < s->n && s->p[i] != ' ' && s->p[i] != '[' && s->p[i] != ':')
		i++;
	name = (struct span){ s->p, i };
	if (i < s->n && s->p[i] == '[') {
		for (pid = ++i; i < s->n && is_digit(s->p[i]); i++)
			;
		if (i == pid || i == s->n || s->p[i++] != ']')
			return PROGRAM_OTHER;
	}
	if (name.n == 0 || s->n < i + 2 || s->p[i] != ':' || s->p[i + 1] != ' ')
		return PROGRAM_OTHER;
	advance(s, i + 2);
	if (equals(name, "dovecot"))
		return PROGRAM_DOVECOT;
	/* syslog_name "postfix", "postfix-out", "postfix/submission"... */
	if (starts(name, "postfix") && ends(name, "/smtpd") &&
	    (name.p[7] == '/' || name.p[7] == '-'))
		return PROGRAM_SMTPD;
	return PROGRAM_OTHER;
}

/* What follows the stamp: Dovecot's own log file goes on with the login
   process's prefix; syslog with the host (optional) and the program. */
static enum program header(struct span *s)
{
	struct span t = *s, svc;
	enum program prog;
	const char *sp;

	if (login_prefix(&t, &svc))
		return PROGRAM_DOVECOT;
	if ((prog = program_tag(&t)) != PROGRAM_OTHER) {
		*s = t;
		return prog;
	}
	sp = memchr(s->p, ' ', s->n);
	if (sp == NULL || sp == s->p)
		return PROGRAM_OTHER;
	advance(s, (size_t)(sp - s->p) + 1);
	return program_tag(s);
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

/* Where the user field begins in a login process's message: the first
   "user=<" that starts a field (after ": " or ", "). */
static const char *user_field(struct span m)
{
	for (size_t i = 2; i + 6 <= m.n; i++) {
		if (memcmp(m.p + i, "user=<", 6) == 0 &&
		    (m.p[i - 2] == ':' || m.p[i - 2] == ',') && m.p[i - 1] == ' ')
			return m.p + i;
	}
	return NULL;
}

/* What a login process's message says before its fields (head): a login,
   a login proxied elsewhere, or a refusal by a deny passdb. */
static enum logline_result dovecot_verdict(struct span head, bool proxied)
{
	if (proxied)
		return find(head, " (master ") != NULL ? LOGLINE_MASTER :
			LOGLINE_EVENT;
	if (equals(head, "Login") || starts(head, "Login: ") ||        /* 2.3 */
	    equals(head, "Logged in") || starts(head, "Logged in: "))  /* 2.4 */
		return LOGLINE_EVENT;
	/* 2.3 appends "(user disabled)" to whatever ended the connection
	   ("Disconnected", "Aborted login by logging out", "Client has quit
	   the connection"...); 2.4 says "Login aborted: REASON (user disabled,
	   N attempts in S secs) (user_disabled)". Last, so no earlier words
	   can forge it. */
	if (ends(head, " (user disabled)") ||
	    (starts(head, "Login aborted: ") && ends(head, " (user_disabled)")))
		return LOGLINE_REFUSED;
	return LOGLINE_NONE;
}

/* The message of a Dovecot login process, after the stamp and tag:
   "imap-login: [Info: ][proxy(NAME[,HOST:PORT]): ]EVENT: user=<NAME>, ..." */
static enum logline_result dovecot_login(struct logline_ctx *ctx,
					 struct span m,
					 struct logline_event *ev,
					 const char **error_r)
{
	struct span svc, head, user, tail, rip;
	enum logline_result result;
	bool proxied = false;
	const char *u, *q;

	if (!login_prefix(&m, &svc))
		return LOGLINE_NONE;
	(void)skip(&m, "Info: ");
	if (skip(&m, "proxy(")) {
		/* proxy(NAME): or, from 2.3.19 on, proxy(NAME,HOST:PORT):; then
		   "Started proxying to ..." (2.3.12 on) or "started proxying to
		   HOST:PORT" (until 2.3.11) */
		if ((q = find(m, "): ")) == NULL)
			return LOGLINE_NONE;
		advance(&m, (size_t)(q - m.p) + 3);
		if (!starts(m, "Started proxying to ") &&
		    !starts(m, "started proxying to "))
			return LOGLINE_NONE;
		proxied = true;
	}
	if ((u = user_field(m)) == NULL)
		return LOGLINE_NONE;
	head = (struct span){ m.p, (size_t)(u - m.p) - 2 };
	result = dovecot_verdict(head, proxied);
	if (result == LOGLINE_NONE)
		return LOGLINE_NONE;
	/* NAME ends at the '>' that ends the field: names may hold '>', but
	   never white space, so never ">, " */
	advance(&m, (size_t)(u - m.p) + 6);
	for (q = m.p; (q = memchr(q, '>', m.n - (size_t)(q - m.p))) != NULL; q++) {
		if (q + 1 == m.p + m.n || (q + 2 < m.p + m.n && q[1] == ',' &&
					   q[2] == ' '))
			break;
	}
	if (q == NULL) {
		*error_r = "Dovecot login line with an unterminated user=<>";
		return LOGLINE_MALFORMED;
	}
	user = (struct span){ m.p, (size_t)(q - m.p) };
	tail = (struct span){ q + 1, m.n - user.n - 1 };
	if (result == LOGLINE_REFUSED && user.n == 0)
		return LOGLINE_NONE;          /* user=<>: no account was named */
	if (find(tail, ", master=<") != NULL ||
	    find(tail, ", master_user=<") != NULL)
		return LOGLINE_MASTER;
	if (svc.n == 0 || svc.n > ACTIVITY_SERVICE_MAX) {
		*error_r = "Dovecot login line without a service name";
		return LOGLINE_MALFORMED;
	}
	/* Dovecot logs at most 80 bytes of a name: a longer one ends in
	   "..." after 74 to 77 of its bytes, and is someone else's name */
	if (user.n >= 77 && ends(user, "...")) {
		*error_r = "a name Dovecot cut at 80 bytes";
		return LOGLINE_MALFORMED;
	}
	memcpy(ev->service, svc.p, svc.n);
	ev->service[svc.n] = '\0';
	if (account_normalize(user.p, user.n, ACCOUNT_LOGIN, &ctx->rules,
			      ev->account, error_r) < 0)
		return LOGLINE_MALFORMED;
	ev->ip[0] = '\0';
	if ((q = find(tail, ", rip=")) != NULL) {
		advance(&tail, (size_t)(q - tail.p) + 6);
		rip = until_comma(tail);
		if (copy_ip(rip.p, rip.n, ev->ip) < 0)
			ev->ip[0] = '\0';
	}
	ev->kind = ACTIVITY_LOGIN;
	return result;
}

/* The client's address in "NAME[ADDR]" or "NAME[ADDR]:PORT"
   (smtpd_client_port_logging); "" if there is none. */
static void postfix_client_ip(struct span client, char ip[IP_TEXT_MAX])
{
	const char *lb = memchr(client.p, '[', client.n), *rb = NULL;

	ip[0] = '\0';
	for (size_t i = client.n; lb != NULL && i > 0; i--) {
		if (client.p[i - 1] == ']') {
			rb = client.p + i - 1;
			break;
		}
	}
	if (lb == NULL || rb == NULL || rb < lb)
		return;
	for (const char *p = rb + 1; p < client.p + client.n; p++) {
		if (!(p == rb + 1 ? *p == ':' : is_digit(*p)))
			return;
	}
	if (copy_ip(lb + 1, (size_t)(rb - lb - 1), ip) < 0)
		ip[0] = '\0';
}

/* The message of Postfix's smtpd, after the tag: "QUEUEID: client=NAME[ADDR],
   sasl_method=M, sasl_username=NAME[, sasl_sender=...]". */
static enum logline_result postfix_send(struct logline_ctx *ctx, struct span m,
					struct logline_event *ev,
					const char **error_r)
{
	struct span client, user;
	size_t i = 0;

	/* queue ids: short (hex) or long (base 52), or NOQUEUE */
	while (i < m.n && i <= 32 && (is_digit(m.p[i]) ||
				      (m.p[i] >= 'A' && m.p[i] <= 'Z') ||
				      (m.p[i] >= 'a' && m.p[i] <= 'z')))
		i++;
	if (i == 0 || i > 32)
		return LOGLINE_NONE;
	advance(&m, i);
	if (!skip(&m, ": client="))
		return LOGLINE_NONE;
	client = until_comma(m);
	advance(&m, client.n);
	/* then ", sasl_method=M, sasl_username=NAME": set together at AUTH,
	   printed in this order since Postfix 2.x */
	if (!skip(&m, ", sasl_method="))
		return LOGLINE_NONE;
	advance(&m, until_comma(m).n);
	if (!skip(&m, ", sasl_username="))
		return LOGLINE_NONE;
	user = until_comma(m);
	if (account_normalize(user.p, user.n, ACCOUNT_LOGIN, &ctx->rules,
			      ev->account, error_r) < 0)
		return LOGLINE_MALFORMED;
	postfix_client_ip(client, ev->ip);
	memcpy(ev->service, "smtp", 5);
	ev->kind = ACTIVITY_SEND;
	return LOGLINE_EVENT;
}

enum logline_result logline_parse(struct logline_ctx *ctx, const char *line,
				  size_t len, struct logline_event *ev_r,
				  const char **error_r)
{
	struct logline_event ev;
	struct span s = { line, len };
	enum logline_result r;
	int used;

	/* cheap filter first: most lines are neither */
	if (find(s, "user=<") == NULL && find(s, "sasl_username=") == NULL)
		return LOGLINE_NONE;
	memset(&ev, 0, sizeof(ev));
	used = stamp(ctx, line, len, &ev.time);
	if (used < 0) {
		*error_r = "no time stamp (RFC 3339, 'Mon DD HH:MM:SS' or "
			"'YYYY-MM-DD HH:MM:SS')";
		return LOGLINE_MALFORMED;
	}
	advance(&s, (size_t)used);
	switch (header(&s)) {
	case PROGRAM_DOVECOT:
		r = dovecot_login(ctx, s, &ev, error_r);
		break;
	case PROGRAM_SMTPD:
		r = postfix_send(ctx, s, &ev, error_r);
		break;
	default:
		return LOGLINE_NONE;
	}
	if (r != LOGLINE_EVENT && r != LOGLINE_REFUSED)
		return r;
	if (ev.time <= 0) {
		*error_r = "time stamp before 1970";
		return LOGLINE_MALFORMED;
	}
	*ev_r = ev;
	return r;
}

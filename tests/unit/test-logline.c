/* test-logline.c - log lines to events: the line forms Dovecot 2.3/2.4 and
 * Postfix really write (from their sources and from the integration
 * sandbox's logs), and lines a remote client can get into a log, which
 * must never become an event. Read in UTC, the year from 2026-01-05. */
#include "testutil.h"
#include "logline.h"
#include "timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define REFERENCE 1767571200    /* 2026-01-05T00:00:00Z */

struct line_case {
	const char *line;
	enum logline_result result;
	/* for LOGLINE_EVENT and LOGLINE_REFUSED: */
	const char *account, *service, *ip, *time;
};

#define NONE LOGLINE_NONE, NULL, NULL, NULL, NULL
#define MASTER LOGLINE_MASTER, NULL, NULL, NULL, NULL
#define MALFORMED LOGLINE_MALFORMED, NULL, NULL, NULL, NULL

static const struct line_case cases[] = {
	/* ---- Dovecot through syslog, classic stamps ---- */
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<a@x.org>, "
	  "method=PLAIN, rip=192.0.2.1, lip=192.0.2.2, mpid=1, session=<s>",
	  LOGLINE_EVENT, "a@x.org", "imap", "192.0.2.1", "2026-01-03T10:00:00Z" },
	/* journald adds the pid; days zero-padded, or not padded at all */
	{ "Jan 03 10:00:00 mx dovecot[812]: pop3-login: Login: user=<a@x.org>, "
	  "method=PLAIN, rip=192.0.2.1",
	  LOGLINE_EVENT, "a@x.org", "pop3", "192.0.2.1", "2026-01-03T10:00:00Z" },
	{ "Sep 4 08:15:02 mx dovecot: imap-login: Login: user=<a@x.org>, "
	  "method=PLAIN, rip=192.0.2.1",
	  LOGLINE_EVENT, "a@x.org", "imap", "192.0.2.1", "2025-09-04T08:15:02Z" },
	{ "Dec 31 23:59:59 mx dovecot: imap-urlauth-login: Login: user=<a@x.org>, "
	  "rip=192.0.2.1",
	  LOGLINE_EVENT, "a@x.org", "imap-urlauth", "192.0.2.1",
	  "2025-12-31T23:59:59Z" },
	/* RFC 3339 (rsyslog high precision) */
	{ "2026-09-04T08:15:02.123+07:00 mx dovecot: imap-login: Login: "
	  "user=<a@x.org>, method=PLAIN, rip=2001:db8::1",
	  LOGLINE_EVENT, "a@x.org", "imap", "2001:db8::1", "2026-09-04T01:15:02Z" },
	/* an IPv4 client on a dual-stack listener: stored as IPv4 */
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<a@x.org>, "
	  "method=PLAIN, rip=::ffff:192.0.2.9, lip=::ffff:192.0.2.2",
	  LOGLINE_EVENT, "a@x.org", "imap", "192.0.2.9", "2026-01-03T10:00:00Z" },
	/* user not first in login_log_format_elements */
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: method=PLAIN, "
	  "user=<a@x.org>, rip=192.0.2.1",
	  LOGLINE_EVENT, "a@x.org", "imap", "192.0.2.1", "2026-01-03T10:00:00Z" },
	/* a passwd-file name may hold '>': the field ends at ">, " */
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<a>b@x.org>, "
	  "method=PLAIN, rip=192.0.2.1",
	  LOGLINE_EVENT, "a>b@x.org", "imap", "192.0.2.1", "2026-01-03T10:00:00Z" },
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<a@x.org>",
	  LOGLINE_EVENT, "a@x.org", "imap", "", "2026-01-03T10:00:00Z" },

	/* ---- Dovecot's own log file (log_path), real 2.3.19 lines ---- */
	{ "2026-12-03 04:08:28 imap-login: Info: Login: user=<alice@example.test>, "
	  "method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=21702, secured, "
	  "session=<wNBt6bJhlJd/AAAB>",
	  LOGLINE_EVENT, "alice@example.test", "imap", "127.0.0.1",
	  "2026-12-03T04:08:28Z" },
	{ "2025-12-03 04:08:28.123456 imap-login: Info: Login: user=<a@x.org>, "
	  "rip=127.0.0.1",
	  LOGLINE_EVENT, "a@x.org", "imap", "127.0.0.1", "2025-12-03T04:08:28Z" },
	{ "Jan 04 12:00:00 imap-login: Info: Login: user=<own@x.org>, "
	  "method=PLAIN, rip=192.0.2.3, lip=127.0.0.1, mpid=1, session=<s>",
	  LOGLINE_EVENT, "own@x.org", "imap", "192.0.2.3", "2026-01-04T12:00:00Z" },
	/* 2.4 */
	{ "Nov 24 23:24:33 imap-login: Info: Logged in: user=<ann@example.test>, "
	  "method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=12443, secured, "
	  "session=<9tBLAw5hKIN/AAAB>",
	  LOGLINE_EVENT, "ann@example.test", "imap", "127.0.0.1",
	  "2025-11-24T23:24:33Z" },

	/* ---- proxies ---- */
	/* real 2.3.19 (Debian 12) */
	{ "2026-01-03 04:08:28 imap-login: Info: proxy(bob@example.test,"
	  "127.0.0.1:40687): Started proxying to <127.0.0.1> (0.013 secs): "
	  "user=<bob@example.test>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, "
	  "secured, session=<Ri9u6bJhmpd/AAAB>",
	  LOGLINE_EVENT, "bob@example.test", "imap", "127.0.0.1",
	  "2026-01-03T04:08:28Z" },
	/* 2.3.12-2.3.18: "Started proxying to %s" + " (%d.%03d secs)" */
	{ "Jan  3 10:00:00 px dovecot: imap-login: proxy(a@x.org): Started "
	  "proxying to 10.0.0.2 (0.003 secs): user=<a@x.org>, method=PLAIN, "
	  "rip=198.51.100.4, lip=10.0.0.1, session=<s>",
	  LOGLINE_EVENT, "a@x.org", "imap", "198.51.100.4", "2026-01-03T10:00:00Z" },
	/* until 2.3.11: "proxy(%s): started proxying to %s:%u" */
	{ "Jan  3 10:00:00 px dovecot: pop3-login: proxy(a@x.org): started "
	  "proxying to 10.0.0.2:110: user=<a@x.org>, method=PLAIN, "
	  "rip=198.51.100.4, lip=10.0.0.1",
	  LOGLINE_EVENT, "a@x.org", "pop3", "198.51.100.4", "2026-01-03T10:00:00Z" },
	/* 2.4: prefix proxy(USER,HOST:PORT), "Started proxying to remote host" */
	{ "Jan  3 10:00:00 px dovecot: imap-login: proxy(a@x.org,10.0.0.2:143): "
	  "Started proxying to remote host (0.005 secs): user=<a@x.org>, "
	  "method=PLAIN, rip=198.51.100.4, lip=10.0.0.1, mpid=0, "
	  "session=<s>",
	  LOGLINE_EVENT, "a@x.org", "imap", "198.51.100.4", "2026-01-03T10:00:00Z" },
	/* as a master user; a proxy's other lines */
	{ "Jan  3 10:00:00 px dovecot: imap-login: proxy(a@x.org): Started "
	  "proxying to <10.0.0.2> (master admin) (0.003 secs): user=<a@x.org>, "
	  "rip=198.51.100.4", MASTER },
	{ "2026-01-03 04:08:28 imap-login: Info: proxy(bob@example.test,"
	  "127.0.0.1:40687): Disconnected by server (0s idle, in=265, out=1081): "
	  "user=<bob@example.test>, method=PLAIN, rip=127.0.0.1", NONE },
	{ "Jan  3 10:00:00 px dovecot: imap-login: proxy(a@x.org): Login failed "
	  "to 10.0.0.2:143: Authentication failed: user=<a@x.org>", NONE },

	/* ---- refusals by a deny passdb ---- */
	/* real 2.3.19 */
	{ "2026-01-03 04:08:38 submission-login: Info: Disconnected: Aborted "
	  "login by logging out (user disabled): user=<carol@example.test>, "
	  "method=LOGIN, rip=127.0.0.1, lip=127.0.0.1, secured, "
	  "session=<kZF26bJh7LJ/AAAB>",
	  LOGLINE_REFUSED, "carol@example.test", "submission", "127.0.0.1",
	  "2026-01-03T04:08:38Z" },
	/* 2.3.0-2.3.14 submission-login on QUIT */
	{ "Jan  3 10:00:00 mx dovecot: submission-login: Client has quit the "
	  "connection (user disabled): user=<c@x.org>, method=PLAIN, "
	  "rip=192.0.2.7, lip=192.0.2.1, session=<s>",
	  LOGLINE_REFUSED, "c@x.org", "submission", "192.0.2.7",
	  "2026-01-03T10:00:00Z" },
	/* 2.4 */
	{ "Nov 24 23:25:16 imap-login: Info: Login aborted: Connection closed "
	  "(user disabled, 1 attempts in 0 secs) (user_disabled): "
	  "user=<bob@example.test>, method=PLAIN, rip=127.0.0.1",
	  LOGLINE_REFUSED, "bob@example.test", "imap", "127.0.0.1",
	  "2025-11-24T23:25:16Z" },
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Disconnected (user disabled): "
	  "user=<>, rip=192.0.2.7", NONE },
	/* a client's own words in the name field say nothing */
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 "
	  "attempts in 2 secs): user=<x (user disabled): user=<boss@x.org>, "
	  "method=PLAIN, rip=203.0.113.66", NONE },

	/* ---- not counted ---- */
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Disconnected (auth failed, 1 "
	  "attempts in 2 secs): user=<v@x.org>, method=PLAIN, rip=192.0.2.66",
	  NONE },
	{ "Jan  3 10:02:00 mx dovecot: imap-login: Login: user=<v@x.org>, "
	  "method=PLAIN, rip=192.0.2.1, master=<admin>, session=<s>", MASTER },
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<broken@x.org, "
	  "method=PLAIN", MALFORMED },
	/* Dovecot logs 77 bytes and "..." of a longer name */
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "@x.org...>, method=PLAIN, rip=192.0.2.1", MALFORMED },
	{ "Jan  3 10:00:00 mx dovecot: imap-login: Login: user=<a b@x.org>, "
	  "rip=192.0.2.1", MALFORMED },
	{ "imap-login: Login: user=<a@x.org>, rip=192.0.2.1", MALFORMED },

	/* ---- Postfix ---- */
	{ "Jan  3 11:00:00 mx postfix/smtpd[7]: 4F00D: client=h.example[192.0.2.5], "
	  "sasl_method=PLAIN, sasl_username=Sender@X.org",
	  LOGLINE_EVENT, "sender@x.org", "smtp", "192.0.2.5", "2026-01-03T11:00:00Z" },
	/* real: postlog file, smtpd_client_port_logging = yes */
	{ "Dec 03 04:08:46 mx postfix/smtpd[21698]: C597CA7221C: "
	  "client=localhost[127.0.0.1]:44918, sasl_method=PLAIN, "
	  "sasl_username=alice@example.test",
	  LOGLINE_EVENT, "alice@example.test", "smtp", "127.0.0.1",
	  "2025-12-03T04:08:46Z" },
	{ "Jan  3 11:00:00 mx postfix/submission/smtpd[7]: 3bTQmq0N6Hz9sWp: "
	  "client=h[2001:db8::1]:587, sasl_method=LOGIN, sasl_username=b@x.org, "
	  "sasl_sender=b@x.org",
	  LOGLINE_EVENT, "b@x.org", "smtp", "2001:db8::1", "2026-01-03T11:00:00Z" },
	{ "2026-01-03T11:00:00+00:00 mx postfix-out/smtpd[7]: 4F00D: "
	  "client=unknown[::ffff:192.0.2.8], sasl_method=PLAIN, sasl_username=c@x.org",
	  LOGLINE_EVENT, "c@x.org", "smtp", "192.0.2.8", "2026-01-03T11:00:00Z" },
	{ "Jan  3 11:00:00 mx postfix/smtpd[7]: 4F00D: client=h[192.0.2.5]",
	  NONE },
	{ "Jan  3 10:01:00 mx postfix/smtpd[8]: warning: unknown[192.0.2.67]: SASL "
	  "PLAIN authentication failed: UGFzc3dvcmQ6, sasl_username=v@x.org", NONE },
	{ "Jan  3 11:00:00 mx postfix/cleanup[9]: 4F00D: client=h[192.0.2.5], "
	  "sasl_method=PLAIN, sasl_username=b@x.org", NONE },
	{ "Jan  3 11:00:00 mx postfix/smtpd: 4F00D: client=h[192.0.2.5], "
	  "sasl_method=PLAIN, sasl_username=b@x.org",
	  LOGLINE_EVENT, "b@x.org", "smtp", "192.0.2.5", "2026-01-03T11:00:00Z" },

	/* ---- a remote client's words in real Postfix reject lines ---- */
	{ "Dec 03 04:09:28 mx postfix/smtpd[25193]: NOQUEUE: reject: RCPT from "
	  "localhost[127.0.0.1]: 554 5.7.1 <imap-login: Login: "
	  "user=<boss@example.test>, method=PLAIN, rip=1.2.3.4@elsewhere.invalid>: "
	  "Relay access denied; from=<\"x client=h[1.2.3.4], sasl_method=PLAIN, "
	  "sasl_username=boss@example.test, y\"@evil.invalid> to=<\"imap-login: "
	  "Login: user=<boss@example.test>, method=PLAIN, rip=1.2.3.4\""
	  "@elsewhere.invalid> proto=ESMTP helo=<client.sandbox.test>", NONE },
	{ "Dec 03 04:09:28 mx postfix/smtpd[25193]: NOQUEUE: reject: RCPT from "
	  "localhost[127.0.0.1]: 554 5.7.1 <pop3-login: Disconnected (user "
	  "disabled): user=<boss@example.test>, rip=1.2.3.4@elsewhere.invalid>: "
	  "Relay access denied; from=<x@evil.invalid> to=<\"pop3-login: "
	  "Disconnected (user disabled): user=<boss@example.test>, rip=1.2.3.4\""
	  "@elsewhere.invalid> proto=ESMTP helo=<client.sandbox.test>", NONE },
	{ "Dec 03 04:09:28 mx postfix/smtpd[25193]: NOQUEUE: reject: RCPT from "
	  "localhost[127.0.0.1]: 550 5.1.1 <nobody@example.test>: Recipient "
	  "address rejected: User unknown in virtual mailbox table; "
	  "from=<sasl_username=boss@example.test> to=<nobody@example.test> "
	  "proto=ESMTP helo=<client.sandbox.test>", NONE },
	/* a HELO name in a field of an smtpd line is no field of ours */
	{ "Jan  3 11:00:00 mx postfix/smtpd[7]: 4F00D: client=h[192.0.2.5], "
	  "helo=<x, sasl_username=boss@x.org>", NONE },
	/* other programs, other processes */
	{ "Jan  3 10:00:00 mx evil: imap-login: Login: user=<boss@x.org>", NONE },
	{ "Jan  3 10:00:00 mx dovecot: auth: imap-login: Login: user=<boss@x.org>",
	  NONE },
	{ "Jan  3 10:00:00 mx dovecot: imap(a@x.org)<1><s>: Logged out: "
	  "user=<boss@x.org>", NONE },
	{ "Jan  3 10:00:00 mx dovecotx: imap-login: Login: user=<boss@x.org>",
	  NONE },
	{ "Jan  3 10:00:00 mx postfix/smtpd-x[7]: 4F00D: client=h[192.0.2.5], "
	  "sasl_method=PLAIN, sasl_username=b@x.org", NONE },
};

static void test_lines(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(cases); i++) {
		const struct line_case *c = &cases[i];
		struct account_rules rules = { NULL, false, NULL };
		struct logline_ctx ctx;
		struct logline_event ev;
		const char *error = NULL;
		enum logline_result r;
		int64_t t = 0;

		memset(&ev, 0, sizeof(ev));
		logline_init(&ctx, REFERENCE, &rules);
		r = logline_parse(&ctx, c->line, strlen(c->line), &ev, &error);
		T_CHECK(r == c->result, "case %zu: result %d, expected %d (%s): %s",
			i, r, c->result, T_STR(error), c->line);
		if (r != c->result || c->account == NULL)
			continue;
		T_CHECK(time_parse_rfc3339(c->time, &t) == 0 && ev.time == t,
			"case %zu: time %lld, expected %s", i, (long long)ev.time,
			c->time);
		T_CHECK(strcmp(ev.account, c->account) == 0,
			"case %zu: account '%s', expected '%s'", i, ev.account,
			c->account);
		T_CHECK(strcmp(ev.service, c->service) == 0,
			"case %zu: service '%s', expected '%s'", i, ev.service,
			c->service);
		T_CHECK(strcmp(ev.ip, c->ip) == 0, "case %zu: ip '%s', expected '%s'",
			i, ev.ip, c->ip);
		T_CHECK(ev.kind == (strcmp(c->service, "smtp") == 0 ?
				    ACTIVITY_SEND : ACTIVITY_LOGIN),
			"case %zu: kind %d", i, ev.kind);
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	test_init();
	return cmocka_run_group_tests_name("logline", tests, NULL, NULL);
}

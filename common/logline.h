/* logline.h - recognise successful logins and authenticated sends in
 * Dovecot and Postfix log lines, for backfilling history (import-log).
 *
 * Read by position, as the servers write them, so that words a remote
 * client gets into a line (Postfix logs MAIL FROM and RCPT TO verbatim in
 * its reject lines) are never taken for an event:
 *   STAMP [HOST] TAG MESSAGE    syslog; TAG "dovecot[[PID]]:" or a
 *                               "postfix.../smtpd[PID]:" (syslog_name
 *                               postfix, postfix-out, postfix/submission...)
 *   STAMP SVC-login: MESSAGE    Dovecot's own log_path/info_log_path file
 * STAMP: RFC 3339 (rsyslog high precision, journald), "Mon DD HH:MM:SS"
 * (day padded with a space, a zero or not at all), or Dovecot's
 * log_timestamp "%Y-%m-%d %H:%M:%S ". Any other program's line is ignored.
 *
 * Counted (Dovecot MESSAGE after "SVC-login: [Info: ]"; the account is the
 * first user=<...> field, up to the '>' that ends the field):
 *   "Login: user=<NAME>, ..., rip=IP, ..." (2.3), "Logged in: ..." (2.4),
 *   "proxy(NAME[,HOST:PORT]): Started proxying to ...: user=<NAME>, ..."
 *   (a proxy's login; 2.3.12 on and 2.4; "started proxying" until 2.3.11)
 *   Postfix smtpd "QUEUEID: client=HOST[IP][:PORT], sasl_method=M,
 *   sasl_username=NAME" (sasl_username one of the line's own fields).
 * Refused: a message whose words end in "(user disabled)" (2.3: after
 *   "Disconnected", "Aborted login by logging out", "Client has quit the
 *   connection"...) or "Login aborted: ... (user_disabled)" (2.4): a deny
 *   passdb, such as the one dormant suspend writes, refused the account
 *   whatever password was given; not activity, kept by import-log as a
 *   refused-login event.
 * Not counted: failed logins, Postfix's SASL warnings, master-user logins
 * (a "master=<...>" or "master_user=<...>" field, as printed when
 * login_log_format_elements includes it, or a proxy's "(master NAME)").
 * Names Dovecot cut at 80 bytes (ending in "...") are malformed.
 * Classic stamps are read in the process's local time zone (TZ) with the
 * year inferred from a reference time (the file's mtime): a stamp more
 * than a day after the reference belongs to the year before, which also
 * handles a December-to-January rollover inside one file. */
#ifndef DORMANT_LOGLINE_H
#define DORMANT_LOGLINE_H

#include <stddef.h>
#include <stdint.h>
#include "account.h"
#include "record.h"

struct logline_event {
	enum activity_kind kind;     /* ACTIVITY_LOGIN or ACTIVITY_SEND */
	int64_t time;
	char account[ACCOUNT_MAX + 1];
	char service[ACTIVITY_SERVICE_MAX + 1];
	char ip[IP_TEXT_MAX];
};

struct logline_ctx {
	int64_t reference;           /* seconds: "now" for the year guess */
	struct account_rules rules;
	/* cache of the last classic stamp's hour (local time is costly) */
	int cache_year, cache_mon, cache_mday, cache_hour;
	int64_t cache_base;
};

enum logline_result {
	LOGLINE_NONE = 0,            /* not a line we count */
	LOGLINE_EVENT = 1,
	LOGLINE_MASTER = 2,          /* a master-user login: not counted */
	LOGLINE_REFUSED = 3,         /* a login refused as "user disabled" */
	LOGLINE_MALFORMED = -1,      /* looked like one, but broken */
};

void logline_init(struct logline_ctx *ctx, int64_t reference,
		  const struct account_rules *rules);
/* Parse one complete line, without its newline (NUL bytes allowed). For
   LOGLINE_MALFORMED *error_r says why. */
enum logline_result logline_parse(struct logline_ctx *ctx, const char *line,
				  size_t len, struct logline_event *ev_r,
				  const char **error_r);

#endif

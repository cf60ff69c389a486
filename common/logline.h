/* logline.h - recognise successful logins and authenticated sends in
 * Dovecot and Postfix log lines, for backfilling history (import-log).
 *
 * Counted:
 *   Dovecot  "<service>-login: [Info: ]Login: user=<NAME>, ..., rip=IP, ..."
 *            (2.3), "... Logged in: user=<NAME>, ..." (2.4)
 *   Postfix  "postfix/...: QUEUEID: client=HOST[IP], sasl_method=M,
 *             sasl_username=NAME"
 * Refused: Dovecot's "<service>-login: Disconnected... (user disabled):
 *   user=<NAME>, ..., rip=IP" (2.3) or "Login aborted: ... (user disabled,
 *   1 attempts in 0 secs) (user_disabled): user=<NAME>, ..." (2.4) (a deny
 *   passdb, such as the one dormant suspend writes,
 *   refused the account, whatever password was given): not activity, kept
 *   by import-log as a refused-login event.
 * Not counted: failed logins ("auth failed", "Disconnected ... user=<>"),
 * Postfix's "SASL ... authentication failed" warnings, and master-user
 * logins (a "master=<...>" or "master_user=<...>" field, as printed when
 * login_log_format_elements includes it).
 * Time stamps: RFC 3339 (rsyslog high precision, journald) or classic
 * "Mon DD HH:MM:SS", read in the process's local time zone (TZ) with the
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
/* Parse one line (no newline needed, NUL bytes allowed). For
   LOGLINE_MALFORMED *error_r says why. */
enum logline_result logline_parse(struct logline_ctx *ctx, const char *line,
				  size_t len, struct logline_event *ev_r,
				  const char **error_r);

#endif

/* audit.h - who runs the command, and the audit entries it writes. */
#ifndef DORMANT_AUDIT_H
#define DORMANT_AUDIT_H

#include <stdint.h>
#include <stddef.h>
#include "account.h"
#include "record.h"
#include "store.h"

/* Longest actor name kept (longer login names are cut). */
#define AUDIT_ACTOR_MAX 63

/* The login name of whoever runs the command: SUDO_USER under sudo as
   root, else the name of the real uid ("uid N" if it has none). */
const char *audit_actor(void);

/* Build one audit entry as a JSON object into buf:
   {"time":..,"actor":..,"action":..,"account":..,"reason":..[,"extra":..]}
   extra_key/extra_value may be NULL. action, extra_key and extra_value are
   the program's own words and time stamps (under 64 bytes each). Returns
   buf, or NULL if it does not fit (size bytes) or the stream fails. */
char *audit_json(char *buf, size_t size, int64_t time, const char *actor,
		 const char *action, const char *account, const char *reason,
		 const char *extra_key, const char *extra_value);

/* Set (st != NULL) or clear an account's state with its audit entry json
   in one transaction (store_state_set_at), and on success send the entry
   to syslog (authpriv) too: the database is writable by the mail uid, the
   system log is not, so the trail survives a rewrite of the database.
   0, or -1 with *error_r. */
int audit_state_set(struct store *store, const char *account,
		    const struct account_state *st, const char *json, int64_t t,
		    const char **error_r);

/* The same for a notice sent (store_notice_set_audited). */
int audit_notice_set(struct store *store, const char *account,
		     const struct notice *notice, const char *json, int64_t t,
		     const char **error_r);

/* The same for review records (store_review_write): a campaign started
   or closed, a unit reminded, an account revoked. */
int audit_review_write(struct store *store, const struct store_review_put *puts,
		       size_t count, const char *json, int64_t t,
		       const char **error_r);

/* Room for the worst case, so that no valid input is refused: every byte
   of actor, account and reason escaped as \uXXXX (6 bytes), plus the
   keys, two time stamps, the action and the extra member (hand-counted
   under 300 bytes; 512 kept). */
#define AUDIT_JSON_MAX (6 * (AUDIT_ACTOR_MAX + ACCOUNT_MAX + STATE_TEXT_MAX) + 512)

#endif

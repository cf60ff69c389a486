/* policy.h - classify an account from what is known about it
 * (doc/DESIGN.md §6). */
#ifndef DORMANT_POLICY_H
#define DORMANT_POLICY_H

#include <stdint.h>
#include "record.h"

enum account_status {
	STATUS_ACTIVE,
	STATUS_IDLE,
	STATUS_DORMANT,
	STATUS_NEVER_USED,
	STATUS_INSUFFICIENT_HISTORY,
	STATUS_EXEMPT,
	STATUS_SUSPENDED,
	STATUS_COUNT
};

struct policy {
	int64_t warn_after;      /* seconds */
	int64_t dormant_after;
	int64_t suspend_after;
};

/* What the classifier needs to know about one account. */
struct account_facts {
	int64_t last_activity;   /* max(last login, last send); 0 never */
	int64_t first_seen;      /* first seen in the directory; 0 unknown */
	int64_t tracking_start;  /* when history begins; 0 unknown */
	const struct account_state *state;   /* NULL: none */
};

/* Classify at time now. *idle_seconds_r gets the idle time the status was
   decided on (from last activity, or for accounts never used from the later
   of first seen and tracking start; never from 1970), or -1 when it cannot
   be known. */
enum account_status policy_classify(const struct policy *policy,
				    const struct account_facts *facts,
				    int64_t now, int64_t *idle_seconds_r);

/* "active", "idle", "dormant", "never-used", "insufficient-history",
   "exempt", "suspended". */
const char *policy_status_name(enum account_status status);
/* Reverse of policy_status_name; -1 if unknown. */
int policy_status_parse(const char *name);

#endif

/* policy.c - the dormancy classification (doc/DESIGN.md §6). */
#include "policy.h"

#include <string.h>

static const char *const status_names[STATUS_COUNT] = {
	"active", "idle", "dormant", "never-used", "insufficient-history",
	"exempt", "suspended",
};

enum account_status policy_classify(const struct policy *policy,
				    const struct account_facts *facts,
				    int64_t now, int64_t *idle_seconds_r)
{
	const struct account_state *st = facts->state;
	int64_t idle = -1, since;
	enum account_status status;

	if (facts->last_activity > 0) {
		idle = now - facts->last_activity;
		if (idle < 0)
			idle = 0;    /* clock skew between hosts */
	} else {
		since = facts->first_seen > facts->tracking_start ?
			facts->first_seen : facts->tracking_start;
		if (since > 0)
			idle = now > since ? now - since : 0;
	}
	*idle_seconds_r = idle;

	if (st != NULL && st->kind == STATE_SUSPENDED)
		return STATUS_SUSPENDED;
	if (st != NULL && st->kind == STATE_EXEMPT &&
	    (st->until == 0 || st->until > now))
		return STATUS_EXEMPT;

	if (facts->last_activity > 0) {
		if (idle < policy->warn_after)
			status = STATUS_ACTIVE;
		else if (idle < policy->dormant_after)
			status = STATUS_IDLE;
		else
			status = STATUS_DORMANT;
		return status;
	}
	/* Never used: only a finding when both the history we have and the
	   time the directory has known the account cover the threshold. */
	if (facts->tracking_start <= 0 ||
	    now - facts->tracking_start < policy->dormant_after)
		return STATUS_INSUFFICIENT_HISTORY;
	if (facts->first_seen <= 0 || idle < policy->dormant_after)
		return STATUS_INSUFFICIENT_HISTORY;
	return STATUS_NEVER_USED;
}

const char *policy_status_name(enum account_status status)
{
	return (unsigned)status < STATUS_COUNT ? status_names[status] : "unknown";
}

int policy_status_parse(const char *name)
{
	for (int i = 0; i < STATUS_COUNT; i++) {
		if (strcmp(status_names[i], name) == 0)
			return i;
	}
	return -1;
}

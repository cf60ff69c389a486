/* alert.c - the events a login or send raises (alert.h). */
#include "alert.h"

#include <string.h>

bool alert_event(const struct store_news *news, bool send, int64_t now,
		 int64_t dormant_after, struct account_event *ev_r)
{
	int64_t last = activity_last(&news->old);
	int64_t idle = last > 0 && now >= last ? now - last : -1;
	bool new_network = news->network == NETSET_NEW;

	memset(ev_r, 0, sizeof(*ev_r));
	ev_r->idle = idle;
	if (new_network)
		ev_r->flags |= EVENT_FLAG_NEW_NETWORK;
	if (news->suspended_since > 0)
		ev_r->flags |= EVENT_FLAG_SUSPENDED;
	/* one event per account and second (its key): a wake-up from a new
	   network is a wake-up that says so */
	if ((idle >= 0 && idle >= dormant_after) || news->suspended_since > 0)
		ev_r->kind = send ? EVENT_WAKEUP_SEND : EVENT_WAKEUP_LOGIN;
	else if (new_network)
		ev_r->kind = send ? EVENT_NEW_NETWORK_SEND : EVENT_NEW_NETWORK_LOGIN;
	else
		return false;
	return true;
}

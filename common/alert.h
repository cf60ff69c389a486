/* alert.h - which event a committed login or send raises (doc/DESIGN.md
 * §5.4): a wake-up (idle past dormant_after, or the first activity of a
 * suspended account since its suspension), else a login or send from a
 * network new to the account. The plugin and the milter share it; they
 * only record the event (and log it): delivery is the CLI's. */
#ifndef DORMANT_ALERT_H
#define DORMANT_ALERT_H

#include <stdbool.h>
#include <stdint.h>
#include "store.h"

/* True if news (from store_activity_record's committed write of a login,
   send = false, or a send, send = true, at time now) raises an event:
   then *ev_r holds its kind, flags and idle time, ip and service zero for
   the caller to fill. */
bool alert_event(const struct store_news *news, bool send, int64_t now,
		 int64_t dormant_after, struct account_event *ev_r);

#endif

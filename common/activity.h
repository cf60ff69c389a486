/* activity.h - what counts as activity, and how observations fold into
 * an account's activity: times only move forward, a login and a send are
 * activity, a delivery (last_receive) is kept but never makes an account
 * active, and an observation that changes nothing a reader cares about
 * within the coalescing interval need not be written. Pure functions: the
 * store applies them inside its transactions. */
#ifndef DORMANT_ACTIVITY_H
#define DORMANT_ACTIVITY_H

#include <stdbool.h>
#include <stdint.h>
#include "ipaddr.h"

#define ACTIVITY_SERVICE_MAX 15      /* longest service name kept */

/* Everything known about one account's activity. Times are seconds since
   the epoch, UTC; 0 means never. */
struct activity {
	int64_t last_login;
	int64_t last_send;
	int64_t last_receive;        /* informational: never makes an account active */
	struct ip_bin login_ip;
	struct ip_bin send_ip;
	char login_service[ACTIVITY_SERVICE_MAX + 1];
};

enum activity_kind {
	ACTIVITY_LOGIN,
	ACTIVITY_SEND,
	ACTIVITY_RECEIVE,
};

/* One observed event. service and ip may be NULL; ip is text ("10.0.0.1",
   "2001:db8::1"); an unparsable ip is stored as "none". */
struct activity_event {
	enum activity_kind kind;
	int64_t time;
	const char *service;
	const char *ip;
	/* for the networks record only (store_activity_record): the client's
	   name (IMAP ID), or NULL, and whether it came through webmail */
	const char *client;
	bool webmail;
};

/* Fold ev into rec by the "timestamps only move forward" rule: the event
   replaces the stored values of its kind only when it is newer.
   Returns true if rec changed. */
bool activity_apply(struct activity *rec, const struct activity_event *ev);

/* Fold a whole record src into rec by the same rule, kind by kind (merge,
   import). Returns true if rec changed. */
bool activity_merge(struct activity *rec, const struct activity *src);

/* True if writing ev would change nothing a reader cares about within
   interval seconds: ev is older than the stored time of its kind, or not
   more than interval newer (the same second included, whatever interval)
   with service and ip unchanged (write coalescing). */
bool activity_is_fresh(const struct activity *rec,
		       const struct activity_event *ev, unsigned int interval);

/* max(last_login, last_send): what the policy calls last activity. */
int64_t activity_last(const struct activity *rec);

#endif

/* activity.c - the activity rules (activity.h). */
#include "activity.h"

#include <string.h>

static void service_copy(char dst[ACTIVITY_SERVICE_MAX + 1], const char *src)
{
	size_t i = 0;

	/* keep printable ASCII only, so the record always decodes */
	if (src != NULL) {
		for (; src[i] != '\0' && i < ACTIVITY_SERVICE_MAX; i++) {
			unsigned char c = (unsigned char)src[i];
			dst[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
		}
	}
	memset(dst + i, 0, ACTIVITY_SERVICE_MAX + 1 - i);
}

static void event_ip(const struct activity_event *ev, struct ip_bin *ip_r)
{
	if (ev->ip == NULL || ip_parse(ev->ip, ip_r) < 0)
		memset(ip_r, 0, sizeof(*ip_r));
}

bool activity_apply(struct activity *rec, const struct activity_event *ev)
{
	switch (ev->kind) {
	case ACTIVITY_LOGIN:
		if (ev->time <= rec->last_login)
			return false;
		rec->last_login = ev->time;
		event_ip(ev, &rec->login_ip);
		service_copy(rec->login_service, ev->service);
		return true;
	case ACTIVITY_SEND:
		if (ev->time <= rec->last_send)
			return false;
		rec->last_send = ev->time;
		event_ip(ev, &rec->send_ip);
		return true;
	case ACTIVITY_RECEIVE:
		if (ev->time <= rec->last_receive)
			return false;
		rec->last_receive = ev->time;
		return true;
	}
	return false;
}

bool activity_merge(struct activity *rec, const struct activity *src)
{
	bool changed = false;

	if (src->last_login > rec->last_login) {
		rec->last_login = src->last_login;
		rec->login_ip = src->login_ip;
		memcpy(rec->login_service, src->login_service,
		       sizeof(rec->login_service));
		changed = true;
	}
	if (src->last_send > rec->last_send) {
		rec->last_send = src->last_send;
		rec->send_ip = src->send_ip;
		changed = true;
	}
	if (src->last_receive > rec->last_receive) {
		rec->last_receive = src->last_receive;
		changed = true;
	}
	return changed;
}

bool activity_is_fresh(const struct activity *rec,
		       const struct activity_event *ev, unsigned int interval)
{
	struct ip_bin ip;
	char service[ACTIVITY_SERVICE_MAX + 1];
	int64_t stored;

	switch (ev->kind) {
	case ACTIVITY_LOGIN:
		stored = rec->last_login;
		break;
	case ACTIVITY_SEND:
		stored = rec->last_send;
		break;
	case ACTIVITY_RECEIVE:
		stored = rec->last_receive;
		break;
	default:
		return false;
	}
	if (ev->time < stored)
		return true;            /* nothing newer to write at all */
	if (ev->time > stored && ev->time - stored >= (int64_t)interval)
		return false;
	if (ev->kind == ACTIVITY_RECEIVE)
		return true;
	/* Within the interval, or in the same second (times are seconds):
	   the record keeps its values then, but a new address must still
	   reach the account's networks (store_activity_record). */
	/* A new address or service is news even inside the interval. */
	event_ip(ev, &ip);
	if (ev->kind == ACTIVITY_LOGIN) {
		service_copy(service, ev->service);
		return memcmp(&ip, &rec->login_ip, sizeof(ip)) == 0 &&
			strcmp(service, rec->login_service) == 0;
	}
	return memcmp(&ip, &rec->send_ip, sizeof(ip)) == 0;
}

int64_t activity_last(const struct activity *rec)
{
	return rec->last_login > rec->last_send ? rec->last_login : rec->last_send;
}

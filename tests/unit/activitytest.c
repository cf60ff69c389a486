/* activitytest.c - helpers of the record and activity tests
 * (activitytest.h). */
#include "testutil.h"
#include "activitytest.h"

#include <stdio.h>
#include <string.h>

struct ip_bin test_ip(const char *text)
{
	struct ip_bin b;

	memset(&b, 0, sizeof(b));
	if (text != NULL && ip_parse(text, &b) < 0)
		T_FATAL("test bug: cannot parse %s", text);
	return b;
}

bool test_ip_equal(const struct ip_bin *a, const struct ip_bin *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

bool test_activity_equal(const struct activity *a, const struct activity *b)
{
	return a->last_login == b->last_login && a->last_send == b->last_send &&
		a->last_receive == b->last_receive &&
		test_ip_equal(&a->login_ip, &b->login_ip) &&
		test_ip_equal(&a->send_ip, &b->send_ip) &&
		strcmp(a->login_service, b->login_service) == 0;
}

const char *test_activity_text(const struct activity *a, char *buf,
			       size_t size)
{
	char lip[IP_TEXT_MAX], sip[IP_TEXT_MAX];

	ip_format(&a->login_ip, lip);
	ip_format(&a->send_ip, sip);
	snprintf(buf, size, "{login %lld %s '%s', send %lld %s, recv %lld}",
		 (long long)a->last_login, lip, a->login_service,
		 (long long)a->last_send, sip, (long long)a->last_receive);
	return buf;
}

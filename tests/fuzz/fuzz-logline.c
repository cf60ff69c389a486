/* fuzz-logline.c - logline_parse on arbitrary lines; an event it returns
 * must hold a normalised account, a service, a sane time and an address
 * in its stored form. */
#include "logline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct account_rules rules = { NULL, false, NULL };
	struct logline_ctx ctx;
	struct logline_event ev;
	const char *error;

	logline_init(&ctx, 1795651200, &rules);
	enum logline_result r =
		logline_parse(&ctx, (const char *)data, size, &ev, &error);
	if (r == LOGLINE_EVENT || r == LOGLINE_REFUSED) {
		struct ip_bin ip;

		if (ev.time <= 0 || ev.account[0] == '\0' ||
		    strlen(ev.account) > ACCOUNT_MAX || ev.service[0] == '\0' ||
		    strlen(ev.service) > ACTIVITY_SERVICE_MAX)
			abort();
		/* an address is stored as parsed: IPv4-mapped ones as IPv4 */
		if (ev.ip[0] != '\0' &&
		    (ip_parse(ev.ip, &ip) < 0 || strncmp(ev.ip, "::ffff:", 7) == 0))
			abort();
	}
	return 0;
}

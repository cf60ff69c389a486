/* fuzz-logline.c - logline_parse on arbitrary lines; an event it returns
 * must hold a normalised account and a sane time. */
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
		if (ev.time <= 0 || ev.account[0] == '\0' ||
		    strlen(ev.account) > ACCOUNT_MAX ||
		    strlen(ev.service) > ACTIVITY_SERVICE_MAX)
			abort();
	}
	return 0;
}

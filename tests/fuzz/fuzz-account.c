/* fuzz-account.c - account_normalize on arbitrary bytes, both kinds, with
 * and without a default domain; the output is checked for its promises. */
#include "account.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct account_rules rules[] = {
		{ NULL, false, NULL },
		{ "example.org", false, "+" },
		{ "Example.ORG", true, "+-" },
	};
	char out[ACCOUNT_MAX + 1];
	const char *error;

	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		for (int kind = 0; kind < 2; kind++) {
			int n = account_normalize((const char *)data, size,
						  (enum account_kind)kind, &rules[r],
						  out, &error);
			if (n < 0)
				continue;
			/* a normalised name is non-empty, bounded, NUL-free and
			   normalises to itself under the same rules */
			if (n == 0 || n > ACCOUNT_MAX || strlen(out) != (size_t)n)
				abort();
			char again[ACCOUNT_MAX + 1];
			if (account_normalize(out, (size_t)n, ACCOUNT_LOGIN, &rules[r],
					      again, &error) != n ||
			    strcmp(again, out) != 0)
				abort();
		}
	}
	return 0;
}

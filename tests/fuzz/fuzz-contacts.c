/* fuzz-contacts.c - contacts_file_read (reporter/contacts.c) on arbitrary
 * bytes, read as a file, under two sets of name rules; a file it accepts
 * is checked for its promises: sorted unique accounts that normalise to
 * themselves and that lookup finds, plain addresses (or none) for manager
 * and alternate, and bounded texts without control bytes; a file it
 * refuses is named in the error and leaves the caller's map untouched. */
#include "contacts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_map(const struct contacts_map *map,
		      const struct account_rules *rules)
{
	char again[ACCOUNT_MAX + 1];
	const char *error;

	for (size_t i = 0; i < map->count; i++) {
		const struct contacts_entry *e = &map->entries[i];
		size_t len = strlen(e->account);

		if (i > 0 && strcmp(map->entries[i - 1].account, e->account) >= 0)
			abort();
		if (account_normalize(e->account, len, ACCOUNT_LOGIN, rules, again,
				      &error) != (int)len ||
		    strcmp(again, e->account) != 0)
			abort();
		if (contacts_lookup(map, e->account) != e)
			abort();
		for (int fl = 0; fl < CONTACT_FIELDS; fl++) {
			if (e->text[fl] == NULL ||
			    !contact_text_valid(e->text[fl], strlen(e->text[fl])))
				abort();
		}
		for (int fl = CONTACT_MANAGER; fl <= CONTACT_ALTERNATE; fl++) {
			if (e->text[fl][0] != '\0' && !contact_address_plain(e->text[fl]))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct account_rules rules[] = {
		{ NULL, false, NULL },
		{ "example.org", false, "+" },
	};

	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		struct contacts_map map = { NULL, 0, 0 };
		const char *error = NULL;
		/* fmemopen wants a buffer of at least one byte */
		FILE *f = fmemopen(size > 0 ? (void *)data : (void *)"", size, "r");

		if (f == NULL)
			return 0;
		if (contacts_file_read(f, "fuzz.csv", &rules[r], &map, &error) == 0) {
			check_map(&map, &rules[r]);
			contacts_map_free(&map);
		} else if (map.entries != NULL || map.count != 0 || error == NULL ||
			   strncmp(error, "fuzz.csv:", 9) != 0) {
			/* a refusal names the file and keeps nothing */
			abort();
		}
		fclose(f);
	}
	return 0;
}

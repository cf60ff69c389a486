/* fuzz-userdb.c - userdb_parse (reporter/userdb.c), the reader of
 * "doveadm user -u NAME..." output, on arbitrary bytes. The first line
 * names the users asked (space separated, at most 8, those that are
 * account names); the rest is doveadm's output. Whatever it accepts, the
 * contacts it hands back hold what sync may store: valid texts, plain
 * addresses, a source exactly when there is a value, and every rejected
 * value counted as a warning. */
#include "userdb.h"
#include "contacts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 8

static unsigned long warnings;

static void count_warn(const char *msg)
{
	if (msg == NULL)
		abort();
	warnings++;
}

static void check_contacts(const struct account_contacts *c)
{
	for (int fl = 0; fl < CONTACT_FIELDS; fl++) {
		const char *t = c->text[fl];
		size_t len = strnlen(t, sizeof(c->text[fl]));

		if (len > CONTACT_TEXT_MAX || !contact_text_valid(t, len))
			abort();
		if ((t[0] != '\0') != (c->source[fl] == CONTACT_SRC_USERDB))
			abort();
		if (fl != CONTACT_UNIT && t[0] != '\0' && !contact_address_plain(t))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct userdb_fields fields = { {
		[CONTACT_UNIT] = "ou", [CONTACT_MANAGER] = "manager",
		[CONTACT_ALTERNATE] = "mail_alternate",
	} };
	const struct account_rules rules = { NULL, false, "+" };
	char stored[MAX_NAMES][ACCOUNT_MAX + 1];
	const char *names[MAX_NAMES], *error = NULL;
	struct account_contacts out[MAX_NAMES];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t head = nl != NULL ? (size_t)(nl - data) : size, count = 0, pos = 0;
	unsigned long bad = 0;
	FILE *f;

	while (pos < head && count < MAX_NAMES) {
		const uint8_t *sp = memchr(data + pos, ' ', head - pos);
		size_t len = (sp != NULL ? (size_t)(sp - data) : head) - pos;

		if (len > 0 && account_normalize((const char *)data + pos, len,
						 ACCOUNT_LOGIN, &rules,
						 stored[count], &error) > 0) {
			names[count] = stored[count];
			count++;
		}
		pos += len + 1;
	}
	if (count == 0)
		return 0;
	size -= nl != NULL ? head + 1 : size;
	data = nl != NULL ? nl + 1 : data;
	f = fmemopen(size > 0 ? (void *)data : (void *)"", size, "r");
	if (f == NULL)
		return 0;
	warnings = 0;
	if (userdb_parse(f, names, count, &fields, &rules, out, count_warn, &bad,
			 &error) == 0) {
		for (size_t i = 0; i < count; i++)
			check_contacts(&out[i]);
		if (bad != warnings)
			abort();
	} else if (error == NULL) {
		abort();
	}
	fclose(f);
	return 0;
}

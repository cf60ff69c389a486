/* contacts.c - the recipient address rule and the contacts file. */
#include "contacts.h"
#include "i18n.h"
#include "array.h"
#include "errmsg.h"
#include "csv.h"
#include "lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char atom_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	"0123456789.!#$%&'*+/=?^_`{|}~-";
static const char domain_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";

bool contact_address_plain(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || s[0] == '-')
		return false;
	for (const char *p = s; p < at; p++) {
		if (strchr(atom_chars, *p) == NULL)
			return false;
	}
	for (const char *p = at + 1; *p != '\0'; p++) {
		if (strchr(domain_chars, *p) == NULL)
			return false;
	}
	return true;
}

int contact_address_normalize(const char *in, size_t len,
			      const struct account_rules *rules,
			      char out[ACCOUNT_MAX + 1], const char **error_r)
{
	if (account_normalize(in, len, ACCOUNT_LOGIN, rules, out, error_r) < 0)
		return -1;
	if (!contact_address_plain(out)) {
		*error_r = _("not a plain mail address");
		return -1;
	}
	return 0;
}

/* The fields of one line: account,unit,manager,alternate. */
#define CSV_FIELDS 4

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct contacts_entry *)a)->account,
		      ((const struct contacts_entry *)b)->account);
}

/* Check and keep one line's fields as an entry. 0, or -1 with *error_r. */
static int entry_add(struct contacts_map *map, char *fields[CSV_FIELDS],
		     unsigned long line, const struct account_rules *rules,
		     const char **error_r)
{
	char account[ACCOUNT_MAX + 1], addr[ACCOUNT_MAX + 1];
	struct contacts_entry e;

	memset(&e, 0, sizeof(e));
	e.line = line;
	if (account_normalize(fields[0], strlen(fields[0]), ACCOUNT_LOGIN, rules,
			      account, error_r) < 0) {
		*error_r = errmsg_printf(_("account: %s"), *error_r);
		return -1;
	}
	if (!contact_text_valid(fields[1], strlen(fields[1]))) {
		*error_r = _("unit: longer than 320 bytes or a control byte");
		return -1;
	}
	if (map->count == CONTACTS_MAX_ENTRIES) {
		*error_r = _("too many accounts");
		return -1;
	}
	if (array_grow(&map->entries, &map->alloc, map->count, sizeof(e)) < 0)
		goto oom;
	if ((e.account = strdup(account)) == NULL ||
	    (e.text[CONTACT_UNIT] = strdup(fields[1])) == NULL)
		goto oom_free;
	for (int i = CONTACT_MANAGER; i <= CONTACT_ALTERNATE; i++) {
		const char *in = fields[i + 1];

		if (in[0] != '\0' &&
		    contact_address_normalize(in, strlen(in), rules, addr, error_r) < 0) {
			*error_r = errmsg_printf("%s: %s",
						 contact_field_name((enum contact_field)i),
						 *error_r);
			goto fail;
		}
		if ((e.text[i] = strdup(in[0] != '\0' ? addr : "")) == NULL)
			goto oom_free;
	}
	map->entries[map->count++] = e;
	return 0;
oom_free:
	*error_r = _("out of memory");
fail:
	free(e.account);
	for (int i = 0; i < CONTACT_FIELDS; i++)
		free(e.text[i]);
	return -1;
oom:
	*error_r = _("out of memory");
	return -1;
}

struct contacts_read {
	struct contacts_map *map;
	const struct account_rules *rules;
};

static int contacts_line(void *_ctx, char **fields, size_t n,
			 unsigned long line, const char **error_r)
{
	struct contacts_read *ctx = _ctx;

	(void)n;
	return entry_add(ctx->map, fields, line, ctx->rules, error_r);
}

int contacts_file_read(FILE *f, const char *name,
		       const struct account_rules *rules,
		       struct contacts_map *map_r, const char **error_r)
{
	struct contacts_map map = { NULL, 0, 0 };
	struct contacts_read ctx = { &map, rules };

	if (csv_file_read(f, name, ',', CSV_FIELDS, CSV_FIELDS,
			  "account,unit,manager,alternate", contacts_line, &ctx,
			  error_r) < 0) {
		contacts_map_free(&map);
		return -1;
	}
	if (map.count > 0)
		qsort(map.entries, map.count, sizeof(*map.entries), entry_cmp);
	for (size_t i = 1; i < map.count; i++) {
		const struct contacts_entry *a = &map.entries[i - 1], *b = &map.entries[i];

		if (strcmp(a->account, b->account) == 0) {
			*error_r = errmsg_printf(_("%s:%lu: %s listed again (first on line %lu)"),
						 name, a->line > b->line ? a->line : b->line,
						 a->account,
						 a->line < b->line ? a->line : b->line);
			contacts_map_free(&map);
			return -1;
		}
	}
	*map_r = map;
	return 0;
}

const struct contacts_entry *contacts_lookup(const struct contacts_map *map,
					     const char *account)
{
	struct contacts_entry key = { .account = (char *)account };

	if (map == NULL || map->count == 0)
		return NULL;
	return bsearch(&key, map->entries, map->count, sizeof(key), entry_cmp);
}

void contacts_apply(const struct contacts_map *map, const char *account,
		    struct account_contacts *c)
{
	const struct contacts_entry *e = contacts_lookup(map, account);

	if (e == NULL)
		return;
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		if (e->text[i][0] == '\0')
			continue;
		/* checked at read: at most CONTACT_TEXT_MAX bytes */
		snprintf(c->text[i], sizeof(c->text[i]), "%s", e->text[i]);
		c->source[i] = CONTACT_SRC_FILE;
	}
}

void contacts_map_free(struct contacts_map *map)
{
	for (size_t i = 0; i < map->count; i++) {
		free(map->entries[i].account);
		for (int j = 0; j < CONTACT_FIELDS; j++)
			free(map->entries[i].text[j]);
	}
	free(map->entries);
	memset(map, 0, sizeof(*map));
}

void contacts_recipients(const char *owner, const char *manager,
			 const char *alternate, const struct dormant_config *cfg,
			 struct notice_rcpt *r)
{
	const char *extra[2] = { manager, alternate };

	memset(r, 0, sizeof(*r));
	r->to[r->nto++] = owner;
	for (int i = 0; i < 2; i++) {
		const char *a = extra[i], *why = NULL;
		bool dup = false;

		if (a == NULL || a[0] == '\0')
			continue;
		for (size_t j = 0; j < r->nto; j++)
			dup |= strcmp(r->to[j], a) == 0;
		if (dup)
			continue;
		/* the database is input too (doc/DESIGN.md §9.1): check again */
		if (!contact_address_plain(a))
			why = N_("not a plain mail address");
		else if (!cfg->notify_external &&
			 !config_is_local_domain(cfg, strchr(a, '@') + 1))
			why = N_("outside local_domains");
		if (why != NULL) {
			r->skipped[r->nskipped] = a;
			r->why[r->nskipped++] = why;
		} else {
			r->to[r->nto++] = a;
		}
	}
}

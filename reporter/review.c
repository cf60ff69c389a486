/* review.c - campaigns read back from the review database, the counts per
 * unit, and the units file (review.h). */
#include "review.h"
#include "array.h"
#include "contacts.h"
#include "csv.h"
#include "i18n.h"
#include "policy.h"
#include "byteorder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int review_campaign_get(struct store *store, const char *id,
			struct review_campaign *c_r, const char **error_r)
{
	uint8_t key[REVIEW_KEY_MAX], buf[REVIEW_CAMPAIGN_SIZE + 64];
	size_t klen, size;
	int ret;

	/* the id bounds the key (review_key trusts it) */
	if (!review_id_valid(id, strlen(id)))
		return 0;
	klen = review_key(key, REVIEW_KEY_CAMPAIGN, id, 0, NULL);
	ret = store_review_get(store, key, klen, buf, sizeof(buf), &size, error_r);
	if (ret <= 0)
		return ret;
	if (review_campaign_decode(buf, size, c_r, error_r) < 0) {
		*error_r = errmsg_printf("review campaign %s: %s", id, *error_r);
		return -1;
	}
	return 1;
}

int review_latest(struct store *store, char id[REVIEW_ID_MAX + 1],
		  struct review_campaign *c_r, const char **error_r)
{
	uint8_t key[REVIEW_KEY_MAX], buf[REVIEW_CAMPAIGN_SIZE + 64];
	size_t klen, size;
	int ret;

	klen = review_key(key, REVIEW_KEY_LATEST, NULL, 0, NULL);
	ret = store_review_get(store, key, klen, buf, sizeof(buf), &size, error_r);
	if (ret <= 0)
		return ret;
	if (!review_id_valid((const char *)buf, size)) {
		*error_r = _("review database: the latest campaign's id is malformed");
		return -1;
	}
	memcpy(id, buf, size);
	id[size] = '\0';
	ret = review_campaign_get(store, id, c_r, error_r);
	if (ret == 0)
		*error_r = errmsg_printf(_("review campaign %s: %s"), id, _("missing"));
	return ret == 1 ? 1 : -1;
}

struct units_load {
	struct review_unit *units;
	size_t count, max;
	const char *error;
};

static int unit_one(void *_ctx, const void *key, size_t klen, const void *val,
		    size_t vlen)
{
	struct units_load *ctx = _ctx;
	uint32_t n = (uint32_t)byteorder_get_be((const uint8_t *)key + klen - 4, 4);

	if (n != ctx->count || n >= ctx->max) {
		ctx->error = _("review database: a unit is missing or out of order");
		return 1;
	}
	if (review_unit_decode(val, vlen, &ctx->units[n], &ctx->error) < 0) {
		ctx->error = errmsg_printf(_("review unit %u: %s"), n, ctx->error);
		return 1;
	}
	ctx->count++;
	return 0;
}

int review_units_load(struct store *store, const char *id,
		      const struct review_campaign *c,
		      struct review_unit **units_r, size_t *count_r,
		      const char **error_r)
{
	struct units_load ctx = { NULL, 0, c->units, NULL };
	uint8_t prefix[REVIEW_KEY_MAX];
	size_t plen = review_key(prefix, REVIEW_KEY_UNIT, id, 0, NULL) - 4;
	int ret;

	ctx.units = calloc(c->units > 0 ? c->units : 1, sizeof(*ctx.units));
	if (ctx.units == NULL) {
		*error_r = _("out of memory");
		return -1;
	}
	ret = store_review_foreach(store, prefix, plen, unit_one, &ctx, error_r);
	if (ret == 0 && ctx.count != c->units)
		ctx.error = _("review database: units missing");
	if (ret < 0 || ctx.error != NULL) {
		if (ret >= 0)
			*error_r = ctx.error;
		free(ctx.units);
		return -1;
	}
	*units_r = ctx.units;
	*count_r = ctx.count;
	return 0;
}

int review_unit_save(struct store *store, const char *id, uint32_t n,
		     const struct review_unit *u, const char *audit_json,
		     int64_t t, const char **error_r)
{
	uint8_t key[REVIEW_KEY_MAX], val[REVIEW_UNIT_MAX];
	struct store_review_put put = { key, 0, val, 0 };

	put.klen = review_key(key, REVIEW_KEY_UNIT, id, n, NULL);
	put.vlen = review_unit_encode(u, val);
	return store_review_write(store, &put, 1, audit_json, t, error_r);
}

struct accts_load {
	size_t plen;
	uint32_t unit;
	errstr_warn_fn *warn;
	struct review_acct *accts;
	size_t count, alloc;
	bool oom;
};

static int acct_one(void *_ctx, const void *key, size_t klen, const void *val,
		    size_t vlen)
{
	struct accts_load *ctx = _ctx;
	char name[ACCOUNT_MAX + 1];
	struct review_item it;
	const char *error;

	if (review_key_item_account(key, klen, ctx->plen, name, &error) < 0 ||
	    review_item_decode(val, vlen, &it, &error) < 0) {
		ctx->warn(errmsg_printf(_("review: an account of unit %u: %s "
					  "(skipped)"), ctx->unit, error));
		return 0;
	}
	if (array_grow(&ctx->accts, &ctx->alloc, ctx->count, sizeof(*ctx->accts)) < 0 ||
	    (ctx->accts[ctx->count].account = strdup(name)) == NULL) {
		ctx->oom = true;
		return 1;
	}
	ctx->accts[ctx->count].unit = ctx->unit;
	ctx->accts[ctx->count].item = it;
	ctx->count++;
	return 0;
}

int review_accts_load(struct store *store, const char *id, uint32_t n,
		      errstr_warn_fn *warn, struct review_acct **accts_r,
		      size_t *count_r, const char **error_r)
{
	uint8_t prefix[REVIEW_KEY_MAX];
	struct accts_load ctx;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	ctx.plen = review_key(prefix, REVIEW_KEY_UNIT, id, n, NULL);
	prefix[0] = REVIEW_KEY_ITEM;
	ctx.unit = n;
	ctx.warn = warn;
	ret = store_review_foreach(store, prefix, ctx.plen, acct_one, &ctx, error_r);
	if (ret != 0 || ctx.oom) {
		if (ctx.oom)
			*error_r = _("out of memory");
		review_accts_free(ctx.accts, ctx.count);
		return -1;
	}
	*accts_r = ctx.accts;
	*count_r = ctx.count;
	return 0;
}

void review_accts_free(struct review_acct *accts, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(accts[i].account);
	free(accts);
}

int review_status_rank(uint8_t status)
{
	switch (status) {
	case STATUS_DORMANT: return 0;
	case STATUS_NEVER_USED: return 1;
	case STATUS_IDLE: return 2;
	case STATUS_INSUFFICIENT_HISTORY: return 3;
	case STATUS_ACTIVE: return 4;
	case STATUS_EXEMPT: return 5;
	default: return 6;
	}
}

int review_acct_cmp(const void *_a, const void *_b)
{
	const struct review_acct *a = _a, *b = _b;
	int ra = review_status_rank(a->item.status),
	    rb = review_status_rank(b->item.status);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->item.idle_days != b->item.idle_days)
		return a->item.idle_days > b->item.idle_days ? -1 : 1;
	return strcmp(a->account, b->account);
}

struct counts_ctx {
	struct review_counts *counts;
	size_t count;
	size_t plen;
};

static int count_one(void *_ctx, const void *key, size_t klen, const void *val,
		     size_t vlen)
{
	struct counts_ctx *ctx = _ctx;
	struct review_counts *c;
	struct review_item it;
	const char *error;
	uint32_t n;

	if (klen < ctx->plen + 4)
		return 0;
	n = (uint32_t)byteorder_get_be((const uint8_t *)key + ctx->plen, 4);
	if (n >= ctx->count)
		return 0;            /* no such unit: not counted */
	c = &ctx->counts[n];
	if (review_item_decode(val, vlen, &it, &error) < 0) {
		c->bad++;
		return 0;
	}
	c->accounts++;
	if (it.decision == REVIEW_KEEP)
		c->kept++;
	else if (it.decision == REVIEW_REVOKE)
		c->revoked++;
	else
		c->undecided++;
	if (it.by_default)
		c->by_default++;
	return 0;
}

int review_unit_counts(struct store *store, const char *id,
		       struct review_counts **counts_r, size_t *count_r,
		       const char **error_r)
{
	char latest[REVIEW_ID_MAX + 1];
	uint8_t prefix[REVIEW_KEY_MAX];
	struct review_campaign c;
	struct review_unit *units;
	struct counts_ctx ctx;
	size_t nunits;
	int ret;

	*counts_r = NULL;
	*count_r = 0;
	if (id == NULL) {
		ret = review_latest(store, latest, &c, error_r);
		id = latest;
	} else {
		ret = review_campaign_get(store, id, &c, error_r);
	}
	if (ret <= 0)
		return ret;
	if (review_units_load(store, id, &c, &units, &nunits, error_r) < 0)
		return -1;
	memset(&ctx, 0, sizeof(ctx));
	ctx.count = nunits;
	ctx.counts = calloc(nunits > 0 ? nunits : 1, sizeof(*ctx.counts));
	if (ctx.counts == NULL) {
		free(units);
		*error_r = _("out of memory");
		return -1;
	}
	for (size_t i = 0; i < nunits; i++) {
		struct review_counts *rc = &ctx.counts[i];

		memcpy(rc->unit, units[i].name, sizeof(rc->unit));
		memcpy(rc->reviewer, units[i].reviewer, sizeof(rc->reviewer));
		rc->sheets = units[i].sheets;
		rc->answered = units[i].answered;
		rc->reminded = units[i].reminded;
	}
	free(units);
	ctx.plen = review_key(prefix, REVIEW_KEY_UNIT, id, 0, NULL) - 4;
	prefix[0] = REVIEW_KEY_ITEM;
	if (store_review_foreach(store, prefix, ctx.plen, count_one, &ctx,
				 error_r) != 0) {
		free(ctx.counts);
		return -1;
	}
	*counts_r = ctx.counts;
	*count_r = nunits;
	return 1;
}

static int unitmap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct review_unitmap_entry *)a)->unit,
		      ((const struct review_unitmap_entry *)b)->unit);
}

struct unitmap_read {
	struct review_unitmap *map;
	const struct account_rules *rules;
};

static int unitmap_line(void *_ctx, char **fields, size_t n, unsigned long line,
			const char **error_r)
{
	struct unitmap_read *ctx = _ctx;
	struct review_unitmap *map = ctx->map;
	struct review_unitmap_entry e;
	char addr[ACCOUNT_MAX + 1];
	const char *name = n > 2 ? fields[2] : "";

	if (fields[0][0] == '\0' ||
	    !contact_text_valid(fields[0], strlen(fields[0]))) {
		*error_r = _("unit: empty, longer than 320 bytes or a control byte");
		return -1;
	}
	if (contact_address_normalize(fields[1], strlen(fields[1]), ctx->rules,
				      addr, error_r) < 0) {
		*error_r = errmsg_printf(_("reviewer: %s"), *error_r);
		return -1;
	}
	if (!contact_text_valid(name, strlen(name))) {
		*error_r = _("name: longer than 320 bytes or a control byte");
		return -1;
	}
	if (map->count >= REVIEW_UNITS_MAX) {
		*error_r = _("too many units");
		return -1;
	}
	if (array_grow(&map->entries, &map->alloc, map->count, sizeof(e)) < 0)
		goto oom;
	e.line = line;
	e.unit = strdup(fields[0]);
	e.reviewer = strdup(addr);
	e.name = strdup(name);
	if (e.unit == NULL || e.reviewer == NULL || e.name == NULL) {
		free(e.unit);
		free(e.reviewer);
		free(e.name);
		goto oom;
	}
	map->entries[map->count++] = e;
	return 0;
oom:
	*error_r = _("out of memory");
	return -1;
}

int review_units_file_read(FILE *f, const char *name,
			   const struct account_rules *rules,
			   struct review_unitmap *map_r, const char **error_r)
{
	struct review_unitmap map = { NULL, 0, 0 };
	struct unitmap_read ctx = { &map, rules };

	if (csv_file_read(f, name, ',', 2, 3, "unit,reviewer,name", unitmap_line,
			  &ctx, error_r) < 0) {
		review_unitmap_free(&map);
		return -1;
	}
	if (map.count > 0)
		qsort(map.entries, map.count, sizeof(*map.entries), unitmap_cmp);
	for (size_t i = 1; i < map.count; i++) {
		const struct review_unitmap_entry *a = &map.entries[i - 1],
			*b = &map.entries[i];

		if (strcmp(a->unit, b->unit) == 0) {
			*error_r = errmsg_printf(_("%s:%lu: unit listed again (first "
						   "on line %lu)"), name,
						 a->line > b->line ? a->line : b->line,
						 a->line < b->line ? a->line : b->line);
			review_unitmap_free(&map);
			return -1;
		}
	}
	*map_r = map;
	return 0;
}

const struct review_unitmap_entry *
review_unitmap_lookup(const struct review_unitmap *map, const char *unit)
{
	struct review_unitmap_entry key = { .unit = (char *)unit };

	if (map->count == 0)
		return NULL;
	return bsearch(&key, map->entries, map->count, sizeof(key), unitmap_cmp);
}

void review_unitmap_free(struct review_unitmap *map)
{
	for (size_t i = 0; i < map->count; i++) {
		free(map->entries[i].unit);
		free(map->entries[i].reviewer);
		free(map->entries[i].name);
	}
	free(map->entries);
	memset(map, 0, sizeof(*map));
}

void review_key_hex(const uint8_t key[REVIEW_SHEET_KEY_BYTES], char hex[33])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < REVIEW_SHEET_KEY_BYTES; i++) {
		hex[2 * i] = digits[key[i] >> 4];
		hex[2 * i + 1] = digits[key[i] & 15];
	}
	hex[32] = '\0';
}

void review_unit_stem(uint32_t n, const char *unit, char stem[64])
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-";
	int len = snprintf(stem, 64, "unit-%04u-", n);
	size_t i;

	for (i = 0; unit[i] != '\0' && i < 40; i++)
		stem[len + i] = strchr(ok, unit[i]) != NULL ? unit[i] : '_';
	stem[len + i] = '\0';
}

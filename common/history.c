/* history.c - the history record codec (history.h; layout: doc/DESIGN.md
 * §3.4). Decoding treats the record as hostile (§9.1): every length is
 * checked against what remains before it is used. */
#include "history.h"
#include "byteorder.h"

#include <string.h>

void history_counts_add(struct history_counts *counts,
			enum account_status status)
{
	counts->total++;
	counts->status[status]++;
}

static void counts_put(uint8_t *p, const struct history_counts *c)
{
	byteorder_put_le(p, c->total, 4);
	for (int s = 0; s < STATUS_COUNT; s++)
		byteorder_put_le(p + 4 + 4 * s, c->status[s], 4);
}

/* -1 if the statuses do not add up to the total (nor overflow it). */
static int counts_get(const uint8_t *p, struct history_counts *c)
{
	uint64_t sum = 0;

	c->total = (uint32_t)byteorder_get_le(p, 4);
	for (int s = 0; s < STATUS_COUNT; s++) {
		c->status[s] = (uint32_t)byteorder_get_le(p + 4 + 4 * s, 4);
		sum += c->status[s];
	}
	return sum == c->total ? 0 : -1;
}

size_t record_history_encode(int64_t recorded, const struct history_counts *all,
			     const struct history_counts *others,
			     const struct history_unit *units, size_t nunits,
			     uint8_t *buf, size_t bufsize, const char **error_r)
{
	size_t len = HISTORY_HEADER_SIZE + 2 * HISTORY_COUNTS_SIZE;

	if (nunits > HISTORY_UNITS_MAX) {
		*error_r = "too many units for a history record";
		return 0;
	}
	if (bufsize < len) {
		*error_r = "history record buffer too small";
		return 0;
	}
	memset(buf, 0, HISTORY_HEADER_SIZE);
	buf[0] = RECORD_HISTORY_VERSION;
	buf[1] = STATUS_COUNT;
	byteorder_put_le(buf + 2, nunits, 2);
	put_le64(buf + 8, recorded);
	counts_put(buf + HISTORY_HEADER_SIZE, all);
	counts_put(buf + HISTORY_HEADER_SIZE + HISTORY_COUNTS_SIZE, others);
	for (size_t i = 0; i < nunits; i++) {
		size_t n = strlen(units[i].name);

		if (!contact_text_valid(units[i].name, n) || n == 0 ||
		    (i > 0 && strcmp(units[i - 1].name, units[i].name) >= 0)) {
			*error_r = "history units must be valid names, sorted and unique";
			return 0;
		}
		if (bufsize - len < 2 + n + HISTORY_COUNTS_SIZE) {
			*error_r = "history record buffer too small";
			return 0;
		}
		byteorder_put_le(buf + len, n, 2);
		memcpy(buf + len + 2, units[i].name, n);
		counts_put(buf + len + 2 + n, &units[i].counts);
		len += 2 + n + HISTORY_COUNTS_SIZE;
	}
	return len;
}

int record_history_decode(const void *data, size_t size, const char *unit,
			  struct history_point *point_r, const char **error_r)
{
	const uint8_t *p = data, *prev = NULL;
	struct history_point pt;
	size_t pos, prev_len = 0;

	memset(&pt, 0, sizeof(pt));
	if (size < 1) {
		*error_r = "empty history record";
		return -1;
	}
	if (p[0] == 0) {
		*error_r = "history record has version 0";
		return -1;
	}
	if (p[0] > RECORD_HISTORY_VERSION) {
		*error_r = "history record written by a newer dormant (upgrade this program)";
		return -1;
	}
	if (size < HISTORY_HEADER_SIZE + 2 * HISTORY_COUNTS_SIZE) {
		*error_r = "truncated history record";
		return -1;
	}
	if (p[1] != STATUS_COUNT || byteorder_get_le(p + 4, 4) != 0) {
		*error_r = "malformed history record header";
		return -1;
	}
	pt.nunits = (size_t)byteorder_get_le(p + 2, 2);
	if (pt.nunits > HISTORY_UNITS_MAX) {
		*error_r = "history record has too many units";
		return -1;
	}
	pt.recorded = get_le64(p + 8);
	pos = HISTORY_HEADER_SIZE;
	if (pt.recorded < 0) {
		*error_r = "history record has a negative time";
		return -1;
	}
	if (counts_get(p + pos, &pt.all) < 0 ||
	    counts_get(p + pos + HISTORY_COUNTS_SIZE, &pt.others) < 0) {
		*error_r = "history record has counts that do not add up";
		return -1;
	}
	pos += 2 * HISTORY_COUNTS_SIZE;
	for (size_t i = 0; i < pt.nunits; i++) {
		struct history_counts c;
		size_t n;

		if (size - pos < 2) {
			*error_r = "truncated history record";
			return -1;
		}
		n = (size_t)byteorder_get_le(p + pos, 2);
		if (size - pos - 2 < n + HISTORY_COUNTS_SIZE) {
			*error_r = "truncated history record";
			return -1;
		}
		if (n == 0 || !contact_text_valid((const char *)p + pos + 2, n)) {
			*error_r = "history record has a malformed unit name";
			return -1;
		}
		/* sorted and unique: a unit cannot appear twice */
		if (prev != NULL) {
			int cmp = memcmp(prev, p + pos + 2, prev_len < n ? prev_len : n);
			if (cmp > 0 || (cmp == 0 && prev_len >= n)) {
				*error_r = "history record has unsorted units";
				return -1;
			}
		}
		if (counts_get(p + pos + 2 + n, &c) < 0) {
			*error_r = "history record has counts that do not add up";
			return -1;
		}
		if (unit != NULL && strlen(unit) == n &&
		    memcmp(unit, p + pos + 2, n) == 0) {
			pt.unit_found = true;
			pt.unit = c;
		}
		prev = p + pos + 2;
		prev_len = n;
		pos += 2 + n + HISTORY_COUNTS_SIZE;
	}
	if (pos != size) {
		*error_r = "history record has trailing bytes";
		return -1;
	}
	*point_r = pt;
	return 0;
}

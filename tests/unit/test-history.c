/* test-history.c - the history record (doc/DESIGN.md §3.4) as hostile
 * input, and the month arithmetic the trend and the report count by. */
#include "testutil.h"
#include "history.h"
#include "month.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- months ---- */

struct month_case {
	const char *text;
	int month;                   /* -1: refused */
};

static const struct month_case month_cases[] = {
	{ "1970-01", 1970 * 12 }, { "2026-11", 2026 * 12 + 10 },
	{ "2026-12", 2026 * 12 + 11 }, { "9999-12", MONTH_MAX },
	{ "1969-12", -1 }, { "2026-00", -1 }, { "2026-13", -1 },
	{ "2026-1", -1 }, { "2026-011", -1 }, { "2026/11", -1 }, { "", -1 },
	{ "20261-1", -1 }, { "2026-1a", -1 }, { " 2026-11", -1 }, { "2026-11 ", -1 },
};

static void test_month_parse(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(month_cases); i++) {
		const struct month_case *c = &month_cases[i];
		char text[MONTH_TEXT_MAX];
		int m = 12345;

		if (c->month < 0) {
			T_CHECK(month_parse(c->text, &m) < 0 && m == 12345,
				"'%s' was taken (%d)", c->text, m);
			continue;
		}
		T_CHECK(month_parse(c->text, &m) == 0 && m == c->month,
			"'%s' parsed as %d, expected %d", c->text, m, c->month);
		month_format(c->month, text);
		T_CHECK(strcmp(text, c->text) == 0, "%d formatted as %s", c->month, text);
	}
	T_END();
}

/* Every month from 1970 to 2200 against the RFC 3339 parser: its first
   second, the month of its first and last second, and the next month. */
static void test_month_bounds(void **state)
{
	T_BEGIN();
	for (int m = MONTH_MIN; m <= 2200 * 12 + 11; m++) {
		char text[MONTH_TEXT_MAX], day[16];
		int64_t want;

		month_format(m, text);
		snprintf(day, sizeof(day), "%s-01", text);
		T_CHECK(time_parse_rfc3339(day, &want) == 0, "%s", day);
		T_CHECK(month_start(m) == want, "%s starts at %lld, expected %lld",
			text, (long long)month_start(m), (long long)want);
		T_CHECK(month_of(want) == m, "%s: month_of(start) %d", text,
			month_of(want));
		if (m > MONTH_MIN)
			T_CHECK(month_of(want - 1) == m - 1, "%s: the second before "
				"lies in %d", text, month_of(want - 1));
		if (test_failures > 5)
			break;
	}
	T_END();
}

/* Times outside 1970..9999 clamp to the first or last month (and never
   overflow the year arithmetic: UBSan). */
static void test_month_of_clamps(void **state)
{
	static const struct { int64_t t; int month; } cases[] = {
		{ -1, MONTH_MIN }, { INT64_MIN, MONTH_MIN },
		{ 253402300799LL, MONTH_MAX }, { 253402300800LL, MONTH_MAX },
		{ 1LL << 53, MONTH_MAX }, { 1LL << 55, MONTH_MAX },
		{ INT64_MAX, MONTH_MAX },
	};

	T_BEGIN();
	for (size_t i = 0; i < N(cases); i++)
		T_CHECK(month_of(cases[i].t) == cases[i].month, "month_of(%lld) = %d, "
			"expected %d", (long long)cases[i].t, month_of(cases[i].t),
			cases[i].month);
	T_END();
}

/* ---- the record ---- */

static struct history_counts counts(uint32_t active, uint32_t dormant,
				    uint32_t never)
{
	struct history_counts c;

	memset(&c, 0, sizeof(c));
	c.status[STATUS_ACTIVE] = active;
	c.status[STATUS_DORMANT] = dormant;
	c.status[STATUS_NEVER_USED] = never;
	c.total = active + dormant + never;
	return c;
}

/* A valid record of three units into buf; its length. */
static size_t sample(uint8_t *buf, size_t size)
{
	struct history_unit units[] = {
		{ "Phòng Tài chính", { 0, { 0 } } },
		{ "example.org", { 0, { 0 } } },
		{ "sở-y-tế", { 0, { 0 } } },
	};
	struct history_counts all = counts(10, 5, 3), others = counts(1, 0, 0);
	const char *error = NULL;
	size_t len;

	units[0].counts = counts(2, 1, 0);
	units[1].counts = counts(5, 3, 2);
	units[2].counts = counts(2, 1, 1);
	len = record_history_encode(1795651200, &all, &others, units, N(units),
				    buf, size, &error);
	T_CHECK(len > 0, "encode: %s", T_STR(error));
	return len;
}

static void test_history_roundtrip(void **state)
{
	uint8_t buf[1024];
	struct history_point pt;
	const char *error = NULL;
	size_t len;

	T_BEGIN();
	len = sample(buf, sizeof(buf));
	T_CHECK(len == HISTORY_HEADER_SIZE + 2 * HISTORY_COUNTS_SIZE +
		3 * (2 + HISTORY_COUNTS_SIZE) + strlen("Phòng Tài chính") +
		strlen("example.org") + strlen("sở-y-tế"), "length %zu", len);
	/* the layout: version, statuses, units (LE), reserved, time (LE) */
	T_CHECK(buf[0] == RECORD_HISTORY_VERSION && buf[1] == STATUS_COUNT &&
		buf[2] == 3 && buf[3] == 0 && buf[4] == 0 && buf[8] == 0x80 &&
		buf[9] == 0x76 && buf[10] == 0x07 && buf[11] == 0x6b,
		"header %02x %02x %02x %02x", buf[0], buf[1], buf[2], buf[8]);
	T_CHECK(record_history_decode(buf, len, "example.org", &pt, &error) == 0,
		"decode: %s", T_STR(error));
	T_CHECK(pt.recorded == 1795651200 && pt.nunits == 3 && pt.unit_found &&
		pt.all.total == 18 && pt.all.status[STATUS_DORMANT] == 5 &&
		pt.others.total == 1 && pt.unit.total == 10 &&
		pt.unit.status[STATUS_NEVER_USED] == 2, "decoded wrong");
	T_CHECK(record_history_decode(buf, len, "Phòng Tài chính", &pt, &error) == 0 &&
		pt.unit_found && pt.unit.total == 3, "unit with UTF-8 name");
	T_CHECK(record_history_decode(buf, len, "example", &pt, &error) == 0 &&
		!pt.unit_found, "a prefix of a unit is no unit");
	T_CHECK(record_history_decode(buf, len, NULL, &pt, &error) == 0 &&
		!pt.unit_found, "no unit asked");
	T_END();
}

/* Every shorter record and one byte more is refused, and so is every
   single-bit flip that breaks a rule (the counts or names it touches). */
static void test_history_truncated_and_long(void **state)
{
	uint8_t buf[1024];
	struct history_point pt;
	const char *error;
	size_t len;

	T_BEGIN();
	len = sample(buf, sizeof(buf) - 1);
	for (size_t n = 0; n < len; n++) {
		memset(&pt, 0x55, sizeof(pt));
		error = NULL;
		T_CHECK(record_history_decode(buf, n, NULL, &pt, &error) < 0 &&
			error != NULL, "%zu of %zu bytes accepted", n, len);
		T_CHECK(((uint8_t *)&pt)[0] == 0x55, "%zu bytes: output written", n);
	}
	buf[len] = 0;
	T_CHECK(record_history_decode(buf, len + 1, NULL, &pt, &error) < 0 &&
		strstr(error, "trailing") != NULL, "a byte more: %s", T_STR(error));
	T_END();
}

struct hostile_case {
	const char *what;
	size_t offset;               /* byte to set */
	uint8_t value;
	const char *error;           /* expected in the message */
};

/* offsets into sample(): 16 header, 32 overall, 32 others, then the
   first unit's length (2 bytes) at 80, its name (18 bytes) at 82, its
   counts at 100 */
static const struct hostile_case hostile_cases[] = {
	{ "version 0", 0, 0, "version 0" },
	{ "a future version", 0, RECORD_HISTORY_VERSION + 1, "newer dormant" },
	{ "another number of statuses", 1, STATUS_COUNT + 1, "header" },
	{ "reserved bytes set", 5, 1, "header" },
	{ "too many units", 3, 0x04, "too many units" },      /* 1027 */
	{ "more units than there are", 2, 4, "truncated" },
	{ "fewer units than there are", 2, 2, "trailing" },
	{ "a negative time", 15, 0x80, "negative time" },
	{ "a total that does not add up", 16, 99, "do not add up" },
	{ "others that do not add up", 48 + 8, 99, "do not add up" },
	{ "a unit name longer than the record", 81, 0x7f, "truncated" },
	{ "an empty unit name", 80, 0, "malformed unit name" },
	{ "a control byte in a unit name", 82, '\n', "malformed unit name" },
	{ "a NUL in a unit name", 83, 0, "malformed unit name" },
	{ "units out of order", 82, 'z', "unsorted" },
	{ "a unit whose counts do not add up", 82 + 18, 0xff, "do not add up" },
};

static void test_history_hostile(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(hostile_cases); i++) {
		const struct hostile_case *c = &hostile_cases[i];
		uint8_t buf[1024];
		struct history_point pt;
		const char *error = NULL;
		size_t len = sample(buf, sizeof(buf));

		buf[c->offset] = c->value;
		T_CHECK(record_history_decode(buf, len, NULL, &pt, &error) < 0,
			"%s: accepted", c->what);
		T_CHECK(error != NULL && strstr(error, c->error) != NULL,
			"%s: error '%s', expected '%s'", c->what, T_STR(error), c->error);
	}
	T_END();
}

/* The same unit twice, sorted or not, is refused by the encoder and the
   decoder; so is one unit more than HISTORY_UNITS_MAX. The largest record
   fits RECORD_HISTORY_MAX. */
static void test_history_units(void **state)
{
	struct history_unit *units = calloc(HISTORY_UNITS_MAX + 1, sizeof(*units));
	char (*names)[CONTACT_TEXT_MAX + 1] = calloc(HISTORY_UNITS_MAX + 1,
						     sizeof(*names));
	uint8_t *buf = malloc(RECORD_HISTORY_MAX);
	struct history_counts all = counts(0, 0, 0), none = counts(0, 0, 0);
	struct history_point pt;
	const char *error = NULL;
	size_t len;

	T_BEGIN();
	assert_non_null(units);
	assert_non_null(names);
	assert_non_null(buf);
	for (size_t i = 0; i <= HISTORY_UNITS_MAX; i++) {
		/* the longest names there may be, in order */
		memset(names[i], 'u', CONTACT_TEXT_MAX);
		snprintf(names[i] + CONTACT_TEXT_MAX - 4, 5, "%04zu", i);
		units[i].name = names[i];
		units[i].counts = counts(1, 1, 1);
		all.total += 3;
		all.status[STATUS_ACTIVE]++;
		all.status[STATUS_DORMANT]++;
		all.status[STATUS_NEVER_USED]++;
	}
	T_CHECK(record_history_encode(0, &all, &none, units, HISTORY_UNITS_MAX + 1,
				      buf, RECORD_HISTORY_MAX, &error) == 0,
		"one unit too many encoded");
	len = record_history_encode(0, &all, &none, units, HISTORY_UNITS_MAX, buf,
				    RECORD_HISTORY_MAX, &error);
	T_CHECK(len == RECORD_HISTORY_MAX, "the largest record: %zu bytes", len);
	T_CHECK(record_history_decode(buf, len, names[HISTORY_UNITS_MAX - 1], &pt,
				      &error) == 0 && pt.unit_found &&
		pt.nunits == HISTORY_UNITS_MAX, "largest: %s", T_STR(error));
	T_CHECK(record_history_encode(0, &all, &none, units, 2, buf, 100, &error) == 0,
		"encoded past the buffer");
	units[1].name = units[0].name;
	T_CHECK(record_history_encode(0, &all, &none, units, 2, buf,
				      RECORD_HISTORY_MAX, &error) == 0,
		"a unit twice encoded");
	/* and a record holding it twice, made by hand */
	units[1].name = names[1];
	len = record_history_encode(0, &all, &none, units, 2, buf,
				    RECORD_HISTORY_MAX, &error);
	memcpy(buf + HISTORY_HEADER_SIZE + 2 * HISTORY_COUNTS_SIZE + 2 +
	       CONTACT_TEXT_MAX + HISTORY_COUNTS_SIZE + 2, names[0], CONTACT_TEXT_MAX);
	T_CHECK(record_history_decode(buf, len, NULL, &pt, &error) < 0 &&
		strstr(error, "unsorted") != NULL, "a unit twice: %s", T_STR(error));
	free(units);
	free(names);
	free(buf);
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_month_parse),
		cmocka_unit_test(test_month_bounds),
		cmocka_unit_test(test_month_of_clamps),
		cmocka_unit_test(test_history_roundtrip),
		cmocka_unit_test(test_history_truncated_and_long),
		cmocka_unit_test(test_history_hostile),
		cmocka_unit_test(test_history_units),
	};

	test_init();
	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}

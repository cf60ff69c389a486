/* test-timeutil.c - durations, RFC 3339 times and uint_parse. */
#include "testutil.h"
#include "timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define DAY 86400ULL
#define UNTOUCHED 0x5a5a5a5a5a5a5a5aULL

struct duration_case {
	const char *text;
	uint64_t max;
	int ret;
	uint64_t secs;
};

static const struct duration_case duration_cases[] = {
	{ "60s", UINT64_MAX, 0, 60 },
	{ "90d", UINT64_MAX, 0, 90 * DAY },
	{ "12h", UINT64_MAX, 0, 12 * 3600 },
	{ "2w", UINT64_MAX, 0, 14 * DAY },
	{ "5m", UINT64_MAX, 0, 300 },
	{ "45", UINT64_MAX, 0, 45 },
	{ "0", UINT64_MAX, 0, 0 },
	{ "0d", UINT64_MAX, 0, 0 },
	{ "007d", UINT64_MAX, 0, 7 * DAY },
	{ "", UINT64_MAX, -1, 0 },
	{ "d", UINT64_MAX, -1, 0 },
	{ "s", UINT64_MAX, -1, 0 },
	{ "-1d", UINT64_MAX, -1, 0 },
	{ "+1d", UINT64_MAX, -1, 0 },
	{ "1x", UINT64_MAX, -1, 0 },
	{ "1D", UINT64_MAX, -1, 0 },
	{ "1dd", UINT64_MAX, -1, 0 },
	{ "1.5d", UINT64_MAX, -1, 0 },
	{ "1 d", UINT64_MAX, -1, 0 },
	{ " 1d", UINT64_MAX, -1, 0 },
	{ "1d ", UINT64_MAX, -1, 0 },
	{ "0x10", UINT64_MAX, -1, 0 },
	{ "1e3", UINT64_MAX, -1, 0 },
	/* overflow: of the number, and of number * unit */
	{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, -1, 0 },
	{ "99999999999999999999999", UINT64_MAX, -1, 0 },
	{ "30500568904943w", UINT64_MAX, 0, 30500568904943ULL * 7 * DAY },
	{ "30500568904944w", UINT64_MAX, -1, 0 },
	{ "213503982334601d", UINT64_MAX, 0, 213503982334601ULL * DAY },
	{ "213503982334602d", UINT64_MAX, -1, 0 },
	{ "5124095576030432h", UINT64_MAX, -1, 0 },
	{ "307445734561825861m", UINT64_MAX, -1, 0 },
	{ "00000000000000000000000000000001", UINT64_MAX, -1, 0 },
	/* max, inclusive */
	{ "1d", DAY, 0, DAY },
	{ "86400", DAY, 0, DAY },
	{ "86401", DAY, -1, 0 },
	{ "2d", DAY, -1, 0 },
	{ "1441m", DAY, -1, 0 },
	{ "0s", 0, 0, 0 },
	{ "1s", 0, -1, 0 },
};

static void test_duration_parse(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(duration_cases) / sizeof(duration_cases[0]); i++) {
		const struct duration_case *c = &duration_cases[i];
		uint64_t secs = UNTOUCHED;
		int ret = duration_parse(c->text, c->max, &secs);

		T_CHECK(ret == c->ret, "case %zu '%s' (max %llu): returned %d, expected %d",
			i, c->text, (unsigned long long)c->max, ret, c->ret);
		if (c->ret == 0)
			T_CHECK(secs == c->secs, "case %zu '%s': %llu, expected %llu", i,
				c->text, (unsigned long long)secs,
				(unsigned long long)c->secs);
		else
			T_CHECK(secs == UNTOUCHED, "case %zu '%s': output written on failure",
				i, c->text);
	}
	T_END();
}

struct uint_case {
	const char *text;
	uint64_t max;
	int ret;
	uint64_t value;
};

static const struct uint_case uint_cases[] = {
	{ "0", UINT64_MAX, 0, 0 },
	{ "007", UINT64_MAX, 0, 7 },
	{ "12", 12, 0, 12 },
	{ "13", 12, -1, 0 },
	{ "18446744073709551615", UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, -1, 0 },
	{ "99999999999999999999", UINT64_MAX, -1, 0 },
	{ "", UINT64_MAX, -1, 0 },
	{ "-1", UINT64_MAX, -1, 0 },
	{ "+1", UINT64_MAX, -1, 0 },
	{ " 1", UINT64_MAX, -1, 0 },
	{ "1 ", UINT64_MAX, -1, 0 },
	{ "1a", UINT64_MAX, -1, 0 },
	{ "0x1", UINT64_MAX, -1, 0 },
	{ "0", 0, 0, 0 },
	{ "1", 0, -1, 0 },
};

static void test_uint_parse(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]); i++) {
		const struct uint_case *c = &uint_cases[i];
		uint64_t v = UNTOUCHED;
		int ret = uint_parse(c->text, c->max, &v);

		T_CHECK(ret == c->ret, "case %zu '%s' (max %llu): returned %d, expected %d",
			i, c->text, (unsigned long long)c->max, ret, c->ret);
		if (c->ret == 0)
			T_CHECK(v == c->value, "case %zu '%s': %llu, expected %llu", i,
				c->text, (unsigned long long)v, (unsigned long long)c->value);
		else
			T_CHECK(v == UNTOUCHED, "case %zu '%s': output written on failure",
				i, c->text);
	}
	T_END();
}

struct format_case {
	int64_t t;
	const char *text;
};

static const struct format_case format_cases[] = {
	{ 0, "" },
	{ 1, "1970-01-01T00:00:01Z" },
	/* before 1970 and after 9999 there is nothing to show: "" */
	{ -1, "" },
	{ INT64_MIN, "" },
	{ 253402300800LL, "" },
	{ INT64_MAX, "" },
	{ 86399, "1970-01-01T23:59:59Z" },
	{ 951782400, "2000-02-29T00:00:00Z" },
	{ 1483228799, "2016-12-31T23:59:59Z" },
	{ 1700000000, "2023-11-14T22:13:20Z" },
	{ 4102444800, "2100-01-01T00:00:00Z" },
	{ 253402300799, "9999-12-31T23:59:59Z" },
};

static void test_format(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct format_case *c = &format_cases[i];
		char buf[RFC3339_MAX];

		memset(buf, 'x', sizeof(buf));
		time_format_rfc3339(c->t, buf);
		T_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL,
			"case %zu (%lld): not terminated", i, (long long)c->t);
		T_CHECK(memchr(buf, '\0', sizeof(buf)) == NULL ||
			strcmp(buf, c->text) == 0,
			"case %zu (%lld): '%s', expected '%s'", i, (long long)c->t,
			buf, c->text);
	}
	T_END();
}

/* Extreme times must give a terminated string (possibly empty) and
   never write past RFC3339_MAX. */
static void test_format_extremes(void **state)
{
	static const int64_t extremes[] = {
		INT64_MAX, INT64_MIN, INT64_MAX / 2, INT64_MIN / 2,
		67767976233316800LL, -62167219200LL, 253402300800LL,
	};

	T_BEGIN();
	for (size_t i = 0; i < sizeof(extremes) / sizeof(extremes[0]); i++) {
		char buf[RFC3339_MAX + 8];

		memset(buf, 'x', sizeof(buf));
		time_format_rfc3339(extremes[i], buf);
		T_CHECK(memchr(buf, '\0', RFC3339_MAX) != NULL,
			"case %zu (%lld): not terminated", i, (long long)extremes[i]);
		T_CHECK(memcmp(buf + RFC3339_MAX, "xxxxxxxx", 8) == 0,
			"case %zu (%lld): wrote past RFC3339_MAX", i,
			(long long)extremes[i]);
	}
	T_END();
}

struct parse_case {
	const char *text;
	int ret;
	int64_t t;
};

static const struct parse_case parse_cases[] = {
	/* date only */
	{ "1970-01-01", 0, 0 },
	{ "2023-11-14", 0, 1699920000 },
	{ "2000-02-29", 0, 951782400 },
	{ "1969-12-31", 0, -86400 },
	/* Z, lower case, the space RFC 3339 allows */
	{ "2023-11-14T22:13:20Z", 0, 1700000000 },
	{ "2023-11-14t22:13:20z", 0, 1700000000 },
	{ "2023-11-14 22:13:20Z", 0, 1700000000 },
	{ "1970-01-01T00:00:00Z", 0, 0 },
	/* offsets */
	{ "2023-11-14T23:13:20+01:00", 0, 1700000000 },
	{ "2023-11-14T16:43:20-05:30", 0, 1700000000 },
	{ "2023-11-14T16:43:20-0530", 0, 1700000000 },
	{ "2023-11-14T23:13:20+0100", 0, 1700000000 },
	{ "2023-11-14T22:13:20+00:00", 0, 1700000000 },
	{ "2023-11-14T22:13:20-00:00", 0, 1700000000 },
	{ "2023-11-15T08:13:20+10:00", 0, 1700000000 },
	{ "2023-11-14T22:13:20+23:59", 0, 1700000000 - 23 * 3600 - 59 * 60 },
	/* fractions are ignored */
	{ "2023-11-14T22:13:20.5Z", 0, 1700000000 },
	{ "2023-11-14T22:13:20.123456789Z", 0, 1700000000 },
	{ "2023-11-14T23:13:20.999+01:00", 0, 1700000000 },
	{ "2023-11-14T22:13:20.Z", -1, 0 },
	{ "2023-11-14T22:13:20.", -1, 0 },
	{ "2023-11-14T22:13:20,5Z", -1, 0 },
	/* a leap second reads as the next second */
	{ "2016-12-31T23:59:60Z", 0, 1483228800 },
	/* Feb 29: leap years by the Gregorian rules */
	{ "2024-02-29", 0, 1709164800 },
	{ "2023-02-29", -1, 0 },
	{ "1900-02-29", -1, 0 },
	{ "2100-02-29", -1, 0 },
	{ "2000-02-30", -1, 0 },
	/* invalid months and days */
	{ "2023-00-10", -1, 0 },
	{ "2023-13-01", -1, 0 },
	{ "2023-01-00", -1, 0 },
	{ "2023-01-32", -1, 0 },
	{ "2023-04-31", -1, 0 },
	{ "2023-06-31", -1, 0 },
	{ "2023-09-31", -1, 0 },
	{ "2023-11-31", -1, 0 },
	{ "2023-12-31", 0, 1703980800 },
	/* invalid times and offsets */
	{ "2023-11-14T24:00:00Z", -1, 0 },
	{ "2023-11-14T23:60:00Z", -1, 0 },
	{ "2023-11-14T23:59:61Z", -1, 0 },
	{ "2023-11-14T22:13:20+24:00", -1, 0 },
	{ "2023-11-14T22:13:20+01:60", -1, 0 },
	{ "2023-11-14T22:13:20+1:00", -1, 0 },
	{ "2023-11-14T22:13:20+01", -1, 0 },
	{ "2023-11-14T22:13:20+01:0", -1, 0 },
	/* a time without a zone is not RFC 3339 */
	{ "2023-11-14T22:13:20", -1, 0 },
	{ "2023-11-14T22:13Z", -1, 0 },
	/* syntax and trailing garbage */
	{ "", -1, 0 },
	{ "2023", -1, 0 },
	{ "2023-11", -1, 0 },
	{ "2023-1-14", -1, 0 },
	{ "2023-11-4", -1, 0 },
	{ "20231114", -1, 0 },
	{ "2023/11/14", -1, 0 },
	{ "-2023-11-14", -1, 0 },
	{ " 2023-11-14", -1, 0 },
	{ "2023-11-14 ", -1, 0 },
	{ "2023-11-14x", -1, 0 },
	{ "2023-11-14T", -1, 0 },
	{ "2023-11-14T22:13:20Zx", -1, 0 },
	{ "2023-11-14T22:13:20Z ", -1, 0 },
	{ "2023-11-14T22:13:20+01:00x", -1, 0 },
	{ "2023-11-14X22:13:20Z", -1, 0 },
	{ "2023-11-14T22-13-20Z", -1, 0 },
	{ "abcd-ef-gh", -1, 0 },
};

static void test_parse(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		int64_t t = (int64_t)UNTOUCHED;
		int ret = time_parse_rfc3339(c->text, &t);

		T_CHECK(ret == c->ret, "case %zu '%s': returned %d, expected %d", i,
			c->text, ret, c->ret);
		if (c->ret == 0)
			T_CHECK(t == c->t, "case %zu '%s': %lld, expected %lld", i, c->text,
				(long long)t, (long long)c->t);
		else
			T_CHECK(t == (int64_t)UNTOUCHED,
				"case %zu '%s': output written on failure", i, c->text);
	}
	T_END();
}

/* What time_format_rfc3339 writes, time_parse_rfc3339 reads back: every
   day boundary of 1970..2400 and random seconds in 1..9999-12-31. */
static void test_round_trip(void **state)
{
	struct test_rng rng = { test_seed() };
	uint64_t seed = rng.state;

	T_BEGIN();
	for (int64_t t = 86400; t < 13569465600LL; t += 86400 - 1) {
		char buf[RFC3339_MAX];
		int64_t back = 0;

		time_format_rfc3339(t, buf);
		if (time_parse_rfc3339(buf, &back) < 0 || back != t) {
			T_CHECK(false, "%lld -> '%s' -> %lld", (long long)t, buf,
				(long long)back);
			break;
		}
	}
	for (int i = 0; i < 100000; i++) {
		int64_t t = test_rng_range(&rng, 1, 253402300799LL), back = 0;
		char buf[RFC3339_MAX];

		time_format_rfc3339(t, buf);
		if (time_parse_rfc3339(buf, &back) < 0 || back != t) {
			T_CHECK(false, "seed %llu: %lld -> '%s' -> %lld",
				(unsigned long long)seed, (long long)t, buf,
				(long long)back);
			break;
		}
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_uint_parse),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_extremes),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
	};

	test_init();
	return cmocka_run_group_tests_name("timeutil", tests, NULL, NULL);
}

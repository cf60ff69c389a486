/* test-netlist.c - trusted_networks lists: parsing, matching, limits. */
#include "testutil.h"
#include "netlist.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct match_case {
	const char *list;
	const char *ip;
	bool match;
};

static const struct match_case match_cases[] = {
	{ "192.0.2.0/24", "192.0.2.0", true },
	{ "192.0.2.0/24", "192.0.2.255", true },
	{ "192.0.2.0/24", "192.0.3.0", false },
	{ "192.0.2.0/24", "192.0.1.255", false },
	/* host bits in the network are ignored */
	{ "192.0.2.77/24", "192.0.2.1", true },
	/* a bare address is one host */
	{ "192.0.2.7", "192.0.2.7", true },
	{ "192.0.2.7", "192.0.2.8", false },
	/* prefixes that are not byte multiples */
	{ "10.0.0.0/9", "10.127.255.255", true },
	{ "10.0.0.0/9", "10.128.0.0", false },
	{ "172.16.0.0/12", "172.31.1.1", true },
	{ "172.16.0.0/12", "172.32.0.1", false },
	{ "0.0.0.0/0", "203.0.113.9", true },
	{ "0.0.0.0/0", "2001:db8::1", false },
	/* separators: space, comma, tab, several */
	{ "10.0.0.0/8,192.0.2.0/24", "192.0.2.9", true },
	{ " 10.0.0.0/8 ,\t192.0.2.0/24 ,", "192.0.2.9", true },
	/* IPv6 */
	{ "2001:db8::/32", "2001:db8:ffff::1", true },
	{ "2001:db8::/32", "2001:db9::1", false },
	{ "2001:db8::/33", "2001:db8:8000::1", false },
	{ "::1", "::1", true },
	{ "::/0", "2001:db8::1", true },
	{ "::/0", "192.0.2.1", false },
	/* an IPv4-mapped IPv6 address matches as its IPv4 address */
	{ "192.0.2.0/24", "::ffff:192.0.2.5", true },
	{ "192.0.2.0/24", "::ffff:192.0.3.5", false },
	/* an IPv4-mapped network is the IPv4 network it carries */
	{ "::ffff:192.0.2.0/120", "192.0.2.5", true },
	{ "::ffff:192.0.2.0/120", "192.0.3.5", false },
	{ "::ffff:192.0.2.7", "192.0.2.7", true },
	{ "::ffff:0:0/96", "192.0.2.5", true },
	/* the family decides: IPv6 networks never take IPv4 addresses */
	{ "2001:db8::/32", "192.0.2.5", false },
};

static void test_match(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		struct netlist *list = NULL;
		struct ip_bin ip;
		const char *error = NULL;

		if (netlist_parse(c->list, &list, &error) < 0) {
			T_CHECK(false, "case %zu: '%s' refused: %s", i, c->list,
				T_STR(error));
			continue;
		}
		T_CHECK(ip_parse(c->ip, &ip) == 0, "case %zu: bad address %s", i, c->ip);
		T_CHECK(netlist_match(list, &ip) == c->match,
			"case %zu: %s in '%s' should be %s", i, c->ip, c->list,
			c->match ? "a match" : "no match");
		netlist_free(&list);
		T_CHECK(list == NULL, "case %zu: netlist_free left the pointer", i);
	}
	T_END();
}

static void test_empty(void **state)
{
	static const char *const empties[] = { "", " ", ",", " ,\t, " };
	struct ip_bin ip;

	(void)state;
	T_BEGIN();
	assert_int_equal(ip_parse("192.0.2.1", &ip), 0);
	for (size_t i = 0; i < N(empties); i++) {
		void *marker = &ip;
		struct netlist *list = marker;     /* must be replaced */
		const char *error = NULL;

		T_CHECK(netlist_parse(empties[i], &list, &error) == 0 && list == NULL,
			"'%s': not an empty list (%s)", empties[i], T_STR(error));
		T_CHECK(!netlist_match(NULL, &ip), "the empty list matched");
	}
	/* an address of no family matches nothing */
	struct netlist *all = NULL;
	const char *error;
	struct ip_bin none;
	memset(&none, 0, sizeof(none));
	assert_int_equal(netlist_parse("0.0.0.0/0 ::/0", &all, &error), 0);
	T_CHECK(!netlist_match(all, &none), "family 0 matched");
	netlist_free(&all);
	netlist_free(&all);          /* twice is fine */
	T_END();
}

static const char *const bad_lists[] = {
	"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/-1",
	"10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0", "10.0.0.0.0", "example.org",
	"192.0.2.0/24 nonsense", "10.0.0.0/8x", "1.2.3.4/08a",
	"2001:db8::g/32", "10.0.0.0/4294967304",
	/* an IPv4-mapped network wider than the mapped range, or too long */
	"::ffff:0:0/95", "::ffff:192.0.2.0/129",
	/* longer than any address */
	"1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
};

static void test_bad(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(bad_lists); i++) {
		struct netlist *list = NULL;
		const char *error = NULL;

		T_CHECK(netlist_parse(bad_lists[i], &list, &error) == -1,
			"'%s' was accepted", bad_lists[i]);
		T_CHECK(list == NULL, "'%s': list set on error", bad_lists[i]);
		T_CHECK(error != NULL && strstr(error, "invalid network") != NULL,
			"'%s': error '%s'", bad_lists[i], T_STR(error));
	}
	T_END();
}

/* NETLIST_MAX networks are fine, one more is refused; a huge word is
   quoted shortened in the message. */
static void test_limits(void **state)
{
	size_t size = (NETLIST_MAX + 1) * 20 + 1;
	char *text = malloc(size), *p;
	struct netlist *list = NULL;
	const char *error = NULL;
	struct ip_bin ip;

	(void)state;
	assert_non_null(text);
	p = text;
	for (int i = 0; i < NETLIST_MAX; i++)
		p += sprintf(p, "10.%d.%d.0/24 ", i / 256, i % 256);
	assert_int_equal(netlist_parse(text, &list, &error), 0);
	assert_int_equal(ip_parse("10.0.255.9", &ip), 0);
	assert_true(netlist_match(list, &ip));
	assert_int_equal(ip_parse("10.1.0.9", &ip), 0);
	assert_false(netlist_match(list, &ip));
	netlist_free(&list);
	sprintf(p, "192.0.2.0/24");
	assert_int_equal(netlist_parse(text, &list, &error), -1);
	assert_null(list);
	assert_non_null(strstr(error, "more than"));

	memset(text, '7', size - 1);
	text[size - 1] = '\0';
	assert_int_equal(netlist_parse(text, &list, &error), -1);
	assert_true(strlen(error) < 200);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
	};

	test_init();
	return cmocka_run_group_tests_name("netlist", tests, NULL, NULL);
}

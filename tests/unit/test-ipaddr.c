/* test-ipaddr.c - IP addresses: parsing the forms Dovecot, Postfix and
 * libmilter print, one form per address, formatting. */
#include "testutil.h"
#include "ipaddr.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- ip_parse / ip_format ---- */

struct ip_case {
	const char *text;
	int ret;
	uint8_t family;
	const char *formatted;       /* ip_format of the result */
};

static const struct ip_case ip_cases[] = {
	{ "10.0.0.1", 0, 4, "10.0.0.1" },
	{ "0.0.0.0", 0, 4, "0.0.0.0" },
	{ "255.255.255.255", 0, 4, "255.255.255.255" },
	{ "192.0.2.10", 0, 4, "192.0.2.10" },
	{ "1.20.100.9", 0, 4, "1.20.100.9" },
	{ "[10.0.0.1]", 0, 4, "10.0.0.1" },
	{ "::1", 0, 6, "::1" },
	{ "[::1]", 0, 6, "::1" },
	{ "IPv6:::1", 0, 6, "::1" },
	{ "ipv6:::1", 0, 6, "::1" },
	{ "IPv6:[::1]", 0, 6, "::1" },
	{ "IPv6:2001:DB8::1", 0, 6, "2001:db8::1" },
	{ "2001:db8:0:0:0:0:0:1", 0, 6, "2001:db8::1" },
	/* IPv4-mapped: the IPv4 address it carries */
	{ "::ffff:10.0.0.1", 0, 4, "10.0.0.1" },
	{ "::FFFF:192.0.2.7", 0, 4, "192.0.2.7" },
	{ "[::ffff:c000:207]", 0, 4, "192.0.2.7" },
	{ "IPv6:::ffff:192.0.2.7", 0, 4, "192.0.2.7" },
	/* not mapped: IPv4-compatible (deprecated) and NAT64 stay IPv6 */
	{ "::10.0.0.1", 0, 6, "::10.0.0.1" },
	{ "64:ff9b::192.0.2.7", 0, 6, "64:ff9b::c000:207" },
	{ "::", 0, 6, "::" },
	/* 45 characters, the longest text form, in brackets */
	{ "[0000:0000:0000:0000:0000:ffff:255.255.255.255]", 0, 4, "255.255.255.255" },
	{ "", -1, 0, "" },
	{ "[]", -1, 0, "" },
	{ "IPv6:", -1, 0, "" },
	{ "IPv6:[]", -1, 0, "" },
	{ "garbage", -1, 0, "" },
	{ "unknown", -1, 0, "" },
	{ "10.0.0.256", -1, 0, "" },
	{ "10.0.0", -1, 0, "" },
	{ " 10.0.0.1", -1, 0, "" },
	{ "10.0.0.1 ", -1, 0, "" },
	{ "[10.0.0.1", -1, 0, "" },
	{ "10.0.0.1]", -1, 0, "" },
	{ "IPv6:10.0.0.1x", -1, 0, "" },
	{ "::1::", -1, 0, "" },
	{ "1:2:3:4:5:6:7:8:9", -1, 0, "" },
	{ "fe80::1%eth0", -1, 0, "" },
	/* too long for any address */
	{ "0000:0000:0000:0000:0000:ffff:255.255.255.2555", -1, 0, "" },
	{ "000000000000000000000000000000000000000000000000000000000000000000000000000000001", -1, 0, "" },
};

static void test_ip_parse(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(ip_cases); i++) {
		const struct ip_case *c = &ip_cases[i];
		struct ip_bin b;
		char text[IP_TEXT_MAX];
		int ret;

		memset(&b, 0x77, sizeof(b));
		ret = ip_parse(c->text, &b);
		T_CHECK(ret == c->ret, "case %zu '%s': returned %d, expected %d", i,
			c->text, ret, c->ret);
		T_CHECK(b.family == c->family, "case %zu '%s': family %u, expected %u",
			i, c->text, b.family, c->family);
		if (ret < 0) {
			static const uint8_t zero[16];
			T_CHECK(memcmp(b.addr, zero, 16) == 0,
				"case %zu '%s': address not cleared on failure", i, c->text);
		}
		/* records compare addresses with memcmp: IPv4 is 4 bytes + zeros */
		if (ret == 0 && b.family == 4) {
			static const uint8_t zero[12];
			T_CHECK(memcmp(b.addr + 4, zero, 12) == 0,
				"case %zu '%s': bytes after an IPv4 address", i, c->text);
		}
		ip_format(&b, text);
		T_CHECK(strcmp(text, c->formatted) == 0, "case %zu '%s': formatted '%s', "
			"expected '%s'", i, c->text, text, c->formatted);
	}
	T_END();
}

/* ip_format(ip_parse(x)) for every IPv4 byte value in every position
   (the IPv4 formatter is hand-written). */
static void test_ip_format_v4(void **state)
{
	T_BEGIN();
	for (unsigned v = 0; v < 256; v++) {
		for (int pos = 0; pos < 4; pos++) {
			unsigned o[4] = { 1, 22, 133, 4 };
			char in[32], out[IP_TEXT_MAX];
			struct ip_bin b;

			o[pos] = v;
			snprintf(in, sizeof(in), "%u.%u.%u.%u", o[0], o[1], o[2], o[3]);
			if (ip_parse(in, &b) < 0) {
				T_CHECK(false, "cannot parse %s", in);
				continue;
			}
			ip_format(&b, out);
			T_CHECK(strcmp(in, out) == 0, "%s formatted as %s", in, out);
		}
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_ip_format_v4),
	};

	test_init();
	return cmocka_run_group_tests_name("ipaddr", tests, NULL, NULL);
}

/* test-account.c - account_normalize() and account_domain()
 * (doc/DESIGN.md §4). */
#include "testutil.h"
#include "account.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Rule sets the cases refer to by index. */
enum rules_id {
	R_PLAIN,          /* lowercase, no default domain, delimiter "+" */
	R_KEEP_CASE,      /* keep the local part's case */
	R_DEFAULT_DOMAIN, /* default_domain "Example.ORG" */
	R_DEFAULT_KEEP,   /* both */
	R_MULTI_DELIM,    /* delimiters "+-" */
	R_NO_DELIM,       /* delimiters NULL */
	R_EMPTY_DELIM,    /* delimiters "" */
	R_EMPTY_DEFAULT,  /* default_domain "" */
};

static const struct account_rules rules_table[] = {
	[R_PLAIN] = { NULL, false, "+" },
	[R_KEEP_CASE] = { NULL, true, "+" },
	[R_DEFAULT_DOMAIN] = { "Example.ORG", false, "+" },
	[R_DEFAULT_KEEP] = { "Example.ORG", true, "+" },
	[R_MULTI_DELIM] = { NULL, false, "+-" },
	[R_NO_DELIM] = { NULL, false, NULL },
	[R_EMPTY_DELIM] = { NULL, false, "" },
	[R_EMPTY_DEFAULT] = { "", false, "+" },
};

#define L ACCOUNT_LOGIN
#define E ACCOUNT_ENVELOPE

struct normalize_case {
	const char *in;
	size_t len;                  /* 0: strlen(in); else explicit (NUL inside) */
	enum account_kind kind;
	enum rules_id rules;
	const char *out;             /* NULL: must be refused */
	const char *error;           /* substring of the error when refused */
};

static const struct normalize_case normalize_cases[] = {
	/* plain names and case */
	{ "user@example.com", 0, L, R_PLAIN, "user@example.com", NULL },
	{ "User@Example.COM", 0, L, R_PLAIN, "user@example.com", NULL },
	{ "User@Example.COM", 0, L, R_KEEP_CASE, "User@example.com", NULL },
	{ "USER", 0, L, R_PLAIN, "user", NULL },
	{ "USER", 0, L, R_KEEP_CASE, "USER", NULL },
	{ "a", 0, L, R_PLAIN, "a", NULL },
	/* trimming */
	{ "  user@example.com", 0, L, R_PLAIN, "user@example.com", NULL },
	{ "user@example.com \t\r\n", 0, L, R_PLAIN, "user@example.com", NULL },
	{ "\t user@example.com \n", 0, E, R_PLAIN, "user@example.com", NULL },
	{ " <user@example.com> ", 0, E, R_PLAIN, "user@example.com", NULL },
	/* empty */
	{ "", 0, L, R_PLAIN, NULL, "empty" },
	{ "   \t\r\n", 0, L, R_PLAIN, NULL, "empty" },
	{ "", 0, E, R_PLAIN, NULL, "empty" },
	{ "<>", 0, E, R_PLAIN, NULL, "empty" },
	{ " <> ", 0, E, R_PLAIN, NULL, "empty" },
	/* NUL and control bytes, lengths given so the NUL is inside */
	{ "us\0er@example.com", 17, L, R_PLAIN, NULL, "control" },
	{ "user@example.com\0", 17, L, R_PLAIN, NULL, "control" },
	{ "\0", 1, L, R_PLAIN, NULL, "control" },
	{ "\0user", 5, E, R_PLAIN, NULL, "control" },
	{ "user\x01@example.com", 0, L, R_PLAIN, NULL, "control" },
	{ "user@exam\x1fple.com", 0, L, R_PLAIN, NULL, "control" },
	{ "user\x7f@example.com", 0, L, R_PLAIN, NULL, "control" },
	{ "user@example.com\x1b", 0, E, R_PLAIN, NULL, "control" },
	/* the length bound counts, not the NUL: a name cut short by len */
	{ "user@example.comXYZ", 16, L, R_PLAIN, "user@example.com", NULL },
	/* white space and brackets inside are refused */
	{ "us er@example.com", 0, L, R_PLAIN, NULL, "white space" },
	{ "user@exa mple.com", 0, E, R_PLAIN, NULL, "white space" },
	{ "< user@example.com>", 0, E, R_PLAIN, NULL, "white space" },
	{ "us\ter@example.com", 0, L, R_PLAIN, NULL, NULL },
	{ "us\ner@example.com", 0, L, R_PLAIN, NULL, NULL },
	{ "<user@example.com> x", 0, E, R_PLAIN, NULL, NULL },
	/* a login name may hold brackets (a passwd-file user can) */
	{ "<User@Example.com>", 0, L, R_PLAIN, "<user@example.com>", NULL },
	{ "a<b>c", 0, L, R_PLAIN, "a<b>c", NULL },
	{ "<user@example.com", 0, E, R_PLAIN, NULL, "brackets" },
	{ "user@example.com>", 0, E, R_PLAIN, NULL, "brackets" },
	{ "<<user@example.com>>", 0, E, R_PLAIN, NULL, "brackets" },
	/* '@' */
	{ "a@b@example.com", 0, L, R_PLAIN, NULL, "more than one" },
	{ "a@@example.com", 0, L, R_PLAIN, NULL, "more than one" },
	{ "@example.com", 0, L, R_PLAIN, NULL, "empty local" },
	{ "<@example.com>", 0, E, R_PLAIN, NULL, "empty local" },
	{ "user@", 0, L, R_PLAIN, NULL, "empty domain" },
	{ "@", 0, L, R_PLAIN, NULL, "empty local" },
	/* default_domain: only for bare names, lowercased, never twice */
	{ "bob", 0, L, R_DEFAULT_DOMAIN, "bob@example.org", NULL },
	{ "Bob", 0, L, R_DEFAULT_DOMAIN, "bob@example.org", NULL },
	{ "Bob", 0, L, R_DEFAULT_KEEP, "Bob@example.org", NULL },
	{ "bob@Other.NET", 0, L, R_DEFAULT_DOMAIN, "bob@other.net", NULL },
	{ "a+b", 0, L, R_DEFAULT_DOMAIN, "a+b@example.org", NULL },
	{ "<bob+tag>", 0, E, R_DEFAULT_DOMAIN, "bob@example.org", NULL },
	{ "bob", 0, L, R_EMPTY_DEFAULT, "bob", NULL },
	/* envelope: <>, +detail, delimiters */
	{ "<a+tag@X>", 0, E, R_PLAIN, "a@x", NULL },
	{ "a+tag@example.com", 0, E, R_PLAIN, "a@example.com", NULL },
	{ "a+@example.com", 0, E, R_PLAIN, "a@example.com", NULL },
	{ "a+b+c@example.com", 0, E, R_PLAIN, "a@example.com", NULL },
	{ "a-b@example.com", 0, E, R_PLAIN, "a-b@example.com", NULL },
	{ "a-b+c@example.com", 0, E, R_MULTI_DELIM, "a@example.com", NULL },
	{ "a+b-c@example.com", 0, E, R_MULTI_DELIM, "a@example.com", NULL },
	{ "ab-c@example.com", 0, E, R_MULTI_DELIM, "ab@example.com", NULL },
	{ "+tag@example.com", 0, E, R_PLAIN, NULL, "delimiter" },
	{ "-tag@example.com", 0, E, R_MULTI_DELIM, NULL, "delimiter" },
	{ "a+tag@example.com", 0, E, R_NO_DELIM, "a+tag@example.com", NULL },
	{ "a+tag@example.com", 0, E, R_EMPTY_DELIM, "a+tag@example.com", NULL },
	/* the delimiter is looked for in the local part only */
	{ "a@ex+ample.com", 0, E, R_PLAIN, "a@ex+ample.com", NULL },
	{ "<A+Tag@EXAMPLE.com>", 0, E, R_KEEP_CASE, "A@example.com", NULL },
	/* login names keep '+' (it is the name itself) and brackets are no
	   envelope syntax there */
	{ "a+tag@example.com", 0, L, R_PLAIN, "a+tag@example.com", NULL },
	{ "a-tag@example.com", 0, L, R_MULTI_DELIM, "a-tag@example.com", NULL },
	{ "+a@example.com", 0, L, R_PLAIN, "+a@example.com", NULL },
	/* 8-bit bytes are accepted as they are (not lowercased) */
	{ "j\xc3\xbcrgen@example.com", 0, L, R_PLAIN, "j\xc3\xbcrgen@example.com", NULL },
	{ "J\xc3\x9c@B\xc3\x9c.DE", 0, L, R_PLAIN, "j\xc3\x9c@b\xc3\x9c.de", NULL },
	{ "\xff\x80@example.com", 0, E, R_PLAIN, "\xff\x80@example.com", NULL },
};

static void test_normalize_table(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(normalize_cases) / sizeof(normalize_cases[0]); i++) {
		const struct normalize_case *c = &normalize_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->in);
		char out[ACCOUNT_MAX + 1], ein[256], eout[256];
		const char *error = NULL;
		int ret;

		memset(out, '#', sizeof(out));
		out[ACCOUNT_MAX] = '\0';
		ret = account_normalize(c->in, len, c->kind, &rules_table[c->rules],
					out, &error);
		test_escape(c->in, len, ein, sizeof(ein));
		if (c->out != NULL) {
			T_CHECK(ret == (int)strlen(c->out),
				"case %zu '%s': returned %d (%s), expected %zu", i, ein,
				ret, T_STR(error), strlen(c->out));
			if (ret >= 0)
				T_CHECK(strcmp(out, c->out) == 0,
					"case %zu '%s': got '%s', expected '%s'", i, ein,
					test_escape(out, strlen(out), eout, sizeof(eout)),
					c->out);
		} else {
			T_CHECK(ret == -1, "case %zu '%s': accepted as '%s', expected "
				"refusal", i, ein, ret >= 0 ? out : "");
			T_CHECK(ret >= 0 || error != NULL,
				"case %zu '%s': refused without an error", i, ein);
			if (ret < 0 && error != NULL && c->error != NULL)
				T_CHECK(strstr(error, c->error) != NULL,
					"case %zu '%s': error '%s' does not mention '%s'",
					i, ein, error, c->error);
			/* out is written only on success */
			T_CHECK(out[0] == '#' && out[ACCOUNT_MAX - 1] == '#',
				"case %zu '%s': out written on failure", i, ein);
		}
	}
	T_END();
}

/* Lengths around ACCOUNT_MAX, built at run time. */
struct length_case {
	size_t local, domain;        /* lengths of local part and domain; 0 no '@' */
	size_t pad;                  /* white space around it (trimmed first) */
	enum account_kind kind;
	bool brackets;               /* envelope "<...>" around it */
	enum rules_id rules;
	bool ok;
	size_t out_len;
};

static const struct length_case length_cases[] = {
	/* 64 + '@' + 255 = 320: the limit */
	{ 64, 255, 0, L, false, R_PLAIN, true, 320 },
	{ 64, 256, 0, L, false, R_PLAIN, false, 0 },
	{ 319, 0, 0, L, false, R_PLAIN, true, 319 },
	{ 320, 0, 0, L, false, R_PLAIN, true, 320 },
	{ 321, 0, 0, L, false, R_PLAIN, false, 0 },
	{ 5000, 0, 0, L, false, R_PLAIN, false, 0 },
	/* white space around does not count */
	{ 64, 255, 40, L, false, R_PLAIN, true, 320 },
	/* the envelope's brackets do not count */
	{ 64, 255, 0, E, true, R_PLAIN, true, 320 },
	{ 64, 256, 0, E, true, R_PLAIN, false, 0 },
	/* with default_domain "example.org" (11): 308 + 1 + 11 = 320 */
	{ 308, 0, 0, L, false, R_DEFAULT_DOMAIN, true, 320 },
	{ 309, 0, 0, L, false, R_DEFAULT_DOMAIN, false, 0 },
	{ 320, 0, 0, L, false, R_DEFAULT_DOMAIN, false, 0 },
};

static void test_normalize_lengths(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		const struct length_case *c = &length_cases[i];
		char in[6000], out[ACCOUNT_MAX + 1];
		const char *error = NULL;
		size_t n = 0;
		int ret;

		memset(in + n, ' ', c->pad); n += c->pad;
		if (c->brackets) in[n++] = '<';
		memset(in + n, 'A', c->local); n += c->local;
		if (c->domain > 0) {
			in[n++] = '@';
			memset(in + n, 'D', c->domain); n += c->domain;
		}
		if (c->brackets) in[n++] = '>';
		memset(in + n, '\t', c->pad); n += c->pad;
		ret = account_normalize(in, n, c->kind, &rules_table[c->rules], out,
					&error);
		if (c->ok) {
			T_CHECK(ret == (int)c->out_len, "case %zu (local %zu, domain %zu): "
				"returned %d (%s), expected %zu", i, c->local, c->domain,
				ret, T_STR(error), c->out_len);
			if (ret >= 0) {
				T_CHECK(strlen(out) == c->out_len && out[0] == 'a',
					"case %zu: bad output", i);
				T_CHECK(c->domain == 0 || out[c->local + 1] == 'd',
					"case %zu: domain not lowercased", i);
			}
		} else {
			T_CHECK(ret == -1, "case %zu (local %zu, domain %zu): accepted",
				i, c->local, c->domain);
			T_CHECK(ret >= 0 || (error != NULL && strstr(error, "too long") != NULL),
				"case %zu: error '%s' does not say too long", i, T_STR(error));
		}
	}
	T_END();
}

struct domain_case {
	const char *account;
	const char *domain;          /* NULL: none */
};

static const struct domain_case domain_cases[] = {
	{ "user@example.com", "example.com" },
	{ "user", NULL },
	{ "a+b@x", "x" },
	{ "user@", "" },
};

static void test_domain(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++) {
		const struct domain_case *c = &domain_cases[i];
		const char *d = account_domain(c->account);

		if (c->domain == NULL)
			T_CHECK(d == NULL, "case %zu '%s': got '%s', expected none", i,
				c->account, d);
		else
			T_CHECK(d != NULL && strcmp(d, c->domain) == 0,
				"case %zu '%s': got '%s', expected '%s'", i, c->account,
				T_STR(d), c->domain);
	}
	T_END();
}

/* Normalising is idempotent: a normalised name normalises to itself, as
   a login and as an envelope address, whatever the rules. */
static void test_idempotent(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(normalize_cases) / sizeof(normalize_cases[0]); i++) {
		const struct normalize_case *c = &normalize_cases[i];
		char out[ACCOUNT_MAX + 1];
		const char *error = NULL;
		int ret;

		if (c->out == NULL)
			continue;
		ret = account_normalize(c->out, strlen(c->out), c->kind,
					&rules_table[c->rules], out, &error);
		T_CHECK(ret == (int)strlen(c->out) && strcmp(out, c->out) == 0,
			"case %zu: '%s' normalised again gives %d '%s' (%s)", i, c->out,
			ret, ret >= 0 ? out : "", T_STR(error));
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_table),
		cmocka_unit_test(test_normalize_lengths),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_idempotent),
	};

	test_init();
	return cmocka_run_group_tests_name("account", tests, NULL, NULL);
}

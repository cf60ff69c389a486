/* test-output.c - the escaping of reporter/output.c: text_safe(), what
 * reaches an admin's terminal from an account name, an actor or a reason;
 * and the CSV, JSON and HTML forms of the same bytes. */
#include "testutil.h"
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text_case {
	const char *in;
	size_t len;                  /* 0: strlen(in); else explicit (NUL inside) */
	const char *out;
};

static const struct text_case text_cases[] = {
	/* as they are: printable ASCII and visible UTF-8 */
	{ "user@example.org", 0, "user@example.org" },
	{ "j\xc3\xb6rg@m\xc3\xbcller.de", 0, "j\xc3\xb6rg@m\xc3\xbcller.de" },
	{ "\xe2\x82\xac \xe4\xb8\xad \xf0\x9f\x93\xa7", 0,
	  "\xe2\x82\xac \xe4\xb8\xad \xf0\x9f\x93\xa7" },
	{ "\xc2\xa0\xc2\xa9\xc3\xbf", 0, "\xc2\xa0\xc2\xa9\xc3\xbf" },   /* U+00A0.. */
	{ "\xe2\x80\x8a\xe2\x80\x90", 0, "\xe2\x80\x8a\xe2\x80\x90" },   /* 200A 2010 */
	{ "\xe2\x80\xaf\xe2\x81\x9f", 0, "\xe2\x80\xaf\xe2\x81\x9f" },   /* 202F 205F */
	/* C0 controls, DEL, NUL, the backslash */
	{ "a\x1b[31mb", 0, "a\\x1b[31mb" },
	{ "\r\n\t\x7f", 0, "\\x0d\\x0a\\x09\\x7f" },
	{ "a\0b", 3, "a\\x00b" },
	{ "a\\x41", 0, "a\\x5cx41" },
	/* C1 controls as UTF-8 (U+0080..U+009F) and as raw bytes */
	{ "\xc2\x80", 0, "\\u0080" },
	{ "\xc2\x85", 0, "\\u0085" },
	{ "\xc2\x9b" "31m", 0, "\\u009b31m" },
	{ "\xc2\x9f", 0, "\\u009f" },
	{ "\x9b" "31m\x85", 0, "\\x9b31m\\x85" },
	/* bidi embeddings, overrides, isolates, marks */
	{ "evil\xe2\x80\xaegro.elpmaxe@", 0, "evil\\u202egro.elpmaxe@" },
	{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", 0,
	  "\\u202a\\u202b\\u202c\\u202d" },
	{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", 0,
	  "\\u2066\\u2067\\u2068\\u2069" },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", 0, "\\u200e\\u200f\\u061c" },
	/* invisible: zero widths, joiners, BOM, soft hyphen, separators, tags */
	{ "ad\xe2\x80\x8bmin", 0, "ad\\u200bmin" },
	{ "\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0", 0, "\\u200c\\u200d\\u2060" },
	{ "\xef\xbb\xbf" "a\xc2\xad" "b", 0, "\\ufeffa\\u00adb" },
	{ "\xe2\x80\xa8\xe2\x80\xa9", 0, "\\u2028\\u2029" },
	{ "a\xef\xb8\x8f\xe1\x85\x9f\xe3\x85\xa4", 0, "a\\ufe0f\\u115f\\u3164" },
	{ "\xf3\xa0\x81\x81\xf3\xa0\x81\xbf", 0, "\\U000e0041\\U000e007f" },
	{ "\xef\xbf\xbe\xef\xbf\xb9", 0, "\\ufffe\\ufff9" },
	/* invalid UTF-8: every byte escaped */
	{ "\xff\xfe", 0, "\\xff\\xfe" },
	{ "\xc0\xaf", 0, "\\xc0\\xaf" },                     /* overlong '/' */
	{ "\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf" },            /* overlong */
	{ "\xed\xa0\x80", 0, "\\xed\\xa0\\x80" },            /* surrogate */
	{ "\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80" },   /* > U+10FFFF */
	{ "a\xe2\x80", 0, "a\\xe2\\x80" },                   /* cut short */
	{ "\xe2\x80\xae", 2, "\\xe2\\x80" },                 /* cut by len */
};

static void test_text_safe_table(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		const struct text_case *c = &text_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->in), size = 0;
		char *buf = NULL, esc[256], got[512];
		FILE *f = open_memstream(&buf, &size);

		if (f == NULL)
			T_FATAL("open_memstream failed");
		text_safe(f, c->in, len);
		fclose(f);
		T_CHECK(strcmp(buf, c->out) == 0, "case %zu '%s': got '%s', expected '%s'",
			i, test_escape(c->in, len, esc, sizeof(esc)),
			test_escape(buf, size, got, sizeof(got)), c->out);
		free(buf);
	}
	T_END();
}

/* Whatever the bytes, the output is printable ASCII only or visible UTF-8:
   no byte below 0x20, no DEL, and only sequences text_safe lets through. */
static void test_text_safe_random(void **state)
{
	struct test_rng rng = { test_seed() };

	T_BEGIN();
	for (int i = 0; i < 20000; i++) {
		unsigned char in[16];
		size_t len = (size_t)test_rng_range(&rng, 1, sizeof(in)), size = 0;
		char *buf = NULL;
		FILE *f = open_memstream(&buf, &size);

		if (f == NULL)
			T_FATAL("open_memstream failed");
		for (size_t j = 0; j < len; j++)
			in[j] = (unsigned char)test_rng_next(&rng);
		text_safe(f, (const char *)in, len);
		fclose(f);
		for (size_t j = 0; j < size; j++) {
			unsigned char b = (unsigned char)buf[j];
			T_CHECK(b >= 0x20 && b != 0x7f, "control byte 0x%02x in output", b);
			/* C1 as UTF-8 (C2 80..9F) never passes */
			T_CHECK(!(b == 0xc2 && j + 1 < size &&
				  (unsigned char)buf[j + 1] < 0xa0),
				"C1 control in output");
		}
		free(buf);
	}
	T_END();
}

enum escaper { ESC_CSV, ESC_JSON, ESC_HTML };

struct escape_case {
	enum escaper how;
	const char *in;
	size_t len;                  /* 0: strlen(in) */
	const char *out;
};

static const struct escape_case escape_cases[] = {
	/* CSV (RFC 4180): quoted when needed, quotes doubled, formulas defused */
	{ ESC_CSV, "user@example.org", 0, "user@example.org" },
	{ ESC_CSV, "", 0, "" },
	{ ESC_CSV, "a,b", 0, "\"a,b\"" },
	{ ESC_CSV, "say \"hi\"", 0, "\"say \"\"hi\"\"\"" },
	{ ESC_CSV, "two\nlines", 0, "\"two\nlines\"" },
	{ ESC_CSV, "cr\rhere", 0, "\"cr\rhere\"" },
	{ ESC_CSV, " lead", 0, "\" lead\"" },
	{ ESC_CSV, "trail ", 0, "\"trail \"" },
	{ ESC_CSV, "=SUM(A1)", 0, "\"'=SUM(A1)\"" },
	{ ESC_CSV, "+1", 0, "\"'+1\"" },
	{ ESC_CSV, "-rf", 0, "\"'-rf\"" },
	{ ESC_CSV, "@at", 0, "\"'@at\"" },
	{ ESC_CSV, "\tx", 0, "\"'\tx\"" },
	{ ESC_CSV, "=a,\"b\"", 0, "\"'=a,\"\"b\"\"\"" },
	{ ESC_CSV, "caf\xc3\xa9\xff", 0, "caf\xc3\xa9\xff" },   /* bytes as they are */
	/* JSON: quotes, controls as \u00XX, invalid UTF-8 as U+FFFD */
	{ ESC_JSON, "user@example.org", 0, "\"user@example.org\"" },
	{ ESC_JSON, "", 0, "\"\"" },
	{ ESC_JSON, "q\"b\\s", 0, "\"q\\\"b\\\\s\"" },
	{ ESC_JSON, "\n\r\t\x01\x1f\x7f", 0, "\"\\u000a\\u000d\\u0009\\u0001\\u001f\\u007f\"" },
	{ ESC_JSON, "a\0b", 3, "\"a\\u0000b\"" },
	{ ESC_JSON, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7", 0,
	  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\"" },
	{ ESC_JSON, "\xff\xc0\xaf", 0, "\"\\ufffd\\ufffd\\ufffd\"" },
	{ ESC_JSON, "\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\"" },    /* surrogate */
	{ ESC_JSON, "a\xe2\x82", 0, "\"a\\ufffd\\ufffd\"" },            /* cut short */
	/* HTML: markup and quotes as entities, controls and invalid UTF-8 as U+FFFD */
	{ ESC_HTML, "<script>alert('x')</script>", 0,
	  "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
	{ ESC_HTML, "a&b \"c\"", 0, "a&amp;b &quot;c&quot;" },
	{ ESC_HTML, "\x1b\x7f\xff", 0, "&#xfffd;&#xfffd;&#xfffd;" },
	{ ESC_HTML, "j\xc3\xb6rg", 0, "j\xc3\xb6rg" },
	/* what reorders or hides text, as text_safe shows it: a unit named
	   "evil<RLO>gro" must not read as "evilorg" on the page */
	{ ESC_HTML, "evil\xe2\x80\xaegro", 0, "evil\\u202egro" },
	{ ESC_HTML, "ad\xe2\x80\x8bmin \xc2\x85 \xf3\xa0\x80\x81", 0,
	  "ad\\u200bmin \\u0085 \\U000e0001" },
	{ ESC_HTML, "S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh", 0,
	  "S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh" },
};

static void test_escape_table(void **state)
{
	static const char *const names[] = { "csv", "json", "html" };

	T_BEGIN();
	for (size_t i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]); i++) {
		const struct escape_case *c = &escape_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->in), size = 0;
		char *buf = NULL, esc[256], got[512], want[512];
		FILE *f = open_memstream(&buf, &size);

		if (f == NULL)
			T_FATAL("open_memstream failed");
		if (c->how == ESC_CSV)
			csv_field(f, c->in, len);
		else if (c->how == ESC_JSON)
			json_string(f, c->in, len);
		else
			html_escape(f, c->in, len);
		fclose(f);
		T_CHECK(size == strlen(c->out) && memcmp(buf, c->out, size) == 0,
			"case %zu %s '%s': got '%s', expected '%s'", i, names[c->how],
			test_escape(c->in, len, esc, sizeof(esc)),
			test_escape(buf, size, got, sizeof(got)),
			test_escape(c->out, strlen(c->out), want, sizeof(want)));
		free(buf);
	}
	T_END();
}

/* A text table's width of a name: printed UTF-8 characters count one (a
   Vietnamese unit lines up), escaped bytes one each, as before. */
/* text_safe returns the columns it wrote: a text table pads by them */
static size_t safe_cols(const char *s, size_t len, char out[256])
{
	FILE *f = fmemopen(out, 256, "w");
	size_t cols;

	assert_non_null(f);
	cols = text_safe(f, s, len);
	fclose(f);
	return cols;
}

static void test_text_safe_columns(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(safe_cols("Lab", 3, out), 3);
	assert_int_equal(safe_cols("T\xc3\xa0i ch\xc3\xadnh", 11, out), 9);
	assert_int_equal(safe_cols("\xe1\xbb\xaf", 3, out), 1);       /* ữ */
	/* a\x1b[2J\u202e\xff@x.org: every escape counts its length */
	assert_int_equal(safe_cols("a\x1b[2J\xe2\x80\xae\xff@x.org", 15, out), 24);
	assert_int_equal(strlen(out), 24);
	assert_int_equal(safe_cols("\xc3", 1, out), 4);      /* cut short: \xc3 */
	assert_int_equal(safe_cols("", 0, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_safe_table),
		cmocka_unit_test(test_text_safe_random),
		cmocka_unit_test(test_text_safe_columns),
		cmocka_unit_test(test_escape_table),
	};

	test_init();
	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}

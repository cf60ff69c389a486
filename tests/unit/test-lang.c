/* test-lang.c - reporter/lang.c: which language the configuration and the
 * environment choose (doc/DESIGN.md §8.12), the dates people read in each,
 * and mail.c's RFC 2047 Subject that carries them. */
#include "testutil.h"
#include "lang.h"
#include "mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct choose_case {
	const char *configured, *language, *lc_all, *lc_messages, *lang;
	const char *want;
};

static const struct choose_case choose_cases[] = {
	/* the configuration wins over any environment */
	{ "vi", NULL, "C", NULL, NULL, "vi" },
	{ "en", "vi", NULL, NULL, "vi_VN.UTF-8", "en" },
	{ "", NULL, NULL, NULL, NULL, "en" },
	/* the locale: the first non-empty of LC_ALL, LC_MESSAGES, LANG */
	{ "", NULL, NULL, NULL, "vi_VN.UTF-8", "vi" },
	{ "", NULL, NULL, "vi_VN", "en_US.UTF-8", "vi" },
	{ "", NULL, "en_GB.UTF-8", "vi_VN", NULL, "en" },
	{ "", NULL, "", "", "vi", "vi" },
	{ "", NULL, NULL, NULL, "vi_VN.UTF-8@euro", "vi" },
	{ "", NULL, NULL, NULL, "fr_FR.UTF-8", "en" },
	{ "", NULL, NULL, NULL, "vietnam", "en" },
	/* LANGUAGE counts with a locale other than C/POSIX (gettext's rule) */
	{ "", "vi", NULL, NULL, "C.UTF-8", "vi" },
	{ "", "fr:vi_VN:en", NULL, NULL, "C.UTF-8", "vi" },
	{ "", "en:vi", NULL, NULL, "vi_VN.UTF-8", "en" },
	{ "", "fr:de", NULL, NULL, "vi_VN.UTF-8", "vi" },
	{ "", "", NULL, NULL, "C.UTF-8", "en" },
	{ "", "vi", "C", NULL, "vi_VN.UTF-8", "en" },
	{ "", "vi", NULL, "POSIX", NULL, "en" },
	{ "", "vi", NULL, NULL, NULL, "en" },
	{ "", "::vi:", NULL, NULL, "C.UTF-8", "vi" },
};

static void test_choose_table(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(choose_cases); i++) {
		const struct choose_case *c = &choose_cases[i];
		const char *got = lang_choose(c->configured, c->language, c->lc_all,
					      c->lc_messages, c->lang);

		T_CHECK(strcmp(got, c->want) == 0, "case %zu: got %s, expected %s",
			i, got, c->want);
	}
	T_END();
}

struct date_case {
	int64_t t;
	enum lang_date_style style;
	const char *en, *vi;
};

static const struct date_case date_cases[] = {
	{ 1795521600, LANG_DATE_TIME, "2026-11-24T12:00:00Z", "24/11/2026 12:00:00 UTC" },
	{ 1795521600, LANG_DATE_DAY, "2026-11-24", "24/11/2026" },
	{ 1795521600, LANG_DATE_COLUMN, "2026-11-24T12:00:00Z", "24/11/2026 12:00" },
	{ 1796256000, LANG_DATE_DAY, "2026-12-03", "03/12/2026" },
	{ 1796338799, LANG_DATE_TIME, "2026-12-03T22:59:59Z", "03/12/2026 22:59:59 UTC" },
	{ 0, LANG_DATE_TIME, "", "" },           /* never */
	{ 0, LANG_DATE_DAY, "", "" },
	{ 253402300799, LANG_DATE_DAY, "9999-12-31", "31/12/9999" },
};

static void check_dates(const char *lang)
{
	for (size_t i = 0; i < N(date_cases); i++) {
		const struct date_case *c = &date_cases[i];
		const char *want = strcmp(lang, "vi") == 0 ? c->vi : c->en;
		char buf[LANG_DATE_MAX];

		lang_date(c->t, c->style, buf);
		T_CHECK(strcmp(buf, want) == 0, "%s case %zu: got '%s', expected '%s'",
			lang, i, buf, want);
	}
}

/* English first (nothing chosen yet), then Vietnamese: lang_init switches
   the process once, as main() does. */
static void test_dates_en_then_vi(void **state)
{
	char buf[LANG_DATE_MAX], text[LANG_DATE_MAX];

	(void)state;
	T_BEGIN();
	T_CHECK(strcmp(lang_current(), "en") == 0, "current %s", lang_current());
	check_dates("en");
	T_CHECK(strcmp(lang_month("2026-11", buf), "2026-11") == 0, "en month");
	/* no catalogue there: English, dates too, and -1 */
	T_CHECK(lang_init("vi", "/nonexistent") == -1, "no catalogue");
	T_CHECK(strcmp(lang_current(), "en") == 0, "current %s", lang_current());
	lang_set("vi");
	check_dates("vi");
	T_CHECK(strcmp(lang_month("2026-11", buf), "11/2026") == 0, "vi month %s", buf);
	T_CHECK(strcmp(lang_month("bogus", buf), "bogus") == 0, "vi bad month");
	T_CHECK(strcmp(lang_date_text("2026-11-24T12:00:00Z", text),
		       "24/11/2026 12:00:00 UTC") == 0, "date_text %s", text);
	T_CHECK(strcmp(lang_date_text("", text), "") == 0, "date_text never");
	T_CHECK(strcmp(lang_date_text("not a time", text), "not a time") == 0,
		"date_text junk");
	T_END();
}

static const char base64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decode the encoded words of a Subject value back into buf. */
static size_t subject_decode(const char *value, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int acc = 0, bits = 0;
	const char *p = value;

	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		for (p += 10; *p != '?' && *p != '\0'; p++) {
			const char *c = strchr(base64_alphabet, *p);

			if (*p == '=' || c == NULL)
				continue;
			acc = (acc << 6) | (unsigned)(c - base64_alphabet);
			bits += 6;
			if (bits >= 8 && n < size) {
				bits -= 8;
				buf[n++] = (char)((acc >> bits) & 0xff);
			}
		}
		bits = 0;
	}
	return n;
}

static void test_mail_subject(void **state)
{
	static const char *const subjects[] = {
		"Your mailbox a@example.org will be suspended on 2026-12-03",
		"H\xe1\xbb\x99p th\xc6\xb0 user00@example.org s\xe1\xba\xbd b\xe1\xbb\x8b "
		"t\xe1\xba\xa1m kh\xc3\xb3" "a v\xc3\xa0o ng\xc3\xa0y 29/09/2025",
		/* 1 + 3 * 18 bytes: 45 would cut the 15th character */
		"a\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99"
		"\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99"
		"\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99\xe1\xbb\x99",
		"a\tb",
	};

	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(subjects); i++) {
		const char *s = subjects[i];
		char *out = NULL, decoded[512];
		size_t size = 0, n;
		bool ascii = strspn(s, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMN"
				    "OPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~") ==
			strlen(s);
		FILE *f = open_memstream(&out, &size);

		if (f == NULL)
			T_FATAL("open_memstream failed");
		mail_subject(f, s, strlen(s));
		fclose(f);
		T_CHECK(strncmp(out, "Subject: ", 9) == 0 && out[size - 1] == '\n',
			"case %zu: %s", i, out);
		if (ascii) {
			/* as it is: English subjects unchanged */
			T_CHECK(size == 9 + strlen(s) + 1 &&
				strncmp(out + 9, s, strlen(s)) == 0,
				"case %zu: %s", i, out);
			free(out);
			continue;
		}
		/* only ASCII on the wire, encoded words of at most 75 bytes,
		   each holding whole UTF-8 characters, and the text back */
		for (char *p = out, *line; (line = strsep(&p, "\n")) != NULL; ) {
			const char *w = strstr(line, "=?UTF-8?B?");
			const char *e = w != NULL ? strstr(w, "?=") : NULL;

			if (line[0] == '\0')
				continue;
			T_CHECK(w != NULL && e != NULL && e + 2 - w <= 75,
				"case %zu: line '%s'", i, line);
			if (w != NULL && e != NULL) {
				char one[128];
				char part[128];
				size_t len = (size_t)(e + 2 - w);

				snprintf(part, sizeof(part), "%.*s", (int)len, w);
				n = subject_decode(part, one, sizeof(one));
				T_CHECK(n > 0 && ((unsigned char)one[0] & 0xc0) != 0x80,
					"case %zu: a word starts inside a character", i);
			}
		}
		free(out);
		f = open_memstream(&out, &size);
		if (f == NULL)
			T_FATAL("open_memstream failed");
		mail_subject(f, s, strlen(s));
		fclose(f);
		for (size_t j = 0; j < size; j++)
			T_CHECK((unsigned char)out[j] < 0x80 && (out[j] >= 0x20 ||
				out[j] == '\n'), "case %zu: byte %zu not printable ASCII", i, j);
		n = subject_decode(out, decoded, sizeof(decoded));
		T_CHECK(n == strlen(s) && memcmp(decoded, s, n) == 0,
			"case %zu: decodes to '%.*s'", i, (int)n, decoded);
		free(out);
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose_table),
		cmocka_unit_test(test_dates_en_then_vi),
		cmocka_unit_test(test_mail_subject),
	};

	test_init();
	return cmocka_run_group_tests_name("lang", tests, NULL, NULL);
}

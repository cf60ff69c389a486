/* test-review: the review database's keys and records (decoded as hostile
 * input), the sheet parser (a returned sheet is anyone's file) and the
 * units file. The checks against the database (wrong key, another unit's
 * account, another campaign) are driven through the CLI in
 * tests/cli/test_review.py. */
#include "testutil.h"
#include "review-record.h"
#include "policy.h"
#include "review.h"
#include "sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_records_round_trip(void **state)
{
	struct review_campaign c = { REVIEW_CLOSED, 100, 200, 300, 7, 9 }, c2;
	struct review_unit u, u2;
	struct review_item it, it2;
	struct review_revoked r = { 55, "20261124-120000", "Nguyễn Văn A" }, r2;
	uint8_t buf[REVIEW_UNIT_MAX + REVIEW_ITEM_MAX];
	const char *error;
	size_t len;

	(void)state;
	len = review_campaign_encode(&c, buf);
	assert_int_equal(len, REVIEW_CAMPAIGN_SIZE);
	assert_int_equal(review_campaign_decode(buf, len, &c2, &error), 0);
	assert_memory_equal(&c, &c2, sizeof(c));

	memset(&u, 0, sizeof(u));
	strcpy(u.name, "Tài chính");
	strcpy(u.reviewer, "boss@example.org");
	u.source = REVIEWER_MANAGER;
	memset(u.key, 0xa5, sizeof(u.key));
	u.accounts = 12;
	u.sheets = 2;
	u.reminded = 1000;
	u.answered = 2000;
	len = review_unit_encode(&u, buf);
	assert_true(len <= REVIEW_UNIT_MAX);
	memset(&u2, 0x55, sizeof(u2));
	assert_int_equal(review_unit_decode(buf, len, &u2, &error), 0);
	assert_string_equal(u2.name, u.name);
	assert_string_equal(u2.reviewer, u.reviewer);
	assert_memory_equal(u2.key, u.key, sizeof(u.key));
	assert_int_equal(u2.sheets, 2);
	assert_int_equal(u2.answered, 2000);

	memset(&it, 0, sizeof(it));
	it.status = STATUS_NEVER_USED;
	it.decision = REVIEW_KEEP;
	it.decided = 77;
	it.idle_days = -1;
	it.keep_until = 99;
	memset(it.reason, 'r', REVIEW_REASON_MAX);
	memset(it.reviewer, 'n', REVIEW_NAME_MAX);
	len = review_item_encode(&it, buf);
	assert_int_equal(len, REVIEW_ITEM_MAX);
	assert_int_equal(review_item_decode(buf, len, &it2, &error), 0);
	assert_int_equal(it2.decision, REVIEW_KEEP);
	assert_int_equal(it2.idle_days, -1);
	assert_string_equal(it2.reason, it.reason);
	assert_string_equal(it2.reviewer, it.reviewer);
	/* room to append: a longer record of a known version is read */
	buf[len] = 0xff;
	assert_int_equal(review_item_decode(buf, len + 1, &it2, &error), 0);

	len = review_revoked_encode(&r, buf);
	assert_int_equal(review_revoked_decode(buf, len, &r2, &error), 0);
	assert_string_equal(r2.id, r.id);
	assert_string_equal(r2.reviewer, r.reviewer);
}

/* A record as the mail uid could plant it: each mutation of a good item
   record must be refused, never half read. */
struct mutation {
	const char *name;
	size_t offset;               /* byte to set, or SIZE_MAX: truncate */
	uint8_t value;
	size_t keep;                 /* bytes kept when truncating */
	const char *error;
};

static const struct mutation item_mutations[] = {
	{ "version 0", 0, 0, 0, "malformed" },
	{ "newer version", 0, 2, 0, "newer dormant" },
	{ "unknown status", 1, STATUS_COUNT, 0, "malformed" },
	{ "unknown decision", 2, 3, 0, "malformed" },
	{ "bad flags", 3, 2, 0, "malformed" },
	{ "negative login time", 15, 0x80, 0, "malformed" },
	{ "decided but undecided", 2, REVIEW_UNDECIDED, 0, "malformed" },
	{ "reason longer than its record", 48, 0xff, 0, "malformed text" },
	{ "control byte in the reason", 50, '\n', 0, "malformed text" },
	{ "truncated fixed part", SIZE_MAX, 0, 47, "truncated" },
	{ "truncated reason", SIZE_MAX, 0, 52, "malformed text" },
	{ "no reviewer length", SIZE_MAX, 0, 54, "truncated" },
	{ "empty", SIZE_MAX, 0, 0, "malformed" },
};

static void test_item_hostile(void **state)
{
	struct review_item it, out;
	uint8_t good[REVIEW_ITEM_MAX], buf[REVIEW_ITEM_MAX];
	size_t len;

	(void)state;
	memset(&it, 0, sizeof(it));
	it.status = STATUS_DORMANT;
	it.decision = REVIEW_REVOKE;
	it.decided = 5;
	strcpy(it.reason, "left");
	strcpy(it.reviewer, "An");
	len = review_item_encode(&it, good);
	T_BEGIN();
	for (size_t i = 0; i < N(item_mutations); i++) {
		const struct mutation *m = &item_mutations[i];
		const char *error = NULL;
		size_t size = len;
		int ret;

		memcpy(buf, good, len);
		if (m->offset == SIZE_MAX)
			size = m->keep;
		else
			buf[m->offset] = m->value;
		memset(&out, 0x77, sizeof(out));
		ret = review_item_decode(buf, size, &out, &error);
		T_CHECK(ret == -1, "%s: accepted", m->name);
		T_CHECK(error != NULL && strstr(error, m->error) != NULL,
			"%s: error '%s', expected '%s'", m->name, T_STR(error), m->error);
		T_CHECK(out.decision == (enum review_decision)0x77777777,
			"%s: output written on error", m->name);
	}
	T_END();
}

static void test_other_records_hostile(void **state)
{
	struct review_campaign c = { REVIEW_OPEN, 1, 2, 0, 1, 1 }, cout;
	struct review_unit u, uout;
	struct review_revoked r = { 1, "20261124-120000", "x" }, rout;
	uint8_t buf[REVIEW_UNIT_MAX];
	const char *error;
	size_t len;

	(void)state;
	len = review_campaign_encode(&c, buf);
	buf[1] = 3;                  /* no such state */
	assert_int_equal(review_campaign_decode(buf, len, &cout, &error), -1);
	buf[1] = REVIEW_CLOSED;      /* closed without a time */
	assert_int_equal(review_campaign_decode(buf, len, &cout, &error), -1);
	memset(&u, 0, sizeof(u));
	strcpy(u.name, "U");
	strcpy(u.reviewer, "a@example.org");   /* a reviewer from nowhere */
	len = review_unit_encode(&u, buf);
	assert_int_equal(review_unit_decode(buf, len, &uout, &error), -1);
	u.source = REVIEWER_ADMIN;
	len = review_unit_encode(&u, buf);
	assert_int_equal(review_unit_decode(buf, len, &uout, &error), 0);
	buf[48 + 2] = 0x01;          /* a control byte in the unit's name */
	assert_int_equal(review_unit_decode(buf, len, &uout, &error), -1);
	len = review_revoked_encode(&r, buf);
	buf[17] = 'x';               /* not a campaign id */
	assert_int_equal(review_revoked_decode(buf, len, &rout, &error), -1);
}

static void test_keys(void **state)
{
	uint8_t key[REVIEW_KEY_MAX];
	char name[ACCOUNT_MAX + 1], longname[ACCOUNT_MAX + 1], id[REVIEW_ID_MAX + 1];
	const char *error;
	size_t len, plen;

	(void)state;
	review_id_make(1795521600, id);     /* 2026-11-24T12:00:00Z */
	assert_string_equal(id, "20261124-120000");
	assert_true(review_id_valid(id, strlen(id)));
	assert_false(review_id_valid("2026112-1200000", 15));
	assert_false(review_id_valid("../../etc/passw", 15));
	memset(longname, 'a', ACCOUNT_MAX);
	longname[ACCOUNT_MAX] = '\0';
	len = review_key(key, REVIEW_KEY_ITEM, id, 7, longname);
	assert_true(len <= REVIEW_KEY_MAX && len < 511);
	plen = review_key(key, REVIEW_KEY_UNIT, id, 7, NULL);
	assert_int_equal(key[plen - 1], 7);
	assert_int_equal(review_key_item_account(key, len, plen, name, &error), 0);
	assert_string_equal(name, longname);
	key[plen + 3] = '\n';        /* planted: a control byte */
	assert_int_equal(review_key_item_account(key, len, plen, name, &error), -1);
	assert_int_equal(review_key_item_account(key, plen, plen, name, &error), -1);
	assert_int_equal(review_decision_parse(" Keep "), REVIEW_KEEP);
	assert_int_equal(review_decision_parse("REVOKE"), REVIEW_REVOKE);
	assert_int_equal(review_decision_parse(""), REVIEW_UNDECIDED);
	assert_int_equal(review_decision_parse("delete"), -1);
	assert_int_equal(review_decision_parse("keepx"), -1);
	/* a Vietnamese sheet's words (doc/DESIGN.md §7.7), with or without
	   diacritics, in any case a spreadsheet or a keyboard gives */
	assert_int_equal(review_decision_parse("gi\xe1\xbb\xaf l\xe1\xba\xa1i"),
			 REVIEW_KEEP);                        /* giữ lại */
	assert_int_equal(review_decision_parse(" Gi\xe1\xbb\xaf L\xe1\xba\xa1i "),
			 REVIEW_KEEP);                        /* Giữ Lại */
	assert_int_equal(review_decision_parse("GI\xe1\xbb\xae L\xe1\xba\xa0I"),
			 REVIEW_KEEP);                        /* GIỮ LẠI */
	assert_int_equal(review_decision_parse("Giu lai"), REVIEW_KEEP);
	assert_int_equal(review_decision_parse("Thu h\xe1\xbb\x93i"),
			 REVIEW_REVOKE);                      /* Thu hồi */
	assert_int_equal(review_decision_parse("THU H\xe1\xbb\x92I"),
			 REVIEW_REVOKE);                      /* THU HỒI */
	assert_int_equal(review_decision_parse("thu hoi"), REVIEW_REVOKE);
	assert_int_equal(review_decision_parse("gi\xe1\xbb\xaf"), -1);   /* giữ */
	assert_int_equal(review_decision_parse("thu"), -1);
	assert_int_equal(review_decision_parse("x\xc3\xb3\x61"), -1);    /* xóa */
}

#define HDR "campaign,unit,sheet_key,account,status,last_login,last_send," \
	"idle_days,decision,reason,reviewer"
#define HDR_SEMI "campaign;unit;sheet_key;account;status;last_login;last_send;" \
	"idle_days;decision;reason;reviewer"
#define KEY "0123456789abcdef0123456789abcdef"
#define ROW(acct, rest) "20261124-120000,Finance," KEY "," acct ",dormant,,,90," rest
#define LONG321 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct sheet_case {
	const char *name;
	const char *text;
	size_t len;                  /* 0: strlen */
	int ret;
	const char *error;           /* part of the error */
	size_t rows;
	const char *account;         /* rows[0] after sorting */
	int decision;
	const char *reason;
};

static const struct sheet_case sheet_cases[] = {
	{ "comma, BOM, CRLF", "\xef\xbb\xbf" HDR "\r\n" ROW("a@x.org", "keep,in use,An") "\r\n"
	  ROW("b@x.org", "revoke,,An") "\r\n", 0, 0, NULL, 2, "a@x.org", REVIEW_KEEP,
	  "in use" },
	{ "semicolon (Excel in some locales), LF", HDR_SEMI "\n"
	  "20261124-120000;Finance;" KEY ";a@x.org;dormant;;;90;Revoke;;\"Trần, B\"\n",
	  0, 0, NULL, 1, "a@x.org", REVIEW_REVOKE, "" },
	{ "undecided rows and trailing empty rows", HDR "\n" ROW("a@x.org", ",,") "\n"
	  ",,,,,,,,,,\n\n", 0, 0, NULL, 1, "a@x.org", REVIEW_UNDECIDED, "" },
	{ "trailing empty cells dropped", HDR "\n" ROW("a@x.org", "revoke") "\n", 0, 0,
	  NULL, 1, "a@x.org", REVIEW_REVOKE, "" },
	{ "formula guard taken off", HDR "\n" ROW("a@x.org", "keep,\"'=1+1 is why\",An")
	  "\n", 0, 0, NULL, 1, "a@x.org", REVIEW_KEEP, "=1+1 is why" },
	{ "quoted reason with a comma and quotes", HDR "\n"
	  ROW("a@x.org", "keep,\"VIP, \"\"boss\"\"\",An") "\n", 0, 0, NULL, 1, "a@x.org",
	  REVIEW_KEEP, "VIP, \"boss\"" },
	{ "Vietnamese reason", HDR "\n" ROW("a@x.org", "keep,Giám đốc dùng,Nguyễn") "\n",
	  0, 0, NULL, 1, "a@x.org", REVIEW_KEEP, "Giám đốc dùng" },
	{ "keep without a reason", HDR "\n" ROW("a@x.org", "keep,,An") "\n", 0, -1,
	  "x.csv:2: keep needs a reason", 0, NULL, 0, NULL },
	{ "keep with a blank reason", HDR "\n" ROW("a@x.org", "keep,  ,An") "\n", 0, -1,
	  "x.csv:2: keep needs a reason", 0, NULL, 0, NULL },
	{ "unknown decision", HDR "\n" ROW("a@x.org", "delete,,") "\n", 0, -1,
	  "x.csv:2: unknown decision 'delete'", 0, NULL, 0, NULL },
	{ "not UTF-8 (Windows-1258)", HDR "\n" ROW("a@x.org", "keep,Gi\xe1m \xf0\xf4\xcc,An")
	  "\n", 0, -1, "x.csv:2: not UTF-8: save the sheet as \"CSV UTF-8\"", 0, NULL, 0,
	  NULL },
	{ "control byte in a cell", HDR "\n" ROW("a@x.org", "keep,a\x01" "b,An") "\n", 0, -1,
	  "x.csv:2: reason", 0, NULL, 0, NULL },
	{ "binary: a NUL byte", HDR "\n" ROW("a@x.org", "keep,a\0b,An") "\n",
	  sizeof(HDR "\n" ROW("a@x.org", "keep,a\0b,An") "\n") - 1, -1,
	  "x.csv:2: a NUL byte", 0, NULL, 0, NULL },
	{ "overlong account", HDR "\n" ROW(LONG321, "revoke,,") "\n", 0, -1,
	  "x.csv:2: account", 0, NULL, 0, NULL },
	{ "overlong reviewer", HDR "\n" ROW("a@x.org", "revoke,,"
	  "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn") "\n", 0, -1,
	  "x.csv:2: reviewer", 0, NULL, 0, NULL },
	{ "not a review sheet", "account,unit,manager\nx,y,z\n", 0, -1,
	  "x.csv:1: not a review sheet", 0, NULL, 0, NULL },
	{ "header reordered", "unit,campaign,sheet_key,account,status,last_login,"
	  "last_send,idle_days,decision,reason,reviewer\n", 0, -1,
	  "x.csv:1: not a review sheet", 0, NULL, 0, NULL },
	{ "two units in one sheet", HDR "\n" ROW("a@x.org", ",,") "\n"
	  "20261124-120000,Lab," KEY ",b@x.org,dormant,,,90,revoke,,\n", 0, -1,
	  "x.csv:3: campaign, unit or sheet_key differs", 0, NULL, 0, NULL },
	{ "a key that is no key", HDR "\n20261124-120000,Finance,xyz,a@x.org,dormant,,,1,,,\n",
	  0, -1, "x.csv:2: sheet_key", 0, NULL, 0, NULL },
	{ "a campaign that is no id", HDR "\n2026,Finance," KEY ",a@x.org,dormant,,,1,,,\n",
	  0, -1, "x.csv:2: campaign", 0, NULL, 0, NULL },
	{ "account twice", HDR "\n" ROW("a@x.org", "keep,x,") "\n" ROW("b@x.org", ",,") "\n"
	  ROW("a@x.org", "revoke,,") "\n", 0, -1, "x.csv:4: an account listed twice", 0,
	  NULL, 0, NULL },
	{ "a line break in a cell", HDR "\n" ROW("a@x.org", "keep,\"two\nlines\",An") "\n",
	  0, -1, "x.csv:2: unterminated", 0, NULL, 0, NULL },
	{ "too many cells", HDR "\n" ROW("a@x.org", "keep,x,An,extra") "\n", 0, -1,
	  "x.csv:2: more than 11 fields", 0, NULL, 0, NULL },
	{ "too few cells", HDR "\n20261124-120000,Finance," KEY ",a@x.org\n", 0, -1,
	  "x.csv:2: fewer fields", 0, NULL, 0, NULL },
	{ "header only", HDR "\r\n", 0, -1, "x.csv: no account in the sheet", 0, NULL, 0,
	  NULL },
	{ "empty file", "", 0, -1, "x.csv: empty file", 0, NULL, 0, NULL },
};

static void test_sheet_parse(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(sheet_cases); i++) {
		const struct sheet_case *c = &sheet_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->text);
		struct sheet sh;
		const char *error = NULL;
		FILE *f = len > 0 ? fmemopen((void *)c->text, len, "r") :
			fopen("/dev/null", "r");
		int ret;

		memset(&sh, 0x5a, sizeof(sh));
		ret = sheet_parse(f, "x.csv", &sh, &error);
		fclose(f);
		T_CHECK(ret == c->ret, "%s: returned %d (%s)", c->name, ret, T_STR(error));
		if (c->error != NULL)
			T_CHECK(error != NULL && strstr(error, c->error) != NULL,
				"%s: error '%s', expected '%s'", c->name, T_STR(error),
				c->error);
		if (ret < 0) {
			T_CHECK(sh.rows == (void *)0x5a5a5a5a5a5a5a5a,
				"%s: sheet written on error", c->name);
			continue;
		}
		T_CHECK(sh.count == c->rows, "%s: %zu rows", c->name, sh.count);
		T_CHECK(strcmp(sh.id, "20261124-120000") == 0 &&
			strcmp(sh.unit, "Finance") == 0 && strcmp(sh.key_hex, KEY) == 0,
			"%s: campaign/unit/key '%s' '%s' '%s'", c->name, sh.id, sh.unit,
			sh.key_hex);
		if (sh.count > 0) {
			T_CHECK(strcmp(sh.rows[0].account, c->account) == 0,
				"%s: account %s", c->name, sh.rows[0].account);
			T_CHECK((int)sh.rows[0].decision == c->decision,
				"%s: decision %d", c->name, sh.rows[0].decision);
			T_CHECK(strcmp(sh.rows[0].reason, c->reason) == 0,
				"%s: reason '%s'", c->name, sh.rows[0].reason);
		}
		sheet_free(&sh);
	}
	T_END();
}

/* What dormant writes, it reads back: the CSV sheet round-trips, with
   the formula guard and a Vietnamese unit. */
static void test_sheet_round_trip(void **state)
{
	struct review_acct accts[2];
	struct sheet_info info = { "20261124-120000", "Phòng Tài chính", KEY,
				   "boss@example.org", 1796947199 };
	char *buf = NULL;
	size_t len = 0;
	struct sheet sh;
	const char *error;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	memset(accts, 0, sizeof(accts));
	accts[0].account = (char *)"=cmd@x.org";
	accts[0].item.status = STATUS_NEVER_USED;
	accts[0].item.idle_days = -1;
	accts[1].account = (char *)"b@x.org";
	accts[1].item.status = STATUS_DORMANT;
	accts[1].item.decision = REVIEW_KEEP;
	strcpy(accts[1].item.reason, "+ needed, \"really\"");
	sheet_write_csv(f, &info, accts, 2);
	fclose(f);
	assert_memory_equal(buf, "\xef\xbb\xbf" HDR "\r\n", strlen(HDR) + 5);
	assert_non_null(strstr(buf, "\"'=cmd@x.org\""));
	f = fmemopen(buf, len, "r");
	assert_int_equal(sheet_parse(f, "rt.csv", &sh, &error), 0);
	fclose(f);
	assert_int_equal(sh.count, 2);
	assert_string_equal(sh.unit, "Phòng Tài chính");
	assert_string_equal(sh.rows[0].account, "=cmd@x.org");
	assert_string_equal(sh.rows[1].reason, "+ needed, \"really\"");
	assert_int_equal(sh.rows[1].decision, REVIEW_KEEP);
	sheet_free(&sh);
	free(buf);
}

static const struct account_rules rules = { NULL, false, NULL };

static void test_units_file(void **state)
{
	static const struct { const char *text; int ret; const char *error; } cases[] = {
		{ "\xef\xbb\xbfunit,reviewer,name\r\nTài chính,Boss@Example.org,Chị Lan\r\n"
		  "Lab,lab@example.org\n", 0, NULL },
		{ "Lab,not an address\n", -1, "u.csv:1: reviewer" },
		{ "Lab,a@example.org\n# c\nLab,b@example.org\n", -1,
		  "u.csv:3: unit listed again (first on line 1)" },
		{ "Lab\n", -1, "u.csv:1: expected 2 to 3 fields" },
		{ ",a@example.org\n", -1, "u.csv:1: unit" },
		{ "Lab,a@example.org,n,extra\n", -1, "u.csv:1: more than 3 fields" },
	};

	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(cases); i++) {
		struct review_unitmap map;
		const struct review_unitmap_entry *e;
		const char *error = NULL;
		FILE *f = fmemopen((void *)cases[i].text, strlen(cases[i].text), "r");
		int ret = review_units_file_read(f, "u.csv", &rules, &map, &error);

		fclose(f);
		T_CHECK(ret == cases[i].ret, "case %zu: returned %d (%s)", i, ret,
			T_STR(error));
		if (cases[i].error != NULL)
			T_CHECK(error != NULL && strstr(error, cases[i].error) != NULL,
				"case %zu: error '%s', expected '%s'", i, T_STR(error),
				cases[i].error);
		if (ret < 0)
			continue;
		e = review_unitmap_lookup(&map, "Tài chính");
		T_CHECK(e != NULL && strcmp(e->reviewer, "boss@example.org") == 0 &&
			strcmp(e->name, "Chị Lan") == 0, "case %zu: Tài chính", i);
		e = review_unitmap_lookup(&map, "Lab");
		T_CHECK(e != NULL && e->name[0] == '\0', "case %zu: Lab", i);
		review_unitmap_free(&map);
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_round_trip),
		cmocka_unit_test(test_item_hostile),
		cmocka_unit_test(test_other_records_hostile),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_sheet_parse),
		cmocka_unit_test(test_sheet_round_trip),
		cmocka_unit_test(test_units_file),
	};

	test_init();
	return cmocka_run_group_tests_name("review", tests, NULL, NULL);
}

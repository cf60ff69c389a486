/* test-contacts.c - the contacts file parser (hostile lines, long fields,
 * CR/LF, BOM, quoting), the recipient address rule, and the parser of
 * "doveadm user -u" output (blocks in the order asked, nothing else). */
#include "testutil.h"
#include "contacts.h"
#include "userdb.h"

#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct account_rules rules = { .default_domain = "example.org" };

struct file_case {
	const char *name;
	const char *text;
	size_t len;                  /* 0: strlen(text) */
	int ret;
	const char *error;           /* a part of the error, or NULL */
	size_t count;
	/* one entry to check: account, unit, manager, alternate */
	const char *want[4];
};

#define LONG320 \
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"

static const struct file_case file_cases[] = {
	{ "header, BOM, CRLF", "\xef\xbb\xbf" "account,unit,manager,alternate\r\n"
	  "a@example.org,Finance,Boss@Example.ORG,\r\n", 0, 0, NULL, 1,
	  { "a@example.org", "Finance", "boss@example.org", "" } },
	{ "no header, comments, blank lines", "# contacts\n\n  \nb,Lab,,alt@gmail.com\n",
	  0, 0, NULL, 1, { "b@example.org", "Lab", "", "alt@gmail.com" } },
	{ "quoting", "\"c@example.org\",\"R&D, \"\"Lab\"\"\",\"m@example.org\", \"\"\n",
	  0, 0, NULL, 1, { "c@example.org", "R&D, \"Lab\"", "m@example.org", "" } },
	{ "blanks around unquoted fields", " d@example.org ,  Unit  , ,\n", 0, 0, NULL, 1,
	  { "d@example.org", "Unit", "", "" } },
	{ "unit of 320 bytes", "e," LONG320 ",,\n", 0, 0, NULL, 1,
	  { "e@example.org", LONG320, "", "" } },
	{ "UTF-8 unit", "f,\xc3\x89quipe,,\n", 0, 0, NULL, 1,
	  { "f@example.org", "\xc3\x89quipe", "", "" } },
	{ "empty file", "", 0, 0, NULL, 0, { NULL } },
	/* every bad line: an error naming it, nothing kept */
	{ "three fields", "a,b,c\n", 0, -1, "x.csv:1: expected 4 fields", 0, { NULL } },
	{ "five fields", "ok,u,,\na,b,c,d,e\n", 0, -1, "x.csv:2: more than 4 fields", 0,
	  { NULL } },
	{ "unterminated quote", "a,\"Fin,,\n", 0, -1, "x.csv:1: unterminated", 0, { NULL } },
	{ "text after a quote", "a,\"Fin\"x,,\n", 0, -1, "after a closing quote", 0,
	  { NULL } },
	{ "quote inside a field", "a,Fi\"n,,\n", 0, -1, "quote inside", 0, { NULL } },
	{ "unit of 321 bytes", "a," LONG320 "u,,\n", 0, -1, "x.csv:1: unit", 0, { NULL } },
	{ "CR inside a line", "a,Fi\rn,,\n", 0, -1, "x.csv:1: a CR or LF", 0, { NULL } },
	{ "CR inside quotes", "a,\"Fi\rn\",,\n", 0, -1, "a CR or LF", 0, { NULL } },
	{ "LF inside quotes", "a,\"Fi\nn\",,\n", 0, -1, "x.csv:1: unterminated", 0,
	  { NULL } },
	{ "control byte in a unit", "a,Fi\x01n,,\n", 0, -1, "unit", 0, { NULL } },
	{ "NUL byte", "a,Fi\0n,,\n", 9, -1, "x.csv:1: NUL byte", 0, { NULL } },
	{ "header injection in a manager", "a,U,boss@example.org\r\nBcc: x@evil,\n", 0, -1,
	  "x.csv:1:", 0, { NULL } },
	/* the same inside quotes: one line, four fields, the manager refused */
	{ "quoted header injection in a manager",
	  "a,U,\"boss@example.org\r\nBcc: x@evil\",\n", 0, -1, "x.csv:1", 0, { NULL } },
	{ "header in a manager's text", "a,U,\"boss@example.org Bcc: x@evil\",\n", 0, -1,
	  "x.csv:1: manager", 0, { NULL } },
	{ "manager with a blank", "a,U,bo ss@example.org,\n", 0, -1, "x.csv:1: manager", 0,
	  { NULL } },
	{ "manager in brackets", "a,U,<boss@example.org>,\n", 0, -1, "manager: not a plain",
	  0, { NULL } },
	{ "manager like an option", "a,U,-oQ@example.org,\n", 0, -1, "manager", 0, { NULL } },
	{ "alternate two addresses", "a,U,,\"x@a.org, y@b.org\"\n", 0, -1, "alternate", 0,
	  { NULL } },
	{ "empty account", ",U,,\n", 0, -1, "x.csv:1: account: empty", 0, { NULL } },
	{ "account listed twice", "a,U,,\n# x\nA@EXAMPLE.ORG,V,,\n", 0, -1,
	  "x.csv:3: a@example.org listed again (first on line 1)", 0, { NULL } },
	{ "a header after data", "a,U,,\naccount,unit,manager,alternate\n", 0, -1,
	  "x.csv:2: a header line after the first", 0, { NULL } },
};

static void test_file_cases(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(file_cases); i++) {
		const struct file_case *c = &file_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->text);
		struct contacts_map map = { (void *)1, 99, 99 };
		const char *error = NULL;
		FILE *f = fmemopen((void *)c->text, len > 0 ? len : 1, "r");
		int ret;

		if (len == 0) {
			fclose(f);
			f = fopen("/dev/null", "r");
		}
		ret = contacts_file_read(f, "x.csv", &rules, &map, &error);
		fclose(f);
		T_CHECK(ret == c->ret, "%s: returned %d (%s)", c->name, ret, T_STR(error));
		if (c->error != NULL)
			T_CHECK(error != NULL && strstr(error, c->error) != NULL,
				"%s: error '%s', expected '%s'", c->name, T_STR(error),
				c->error);
		if (ret < 0) {
			T_CHECK(map.count == 99, "%s: map written on error", c->name);
			continue;
		}
		T_CHECK(map.count == c->count, "%s: %zu entries", c->name, map.count);
		if (c->want[0] != NULL) {
			const struct contacts_entry *e = contacts_lookup(&map, c->want[0]);

			T_CHECK(e != NULL, "%s: %s not found", c->name, c->want[0]);
			for (int j = 0; e != NULL && j < CONTACT_FIELDS; j++)
				T_CHECK(strcmp(e->text[j], c->want[j + 1]) == 0,
					"%s: field %d is '%s', expected '%s'", c->name, j,
					e->text[j], c->want[j + 1]);
		}
		contacts_map_free(&map);
	}
	T_END();
}

/* A line of 4097 bytes, and a file listing an account twice far apart. */
static void test_file_long_line(void **state)
{
	char *text = malloc(5000);
	struct contacts_map map;
	const char *error = NULL;
	FILE *f;

	(void)state;
	strcpy(text, "ok,U,,\n");
	memset(text + 7, 'a', 4097);
	strcpy(text + 7 + 4097, ",U,,\n");
	f = fmemopen(text, strlen(text), "r");
	assert_int_equal(contacts_file_read(f, "x.csv", &rules, &map, &error), -1);
	assert_non_null(strstr(error, "x.csv:2: line longer than 4096 bytes"));
	fclose(f);
	free(text);
}

/* The file wins field by field; empty fields leave the userdb's. */
static void test_apply(void **state)
{
	const char *text = "a,FileUnit,,alt@example.org\n";
	struct account_contacts c;
	struct contacts_map map;
	const char *error = NULL;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	(void)state;
	assert_int_equal(contacts_file_read(f, "x.csv", &rules, &map, &error), 0);
	fclose(f);
	memset(&c, 0, sizeof(c));
	strcpy(c.text[CONTACT_UNIT], "ou=Sales");
	c.source[CONTACT_UNIT] = CONTACT_SRC_USERDB;
	strcpy(c.text[CONTACT_MANAGER], "m@example.org");
	c.source[CONTACT_MANAGER] = CONTACT_SRC_USERDB;
	contacts_apply(&map, "a@example.org", &c);
	assert_string_equal(c.text[CONTACT_UNIT], "FileUnit");
	assert_int_equal(c.source[CONTACT_UNIT], CONTACT_SRC_FILE);
	assert_string_equal(c.text[CONTACT_MANAGER], "m@example.org");
	assert_int_equal(c.source[CONTACT_MANAGER], CONTACT_SRC_USERDB);
	assert_string_equal(c.text[CONTACT_ALTERNATE], "alt@example.org");
	contacts_apply(&map, "nobody@example.org", &c);    /* not listed: no change */
	assert_string_equal(c.text[CONTACT_UNIT], "FileUnit");
	contacts_map_free(&map);
}

static const struct { const char *addr; bool plain; } address_cases[] = {
	{ "a@example.org", true }, { "first.last+tag@sub.example.org", true },
	{ "a", false }, { "@example.org", false }, { "a@", false },
	{ "a b@example.org", false }, { "a@example.org,b@example.org", false },
	{ "\"a\"@example.org", false }, { "<a@example.org>", false },
	{ "a@example.org\r\nBcc: b@evil", false }, { "a@exa_mple.org", false },
	{ "-oQ/tmp@example.org", false }, { "a(b)@example.org", false },
};

static void test_address_plain(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(address_cases); i++)
		T_CHECK(contact_address_plain(address_cases[i].addr) == address_cases[i].plain,
			"'%s' is %splain", address_cases[i].addr,
			address_cases[i].plain ? "not " : "");
	T_END();
}

/* ---- doveadm user -u output ---- */

static unsigned int warnings;
static void count_warn(const char *msg)
{
	(void)msg;
	warnings++;
}

struct userdb_case {
	const char *name;
	const char *output;
	int ret;
	const char *error;
	unsigned long bad;
	const char *manager[2];      /* of a@x and b@x */
	const char *unit[2];
};

static const struct userdb_case userdb_cases[] = {
	{ "two users",
	  "userdb: a@x\n  uid       : 5000\n  manager   : Boss@Example.ORG\n  ou        : Finance\n"
	  "\nuserdb: b@x\n  home      : /h\n  ou        : Lab: west\n", 0, NULL, 0,
	  { "boss@example.org", "" }, { "Finance", "Lab: west" } },
	{ "a user gone meanwhile",
	  "userdb lookup: user a@x doesn't exist\n\nuserdb: b@x\n  manager   : m@x\n",
	  0, NULL, 0, { "", "m@x" }, { "", "" } },
	{ "a flag field and an empty value",
	  "userdb: a@x\n  nopassword\n  manager   : \nuserdb: b@x\n", 0, NULL, 0,
	  { "", "" }, { "", "" } },
	{ "an address that is not plain",
	  "userdb: a@x\n  manager   : Boss <boss@x>\nuserdb: b@x\n", 0, NULL, 1,
	  { "", "" }, { "", "" } },
	{ "a field twice: neither believed",
	  "userdb: a@x\n  manager   : m@x\n  manager   : evil@x\nuserdb: b@x\n", 0, NULL, 1,
	  { "", "" }, { "", "" } },
	{ "a unit with a control byte",
	  "userdb: a@x\n  ou        : Fin\x1b[2Jance\nuserdb: b@x\n", 0, NULL, 1,
	  { "", "" }, { "", "" } },
	/* a value with a line break posing as the next user: refused whole */
	{ "a forged block",
	  "userdb: a@x\n  ou        : x\nuserdb: b@x\n  manager   : evil@x\n"
	  "userdb: b@x\n", -1, "line 5: not the user asked next", 0, { NULL }, { NULL } },
	{ "blocks out of order", "userdb: b@x\nuserdb: a@x\n", -1,
	  "line 1: not the user asked next", 0, { NULL }, { NULL } },
	{ "a name that only starts like the one asked", "userdb: a@xy\nuserdb: b@x\n", -1,
	  "not the user asked next", 0, { NULL }, { NULL } },
	{ "a user missing", "userdb: a@x\n", -1, "answered for 1 of 2 users", 0,
	  { NULL }, { NULL } },
	{ "text outside a block", "Error: something\nuserdb: a@x\nuserdb: b@x\n", -1,
	  "line 1: unexpected text", 0, { NULL }, { NULL } },
	{ "a field line not indented", "userdb: a@x\nmanager: m@x\nuserdb: b@x\n", -1,
	  "line 2: unexpected text", 0, { NULL }, { NULL } },
};

static void test_userdb_parse(void **state)
{
	static const char *const names[] = { "a@x", "b@x" };
	const struct userdb_fields fields = { { [CONTACT_UNIT] = "ou",
						[CONTACT_MANAGER] = "manager",
						[CONTACT_ALTERNATE] = "" } };
	const struct account_rules r = { 0 };

	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(userdb_cases); i++) {
		const struct userdb_case *c = &userdb_cases[i];
		struct account_contacts out[2];
		const char *error = NULL;
		unsigned long bad = 0;
		FILE *f = fmemopen((void *)c->output, strlen(c->output), "r");
		int ret;

		warnings = 0;
		ret = userdb_parse(f, names, 2, &fields, &r, out, count_warn, &bad, &error);
		fclose(f);
		T_CHECK(ret == c->ret, "%s: returned %d (%s)", c->name, ret, T_STR(error));
		if (c->error != NULL)
			T_CHECK(error != NULL && strstr(error, c->error) != NULL,
				"%s: error '%s'", c->name, T_STR(error));
		T_CHECK(bad == c->bad && warnings == c->bad, "%s: %lu bad, %u warnings",
			c->name, bad, warnings);
		for (int j = 0; ret == 0 && j < 2; j++) {
			T_CHECK(strcmp(out[j].text[CONTACT_MANAGER], c->manager[j]) == 0,
				"%s: %s manager '%s'", c->name, names[j],
				out[j].text[CONTACT_MANAGER]);
			T_CHECK(strcmp(out[j].text[CONTACT_UNIT], c->unit[j]) == 0,
				"%s: %s unit '%s'", c->name, names[j], out[j].text[CONTACT_UNIT]);
			T_CHECK((out[j].text[CONTACT_MANAGER][0] != '\0') ==
				(out[j].source[CONTACT_MANAGER] == CONTACT_SRC_USERDB),
				"%s: manager source", c->name);
		}
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_cases),
		cmocka_unit_test(test_file_long_line),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_address_plain),
		cmocka_unit_test(test_userdb_parse),
	};

	return cmocka_run_group_tests_name("contacts", tests, NULL, NULL);
}

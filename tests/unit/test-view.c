/* test-view.c - one account as the reports show it (reporter/view.c) and
 * its row in every format of reporter/table.c: the fields, the status and
 * idle days, and the escaping of names anyone could have chosen. */
#include "testutil.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define NOW 1795521600           /* 2026-11-24T12:00:00Z */

struct view_case {
	const char *account;
	int64_t last_login, last_send, last_receive;
	const char *login_ip, *send_ip, *service;
	int64_t first_seen;          /* 0: no directory record */
	const char *text, *csv, *json;
};

static const struct view_case view_cases[] = {
	{ "active@example.org", NOW - 2 * DAY, NOW - 40 * DAY, NOW - DAY,
	  "192.0.2.1", "2001:db8::7", "imap", NOW - 400 * DAY,
	  "active@example.org               active                  2d  "
	  "2026-11-22T12:00:00Z imap        192.0.2.1        "
	  "2026-10-15T12:00:00Z 2001:db8::7\n",
	  "active@example.org,active,2,2026-11-22T12:00:00Z,imap,192.0.2.1,"
	  "2026-10-15T12:00:00Z,2001:db8::7,2026-11-23T12:00:00Z,"
	  "2025-10-20T12:00:00Z,example.org\r\n",
	  "{\"account\":\"active@example.org\",\"status\":\"active\","
	  "\"idle_days\":2,\"last_login\":\"2026-11-22T12:00:00Z\","
	  "\"login_service\":\"imap\",\"login_ip\":\"192.0.2.1\","
	  "\"last_send\":\"2026-10-15T12:00:00Z\",\"send_ip\":\"2001:db8::7\","
	  "\"last_receive\":\"2026-11-23T12:00:00Z\","
	  "\"first_seen\":\"2025-10-20T12:00:00Z\",\"domain\":\"example.org\",\"unit\":\"example.org\"}" },
	/* never used: idle from first seen; nothing else known */
	{ "never@example.org", 0, 0, 0, NULL, NULL, NULL, NOW - 100 * DAY,
	  "never@example.org                never-used            100d  "
	  "-                    -           -                -                    -\n",
	  "never@example.org,never-used,100,,,,,,,2026-08-16T12:00:00Z,"
	  "example.org\r\n",
	  "{\"account\":\"never@example.org\",\"status\":\"never-used\","
	  "\"idle_days\":100,\"last_login\":null,\"login_service\":null,"
	  "\"login_ip\":null,\"last_send\":null,\"send_ip\":null,"
	  "\"last_receive\":null,\"first_seen\":\"2026-08-16T12:00:00Z\","
	  "\"domain\":\"example.org\",\"unit\":\"example.org\"}" },
	/* a spreadsheet formula, quotes and a comma, a bare name */
	{ "=cmd|'/c'!\"a,b\"", NOW - 70 * DAY, 0, 0, NULL, NULL, "pop3",
	  NOW - 400 * DAY,
	  "=cmd|'/c'!\"a,b\"" "                  idle                   70d  "
	  "2026-09-15T12:00:00Z pop3        -                -                    -\n",
	  "\"'=cmd|'/c'!\"\"a,b\"\"\",idle,70,2026-09-15T12:00:00Z,pop3,,,,,"
	  "2025-10-20T12:00:00Z,\r\n",
	  "{\"account\":\"=cmd|'/c'!\\\"a,b\\\"\",\"status\":\"idle\","
	  "\"idle_days\":70,\"last_login\":\"2026-09-15T12:00:00Z\","
	  "\"login_service\":\"pop3\",\"login_ip\":null,\"last_send\":null,"
	  "\"send_ip\":null,\"last_receive\":null,"
	  "\"first_seen\":\"2025-10-20T12:00:00Z\",\"domain\":\"\",\"unit\":\"\"}" },
	/* control bytes, a bidi override and invalid UTF-8 in the name */
	{ "a\x1b[2J\xe2\x80\xae\xff@x.org", NOW - 95 * DAY, 0, 0, NULL, NULL,
	  "imap", 0,
	  /* padded by the 24 columns the escapes take, not by its 16 bytes */
	  "a\\x1b[2J\\u202e\\xff@x.org" "         dormant                95d  "
	  "2026-08-21T12:00:00Z imap        -                -                    -\n",
	  "a\x1b[2J\xe2\x80\xae\xff@x.org,dormant,95,2026-08-21T12:00:00Z,imap,"
	  ",,,,,x.org\r\n",
	  "{\"account\":\"a\\u001b[2J\xe2\x80\xae\\ufffd@x.org\","
	  "\"status\":\"dormant\",\"idle_days\":95,"
	  "\"last_login\":\"2026-08-21T12:00:00Z\",\"login_service\":\"imap\","
	  "\"login_ip\":null,\"last_send\":null,\"send_ip\":null,"
	  "\"last_receive\":null,\"first_seen\":null,\"domain\":\"x.org\",\"unit\":\"x.org\"}" },
	/* a Vietnamese name lines up by its 16 characters, not its 19 bytes */
	{ "nguy\xe1\xbb\x85n.v\xc4\x83n@x.org", NOW - 95 * DAY, 0, 0, NULL, NULL,
	  "imap", 0,
	  "nguy\xe1\xbb\x85n.v\xc4\x83n@x.org" "                 dormant                95d  "
	  "2026-08-21T12:00:00Z imap        -                -                    -\n",
	  "nguy\xe1\xbb\x85n.v\xc4\x83n@x.org,dormant,95,2026-08-21T12:00:00Z,imap,"
	  ",,,,,x.org\r\n",
	  "{\"account\":\"nguy\xe1\xbb\x85n.v\xc4\x83n@x.org\","
	  "\"status\":\"dormant\",\"idle_days\":95,"
	  "\"last_login\":\"2026-08-21T12:00:00Z\",\"login_service\":\"imap\","
	  "\"login_ip\":null,\"last_send\":null,\"send_ip\":null,"
	  "\"last_receive\":null,\"first_seen\":null,\"domain\":\"x.org\",\"unit\":\"x.org\"}" },
};

/* One row written by table_row in format, as a string (free it). */
static char *row_in(const struct table_format *format, const struct row *row,
		    size_t ncolumns)
{
	struct table_value values[VIEW_NCOLUMNS];
	struct table t;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (f == NULL)
		return NULL;
	view_values(row, values);
	table_init(&t, format, view_columns, ncolumns, f);
	table_row(&t, values);
	fclose(f);
	return buf;
}

static void test_view_rows_in_every_format(void **state)
{
	struct view_ctx ctx = {
		{ 60 * DAY, 90 * DAY, 120 * DAY }, NOW - 500 * DAY, NOW,
	};
	char esc[512];

	T_BEGIN();
	for (size_t i = 0; i < sizeof(view_cases) / sizeof(view_cases[0]); i++) {
		const struct view_case *c = &view_cases[i];
		struct activity act;
		struct account_info info;
		struct account_view view;
		struct row row;
		char *text, *csv, *json;

		memset(&act, 0, sizeof(act));
		act.last_login = c->last_login;
		act.last_send = c->last_send;
		act.last_receive = c->last_receive;
		if (c->login_ip != NULL)
			T_CHECK(ip_parse(c->login_ip, &act.login_ip) == 0, "ip");
		if (c->send_ip != NULL)
			T_CHECK(ip_parse(c->send_ip, &act.send_ip) == 0, "ip");
		if (c->service != NULL)
			snprintf(act.login_service, sizeof(act.login_service), "%s",
				 c->service);
		memset(&info, 0, sizeof(info));
		info.first_seen = c->first_seen;
		info.last_seen = NOW - DAY;
		memset(&view, 0, sizeof(view));
		view.account = c->account;
		view.account_len = strlen(c->account);
		view.activity = c->last_login != 0 || c->last_send != 0 ? &act : NULL;
		view.info = c->first_seen != 0 ? &info : NULL;
		view_row(&ctx, &view, &row);
		/* text and JSON as dormant list and the report write them; CSV
		   with the report's domain column */
		text = row_in(&table_text, &row, VIEW_NCOLUMNS);
		csv = row_in(&table_csv, &row, VIEW_NCOLUMNS);
		json = row_in(&table_json, &row, VIEW_NCOLUMNS);
		T_CHECK(text != NULL && strcmp(text, c->text) == 0,
			"case %zu text: '%s'", i,
			test_escape(text, strlen(text), esc, sizeof(esc)));
		T_CHECK(csv != NULL && strcmp(csv, c->csv) == 0, "case %zu csv: '%s'",
			i, test_escape(csv, strlen(csv), esc, sizeof(esc)));
		/* the JSON array's row starts its own line */
		T_CHECK(json != NULL && json[0] == '\n' && strcmp(json + 1, c->json) == 0,
			"case %zu json: '%s'", i,
			test_escape(json, strlen(json), esc, sizeof(esc)));
		free(text);
		free(csv);
		free(json);
		/* a unit contact: JSON's unit, the CSV as it was */
		{
			struct account_contacts contacts;

			memset(&contacts, 0, sizeof(contacts));
			snprintf(contacts.text[CONTACT_UNIT], CONTACT_TEXT_MAX + 1,
				 "S\xe1\xbb\x9f \"Y\" t\xe1\xba\xbf");
			view.contacts = &contacts;
			view_row(&ctx, &view, &row);
			csv = row_in(&table_csv, &row, VIEW_NCOLUMNS);
			json = row_in(&table_json, &row, VIEW_NCOLUMNS);
			T_CHECK(csv != NULL && strcmp(csv, c->csv) == 0,
				"case %zu csv with a unit contact", i);
			T_CHECK(json != NULL && strstr(json, ",\"unit\":\"S\xe1\xbb\x9f "
						       "\\\"Y\\\" t\xe1\xba\xbf\"}") != NULL,
				"case %zu json with a unit contact: %s", i, T_STR(json));
			free(csv);
			free(json);
		}
	}
	T_END();
}

/* A table's frame in each format: header, separators between rows, end;
   and the columns each shows (text leaves out what a terminal has no room
   for, the machine formats what only text shows). */
struct frame_case {
	const struct table_format *format;
	unsigned int rows;
	const char *out;
};

static const struct table_column frame_columns[] = {
	{ "name", TABLE_TEXT, 0, "NAME", NULL, -6, NULL, NULL, NULL, NULL },
	{ "n", TABLE_NUMBER, 0, "N", " ", 4, "d", "-", NULL, NULL },
	{ "ok", TABLE_BOOL, TABLE_NO_TEXT, NULL, NULL, 0, NULL, NULL, NULL, NULL },
	{ "note", TABLE_PLAIN, TABLE_TEXT_ONLY, "NOTE", " ", 0, NULL, "-", NULL,
	  NULL },
	{ "entry", TABLE_JSON, TABLE_NO_TEXT, NULL, NULL, 0, NULL, NULL, NULL,
	  NULL },
};

static const struct frame_case frame_cases[] = {
	{ &table_text, 0, "NAME      N NOTE\n" },
	{ &table_text, 2, "NAME      N NOTE\na,b      1d -\na,b       - -\n" },
	{ &table_csv, 0, "name,n,ok,entry\r\n" },
	{ &table_csv, 2, "name,n,ok,entry\r\n\"a,b\",1,yes,{}\r\n\"a,b\",,no,{}\r\n" },
	{ &table_json, 0, "[]\n" },
	{ &table_json, 2, "[\n{\"name\":\"a,b\",\"n\":1,\"ok\":true,\"entry\":{}},\n"
	  "{\"name\":\"a,b\",\"n\":null,\"ok\":false,\"entry\":{}}\n]\n" },
	{ &table_json_lines, 2, "\"a,b\" 1 true {}\n\"a,b\" null false {}\n" },
};

static void test_table_frames(void **state)
{
	char esc[512];

	T_BEGIN();
	for (size_t i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++) {
		const struct frame_case *c = &frame_cases[i];
		struct table_value values[5] = {
			table_str("a,b"), { .num = 1 }, { .yes = true }, table_str(""),
			table_str("{}"),
		};
		struct table t;
		char *buf = NULL;
		size_t size = 0;
		FILE *f = open_memstream(&buf, &size);

		if (f == NULL)
			T_FATAL("open_memstream failed");
		table_init(&t, c->format, frame_columns, 5, f);
		table_begin(&t);
		for (unsigned int r = 0; r < c->rows; r++) {
			table_row(&t, values);
			values[1].num = -1;
			values[2].yes = false;
		}
		table_end(&t);
		fclose(f);
		T_CHECK(strcmp(buf, c->out) == 0, "case %zu (%s, %u rows): '%s'", i,
			c->format->name, c->rows,
			test_escape(buf, size, esc, sizeof(esc)));
		free(buf);
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_rows_in_every_format),
		cmocka_unit_test(test_table_frames),
	};

	test_init();
	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}

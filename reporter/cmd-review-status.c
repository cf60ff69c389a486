/* cmd-review-status.c - "review status" (per unit: reviewer, answered
 * and undecided accounts, sheets received, days left) and "review remind"
 * (mail the reviewers of units with undecided accounts, once a day per
 * unit). doc/DESIGN.md §7.7. */
#include "cmd-review.h"
#include "audit.h"
#include "i18n.h"
#include "lang.h"
#include "output.h"
#include "table.h"
#include "timeutil.h"
#include "view.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum status_column {
	ST_UNIT, ST_REVIEWER, ST_ACCOUNTS, ST_KEPT, ST_REVOKED, ST_UNDECIDED,
	ST_SHEETS, ST_ANSWERED, ST_DAYS_LEFT,
	ST_NCOLUMNS
};


static const struct table_format *const status_formats[] = {
	&table_text, &table_csv, &table_json, NULL
};

/* Calendar days (UTC) from today to the due day: 0 on the day itself,
   negative when late. */
static int64_t days_left(int64_t now, int64_t due)
{
	return due / 86400 - now / 86400;
}

int review_status(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	/* the text titles are read by people (table.c translates them); the
	   CSV and JSON names are a contract */
	const struct table_column status_columns[ST_NCOLUMNS] = {
		{ "unit", TABLE_TEXT, 0, N_("UNIT"), NULL, -24, NULL, NULL, NULL, NULL },
		{ "reviewer", TABLE_TEXT, TABLE_NULL_EMPTY, N_("REVIEWER"), " ", -28,
		  NULL, _("(no reviewer)"), NULL, NULL },
		{ "accounts", TABLE_NUMBER, 0, N_("ACCTS"), " ", 6, NULL, "-", NULL, NULL },
		{ "kept", TABLE_NUMBER, 0, N_("KEPT"), " ", 5, NULL, "-", NULL, NULL },
		{ "revoked", TABLE_NUMBER, 0, N_("REVOKED"), " ", 8, NULL, "-", NULL, NULL },
		{ "undecided", TABLE_NUMBER, 0, N_("UNDECIDED"), " ", 10, NULL, "-",
		  NULL, NULL },
		{ "sheets", TABLE_NUMBER, 0, N_("SHEETS"), " ", 7, NULL, "-", NULL, NULL },
		{ "last_answer", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("LAST ANSWER"), "  ",
		  -20, NULL, "-", NULL, NULL, view_date_text },
		{ "days_left", TABLE_NUMBER, TABLE_SIGNED, N_("DAYS LEFT"), " ", 10, NULL,
		  "-", NULL, NULL },
	};
	const struct table_format *format;
	const char *format_name = "text", *error;
	char id[REVIEW_ID_MAX + 1], due[LANG_DATE_MAX];
	struct review_counts *counts;
	struct review_campaign c;
	struct store *store;
	struct table table;
	size_t n;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'f')
			return cli_usage(&cmd_review, NULL);
		format_name = optarg;
	}
	if (optind != argc)
		return cli_usage(&cmd_review, _("unexpected argument '%s'"), argv[optind]);
	format = cli_table_format(&cmd_review, status_formats, format_name);
	if (format == NULL)
		return EXIT_USAGE;
	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	ret = review_latest(store, id, &c, &error);
	if (ret <= 0) {
		if (ret < 0)
			cli_error("%s", error);
		else
			cli_error(_("no review campaign (dormant review start)"));
		store_close(&store);
		return ret < 0 ? EXIT_RUNTIME : EXIT_FINDINGS;
	}
	if (review_unit_counts(store, id, &counts, &n, &error) < 0) {
		cli_error("%s", error);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	store_close(&store);
	lang_date(c.due, LANG_DATE_DAY, due);
	if (format == &table_text)
		printf(_("campaign %s (%s), due %s, %lld days left: %u units, "
			 "%u accounts\n"), id,
		       c.state == REVIEW_OPEN ? _("open") : _("closed"), due,
		       (long long)days_left(cli->now, c.due), c.units, c.accounts);
	table_init(&table, format, status_columns, ST_NCOLUMNS, stdout);
	table_begin(&table);
	for (size_t i = 0; i < n; i++) {
		struct table_value v[ST_NCOLUMNS];
		char answered[RFC3339_MAX] = "";
		const struct review_counts *rc = &counts[i];

		if (rc->answered > 0)
			time_format_rfc3339(rc->answered, answered);
		memset(v, 0, sizeof(v));
		v[ST_UNIT] = table_str(rc->unit);
		v[ST_REVIEWER] = table_str(rc->reviewer);
		v[ST_ACCOUNTS].num = (int64_t)rc->accounts;
		v[ST_KEPT].num = (int64_t)rc->kept;
		v[ST_REVOKED].num = (int64_t)rc->revoked;
		v[ST_UNDECIDED].num = (int64_t)rc->undecided;
		v[ST_SHEETS].num = rc->sheets;
		v[ST_ANSWERED] = table_str(answered);
		v[ST_DAYS_LEFT].num = days_left(cli->now, c.due);
		table_row(&table, v);
	}
	table_end(&table);
	for (size_t i = 0; i < n; i++) {
		if (counts[i].bad > 0)
			ret = -1;
	}
	free(counts);
	if (ret < 0) {
		cli_error(_("some review records did not decode (not counted)"));
		return EXIT_FINDINGS;
	}
	return EXIT_OK;
}

/* The same UTC day. */
static bool same_day(int64_t a, int64_t b)
{
	return a / 86400 == b / 86400;
}

int review_remind(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	char id[REVIEW_ID_MAX + 1], key_hex[33], json[REVIEW_AUDIT_MAX], reason[96];
	struct review_campaign c;
	struct review_unit *units;
	struct store *store;
	unsigned long sent = 0, failed = 0;
	bool apply = false;
	const char *error;
	size_t nunits;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'a')
			return cli_usage(&cmd_review, NULL);
		apply = true;
	}
	if (optind != argc)
		return cli_usage(&cmd_review, _("unexpected argument '%s'"), argv[optind]);
	store = review_open_units(cli, !apply, id, &c, &units, &nunits, &opt);
	if (store == NULL)
		return opt;
	for (size_t u = 0; u < nunits; u++) {
		struct review_unit *unit = &units[u];
		unsigned long undecided = 0;
		struct review_acct *a;
		struct sheet_info info;
		size_t count;

		if (review_accts_load(store, id, (uint32_t)u, cli_warn, &a, &count,
				      &error) < 0) {
			cli_error("%s", error);
			failed++;
			continue;
		}
		for (size_t i = 0; i < count; i++)
			undecided += a[i].item.decision == REVIEW_UNDECIDED;
		if (undecided == 0 || unit->source == REVIEWER_NONE ||
		    (unit->reminded > 0 && same_day(unit->reminded, cli->now))) {
			if (undecided > 0) {
				fputs("  ", stdout);
				text_safe(stdout, unit->name, strlen(unit->name));
				printf(unit->source == REVIEWER_NONE ?
				       _(": %lu undecided, no reviewer to remind\n") :
				       _(": %lu undecided, reminded today already\n"),
				       undecided);
			}
			review_accts_free(a, count);
			continue;
		}
		fputs(apply ? "  " : _("  would remind "), stdout);
		text_safe(stdout, unit->reviewer, strlen(unit->reviewer));
		fputs(_(" for unit "), stdout);
		text_safe(stdout, unit->name, strlen(unit->name));
		printf(_(": %lu undecided\n"), undecided);
		if (apply) {
			qsort(a, count, sizeof(*a), review_acct_cmp);
			review_sheet_info(id, &c, unit, key_hex, &info);
			unit->reminded = cli->now;
			snprintf(reason, sizeof(reason), "%lu undecided", undecided);
			error = "cannot build the audit entry";
			if (review_mail_unit(cli, &info, (uint32_t)u, a, count, undecided,
					     true, &error) < 0 ||
			    audit_json(json, sizeof(json), cli->now, audit_actor(),
				       "review-remind", unit->name, reason, "reviewer",
				       unit->reviewer) == NULL ||
			    review_unit_save(store, id, (uint32_t)u, unit, json, cli->now,
					     &error) < 0) {
				cli_error(_("unit %s: %s"), unit->name, error);
				failed++;
			} else {
				sent++;
			}
		}
		review_accts_free(a, count);
	}
	free(units);
	store_close(&store);
	if (!apply)
		fputs(_("dry run: nothing sent (add --apply)\n"), stdout);
	else
		printf(_("%lu reminders sent\n"), sent);
	return failed > 0 ? EXIT_RUNTIME : EXIT_OK;
}

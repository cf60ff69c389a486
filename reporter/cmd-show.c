/* cmd-show.c - "dormant show ACCOUNT": everything known about one account. */
#include "cli.h"
#include "account.h"
#include "output.h"
#include "view.h"

#include <getopt.h>
#include <string.h>

static const char *state_kind_name(enum account_state_kind kind)
{
	return kind == STATE_SUSPENDED ? "suspended" :
		kind == STATE_EXEMPT ? "exempt" :
		kind == STATE_GRACE ? "grace after reactivation" : "none";
}

/* One contact of the account: its text and where it came from; the unit
   defaults to the domain (doc/DESIGN.md §7.6). NULL when none is known. */
static const char *contact_of(const struct account_view *view, int field,
			      const char **source_r)
{
	const struct account_contacts *c = view->contacts;
	const char *domain;

	if (c != NULL && c->text[field][0] != '\0') {
		*source_r = contact_source_name((enum contact_source)c->source[field]);
		return c->text[field];
	}
	domain = account_domain(view->account);
	if (field == CONTACT_UNIT && domain != NULL) {
		*source_r = "domain";
		return domain;
	}
	*source_r = NULL;
	return NULL;
}

static void show_contacts_text(const struct account_view *view)
{
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		const char *source, *text = contact_of(view, i, &source);

		printf("%s:%*s", contact_field_name((enum contact_field)i),
		       (int)(15 - strlen(contact_field_name((enum contact_field)i))), "");
		if (text == NULL) {
			puts("none known");
			continue;
		}
		text_safe(stdout, text, strlen(text));
		printf(" (%s)\n", source);
	}
}

static void show_contacts_json(const struct account_view *view)
{
	fputs(",\"contacts\":{", stdout);
	for (int i = 0; i < CONTACT_FIELDS; i++) {
		const char *name = contact_field_name((enum contact_field)i);
		const char *source, *text = contact_of(view, i, &source);

		printf("%s\"%s\":", i > 0 ? "," : "", name);
		if (text != NULL)
			json_string(stdout, text, strlen(text));
		else
			fputs("null", stdout);
		printf(",\"%s_source\":", name);
		if (source != NULL)
			printf("\"%s\"", source);
		else
			fputs("null", stdout);
	}
	fputc('}', stdout);
}

static void show_text(const struct row *row, const struct account_view *view)
{
	char t[RFC3339_MAX];

	fputs("account:        ", stdout);
	text_safe(stdout, row->account, row->account_len);
	printf("\nstatus:         %s\n", policy_status_name(row->status));
	if (row->idle_days >= 0)
		printf("idle days:      %lld\n", (long long)row->idle_days);
	printf("last login:     %s", row->last_login[0] ? row->last_login : "never");
	if (row->last_login[0] != '\0')
		printf(" (%s from %s)", row->login_service[0] ? row->login_service : "?",
		       row->login_ip[0] ? row->login_ip : "unknown address");
	printf("\nlast send:      %s", row->last_send[0] ? row->last_send : "never");
	if (row->last_send[0] != '\0' && row->send_ip[0] != '\0')
		printf(" (from %s)", row->send_ip);
	printf("\nlast receive:   %s\n", row->last_receive[0] ? row->last_receive : "never");
	if (view->info != NULL) {
		printf("first seen:     %s\n", row->first_seen);
		time_format_rfc3339(view->info->last_seen, t);
		printf("last synced:    %s\n", t);
		if (view->info->gone_since != 0) {
			time_format_rfc3339(view->info->gone_since, t);
			printf("gone since:     %s (no longer in the directory)\n", t);
		}
		show_contacts_text(view);
	} else {
		puts("directory:      not seen by dormant sync");
	}
	if (view->state != NULL) {
		printf("state:          %s", state_kind_name(view->state->kind));
		time_format_rfc3339(view->state->since, t);
		printf(" since %s", t);
		if (view->state->until != 0) {
			time_format_rfc3339(view->state->until, t);
			printf(" until %s", t);
		}
		fputs(" by ", stdout);
		text_safe(stdout, view->state->actor, strlen(view->state->actor));
		fputs("\nreason:         ", stdout);
		text_safe(stdout, view->state->reason, strlen(view->state->reason));
		putchar('\n');
	}
}

static void show_json(const struct row *row, const struct account_view *view)
{
	struct table_value values[VIEW_NCOLUMNS];
	char t[RFC3339_MAX];

	view_values(row, values);
	fputc('{', stdout);
	table_json_members(stdout, view_columns, VIEW_NCOLUMNS, values);
	fputs(",\"directory\":", stdout);
	if (view->info != NULL) {
		time_format_rfc3339(view->info->last_seen, t);
		printf("{\"last_synced\":\"%s\",\"gone_since\":", t);
		time_format_rfc3339(view->info->gone_since, t);
		if (t[0] != '\0')
			printf("\"%s\"", t);
		else
			fputs("null", stdout);
		show_contacts_json(view);
		fputc('}', stdout);
	} else {
		fputs("null", stdout);
	}
	fputs(",\"state\":", stdout);
	if (view->state != NULL) {
		printf("{\"kind\":\"%s\",\"since\":", state_kind_name(view->state->kind));
		time_format_rfc3339(view->state->since, t);
		printf("\"%s\",\"until\":", t);
		time_format_rfc3339(view->state->until, t);
		if (t[0] != '\0')
			printf("\"%s\"", t);
		else
			fputs("null", stdout);
		fputs(",\"reason\":", stdout);
		json_string(stdout, view->state->reason, strlen(view->state->reason));
		fputs(",\"actor\":", stdout);
		json_string(stdout, view->state->actor, strlen(view->state->actor));
		fputc('}', stdout);
	} else {
		fputs("null", stdout);
	}
	fputs("}\n", stdout);
}

static const struct show_format {
	const char *name;
	void (*write)(const struct row *row, const struct account_view *view);
} show_formats[] = {
	{ "text", show_text },
	{ "json", show_json },
};

static int show_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	char name[ACCOUNT_MAX + 1];
	struct activity act;
	struct account_info info;
	struct account_contacts contacts;
	struct account_state st;
	struct account_view view;
	struct view_ctx vctx;
	struct store *store;
	struct row row;
	const char *error;
	const struct show_format *format = &show_formats[0];
	int c, r1, r2, r3;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'F')
			return cli_usage(&cmd_show, NULL);
		format = NULL;
		for (size_t i = 0; i < sizeof(show_formats) / sizeof(show_formats[0]); i++) {
			if (strcmp(show_formats[i].name, optarg) == 0)
				format = &show_formats[i];
		}
		if (format == NULL)
			return cli_usage(&cmd_show, "unknown format '%s'", optarg);
	}
	if (optind + 1 != argc)
		return cli_usage(&cmd_show, "give one account");
	if (cli_account_arg(cli, argv[optind], name) < 0)
		return EXIT_USAGE;
	store = cli_open_view(cli, true, &vctx);
	if (store == NULL)
		return EXIT_RUNTIME;
	r1 = store_activity_get(store, name, &act, &error);
	r2 = r1 < 0 ? -1 : store_account_info_get(store, name, &info, &contacts,
							   &error);
	r3 = r2 < 0 ? -1 : store_state_get(store, name, &st, &error);
	store_close(&store);
	if (r1 < 0 || r2 < 0 || r3 < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	if (r1 == 0 && r2 == 0 && r3 == 0) {
		cli_error("%s: unknown account (never seen, not synced)", name);
		return EXIT_FINDINGS;
	}
	memset(&view, 0, sizeof(view));
	view.account = name;
	view.account_len = strlen(name);
	view.activity = r1 > 0 ? &act : NULL;
	view.info = r2 > 0 ? &info : NULL;
	view.contacts = r2 > 0 && !account_contacts_empty(&contacts) ? &contacts : NULL;
	view.state = r3 > 0 ? &st : NULL;
	view_row(&vctx, &view, &row);
	format->write(&row, &view);
	return EXIT_OK;
}

const struct cli_command cmd_show = {
	"show", show_run, "[--format text|json] ACCOUNT",
	"everything known about one account", NULL,
};

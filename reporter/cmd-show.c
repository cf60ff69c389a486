/* cmd-show.c - "dormant show ACCOUNT": everything known about one account. */
#include "cli.h"
#include "i18n.h"
#include "lang.h"
#include "report.h"
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

/* The same, and a contact's field and source, as people read them */
static const char *state_kind_label(enum account_state_kind kind)
{
	return kind == STATE_SUSPENDED ? _("suspended") :
		kind == STATE_EXEMPT ? _("exempt") :
		kind == STATE_GRACE ? _("grace after reactivation") : _("none");
}

static const char *contact_label(enum contact_field field)
{
	static const char *const labels[CONTACT_FIELDS] = {
		N_("unit:"), N_("manager:"), N_("alternate:"),
	};

	return _(labels[field]);
}

static const char *source_label(const char *source)
{
	return strcmp(source, "userdb") == 0 ? _("userdb") :
		strcmp(source, "file") == 0 ? _("file") :
		strcmp(source, "domain") == 0 ? _("domain") : source;
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

		const char *label = contact_label((enum contact_field)i);

		printf("%s%*s", label, (int)(16 - text_width(label)), "");
		if (text == NULL) {
			puts(_("none known"));
			continue;
		}
		text_safe(stdout, text, strlen(text));
		printf(" (%s)\n", source_label(source));
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

/* What show knows beyond the row: the account's networks. */
struct show_extra {
	const struct netset *networks;   /* NULL: none recorded */
	const char *networks_error;      /* a record that did not decode */
	/* the entry of the last login's network: its client and webmail */
	const struct netset_entry *login_net;
};

/* "webmail (Roundcube)", "imap (Thunderbird)", "imap": how the last login
   came, as the network's entry tells (doc/DESIGN.md §5.1). */
static void show_login_how(const struct row *row, const struct show_extra *x)
{
	char how[VIEW_HOW_MAX];

	view_login_how(row->login_service, x->login_net, how);
	text_safe(stdout, how, strlen(how));
}

static void show_networks_text(const struct show_extra *x)
{
	char net[NETSET_TEXT_MAX], first[LANG_DATE_MAX], last[LANG_DATE_MAX];

	if (x->networks_error != NULL) {
		fputs(_("networks:       unreadable: "), stdout);
		text_safe(stdout, x->networks_error, strlen(x->networks_error));
		putchar('\n');
		return;
	}
	if (x->networks == NULL || x->networks->count == 0) {
		puts(_("networks:       none recorded"));
		return;
	}
	puts(_("networks:"));
	for (unsigned int i = 0; i < x->networks->count; i++) {
		const struct netset_entry *e = &x->networks->entry[i];

		netset_format(e, net);
		lang_date(e->first_seen, LANG_DATE_TIME, first);
		lang_date(e->last_seen, LANG_DATE_TIME, last);
		printf("  %-20s ", net);
		printf(_("last %s  first %s"), last, first);
		printf("  %s%s%s",
		       (e->kinds & NETSET_LOGIN) != 0 ? "login" : "",
		       e->kinds == (NETSET_LOGIN | NETSET_SEND) ? "," : "",
		       (e->kinds & NETSET_SEND) != 0 ? "send" : "");
		if ((e->flags & NETSET_WEBMAIL) != 0)
			fputs("  webmail", stdout);
		if (e->client[0] != '\0') {
			fputs(_("  client "), stdout);
			text_safe(stdout, e->client, strlen(e->client));
		}
		putchar('\n');
	}
}

static void show_text(const struct row *row, const struct account_view *view,
		      const struct show_extra *x)
{
	char t[LANG_DATE_MAX];

	fputs(_("account:        "), stdout);
	text_safe(stdout, row->account, row->account_len);
	printf(_("\nstatus:         %s\n"), view_status_label(row->status));
	if (row->idle_days >= 0)
		printf(_("idle days:      %lld\n"), (long long)row->idle_days);
	printf(_("last login:     %s"), row->last_login[0] ?
	       lang_date_text(row->last_login, t) : _("never"));
	if (row->last_login[0] != '\0') {
		fputs(" (", stdout);
		show_login_how(row, x);
		printf(_(" from %s)"), row->login_ip[0] ? row->login_ip : _("unknown address"));
	}
	printf(_("\nlast send:      %s"), row->last_send[0] ?
	       lang_date_text(row->last_send, t) : _("never"));
	if (row->last_send[0] != '\0' && row->send_ip[0] != '\0')
		printf(_(" (from %s)"), row->send_ip);
	printf(_("\nlast receive:   %s\n"), row->last_receive[0] ?
	       lang_date_text(row->last_receive, t) : _("never"));
	if (view->info != NULL) {
		printf(_("first seen:     %s\n"), lang_date_text(row->first_seen, t));
		lang_date(view->info->last_seen, LANG_DATE_TIME, t);
		printf(_("last synced:    %s\n"), t);
		if (view->info->gone_since != 0) {
			lang_date(view->info->gone_since, LANG_DATE_TIME, t);
			printf(_("gone since:     %s (no longer in the directory)\n"), t);
		}
		show_contacts_text(view);
	} else {
		puts(_("directory:      not seen by dormant sync"));
	}
	if (view->state != NULL) {
		printf(_("state:          %s"), state_kind_label(view->state->kind));
		lang_date(view->state->since, LANG_DATE_TIME, t);
		printf(_(" since %s"), t);
		if (view->state->until != 0) {
			lang_date(view->state->until, LANG_DATE_TIME, t);
			printf(_(" until %s"), t);
		}
		fputs(_(" by "), stdout);
		text_safe(stdout, view->state->actor, strlen(view->state->actor));
		fputs(_("\nreason:         "), stdout);
		text_safe(stdout, view->state->reason, strlen(view->state->reason));
		putchar('\n');
	}
	show_networks_text(x);
}

static void json_time(const char *name, int64_t t)
{
	char s[RFC3339_MAX];

	time_format_rfc3339(t, s);
	printf(",\"%s\":\"%s\"", name, s);
}

/* The JSON members beyond the contract's (added, never changed):
   login_via, login_client, networks. */
static void show_networks_json(const struct show_extra *x)
{
	const struct netset_entry *e = x->login_net;
	char net[NETSET_TEXT_MAX];

	printf(",\"login_via\":%s,\"login_client\":",
	       e != NULL && (e->flags & NETSET_WEBMAIL) != 0 ? "\"webmail\"" : "null");
	if (e != NULL && e->client[0] != '\0')
		json_string(stdout, e->client, strlen(e->client));
	else
		fputs("null", stdout);
	fputs(",\"networks\":", stdout);
	if (x->networks_error != NULL) {
		fputs("null", stdout);
		return;
	}
	fputc('[', stdout);
	for (unsigned int i = 0; x->networks != NULL && i < x->networks->count; i++) {
		e = &x->networks->entry[i];
		netset_format(e, net);
		printf("%s{\"network\":\"%s\"", i > 0 ? "," : "", net);
		json_time("first_seen", e->first_seen);
		json_time("last_seen", e->last_seen);
		printf(",\"login\":%s,\"send\":%s,\"webmail\":%s,\"client\":",
		       (e->kinds & NETSET_LOGIN) != 0 ? "true" : "false",
		       (e->kinds & NETSET_SEND) != 0 ? "true" : "false",
		       (e->flags & NETSET_WEBMAIL) != 0 ? "true" : "false");
		if (e->client[0] != '\0')
			json_string(stdout, e->client, strlen(e->client));
		else
			fputs("null", stdout);
		fputc('}', stdout);
	}
	fputc(']', stdout);
}

static void show_json(const struct row *row, const struct account_view *view,
		      const struct show_extra *x)
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
	show_networks_json(x);
	fputs("}\n", stdout);
}

/* error, which the next store call may overwrite (errmsg.h), kept in buf. */
static const char *error_copy(const char *error, char *buf, size_t size)
{
	snprintf(buf, size, "%s", error);
	return buf;
}

static const struct show_format {
	const char *name;
	void (*write)(const struct row *row, const struct account_view *view,
		      const struct show_extra *x);
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
	struct netset networks;
	struct show_extra extra;
	char nerr[256];
	struct view_ctx vctx;
	struct store *store;
	struct row row;
	const char *error;
	const struct show_format *format = &show_formats[0];
	int c, r1, r2, r3, r4;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'F')
			return cli_usage(&cmd_show, NULL);
		format = NULL;
		for (size_t i = 0; i < sizeof(show_formats) / sizeof(show_formats[0]); i++) {
			if (strcmp(show_formats[i].name, optarg) == 0)
				format = &show_formats[i];
		}
		if (format == NULL)
			return cli_usage(&cmd_show, _("unknown format '%s'"), optarg);
	}
	if (optind + 1 != argc)
		return cli_usage(&cmd_show, _("give one account"));
	if (cli_account_arg(cli, argv[optind], name) < 0)
		return EXIT_USAGE;
	store = cli_open_view(cli, true, &vctx);
	if (store == NULL)
		return EXIT_RUNTIME;
	r1 = store_activity_get(store, name, &act, &error);
	r2 = r1 < 0 ? -1 : store_account_info_get(store, name, &info, &contacts,
							   &error);
	r3 = r2 < 0 ? -1 : store_state_get(store, name, &st, &error);
	memset(&extra, 0, sizeof(extra));
	if (r3 >= 0) {
		/* an unreadable networks record is shown, not fatal */
		r4 = store_networks_get(store, name, &networks, &error);
		if (r4 > 0)
			extra.networks = &networks;
		else if (r4 < 0)
			extra.networks_error = error_copy(error, nerr, sizeof(nerr));
	}
	store_close(&store);
	if (r1 < 0 || r2 < 0 || r3 < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	if (r1 == 0 && r2 == 0 && r3 == 0) {
		cli_error(_("%s: unknown account (never seen, not synced)"), name);
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
	if (extra.networks != NULL && r1 > 0)
		extra.login_net = netset_find(extra.networks, &act.login_ip);
	format->write(&row, &view, &extra);
	return extra.networks_error != NULL ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cmd_show = {
	"show", show_run, "[--format text|json] ACCOUNT",
	N_("everything known about one account"), NULL,
};

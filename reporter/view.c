/* view.c - from stored records to the report row, and its writers. */
#include "view.h"
#include "lang.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

const char view_csv_header[] =
	"account,status,idle_days,last_login,login_service,login_ip,"
	"last_send,send_ip,last_receive,first_seen";

enum account_status view_classify(const struct view_ctx *ctx,
				  const struct account_view *view,
				  int64_t *idle_days_r)
{
	struct account_facts facts;
	enum account_status status;
	int64_t idle;

	memset(&facts, 0, sizeof(facts));
	facts.tracking_start = ctx->tracking_start;
	facts.state = view->state;
	if (view->info != NULL)
		facts.first_seen = view->info->first_seen;
	if (view->activity != NULL)
		facts.last_activity = activity_last(view->activity);
	status = policy_classify(&ctx->policy, &facts, ctx->now, &idle);
	*idle_days_r = idle < 0 ? -1 : idle / 86400;
	return status;
}

void view_row(const struct view_ctx *ctx, const struct account_view *view,
	      struct row *row)
{
	const struct activity *act = view->activity;
	const char *at;

	row->account = view->account;
	row->account_len = view->account_len;
	at = memchr(view->account, '@', view->account_len);
	row->domain = at != NULL ? at + 1 : "";
	/* account_unit(), without finding the domain twice (every row of a
	   report goes through here) */
	row->unit = view->contacts != NULL &&
		view->contacts->text[CONTACT_UNIT][0] != '\0' ?
		view->contacts->text[CONTACT_UNIT] : row->domain;
	row->status = view_classify(ctx, view, &row->idle_days);
	row->login_service[0] = row->login_ip[0] = row->send_ip[0] = '\0';
	row->last_login[0] = row->last_send[0] = row->last_receive[0] = '\0';
	row->first_seen[0] = '\0';
	if (act != NULL) {
		time_format_rfc3339(act->last_login, row->last_login);
		memcpy(row->login_service, act->login_service,
		       sizeof(row->login_service));
		ip_format(&act->login_ip, row->login_ip);
		time_format_rfc3339(act->last_send, row->last_send);
		ip_format(&act->send_ip, row->send_ip);
		time_format_rfc3339(act->last_receive, row->last_receive);
	}
	if (view->info != NULL)
		time_format_rfc3339(view->info->first_seen, row->first_seen);
}

/* The words people read for a status, in the order of enum
   account_status; the machine formats keep policy_status_name(). */
static const char *const status_labels[STATUS_COUNT] = {
	N_("active"), N_("idle"), N_("dormant"), N_("never-used"),
	N_("insufficient-history"), N_("exempt"), N_("suspended"),
};

const char *view_status_label(enum account_status status)
{
	return (unsigned)status < STATUS_COUNT ? _(status_labels[status]) :
		policy_status_name(status);
}

/* The text format's status and dates (table_column.text) */
static const char *view_status_text(const char *value, char *buf, size_t size)
{
	int status = policy_status_parse(value);

	(void)buf; (void)size;
	return status < 0 ? value : view_status_label((enum account_status)status);
}

/* value (RFC 3339) in style, or value itself when it is no time */
static const char *date_text(const char *value, enum lang_date_style style,
			     char *buf, size_t size)
{
	int64_t t;

	if (size < LANG_DATE_MAX || time_parse_rfc3339(value, &t) < 0)
		return value;
	lang_date(t, style, buf);
	return buf;
}

const char *view_date_text(const char *value, char *buf, size_t size)
{
	return date_text(value, LANG_DATE_COLUMN, buf, size);
}

const char *view_day_text(const char *value, char *buf, size_t size)
{
	return date_text(value, LANG_DATE_DAY, buf, size);
}

/* The text layout (dormant list, the report's lists) keeps the columns
   that fit a terminal; CSV and JSON have them all. */
const struct table_column view_columns[VIEW_NCOLUMNS] = {
	{ "account", TABLE_TEXT, 0, N_("ACCOUNT"), NULL, -32, NULL, NULL, NULL, NULL },
	{ "status", TABLE_PLAIN, 0, N_("STATUS"), " ", -20, NULL, NULL, NULL, NULL,
	  view_status_text },
	{ "idle_days", TABLE_NUMBER, 0, N_("IDLE"), " ", 5, "d", "-", NULL, NULL },
	{ "last_login", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("LAST LOGIN"), "  ", -20,
	  NULL, "-", NULL, NULL, view_date_text },
	{ "login_service", TABLE_TEXT, TABLE_NULL_EMPTY, N_("SERVICE"), " ", -11,
	  NULL, "-", NULL, NULL },
	{ "login_ip", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("FROM"), " ", -15, NULL, "-",
	  NULL, NULL },
	{ "last_send", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("LAST SEND"), "  ", -20,
	  NULL, "-", NULL, NULL, view_date_text },
	{ "send_ip", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("FROM"), " ", 0, NULL, "-",
	  NULL, NULL },
	{ "last_receive", TABLE_PLAIN, TABLE_NULL_EMPTY | TABLE_NO_TEXT, NULL,
	  NULL, 0, NULL, NULL, NULL, NULL },
	{ "first_seen", TABLE_PLAIN, TABLE_NULL_EMPTY | TABLE_NO_TEXT, NULL,
	  NULL, 0, NULL, NULL, NULL, NULL },
	{ "domain", TABLE_TEXT, TABLE_NO_TEXT, NULL, NULL, 0, NULL, NULL, NULL,
	  NULL },
	{ "unit", TABLE_TEXT, TABLE_NO_TEXT | TABLE_NO_CSV, NULL, NULL, 0, NULL,
	  NULL, NULL, NULL },
};

void view_values(const struct row *row, struct table_value values[VIEW_NCOLUMNS])
{
	values[VIEW_COL_ACCOUNT] = (struct table_value){
		.str = row->account, .len = row->account_len };
	values[VIEW_COL_STATUS].str = policy_status_name(row->status);
	values[VIEW_COL_IDLE_DAYS].num = row->idle_days;
	values[VIEW_COL_LAST_LOGIN].str = row->last_login;
	values[VIEW_COL_LOGIN_SERVICE] = table_str(row->login_service);
	values[VIEW_COL_LOGIN_IP].str = row->login_ip;
	values[VIEW_COL_LAST_SEND].str = row->last_send;
	values[VIEW_COL_SEND_IP].str = row->send_ip;
	values[VIEW_COL_LAST_RECEIVE].str = row->last_receive;
	values[VIEW_COL_FIRST_SEEN].str = row->first_seen;
	values[VIEW_COL_DOMAIN] = table_str(row->domain);
	values[VIEW_COL_UNIT] = table_str(row->unit);
}

void view_login_how(const char *service, const struct netset_entry *e,
		    char buf[VIEW_HOW_MAX])
{
	const char *how = e != NULL && (e->flags & NETSET_WEBMAIL) != 0 ?
		"webmail" : service[0] != '\0' ? service : "?";

	if (e != NULL && e->client[0] != '\0')
		snprintf(buf, VIEW_HOW_MAX, "%s (%s)", how, e->client);
	else
		snprintf(buf, VIEW_HOW_MAX, "%s", how);
}

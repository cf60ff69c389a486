/* view.c - from stored records to the report row, and its writers. */
#include "view.h"

#include <string.h>

const char view_csv_header[] =
	"account,status,idle_days,last_login,login_service,login_ip,"
	"last_send,send_ip,last_receive,first_seen";

void view_row(const struct view_ctx *ctx, const struct account_view *view,
	      struct row *row)
{
	const struct activity *act = view->activity;
	struct account_facts facts;
	const char *at;
	int64_t idle;

	memset(row, 0, sizeof(*row));
	row->account = view->account;
	row->account_len = view->account_len;
	at = memchr(view->account, '@', view->account_len);
	row->domain = at != NULL ? at + 1 : "";

	memset(&facts, 0, sizeof(facts));
	facts.tracking_start = ctx->tracking_start;
	facts.state = view->state;
	if (view->info != NULL)
		facts.first_seen = view->info->first_seen;
	if (act != NULL) {
		facts.last_activity = activity_last(act);
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
	row->status = policy_classify(&ctx->policy, &facts, ctx->now, &idle);
	row->idle_days = idle < 0 ? -1 : idle / 86400;
}

void view_write_csv(FILE *out, const struct row *row, bool with_domain)
{
	csv_field(out, row->account);
	fprintf(out, ",%s,", policy_status_name(row->status));
	if (row->idle_days >= 0)
		fprintf(out, "%lld", (long long)row->idle_days);
	fprintf(out, ",%s,", row->last_login);
	csv_field(out, row->login_service);
	fprintf(out, ",%s,%s,%s,%s,%s", row->login_ip, row->last_send,
		row->send_ip, row->last_receive, row->first_seen);
	if (with_domain) {
		fputc(',', out);
		csv_field(out, row->domain);
	}
	fputs("\r\n", out);
}

static void json_field(FILE *out, const char *name, const char *value, bool first)
{
	fprintf(out, "%s\"%s\":", first ? "" : ",", name);
	if (value[0] == '\0')
		fputs("null", out);
	else
		json_string(out, value, strlen(value));
}

void view_write_json(FILE *out, const struct row *row, bool with_domain)
{
	fputc('{', out);
	view_write_json_fields(out, row, with_domain);
	fputc('}', out);
}

void view_write_json_fields(FILE *out, const struct row *row, bool with_domain)
{
	fputs("\"account\":", out);
	json_string(out, row->account, row->account_len);
	fprintf(out, ",\"status\":\"%s\",\"idle_days\":", policy_status_name(row->status));
	if (row->idle_days >= 0)
		fprintf(out, "%lld", (long long)row->idle_days);
	else
		fputs("null", out);
	json_field(out, "last_login", row->last_login, false);
	json_field(out, "login_service", row->login_service, false);
	json_field(out, "login_ip", row->login_ip, false);
	json_field(out, "last_send", row->last_send, false);
	json_field(out, "send_ip", row->send_ip, false);
	json_field(out, "last_receive", row->last_receive, false);
	json_field(out, "first_seen", row->first_seen, false);
	if (with_domain) {
		fputs(",\"domain\":", out);
		json_string(out, row->domain, strlen(row->domain));
	}
}

void view_write_text_header(FILE *out)
{
	fprintf(out, "%-32s %-20s %5s  %-20s %-11s %-15s  %-20s %s\n",
		"ACCOUNT", "STATUS", "IDLE", "LAST LOGIN", "SERVICE", "FROM",
		"LAST SEND", "FROM");
}

static const char *or_dash(const char *s)
{
	return s[0] != '\0' ? s : "-";
}

void view_write_text(FILE *out, const struct row *row)
{
	long pad = 32 - (long)row->account_len;

	text_safe(out, row->account, row->account_len);
	fprintf(out, "%*s %-20s ", pad > 0 ? (int)pad : 0, "",
		policy_status_name(row->status));
	if (row->idle_days >= 0)
		fprintf(out, "%4lldd", (long long)row->idle_days);
	else
		fprintf(out, "%5s", "-");
	fprintf(out, "  %-20s %-11s %-15s  %-20s %s\n", or_dash(row->last_login),
		or_dash(row->login_service), or_dash(row->login_ip),
		or_dash(row->last_send), or_dash(row->send_ip));
}

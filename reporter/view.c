/* view.c - from stored records to the report row, and its writers. */
#include "view.h"

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

/* Decimal digits of v, written backwards into num[24]; no printf. */
static const char *fmt_uint(char num[24], uint64_t v)
{
	char *p = num + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

static void put_field(FILE *out, const char *s)
{
	fputc_unlocked(',', out);
	fputs_unlocked(s, out);
}

void view_write_csv(FILE *out, const struct row *row, bool with_domain)
{
	char num[24];

	csv_field(out, row->account);
	put_field(out, policy_status_name(row->status));
	put_field(out, row->idle_days >= 0 ? fmt_uint(num, (uint64_t)row->idle_days) : "");
	put_field(out, row->last_login);
	fputc_unlocked(',', out);
	csv_field(out, row->login_service);
	put_field(out, row->login_ip);
	put_field(out, row->last_send);
	put_field(out, row->send_ip);
	put_field(out, row->last_receive);
	put_field(out, row->first_seen);
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

/* cmd-alerts.c - "dormant alerts": the moments a forgotten account may be
 * taken over (a wake-up after dormant_after, a suspended account trying
 * to log in or send, ...), which the plugin and the milter record as
 * events, listed, and delivered at once: one syslog line each, and one
 * batched, rate-limited mail to alert_to (doc/DESIGN.md §8.10).
 *
 * Delivery keeps two times in the meta database: alerts_until (every
 * event before it went to syslog) and alerts_mailed_until (every event
 * before it was mailed; alerts_mail_sent is when the last mail went). A
 * run delivers the events in [alerts_until, now - ALERT_SETTLE): an event
 * is written at its own time by a process that gives up after 200 ms, so
 * once the settle time has passed no event can still appear before it.
 * Events imported from old logs carry old times and are never alerts. */
#include "cli.h"
#include "i18n.h"
#include "lang.h"
#include "mail.h"
#include "output.h"
#include "report.h"
#include "table.h"
#include "timeutil.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define ALERT_SETTLE 5               /* seconds an event may take to commit */
#define ALERT_POLL 15                /* --follow: seconds between runs */
#define ALERT_MAIL_LINES 200         /* listed in one mail; the rest counted */

static const struct table_column alert_columns[] = {
	{ "time", TABLE_PLAIN, 0, N_("TIME"), NULL, -20, NULL, NULL, NULL, NULL },
	{ "alert", TABLE_PLAIN, 0, N_("ALERT"), "  ", -14, NULL, NULL, NULL, NULL },
	{ "account", TABLE_TEXT, 0, N_("ACCOUNT"), " ", -32, NULL, NULL, NULL, NULL },
	{ "service", TABLE_TEXT, TABLE_NULL_EMPTY, N_("SERVICE"), " ", -11, NULL, "-",
	  NULL, NULL },
	{ "ip", TABLE_PLAIN, TABLE_NULL_EMPTY, N_("FROM"), " ", -15, NULL, "-", NULL,
	  NULL },
	{ "idle_days", TABLE_NUMBER, 0, N_("IDLE"), " ", 5, "d", "-", NULL, NULL },
	{ "flags", TABLE_PLAIN, TABLE_NULL_EMPTY, NULL, "  ", 0, NULL, "", NULL,
	  NULL },
};
#define ALERT_NCOLUMNS (sizeof(alert_columns) / sizeof(alert_columns[0]))

static const struct table_format *const alert_formats[] = {
	&table_text, &table_csv, &table_json, NULL
};

/* One alert's fields as text. */
struct alert_text {
	char stamp[RFC3339_MAX];
	char ip[IP_TEXT_MAX];
	int64_t idle_days;
	char flags[REPORT_EVENT_FLAGS_MAX];   /* "new-network,suspended" */
};

static void alert_text(int64_t time, const struct account_event *ev,
		       struct alert_text *t)
{
	time_format_rfc3339(time, t->stamp);
	ip_format(&ev->ip, t->ip);
	t->idle_days = ev->idle >= 0 ? ev->idle / 86400 : -1;
	report_event_flags(ev, t->flags);
}

/* ---- listing ---- */

static int list_one(void *ctx, int64_t time, const char *account,
		    const struct account_event *ev)
{
	struct table_value values[ALERT_NCOLUMNS];
	struct alert_text t;

	if (ev == NULL) {
		/* cli_error escapes */
		cli_error(_("alert of %s: a record that does not decode (skipped)"),
			  account);
		return 0;
	}
	alert_text(time, ev, &t);
	values[0] = table_str(t.stamp);
	values[1] = table_str(event_kind_name(ev->kind));
	values[2] = table_str(account);
	values[3] = table_str(ev->service);
	values[4] = table_str(t.ip);
	values[5].num = t.idle_days;
	values[6] = table_str(t.flags);
	table_row(ctx, values);
	return 0;
}

static int alerts_list(struct cli *cli, const struct table_format *format,
		       int64_t since)
{
	struct table table;
	struct store *store;
	const char *error;
	int ret;

	if ((store = cli_store_open(cli, true)) == NULL)
		return EXIT_RUNTIME;
	table_init(&table, format, alert_columns, ALERT_NCOLUMNS, stdout);
	table_begin(&table);
	ret = store_event_foreach(store, since, INT64_MAX, list_one, &table, &error);
	table_end(&table);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* ---- delivery ---- */

struct deliver {
	bool apply;
	unsigned long count;
	/* the mail's body, when one goes */
	FILE *body;
	unsigned long listed;
};

/* The syslog line: the stable part first, "dormant-alert KIND", then
   key=value pairs. The account and the service are the mail uid's bytes:
   text_safe escapes every control byte, so one event is one line. */
static void alert_line(FILE *f, int64_t time, const char *account,
		       const struct account_event *ev)
{
	struct alert_text t;

	alert_text(time, ev, &t);
	fprintf(f, "dormant-alert %s account=", event_kind_name(ev->kind));
	text_safe(f, account, strlen(account));
	fputs(" service=", f);
	if (ev->service[0] != '\0')
		text_safe(f, ev->service, strlen(ev->service));
	else
		fputc('-', f);
	fprintf(f, " ip=%s idle_days=%lld time=%s flags=%s",
		t.ip[0] != '\0' ? t.ip : "-", (long long)t.idle_days, t.stamp,
		t.flags[0] != '\0' ? t.flags : "-");
}

static int syslog_one(void *ctx, int64_t time, const char *account,
		      const struct account_event *ev)
{
	struct deliver *d = ctx;
	char line[1024];
	FILE *f;

	if (ev == NULL)
		return 0;
	d->count++;
	if (!d->apply) {
		fputs(_("would log: "), stdout);
		alert_line(stdout, time, account, ev);
		fputc('\n', stdout);
		return 0;
	}
	/* a line too long for the buffer is cut, never lost */
	memset(line, 0, sizeof(line));
	if ((f = fmemopen(line, sizeof(line) - 1, "w")) == NULL)
		return 0;
	alert_line(f, time, account, ev);
	fclose(f);
	syslog(LOG_WARNING, "%s", line);
	return 0;
}

static int mail_line(void *ctx, int64_t time, const char *account,
		     const struct account_event *ev)
{
	struct deliver *d = ctx;
	struct alert_text t;
	char stamp[LANG_DATE_MAX];

	if (ev == NULL)
		return 0;
	d->count++;
	if (d->listed >= ALERT_MAIL_LINES)
		return 0;
	alert_text(time, ev, &t);
	/* the mail is read by people: their dates and words (the syslog
	   line and the listing's columns keep the machine's) */
	lang_date(time, LANG_DATE_TIME, stamp);
	fputs(stamp, d->body);
	fputs("  ", d->body);
	text_column(d->body, report_kind_label(ev->kind), -18);
	fputc(' ', d->body);
	text_safe(d->body, account, strlen(account));
	fputs("  ", d->body);
	if (ev->service[0] != '\0')
		text_safe(d->body, ev->service, strlen(ev->service));
	else
		fputc('-', d->body);
	fprintf(d->body, _(" from %s"), t.ip[0] != '\0' ? t.ip : "-");
	if (t.idle_days >= 0)
		fprintf(d->body, ngettext(", idle %lld day", ", idle %lld days",
					  (unsigned long)t.idle_days),
			(long long)t.idle_days);
	if (t.flags[0] != '\0')
		fprintf(d->body, " (%s)", t.flags);
	fputc('\n', d->body);
	d->listed++;
	return 0;
}

static int meta_time(struct store *store, const char *name, int64_t dflt,
		     int64_t *value_r)
{
	const char *error;
	int ret = store_meta_get(store, name, value_r, &error);

	if (ret < 0) {
		cli_error("%s", error);
		return -1;
	}
	if (ret == 0)
		*value_r = dflt;
	return 0;
}

static int meta_put(struct store *store, const char *name, int64_t value)
{
	const char *error;

	if (store_meta_set(store, name, value, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

/* One mail listing the events of [from, until): 0 (none or sent), -1. */
static int send_alert_mail(struct cli *cli, struct store *store, int64_t from,
			   int64_t until, bool apply, unsigned long *count_r)
{
	struct deliver d = { .apply = apply };
	char *text = NULL, subject[256];
	size_t size = 0;
	const char *error;
	struct mail m;
	int ret;

	if ((d.body = open_memstream(&text, &size)) == NULL) {
		cli_error(_("out of memory"));
		return -1;
	}
	ret = store_event_foreach(store, from, until, mail_line, &d, &error);
	fclose(d.body);
	*count_r = d.count;
	if (ret < 0) {
		cli_error("%s", error);
		free(text);
		return -1;
	}
	if (d.count == 0 || !apply) {
		if (d.count > 0)
			printf(ngettext("would mail %s: %lu alert\n",
					"would mail %s: %lu alerts\n", d.count),
			       cli->cfg.alert_to, d.count);
		free(text);
		return 0;
	}
	if (mail_open(&m, cli->cfg.sendmail, &error) < 0) {
		cli_error("%s", error);
		free(text);
		return -1;
	}
	mail_text_headers(m.f, cli->cfg.alert_to, "", cli->cfg.notice_from);
	snprintf(subject, sizeof(subject),
		 ngettext("dormant: %lu alert (wake-ups, refused or unusual logins)",
			  "dormant: %lu alerts (wake-ups, refused or unusual logins)",
			  d.count), d.count);
	mail_subject(m.f, subject, strlen(subject));
	fprintf(m.f, "\n%s\n\n",
		_("Accounts that were idle, suspended or seen from a new network\n"
		  "have logged in, sent or tried to. Check each one: a forgotten\n"
		  "account in use again may have been taken over."));
	fwrite(text, 1, size, m.f);
	if (d.count > d.listed) {
		char stamp[RFC3339_MAX];

		time_format_rfc3339(from, stamp);
		fprintf(m.f, _("... and %lu more: dormant alerts --since %s\n"),
			d.count - d.listed, stamp);
	}
	free(text);
	if (mail_close(&m, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

/* One delivery run. 0, or -1 (printed). */
static int deliver_once(struct cli *cli, bool apply, int64_t now)
{
	struct deliver d = { .apply = apply };
	int64_t until = now - ALERT_SETTLE, from, mailed_until, mail_sent;
	unsigned long mailed = 0;
	struct store *store;
	const char *error;
	int ret = -1;

	if ((store = cli_store_open(cli, !apply)) == NULL)
		return -1;
	/* the first run starts now: history is for the report */
	if (meta_time(store, "alerts_until", until, &from) < 0 ||
	    meta_time(store, "alerts_mailed_until", from, &mailed_until) < 0 ||
	    meta_time(store, "alerts_mail_sent", 0, &mail_sent) < 0)
		goto out;
	/* A place past now (a clock that jumped, a run with --now in the
	   future, a planted value) would silence every alert after it: never
	   believed, as no time from the future is (doc/DESIGN.md §9.1). */
	if (from > until || mailed_until > until || mail_sent > now) {
		cli_error(_("alerts: the delivery place in the database lies in the "
			  "future; delivering from now on"));
		from = from > until ? until : from;
		mailed_until = mailed_until > until ? until : mailed_until;
		mail_sent = mail_sent > now ? 0 : mail_sent;
	}
	if (from < until &&
	    store_event_foreach(store, from, until, syslog_one, &d, &error) < 0) {
		cli_error("%s", error);
		goto out;
	}
	/* kept before the mail is tried: a mail that fails never makes the
	   syslog lines come again (also on the first run, which starts the
	   count) */
	if (apply && meta_put(store, "alerts_until", until) < 0)
		goto out;
	if (cli->cfg.alert_to[0] != '\0' && mailed_until < until &&
	    now - mail_sent >= (int64_t)cli->cfg.alert_mail_interval) {
		if (send_alert_mail(cli, store, mailed_until, until, apply,
				    &mailed) < 0)
			goto out;
		if (apply && (meta_put(store, "alerts_mailed_until", until) < 0 ||
			      (mailed > 0 && meta_put(store, "alerts_mail_sent", now) < 0)))
			goto out;
	} else if (apply && cli->cfg.alert_to[0] == '\0' &&
		   meta_put(store, "alerts_mailed_until", until) < 0) {
		goto out;
	}
	if (!apply || d.count > 0 || mailed > 0)
		printf(apply ? (mailed > 0 ?
				ngettext("delivered %lu alert to syslog, mailed\n",
					 "delivered %lu alerts to syslog, mailed\n", d.count) :
				ngettext("delivered %lu alert to syslog\n",
					 "delivered %lu alerts to syslog\n", d.count)) :
		       ngettext("would deliver %lu alert to syslog\n",
				"would deliver %lu alerts to syslog\n", d.count), d.count);
	ret = 0;
out:
	store_close(&store);
	return ret;
}

static volatile sig_atomic_t follow_stop;

static void on_stop(int sig)
{
	(void)sig;
	follow_stop = 1;
}

static int alerts_follow(struct cli *cli)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (bool first = true; follow_stop == 0; first = false) {
		/* a failure is reported and retried: the service keeps going */
		if (deliver_once(cli, true, (int64_t)time(NULL)) == 0 && first)
			printf(_("delivering alerts every %d s\n"), ALERT_POLL);
		for (int i = 0; i < ALERT_POLL && follow_stop == 0; i++)
			sleep(1);
	}
	return EXIT_OK;
}

static int alerts_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'F' },
		{ "deliver", no_argument, NULL, 'd' },
		{ "follow", no_argument, NULL, 'f' },
		{ "apply", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const struct table_format *format = &table_text;
	bool deliver = false, follow = false, apply = false, listing = false;
	int64_t since = cli->now - 7 * 86400;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			format = cli_table_format(&cmd_alerts, alert_formats, optarg);
			if (format == NULL)
				return EXIT_USAGE;
			listing = true;
			break;
		case 's':
			if (time_parse_rfc3339(optarg, &since) < 0)
				return cli_usage(&cmd_alerts, _("--since: not a date: %s"), optarg);
			listing = true;
			break;
		case 'd': deliver = true; break;
		case 'f': follow = true; break;
		case 'a': apply = true; break;
		default:
			return cli_usage(&cmd_alerts, NULL);
		}
	}
	if (optind != argc)
		return cli_usage(&cmd_alerts, _("unexpected argument '%s'"), argv[optind]);
	if ((deliver || follow) && listing)
		return cli_usage(&cmd_alerts, _("--deliver and --follow take no --since or --format"));
	if (apply && !deliver && !follow)
		return cli_usage(&cmd_alerts, _("--apply goes with --deliver or --follow"));
	if (follow && !apply)
		return cli_usage(&cmd_alerts, _("--follow delivers: add --apply"));
	if (deliver || follow)
		openlog("dormant", LOG_PID, LOG_AUTHPRIV);
	if (follow)
		return alerts_follow(cli);
	if (deliver)
		return deliver_once(cli, apply, cli->now) < 0 ? EXIT_RUNTIME : EXIT_OK;
	return alerts_list(cli, format, since);
}

const struct cli_command cmd_alerts = {
	"alerts", alerts_run,
	"[--since DATE] [--format text|csv|json] | --deliver [--apply] | "
	"--follow --apply",
	N_("wake-ups and refused logins or sends: list, or deliver at once"),
	N_("  (default)      the alerts of the last 7 days (or --since DATE)\n"
	"  --deliver      the alerts since the last delivery: one syslog line\n"
	"                 each (authpriv.warning, \"dormant-alert KIND ...\"), and\n"
	"                 one mail to alert_to at most every alert_mail_interval;\n"
	"                 a dry run without --apply\n"
	"  --follow       deliver every 15 s until stopped (dormant-alerts.service)\n"),
};

/* cmd-notify.c - "dormant notify": warn each owner, and the account's
 * manager and alternate address, notice_days before the account may be
 * suspended, once per idle period, and remind them notify_reminder_days
 * before, once (both remembered in the notices database, with an audit
 * entry each); send the admins a summary. Recipients: doc/DESIGN.md §7.5. */
#include "cli.h"
#include "array.h"
#include "audit.h"
#include "contacts.h"
#include "i18n.h"
#include "lang.h"
#include "mail.h"
#include "output.h"
#include "view.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_MAX 65536

/* TRANSLATORS: keep "Subject: " (the header's name) and the {words} in
   braces as they are; dormant replaces them. */
static const char default_template[] =
	N_("Subject: Your mailbox {account} will be suspended on {suspend_date}\n"
	"\n"
	"Hello,\n"
	"\n"
	"The mailbox {account} has not been used for {idle_days} days\n"
	"(last login: {last_login}; last mail sent: {last_send}).\n"
	"\n"
	"Mailboxes unused for {suspend_days} days are suspended, because\n"
	"forgotten accounts are a target for attackers. This mailbox will be\n"
	"suspended on or after {suspend_date}.\n"
	"\n"
	"To keep it, log in to your mail (webmail, phone or mail program)\n"
	"before that date. If you no longer need it, you need not do anything.\n"
	"\n"
	"If you have questions, contact your IT service desk.\n");

struct warn {
	char *account, *manager, *alternate;   /* contacts: NULL if none */
	bool reminder;
	struct notice notice;        /* what to store once it is sent */
	int64_t idle_days, suspend_at;
	char last_login[RFC3339_MAX], last_send[RFC3339_MAX];
};

struct notify_ctx {
	struct view_ctx view;
	int64_t lead;                /* warn this long before suspend_after */
	int64_t remind;              /* remind this long before; 0 never */
	struct store *store;
	struct warn *w;
	size_t count, alloc;
	unsigned long already, skipped;
};

/* What is due for an account idle idle_days, whose stored notice (found:
   ret > 0) is n: 0 nothing, 1 the notice, 2 the reminder. */
static int notice_due(const struct notify_ctx *ctx, int ret, const struct notice *n,
		      int64_t period, int64_t idle_days, int64_t suspend_at)
{
	if (ret == 0 || n->period != period)
		return 1;
	/* the reminder: in its window, once, and only after a notice sent
	   before the window opened (a late first notice is reminder enough) */
	if (ctx->remind > 0 && n->reminded == 0 &&
	    idle_days * 86400 >= ctx->view.policy.suspend_after - ctx->remind &&
	    n->sent < suspend_at - ctx->remind)
		return 2;
	return 0;
}

static char *strdup_or_null(const char *s, bool *oom)
{
	char *d;

	if (s == NULL || s[0] == '\0')
		return NULL;
	if ((d = strdup(s)) == NULL)
		*oom = true;
	return d;
}

static int notify_one(void *_ctx, const struct account_view *view)
{
	struct notify_ctx *ctx = _ctx;
	const struct account_contacts *c = view->contacts;
	struct notice notice;
	const char *error;
	int64_t period, suspend_at;
	struct warn *w;
	struct row row;
	bool oom = false;
	int ret, due;

	if (view->decode_error != NULL)
		return 0;
	view_row(&ctx->view, view, &row);
	if (row.status != STATUS_IDLE && row.status != STATUS_DORMANT &&
	    row.status != STATUS_NEVER_USED)
		return 0;
	if (row.idle_days < 0 || row.idle_days * 86400 < ctx->lead)
		return 0;
	if (view->state != NULL && view->state->kind == STATE_GRACE &&
	    view->state->until > ctx->view.now)
		return 0;
	period = view->activity != NULL ? activity_last(view->activity) : 0;
	suspend_at = ctx->view.now - row.idle_days * 86400 +
		(int64_t)ctx->view.policy.suspend_after;
	if (suspend_at < ctx->view.now)
		suspend_at = ctx->view.now;
	ret = store_notice_get(ctx->store, view->account, &notice, &error);
	if (ret < 0) {
		/* the mail uid can write the record: one bad record must not
		   stop every other owner's warning */
		cli_error(_("%s: %s (skipped)"), view->account, error);
		ctx->skipped++;
		return 0;
	}
	due = notice_due(ctx, ret, &notice, period, row.idle_days, suspend_at);
	if (due == 0) {
		ctx->already++;
		return 0;
	}
	if (!contact_address_plain(view->account)) {
		cli_error(_("%s: not a plain mail address, no notice sent"), view->account);
		ctx->skipped++;
		return 0;
	}
	if (array_grow(&ctx->w, &ctx->alloc, ctx->count, sizeof(*ctx->w)) < 0) {
		cli_error(_("out of memory"));
		return 1;       /* stop, reported (a -1 reads as a store error) */
	}
	w = &ctx->w[ctx->count];
	memset(w, 0, sizeof(*w));
	w->account = strdup_or_null(view->account, &oom);
	w->manager = strdup_or_null(c != NULL ? c->text[CONTACT_MANAGER] : NULL, &oom);
	w->alternate = strdup_or_null(c != NULL ? c->text[CONTACT_ALTERNATE] : NULL, &oom);
	ctx->count++;                /* freed at the end, even half filled */
	if (oom) {
		cli_error(_("out of memory"));
		return 1;       /* stop, reported (a -1 reads as a store error) */
	}
	w->reminder = due == 2;
	if (w->reminder) {
		w->notice = notice;
		w->notice.reminded = ctx->view.now;
	} else {
		w->notice.sent = ctx->view.now;
		w->notice.period = period;
	}
	w->idle_days = row.idle_days;
	w->suspend_at = suspend_at;
	memcpy(w->last_login, row.last_login, sizeof(w->last_login));
	memcpy(w->last_send, row.last_send, sizeof(w->last_send));
	return 0;
}

/* "a, b, c" of a recipient list, into buf. */
static void rcpt_join(const struct notice_rcpt *r, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->nto && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i > 0 ? ", " : "",
					r->to[i]);
}

/* Copy the template to out, replacing {name} tokens. */
static void expand(FILE *out, const char *tpl, const struct warn *w,
		   int64_t suspend_days)
{
	char date[LANG_DATE_MAX], t[LANG_DATE_MAX];

	lang_date(w->suspend_at, LANG_DATE_DAY, date);
	while (*tpl != '\0') {
		const char *close = *tpl == '{' ? strchr(tpl, '}') : NULL;
		size_t n = close != NULL ? (size_t)(close - tpl - 1) : 0;

		if (close != NULL && n == 7 && strncmp(tpl + 1, "account", n) == 0)
			fputs(w->account, out);
		else if (close != NULL && n == 9 && strncmp(tpl + 1, "idle_days", n) == 0)
			fprintf(out, "%lld", (long long)w->idle_days);
		else if (close != NULL && n == 12 && strncmp(tpl + 1, "suspend_date", n) == 0)
			fputs(date, out);
		else if (close != NULL && n == 12 && strncmp(tpl + 1, "suspend_days", n) == 0)
			fprintf(out, "%lld", (long long)suspend_days);
		else if (close != NULL && n == 10 && strncmp(tpl + 1, "last_login", n) == 0)
			fputs(w->last_login[0] ? lang_date_text(w->last_login, t) : _("never"), out);
		else if (close != NULL && n == 9 && strncmp(tpl + 1, "last_send", n) == 0)
			fputs(w->last_send[0] ? lang_date_text(w->last_send, t) : _("never"), out);
		else {
			fputc(*tpl++, out);
			continue;
		}
		tpl = close + 1;
	}
}

static char *template_load(const char *path)
{
	char *buf;
	size_t n;
	FILE *f;

	if (path == NULL || path[0] == '\0')
		return strdup(_(default_template));
	f = fopen(path, "r");
	if (f == NULL) {
		cli_error(_("notice_template %s: %s"), path, strerror(errno));
		return NULL;
	}
	buf = malloc(TEMPLATE_MAX + 1);
	n = buf != NULL ? fread(buf, 1, TEMPLATE_MAX + 1, f) : 0;
	fclose(f);
	if (buf == NULL || n > TEMPLATE_MAX || memchr(buf, '\0', n) != NULL ||
	    strncmp(buf, "Subject: ", 9) != 0) {
		cli_error(_("notice_template %s: must start with 'Subject: ', hold no "
			    "NUL byte and be at most %d bytes"), path, TEMPLATE_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* mail_close, printing why it failed: 0 or -1. */
static int notify_mail_close(struct mail *m)
{
	const char *error;

	if (mail_close(m, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

/* Room for the To: list: three addresses and their separators. */
#define RCPT_TEXT_MAX (3 * (ACCOUNT_MAX + 2) + 1)

/* 0, or -1 (printed). */
static int send_notice(struct cli *cli, const char *tpl, const struct warn *w,
		       const char *to)
{
	const char *from = cli->cfg.notice_from[0] != '\0' ? cli->cfg.notice_from :
		cli->cfg.report_to;
	const char *error, *body;
	char *text = NULL, *subject = NULL;
	size_t text_len = 0, subject_len = 0;
	struct mail m;
	FILE *mem;

	/* the template's first line is the Subject:, then the body; the
	   subject may need RFC 2047 (a translation, names): expanded apart */
	mem = open_memstream(&text, &text_len);
	if (mem == NULL) {
		cli_error("%s", strerror(errno));
		return -1;
	}
	expand(mem, tpl + strlen("Subject: "), w,
	       (int64_t)(cli->cfg.suspend_after / 86400));
	if (fclose(mem) != 0) {
		free(text);
		cli_error(_("out of memory"));
		return -1;
	}
	body = strchr(text, '\n');
	if (body == NULL)
		body = text + text_len;
	mem = open_memstream(&subject, &subject_len);
	if (mem == NULL) {
		free(text);
		cli_error("%s", strerror(errno));
		return -1;
	}
	if (w->reminder)
		fputs(_("Reminder: "), mem);
	fwrite(text, 1, (size_t)(body - text), mem);
	if (fclose(mem) != 0) {
		free(text);
		cli_error(_("out of memory"));
		return -1;
	}
	if (mail_open(&m, cli->cfg.sendmail, &error) < 0) {
		cli_error("%s", error);
		free(text);
		free(subject);
		return -1;
	}
	/* every address passed contact_address_plain: no CR, LF or comma */
	mail_text_headers(m.f, to, cli->cfg.notify_cc, from);
	mail_subject(m.f, subject, subject_len);
	if (body[0] != '\0')
		fputs(body + 1, m.f);
	free(text);
	free(subject);
	return notify_mail_close(&m);
}

/* Record a sent notice with its audit entry. 0, or -1 (printed). */
static int record_notice(struct cli *cli, struct store *store, const struct warn *w,
			 const char *to)
{
	char json[AUDIT_JSON_MAX + RCPT_TEXT_MAX + ACCOUNT_MAX + 64];
	char reason[96], date[RFC3339_MAX], rcpts[RCPT_TEXT_MAX + ACCOUNT_MAX + 8];
	const char *error;

	time_format_rfc3339(w->suspend_at, date);
	date[10] = '\0';
	snprintf(reason, sizeof(reason), "idle %lld days, suspension from %s",
		 (long long)w->idle_days, date);
	snprintf(rcpts, sizeof(rcpts), "%s%s%s", to,
		 cli->cfg.notify_cc[0] != '\0' ? "; cc " : "", cli->cfg.notify_cc);
	if (audit_json(json, sizeof(json), cli->now, audit_actor(),
		       w->reminder ? "reminder" : "notice", w->account, reason,
		       "recipients", rcpts) == NULL) {
		cli_error(_("%s: audit entry too long"), w->account);
		return -1;
	}
	if (audit_notice_set(store, w->account, &w->notice, json, cli->now, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

static void print_warn(struct cli *cli, const struct warn *w,
		       const struct notice_rcpt *r, const char *to)
{
	printf("  %s  ", w->account);
	printf(ngettext("idle %lld day", "idle %lld days", (unsigned long)w->idle_days),
	       (long long)w->idle_days);
	printf("  ");
	printf(w->reminder ? _("reminder to %s") : _("notice to %s"), to);
	if (cli->cfg.notify_cc[0] != '\0')
		printf("; cc %s", cli->cfg.notify_cc);
	putchar('\n');
	for (size_t j = 0; j < r->nskipped; j++) {
		fputs(_("    not mailed: "), stdout);
		text_safe(stdout, r->skipped[j], strlen(r->skipped[j]));
		printf(" (%s)\n", _(r->why[j]));
	}
}

static int send_summary(struct cli *cli, const struct notify_ctx *ctx,
			const bool *sent)
{
	const char *error;
	char subject[256];
	struct mail m;
	size_t nsent = 0;

	if (cli->cfg.report_to[0] == '\0')
		return 0;
	if (mail_open(&m, cli->cfg.sendmail, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	for (size_t i = 0; i < ctx->count; i++)
		nsent += sent[i] ? 1 : 0;
	mail_text_headers(m.f, cli->cfg.report_to, "", cli->cfg.notice_from);
	snprintf(subject, sizeof(subject),
		 nsent < ctx->count ?
		 ngettext("dormant: %zu suspension notice sent, some failed",
			  "dormant: %zu suspension notices sent, some failed", nsent) :
		 ngettext("dormant: %zu suspension notice sent",
			  "dormant: %zu suspension notices sent", nsent), nsent);
	mail_subject(m.f, subject, strlen(subject));
	fprintf(m.f, "\n%s\n\n",
		_("These owners were warned that their accounts may be suspended:"));
	for (size_t i = 0; i < ctx->count; i++) {
		char date[LANG_DATE_MAX];

		lang_date(ctx->w[i].suspend_at, LANG_DATE_DAY, date);
		fprintf(m.f, "  %s  ", ctx->w[i].account);
		fprintf(m.f, ngettext("idle %lld day, suspension from %s",
				      "idle %lld days, suspension from %s",
				      (unsigned long)ctx->w[i].idle_days),
			(long long)ctx->w[i].idle_days, date);
		fprintf(m.f, "%s%s\n", ctx->w[i].reminder ? _(" (reminder)") : "",
			sent[i] ? "" : _("  (NOT SENT: sendmail failed)"));
	}
	return notify_mail_close(&m);
}

static int notify_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "apply", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct notify_ctx ctx;
	bool apply = false, *sent = NULL;
	const char *error = NULL;
	char *tpl = NULL;
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'a')
			return cli_usage(&cmd_notify, NULL);
		apply = true;
	}
	if (optind != argc)
		return cli_usage(&cmd_notify, _("unexpected argument '%s'"), argv[optind]);
	if ((tpl = template_load(cli->cfg.notice_template)) == NULL)
		return EXIT_USAGE;
	memset(&ctx, 0, sizeof(ctx));
	ctx.store = cli_open_view(cli, !apply, &ctx.view);
	if (ctx.store == NULL) {
		free(tpl);
		return EXIT_RUNTIME;
	}
	ctx.lead = (int64_t)(cli->cfg.suspend_after - cli->cfg.notice_days);
	ctx.remind = (int64_t)cli->cfg.notify_reminder_days;
	if ((ret = store_account_foreach(ctx.store, notify_one, &ctx, &error)) != 0) {
		if (ret < 0)
			cli_error("%s", error);
		ret = EXIT_RUNTIME;
		goto out;
	}
	printf(apply ? ngettext("warning %zu owner (%lu already warned for this period)\n",
				"warning %zu owners (%lu already warned for this period)\n",
				ctx.count) :
	       ngettext("would warn %zu owner (%lu already warned for this period)\n",
			"would warn %zu owners (%lu already warned for this period)\n",
			ctx.count), ctx.count, ctx.already);
	sent = calloc(ctx.count + 1, sizeof(*sent));
	if (sent == NULL) {
		cli_error(_("out of memory"));
		ret = EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < ctx.count; i++) {
		const struct warn *w = &ctx.w[i];
		struct notice_rcpt r;
		char to[RCPT_TEXT_MAX];

		contacts_recipients(w->account, w->manager, w->alternate, &cli->cfg, &r);
		rcpt_join(&r, to, sizeof(to));
		print_warn(cli, w, &r, to);
		if (!apply)
			continue;
		if (send_notice(cli, tpl, w, to) < 0) {
			ret = EXIT_RUNTIME;
			continue;
		}
		sent[i] = true;
		/* remembered only once handed to sendmail: a failure is retried */
		if (record_notice(cli, ctx.store, w, to) < 0)
			ret = EXIT_RUNTIME;
	}
	if (apply && ctx.count > 0 && send_summary(cli, &ctx, sent) < 0)
		ret = EXIT_RUNTIME;
out:
	for (size_t i = 0; i < ctx.count; i++) {
		free(ctx.w[i].account);
		free(ctx.w[i].manager);
		free(ctx.w[i].alternate);
	}
	free(ctx.w);
	free(sent);
	free(tpl);
	store_close(&ctx.store);
	return ret;
}

const struct cli_command cmd_notify = {
	"notify", notify_run, "[--apply]",
	N_("warn owners notice_days before their accounts may be suspended"),
	N_("Each owner is warned once per idle period (a login or send starts a\n"
	"new one); a summary goes to report_to. The text comes from\n"
	"notice_template: a file starting with 'Subject: ', then a blank line\n"
	"and the body, with {account} {idle_days} {suspend_date} {suspend_days}\n"
	"{last_login} {last_send} replaced. Mail goes through sendmail -t.\n"
	"Without --apply, only prints who would be warned.\n"),
};

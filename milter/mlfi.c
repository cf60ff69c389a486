/* mlfi.c - the libmilter callbacks: translate MTA events into store calls.
 *
 * The milter needs one protocol step: MAIL FROM, where {auth_authen}
 * arrives. Negotiation switches every other step off and asks for only the
 * macros it reads, and MAIL answers SMFIS_ACCEPT (this milter is done with
 * the message; other milters go on), so an MTA makes one round trip per
 * message to it. An MTA that cannot send macro lists still sends CONNECT,
 * whose address is kept in a small per-connection struct.
 *
 * Outcomes are defined for all input: a suspended sender is refused with
 * 550 5.7.1; a name that is not an account is logged (escaped, cut) and the
 * mail goes on; a database error is logged (rate-limited) and the mail goes
 * on; only running out of memory defers (SMFIS_TEMPFAIL). */
#include "mlfi.h"
#include "mlfi-negotiate.h"
#include "mlog.h"
#include "errmsg.h"
#include "netlist.h"
#include "account.h"
#include "record.h"
#include "metacache.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmilter/mfapi.h>

/* Longest reply text sent: SMTP allows 512 bytes a line with the code;
   libmilter refuses more than 980. */
#define MLFI_REPLY_MAX 400
#define MLFI_DEFAULT_REPLY "Account suspended"

struct mlfi_settings {
	unsigned int refs;           /* under gate.lock */
	struct dormant_config *cfg;
	struct account_rules rules;
	struct netlist *trusted;     /* NULL: no unauthenticated recording */
	struct netlist *webmail;     /* webmail_networks, or NULL */
	unsigned int update_interval;
	/* reject_text made safe for an SMTP reply: printable ASCII, '%'
	   doubled (Sendmail and Postfix expand % in milter replies) */
	char reply_text[MLFI_REPLY_MAX + 1];
};

/* Per-connection data, only with MTAs that send CONNECT (see above). */
struct mlfi_conn {
	char ip[IP_TEXT_MAX];
};
/* Stands in for a struct mlfi_conn that could not be allocated. */
static struct mlfi_conn mlfi_conn_oom;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;         /* inflight reached 0 while closing or paused */
	pthread_cond_t resumed;      /* paused went back to false */
	/* changes only while paused with no callback in flight, so a
	   callback sees one store from enter to leave; NULL: none open */
	struct store *store;
	struct mlfi_settings *set;   /* current snapshot, one reference */
	unsigned int inflight;       /* callbacks between enter and leave */
	bool closing;
	bool paused;                 /* new callbacks wait at the gate */
} gate = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
	.resumed = PTHREAD_COND_INITIALIZER,
};

/* The wake-up threshold the CLI publishes (meta "dormant_after"), read
   at most once a MLFI_THRESHOLD_TTL instead of in every committed send,
   and again after a reload (SIGHUP) or a replaced database. */
#define MLFI_THRESHOLD_TTL 60
static struct meta_cache dormant_after_cache =
	META_CACHE_INIT("dormant_after", MLFI_THRESHOLD_TTL);

/* Refused-send events written in the current second, by account: the
   store keeps one event per account and second anyway (its key), so a
   password tried a hundred times a second costs one write, not a
   hundred. Every refusal still has its event. */
#define REFUSED_SLOTS 64
static struct {
	pthread_mutex_t lock;
	struct {
		int64_t second;
		char account[ACCOUNT_MAX + 1];
	} slot[REFUSED_SLOTS];
	unsigned int next;
} refused = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* --- settings --- */

static void reply_text_build(const char *text, char out[MLFI_REPLY_MAX + 1])
{
	size_t o = 0;

	for (; *text != '\0'; text++) {
		unsigned char c = (unsigned char)*text;
		size_t need = c == '%' ? 2 : 1;

		if (o + need > MLFI_REPLY_MAX)
			break;
		if (c == '%')
			out[o++] = '%';
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	if (o == 0)
		strcpy(out, MLFI_DEFAULT_REPLY);
}

int mlfi_settings_create(struct dormant_config *cfg,
			 struct mlfi_settings **set_r, const char **error_r)
{
	struct mlfi_settings *set;
	const char *error;

	set = calloc(1, sizeof(*set));
	if (set == NULL) {
		config_free(cfg);
		free(cfg);
		*error_r = "out of memory";
		return -1;
	}
	set->cfg = cfg;
	if (netlist_parse(cfg->trusted_networks, &set->trusted, &error) < 0) {
		*error_r = errmsg_printf("trusted_networks: %s", error);
		mlfi_settings_free(&set);
		return -1;
	}
	if (netlist_parse(cfg->webmail_networks, &set->webmail, &error) < 0) {
		*error_r = errmsg_printf("webmail_networks: %s", error);
		mlfi_settings_free(&set);
		return -1;
	}
	set->rules.default_domain = cfg->default_domain;
	set->rules.keep_local_case = !cfg->lowercase_local_part;
	set->rules.delimiters = cfg->recipient_delimiter;
	/* config.c caps update_interval at one day */
	set->update_interval = (unsigned int)cfg->update_interval;
	reply_text_build(cfg->reject_text, set->reply_text);
	*set_r = set;
	return 0;
}

void mlfi_settings_free(struct mlfi_settings **_set)
{
	struct mlfi_settings *set = *_set;

	if (set == NULL)
		return;
	*_set = NULL;
	netlist_free(&set->trusted);
	netlist_free(&set->webmail);
	config_free(set->cfg);
	free(set->cfg);
	free(set);
}

const struct dormant_config *mlfi_settings_config(const struct mlfi_settings *set)
{
	return set->cfg;
}

/* Drop one reference; the caller holds gate.lock. */
static void settings_unref_locked(struct mlfi_settings *set)
{
	if (--set->refs == 0)
		mlfi_settings_free(&set);
}

/* --- the gate --- */

/* The settings to use for one callback, or NULL when shutting down (the
   callback then lets the mail through without touching the store). */
static struct mlfi_settings *mlfi_enter(void)
{
	struct mlfi_settings *set = NULL;

	pthread_mutex_lock(&gate.lock);
	/* a store swap holds callbacks for at most its drain time plus an
	   open (mlfi_pause) */
	while (gate.paused && !gate.closing)
		pthread_cond_wait(&gate.resumed, &gate.lock);
	if (!gate.closing && gate.set != NULL) {
		set = gate.set;
		set->refs++;
		gate.inflight++;
	}
	pthread_mutex_unlock(&gate.lock);
	return set;
}

static void mlfi_leave(struct mlfi_settings *set)
{
	pthread_mutex_lock(&gate.lock);
	settings_unref_locked(set);
	if (--gate.inflight == 0 && (gate.closing || gate.paused))
		pthread_cond_broadcast(&gate.idle);
	pthread_mutex_unlock(&gate.lock);
}

void mlfi_settings_swap(struct mlfi_settings *set)
{
	pthread_mutex_lock(&gate.lock);
	set->refs++;
	if (gate.set != NULL)
		settings_unref_locked(gate.set);
	gate.set = set;
	pthread_mutex_unlock(&gate.lock);
	meta_cache_forget(&dormant_after_cache);
}

/* Wait up to timeout_ms for the callbacks in flight; the caller holds
   gate.lock and has set closing or paused. 0 when none is left. */
static int gate_drain_locked(unsigned int timeout_ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (gate.inflight > 0) {
		if (pthread_cond_timedwait(&gate.idle, &gate.lock, &deadline) == ETIMEDOUT)
			break;
	}
	return gate.inflight == 0 ? 0 : -1;
}

int mlfi_quiesce(unsigned int timeout_ms)
{
	int ret;

	pthread_mutex_lock(&gate.lock);
	gate.closing = true;
	/* callbacks held by a pause go on, past a closed gate */
	pthread_cond_broadcast(&gate.resumed);
	ret = gate_drain_locked(timeout_ms);
	pthread_mutex_unlock(&gate.lock);
	return ret;
}

int mlfi_pause(unsigned int timeout_ms)
{
	int ret;

	pthread_mutex_lock(&gate.lock);
	gate.paused = true;
	ret = gate_drain_locked(timeout_ms);
	if (ret < 0) {
		gate.paused = false;
		pthread_cond_broadcast(&gate.resumed);
	}
	pthread_mutex_unlock(&gate.lock);
	return ret;
}

void mlfi_resume(struct store *store)
{
	pthread_mutex_lock(&gate.lock);
	gate.store = store;
	gate.paused = false;
	pthread_cond_broadcast(&gate.resumed);
	pthread_mutex_unlock(&gate.lock);
	meta_cache_forget(&dormant_after_cache);
}

void mlfi_deinit(void)
{
	pthread_mutex_lock(&gate.lock);
	if (gate.set != NULL)
		settings_unref_locked(gate.set);
	gate.set = NULL;
	gate.store = NULL;
	pthread_mutex_unlock(&gate.lock);
}

/* --- what MAIL FROM does --- */

/* The client's address: {client_addr} if the MTA sent it, else what
   CONNECT said. Text in the store's form, or NULL if unknown. */
static const char *mlfi_client_ip(SMFICTX *ctx, const struct mlfi_conn *conn,
				  struct ip_bin *ip_r, char buf[IP_TEXT_MAX])
{
	const char *macro = smfi_getsymval(ctx, "{client_addr}");

	if ((macro != NULL && ip_parse(macro, ip_r) == 0) ||
	    (conn != NULL && conn != &mlfi_conn_oom && conn->ip[0] != '\0' &&
	     ip_parse(conn->ip, ip_r) == 0)) {
		ip_format(ip_r, buf);
		return buf;
	}
	memset(ip_r, 0, sizeof(*ip_r));
	return NULL;
}

static int64_t mlfi_idle(const struct activity *rec, int64_t now)
{
	int64_t last = activity_last(rec);

	return last > 0 && now >= last ? now - last : -1;
}

/* Record an event of kind with the client address (a refused send: a
   committed send's event is written with it, store_activity_record). */
static void mlfi_event(const char *account, enum event_kind kind, int64_t idle,
		       const char *ip, int64_t now)
{
	struct account_event ev;
	const char *error;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.idle = idle;
	if (ip != NULL)
		(void)ip_parse(ip, &ev.ip);
	strcpy(ev.service, "smtp");
	if (store_event_add(gate.store, now, account, &ev, &error) < 0)
		mlog_limited(LOG_ERR, "%s (event not kept; mail goes on)", error);
}

/* True unless account's refused-send event of this second is written.
   Refusals are rare: a scan of the few slots is cheap. */
static bool refused_first_this_second(const char *account, int64_t now)
{
	size_t i, reuse = REFUSED_SLOTS;

	pthread_mutex_lock(&refused.lock);
	for (i = 0; i < REFUSED_SLOTS; i++) {
		if (refused.slot[i].second != now)
			reuse = i;
		else if (strcmp(refused.slot[i].account, account) == 0)
			break;
	}
	if (i < REFUSED_SLOTS) {
		pthread_mutex_unlock(&refused.lock);
		return false;
	}
	/* all slots taken this second: one more write, never a lost event */
	if (reuse == REFUSED_SLOTS)
		reuse = refused.next++ % REFUSED_SLOTS;
	refused.slot[reuse].second = now;
	/* account_normalize: at most ACCOUNT_MAX bytes */
	snprintf(refused.slot[reuse].account, sizeof(refused.slot[reuse].account),
		 "%s", account);
	pthread_mutex_unlock(&refused.lock);
	return true;
}

static sfsistat mlfi_refuse(SMFICTX *ctx, struct mlfi_settings *set,
			    const char *account, const char *esc,
			    const char *ip, int64_t now)
{
	struct activity rec;
	const char *error;

	if (smfi_setreply(ctx, "550", "5.7.1", set->reply_text) != MI_SUCCESS)
		mlog_limited(LOG_ERR, "cannot set the reply text (out of memory?): "
			     "the MTA's own 5.7.1 text goes out");
	/* one line per account and address a minute, however often a
	   stolen password is tried; but an event for every refusal, whatever
	   the log says: the monthly report lists them */
	mlog_limited(LOG_NOTICE, "refused mail from suspended account %s "
		     "(client %s)", esc, ip != NULL ? ip : "unknown");
	if (refused_first_this_second(account, now)) {
		if (store_activity_get(gate.store, account, &rec, &error) <= 0)
			memset(&rec, 0, sizeof(rec));
		mlfi_event(account, EVENT_REFUSED_SEND, mlfi_idle(&rec, now), ip, now);
	}
	return SMFIS_REJECT;
}

/* What a committed send raised: a wake-up (after dormant_after of
   silence, or the first send of a suspended account let through) or a
   send from a network the account has not used. The store kept it for
   the CLI in the send's own transaction; log it, as the plugin does for
   logins. */
static void mlfi_alert(const char *esc, const struct account_event *ev,
		       const char *ip)
{
	const char *from = ip != NULL ? ip : "unknown address";

	if (ev->kind == EVENT_NEW_NETWORK_SEND)
		mlog(LOG_WARNING, "new network: %s sent mail from %s", esc, from);
	else
		mlog(LOG_WARNING, "wake-up: %s sent mail from %s after %lld days "
		     "idle%s%s", esc, from,
		     (long long)(ev->idle >= 0 ? ev->idle / 86400 : 0),
		     (ev->flags & EVENT_FLAG_SUSPENDED) != 0 ? " (suspended)" : "",
		     (ev->flags & EVENT_FLAG_NEW_NETWORK) != 0 ? " (new network)" : "");
}

/* One sender: an {auth_authen} name, or an envelope sender from a trusted
   network. Decides the verdict and records the send. */
static sfsistat mlfi_sender(SMFICTX *ctx, struct mlfi_settings *set,
			    const char *name, enum account_kind kind,
			    const char *ip)
{
	char account[ACCOUNT_MAX + 1], esc[MLOG_ESCAPE_ACCOUNT];
	struct activity_event ev;
	struct account_state st;
	struct store_news news;
	struct ip_bin ipb;
	size_t len = strlen(name);
	const char *error, *domain;
	int64_t now = time(NULL), dormant_after;
	int ret;

	if (account_normalize(name, len, kind, &set->rules, account, &error) < 0) {
		char bad[MLOG_ESCAPE_SHORT];

		/* "<>" (bounces) is no one's account: nothing to say */
		if (kind == ACCOUNT_ENVELOPE && strcmp(name, "<>") == 0)
			return SMFIS_ACCEPT;
		mlog_limited(LOG_WARNING, "%s \"%s\" (%zu bytes) is not an account "
			     "name: %s (mail goes on, not recorded)",
			     kind == ACCOUNT_LOGIN ? "{auth_authen}" : "envelope sender",
			     mlog_escape(name, len, bad, sizeof(bad)), len, error);
		return SMFIS_ACCEPT;
	}
	if (kind == ACCOUNT_ENVELOPE) {
		domain = account_domain(account);
		if (domain == NULL || !config_is_local_domain(set->cfg, domain))
			return SMFIS_ACCEPT;
	}
	mlog_escape(account, strlen(account), esc, sizeof(esc));

	ret = store_state_get(gate.store, account, &st, &error);
	if (ret < 0) {
		mlog_limited(LOG_ERR, "%s (suspension not checked; mail goes on)",
			     error);
	} else if (ret > 0 && st.kind == STATE_SUSPENDED) {
		if (set->cfg->enforce)
			return mlfi_refuse(ctx, set, account, esc, ip, now);
		mlog_limited(LOG_NOTICE, "suspended account %s sent mail (client %s); "
			     "let through: enforce = no", esc,
			     ip != NULL ? ip : "unknown");
	}

	memset(&ev, 0, sizeof(ev));
	ev.kind = ACTIVITY_SEND;
	ev.time = now;
	ev.service = "smtp";         /* the event's; a send keeps none */
	ev.ip = ip;
	ev.webmail = set->webmail != NULL && ip != NULL && ip_parse(ip, &ipb) == 0 &&
		netlist_match(set->webmail, &ipb);
	/* the CLI publishes its threshold; the file's is the fallback */
	dormant_after = meta_cache_get(&dormant_after_cache, gate.store, now,
				       (int64_t)set->cfg->dormant_after);
	ret = store_activity_record(gate.store, account, &ev, set->update_interval,
				    dormant_after, &news, &error);
	if (ret < 0)
		mlog_limited(LOG_ERR, "%s (send not recorded; mail goes on)", error);
	else if (ret > 0 && news.raised)
		mlfi_alert(esc, &news.event, ip);
	return SMFIS_ACCEPT;
}

/* --- the callbacks --- */

static void mlfi_addr_format(const struct sockaddr *sa, char buf[IP_TEXT_MAX])
{
	buf[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		if (inet_ntop(AF_INET, &sin->sin_addr, buf, IP_TEXT_MAX) == NULL)
			buf[0] = '\0';
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, IP_TEXT_MAX) == NULL)
			buf[0] = '\0';
	}
}

static sfsistat mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct mlfi_conn *conn = smfi_getpriv(ctx);

	if (conn == NULL) {
		conn = malloc(sizeof(*conn));
		if (conn == NULL)
			conn = &mlfi_conn_oom;     /* MAIL defers */
		if (smfi_setpriv(ctx, conn) != MI_SUCCESS) {
			/* no context to keep it in: MAIL goes by its macros */
			if (conn != &mlfi_conn_oom)
				free(conn);
			return SMFIS_NOREPLY;
		}
	}
	if (conn != &mlfi_conn_oom)
		mlfi_addr_format(hostaddr, conn->ip);
	return SMFIS_NOREPLY;       /* SMFIP_NR_CONN */
}

static sfsistat mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct mlfi_conn *conn = smfi_getpriv(ctx);
	struct mlfi_settings *set;
	struct ip_bin ip;
	char ipbuf[IP_TEXT_MAX];
	const char *authen, *iptext;
	sfsistat ret = SMFIS_ACCEPT;

	if (conn == &mlfi_conn_oom) {
		mlog_limited(LOG_ERR, "out of memory for connection data: mail deferred");
		return SMFIS_TEMPFAIL;
	}
	set = mlfi_enter();
	if (set == NULL)
		return SMFIS_ACCEPT;       /* shutting down */
	if (gate.store == NULL) {
		/* the files were replaced and the new ones do not open yet */
		mlog_limited(LOG_ERR, "no database open (see above): mail goes on, "
			     "not checked or recorded");
		mlfi_leave(set);
		return SMFIS_ACCEPT;
	}
	authen = smfi_getsymval(ctx, "{auth_authen}");
	if (authen != NULL && authen[0] != '\0') {
		iptext = mlfi_client_ip(ctx, conn, &ip, ipbuf);
		ret = mlfi_sender(ctx, set, authen, ACCOUNT_LOGIN, iptext);
	} else if (set->trusted != NULL && argv != NULL && argv[0] != NULL) {
		/* optional: unauthenticated mail from a trusted host (webmail),
		   keyed by the envelope sender when its domain is local */
		iptext = mlfi_client_ip(ctx, conn, &ip, ipbuf);
		if (netlist_match(set->trusted, &ip))
			ret = mlfi_sender(ctx, set, argv[0], ACCOUNT_ENVELOPE, iptext);
	}
	mlfi_leave(set);
	return ret;
}

static sfsistat mlfi_close(SMFICTX *ctx)
{
	struct mlfi_conn *conn = smfi_getpriv(ctx);

	if (conn != NULL) {
		if (conn != &mlfi_conn_oom)
			free(conn);
		(void)smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static char mlfi_name[] = "dormant-milter";

static struct smfiDesc mlfi_desc = {
	.xxfi_name = mlfi_name,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_NONE,
	.xxfi_connect = mlfi_connect,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};

int mlfi_init(struct store *store, struct mlfi_settings *set)
{
	if (smfi_register(mlfi_desc) != MI_SUCCESS)
		return -1;
	pthread_mutex_lock(&gate.lock);
	gate.store = store;
	gate.closing = false;
	pthread_mutex_unlock(&gate.lock);
	mlfi_settings_swap(set);
	return 0;
}

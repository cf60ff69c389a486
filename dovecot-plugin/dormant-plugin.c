/* dormant-plugin.c - the Dovecot glue: turn a person's mail session into
 * library calls. On a session of a counted service it records a login at
 * the start, every dormant_update_interval while the session stays open,
 * and at the end. What is never counted is decided here in code, whatever
 * mail_plugins says: other services (lmtp, lda, doveadm, indexer-worker,
 * ...), master-user logins, the restore of a hibernated IMAP session and
 * users auto-created to open someone else's shared mailbox.
 *
 * A failure of dormant never fails a login: it is logged (once per cause,
 * see dormant_log_error) and the session goes on. */
#include "lib.h"
#include "ioloop.h"
#include "net.h"
#include "module-context.h"
#include "mail-user.h"
#include "mail-storage-hooks.h"

#include "dormant-plugin.h"
#include "dormant-settings.h"
#include "account.h"
#include "imapid.h"
#include "netlist.h"
#include "store.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define DORMANT_USER_CONTEXT(obj) \
	MODULE_CONTEXT(obj, dormant_user_module)
/* After a failure to open the database, retry at most this often in a
   long-lived process. */
#define DORMANT_REOPEN_INTERVAL 60
/* The same error is logged at most this often across processes. */
#define DORMANT_ERROR_REPEAT 3600
/* Until "dormant" has published its thresholds in the database:
   dormant.conf's default. */
#define DORMANT_DEFAULT_DORMANT_AFTER (CONFIG_DORMANT_AFTER_DAYS * 24 * 3600)

struct dormant_user {
	union mail_user_module_context module_ctx;
	struct dormant_settings set;
	char account[ACCOUNT_MAX + 1];
	char ip[IP_TEXT_MAX];
	/* the client's IMAP ID name (userdb field dormant_client_id), and
	   whether the session came through a webmail_networks host */
	char client[NETSET_CLIENT_MAX + 1];
	bool webmail;
	struct timeout *to_touch;
	/* an unhibernated IMAP session: only touched, see
	   dormant_mail_user_created */
	bool restored;
};

/* One store per process, opened on first use. */
static struct {
	struct store *store;
	char *dir;
	int64_t dormant_after;      /* from the database's meta */
	time_t next_open_try;
	char last_error[256];
	/* dormant_webmail_networks as last parsed (every session of a
	   process normally has the same) */
	char *webmail_text;
	struct netlist *webmail;
} dormant_proc;

const char *dormant_plugin_version = DOVECOT_ABI_VERSION;
const char *dormant_plugin_dependencies[] = { NULL };

static MODULE_CONTEXT_DEFINE_INIT(dormant_user_module,
				  &mail_user_module_register);

/* The service as dormant names it: Pigeonhole 2.4 calls ManageSieve
   "sieve", 2.3 "managesieve"; both are recorded, and configured, as
   "managesieve". */
static const char *dormant_service_name(const char *service)
{
	return service != NULL && strcmp(service, "sieve") == 0 ?
		"managesieve" : service;
}

/* Whether another process of this uid logged the same error within
   DORMANT_ERROR_REPEAT seconds, as told by a small stamp file; records
   this one if not. In Dovecot's default process model every login is a
   new process, so remembering it in the process alone would still log
   one line per login. The stamp is per uid, never followed through a
   symlink, and ignored unless it is our own regular file. */
static bool dormant_error_seen_recently(const char *error)
{
	char path[64], buf[300], line[300];
	struct stat st;
	ssize_t n;
	int fd;

	if (i_snprintf(path, sizeof(path), "/tmp/dormant-plugin.%u.lasterror",
		       (unsigned int)geteuid()) < 0)
		return FALSE;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return FALSE;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		i_close_fd(&fd);
		return FALSE;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	i_snprintf(line, sizeof(line), "%s\n", error);
	if (n > 0 && strcmp(buf, line) == 0 &&
	    st.st_mtime + DORMANT_ERROR_REPEAT > ioloop_time) {
		i_close_fd(&fd);
		return TRUE;
	}
	if (ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0)
		(void)!write(fd, line, strlen(line));
	i_close_fd(&fd);
	return FALSE;
}

/* Log an error once per distinct cause: once in this process, and once an
   hour across all the mail processes of this uid, so a broken database
   costs one log line, not one per login. */
static void dormant_log_error(struct mail_user *user, const char *error)
{
	if (strncmp(dormant_proc.last_error, error,
		    sizeof(dormant_proc.last_error) - 1) == 0)
		return;
	i_strocpy(dormant_proc.last_error, error, sizeof(dormant_proc.last_error));
	if (dormant_error_seen_recently(error))
		return;
	e_error(user->event, "dormant: %s (login not recorded; mail goes on; "
		"logged once an hour)", error);
}

/* A store call failed: log it; a store whose map could not grow (the
   process's vsz_limit) fails every call from now on, so drop it and let a
   later session open the database afresh. */
static void dormant_store_failed(struct mail_user *user, const char *error)
{
	dormant_log_error(user, error);
	if (dormant_proc.store != NULL && store_map_lost(dormant_proc.store)) {
		store_close(&dormant_proc.store);
		i_free(dormant_proc.dir);
		dormant_proc.next_open_try = ioloop_time + DORMANT_REOPEN_INTERVAL;
	}
}

static struct store *dormant_store_get(struct mail_user *user, const char *dir)
{
	const char *error;

	if (dormant_proc.store != NULL && strcmp(dormant_proc.dir, dir) == 0)
		return dormant_proc.store;
	if (dormant_proc.store != NULL) {
		/* another user of this process has another db setting */
		store_close(&dormant_proc.store);
		i_free(dormant_proc.dir);
	}
	if (ioloop_time < dormant_proc.next_open_try)
		return NULL;
	if (store_open(dir, STORE_FIT_MAP | STORE_HOT_PATH, &dormant_proc.store,
		       &error) < 0) {
		dormant_proc.next_open_try = ioloop_time + DORMANT_REOPEN_INTERVAL;
		dormant_log_error(user, error);
		return NULL;
	}
	dormant_proc.dir = i_strdup(dir);
	if (store_meta_get(dormant_proc.store, "dormant_after",
			   &dormant_proc.dormant_after, &error) <= 0 ||
	    dormant_proc.dormant_after <= 0)
		dormant_proc.dormant_after = DORMANT_DEFAULT_DORMANT_AFTER;
	return dormant_proc.store;
}

/* What a committed login raised: a wake-up (after dormant_after of
   silence, or the first login of a suspended account that got through)
   or a login from a network the account has not used. The store kept the
   event for the CLI, which alerts, in the login's own transaction; here
   it is logged, nothing more on the login path. */
static void dormant_alert(struct mail_user *user, struct dormant_user *duser,
			  const struct account_event *ev)
{
	const char *service = dormant_service_name(user->service);
	const char *from = duser->ip[0] != '\0' ? duser->ip : "unknown address";

	if (ev->kind == EVENT_NEW_NETWORK_LOGIN)
		e_warning(user->event, "dormant: new network: %s logged in by %s "
			  "from %s", duser->account, service, from);
	else
		e_warning(user->event, "dormant: wake-up: %s logged in by %s from %s "
			  "after %lld days idle%s%s", duser->account, service, from,
			  (long long)(ev->idle >= 0 ? ev->idle / 86400 : 0),
			  (ev->flags & EVENT_FLAG_SUSPENDED) != 0 ? " (suspended)" : "",
			  (ev->flags & EVENT_FLAG_NEW_NETWORK) != 0 ? " (new network)" : "");
}

/* A delivery (LMTP, LDA) to a local account: kept as last_receive, which
   shows a dormant box still gets mail and never makes it active. */
static void dormant_record_receive(struct mail_user *user,
				   const struct dormant_settings *set)
{
	char account[ACCOUNT_MAX + 1];
	struct activity_event ev;
	struct store *store;
	const char *error;

	if (user->autocreated || user->creator != NULL ||
	    account_normalize(user->username, strlen(user->username),
			      ACCOUNT_LOGIN, &set->rules, account, &error) < 0)
		return;
	store = dormant_store_get(user, set->db);
	if (store == NULL)
		return;
	i_zero(&ev);
	ev.kind = ACTIVITY_RECEIVE;
	ev.time = ioloop_time;
	if (store_activity_update(store, account, &ev, set->update_interval,
				  NULL, &error) < 0)
		dormant_store_failed(user, error);
}

static void dormant_record(struct mail_user *user, struct dormant_user *duser)
{
	struct activity_event ev;
	struct store_news news;
	struct store *store;
	const char *error;
	int ret;

	store = dormant_store_get(user, duser->set.db);
	if (store == NULL)
		return;
	i_zero(&ev);
	ev.kind = ACTIVITY_LOGIN;
	ev.time = ioloop_time;
	ev.service = dormant_service_name(user->service);
	ev.ip = duser->ip[0] != '\0' ? duser->ip : NULL;
	ev.client = duser->client;
	ev.webmail = duser->webmail;
	ret = store_activity_record(store, duser->account, &ev,
				    duser->set.update_interval,
				    dormant_proc.dormant_after, &news, &error);
	if (ret < 0)
		dormant_store_failed(user, error);
	else if (ret > 0 && news.raised)
		dormant_alert(user, duser, &news.event);
}

/* A userdb field's value, or NULL. */
static const char *dormant_userdb_field(struct mail_user *user, const char *name)
{
	size_t len = strlen(name);

	if (user->userdb_fields == NULL)
		return NULL;
	for (const char *const *f = user->userdb_fields; *f != NULL; f++) {
		if (strncmp(*f, name, len) == 0 && (*f)[len] == '=')
			return *f + len + 1;
	}
	return NULL;
}

/* Whether the session's client connected from a webmail host: the real
   peer (userdb field dormant_real_ip = %{real_rip}) when Dovecot was told
   of another client (login_trusted_networks and x-originating-ip), else
   the address the session has. An invalid list was refused with the
   other settings; it is only parsed again when it changes. */
static bool dormant_is_webmail(struct mail_user *user, struct dormant_user *duser)
{
	const char *real = dormant_userdb_field(user, "dormant_real_ip"), *error;
	struct ip_bin ip;

	if (duser->set.webmail_networks == NULL ||
	    duser->set.webmail_networks[0] == '\0')
		return FALSE;
	if (dormant_proc.webmail_text == NULL ||
	    strcmp(dormant_proc.webmail_text, duser->set.webmail_networks) != 0) {
		netlist_free(&dormant_proc.webmail);
		i_free(dormant_proc.webmail_text);
		if (netlist_parse(duser->set.webmail_networks, &dormant_proc.webmail,
				  &error) < 0) {
			dormant_log_error(user, t_strdup_printf(
				"dormant_webmail_networks: %s", error));
			return FALSE;
		}
		dormant_proc.webmail_text = i_strdup(duser->set.webmail_networks);
	}
	if (real == NULL || ip_parse(real, &ip) < 0) {
		if (duser->ip[0] == '\0' || ip_parse(duser->ip, &ip) < 0)
			return FALSE;
	}
	return netlist_match(dormant_proc.webmail, &ip);
}

static bool dormant_service_counted(const char *const *services,
				    const char *service)
{
	for (; *services != NULL; services++) {
		if (strcmp(*services, service) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Whether a master user (an admin impersonating) opened this session.
   Dovecot's auth passes the master user's name as the userdb field
   master_user (2.3, and 2.4.1 too, which fills mail_user.master_user only
   from a field named "master"); auth_user alone is not that signal (it is
   set for other reasons too). */
static bool dormant_user_is_master(struct mail_user *user)
{
	if (dormant_user_master_set(user))
		return TRUE;
	return dormant_userdb_field(user, "master_user") != NULL;
}

/* Whether this mail_user is a person's session we count. */
static bool dormant_user_counted(struct mail_user *user,
				 const struct dormant_settings *set)
{
	if (user->service == NULL ||
	    !dormant_service_counted(set->services,
				     dormant_service_name(user->service)))
		return FALSE;
	/* shared mailbox owners and raw (lda) users are created on behalf
	   of someone else */
	if (user->autocreated || user->creator != NULL)
		return FALSE;
	if (user->dsyncing || user->admin)
		return FALSE;
	if (!set->count_master_user && dormant_user_is_master(user))
		return FALSE;
	return TRUE;
}

static void dormant_touch(struct mail_user *user)
{
	struct dormant_user *duser = DORMANT_USER_CONTEXT(user);

	dormant_record(user, duser);
}

static void dormant_user_deinit(struct mail_user *user)
{
	struct dormant_user *duser = DORMANT_USER_CONTEXT(user);

	timeout_remove(&duser->to_touch);
	/* the end of a session is activity too (a restored process ends
	   when it hibernates again: not an end, and not the person) */
	if (!duser->restored)
		dormant_record(user, duser);
	duser->module_ctx.super.deinit(user);
}

static void dormant_mail_user_created(struct mail_user *user)
{
	struct mail_user_vfuncs *v = user->vlast;
	struct dormant_settings set;
	struct dormant_user *duser;
	const char *error;

	if (dormant_settings_read(user, &set, &error) < 0) {
		/* invalid setting: the plugin is off for this session */
		dormant_log_error(user, error);
		return;
	}
	if (user->service != NULL && (strcmp(user->service, "lmtp") == 0 ||
				      strcmp(user->service, "lda") == 0)) {
		dormant_record_receive(user, &set);
		return;
	}
	if (!dormant_user_counted(user, &set))
		return;

	duser = p_new(user->pool, struct dormant_user, 1);
	duser->set = set;
	if (account_normalize(user->username, strlen(user->username),
			      ACCOUNT_LOGIN, &set.rules, duser->account,
			      &error) < 0) {
		e_warning(user->event, "dormant: login name not recorded: %s", error);
		return;
	}
	if (user->conn.remote_ip != NULL && user->conn.remote_ip->family != 0)
		i_strocpy(duser->ip, net_ip2addr(user->conn.remote_ip),
			  sizeof(duser->ip));
	(void)imapid_name(dormant_userdb_field(user, "dormant_client_id"),
			  duser->client, sizeof(duser->client));
	duser->webmail = dormant_is_webmail(user, duser);

	duser->module_ctx.super = *v;
	user->vlast = &duser->module_ctx.super;
	v->deinit = dormant_user_deinit;
	MODULE_CONTEXT_SET(user, dormant_user_module, duser);

	/* A restored (unhibernated) IMAP session is the session counted when
	   it began, brought back into a process by new mail or by the
	   client's next command: not a login, so nothing is written now or
	   when it hibernates again. If it stays in a process for a whole
	   interval the person's client is working in it, and the touch below
	   records that, as for any open session. */
	duser->restored = user->session_restored;
	if (!duser->restored)
		dormant_record(user, duser);
	/* a phone holding one IDLE connection for weeks is in use (with an
	   interval of 0, which writes every event, touched at the default) */
	duser->to_touch = timeout_add(
		(set.update_interval > 0 ? set.update_interval :
		 CONFIG_UPDATE_INTERVAL_DEFAULT) * 1000,
		dormant_touch, user);
}

static struct mail_storage_hooks dormant_mail_storage_hooks = {
	.mail_user_created = dormant_mail_user_created,
};

void dormant_plugin_init(struct module *module)
{
	mail_storage_hooks_add(module, &dormant_mail_storage_hooks);
}

void dormant_plugin_deinit(void)
{
	mail_storage_hooks_remove(&dormant_mail_storage_hooks);
	store_close(&dormant_proc.store);
	i_free(dormant_proc.dir);
	netlist_free(&dormant_proc.webmail);
	i_free(dormant_proc.webmail_text);
}

/* audit.c - the actor and the JSON text of audit entries. */
#include "audit.h"
#include "output.h"
#include "timeutil.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

const char *audit_actor(void)
{
	static char name[AUDIT_ACTOR_MAX + 1];
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (getuid() == 0 && sudo != NULL && sudo[0] != '\0') {
		snprintf(name, sizeof(name), "%s", sudo);
		return name;
	}
	pw = getpwuid(getuid());
	if (pw != NULL)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "uid %u", (unsigned)getuid());
	return name;
}

static void json_member(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",\"%s\":", key);
	json_string(f, value, strlen(value));
}

char *audit_json(char *buf, size_t size, int64_t time, const char *actor,
		 const char *action, const char *account, const char *reason,
		 const char *extra_key, const char *extra_value)
{
	char stamp[RFC3339_MAX];
	FILE *f = fmemopen(buf, size, "w");
	bool ok;

	if (f == NULL)
		return NULL;
	time_format_rfc3339(time, stamp);
	fprintf(f, "{\"time\":\"%s\"", stamp);
	json_member(f, "actor", actor);
	json_member(f, "action", action);
	json_member(f, "account", account);
	json_member(f, "reason", reason != NULL ? reason : "");
	if (extra_key != NULL && extra_value != NULL)
		json_member(f, extra_key, extra_value);
	fputc('}', f);
	/* fmemopen needs room for the final NUL as well */
	ok = fflush(f) == 0 && ftell(f) < (long)size - 1;
	fclose(f);
	return ok ? buf : NULL;
}

static void audit_syslog(const char *json)
{
	/* the JSON is ours, escaped (no control bytes): one line */
	openlog("dormant", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "audit %s", json);
	closelog();
}

int audit_state_set(struct store *store, const char *account,
		    const struct account_state *st, const char *json, int64_t t,
		    const char **error_r)
{
	if (store_state_set_at(store, account, st, json, t, error_r) < 0)
		return -1;
	audit_syslog(json);
	return 0;
}

int audit_notice_set(struct store *store, const char *account,
		     const struct notice *notice, const char *json, int64_t t,
		     const char **error_r)
{
	if (store_notice_set_audited(store, account, notice, json, t, error_r) < 0)
		return -1;
	audit_syslog(json);
	return 0;
}

int audit_review_write(struct store *store, const struct store_review_put *puts,
		       size_t count, const char *json, int64_t t,
		       const char **error_r)
{
	if (store_review_write(store, puts, count, json, t, error_r) < 0)
		return -1;
	audit_syslog(json);
	return 0;
}

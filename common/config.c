/* config.c - the declarative configuration table and its parser. */
#include "config.h"
#include "errmsg.h"
#include "netlist.h"
#include "timeutil.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>

enum config_type {
	CT_STRING,
	CT_DURATION,    /* seconds, with s/m/h/d/w units */
	CT_BOOL,
	CT_FRACTION,    /* 0..1, as "0.05" or "5%" */
	CT_COUNT,       /* a whole number in [min, max] (uint64_t) */
};

struct config_def {
	const char *name;
	enum config_type type;
	const char *def;         /* default, parsed like a file value */
	size_t offset;
	uint64_t min, max;       /* for durations (in seconds) and counts */
	/* for strings: NULL, or a check of the value; its message is
	   reported after "file:line: name: " */
	int (*check)(const char *value, const char **error_r);
	/* enum config_flags: who reads the key; 0 stands for CONFIG_KEY_FILE */
	unsigned int flags;
};

static int check_absolute(const char *value, const char **error_r);
static int check_absolute_or_empty(const char *value, const char **error_r);
static int check_milter_socket(const char *value, const char **error_r);
static int check_facility(const char *value, const char **error_r);
static int check_networks(const char *value, const char **error_r);
static int check_field_name(const char *value, const char **error_r);
static int check_address(const char *value, const char **error_r);
static int check_review_default(const char *value, const char **error_r);
static int check_language(const char *value, const char **error_r);

#define DAY (24ULL * 3600)
#define OFF(field) offsetof(struct dormant_config, field)
/* A number from config.h as a default's text */
#define TEXT(n) TEXT_(n)
#define TEXT_(n) #n
/* dormant.conf's keys the Dovecot plugin reads too, as dormant_<key> */
#define SHARED (CONFIG_KEY_FILE | CONFIG_KEY_PLUGIN)
/* the milter's keys that a reload cannot change */
#define RESTART (CONFIG_KEY_FILE | CONFIG_KEY_RESTART)

static const struct config_def config_defs[] = {
	{ "db", CT_STRING, DORMANT_DEFAULT_DBDIR, OFF(db), 0, 0, check_absolute,
	  SHARED | CONFIG_KEY_RESTART },
	{ "update_interval", CT_DURATION, TEXT(CONFIG_UPDATE_INTERVAL_DEFAULT) "s",
	  OFF(update_interval), 0, CONFIG_UPDATE_INTERVAL_MAX, NULL, SHARED },
	{ "default_domain", CT_STRING, "", OFF(default_domain), 0, 0, NULL, SHARED },
	{ "local_domains", CT_STRING, "", OFF(local_domains), 0, 0 },
	{ "lowercase_local_part", CT_BOOL, "yes", OFF(lowercase_local_part), 0, 0,
	  NULL, SHARED },
	{ "recipient_delimiter", CT_STRING, "+", OFF(recipient_delimiter), 0, 0 },
	{ "warn_after", CT_DURATION, "60d", OFF(warn_after), 3600, 100 * 365 * DAY },
	{ "dormant_after", CT_DURATION, TEXT(CONFIG_DORMANT_AFTER_DAYS) "d",
	  OFF(dormant_after), 3600, 100 * 365 * DAY },
	{ "suspend_after", CT_DURATION, "120d", OFF(suspend_after), 3600, 100 * 365 * DAY },
	{ "notice_days", CT_DURATION, "14d", OFF(notice_days), 0, 365 * DAY },
	{ "max_suspend_fraction", CT_FRACTION, "5%", OFF(max_suspend_fraction), 0, 0 },
	{ "deny_file", CT_STRING, "", OFF(deny_file), 0, 0, check_absolute_or_empty },
	{ "suspend_command", CT_STRING, "", OFF(suspend_command), 0, 0,
	  check_absolute_or_empty },
	{ "reactivate_command", CT_STRING, "", OFF(reactivate_command), 0, 0,
	  check_absolute_or_empty },
	{ "notice_template", CT_STRING, "", OFF(notice_template), 0, 0 },
	{ "notice_from", CT_STRING, "", OFF(notice_from), 0, 0 },
	{ "report_dir", CT_STRING, DORMANT_DEFAULT_REPORTDIR, OFF(report_dir), 0, 0 },
	{ "report_to", CT_STRING, "", OFF(report_to), 0, 0 },
	{ "alert_to", CT_STRING, "", OFF(alert_to), 0, 0 },
	{ "alert_mail_interval", CT_DURATION, "15m", OFF(alert_mail_interval), 0, DAY },
	{ "sendmail", CT_STRING, "/usr/sbin/sendmail", OFF(sendmail), 0, 0, check_absolute },
	{ "milter_socket", CT_STRING, "unix:/run/dormant/milter.sock", OFF(milter_socket), 0, 0,
	  check_milter_socket, RESTART },
	{ "milter_user", CT_STRING, "", OFF(milter_user), 0, 0, NULL, RESTART },
	{ "milter_pidfile", CT_STRING, "", OFF(milter_pidfile), 0, 0,
	  check_absolute_or_empty, RESTART },
	{ "syslog_facility", CT_STRING, "mail", OFF(syslog_facility), 0, 0, check_facility,
	  RESTART },
	{ "reject_text", CT_STRING, "Account suspended for inactivity; contact your administrator",
	  OFF(reject_text), 0, 0 },
	{ "enforce", CT_BOOL, "yes", OFF(enforce), 0, 0 },
	{ "trusted_networks", CT_STRING, "", OFF(trusted_networks), 0, 0, check_networks },
	{ "webmail_networks", CT_STRING, "", OFF(webmail_networks), 0, 0, check_networks,
	  SHARED },
	{ "contacts_file", CT_STRING, "", OFF(contacts_file), 0, 0,
	  check_absolute_or_empty },
	{ "unit_field", CT_STRING, "", OFF(unit_field), 0, 0, check_field_name },
	{ "contact_manager_field", CT_STRING, "", OFF(contact_manager_field), 0, 0,
	  check_field_name },
	{ "contact_alternate_field", CT_STRING, "", OFF(contact_alternate_field), 0, 0,
	  check_field_name },
	{ "notify_cc", CT_STRING, "", OFF(notify_cc), 0, 0, check_address },
	{ "notify_external", CT_BOOL, "no", OFF(notify_external), 0, 0 },
	{ "notify_reminder_days", CT_DURATION, "0", OFF(notify_reminder_days), 0,
	  365 * DAY },
	{ "metrics_max_units", CT_COUNT, "100", OFF(metrics_max_units), 0, 10000 },
	{ "units_file", CT_STRING, "", OFF(units_file), 0, 0, check_absolute_or_empty },
	{ "review_default", CT_STRING, "none", OFF(review_default), 0, 0,
	  check_review_default },
	{ "language", CT_STRING, "", OFF(language), 0, 0, check_language },
	/* the plugin's own: not a key of dormant.conf */
	{ "count_master_user", CT_BOOL, "no", OFF(count_master_user), 0, 0, NULL,
	  CONFIG_KEY_PLUGIN },
};
#define N_DEFS (sizeof(config_defs) / sizeof(config_defs[0]))

static int check_absolute(const char *value, const char **error_r)
{
	if (value[0] != '/') {
		*error_r = "must be an absolute path";
		return -1;
	}
	return 0;
}

static int check_absolute_or_empty(const char *value, const char **error_r)
{
	return value[0] == '\0' ? 0 : check_absolute(value, error_r);
}

/* A userdb field name: what doveadm prints before its ':' */
static int check_field_name(const char *value, const char **error_r)
{
	size_t len = strlen(value);

	if (len > 64 || strspn(value, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len) {
		*error_r = "a userdb field name: letters, digits, '_', '.', '-' "
			"(at most 64)";
		return -1;
	}
	return 0;
}

/* One address that goes into a header: no blank, comma, quote, bracket
   or control byte (the notice's own check is the stricter one). */
static int check_address(const char *value, const char **error_r)
{
	const char *at = strchr(value, '@');

	if (value[0] == '\0')
		return 0;
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			at = NULL;
	}
	if (value[0] == '-' || at == NULL || at == value || at[1] == '\0' ||
	    strpbrk(value, " \t,;:\"'<>()[]\\") != NULL) {
		*error_r = "one plain mail address (user@domain)";
		return -1;
	}
	return 0;
}

/* What review close does with undecided accounts (doc/DESIGN.md §7.7). */
static int check_review_default(const char *value, const char **error_r)
{
	if (strcmp(value, "none") != 0 && strcmp(value, "revoke-never-used") != 0) {
		*error_r = "none or revoke-never-used";
		return -1;
	}
	return 0;
}

/* The languages dormant has a catalogue for (po/LINGUAS) and English;
   empty: the locale's (doc/DESIGN.md §8.12). */
static int check_language(const char *value, const char **error_r)
{
	if (value[0] != '\0' && strcmp(value, "en") != 0 && strcmp(value, "vi") != 0) {
		*error_r = "en, vi, or empty (the locale's language)";
		return -1;
	}
	return 0;
}

const char *config_socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (spec[0] == '/')
		return spec;
	return NULL;
}

static int check_milter_socket(const char *spec, const char **error_r)
{
	const char *path = config_socket_path(spec), *port, *at;
	uint64_t num;
	char buf[16];
	size_t len;

	if (path != NULL) {
		if (path[0] != '/') {
			*error_r = errmsg_printf("'%s': the socket path must be absolute",
					         spec);
			return -1;
		}
		if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
			*error_r = errmsg_printf("'%s': path too long", spec);
			return -1;
		}
		return 0;
	}
	if (strncmp(spec, "inet:", 5) == 0)
		port = spec + 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		port = spec + 6;
	else {
		*error_r = errmsg_printf("'%s': use unix:/path, inet:PORT@HOST or "
				         "inet6:PORT@HOST", spec);
		return -1;
	}
	at = strchr(port, '@');
	len = at != NULL ? (size_t)(at - port) : strlen(port);
	if (len == 0 || len >= sizeof(buf) || (at != NULL && at[1] == '\0')) {
		*error_r = errmsg_printf("'%s': expected PORT@HOST", spec);
		return -1;
	}
	memcpy(buf, port, len);
	buf[len] = '\0';
	if (uint_parse(buf, 65535, &num) < 0 || num == 0) {
		*error_r = errmsg_printf("'%s': invalid port '%s'", spec, buf);
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV }, { "cron", LOG_CRON },
	{ "daemon", LOG_DAEMON }, { "ftp", LOG_FTP }, { "lpr", LOG_LPR },
	{ "mail", LOG_MAIL }, { "news", LOG_NEWS }, { "syslog", LOG_SYSLOG },
	{ "user", LOG_USER }, { "uucp", LOG_UUCP },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int config_syslog_facility(const char *name, int *facility_r)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (strcasecmp(facilities[i].name, name) == 0) {
			*facility_r = facilities[i].facility;
			return 0;
		}
	}
	return -1;
}

static int check_facility(const char *value, const char **error_r)
{
	int facility;

	if (config_syslog_facility(value, &facility) < 0) {
		*error_r = errmsg_printf("unknown facility '%s' (use e.g. mail, daemon, "
				         "local0)", value);
		return -1;
	}
	return 0;
}

static int check_networks(const char *value, const char **error_r)
{
	struct netlist *list;

	if (netlist_parse(value, &list, error_r) < 0)
		return -1;
	netlist_free(&list);
	return 0;
}

static unsigned int def_flags(const struct config_def *def)
{
	return def->flags != 0 ? def->flags : CONFIG_KEY_FILE;
}

/* The key named key that has one of flags, or NULL. */
static const struct config_def *config_find(const char *key, unsigned int flags)
{
	for (size_t i = 0; i < N_DEFS; i++) {
		if (strcmp(config_defs[i].name, key) == 0 &&
		    (def_flags(&config_defs[i]) & flags) != 0)
			return &config_defs[i];
	}
	return NULL;
}

static int bool_parse(const char *text, bool *b_r)
{
	if (strcasecmp(text, "yes") == 0 || strcasecmp(text, "true") == 0 ||
	    strcmp(text, "1") == 0 || strcasecmp(text, "on") == 0) {
		*b_r = true;
		return 0;
	}
	if (strcasecmp(text, "no") == 0 || strcasecmp(text, "false") == 0 ||
	    strcmp(text, "0") == 0 || strcasecmp(text, "off") == 0) {
		*b_r = false;
		return 0;
	}
	return -1;
}

static int fraction_parse(const char *text, double *f_r)
{
	char *end;
	double f;
	size_t len = strlen(text);

	if (len == 0 || len > 32)
		return -1;
	errno = 0;
	f = strtod(text, &end);
	if (errno != 0 || end == text)
		return -1;
	if (*end == '%') {
		f /= 100;
		end++;
	}
	if (*end != '\0' || !(f >= 0 && f <= 1))
		return -1;
	*f_r = f;
	return 0;
}

static int config_apply(struct dormant_config *cfg, const struct config_def *def,
			const char *value, const char **error_r)
{
	void *dest = (char *)cfg + def->offset;
	const char *err;
	uint64_t secs;
	double f;
	bool b;
	char *s;

	switch (def->type) {
	case CT_STRING:
		for (const char *p = value; *p != '\0'; p++) {
			if ((unsigned char)*p < 0x20 && *p != '\t') {
				*error_r = errmsg_printf("%s: control character in value",
						         def->name);
				return -1;
			}
		}
		if (def->check != NULL && def->check(value, &err) < 0) {
			*error_r = errmsg_printf("%s: %s", def->name, err);
			return -1;
		}
		if ((s = strdup(value)) == NULL) {
			*error_r = "out of memory";
			return -1;
		}
		free(*(char **)dest);
		*(char **)dest = s;
		return 0;
	case CT_DURATION:
		if (duration_parse(value, def->max, &secs) < 0 || secs < def->min) {
			*error_r = errmsg_printf("%s: invalid duration '%s' (use e.g. 90d, 12h, "
					         "60s; between %llus and %llus)", def->name,
					         value, (unsigned long long)def->min,
					         (unsigned long long)def->max);
			return -1;
		}
		*(uint64_t *)dest = secs;
		return 0;
	case CT_COUNT:
		if (uint_parse(value, def->max, &secs) < 0 || secs < def->min) {
			*error_r = errmsg_printf("%s: invalid number '%s' (from %llu to "
					         "%llu)", def->name, value,
					         (unsigned long long)def->min,
					         (unsigned long long)def->max);
			return -1;
		}
		*(uint64_t *)dest = secs;
		return 0;
	case CT_BOOL:
		if (bool_parse(value, &b) < 0) {
			*error_r = errmsg_printf("%s: invalid boolean '%s' (use yes or no)",
					         def->name, value);
			return -1;
		}
		*(bool *)dest = b;
		return 0;
	case CT_FRACTION:
		if (fraction_parse(value, &f) < 0) {
			*error_r = errmsg_printf("%s: invalid fraction '%s' (use e.g. 0.05 or 5%%)",
					         def->name, value);
			return -1;
		}
		*(double *)dest = f;
		return 0;
	}
	*error_r = "internal error: unknown setting type";
	return -1;
}

void config_init(struct dormant_config *cfg)
{
	const char *error;

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_DEFS; i++) {
		/* defaults are compiled in and valid; a failure is a bug */
		if (config_apply(cfg, &config_defs[i], config_defs[i].def, &error) < 0)
			abort();
	}
}

void config_free(struct dormant_config *cfg)
{
	for (size_t i = 0; i < N_DEFS; i++) {
		if (config_defs[i].type == CT_STRING) {
			char **s = (char **)((char *)cfg + config_defs[i].offset);
			free(*s);
			*s = NULL;
		}
	}
}

int config_set(struct dormant_config *cfg, const char *key, const char *value,
	       const char **error_r)
{
	const struct config_def *def = config_find(key, CONFIG_KEY_FILE);

	if (def == NULL) {
		*error_r = errmsg_printf("unknown setting '%s'", key);
		return -1;
	}
	return config_apply(cfg, def, value, error_r);
}

int config_load_lookup(struct dormant_config *cfg, unsigned int flags,
		       const char *prefix, config_lookup_fn *lookup, void *ctx,
		       const char **error_r)
{
	char name[64];
	const char *value, *err;

	for (size_t i = 0; i < N_DEFS; i++) {
		const struct config_def *def = &config_defs[i];

		if ((def_flags(def) & flags) == 0)
			continue;
		/* names and prefixes are the program's own, and short */
		if ((size_t)snprintf(name, sizeof(name), "%s%s", prefix,
				     def->name) >= sizeof(name)) {
			*error_r = "internal error: setting name too long";
			return -1;
		}
		value = lookup(ctx, name);
		if (value == NULL || value[0] == '\0')
			continue;
		if (config_apply(cfg, def, value, &err) < 0) {
			size_t len = strlen(def->name);

			/* the plugin's name of the key, where err has the key's */
			if (strncmp(err, def->name, len) == 0 && err[len] == ':')
				*error_r = errmsg_printf("%s%s", prefix, err);
			else
				*error_r = errmsg_printf("%s%s: %s", prefix, def->name, err);
			return -1;
		}
	}
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Read one line into buf (without its newline). Returns 1, 0 at end of
   file, -1 for a line over CONFIG_LINE_MAX, -2 for a NUL byte. */
static int read_line(FILE *f, char buf[CONFIG_LINE_MAX + 1])
{
	size_t len = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -2;
		if (len == CONFIG_LINE_MAX)
			return -1;
		buf[len++] = (char)c;
	}
	buf[len] = '\0';
	return c == EOF && len == 0 ? 0 : 1;
}

int config_load(struct dormant_config *cfg, const char *path, bool must_exist,
		const char **error_r)
{
	char line[CONFIG_LINE_MAX + 1];
	unsigned int lineno = 0;
	const char *err;
	FILE *f;
	int ret = 0, r;

	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		*error_r = errmsg_printf("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((r = read_line(f, line)) != 0) {
		char *key, *value, *eq;

		lineno++;
		if (r < 0) {
			*error_r = r == -1 ?
				errmsg_printf("%s:%u: line longer than %d bytes", path,
					      lineno, CONFIG_LINE_MAX) :
				errmsg_printf("%s:%u: NUL byte in line", path, lineno);
			ret = -1;
			break;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			*error_r = errmsg_printf("%s:%u: expected 'key = value'", path, lineno);
			ret = -1;
			break;
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		if (config_set(cfg, key, value, &err) < 0) {
			*error_r = errmsg_printf("%s:%u: %s", path, lineno, err);
			ret = -1;
			break;
		}
	}
	if (ret == 0 && ferror(f)) {
		*error_r = errmsg_printf("%s: read error: %s", path, strerror(errno));
		ret = -1;
	}
	fclose(f);
	return ret;
}

int config_check(const struct dormant_config *cfg, const char **error_r)
{
	if (!(cfg->warn_after < cfg->dormant_after)) {
		*error_r = "warn_after must be shorter than dormant_after";
		return -1;
	}
	if (!(cfg->dormant_after <= cfg->suspend_after)) {
		*error_r = "dormant_after must not be longer than suspend_after";
		return -1;
	}
	if (cfg->notice_days >= cfg->suspend_after) {
		*error_r = "notice_days must be shorter than suspend_after";
		return -1;
	}
	if (cfg->notify_reminder_days != 0 && cfg->notify_reminder_days < DAY) {
		/* a bare number is seconds: "3" is surely meant as 3d */
		*error_r = "notify_reminder_days must be 0 or at least 1d";
		return -1;
	}
	if (cfg->notify_reminder_days != 0 &&
	    cfg->notify_reminder_days >= cfg->notice_days) {
		*error_r = "notify_reminder_days must be shorter than notice_days";
		return -1;
	}
	return 0;
}

void config_dump(const struct dormant_config *cfg, FILE *out)
{
	for (size_t i = 0; i < N_DEFS; i++) {
		const struct config_def *def = &config_defs[i];
		const void *src = (const char *)cfg + def->offset;

		if ((def_flags(def) & CONFIG_KEY_FILE) == 0)
			continue;
		fprintf(out, "%s = ", def->name);
		switch (def->type) {
		case CT_STRING:
			fputs(*(char *const *)src, out);
			break;
		case CT_DURATION: {
			uint64_t s = *(const uint64_t *)src;
			if (s != 0 && s % DAY == 0)
				fprintf(out, "%llud", (unsigned long long)(s / DAY));
			else
				fprintf(out, "%llus", (unsigned long long)s);
			break;
		}
		case CT_COUNT:
			fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)src);
			break;
		case CT_BOOL:
			fputs(*(const bool *)src ? "yes" : "no", out);
			break;
		case CT_FRACTION: {
			/* the shortest form that reads back to the same value */
			double f = *(const double *)src, back;
			char buf[40];
			for (int prec = 6; prec <= 17; prec++) {
				snprintf(buf, sizeof(buf), "%.*g", prec, f);
				if (fraction_parse(buf, &back) == 0 && back == f)
					break;
			}
			fputs(buf, out);
			break;
		}
		}
		fputc('\n', out);
	}
}

/* Whether def's value is the same in a and b. */
static bool def_equal(const struct config_def *def, const struct dormant_config *a,
		      const struct dormant_config *b)
{
	const void *va = (const char *)a + def->offset;
	const void *vb = (const char *)b + def->offset;

	switch (def->type) {
	case CT_STRING:
		return strcmp(*(char *const *)va, *(char *const *)vb) == 0;
	case CT_DURATION:
	case CT_COUNT:
		return *(const uint64_t *)va == *(const uint64_t *)vb;
	case CT_BOOL:
		return *(const bool *)va == *(const bool *)vb;
	case CT_FRACTION:
		return *(const double *)va == *(const double *)vb;
	}
	return false;
}

int config_copy(struct dormant_config *dst, const struct dormant_config *src,
		unsigned int flags)
{
	for (size_t i = 0; i < N_DEFS; i++) {
		const struct config_def *def = &config_defs[i];
		const void *from = (const char *)src + def->offset;
		void *to = (char *)dst + def->offset;
		char *s;

		if ((def_flags(def) & flags) == 0)
			continue;
		switch (def->type) {
		case CT_STRING:
			if ((s = strdup(*(char *const *)from)) == NULL)
				return -1;
			free(*(char **)to);
			*(char **)to = s;
			break;
		case CT_DURATION:
		case CT_COUNT:
			*(uint64_t *)to = *(const uint64_t *)from;
			break;
		case CT_BOOL:
			*(bool *)to = *(const bool *)from;
			break;
		case CT_FRACTION:
			*(double *)to = *(const double *)from;
			break;
		}
	}
	return 0;
}

const char *config_next_difference(const struct dormant_config *a,
				   const struct dormant_config *b,
				   unsigned int flags, size_t *pos)
{
	for (; *pos < N_DEFS; (*pos)++) {
		const struct config_def *def = &config_defs[*pos];

		if ((def_flags(def) & flags) != 0 && !def_equal(def, a, b))
			return config_defs[(*pos)++].name;
	}
	return NULL;
}

bool config_is_local_domain(const struct dormant_config *cfg, const char *domain)
{
	const char *p = cfg->local_domains;
	size_t dlen = strlen(domain);

	while (*p != '\0') {
		size_t n;
		p += strspn(p, " ,\t");
		n = strcspn(p, " ,\t");
		if (n == dlen && n > 0 && strncasecmp(p, domain, n) == 0)
			return true;
		p += n;
	}
	return false;
}

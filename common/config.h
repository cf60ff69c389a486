/* config.h - dormant.conf: one declarative table for every key.
 *
 * The file is "key = value" lines; blank lines and lines whose first
 * non-blank character is '#' are ignored. Unknown keys, bad values and
 * over-long lines are errors reported as "file:line: message", and so are
 * bad values of keys only one program uses (milter_socket, syslog_facility,
 * trusted_networks, paths that must be absolute): every program refuses
 * the same file the same way. The milter
 * and the CLI read it; the Dovecot plugin reads its dormant_<key> settings
 * through the same table (config_load_lookup), so a key means the same
 * everywhere (doc/DESIGN.md §8.2). The plugin includes this header by its
 * path ("../common/config.h"): by its name alone it would get Dovecot's own. */
#ifndef DORMANT_CONFIG_H
#define DORMANT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_LINE_MAX 4096

/* Defaults that the plugin needs outside the table too (Dovecot 2.4
   types and defaults the plugin's settings itself). Plain numbers: the
   table takes them as text. */
#define CONFIG_UPDATE_INTERVAL_DEFAULT 60        /* seconds */
#define CONFIG_UPDATE_INTERVAL_MAX (24 * 3600)   /* seconds */
#define CONFIG_DORMANT_AFTER_DAYS 90

/* Who reads a key of the table. */
enum config_flags {
	CONFIG_KEY_FILE = 0x01,	/* a key of dormant.conf */
	CONFIG_KEY_PLUGIN = 0x02,	/* the Dovecot plugin's dormant_<key> */
	CONFIG_KEY_RESTART = 0x04,	/* the milter applies it at start-up only */
};

struct dormant_config {
	char *db;                    /* database directory */
	uint64_t update_interval;    /* seconds: write coalescing */
	char *default_domain;        /* appended to bare login names */
	char *local_domains;         /* space/comma separated */
	bool lowercase_local_part;
	char *recipient_delimiter;   /* stripped "+detail" on envelope senders */
	uint64_t warn_after;         /* seconds */
	uint64_t dormant_after;
	uint64_t suspend_after;
	uint64_t notice_days;        /* seconds before suspension to warn */
	double max_suspend_fraction; /* 0..1 */
	char *deny_file;
	char *suspend_command;
	char *reactivate_command;
	char *notice_template;
	char *notice_from;
	char *report_dir;
	char *report_to;
	char *alert_to;              /* dormant alerts: one batched mail */
	uint64_t alert_mail_interval; /* seconds: at most one alert mail per */
	char *sendmail;
	char *milter_socket;
	char *milter_user;
	char *milter_pidfile;
	char *syslog_facility;
	char *reject_text;
	bool enforce;
	char *trusted_networks;
	/* webmail hosts: logins and sends from them are shown as webmail */
	char *webmail_networks;
	char *contacts_file;         /* CSV account,unit,manager,alternate */
	char *unit_field;            /* userdb fields read by sync */
	char *contact_manager_field;
	char *contact_alternate_field;
	char *notify_cc;             /* in copy of every notice */
	char *language;              /* "en", "vi", or "" (the locale's) */
	bool notify_external;        /* notices may leave local_domains */
	uint64_t notify_reminder_days;  /* seconds before suspension; 0 none */
	/* dormant metrics: per-unit series for the largest units, the rest
	   summed (bounds the series a scrape carries); 0: none */
	uint64_t metrics_max_units;
	char *units_file;            /* CSV unit,reviewer[,name] for reviews */
	char *review_default;        /* "none" or "revoke-never-used" */
	bool count_master_user;      /* the plugin's only (not in the file) */
};

/* Fill cfg with the defaults. Never fails. */
void config_init(struct dormant_config *cfg);
/* Free the strings; cfg may be initialised again afterwards. */
void config_free(struct dormant_config *cfg);

/* Read path over the current values. A missing file is an error only when
   must_exist. Returns 0, or -1 with "path:line: message" in *error_r
   (valid as errmsg.h says). */
int config_load(struct dormant_config *cfg, const char *path, bool must_exist,
		const char **error_r);
/* Set one key of the file from text, with the same checks as the file. */
int config_set(struct dormant_config *cfg, const char *key, const char *value,
	       const char **error_r);

/* A source of settings by name: the text of name, or NULL for none. */
typedef const char *config_lookup_fn(void *ctx, const char *name);
/* Set each key that has one of flags from lookup(ctx, prefix + key) (the
   Dovecot plugin: CONFIG_KEY_PLUGIN, "dormant_"), with the file's checks. A
   missing or empty value keeps the current one. Returns 0, or -1 with
   "prefixkey: message" in *error_r (valid as config_load's); the keys
   before the bad one are then set. */
int config_load_lookup(struct dormant_config *cfg, unsigned int flags,
		       const char *prefix, config_lookup_fn *lookup, void *ctx,
		       const char **error_r);
/* Checks across keys (warn_after < dormant_after <= suspend_after ...). */
int config_check(const struct dormant_config *cfg, const char **error_r);
/* Print every key of the file with its effective value, one
   "key = value" a line. */
void config_dump(const struct dormant_config *cfg, FILE *out);

/* Copy the keys that have one of flags from src into dst (both
   initialised, or dst zeroed: config_free frees what was copied).
   Returns 0, -1 when out of memory (dst then partly copied). */
int config_copy(struct dormant_config *dst, const struct dormant_config *src,
		unsigned int flags);
/* The name of the next key with one of flags, from table position *pos
   (start at 0), whose value differs between a and b; NULL when there is
   none left. */
const char *config_next_difference(const struct dormant_config *a,
				   const struct dormant_config *b,
				   unsigned int flags, size_t *pos);

/* The syslog facility (LOG_MAIL, ...) of a syslog_facility value; -1 for
   an unknown name (config_set refuses those). */
int config_syslog_facility(const char *name, int *facility_r);
/* The path of a unix milter_socket spec ("unix:/p", "local:/p", "/p"), or
   NULL for inet:/inet6: specs. */
const char *config_socket_path(const char *spec);

/* True if domain (case-insensitive) is in cfg->local_domains. */
bool config_is_local_domain(const struct dormant_config *cfg, const char *domain);

#endif

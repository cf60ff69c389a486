/* config.h - dormant.conf: one declarative table for every key.
 *
 * The file is "key = value" lines; blank lines and lines whose first
 * non-blank character is '#' are ignored. Unknown keys, bad values and
 * over-long lines are errors reported as "file:line: message", and so are
 * bad values of keys only one program uses (milter_socket, syslog_facility,
 * trusted_networks, paths that must be absolute): every program refuses
 * the same file the same way. The milter
 * and the CLI read it. The Dovecot plugin does not: it reads its own
 * dormant_* settings (dovecot-plugin/dormant-settings*.c), named after
 * these keys and meaning the same (doc/DESIGN.md §8.2). */
#ifndef DORMANT_CONFIG_H
#define DORMANT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_LINE_MAX 4096

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
	char *sendmail;
	char *milter_socket;
	char *milter_user;
	char *milter_pidfile;
	char *syslog_facility;
	char *reject_text;
	bool enforce;
	char *trusted_networks;
};

/* Fill cfg with the defaults. Never fails. */
void config_init(struct dormant_config *cfg);
/* Free the strings; cfg may be initialised again afterwards. */
void config_free(struct dormant_config *cfg);

/* Read path over the current values. A missing file is an error only when
   must_exist. Returns 0, or -1 with "path:line: message" in *error_r
   (valid until the next config call from this thread). */
int config_load(struct dormant_config *cfg, const char *path, bool must_exist,
		const char **error_r);
/* Set one key from text, with the same checks as the file. */
int config_set(struct dormant_config *cfg, const char *key, const char *value,
	       const char **error_r);
/* Checks across keys (warn_after < dormant_after <= suspend_after ...). */
int config_check(const struct dormant_config *cfg, const char **error_r);
/* Print every key with its effective value, one "key = value" a line. */
void config_dump(const struct dormant_config *cfg, FILE *out);

/* The syslog facility (LOG_MAIL, ...) of a syslog_facility value; -1 for
   an unknown name (config_set refuses those). */
int config_syslog_facility(const char *name, int *facility_r);
/* The path of a unix milter_socket spec ("unix:/p", "local:/p", "/p"), or
   NULL for inet:/inet6: specs. */
const char *config_socket_path(const char *spec);

/* True if domain (case-insensitive) is in cfg->local_domains. */
bool config_is_local_domain(const struct dormant_config *cfg, const char *domain);

#endif

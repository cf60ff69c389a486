/* dormant-settings.h - the one seam between Dovecot 2.3 and 2.4.
 *
 * 2.3 reads plugin {} values by name (mail_user_plugin_getenv); 2.4 has
 * typed settings declared by the plugin (setting_define, settings_get),
 * and a settings module that makes doveconf know them. Both fill the same
 * struct, and everything else in the plugin is version-free. configure
 * picks dormant-settings-23.c or dormant-settings-24.c by feature tests. */
#ifndef DORMANT_SETTINGS_H
#define DORMANT_SETTINGS_H

#include "account.h"
/* by its path: "config.h" alone is Dovecot's own */
#include "../common/config.h"

struct mail_user;

#define DORMANT_DEFAULT_SERVICES "imap pop3 submission managesieve"

struct dormant_settings {
	const char *db;                   /* absolute directory */
	unsigned int update_interval;     /* seconds */
	const char *const *services;      /* NULL-terminated */
	bool count_master_user;
	const char *webmail_networks;     /* "" for none */
	struct account_rules rules;
};

/* Read the session's settings, strings allocated from user->pool.
   Returns 0, or -1 with *error_r naming the offending setting. */
int dormant_settings_read(struct mail_user *user, struct dormant_settings *set_r,
			  const char **error_r);

/* True if this Dovecot version's mail_user says a master user opened the
   session (2.4: mail_user.master_user; 2.3 has no such field). The userdb
   field master_user, which both versions' auth send, is checked by the
   caller. */
bool dormant_user_master_set(struct mail_user *user);

#endif

/* dormant-settings-23.c - Dovecot 2.3: plugin {} settings by name. */
#include "lib.h"
#include "mail-user.h"

#include "dormant-settings.h"
#include "timeutil.h"

int dormant_settings_read(struct mail_user *user, struct dormant_settings *set_r,
			  const char **error_r)
{
	const char *value;
	uint64_t secs;

	i_zero(set_r);
	value = mail_user_plugin_getenv(user, "dormant_db");
	set_r->db = value != NULL && *value != '\0' ? value : DORMANT_DEFAULT_DBDIR;
	if (set_r->db[0] != '/') {
		*error_r = t_strdup_printf("dormant_db: must be an absolute path: %s",
					   set_r->db);
		return -1;
	}
	set_r->update_interval = 60;
	value = mail_user_plugin_getenv(user, "dormant_update_interval");
	if (value != NULL && *value != '\0') {
		if (duration_parse(value, DORMANT_UPDATE_INTERVAL_MAX, &secs) < 0) {
			*error_r = t_strdup_printf(
				"dormant_update_interval: invalid duration '%s' "
				"(use e.g. 60s, 5m; at most 1d)", value);
			return -1;
		}
		set_r->update_interval = (unsigned int)secs;
	}
	value = mail_user_plugin_getenv(user, "dormant_services");
	set_r->services = (const char *const *)p_strsplit_spaces(user->pool,
		value != NULL ? value : DORMANT_DEFAULT_SERVICES, " ,");
	value = mail_user_plugin_getenv(user, "dormant_count_master_user");
	if (value != NULL && *value != '\0') {
		if (strcasecmp(value, "yes") == 0)
			set_r->count_master_user = TRUE;
		else if (strcasecmp(value, "no") != 0) {
			*error_r = t_strdup_printf(
				"dormant_count_master_user: must be yes or no, not '%s'",
				value);
			return -1;
		}
	}
	set_r->rules.default_domain =
		mail_user_plugin_getenv(user, "dormant_default_domain");
	value = mail_user_plugin_getenv(user, "dormant_lowercase_local_part");
	set_r->rules.keep_local_case = value != NULL && strcasecmp(value, "no") == 0;
	return 0;
}

bool dormant_user_master_set(struct mail_user *user ATTR_UNUSED)
{
	/* 2.3's mail_user has no master_user: only the userdb field */
	return FALSE;
}

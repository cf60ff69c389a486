/* dormant-settings-24.c - Dovecot 2.4: the plugin's typed settings. */
#include "lib.h"
#include "array.h"
#include "mail-user.h"
#include "settings.h"

#include "dormant-settings.h"
#include "dormant-settings-24.h"

int dormant_settings_read(struct mail_user *user, struct dormant_settings *set_r,
			  const char **error_r)
{
	const struct dormant_dovecot_settings *set;
	const char *error;

	i_zero(set_r);
	if (settings_get(user->event, &dormant_setting_parser_info, 0, &set,
			 &error) < 0) {
		/* Dovecot's message names the setting */
		*error_r = t_strdup(error);
		return -1;
	}
	set_r->db = p_strdup(user->pool, set->dormant_db);
	set_r->update_interval = set->dormant_update_interval;
	set_r->services = (const char *const *)p_strarray_dup(user->pool,
		settings_boollist_get(&set->dormant_services));
	set_r->count_master_user = set->dormant_count_master_user;
	set_r->webmail_networks = p_strdup(user->pool, set->dormant_webmail_networks);
	set_r->rules.default_domain = p_strdup(user->pool, set->dormant_default_domain);
	set_r->rules.keep_local_case = !set->dormant_lowercase_local_part;
	settings_free(set);
	return 0;
}

bool dormant_user_master_set(struct mail_user *user)
{
	return user->master_user != NULL && user->master_user[0] != '\0';
}

/* dormant-settings-23.c - Dovecot 2.3: plugin {} settings by name, parsed
 * and checked by libdormant's configuration table, as dormant.conf is. */
#include "lib.h"
#include "mail-user.h"

#include "dormant-settings.h"

static const char *dormant_settings_lookup(void *ctx, const char *name)
{
	return mail_user_plugin_getenv(ctx, name);
}

int dormant_settings_read(struct mail_user *user, struct dormant_settings *set_r,
			  const char **error_r)
{
	struct dormant_config cfg;
	const char *value, *error;

	i_zero(set_r);
	config_init(&cfg);
	if (config_load_lookup(&cfg, CONFIG_KEY_PLUGIN, "dormant_",
			       dormant_settings_lookup, user, &error) < 0) {
		*error_r = t_strdup(error);
		config_free(&cfg);
		return -1;
	}
	set_r->db = p_strdup(user->pool, cfg.db);
	/* the table caps it at CONFIG_UPDATE_INTERVAL_MAX */
	set_r->update_interval = (unsigned int)cfg.update_interval;
	set_r->count_master_user = cfg.count_master_user;
	set_r->webmail_networks = p_strdup(user->pool, cfg.webmail_networks);
	set_r->rules.default_domain = p_strdup(user->pool, cfg.default_domain);
	set_r->rules.keep_local_case = !cfg.lowercase_local_part;
	config_free(&cfg);
	/* a list, where "" means none: not a key of the table */
	value = mail_user_plugin_getenv(user, "dormant_services");
	set_r->services = (const char *const *)p_strsplit_spaces(user->pool,
		value != NULL ? value : DORMANT_DEFAULT_SERVICES, " ,");
	return 0;
}

bool dormant_user_master_set(struct mail_user *user ATTR_UNUSED)
{
	/* 2.3's mail_user has no master_user: only the userdb field */
	return FALSE;
}

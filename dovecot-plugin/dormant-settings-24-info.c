/* dormant-settings-24-info.c - the setting definitions for Dovecot 2.4:
 * typed, defaulted and checked by Dovecot, visible in doveconf. The names
 * and meanings are those of the 2.3 plugin {} settings (doc/DESIGN.md §8.2). */
#include "lib.h"
#include "array.h"
#include "settings-parser.h"

#include "dormant-settings.h"
#include "dormant-settings-24.h"
#include "netlist.h"

#undef DEF
#define DEF(type, name) \
	SETTING_DEFINE_STRUCT_##type(#name, name, struct dormant_dovecot_settings)

static const struct setting_define dormant_setting_defines[] = {
	DEF(STR_NOVARS, dormant_db),
	DEF(TIME, dormant_update_interval),
	DEF(BOOLLIST, dormant_services),
	DEF(BOOL, dormant_count_master_user),
	DEF(STR, dormant_default_domain),
	DEF(BOOL, dormant_lowercase_local_part),
	DEF(STR_NOVARS, dormant_webmail_networks),
	SETTING_DEFINE_LIST_END
};

static const struct dormant_dovecot_settings dormant_default_settings = {
	.dormant_db = DORMANT_DEFAULT_DBDIR,
	.dormant_update_interval = CONFIG_UPDATE_INTERVAL_DEFAULT,
	.dormant_services = ARRAY_INIT,
	.dormant_count_master_user = FALSE,
	.dormant_default_domain = "",
	.dormant_lowercase_local_part = TRUE,
	.dormant_webmail_networks = "",
};

static const struct setting_keyvalue dormant_default_settings_keyvalue[] = {
	{ "dormant_services", DORMANT_DEFAULT_SERVICES },
	{ NULL, NULL }
};

static bool dormant_settings_check(void *_set, pool_t pool ATTR_UNUSED,
				   const char **error_r)
{
	struct dormant_dovecot_settings *set = _set;
	struct netlist *webmail;
	const char *error;

	if (set->dormant_db[0] != '/') {
		*error_r = t_strdup_printf("dormant_db: must be an absolute path: %s",
					   set->dormant_db);
		return FALSE;
	}
	if (netlist_parse(set->dormant_webmail_networks, &webmail, &error) < 0) {
		*error_r = t_strdup_printf("dormant_webmail_networks: %s", error);
		return FALSE;
	}
	netlist_free(&webmail);
	if (set->dormant_update_interval > CONFIG_UPDATE_INTERVAL_MAX) {
		*error_r = "dormant_update_interval: at most 1 day";
		return FALSE;
	}
	return TRUE;
}

const struct setting_parser_info dormant_setting_parser_info = {
	.name = "dormant",
	.defines = dormant_setting_defines,
	.defaults = &dormant_default_settings,
	.default_settings = dormant_default_settings_keyvalue,
	.struct_size = sizeof(struct dormant_dovecot_settings),
	.pool_offset1 = 1 + offsetof(struct dormant_dovecot_settings, pool),
	.check_func = dormant_settings_check,
};

/* dormant-settings-module.c - Dovecot 2.4's settings module
 * (modules/settings/libdormant_settings.so): the config process loads it
 * and so knows the dormant_* settings, types them, checks them and shows
 * them in doveconf. */
#include "lib.h"
#include "settings-parser.h"

#include "dormant-settings-24.h"

extern const char *dormant_settings_version;
extern const struct setting_parser_info *const dormant_settings_set_infos[];

const char *dormant_settings_version = DOVECOT_ABI_VERSION;

const struct setting_parser_info *const dormant_settings_set_infos[] = {
	&dormant_setting_parser_info,
	NULL
};

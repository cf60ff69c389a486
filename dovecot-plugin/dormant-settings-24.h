/* dormant-settings-24.h - Dovecot 2.4's typed settings of the plugin,
 * shared by the mail plugin and the settings module (doveconf). */
#ifndef DORMANT_SETTINGS_24_H
#define DORMANT_SETTINGS_24_H

#include "settings-parser.h"

struct dormant_dovecot_settings {
	pool_t pool;
	const char *dormant_db;
	unsigned int dormant_update_interval;
	ARRAY_TYPE(const_string) dormant_services;
	bool dormant_count_master_user;
	const char *dormant_default_domain;
	bool dormant_lowercase_local_part;
	const char *dormant_webmail_networks;
};

extern const struct setting_parser_info dormant_setting_parser_info;

#endif

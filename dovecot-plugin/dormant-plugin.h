#ifndef DORMANT_PLUGIN_H
#define DORMANT_PLUGIN_H

struct module;

extern const char *dormant_plugin_version;
extern const char *dormant_plugin_dependencies[];

void dormant_plugin_init(struct module *module);
void dormant_plugin_deinit(void);

#endif

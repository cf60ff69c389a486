/* audit.h - who runs the command, and the audit entries it writes. */
#ifndef DORMANT_AUDIT_H
#define DORMANT_AUDIT_H

#include <stdint.h>
#include <stddef.h>

/* The login name of whoever runs the command: SUDO_USER under sudo as
   root, else the name of the real uid ("uid N" if it has none). */
const char *audit_actor(void);

/* Build one audit entry as a JSON object into buf:
   {"time":..,"actor":..,"action":..,"account":..,"reason":..[,"extra":..]}
   extra_key/extra_value may be NULL. Returns buf, or NULL if it does not
   fit (size bytes). */
char *audit_json(char *buf, size_t size, int64_t time, const char *actor,
		 const char *action, const char *account, const char *reason,
		 const char *extra_key, const char *extra_value);

#define AUDIT_JSON_MAX 8192

#endif

/* timeutil.h - durations ("90d", "12h", "60s") and RFC 3339 UTC times. */
#ifndef DORMANT_TIMEUTIL_H
#define DORMANT_TIMEUTIL_H

#include <stdint.h>
#include <stddef.h>

#define RFC3339_MAX 32   /* "-292277026596-12-04T15:30:07Z" fits */

/* Parse a duration: a whole number with an optional unit s, m, h, d or w
   (no unit: seconds). The whole string must parse and the result must lie
   in [0, max]. Returns 0, or -1 leaving *secs_r untouched. */
int duration_parse(const char *text, uint64_t max, uint64_t *secs_r);

/* Format t (seconds since the epoch, UTC) as "2026-11-24T10:00:00Z";
   t == 0 gives "" (never). */
void time_format_rfc3339(int64_t t, char buf[RFC3339_MAX]);

/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or with a numeric offset
   ("+01:00"); fractional seconds are ignored. Returns 0 or -1. */
int time_parse_rfc3339(const char *text, int64_t *t_r);

/* Parse an unsigned decimal integer, whole string, <= max. 0 or -1. */
int uint_parse(const char *text, uint64_t max, uint64_t *value_r);

#endif

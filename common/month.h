/* month.h - calendar months (UTC) as the reports and the trend count them:
 * "YYYY-MM" text, a month number for arithmetic, and a month's bounds. */
#ifndef DORMANT_MONTH_H
#define DORMANT_MONTH_H

#include <stdint.h>

/* A month as a number: year * 12 + (month - 1), so the next month is + 1.
   Years 1970 to 9999. */
#define MONTH_MIN (1970 * 12)
#define MONTH_MAX (9999 * 12 + 11)
#define MONTH_TEXT_MAX 8             /* "YYYY-MM" and NUL */

/* Parse exactly "YYYY-MM" (01..12, 1970..9999). 0, or -1 leaving *month_r
   untouched. */
int month_parse(const char *text, int *month_r);
/* "YYYY-MM"; month must lie in [MONTH_MIN, MONTH_MAX]. */
void month_format(int month, char buf[MONTH_TEXT_MAX]);
/* The month containing t (seconds since the epoch), clamped to
   [MONTH_MIN, MONTH_MAX]. */
int month_of(int64_t t);
/* The first second of month (UTC). */
int64_t month_start(int month);

#endif

/* month.c - calendar months in UTC (month.h). */
#include "month.h"

#include <stdio.h>
#include <time.h>

int month_parse(const char *text, int *month_r)
{
	int y = 0, m = 0;

	for (int i = 0; i < 7; i++) {
		if (i == 4) {
			if (text[i] != '-')
				return -1;
			continue;
		}
		if (text[i] < '0' || text[i] > '9')
			return -1;
		if (i < 4)
			y = y * 10 + (text[i] - '0');
		else
			m = m * 10 + (text[i] - '0');
	}
	if (text[7] != '\0' || m < 1 || m > 12 || y < 1970)
		return -1;
	*month_r = y * 12 + m - 1;
	return 0;
}

void month_format(int month, char buf[MONTH_TEXT_MAX])
{
	snprintf(buf, MONTH_TEXT_MAX, "%04u-%02u", (unsigned)(month / 12) % 10000u,
		 (unsigned)(month % 12 + 1) % 100u);
}

int month_of(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* the bounds first: past 9999 the year times 12 overflows an int long
	   before gmtime_r gives up */
	if (t < 0)
		return MONTH_MIN;
	if (t >= month_start(MONTH_MAX + 1))
		return MONTH_MAX;
	if (gmtime_r(&tt, &tm) == NULL)
		return MONTH_MIN;
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

int64_t month_start(int month)
{
	/* days from 1970-01-01 to the month's first day (the civil-from-days
	   inverse in Howard Hinnant's formulation; years here are >= 1970) */
	int64_t y = month / 12, m = month % 12 + 1, era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400;
}

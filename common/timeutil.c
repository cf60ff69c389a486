/* timeutil.c - durations and RFC 3339 times. */
#include "timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <stdbool.h>

int uint_parse(const char *text, uint64_t max, uint64_t *value_r)
{
	uint64_t v = 0;

	if (*text == '\0')
		return -1;
	for (; *text != '\0'; text++) {
		if (*text < '0' || *text > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*text - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*text - '0');
	}
	if (v > max)
		return -1;
	*value_r = v;
	return 0;
}

int duration_parse(const char *text, uint64_t max, uint64_t *secs_r)
{
	char digits[24];
	size_t len = strlen(text), n = len;
	uint64_t mult = 1, v;

	if (len == 0)
		return -1;
	switch (text[len - 1]) {
	case 's': mult = 1; n--; break;
	case 'm': mult = 60; n--; break;
	case 'h': mult = 3600; n--; break;
	case 'd': mult = 86400; n--; break;
	case 'w': mult = 7 * 86400; n--; break;
	default: break;
	}
	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, text, n);
	digits[n] = '\0';
	if (uint_parse(digits, UINT64_MAX / mult, &v) < 0 || v * mult > max)
		return -1;
	*secs_r = v * mult;
	return 0;
}

/* Howard Hinnant's civil_from_days: days since 1970-01-01 -> y-m-d. */
static void civil_from_days(int64_t z, int64_t *y_r, unsigned *m_r, unsigned *d_r)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d_r = doy - (153 * mp + 2) / 5 + 1;
	*m_r = mp < 10 ? mp + 3 : mp - 9;
	*y_r = (int64_t)yoe + era * 400 + (*m_r <= 2);
}

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

void time_format_rfc3339(int64_t t, char buf[RFC3339_MAX])
{
	int64_t days, y, secs;
	unsigned m, d;
	char *p = buf;

	buf[0] = '\0';
	/* the reports' hot path: no gmtime_r/strftime, no locale */
	if (t == 0 || t < 0 || t > 253402300799LL)     /* 9999-12-31T23:59:59Z */
		return;
	days = t / 86400;
	secs = t % 86400;
	civil_from_days(days, &y, &m, &d);
	p = put2(p, (unsigned)(y / 100));
	p = put2(p, (unsigned)(y % 100));
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, (unsigned)(secs / 3600));
	*p++ = ':';
	p = put2(p, (unsigned)(secs / 60 % 60));
	*p++ = ':';
	p = put2(p, (unsigned)(secs % 60));
	*p++ = 'Z';
	*p = '\0';
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
   (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int take_digits(const char **pp, int n, int *v_r)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*pp)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*pp += n;
	*v_r = v;
	return 0;
}

int time_parse_rfc3339(const char *text, int64_t *t_r)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = text;
	int y, mo, d, h = 0, mi = 0, s = 0, oh = 0, om = 0, sign = 0;
	bool leap;

	if (take_digits(&p, 4, &y) < 0 || *p++ != '-' ||
	    take_digits(&p, 2, &mo) < 0 || *p++ != '-' ||
	    take_digits(&p, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1])
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -1;
	if (*p != '\0') {
		if ((*p != 'T' && *p != 't' && *p != ' ') )
			return -1;
		p++;
		if (take_digits(&p, 2, &h) < 0 || *p++ != ':' ||
		    take_digits(&p, 2, &mi) < 0 || *p++ != ':' ||
		    take_digits(&p, 2, &s) < 0)
			return -1;
		if (h > 23 || mi > 59 || s > 60)
			return -1;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (take_digits(&p, 2, &oh) < 0)
				return -1;
			if (*p == ':')
				p++;
			if (take_digits(&p, 2, &om) < 0 || oh > 23 || om > 59)
				return -1;
		} else {
			return -1;
		}
		if (*p != '\0')
			return -1;
	}
	*t_r = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60);
	return 0;
}

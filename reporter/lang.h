/* lang.h - the language of what people read (doc/DESIGN.md §8.12): which
 * catalogue the _() messages come from, and dates as people write them.
 * Machine formats (CSV, JSON, audit, syslog, metrics) never use this. */
#ifndef DORMANT_LANG_H
#define DORMANT_LANG_H

#include <stdint.h>

/* "24/11/2026 12:00:00 UTC" and "2026-11-24T12:00:00Z" fit */
#define LANG_DATE_MAX 48

enum lang_date_style {
	LANG_DATE_DAY,    /* en "2026-11-24", vi "24/11/2026" */
	LANG_DATE_TIME,   /* en "2026-11-24T12:00:00Z" (RFC 3339, as before),
			     vi "24/11/2026 12:00:00 UTC" (24 h) */
	LANG_DATE_COLUMN, /* a text table's 20 columns: en as LANG_DATE_TIME,
			     vi "24/11/2026 12:00" (UTC, as every time) */
};

/* The language a configured `language` (en, vi, or "" for the locale's)
   and the environment choose: "en" or "vi". Pure: the environment is
   passed in (NULL for an unset variable). With "" the first non-empty of
   LC_ALL, LC_MESSAGES, LANG is the locale; "C", "POSIX" or none means
   English whatever LANGUAGE says (as gettext does); otherwise the first
   entry of LANGUAGE (colon list) that is English or has a catalogue,
   else the locale's own language. */
const char *lang_choose(const char *configured, const char *language,
			const char *lc_all, const char *lc_messages,
			const char *lang);

/* Switch the process's messages to the language chosen from configured and
   the environment; localedir is where the catalogues are (LOCALEDIR, or
   DORMANT_LOCALEDIR for tests in the build tree). English changes nothing
   in the process. Otherwise LC_MESSAGES becomes the language's own locale
   where it is installed (vi_VN.UTF-8), else C.UTF-8 with LANGUAGE set to
   the language (read there by glibc before 2.41), and programs dormant
   runs (spawn.c) get the environment dormant started with. -1 when a
   language other than English was chosen but its catalogue cannot be
   read here (no catalogue, or glibc 2.41 without the language's locale):
   everything stays English, dates too. Call once, before any other
   thread exists. */
int lang_init(const char *configured, const char *localedir);
/* What lang_current() and the dates follow ("en", "vi"): lang_init sets
   it once its catalogue answers; the unit tests set it directly. */
void lang_set(const char *lang);

/* "en" or "vi": for <html lang=...>. */
const char *lang_current(void);

/* t (seconds since the epoch, UTC) as people of the current language
   write it; t == 0 gives "" (never), as time_format_rfc3339 does. */
void lang_date(int64_t t, enum lang_date_style style, char buf[LANG_DATE_MAX]);

/* lang_date(LANG_DATE_TIME) of an RFC 3339 text (a row's column): buf,
   or text itself when it is "" (never) or no time. */
const char *lang_date_text(const char *text, char buf[LANG_DATE_MAX]);

/* A month "YYYY-MM" as people write it: en as it is, vi "MM/YYYY". Returns
   buf, or month itself when it is not of that form. */
const char *lang_month(const char *month, char buf[LANG_DATE_MAX]);

#endif

/* lang.c - the messages' language and the dates people read. */
#include "lang.h"
#include "i18n.h"
#include "spawn.h"
#include "timeutil.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* the languages with a catalogue (po/LINGUAS), English aside */
static const char *const catalogues[] = { "vi" };

static const char *current = "en";

/* "vi" of "vi_VN.UTF-8@x", if English or one with a catalogue; else NULL */
static const char *lang_known(const char *locale)
{
	size_t len = strcspn(locale, "_.@");

	if (len == 2 && strncmp(locale, "en", 2) == 0)
		return "en";
	for (size_t i = 0; i < sizeof(catalogues) / sizeof(catalogues[0]); i++) {
		if (strlen(catalogues[i]) == len && strncmp(locale, catalogues[i], len) == 0)
			return catalogues[i];
	}
	return NULL;
}

const char *lang_choose(const char *configured, const char *language,
			const char *lc_all, const char *lc_messages,
			const char *lang)
{
	const char *locale = NULL, *found;

	if (configured != NULL && configured[0] != '\0')
		return lang_known(configured) != NULL ? lang_known(configured) : "en";
	if (lc_all != NULL && lc_all[0] != '\0')
		locale = lc_all;
	else if (lc_messages != NULL && lc_messages[0] != '\0')
		locale = lc_messages;
	else if (lang != NULL && lang[0] != '\0')
		locale = lang;
	/* "LC_ALL=C dormant ..." is how scripts ask for the untranslated
	   messages: it beats LANGUAGE, as in every gettext program */
	if (locale == NULL || strcmp(locale, "C") == 0 || strcmp(locale, "POSIX") == 0)
		return "en";
	while (language != NULL && language[0] != '\0') {
		char entry[64];
		size_t len = strcspn(language, ":");

		if (len > 0 && len < sizeof(entry)) {
			memcpy(entry, language, len);
			entry[len] = '\0';
			if ((found = lang_known(entry)) != NULL)
				return found;
		}
		language += len + (language[len] == ':' ? 1 : 0);
	}
	found = lang_known(locale);
	return found != NULL ? found : "en";
}

/* The locale of a language's messages where the system has it: gettext
   then needs nothing else. */
static const struct {
	const char *lang, *locale;
} lang_locales[] = {
	{ "vi", "vi_VN" },
};

/* Point LC_MESSAGES at a locale under which gettext reads LANGUAGE: the
   language's own (vi_VN.UTF-8) where it is installed, else C.UTF-8,
   which every glibc system has and where glibc before 2.41 reads
   LANGUAGE (2.41, Debian 13's, treats C.UTF-8 as C there). The other
   categories stay "C": output elsewhere is unchanged. */
static bool lang_locale(const char *chosen)
{
	char name[32];

	for (size_t i = 0; i < sizeof(lang_locales) / sizeof(lang_locales[0]); i++) {
		if (strcmp(lang_locales[i].lang, chosen) != 0)
			continue;
		snprintf(name, sizeof(name), "%s.UTF-8", lang_locales[i].locale);
		if (setlocale(LC_MESSAGES, name) != NULL)
			return true;
		snprintf(name, sizeof(name), "%s.utf8", lang_locales[i].locale);
		if (setlocale(LC_MESSAGES, name) != NULL)
			return true;
	}
	return setlocale(LC_MESSAGES, "C.UTF-8") != NULL ||
		setlocale(LC_MESSAGES, "C.utf8") != NULL;
}

void lang_set(const char *lang)
{
	current = lang;
}

int lang_init(const char *configured, const char *localedir)
{
	const char *chosen = lang_choose(configured, getenv("LANGUAGE"),
					 getenv("LC_ALL"), getenv("LC_MESSAGES"),
					 getenv("LANG"));
	static char **saved;
	size_t n = 0;

	if (strcmp(chosen, "en") == 0)
		return 0;
#ifdef ENABLE_NLS
	/* TRANSLATORS: the language's own name, in it ("Tiếng Việt"):
	   dormant asks for it to know the catalogue is reachable */
	static const char probe[] = N_("English");

	if (!lang_locale(chosen))
		return -1;
	/* Children (sendmail, doveadm, suspend commands) get the environment
	   as it was: an array of the same strings, taken before setenv */
	while (environ[n] != NULL)
		n++;
	saved = malloc((n + 1) * sizeof(*saved));
	if (saved == NULL)
		return -1;
	memcpy(saved, environ, (n + 1) * sizeof(*saved));
	if (setenv("LANGUAGE", chosen, 1) < 0) {
		free(saved);
		return -1;
	}
	spawn_set_environ(saved);
	bindtextdomain("dormant", localedir);
	bind_textdomain_codeset("dormant", "UTF-8");
	if (strcmp(dgettext("dormant", probe), probe) == 0) {
		/* no catalogue, or a C library that will not read it here:
		   all English, dates too, rather than half of each */
		setlocale(LC_MESSAGES, "C");
		return -1;
	}
	lang_set(chosen);
	return 0;
#else
	(void)localedir;
	(void)saved;
	(void)n;
	return -1;
#endif
}

const char *lang_current(void)
{
	return current;
}

void lang_date(int64_t t, enum lang_date_style style, char buf[LANG_DATE_MAX])
{
	char iso[RFC3339_MAX];

	time_format_rfc3339(t, iso);
	if (iso[0] == '\0' || strcmp(current, "vi") != 0) {
		memcpy(buf, iso, sizeof(iso));
		if (style == LANG_DATE_DAY && strlen(buf) > 10)
			buf[10] = '\0';
		return;
	}
	/* "2026-11-24T12:00:00Z" -> "24/11/2026 12:00:00 UTC"; the year may
	   have more digits (or a sign) than four: count from the end */
	{
		size_t len = strlen(iso);     /* the last 16 bytes: -MM-DDTHH:MM:SSZ */
		int ylen = (int)(len - 16);

		if (style == LANG_DATE_DAY)
			snprintf(buf, LANG_DATE_MAX, "%.2s/%.2s/%.*s", iso + ylen + 4,
				 iso + ylen + 1, ylen, iso);
		else if (style == LANG_DATE_COLUMN)
			snprintf(buf, LANG_DATE_MAX, "%.2s/%.2s/%.*s %.5s",
				 iso + ylen + 4, iso + ylen + 1, ylen, iso, iso + ylen + 7);
		else
			snprintf(buf, LANG_DATE_MAX, "%.2s/%.2s/%.*s %.8s UTC",
				 iso + ylen + 4, iso + ylen + 1, ylen, iso, iso + ylen + 7);
	}
}

const char *lang_month(const char *month, char buf[LANG_DATE_MAX])
{
	if (strcmp(current, "vi") != 0 || strlen(month) != 7 || month[4] != '-')
		return month;
	snprintf(buf, LANG_DATE_MAX, "%.2s/%.4s", month + 5, month);
	return buf;
}

const char *lang_date_text(const char *text, char buf[LANG_DATE_MAX])
{
	int64_t t;

	if (text[0] == '\0' || time_parse_rfc3339(text, &t) < 0)
		return text;
	lang_date(t, LANG_DATE_TIME, buf);
	return buf;
}

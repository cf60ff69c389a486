#ifndef DORMANT_I18N_H
#define DORMANT_I18N_H

/* Messages people read (the CLI's errors and help, reports, review sheets,
   notices) go through _(); machine formats (CSV and JSON keys, metrics,
   syslog and audit lines, the plugin's and milter's log lines) never do:
   admins' scripts and greps rely on them (DESIGN 8). The catalogue is the
   "dormant" domain, looked up with dgettext so that libdormant inside a
   Dovecot process never changes the process's own text domain. N_() marks
   a string translated later, where it is used. */
#include "dormant-config.h"

#ifdef ENABLE_NLS
#  include <libintl.h>
#  define _(s) dgettext("dormant", s)
/* ngettext() would look in the process's text domain: ours, by the name
   xgettext knows (Vietnamese has one form, English two) */
#  undef ngettext
#  define ngettext(s, p, n) dngettext("dormant", s, p, n)
#else
#  define _(s) (s)
#  define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s) (s)

/* C_("column", "active"): the msgid "active" in the context "column",
   for a word that needs another translation there (a short column
   title); xgettext's keyword C_:1c,2 (po/Makevars). */
#ifdef ENABLE_NLS
static inline const char *i18n_pgettext(const char *key, const char *msgid)
{
	const char *t = dgettext("dormant", key);

	return t == key ? msgid : t;
}
#  define C_(ctx, s) i18n_pgettext(ctx "\004" s, s)
#else
#  define C_(ctx, s) (s)
#endif

#endif

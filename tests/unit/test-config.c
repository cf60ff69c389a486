/* test-config.c - dormant.conf: defaults (doc/DESIGN.md §8.2), the parser, the
 * cross-key checks, local domains and the config_dump round trip. */
#include "testutil.h"
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400ULL

/* The test's own view of the keys: name, type, where (the contract the
   plugin and the docs rely on). */
enum kt { K_STR, K_DUR, K_BOOL, K_FRAC };

struct key_def {
	const char *name;
	enum kt type;
	size_t offset;
};

#define K(name, type) { #name, type, offsetof(struct dormant_config, name) }
static const struct key_def keys[] = {
	K(db, K_STR), K(update_interval, K_DUR), K(default_domain, K_STR),
	K(local_domains, K_STR), K(lowercase_local_part, K_BOOL),
	K(recipient_delimiter, K_STR), K(warn_after, K_DUR),
	K(dormant_after, K_DUR), K(suspend_after, K_DUR), K(notice_days, K_DUR),
	K(max_suspend_fraction, K_FRAC), K(deny_file, K_STR),
	K(suspend_command, K_STR), K(reactivate_command, K_STR),
	K(notice_template, K_STR), K(notice_from, K_STR), K(report_dir, K_STR),
	K(report_to, K_STR), K(alert_to, K_STR), K(alert_mail_interval, K_DUR),
	K(sendmail, K_STR), K(milter_socket, K_STR),
	K(milter_user, K_STR), K(milter_pidfile, K_STR),
	K(syslog_facility, K_STR), K(reject_text, K_STR), K(enforce, K_BOOL),
	K(trusted_networks, K_STR), K(webmail_networks, K_STR),
	K(contacts_file, K_STR), K(unit_field, K_STR),
	K(contact_manager_field, K_STR), K(contact_alternate_field, K_STR),
	K(notify_cc, K_STR), K(notify_external, K_BOOL),
	K(notify_reminder_days, K_DUR),
	K(metrics_max_units, K_DUR),        /* a count: a uint64_t as well */
	K(units_file, K_STR),
	K(review_default, K_STR),
	K(language, K_STR),
};

static const struct key_def *key_find(const char *name)
{
	for (size_t i = 0; i < N(keys); i++) {
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

/* An expected value: s for strings, u for durations and booleans, f for
   fractions. */
struct kv {
	const char *key;
	const char *s;
	uint64_t u;
	double f;
};

/* Compare one value; returns NULL or a message in buf. */
static const char *kv_check(const struct dormant_config *cfg, const struct kv *kv,
			    char *buf, size_t size)
{
	const struct key_def *k = key_find(kv->key);
	const void *p;

	if (k == NULL) {
		snprintf(buf, size, "test bug: unknown key %s", kv->key);
		return buf;
	}
	p = (const char *)cfg + k->offset;
	switch (k->type) {
	case K_STR: {
		const char *s = *(char *const *)p;
		if (s == NULL || strcmp(s, kv->s) != 0) {
			snprintf(buf, size, "%s = '%s', expected '%s'", kv->key, T_STR(s), kv->s);
			return buf;
		}
		return NULL;
	}
	case K_DUR:
		if (*(const uint64_t *)p != kv->u) {
			snprintf(buf, size, "%s = %llu, expected %llu", kv->key,
				 (unsigned long long)*(const uint64_t *)p,
				 (unsigned long long)kv->u);
			return buf;
		}
		return NULL;
	case K_BOOL:
		if (*(const bool *)p != (kv->u != 0)) {
			snprintf(buf, size, "%s = %d, expected %d", kv->key,
				 *(const bool *)p, kv->u != 0);
			return buf;
		}
		return NULL;
	case K_FRAC:
		if (fabs(*(const double *)p - kv->f) > 1e-12) {
			snprintf(buf, size, "%s = %g, expected %g", kv->key,
				 *(const double *)p, kv->f);
			return buf;
		}
		return NULL;
	}
	return NULL;
}

/* Every key of two configurations equal. */
static bool cfg_equal(const struct dormant_config *a, const struct dormant_config *b,
		      char *buf, size_t size)
{
	for (size_t i = 0; i < N(keys); i++) {
		const void *pa = (const char *)a + keys[i].offset;
		const void *pb = (const char *)b + keys[i].offset;
		bool eq = true;

		switch (keys[i].type) {
		case K_STR:
			eq = strcmp(*(char *const *)pa, *(char *const *)pb) == 0;
			break;
		case K_DUR:
			eq = *(const uint64_t *)pa == *(const uint64_t *)pb;
			break;
		case K_BOOL:
			eq = *(const bool *)pa == *(const bool *)pb;
			break;
		case K_FRAC:
			eq = fabs(*(const double *)pa - *(const double *)pb) <=
				1e-9 * fabs(*(const double *)pa);
			break;
		}
		if (!eq) {
			if (keys[i].type == K_FRAC)
				snprintf(buf, size, "key %s differs: %.17g became %.17g",
					 keys[i].name, *(const double *)pa, *(const double *)pb);
			else
				snprintf(buf, size, "key %s differs", keys[i].name);
			return false;
		}
	}
	return true;
}

/* ---- fixture: a temporary directory ---- */

struct fixture {
	char *dir;
	char path[4096];             /* dir/dormant.conf */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->dir = test_mkdtemp()) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/dormant.conf", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f != NULL) {
		test_rmtree(f->dir);
		free(f->dir);
		free(f);
	}
	return 0;
}

/* ---- defaults ---- */

static const struct kv default_values[] = {
	{ "db", DORMANT_DEFAULT_DBDIR, 0, 0 },
	{ "update_interval", NULL, 60, 0 },
	{ "warn_after", NULL, 60 * DAY, 0 },
	{ "dormant_after", NULL, 90 * DAY, 0 },
	{ "suspend_after", NULL, 120 * DAY, 0 },
	{ "notice_days", NULL, 14 * DAY, 0 },
	{ "max_suspend_fraction", NULL, 0, 0.05 },
	{ "default_domain", "", 0, 0 },
	{ "local_domains", "", 0, 0 },
	{ "lowercase_local_part", NULL, 1, 0 },
	{ "recipient_delimiter", "+", 0, 0 },
	{ "deny_file", "", 0, 0 },
	{ "suspend_command", "", 0, 0 },
	{ "sendmail", "/usr/sbin/sendmail", 0, 0 },
	{ "milter_socket", "unix:/run/dormant/milter.sock", 0, 0 },
	{ "enforce", NULL, 1, 0 },
	{ "trusted_networks", "", 0, 0 },
	{ "webmail_networks", "", 0, 0 },
	{ "language", "", 0, 0 },
	/* configure --with-reportdir, as db is --with-dbdir */
	{ "report_dir", DORMANT_DEFAULT_REPORTDIR, 0, 0 },
};

static void test_defaults(void **state)
{
	struct dormant_config cfg;
	const char *error = NULL;
	char msg[512];

	config_init(&cfg);
	T_BEGIN();
	for (size_t i = 0; i < N(default_values); i++) {
		const char *m = kv_check(&cfg, &default_values[i], msg, sizeof(msg));
		T_CHECK(m == NULL, "default %s", T_STR(m));
	}
	/* every string key has a value, never NULL */
	for (size_t i = 0; i < N(keys); i++) {
		if (keys[i].type == K_STR)
			T_CHECK(*(char **)((char *)&cfg + keys[i].offset) != NULL,
				"%s is NULL after config_init", keys[i].name);
	}
	/* the defaults pass the cross-key checks */
	T_CHECK(config_check(&cfg, &error) == 0, "defaults fail config_check: %s",
		T_STR(error));
	config_free(&cfg);
	/* config_free leaves NULLs: freeing again is harmless, and the
	   structure can be initialised again */
	config_free(&cfg);
	config_init(&cfg);
	config_free(&cfg);
	T_END();
}

/* ---- config_load ---- */

struct load_case {
	const char *name;
	const char *content;
	size_t len;                  /* 0: strlen */
	int ret;
	unsigned int line;           /* error: expected "path:line: "; 0 none */
	const char *error;           /* error substring */
	struct kv expect[3];
};

static const struct load_case load_cases[] = {
	{ "empty file", "", 0, 0, 0, NULL, { { "warn_after", NULL, 60 * DAY, 0 } } },
	{ "language vi", "language = vi\nlanguage = en\nlanguage = vi\n", 0, 0, 0, NULL,
	  { { "language", "vi", 0, 0 } } },
	{ "language fr", "language = fr\n", 0, -1, 1, "language: en, vi, or empty", { { 0 } } },
	{ "comments and blank lines",
	  "# a comment\n\n   # indented comment\n\t\n   \n#warn_after = 1d\nwarn_after = 30d\n",
	  0, 0, 0, NULL, { { "warn_after", NULL, 30 * DAY, 0 } } },
	{ "white space around key and value",
	  "  dormant_after\t=\t100d  \n\tdefault_domain=Example.org\n", 0, 0, 0, NULL,
	  { { "dormant_after", NULL, 100 * DAY, 0 }, { "default_domain", "Example.org", 0, 0 } } },
	{ "CRLF line ends", "warn_after = 10d\r\nenforce = no\r\n", 0, 0, 0, NULL,
	  { { "warn_after", NULL, 10 * DAY, 0 }, { "enforce", NULL, 0, 0 } } },
	{ "no newline at the end", "warn_after = 7d", 0, 0, 0, NULL,
	  { { "warn_after", NULL, 7 * DAY, 0 } } },
	{ "last assignment wins", "warn_after = 10d\nwarn_after = 20d\nwarn_after=21d\n",
	  0, 0, 0, NULL, { { "warn_after", NULL, 21 * DAY, 0 } } },
	{ "value with '=' and inner spaces", "reject_text = a = b  c\n", 0, 0, 0, NULL,
	  { { "reject_text", "a = b  c", 0, 0 } } },
	{ "value with a tab inside", "reject_text = a\tb\n", 0, 0, 0, NULL,
	  { { "reject_text", "a\tb", 0, 0 } } },
	{ "empty string value", "default_domain =\nrecipient_delimiter=\n", 0, 0, 0, NULL,
	  { { "default_domain", "", 0, 0 }, { "recipient_delimiter", "", 0, 0 } } },
	{ "8-bit value", "reject_text = Konto gesperrt \xc3\xa4\n", 0, 0, 0, NULL,
	  { { "reject_text", "Konto gesperrt \xc3\xa4", 0, 0 } } },
	{ "durations", "update_interval = 0\nnotice_days = 2w\nsuspend_after = 2880h\n",
	  0, 0, 0, NULL, { { "update_interval", NULL, 0, 0 },
	  { "notice_days", NULL, 14 * DAY, 0 }, { "suspend_after", NULL, 120 * DAY, 0 } } },
	{ "booleans", "enforce = off\nlowercase_local_part = NO\n", 0, 0, 0, NULL,
	  { { "enforce", NULL, 0, 0 }, { "lowercase_local_part", NULL, 0, 0 } } },
	{ "booleans true", "enforce = TRUE\nlowercase_local_part = 1\n", 0, 0, 0, NULL,
	  { { "enforce", NULL, 1, 0 }, { "lowercase_local_part", NULL, 1, 0 } } },
	{ "fraction as decimal", "max_suspend_fraction = 0.1\n", 0, 0, 0, NULL,
	  { { "max_suspend_fraction", NULL, 0, 0.1 } } },
	{ "fraction in percent", "max_suspend_fraction = 12.5%\n", 0, 0, 0, NULL,
	  { { "max_suspend_fraction", NULL, 0, 0.125 } } },
	{ "fraction 0 and 1", "max_suspend_fraction = 0\nmax_suspend_fraction = 100%\n", 0, 0, 0,
	  NULL, { { "max_suspend_fraction", NULL, 0, 1.0 } } },
	{ "milter keys", "milter_socket = inet:8891@127.0.0.1\nsyslog_facility = LOCAL3\n"
	  "trusted_networks = 192.0.2.0/24, 2001:db8::/32\n", 0, 0, 0, NULL,
	  { { "milter_socket", "inet:8891@127.0.0.1", 0, 0 },
	    { "syslog_facility", "LOCAL3", 0, 0 },
	    { "trusted_networks", "192.0.2.0/24, 2001:db8::/32", 0, 0 } } },
	{ "paths that may be empty", "deny_file =\nsuspend_command =\nmilter_pidfile =\n",
	  0, 0, 0, NULL, { { "deny_file", "", 0, 0 }, { "milter_pidfile", "", 0, 0 } } },
	/* errors, each with file:line */
	{ "unknown key", "# c\n\nbogus = 1\n", 0, -1, 3, "unknown setting 'bogus'", { { NULL } } },
	{ "key with different case", "Warn_After = 1d\n", 0, -1, 1, "unknown setting", { { NULL } } },
	{ "no '='", "warn_after 10d\n", 0, -1, 1, "key = value", { { NULL } } },
	{ "empty key", "= 10d\n", 0, -1, 1, "unknown setting ''", { { NULL } } },
	{ "bad duration", "warn_after = 10x\n", 0, -1, 1, "warn_after: invalid duration", { { NULL } } },
	{ "negative duration", "warn_after = -10d\n", 0, -1, 1, "invalid duration", { { NULL } } },
	{ "empty duration", "dormant_after =\n", 0, -1, 1, "invalid duration", { { NULL } } },
	{ "duration below min", "warn_after = 59m\n", 0, -1, 1, "invalid duration", { { NULL } } },
	{ "duration above max", "update_interval = 2d\n", 0, -1, 1, "update_interval", { { NULL } } },
	{ "duration with inner space", "warn_after = 10 d\n", 0, -1, 1, "invalid duration", { { NULL } } },
	{ "bad boolean", "enforce = maybe\n", 0, -1, 1, "enforce: invalid boolean", { { NULL } } },
	{ "empty boolean", "enforce =\n", 0, -1, 1, "invalid boolean", { { NULL } } },
	{ "fraction over 1", "max_suspend_fraction = 150%\n", 0, -1, 1, "invalid fraction", { { NULL } } },
	{ "fraction 1.01", "max_suspend_fraction = 1.01\n", 0, -1, 1, "invalid fraction", { { NULL } } },
	{ "negative fraction", "max_suspend_fraction = -0.1\n", 0, -1, 1, "invalid fraction", { { NULL } } },
	{ "fraction text", "max_suspend_fraction = five\n", 0, -1, 1, "invalid fraction", { { NULL } } },
	{ "fraction nan", "max_suspend_fraction = nan\n", 0, -1, 1, "invalid fraction", { { NULL } } },
	{ "fraction %%", "max_suspend_fraction = 5%%\n", 0, -1, 1, "invalid fraction", { { NULL } } },
	{ "fraction trailing", "max_suspend_fraction = 0.1x\n", 0, -1, 1, "invalid fraction", { { NULL } } },
	{ "control byte in a string", "reject_text = a\x01z\n", 0, -1, 1, "control character", { { NULL } } },
	{ "NUL byte", "warn_after = 10d\ndb = /a\0b\n",
	  sizeof("warn_after = 10d\ndb = /a\0b\n") - 1, -1, 2, "NUL byte", { { NULL } } },
	{ "NUL byte in a comment", "# a\0b\n", sizeof("# a\0b\n") - 1, -1, 1, "NUL byte", { { NULL } } },
	/* keys only one program uses are checked where the file is read */
	{ "bad trusted_networks", "# c\ntrusted_networks = 10.0.0.0/33\n", 0, -1, 2,
	  "trusted_networks: invalid network '10.0.0.0/33'", { { NULL } } },
	{ "bad milter_socket kind", "milter_socket = tcp:25\n", 0, -1, 1,
	  "milter_socket: 'tcp:25': use unix:/path", { { NULL } } },
	{ "bad milter_socket port", "\nmilter_socket = inet:99999@localhost\n", 0, -1, 2,
	  "invalid port '99999'", { { NULL } } },
	{ "relative milter_socket", "milter_socket = unix:run/m.sock\n", 0, -1, 1,
	  "the socket path must be absolute", { { NULL } } },
	{ "unknown syslog_facility", "syslog_facility = mial\n", 0, -1, 1,
	  "syslog_facility: unknown facility 'mial'", { { NULL } } },
	{ "relative db", "db = var/lib/dormant\n", 0, -1, 1,
	  "db: must be an absolute path", { { NULL } } },
	{ "relative deny_file", "deny_file = dormant.deny\n", 0, -1, 1,
	  "deny_file: must be an absolute path", { { NULL } } },
	{ "relative suspend_command", "suspend_command = lock.sh\n", 0, -1, 1,
	  "suspend_command: must be an absolute path", { { NULL } } },
	{ "relative reactivate_command", "reactivate_command = ./unlock\n", 0, -1, 1,
	  "reactivate_command: must be an absolute path", { { NULL } } },
	{ "empty sendmail", "sendmail =\n", 0, -1, 1,
	  "sendmail: must be an absolute path", { { NULL } } },
	{ "relative milter_pidfile", "milter_pidfile = m.pid\n", 0, -1, 1,
	  "milter_pidfile: must be an absolute path", { { NULL } } },
	{ "error on a later line", "warn_after = 10d\ndormant_after = 100d\n\nenforce = perhaps\n",
	  0, -1, 4, "enforce", { { NULL } } },
};

static void test_load_table(void **state)
{
	struct fixture *f = *state;

	T_BEGIN();
	for (size_t i = 0; i < N(load_cases); i++) {
		const struct load_case *c = &load_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->content);
		struct dormant_config cfg;
		const char *error = NULL;
		char prefix[4200], msg[512];
		int ret;

		if (test_write_file(f->path, c->content, len) < 0)
			T_FATAL("cannot write %s", f->path);
		config_init(&cfg);
		ret = config_load(&cfg, f->path, true, &error);
		T_CHECK(ret == c->ret, "case %zu (%s): returned %d (%s), expected %d", i,
			c->name, ret, T_STR(error), c->ret);
		if (ret == 0 && c->ret == 0) {
			for (size_t j = 0; j < N(c->expect) && c->expect[j].key != NULL; j++) {
				const char *m = kv_check(&cfg, &c->expect[j], msg, sizeof(msg));
				T_CHECK(m == NULL, "case %zu (%s): %s", i, c->name, T_STR(m));
			}
		}
		if (ret < 0 && c->ret < 0) {
			snprintf(prefix, sizeof(prefix), "%s:%u: ", f->path, c->line);
			T_CHECK(error != NULL && strncmp(error, prefix, strlen(prefix)) == 0,
				"case %zu (%s): error '%s' does not start with '%s'", i,
				c->name, T_STR(error), prefix);
			T_CHECK(error != NULL && c->error != NULL &&
				strstr(error, c->error) != NULL,
				"case %zu (%s): error '%s' does not mention '%s'", i, c->name,
				T_STR(error), T_STR(c->error));
		}
		config_free(&cfg);
	}
	T_END();
}

/* Lines of CONFIG_LINE_MAX bytes are read; one byte more is an error. */
struct line_case {
	size_t line_len;             /* bytes before the newline */
	bool newline;
	unsigned int lines_before;   /* short lines in front */
	int ret;
};

static const struct line_case line_cases[] = {
	{ CONFIG_LINE_MAX, true, 0, 0 },
	{ CONFIG_LINE_MAX, false, 0, 0 },
	{ CONFIG_LINE_MAX - 1, true, 2, 0 },
	{ CONFIG_LINE_MAX + 1, true, 0, -1 },
	{ CONFIG_LINE_MAX + 1, false, 3, -1 },
	{ 3 * CONFIG_LINE_MAX, true, 0, -1 },
};

static void test_load_long_lines(void **state)
{
	struct fixture *f = *state;

	T_BEGIN();
	for (size_t i = 0; i < N(line_cases); i++) {
		const struct line_case *c = &line_cases[i];
		size_t size = 64 + c->lines_before * 8 + c->line_len, n = 0;
		char *buf = malloc(size), prefix[4200];
		struct dormant_config cfg;
		const char *error = NULL;
		int ret;

		for (unsigned int j = 0; j < c->lines_before; j++)
			n += (size_t)sprintf(buf + n, "# %u\n", j);
		/* "db = /aaaa...": a valid line of exactly line_len bytes */
		n += (size_t)sprintf(buf + n, "db = /");
		memset(buf + n, 'a', c->line_len - 6);
		n += c->line_len - 6;
		if (c->newline)
			buf[n++] = '\n';
		if (test_write_file(f->path, buf, n) < 0)
			T_FATAL("cannot write %s", f->path);
		config_init(&cfg);
		ret = config_load(&cfg, f->path, true, &error);
		T_CHECK(ret == c->ret, "case %zu (%zu bytes): returned %d (%s), expected %d",
			i, c->line_len, ret, T_STR(error), c->ret);
		if (ret == 0)
			T_CHECK(strlen(cfg.db) == c->line_len - 5, "case %zu: db has %zu bytes",
				i, strlen(cfg.db));
		if (ret < 0) {
			snprintf(prefix, sizeof(prefix), "%s:%u: ", f->path, c->lines_before + 1);
			T_CHECK(error != NULL && strncmp(error, prefix, strlen(prefix)) == 0 &&
				strstr(error, "longer than") != NULL,
				"case %zu: error '%s'", i, T_STR(error));
		}
		config_free(&cfg);
		free(buf);
	}
	T_END();
}

static void test_load_missing(void **state)
{
	struct fixture *f = *state;
	struct dormant_config cfg;
	const char *error = NULL;
	char path[4200];

	snprintf(path, sizeof(path), "%s/no-such.conf", f->dir);
	config_init(&cfg);
	/* not required: nothing happens */
	assert_int_equal(config_load(&cfg, path, false, &error), 0);
	assert_int_equal(cfg.warn_after, 60 * DAY);
	/* required: an error naming the file */
	assert_int_equal(config_load(&cfg, path, true, &error), -1);
	assert_non_null(error);
	assert_non_null(strstr(error, path));
	assert_non_null(strstr(error, "No such file"));
	/* a file in a missing directory is just as missing */
	snprintf(path, sizeof(path), "%s/no-dir/dormant.conf", f->dir);
	assert_int_equal(config_load(&cfg, path, false, &error), 0);
	assert_int_equal(config_load(&cfg, path, true, &error), -1);
	/* a directory is not a configuration file, even when optional */
	error = NULL;
	assert_int_equal(config_load(&cfg, f->dir, false, &error), -1);
	assert_non_null(error);
	assert_non_null(strstr(error, f->dir));
	config_free(&cfg);
}

/* Values read before an error are kept, later ones are not read. */
static void test_load_stops_at_error(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "warn_after = 10d\nbogus = 1\ndormant_after = 100d\n";
	struct dormant_config cfg;
	const char *error = NULL;

	assert_int_equal(test_write_file(f->path, text, strlen(text)), 0);
	config_init(&cfg);
	assert_int_equal(config_load(&cfg, f->path, true, &error), -1);
	assert_int_equal(cfg.dormant_after, 90 * DAY);
	config_free(&cfg);
}

static void test_set(void **state)
{
	struct dormant_config cfg;
	const char *error = NULL;

	config_init(&cfg);
	assert_int_equal(config_set(&cfg, "warn_after", "45d", &error), 0);
	assert_int_equal(cfg.warn_after, 45 * DAY);
	assert_int_equal(config_set(&cfg, "nope", "1", &error), -1);
	assert_non_null(strstr(error, "unknown setting 'nope'"));
	/* a refused value leaves the old one */
	assert_int_equal(config_set(&cfg, "warn_after", "x", &error), -1);
	assert_int_equal(cfg.warn_after, 45 * DAY);
	assert_int_equal(config_set(&cfg, "enforce", "no", &error), 0);
	assert_int_equal(config_set(&cfg, "enforce", "nein", &error), -1);
	assert_false(cfg.enforce);
	assert_int_equal(config_set(&cfg, "db", "/srv/dormant", &error), 0);
	assert_int_equal(config_set(&cfg, "db", "/srv/\ndormant", &error), -1);
	assert_string_equal(cfg.db, "/srv/dormant");
	/* the plugin's own key is no key of the file */
	assert_int_equal(config_set(&cfg, "count_master_user", "yes", &error), -1);
	assert_non_null(strstr(error, "unknown setting 'count_master_user'"));
	assert_false(cfg.count_master_user);
	config_free(&cfg);
}

/* ---- config_load_lookup: the Dovecot plugin's settings ---- */

struct lookup_case {
	const char *name;
	const char *set[6][2];       /* the plugin {} section; NULL ends it */
	int ret;
	const char *error;           /* in the message, for ret -1 */
	/* afterwards, for ret 0 */
	const char *db;
	uint64_t update_interval;
	bool lowercase, count_master;
	const char *default_domain;
};

#define PLUGIN_DEFAULTS DORMANT_DEFAULT_DBDIR, 60, true, false, ""

static const struct lookup_case lookup_cases[] = {
	{ "nothing set", { { NULL, NULL } }, 0, NULL, PLUGIN_DEFAULTS },
	{ "every key",
	  { { "dormant_db", "/srv/dormant" }, { "dormant_update_interval", "5m" },
	    { "dormant_lowercase_local_part", "no" },
	    { "dormant_count_master_user", "yes" },
	    { "dormant_default_domain", "example.org" } },
	  0, NULL, "/srv/dormant", 300, false, true, "example.org" },
	{ "empty values keep the defaults",
	  { { "dormant_db", "" }, { "dormant_update_interval", "" },
	    { "dormant_lowercase_local_part", "" },
	    { "dormant_count_master_user", "" }, { "dormant_default_domain", "" } },
	  0, NULL, PLUGIN_DEFAULTS },
	{ "booleans as in dormant.conf",
	  { { "dormant_lowercase_local_part", "NO" },
	    { "dormant_count_master_user", "true" } },
	  0, NULL, DORMANT_DEFAULT_DBDIR, 60, false, true, "" },
	/* 2.3's own parser took anything but "no" as yes */
	{ "a garbage boolean is refused",
	  { { "dormant_lowercase_local_part", "maybe" } }, -1,
	  "dormant_lowercase_local_part: invalid boolean 'maybe'" },
	{ "a garbage boolean is refused (yes-like)",
	  { { "dormant_lowercase_local_part", "yess" } }, -1,
	  "dormant_lowercase_local_part: invalid boolean 'yess'" },
	{ "count_master_user too",
	  { { "dormant_count_master_user", "maybe" } }, -1,
	  "dormant_count_master_user: invalid boolean" },
	{ "a bad duration",
	  { { "dormant_update_interval", "forever" } }, -1,
	  "dormant_update_interval: invalid duration 'forever'" },
	{ "longer than a day",
	  { { "dormant_update_interval", "2d" } }, -1,
	  "dormant_update_interval: invalid duration '2d'" },
	{ "a relative db", { { "dormant_db", "var/lib/dormant" } }, -1,
	  "dormant_db: must be an absolute path" },
	{ "a control character", { { "dormant_default_domain", "a\x01b" } }, -1,
	  "dormant_default_domain: control character" },
	/* keys of the file the plugin does not read, and unprefixed names */
	{ "not the plugin's keys",
	  { { "dormant_enforce", "maybe" }, { "dormant_warn_after", "x" },
	    { "lowercase_local_part", "maybe" }, { "db", "relative" } },
	  0, NULL, PLUGIN_DEFAULTS },
};

static const char *lookup_pairs(void *ctx, const char *name)
{
	const char *const (*set)[2] = ctx;

	for (; (*set)[0] != NULL; set++) {
		if (strcmp((*set)[0], name) == 0)
			return (*set)[1];
	}
	return NULL;
}

static void test_load_lookup(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(lookup_cases); i++) {
		const struct lookup_case *c = &lookup_cases[i];
		struct dormant_config cfg;
		const char *error = NULL;
		int ret;

		config_init(&cfg);
		ret = config_load_lookup(&cfg, CONFIG_KEY_PLUGIN, "dormant_",
					 lookup_pairs, (void *)c->set, &error);
		T_CHECK(ret == c->ret, "case %zu (%s): returned %d (%s), expected %d",
			i, c->name, ret, T_STR(error), c->ret);
		if (ret < 0 && c->ret < 0) {
			T_CHECK(error != NULL && strstr(error, c->error) != NULL,
				"case %zu (%s): error '%s' does not say '%s'", i,
				c->name, T_STR(error), c->error);
		} else if (ret == 0 && c->ret == 0) {
			T_CHECK(strcmp(cfg.db, c->db) == 0 &&
				cfg.update_interval == c->update_interval &&
				cfg.lowercase_local_part == c->lowercase &&
				cfg.count_master_user == c->count_master &&
				strcmp(cfg.default_domain, c->default_domain) == 0,
				"case %zu (%s): db '%s', update_interval %llu, "
				"lowercase %d, count_master_user %d, default_domain "
				"'%s'", i, c->name, cfg.db,
				(unsigned long long)cfg.update_interval,
				cfg.lowercase_local_part, cfg.count_master_user,
				cfg.default_domain);
		}
		config_free(&cfg);
	}
	T_END();
}

/* ---- config_copy and config_next_difference: the milter's reload ---- */

static void test_restart_keys(void **state)
{
	struct dormant_config a, b, running;
	const char *error = NULL, *key;
	size_t pos = 0;

	config_init(&a);
	config_init(&b);
	/* one change of each kind: two the milter applies only at start-up,
	   two it applies at once */
	assert_int_equal(config_set(&b, "db", "/srv/dormant", &error), 0);
	assert_int_equal(config_set(&b, "syslog_facility", "local3", &error), 0);
	assert_int_equal(config_set(&b, "enforce", "no", &error), 0);
	assert_int_equal(config_set(&b, "reject_text", "go away", &error), 0);
	key = config_next_difference(&a, &b, CONFIG_KEY_RESTART, &pos);
	assert_non_null(key);
	assert_string_equal(key, "db");
	key = config_next_difference(&a, &b, CONFIG_KEY_RESTART, &pos);
	assert_non_null(key);
	assert_string_equal(key, "syslog_facility");
	assert_null(config_next_difference(&a, &b, CONFIG_KEY_RESTART, &pos));
	/* the same, all keys of the file */
	pos = 0;
	for (int n = 0; n < 4; n++)
		assert_non_null(config_next_difference(&a, &b, CONFIG_KEY_FILE, &pos));
	assert_null(config_next_difference(&a, &b, CONFIG_KEY_FILE, &pos));

	/* a copy of the restart keys only, into a zeroed structure */
	memset(&running, 0, sizeof(running));
	assert_int_equal(config_copy(&running, &b, CONFIG_KEY_RESTART), 0);
	assert_string_equal(running.db, "/srv/dormant");
	assert_string_equal(running.syslog_facility, "local3");
	assert_string_equal(running.milter_socket, b.milter_socket);
	assert_null(running.reject_text);
	pos = 0;
	assert_null(config_next_difference(&running, &b, CONFIG_KEY_RESTART, &pos));
	config_free(&running);
	config_free(&a);
	config_free(&b);
}

/* ---- config_check ---- */

struct check_case {
	const char *name;
	struct { const char *key, *value; } set[3];
	int ret;
	const char *error;
};

static const struct check_case check_cases[] = {
	{ "defaults", { { NULL, NULL } }, 0, NULL },
	{ "warn == dormant", { { "warn_after", "90d" } }, -1, "warn_after" },
	{ "warn > dormant", { { "warn_after", "100d" } }, -1, "warn_after" },
	{ "warn just below dormant", { { "warn_after", "2159h" } }, 0, NULL },
	{ "dormant == suspend", { { "dormant_after", "120d" } }, 0, NULL },
	{ "dormant > suspend", { { "dormant_after", "121d" } }, -1, "dormant_after" },
	{ "suspend < dormant", { { "suspend_after", "89d" } }, -1, "dormant_after" },
	{ "notice == suspend", { { "notice_days", "120d" } }, -1, "notice_days" },
	{ "notice just below suspend", { { "notice_days", "119d" } }, 0, NULL },
	{ "notice > suspend",
	  { { "suspend_after", "90d" }, { "notice_days", "100d" } }, -1, "notice_days" },
	{ "absolute deny_file", { { "deny_file", "/etc/dovecot/dormant.deny" } }, 0, NULL },
	{ "absolute suspend_command", { { "suspend_command", "/usr/local/bin/x" } }, 0, NULL },
	{ "reminder 3d", { { "notify_reminder_days", "3d" } }, 0, NULL },
	{ "reminder in seconds", { { "notify_reminder_days", "3" } }, -1,
	  "notify_reminder_days must be 0 or at least 1d" },
	{ "reminder == notice", { { "notify_reminder_days", "14d" } }, -1,
	  "shorter than notice_days" },
	{ "metrics_max_units 0 and 10000", { { "metrics_max_units", "0" },
					     { "metrics_max_units", "10000" } }, 0, NULL },
	{ "contacts keys", { { "contacts_file", "/etc/dormant/contacts.csv" },
			     { "contact_manager_field", "manager" },
			     { "notify_cc", "it-admin@example.org" } }, 0, NULL },
};

/* Values one key alone refuses are refused by config_set (so a file gets
   file:line, and -d / -p / plugin settings the same message); the value
   before stays. */
static const struct { const char *key, *bad; } set_refusals[] = {
	{ "db", "var/lib/dormant" }, { "db", "" },
	{ "deny_file", "deny" }, { "suspend_command", "bin/x" },
	{ "reactivate_command", "x" }, { "sendmail", "sendmail" }, { "sendmail", "" },
	{ "milter_pidfile", "run/m.pid" }, { "milter_socket", "" },
	{ "milter_socket", "inet:0@localhost" }, { "milter_socket", "inet6:25@" },
	{ "syslog_facility", "" }, { "syslog_facility", "kern" },
	{ "trusted_networks", "10.0.0.0/8 ::/129" },
	{ "webmail_networks", "192.0.2.0/33" },
	{ "contacts_file", "contacts.csv" }, { "unit_field", "o u" },
	{ "contact_manager_field", "manager:x" }, { "contact_alternate_field", "a\tb" },
	{ "notify_cc", "admin" }, { "notify_cc", "a@x, b@x" }, { "notify_cc", "-a@x" },
	{ "notify_cc", "a@x\r\nBcc: b@x" }, { "notify_cc", "<a@x>" },
	{ "notify_reminder_days", "366d" },
	{ "metrics_max_units", "10001" }, { "metrics_max_units", "-1" },
	{ "metrics_max_units", "1e3" }, { "metrics_max_units", "10d" },
	{ "metrics_max_units", "" },
	{ "units_file", "units.csv" }, { "review_default", "revoke" },
	{ "review_default", "" },
	{ "language", "fr" }, { "language", "vi_VN" }, { "language", "VI" },
};

static void test_set_refusals(void **state)
{
	(void)state;
	T_BEGIN();
	for (size_t i = 0; i < N(set_refusals); i++) {
		struct dormant_config cfg, def;
		const char *error = NULL;
		char before[4096], after[4096];
		FILE *f;

		config_init(&cfg);
		config_init(&def);
		T_CHECK(config_set(&cfg, set_refusals[i].key, set_refusals[i].bad,
				   &error) == -1, "%s = '%s' accepted", set_refusals[i].key,
			set_refusals[i].bad);
		T_CHECK(error != NULL && strncmp(error, set_refusals[i].key,
						 strlen(set_refusals[i].key)) == 0,
			"%s: error '%s' does not name the key", set_refusals[i].key,
			T_STR(error));
		f = fmemopen(before, sizeof(before), "w");
		config_dump(&def, f);
		fclose(f);
		f = fmemopen(after, sizeof(after), "w");
		config_dump(&cfg, f);
		fclose(f);
		T_CHECK(strcmp(before, after) == 0, "%s: a refused value changed the "
			"configuration", set_refusals[i].key);
		config_free(&cfg);
		config_free(&def);
	}
	T_END();
}

static void test_check_table(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(check_cases); i++) {
		const struct check_case *c = &check_cases[i];
		struct dormant_config cfg;
		const char *error = NULL;
		int ret;

		config_init(&cfg);
		for (size_t j = 0; j < N(c->set) && c->set[j].key != NULL; j++) {
			if (config_set(&cfg, c->set[j].key, c->set[j].value, &error) < 0)
				T_CHECK(false, "case %zu (%s): cannot set %s: %s", i, c->name,
					c->set[j].key, T_STR(error));
		}
		error = NULL;
		ret = config_check(&cfg, &error);
		T_CHECK(ret == c->ret, "case %zu (%s): returned %d (%s), expected %d", i,
			c->name, ret, T_STR(error), c->ret);
		if (ret < 0 && c->ret < 0)
			T_CHECK(error != NULL && strstr(error, c->error) != NULL,
				"case %zu (%s): error '%s' does not mention '%s'", i, c->name,
				T_STR(error), c->error);
		config_free(&cfg);
	}
	T_END();
}

/* ---- config_is_local_domain ---- */

struct domain_case {
	const char *list;
	const char *domain;
	bool local;
};

static const struct domain_case domain_cases[] = {
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "example.com", true },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "EXAMPLE.COM", true },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "example.org", true },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "foo.net", true },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "bar", true },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "baz.de", true },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "example.co", false },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "xample.com", false },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "example.com.evil", false },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "sub.example.com", false },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "ba", false },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "", false },
	{ "example.com, Example.ORG  foo.net,,bar\tbaz.de", "example.com,", false },
	{ "  ,example.com,  ", "example.com", true },
	{ "example.com", "example.com", true },
	{ "", "example.com", false },
	{ "", "", false },
	{ " , ,", "", false },
};

static void test_local_domain(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < N(domain_cases); i++) {
		const struct domain_case *c = &domain_cases[i];
		struct dormant_config cfg;
		const char *error = NULL;
		bool local;

		config_init(&cfg);
		if (config_set(&cfg, "local_domains", c->list, &error) < 0)
			T_FATAL("cannot set local_domains: %s", error);
		local = config_is_local_domain(&cfg, c->domain);
		T_CHECK(local == c->local, "case %zu: '%s' in '%s': %d, expected %d", i,
			c->domain, c->list, local, c->local);
		config_free(&cfg);
	}
	T_END();
}

/* ---- config_dump ---- */

/* Dump cfg to dir/dump.conf, load it over defaults into out. */
static int dump_and_load(const struct fixture *f, const struct dormant_config *cfg,
			 struct dormant_config *out, const char **error_r)
{
	FILE *fp = fopen(f->path, "w");

	if (fp == NULL)
		T_FATAL("cannot write %s", f->path);
	config_dump(cfg, fp);
	if (fclose(fp) != 0)
		T_FATAL("cannot write %s", f->path);
	config_init(out);
	return config_load(out, f->path, true, error_r);
}

/* Every key appears exactly once in the dump, and only known keys. */
static void test_dump_keys(void **state)
{
	struct fixture *f = *state;
	struct dormant_config cfg;
	unsigned int seen[N(keys)];
	char line[CONFIG_LINE_MAX + 2];
	FILE *fp;

	memset(seen, 0, sizeof(seen));
	config_init(&cfg);
	fp = fopen(f->path, "w+");
	assert_non_null(fp);
	config_dump(&cfg, fp);
	rewind(fp);
	T_BEGIN();
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *eq = strstr(line, " = ");
		const struct key_def *k;

		T_CHECK(eq != NULL, "dump line without ' = ': %s", line);
		if (eq == NULL)
			continue;
		*eq = '\0';
		k = key_find(line);
		T_CHECK(k != NULL, "dump has a key the test does not know: %s", line);
		if (k != NULL)
			seen[k - keys]++;
	}
	fclose(fp);
	for (size_t i = 0; i < N(keys); i++)
		T_CHECK(seen[i] == 1, "key %s appears %u times in the dump", keys[i].name,
			seen[i]);
	config_free(&cfg);
	T_END();
}

/* Settings that config_dump must write so that config_load reads them back
   to the same values. */
static const struct { const char *key, *value; } dump_sets[][8] = {
	{ { NULL, NULL } },   /* the defaults */
	{ { "db", "/srv/dormant db" }, { "update_interval", "0" }, { "warn_after", "90061s" },
	  { "dormant_after", "3601s" }, { "suspend_after", "52w" }, { "notice_days", "59m" },
	  { "max_suspend_fraction", "0.123" }, { "enforce", "no" } },
	{ { "default_domain", "Example.ORG" }, { "local_domains", "a.example, b.example c" },
	  { "lowercase_local_part", "no" }, { "recipient_delimiter", "+-" },
	  { "reject_text", "550 #not a comment = still text" },
	  { "max_suspend_fraction", "1e-7" }, { "update_interval", "86400" },
	  { "trusted_networks", "10.0.0.0/8, [2001:db8::]/32" } },
	{ { "max_suspend_fraction", "1" }, { "deny_file", "/etc/dovecot/deny" },
	  { "suspend_command", "/usr/local/sbin/suspend" },
	  { "reactivate_command", "/usr/local/sbin/reactivate" },
	  { "notice_template", "/etc/dormant/notice.txt" }, { "notice_from", "postmaster@example.org" },
	  { "report_to", "admins@example.org" }, { "milter_socket", "inet:8891@127.0.0.1" } },
	{ { "max_suspend_fraction", "0.333333333" }, { "milter_user", "dormant" },
	  { "milter_pidfile", "/run/dormant/milter.pid" }, { "syslog_facility", "local3" },
	  { "sendmail", "/usr/lib/sendmail" }, { "report_dir", "/var/tmp/r" },
	  { "warn_after", "1h" }, { "dormant_after", "36500d" } },
};

static void test_dump_roundtrip(void **state)
{
	struct fixture *f = *state;

	T_BEGIN();
	for (size_t i = 0; i < N(dump_sets); i++) {
		struct dormant_config cfg, back;
		const char *error = NULL;
		char msg[256];

		config_init(&cfg);
		for (size_t j = 0; j < N(dump_sets[i]) && dump_sets[i][j].key != NULL; j++) {
			if (config_set(&cfg, dump_sets[i][j].key, dump_sets[i][j].value, &error) < 0)
				T_CHECK(false, "set %zu: cannot set %s: %s", i,
					dump_sets[i][j].key, T_STR(error));
		}
		if (dump_and_load(f, &cfg, &back, &error) < 0)
			T_CHECK(false, "set %zu: dump does not load: %s", i, T_STR(error));
		else
			T_CHECK(cfg_equal(&cfg, &back, msg, sizeof(msg)), "set %zu: %s", i, msg);
		config_free(&cfg);
		config_free(&back);
	}
	T_END();
}

/* Fractions are dumped with "%g": check many values survive the trip to
   within a part in a million (what the safety rail needs). */
static void test_dump_fractions(void **state)
{
	struct fixture *f = *state;
	struct test_rng rng = { test_seed() };
	uint64_t seed = rng.state;

	T_BEGIN();
	for (int i = 0; i < 200; i++) {
		struct dormant_config cfg, back;
		const char *error = NULL;
		int64_t k = test_rng_range(&rng, 0, 1000000);
		double v = (double)k / 1000000.0;

		config_init(&cfg);
		cfg.max_suspend_fraction = v;
		if (dump_and_load(f, &cfg, &back, &error) < 0)
			T_CHECK(false, "seed %llu: %.17g does not load: %s",
				(unsigned long long)seed, v, T_STR(error));
		else
			T_CHECK(fabs(back.max_suspend_fraction - v) <= 1e-6,
				"seed %llu: %.17g came back as %.17g", (unsigned long long)seed,
				v, back.max_suspend_fraction);
		config_free(&cfg);
		config_free(&back);
	}
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_load_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_stops_at_error, setup, teardown),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_load_lookup),
		cmocka_unit_test(test_restart_keys),
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_set_refusals),
		cmocka_unit_test(test_local_domain),
		cmocka_unit_test_setup_teardown(test_dump_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_fractions, setup, teardown),
	};

	test_init();
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

/* userdb.c - running doveadm, and the contacts in the userdb's fields. */
#include "userdb.h"
#include "i18n.h"
#include "contacts.h"
#include "lines.h"
#include "spawn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int userdb_doveadm(const char *config, const char *const *args,
		   const int *ok_exits, userdb_read_fn *read, void *ctx,
		   const char **error_r)
{
	const char *argv[4 + USERDB_BATCH + 4];
	const char *werr;
	struct spawn sp;
	int status, code, ret, argc = 0;
	FILE *f;

	argv[argc++] = DOVEADM_PATH;
	if (config != NULL) {
		argv[argc++] = "-c";
		argv[argc++] = config;
	}
	for (size_t i = 0; args[i] != NULL; i++) {
		if ((size_t)argc + 1 >= sizeof(argv) / sizeof(argv[0])) {
			*error_r = _("doveadm: too many arguments");
			return -1;
		}
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	/* no deadline: a large directory takes what it takes */
	memset(&sp, 0, sizeof(sp));
	sp.argv = (char *const *)argv;
	sp.flags = SPAWN_STDOUT_PIPE;
	sp.timeout_ms = -1;
	if (spawn_start(&sp, error_r) < 0)
		return -1;
	f = fdopen(sp.out, "r");
	if (f == NULL) {
		*error_r = errmsg_printf("fdopen: %s", strerror(errno));
		(void)spawn_wait(&sp, &status, &werr);
		return -1;
	}
	sp.out = -1;                 /* f has it */
	ret = read(f, ctx, error_r);
	fclose(f);
	if (ret < 0) {
		/* the parse error may sit in the thread's message buffer, which
		   a failing wait would overwrite (errmsg.h): keep a copy */
		char saved[512];

		snprintf(saved, sizeof(saved), "%s", *error_r);
		(void)spawn_wait(&sp, &status, &werr);
		*error_r = errmsg_printf("%s", saved);
		return -1;
	}
	if (spawn_wait(&sp, &status, error_r) < 0)
		return -1;
	code = spawn_exit_code(status);
	if (code == 0)
		return 0;
	for (size_t i = 0; ok_exits != NULL && ok_exits[i] != 0; i++) {
		if (code == ok_exits[i])
			return 0;
	}
	*error_r = errmsg_printf(_("doveadm %s failed (exit %d)"), args[0], code);
	return -1;
}

/* One value of a configured field for the current block. */
static void take_value(struct account_contacts *c, int field, const char *value,
		       const char *name, const struct account_rules *rules,
		       bool seen[CONTACT_FIELDS], errstr_warn_fn *warn,
		       unsigned long *bad_r)
{
	const char *fname = contact_field_name((enum contact_field)field);
	char addr[ACCOUNT_MAX + 1];
	const char *err = NULL;

	if (seen[field]) {
		/* given twice: neither is believed */
		c->text[field][0] = '\0';
		c->source[field] = CONTACT_SRC_NONE;
		err = "given more than once";
	} else if (value[0] == '\0') {
		/* an empty field is no contact */
	} else if (field == CONTACT_UNIT) {
		if (!contact_text_valid(value, strlen(value)))
			err = "longer than 320 bytes or a control byte";
		else
			snprintf(c->text[field], sizeof(c->text[field]), "%s", value);
	} else if (contact_address_normalize(value, strlen(value), rules, addr,
					     &err) == 0) {
		snprintf(c->text[field], sizeof(c->text[field]), "%s", addr);
	}
	seen[field] = true;
	if (err != NULL) {
		warn(errmsg_printf(_("doveadm user: %s: %s: %s (ignored)"), name, fname,
				   err));
		(*bad_r)++;
		return;
	}
	if (c->text[field][0] != '\0')
		c->source[field] = CONTACT_SRC_USERDB;
}

/* "  key       : value": the key and value of a field line; 0, or -1. */
static int field_split(char *line, const char **key_r, const char **value_r)
{
	char *colon, *end;

	if (strncmp(line, "  ", 2) != 0)
		return -1;
	line += 2;
	colon = strchr(line, ':');
	if (colon == NULL) {
		/* a field without a value ("  nopassword") */
		*key_r = line;
		*value_r = "";
		return 0;
	}
	end = colon;
	while (end > line && end[-1] == ' ')
		end--;
	*end = '\0';
	*key_r = line;
	*value_r = colon[1] == ' ' ? colon + 2 : colon + 1;
	return 0;
}

int userdb_parse(FILE *f, const char *const *names, size_t count,
		 const struct userdb_fields *fields,
		 const struct account_rules *rules, struct account_contacts *out,
		 errstr_warn_fn *warn, unsigned long *bad_r, const char **error_r)
{
	static const char block[] = "userdb: ", gone[] = "userdb lookup: user ";
	char line[LINE_MAX_BYTES + 1];
	bool seen[CONTACT_FIELDS];
	size_t next = 0, len;
	unsigned long lineno = 0;
	bool in_block = false;
	enum line_result r;

	memset(out, 0, count * sizeof(*out));
	while ((r = lines_read(f, line, &len)) != LINE_EOF) {
		const char *key, *value;

		lineno++;
		if (r != LINE_OK) {
			*error_r = errmsg_printf(_("doveadm user output line %lu: %s"), lineno,
						 r == LINE_NUL ? "NUL byte" : "too long");
			return -1;
		}
		if (line[0] == '\0')
			continue;
		if (strncmp(line, block, sizeof(block) - 1) == 0 ||
		    strncmp(line, gone, sizeof(gone) - 1) == 0) {
			bool found = strncmp(line, block, sizeof(block) - 1) == 0;
			const char *name = found ? line + sizeof(block) - 1 :
				line + sizeof(gone) - 1;
			size_t nlen = next < count ? strlen(names[next]) : 0;

			/* the next name asked, and nothing but it */
			if (next == count || strncmp(name, names[next], nlen) != 0 ||
			    (found ? name[nlen] != '\0' :
			     strcmp(name + nlen, " doesn't exist") != 0)) {
				*error_r = errmsg_printf(_("doveadm user output line %lu: "
							 "not the user asked next"), lineno);
				return -1;
			}
			in_block = found;
			memset(seen, 0, sizeof(seen));
			next++;
			continue;
		}
		if (!in_block || field_split(line, &key, &value) < 0) {
			*error_r = errmsg_printf(_("doveadm user output line %lu: "
						 "unexpected text"), lineno);
			return -1;
		}
		for (int i = 0; i < CONTACT_FIELDS; i++) {
			if (fields->name[i] != NULL && fields->name[i][0] != '\0' &&
			    strcmp(key, fields->name[i]) == 0)
				take_value(&out[next - 1], i, value, names[next - 1],
					   rules, seen, warn, bad_r);
		}
	}
	if (ferror(f)) {
		*error_r = errmsg_printf(_("doveadm user: read error: %s"), strerror(errno));
		return -1;
	}
	if (next != count) {
		*error_r = errmsg_printf(_("doveadm user answered for %zu of %zu users"),
					 next, count);
		return -1;
	}
	return 0;
}

struct batch {
	const char *const *names;
	size_t count;
	const struct userdb_fields *fields;
	const struct account_rules *rules;
	struct account_contacts *out;
	errstr_warn_fn *warn;
	unsigned long *bad_r;
};

static int batch_read(FILE *f, void *_b, const char **error_r)
{
	struct batch *b = _b;

	return userdb_parse(f, b->names, b->count, b->fields, b->rules, b->out,
			    b->warn, b->bad_r, error_r);
}

/* A name doveadm would take for an option or a wildcard mask. */
static bool askable(const char *name)
{
	return name[0] != '-' && strpbrk(name, "*?") == NULL;
}

int userdb_contacts(const char *config, const char *const *names, size_t count,
		    const struct userdb_fields *fields,
		    const struct account_rules *rules,
		    struct account_contacts *contacts, errstr_warn_fn *warn,
		    unsigned long *bad_r, const char **error_r)
{
	/* EX_NOUSER: a user removed between the listing and the lookup */
	static const int ok_exits[] = { 67, 0 };
	const char *args[3 + USERDB_BATCH];
	const char *asked[USERDB_BATCH];
	size_t where[USERDB_BATCH];
	struct account_contacts *got;
	size_t i = 0;
	int ret = 0;

	memset(contacts, 0, count * sizeof(*contacts));
	got = calloc(USERDB_BATCH, sizeof(*got));
	if (got == NULL) {
		*error_r = _("out of memory");
		return -1;
	}
	while (i < count && ret == 0) {
		struct batch b = { asked, 0, fields, rules, got, warn, bad_r };
		size_t n = 0;

		args[n++] = "user";
		args[n++] = "-u";
		for (; i < count && b.count < USERDB_BATCH; i++) {
			if (!askable(names[i]))
				continue;
			where[b.count] = i;
			asked[b.count++] = names[i];
			args[n++] = names[i];
		}
		args[n] = NULL;
		if (b.count == 0)
			break;
		ret = userdb_doveadm(config, args, ok_exits, batch_read, &b, error_r);
		for (size_t j = 0; ret == 0 && j < b.count; j++)
			contacts[where[j]] = got[j];
	}
	free(got);
	return ret;
}

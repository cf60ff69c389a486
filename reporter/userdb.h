/* userdb.h - what dormant asks Dovecot's userdb through doveadm: running
 * doveadm (execve, no shell), and the contacts read from the userdb's
 * extra fields (doc/DESIGN.md §7.6).
 *
 * "doveadm user '*'" lists names only (2.3 and 2.4 alike: a mask with a
 * wildcard iterates, it never looks up fields), and "-f FIELD" prints a
 * bare value per user, which cannot be told apart when a user lacks the
 * field. So the fields come from "doveadm user -u NAME..." (userdb only,
 * no configuration defaults), whose output is one block per name in the
 * order given:
 *     userdb: NAME
 *       field     : value
 * or "userdb lookup: user NAME doesn't exist". The parser checks the
 * blocks against the names asked, in order, and refuses anything else:
 * the userdb's values are not trusted (a value holding a line break
 * could otherwise pose as another field or user). */
#ifndef DORMANT_USERDB_H
#define DORMANT_USERDB_H

#include <stdio.h>
#include "account.h"
#include "errstr.h"
#include "record.h"

#define DOVEADM_PATH "/usr/bin/doveadm"

/* Names per doveadm user -u run. */
#define USERDB_BATCH 200

/* Run "doveadm [-c config] ARGS..." (args NULL-terminated) and hand its
   stdout to read(f, ctx); doveadm's stderr stays ours. 0 when read
   returned 0 and doveadm exited 0 or with one of ok_exits (0-terminated,
   may be NULL); else -1 with *error_r (read's own -1 keeps its message). */
typedef int userdb_read_fn(FILE *f, void *ctx, const char **error_r);
int userdb_doveadm(const char *config, const char *const *args,
		   const int *ok_exits, userdb_read_fn *read, void *ctx,
		   const char **error_r);

/* Which userdb field feeds each contact (NULL or "": not read). */
struct userdb_fields {
	const char *name[CONTACT_FIELDS];
};

/* Parse one "doveadm user -u" output from f for names[0..count), filling
   out[i] (zeroed first) with the configured fields. A value that is not
   valid (an address that is not plain, a unit with a control byte, a
   field given twice) is left out and reported through warn, counted in
   *bad_r. 0, or -1 with *error_r when the output is not the blocks asked
   for. */
int userdb_parse(FILE *f, const char *const *names, size_t count,
		 const struct userdb_fields *fields,
		 const struct account_rules *rules, struct account_contacts *out,
		 errstr_warn_fn *warn, unsigned long *bad_r, const char **error_r);

/* Look names[0..count) up in batches and fill contacts[i]. A name doveadm
   could take for an option or a wildcard ('-' first, '*', '?') is not
   asked (no userdb contacts). 0, or -1 with *error_r. */
int userdb_contacts(const char *config, const char *const *names, size_t count,
		    const struct userdb_fields *fields,
		    const struct account_rules *rules,
		    struct account_contacts *contacts, errstr_warn_fn *warn,
		    unsigned long *bad_r, const char **error_r);

#endif

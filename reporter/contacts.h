/* contacts.h - who hears of an account besides its owner: the address
 * rule every recipient of a notice must pass, and contacts_file, the
 * admin's mapping (CSV: account,unit,manager,alternate) that wins over
 * the userdb's fields (doc/DESIGN.md §7.6).
 *
 * The file is root's, and still read as untrusted input: every line and
 * field is bounded, and a bad line is an error naming it, after which
 * nothing of the file is used. */
#ifndef DORMANT_CONTACTS_H
#define DORMANT_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "account.h"
#include "config.h"
#include "record.h"

/* A plain mail address: local@domain of letters, digits and the
   RFC 5322 atom characters, a domain of letters, digits, '.' and '-',
   not starting with '-' (it could read as an option). Nothing that could
   add a recipient or a header: no space, comma, quote, bracket, CR or LF. */
bool contact_address_plain(const char *s);

/* Normalise an address (account_normalize with rules, so "Boss@Example.ORG"
   and the account boss@example.org meet) and check it is plain, into out.
   0, or -1 with *error_r. */
int contact_address_normalize(const char *in, size_t len,
			      const struct account_rules *rules,
			      char out[ACCOUNT_MAX + 1], const char **error_r);

struct contacts_entry {
	char *account;
	unsigned long line;              /* in the file, for messages */
	char *text[CONTACT_FIELDS];      /* "" when the file leaves it empty */
};

struct contacts_map {
	struct contacts_entry *entries;  /* sorted by account once read */
	size_t count, alloc;
};

/* Most accounts a contacts file may list. */
#define CONTACTS_MAX_ENTRIES 4000000

/* Read a contacts file from f (name for messages): UTF-8 CSV, one
   "account,unit,manager,alternate" a line, RFC 4180 quoting (a quoted
   field may not hold a line break), an optional BOM and header line,
   blank and '#' lines ignored, CRLF or LF. Accounts are normalised with
   rules; manager and alternate must be plain addresses (or empty); no
   account twice. 0 with *map_r filled, or -1 with "name:line: message"
   in *error_r and *map_r untouched (nothing of the file is kept). */
int contacts_file_read(FILE *f, const char *name,
		       const struct account_rules *rules,
		       struct contacts_map *map_r, const char **error_r);

/* The entry of a normalised account, or NULL. */
const struct contacts_entry *contacts_lookup(const struct contacts_map *map,
					     const char *account);

/* Lay the file's entry (if any) over c: each non-empty field of the file
   replaces c's, with source CONTACT_SRC_FILE. */
void contacts_apply(const struct contacts_map *map, const char *account,
		    struct account_contacts *c);

void contacts_map_free(struct contacts_map *map);

/* Who gets an account's notice (doc/DESIGN.md §7.5): the owner (already
   found plain), then manager and alternate when they are plain
   addresses, not one already listed, and in local_domains unless
   notify_external. The pointers are the arguments'. */
struct notice_rcpt {
	const char *to[3];
	size_t nto;
	const char *skipped[2], *why[2];   /* left out, and why */
	size_t nskipped;
};
void contacts_recipients(const char *owner, const char *manager,
			 const char *alternate, const struct dormant_config *cfg,
			 struct notice_rcpt *r);

#endif

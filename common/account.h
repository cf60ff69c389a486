/* account.h - the one account-name normaliser used by every part.
 *
 * The plugin (Dovecot's login name), the milter ({auth_authen} or an
 * envelope sender), the CLI and the importers all reduce a name to the
 * same key with these rules (doc/DESIGN.md §4):
 *   trim white space; refuse empty, control bytes, NUL, inner white
 *   space, more than one '@', an empty local part or domain, over-long
 *   names; envelope addresses lose their <> and refuse stray brackets;
 *   lowercase the domain; lowercase the local part unless told not to;
 *   append default_domain to a bare name when one is set;
 *   for envelope senders only, strip "+detail" (configurable delimiters). */
#ifndef DORMANT_ACCOUNT_H
#define DORMANT_ACCOUNT_H

#include <stddef.h>
#include <stdbool.h>

/* Longest normalised name, in bytes (RFC 5321 path limit is 256; 320 is
   64 local + @ + 255 domain). Well under LMDB's 511-byte key limit. */
#define ACCOUNT_MAX 320

struct account_rules {
	const char *default_domain;   /* NULL or "": leave bare names bare */
	bool keep_local_case;         /* true: do not lowercase the local part */
	const char *delimiters;       /* for ACCOUNT_ENVELOPE: e.g. "+"; NULL none */
};

enum account_kind {
	ACCOUNT_LOGIN,                /* a login / SASL name */
	ACCOUNT_ENVELOPE,             /* an envelope address: <>, +detail */
};

/* Normalise in[0..len) into out (ACCOUNT_MAX + 1 bytes, NUL terminated).
   Returns the length, or -1 with a static *error_r for a name that cannot
   be an account. out is written only on success. */
int account_normalize(const char *in, size_t len, enum account_kind kind,
		      const struct account_rules *rules,
		      char out[ACCOUNT_MAX + 1], const char **error_r);

/* Pointer to the domain part of a normalised name (after '@'), or NULL. */
const char *account_domain(const char *account);

#endif

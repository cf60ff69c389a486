/* account.c - account-name normalisation (see account.h for the rules). */
#include "account.h"

#include <string.h>

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int account_normalize(const char *in, size_t len, enum account_kind kind,
		      const struct account_rules *rules,
		      char out[ACCOUNT_MAX + 1], const char **error_r)
{
	char buf[ACCOUNT_MAX + 1];
	const char *at, *delim;
	size_t local_len, domain_len, dlen, i, n;

	while (len > 0 && is_space((unsigned char)in[0])) {
		in++;
		len--;
	}
	while (len > 0 && is_space((unsigned char)in[len - 1]))
		len--;
	if (kind == ACCOUNT_ENVELOPE && len >= 2 && in[0] == '<' &&
	    in[len - 1] == '>') {
		in++;
		len -= 2;
	}
	if (len == 0) {
		*error_r = "empty account name";
		return -1;
	}
	if (len > ACCOUNT_MAX) {
		*error_r = "account name too long";
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f) {
			*error_r = "account name contains control characters";
			return -1;
		}
		if (is_space(c)) {
			*error_r = "account name contains white space";
			return -1;
		}
		/* in an envelope address brackets are syntax, never part of it;
		   a login name may hold them (a passwd-file user can) */
		if (kind == ACCOUNT_ENVELOPE && (c == '<' || c == '>')) {
			*error_r = "envelope address contains stray brackets";
			return -1;
		}
	}
	at = memchr(in, '@', len);
	if (at != NULL && memchr(at + 1, '@', len - (size_t)(at - in) - 1) != NULL) {
		*error_r = "account name has more than one '@'";
		return -1;
	}
	local_len = at != NULL ? (size_t)(at - in) : len;
	domain_len = at != NULL ? len - local_len - 1 : 0;
	if (local_len == 0) {
		*error_r = "account name has an empty local part";
		return -1;
	}
	if (at != NULL && domain_len == 0) {
		*error_r = "account name has an empty domain";
		return -1;
	}
	/* +detail only ever comes on envelope addresses: a login name with a
	   '+' is the name itself. */
	if (kind == ACCOUNT_ENVELOPE && rules->delimiters != NULL &&
	    rules->delimiters[0] != '\0') {
		for (i = 0; i < local_len; i++) {
			if (strchr(rules->delimiters, in[i]) != NULL)
				break;
		}
		if (i == 0) {
			*error_r = "account name starts with the recipient delimiter";
			return -1;
		}
		local_len = i;
	}

	n = 0;
	for (i = 0; i < local_len; i++)
		buf[n++] = rules->keep_local_case ? in[i] : lower(in[i]);
	if (at != NULL) {
		buf[n++] = '@';
		for (i = 0; i < domain_len; i++)
			buf[n++] = lower(at[1 + i]);
	} else if (rules->default_domain != NULL && rules->default_domain[0] != '\0') {
		delim = rules->default_domain;
		dlen = strlen(delim);
		if (n + 1 + dlen > ACCOUNT_MAX) {
			*error_r = "account name too long with the default domain";
			return -1;
		}
		buf[n++] = '@';
		for (i = 0; i < dlen; i++)
			buf[n++] = lower(delim[i]);
	}
	buf[n] = '\0';
	memcpy(out, buf, n + 1);
	return (int)n;
}

const char *account_domain(const char *account)
{
	const char *at = strrchr(account, '@');
	return at != NULL ? at + 1 : NULL;
}

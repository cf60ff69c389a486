/* imapid.c - the client name from a retained IMAP ID list (imapid.h). */
#include "imapid.h"

#include <string.h>
#include <strings.h>

/* Longest key compared: "name" needs 4; longer keys are skipped. */
#define IMAPID_KEY_MAX 32

/* Read one token at *pp: a quoted string (its text, cut, into out) or
   NIL (*nil_r). Returns false at the end or on anything else (a literal:
   Dovecot writes one only for text no name needs). */
static bool take_token(const char **pp, char *out, size_t out_size, bool *nil_r)
{
	const char *p = *pp;
	size_t o = 0;

	while (*p == ' ')
		p++;
	*nil_r = false;
	if (strncasecmp(p, "NIL", 3) == 0 && (p[3] == ' ' || p[3] == '\0')) {
		*nil_r = true;
		out[0] = '\0';
		*pp = p + 3;
		return true;
	}
	if (*p != '"')
		return false;
	for (p++; *p != '"'; p++) {
		if (*p == '\0')
			return false;
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if (o + 1 < out_size)
			out[o++] = *p;
	}
	out[o] = '\0';
	*pp = p + 1;
	return true;
}

bool imapid_name(const char *list, char *out, size_t out_size)
{
	char key[IMAPID_KEY_MAX + 1];
	const char *p = list;
	bool nil;

	if (out_size == 0)
		return false;
	out[0] = '\0';
	if (p == NULL)
		return false;
	while (take_token(&p, key, sizeof(key), &nil)) {
		if (nil || !take_token(&p, out, out_size, &nil))
			break;
		if (strcasecmp(key, "name") == 0)
			return out[0] != '\0';
		out[0] = '\0';
	}
	out[0] = '\0';
	return false;
}

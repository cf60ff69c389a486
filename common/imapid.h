/* imapid.h - the client's name from an IMAP ID parameter list as Dovecot
 * keeps it (imap_id_retain = yes; %{client_id} in auth, handed to the mail
 * process as a userdb field): "key" "value" pairs, IMAP quoted strings or
 * NIL, separated by spaces. The text comes from the client: bounded,
 * never trusted further than a name to show. */
#ifndef DORMANT_IMAPID_H
#define DORMANT_IMAPID_H

#include <stdbool.h>
#include <stddef.h>

/* The value of the "name" key (any case) of list into out (NUL
   terminated, cut at out_size - 1 bytes). False, with out "", when there
   is none, it is NIL or empty, or the list does not parse up to it. */
bool imapid_name(const char *list, char *out, size_t out_size);

#endif

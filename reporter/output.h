/* output.h - safe writing of untrusted text in each output format.
 * Account names come from the network and from files: every format
 * escapes whatever bytes they hold. */
#ifndef DORMANT_OUTPUT_H
#define DORMANT_OUTPUT_H

#include <stdio.h>
#include <stddef.h>
#include <stdbool.h>

/* One RFC 4180 field (no separator). Quotes when needed; a field starting
   with = + - @ TAB or CR is prefixed with ' so no spreadsheet runs it.
   s is NUL terminated and len long. */
void csv_field(FILE *out, const char *s, size_t len);
/* A JSON string with quotes. Invalid UTF-8 bytes become U+FFFD. */
void json_string(FILE *out, const char *s, size_t len);
/* Text for a terminal: printable ASCII and valid UTF-8 as they are, but
   C1 controls, bidi controls and invisible format characters as \uXXXX
   (\UXXXXXXXX above U+FFFF); control bytes, the backslash and invalid
   UTF-8 as \xNN. Every escape starts with a backslash, so distinct
   strings print distinctly. */
void text_safe(FILE *out, const char *s, size_t len);
/* The width a text table pads s to (text_safe() writing it): a printed
   UTF-8 character counts one (a unit's or a person's name lines up),
   every other byte one, escaped or not (as the columns always did). */
size_t text_safe_width(const char *s, size_t len);
/* HTML text content / attribute value: & < > " ' escaped, invalid UTF-8
   as U+FFFD. */
void html_escape(FILE *out, const char *s, size_t len);
/* The characters (terminal columns, for Latin scripts such as Vietnamese)
   of the UTF-8 text s: for padding translated titles and labels. */
size_t text_width(const char *s);
/* s (the program's own words: not escaped) padded with blanks to width
   characters, as printf's "%*s" pads bytes: > 0 right-aligned, < 0 left. */
void text_column(FILE *out, const char *s, int width);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t utf8_seq_len(const unsigned char *s, size_t left);

#endif

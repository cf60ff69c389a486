/* output.c - escaping for CSV, JSON, terminal text and HTML. */
#include "output.h"

#include <string.h>

void csv_field(FILE *out, const char *s, size_t len)
{
	bool quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
	bool defuse = len > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' ||
				  s[0] == '@' || s[0] == '\t' || s[0] == '\r');

	/* s is NUL terminated too (strpbrk's vector scan beats a byte loop);
	   no locking: a report writes millions of fields */
	quote = quote || strpbrk(s, ",\"\r\n") != NULL;
	if (!quote && !defuse) {
		fwrite_unlocked(s, 1, len, out);
		return;
	}
	putc_unlocked('"', out);
	if (defuse)
		putc_unlocked('\'', out);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			putc_unlocked('"', out);
		putc_unlocked(s[i], out);
	}
	putc_unlocked('"', out);
}

/* Decode the valid UTF-8 sequence at s: its length (1..4) and *cp_r, or 0
   if it is invalid. */
static size_t utf8_decode(const unsigned char *s, size_t left, unsigned int *cp_r)
{
	size_t n;
	unsigned int cp;

	if (s[0] < 0x80) {
		*cp_r = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned int cp;

	return utf8_decode(s, left, &cp);
}

/* Code points a terminal does not show as themselves: C1 controls; line
   and paragraph separators; bidi embeddings, overrides, isolates and marks
   (they reorder what follows: "evil\u202egro.elpmaxe@" reads as another
   name); and Unicode's default-ignorable characters, invisible joiners,
   fillers, variation selectors and tags, which make two names look the
   same. */
static const struct { unsigned int lo, hi; } text_hidden[] = {
	{ 0x0080, 0x009f }, { 0x00ad, 0x00ad }, { 0x034f, 0x034f },
	{ 0x061c, 0x061c }, { 0x115f, 0x1160 }, { 0x17b4, 0x17b5 },
	{ 0x180b, 0x180f }, { 0x200b, 0x200f }, { 0x2028, 0x202e },
	{ 0x2060, 0x206f }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f },
	{ 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 }, { 0xfff0, 0xfffb },
	{ 0xfffe, 0xffff }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
	{ 0xe0000, 0xe0fff },
};

static bool text_is_hidden(unsigned int cp)
{
	for (size_t i = 0; i < sizeof(text_hidden) / sizeof(text_hidden[0]); i++) {
		if (cp >= text_hidden[i].lo && cp <= text_hidden[i].hi)
			return true;
	}
	return false;
}

void json_string(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', out);
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, out);
			i++;
		} else if ((n = utf8_seq_len(s + i, len - i)) > 0) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

void text_safe(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned int cp;
	size_t i = 0, n;

	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			fputc(s[i++], out);
		} else if (s[i] < 0x80 || (n = utf8_decode(s + i, len - i, &cp)) == 0) {
			/* controls, the backslash itself, invalid UTF-8 */
			fprintf(out, "\\x%02x", s[i++]);
		} else if (text_is_hidden(cp)) {
			fprintf(out, cp <= 0xffff ? "\\u%04x" : "\\U%08x", cp);
			i += n;
		} else {
			fwrite(s + i, 1, n, out);
			i += n;
		}
	}
}

size_t text_safe_width(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, width = 0;
	unsigned int cp;

	for (; i < len; i += n, width++) {
		n = s[i] < 0x80 ? 0 : utf8_decode(s + i, len - i, &cp);
		if (n == 0 || text_is_hidden(cp))
			n = 1;
	}
	return width;
}

void html_escape(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		switch (s[i]) {
		case '&': fputs("&amp;", out); i++; continue;
		case '<': fputs("&lt;", out); i++; continue;
		case '>': fputs("&gt;", out); i++; continue;
		case '"': fputs("&quot;", out); i++; continue;
		case '\'': fputs("&#39;", out); i++; continue;
		default: break;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			fputs("&#xfffd;", out);
			i++;
		} else if (s[i] < 0x80) {
			fputc(s[i++], out);
		} else if ((n = utf8_seq_len(s + i, len - i)) > 0) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else {
			fputs("&#xfffd;", out);
			i++;
		}
	}
}

size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void text_column(FILE *out, const char *s, int width)
{
	long pad = (long)(width < 0 ? -width : width) - (long)text_width(s);

	if (width > 0)
		for (long i = 0; i < pad; i++)
			fputc(' ', out);
	fputs(s, out);
	if (width < 0)
		for (long i = 0; i < pad; i++)
			fputc(' ', out);
}

/* output.c - escaping for CSV, JSON, terminal text and HTML. */
#include "output.h"

#include <string.h>

int output_format_parse(const char *name, unsigned int allowed)
{
	static const char *const names[] = { "text", "csv", "json", "html" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(name, names[i]) == 0 && (allowed & (1u << i)))
			return i;
	}
	return -1;
}

void csv_field(FILE *out, const char *s)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL ||
		(s[0] != '\0' && (s[0] == ' ' || s[strlen(s) - 1] == ' '));
	bool defuse = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
		s[0] == '\t' || s[0] == '\r';

	if (!quote && !defuse) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (defuse)
		fputc('\'', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
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
	return n;
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
	size_t i = 0, n;

	while (i < len) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			fputc(s[i++], out);
		} else if (s[i] >= 0x80 && (n = utf8_seq_len(s + i, len - i)) > 0) {
			fwrite(s + i, 1, n, out);
			i += n;
		} else {
			fprintf(out, "\\x%02x", s[i++]);
		}
	}
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

/* table.h - rows of named columns written in the format an admin asked
 * for, after doveadm's print formatters: a command declares its columns
 * once, picks a format by its name and hands over rows of values; the
 * format (a table of functions: header, value, end of row, end) decides
 * the layout and the escaping. Commands never switch on a format.
 *
 * The CSV, JSON and text layouts are a contract (the file contracts in
 * doc/DESIGN.md): admins' scripts parse them. */
#ifndef DORMANT_TABLE_H
#define DORMANT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum table_type {
	TABLE_TEXT,      /* anyone's bytes (an account, a reason): escaped */
	TABLE_PLAIN,     /* the program's own words, stamps, addresses */
	TABLE_NUMBER,    /* a count or days; negative: unknown */
	TABLE_BOOL,
	TABLE_JSON,      /* a JSON text the program wrote (an audit entry) */
	/* a change against a previous count: num signed; yes false when
	   there is nothing to compare with (text: "+3", CSV: "3") */
	TABLE_CHANGE,
};

enum table_flags {
	TABLE_NULL_EMPTY = 1 << 0,   /* JSON: "" is null */
	TABLE_NO_TEXT = 1 << 1,      /* left out of the text format */
	TABLE_TEXT_ONLY = 1 << 2,    /* only in the text format */
	/* left out of CSV, whose columns scripts read by position: a member
	   added to JSON without changing the CSV contract */
	TABLE_NO_CSV = 1 << 3,
	TABLE_SIGNED = 1 << 4,       /* NUMBER: a negative one is a number
					(days left), not unknown */
	/* only in CSV: a column that tells rows of one flat table apart
	   where JSON and text show them apart anyway (a totals row) */
	TABLE_CSV_ONLY = 1 << 5,
};

struct table_column {
	const char *name;            /* CSV header, JSON member */
	enum table_type type;
	unsigned int flags;          /* enum table_flags */
	/* the text format */
	const char *title;           /* header line (NULL in the first
					column: no header line) */
	const char *sep;             /* before the value (NULL: none) */
	int width;                   /* padded to: > 0 right-aligned, < 0 left */
	const char *unit;            /* after a known number ("d") */
	const char *none;            /* for "" or an unknown number ("-") */
	const char *yes, *no;        /* a bool */
	/* a PLAIN value as the text format shows it to people (a status's
	   label, a date as they write it; lang.h), into buf; NULL: as it is.
	   CSV and JSON always get the value itself. */
	const char *(*text)(const char *value, char *buf, size_t size);
};

/* room for what a column's text() writes */
#define TABLE_TEXT_MAX 64

struct table_value {
	const char *str;             /* TEXT, PLAIN, JSON: never NULL */
	size_t len;                  /* TEXT, JSON: its length */
	int64_t num;                 /* NUMBER */
	bool yes;                    /* BOOL */
};

struct table;

struct table_format {
	const char *name;            /* as --format takes it */
	unsigned int hide;           /* the columns it leaves out (table_flags) */
	void (*begin)(struct table *t);          /* the header */
	void (*row_begin)(struct table *t);      /* NULL: nothing */
	void (*value)(struct table *t, const struct table_column *col,
		      const struct table_value *v, bool first);
	void (*row_end)(struct table *t);
	void (*end)(struct table *t);
};

extern const struct table_format table_text;
extern const struct table_format table_csv;
/* An array of objects, "[", one a line, "]". */
extern const struct table_format table_json;
/* One JSON value a row and a line (a TABLE_JSON column as it is). */
extern const struct table_format table_json_lines;

struct table {
	const struct table_format *format;
	const struct table_column *columns;
	size_t ncolumns;
	FILE *out;
	unsigned long rows;
	bool embedded;               /* inside a larger JSON document: no
					newline after the array */
};

/* The format of that name among formats (NULL-terminated), or NULL. */
const struct table_format *
table_format_find(const struct table_format *const *formats, const char *name);

void table_init(struct table *t, const struct table_format *format,
		const struct table_column *columns, size_t ncolumns, FILE *out);
void table_begin(struct table *t);
/* values[i] for columns[i]. */
void table_row(struct table *t, const struct table_value *values);
void table_end(struct table *t);

/* The members of a JSON object for these columns and values (no braces):
   for a caller that adds members of its own. */
void table_json_members(FILE *out, const struct table_column *columns,
			size_t ncolumns, const struct table_value *values);

/* A value for a C string (TEXT, PLAIN, JSON). */
static inline struct table_value table_str(const char *s)
{
	return (struct table_value){ .str = s, .len = strlen(s) };
}

#endif

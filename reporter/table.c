/* table.c - the formats of table.h: text, CSV, JSON, JSON lines. Every
 * value anyone else could have chosen goes through output.c's escaping. */
#include "table.h"
#include "i18n.h"
#include "output.h"

/* Decimal digits of v, written backwards into num[24]; no printf (the
   reports write millions of rows). */
static const char *fmt_uint(char num[24], uint64_t v)
{
	char *p = num + 23;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

/* v in decimal, with a '-' when negative (TABLE_SIGNED). */
static const char *number_text(char num[24], int64_t v)
{
	char *p;

	if (v >= 0)
		return fmt_uint(num, (uint64_t)v);
	p = (char *)fmt_uint(num, (uint64_t)0 - (uint64_t)v);
	*--p = '-';
	return p;
}

static bool column_shown(const struct table *t, const struct table_column *col)
{
	return (col->flags & t->format->hide) == 0;
}

const struct table_format *
table_format_find(const struct table_format *const *formats, const char *name)
{
	for (; *formats != NULL; formats++) {
		if (strcmp((*formats)->name, name) == 0)
			return *formats;
	}
	return NULL;
}

void table_init(struct table *t, const struct table_format *format,
		const struct table_column *columns, size_t ncolumns, FILE *out)
{
	memset(t, 0, sizeof(*t));
	t->format = format;
	t->columns = columns;
	t->ncolumns = ncolumns;
	t->out = out;
}

void table_begin(struct table *t)
{
	t->rows = 0;
	t->format->begin(t);
}

void table_row(struct table *t, const struct table_value *values)
{
	bool first = true;

	if (t->format->row_begin != NULL)
		t->format->row_begin(t);
	for (size_t i = 0; i < t->ncolumns; i++) {
		if (!column_shown(t, &t->columns[i]))
			continue;
		t->format->value(t, &t->columns[i], &values[i], first);
		first = false;
	}
	t->format->row_end(t);
	t->rows++;
}

void table_end(struct table *t)
{
	t->format->end(t);
}

static void nothing(struct table *t)
{
	(void)t;
}

/* ---- text: aligned columns for a terminal ---- */

static void text_pad(FILE *out, long n)
{
	for (; n > 0; n--)
		fputc_unlocked(' ', out);
}

static void text_begin(struct table *t)
{
	if (t->ncolumns == 0 || t->columns[0].title == NULL)
		return;
	for (size_t i = 0; i < t->ncolumns; i++) {
		const struct table_column *col = &t->columns[i];

		/* a column without a title (alerts' flags) ends the line */
		if (!column_shown(t, col) || col->title == NULL)
			continue;
		if (col->sep != NULL)
			fputs(col->sep, t->out);
		/* translated (the catalogue's words), padded by characters */
		text_column(t->out, _(col->title), col->width);
	}
	fputc('\n', t->out);
}

/* s padded to width as printf's "%*s" would, without printf (the text
   format writes millions of fields) */
static void text_padded(FILE *out, const char *s, size_t len, int width)
{
	long pad = (long)(width < 0 ? -width : width) - (long)len;

	if (width > 0)
		text_pad(out, pad);
	fwrite_unlocked(s, 1, len, out);
	if (width < 0)
		text_pad(out, pad);
}

static void text_value(struct table *t, const struct table_column *col,
		       const struct table_value *v, bool first)
{
	const char *none = col->none != NULL ? col->none : "";
	const char *unit = col->unit != NULL ? col->unit : "";
	int width = col->width;
	char num[24], text[TABLE_TEXT_MAX];
	const char *p;
	long pad;

	(void)first;
	if (col->sep != NULL)
		fputs_unlocked(col->sep, t->out);
	switch (col->type) {
	case TABLE_TEXT:
	case TABLE_JSON:
		if (v->len == 0) {
			/* by characters: a translated word may be UTF-8 */
			text_padded(t->out, none, strlen(none), width + (width < 0 ? -1 : 1) *
				    (int)(strlen(none) - text_width(none)));
			break;
		}
		/* padded by the columns written (text_safe counts a UTF-8
		   character, a Vietnamese unit's, as one, an escape as its
		   length); right-aligned, by the bytes, known beforehand */
		if (width > 0)
			text_pad(t->out, (long)width - (long)v->len);
		pad = (long)text_safe(t->out, v->str, v->len);
		if (width < 0)
			text_pad(t->out, (long)-width - pad);
		break;
	case TABLE_PLAIN:
		p = v->str[0] != '\0' ? v->str : none;
		if (col->text != NULL && v->str[0] != '\0')
			p = col->text(v->str, text, sizeof(text));
		/* padded by characters: a translated word may be UTF-8 */
		text_padded(t->out, p, strlen(p), width + (width < 0 ? -1 : 1) *
			    (int)(strlen(p) - text_width(p)));
		break;
	case TABLE_NUMBER:
		if (v->num < 0 && !(col->flags & TABLE_SIGNED)) {
			text_padded(t->out, none, strlen(none), width);
			break;
		}
		p = number_text(num, v->num);
		text_padded(t->out, p, strlen(p), width > 0 ?
			    width - (int)strlen(unit) : width);
		fputs_unlocked(unit, t->out);
		break;
	case TABLE_BOOL:
		/* words people read: the catalogue's (N_ where declared) */
		fputs_unlocked(_(v->yes ? col->yes : col->no), t->out);
		break;
	case TABLE_CHANGE:
		if (!v->yes)
			snprintf(num, sizeof(num), "%s", none);
		else
			snprintf(num, sizeof(num), "%+lld", (long long)v->num);
		text_padded(t->out, num, strlen(num), width);
		break;
	}
}

static void newline(struct table *t)
{
	fputc_unlocked('\n', t->out);
}

const struct table_format table_text = {
	"text", TABLE_NO_TEXT | TABLE_CSV_ONLY, text_begin, NULL, text_value, newline, nothing,
};

/* ---- CSV (RFC 4180): a header line, CRLF ---- */

static void csv_begin(struct table *t)
{
	bool first = true;

	for (size_t i = 0; i < t->ncolumns; i++) {
		if (!column_shown(t, &t->columns[i]))
			continue;
		if (!first)
			fputc(',', t->out);
		fputs(t->columns[i].name, t->out);
		first = false;
	}
	fputs("\r\n", t->out);
}

static void csv_value(struct table *t, const struct table_column *col,
		      const struct table_value *v, bool first)
{
	char num[24];

	if (!first)
		fputc_unlocked(',', t->out);
	switch (col->type) {
	case TABLE_TEXT:
	case TABLE_JSON:
		csv_field(t->out, v->str, v->len);
		break;
	case TABLE_PLAIN:
		fputs_unlocked(v->str, t->out);
		break;
	case TABLE_NUMBER:
		if (v->num >= 0 || (col->flags & TABLE_SIGNED))
			fputs_unlocked(number_text(num, v->num), t->out);
		break;
	case TABLE_BOOL:
		fputs_unlocked(v->yes ? "yes" : "no", t->out);
		break;
	case TABLE_CHANGE:
		if (v->yes)
			fprintf(t->out, "%lld", (long long)v->num);
		break;
	}
}

static void csv_row_end(struct table *t)
{
	fputs_unlocked("\r\n", t->out);
}

const struct table_format table_csv = {
	"csv", TABLE_TEXT_ONLY | TABLE_NO_CSV, csv_begin, NULL, csv_value, csv_row_end, nothing,
};

/* ---- JSON ---- */

static void json_value_only(FILE *out, const struct table_column *col,
			    const struct table_value *v)
{
	switch (col->type) {
	case TABLE_TEXT:
		if ((col->flags & TABLE_NULL_EMPTY) && v->len == 0)
			fputs("null", out);
		else
			json_string(out, v->str, v->len);
		break;
	case TABLE_PLAIN:
		/* the program's words need no escaping */
		if ((col->flags & TABLE_NULL_EMPTY) && v->str[0] == '\0')
			fputs("null", out);
		else
			fprintf(out, "\"%s\"", v->str);
		break;
	case TABLE_NUMBER:
		if (v->num < 0 && !(col->flags & TABLE_SIGNED))
			fputs("null", out);
		else
			fprintf(out, "%lld", (long long)v->num);
		break;
	case TABLE_BOOL:
		fputs(v->yes ? "true" : "false", out);
		break;
	case TABLE_JSON:
		fwrite(v->str, 1, v->len, out);
		break;
	case TABLE_CHANGE:
		if (v->yes)
			fprintf(out, "%lld", (long long)v->num);
		else
			fputs("null", out);
		break;
	}
}

static void json_member(FILE *out, const struct table_column *col,
			const struct table_value *v, bool first)
{
	fprintf(out, "%s\"%s\":", first ? "" : ",", col->name);
	json_value_only(out, col, v);
}

void table_json_members(FILE *out, const struct table_column *columns,
			size_t ncolumns, const struct table_value *values)
{
	bool first = true;

	for (size_t i = 0; i < ncolumns; i++) {
		if (columns[i].flags & (TABLE_TEXT_ONLY | TABLE_CSV_ONLY))
			continue;
		json_member(out, &columns[i], &values[i], first);
		first = false;
	}
}

static void json_begin(struct table *t)
{
	fputc('[', t->out);
}

static void json_row_begin(struct table *t)
{
	fputs(t->rows == 0 ? "\n{" : ",\n{", t->out);
}

static void json_value(struct table *t, const struct table_column *col,
		       const struct table_value *v, bool first)
{
	json_member(t->out, col, v, first);
}

static void json_row_end(struct table *t)
{
	fputc('}', t->out);
}

static void json_end(struct table *t)
{
	fputs(t->rows == 0 ? "]" : "\n]", t->out);
	if (!t->embedded)
		fputc('\n', t->out);
}

const struct table_format table_json = {
	"json", TABLE_TEXT_ONLY | TABLE_CSV_ONLY, json_begin, json_row_begin, json_value, json_row_end,
	json_end,
};

static void json_lines_value(struct table *t, const struct table_column *col,
			     const struct table_value *v, bool first)
{
	if (!first)
		fputc(' ', t->out);
	json_value_only(t->out, col, v);
}

const struct table_format table_json_lines = {
	"json", TABLE_TEXT_ONLY | TABLE_CSV_ONLY, nothing, NULL, json_lines_value, newline, nothing,
};

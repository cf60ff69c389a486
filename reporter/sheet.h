/* sheet.h - a unit's review sheet (doc/DESIGN.md §7.7): written as CSV
 * (UTF-8 with BOM, CRLF, RFC 4180, formula-safe: a spreadsheet opens it
 * and saves it back) and as a self-contained HTML page to read and print;
 * and read back from what a reviewer returns, as hostile input.
 *
 * CSV columns, in order: campaign,unit,sheet_key,account,status,
 * last_login,last_send,idle_days,decision,reason,reviewer. The first
 * three are the same in every row and tie the sheet to one unit of one
 * campaign; the reviewer fills in decision (keep, revoke, or empty),
 * reason (required for keep) and reviewer (a name). */
#ifndef DORMANT_SHEET_H
#define DORMANT_SHEET_H

#include <stdio.h>
#include <stddef.h>
#include "review.h"

#define SHEET_COLUMNS "campaign,unit,sheet_key,account,status,last_login," \
	"last_send,idle_days,decision,reason,reviewer"
#define SHEET_NCOLUMNS 11

/* What a sheet says about itself. */
struct sheet_info {
	const char *id;
	const char *unit;
	const char *key_hex;         /* 32 hex digits */
	const char *reviewer;        /* the unit's reviewer address, "" none */
	int64_t due;
};

/* Write the sheet of accts[0..count) (in that order; decisions already
   taken are filled in). */
void sheet_write_csv(FILE *out, const struct sheet_info *info,
		     const struct review_acct *accts, size_t count);
void sheet_write_html(FILE *out, const struct sheet_info *info,
		      const struct review_acct *accts, size_t count);

struct sheet_row {
	char *account;
	enum review_decision decision;
	char *reason;
	char *reviewer;
	unsigned long line;
};

struct sheet {
	char id[REVIEW_ID_MAX + 1];
	char unit[CONTACT_TEXT_MAX + 1];
	char key_hex[33];
	struct sheet_row *rows;
	size_t count, alloc;
};

/* Read a returned sheet from f (name for messages): a UTF-8 BOM, CRLF or
   LF, ',' or ';' as separator (told by the header line, which must be
   the columns above), every byte valid UTF-8, every cell within its
   bounds and free of control bytes, one campaign, unit and key in every
   row, a known decision, a reason for every keep, no account twice, a
   leading "'" before = + - @ taken off (the formula guard dormant
   wrote). 0 with *sheet_r filled, or -1 with "name:line: message" and
   *sheet_r empty. Nothing here knows the database: review import checks
   campaign, unit, key and accounts against it. */
int sheet_parse(FILE *f, const char *name, struct sheet *sheet_r,
		const char **error_r);
void sheet_free(struct sheet *sheet);

#endif

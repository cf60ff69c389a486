/* cmd-review.h - what the files of "dormant review" share (cmd-review*.c,
 * review-mail.c); nothing else includes it. */
#ifndef DORMANT_CMD_REVIEW_H
#define DORMANT_CMD_REVIEW_H

#include "cli.h"
#include "review.h"
#include "sheet.h"

/* review start / import / status / remind / close / report: each returns an exit
   code (doc/DESIGN.md §8.1). argv[0] is the subcommand. */
int review_start(struct cli *cli, int argc, char **argv);
int review_import(struct cli *cli, int argc, char **argv);
int review_status(struct cli *cli, int argc, char **argv);
int review_remind(struct cli *cli, int argc, char **argv);
int review_close(struct cli *cli, int argc, char **argv);
int review_report(struct cli *cli, int argc, char **argv);

/* The open campaign (printing why not and returning -1 when there is
   none or the latest is closed). */
int review_open_campaign(struct store *store, char id[REVIEW_ID_MAX + 1],
			 struct review_campaign *c_r);

/* Open the store (read-only unless for --apply), the open campaign and
   its units; NULL after printing why, with the exit code in *exit_r. */
struct store *review_open_units(struct cli *cli, bool readonly,
				char id[REVIEW_ID_MAX + 1], struct review_campaign *c_r,
				struct review_unit **units_r, size_t *count_r,
				int *exit_r);

/* Mark account (of unit n, frozen as *it) revoked by reviewer with
   reason: the item, the revoked record suspend reads and an audit entry
   (action review-revoke, extra reviewer) in one transaction, then to
   syslog. 0, or -1 with *error_r. */
int review_revoke(struct cli *cli, struct store *store, const char *id,
		  uint32_t n, const char *account, struct review_item *it,
		  const char **error_r);

/* The sheet info of unit u (key_hex: 33 bytes the caller owns). */
void review_sheet_info(const char *id, const struct review_campaign *c,
		       const struct review_unit *u, char key_hex[33],
		       struct sheet_info *info_r);

/* Mail unit u's reviewer its two sheets (accts in sheet order) in one
   multipart message by sendmail; reminder: the subject says so. The
   reviewer address is checked again (the database is input). 0, or -1
   with *error_r. */
int review_mail_unit(const struct cli *cli, const struct sheet_info *info,
		     uint32_t n, const struct review_acct *accts, size_t count,
		     unsigned long undecided, bool reminder, const char **error_r);

/* "YYYY-MM-DD" as of the end of that day (UTC): 0, or -1. */
int review_parse_date(const char *s, int64_t *t_r);

/* Room for an audit entry with a reviewer's name (6 bytes a byte
   escaped) besides what AUDIT_JSON_MAX holds. */
#define REVIEW_AUDIT_MAX (AUDIT_JSON_MAX + 6 * CONTACT_TEXT_MAX)

#endif

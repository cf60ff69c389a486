/* review-record.h - the records of the review database (doc/DESIGN.md §3.4,
 * §7.7): a campaign, its units with their reviewer and sheet key, the
 * frozen list of each unit's accounts with the reviewers' decisions, and
 * the accounts a review revoked (suspend's extra candidates).
 *
 * Keys are byte strings: a kind byte, then the campaign id (and a NUL),
 * then a unit's number (u32 big-endian, so units sort in order) and an
 * account. Records are little-endian, start with a version byte, and are
 * decoded as hostile input: the mail uid can write the database. Pure
 * functions, no LMDB. */
#ifndef DORMANT_REVIEW_RECORD_H
#define DORMANT_REVIEW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "account.h"
#include "record.h"

#define REVIEW_RECORD_VERSION 1
/* A campaign id: "YYYYMMDD-HHMMSS" of its start, printable ASCII. */
#define REVIEW_ID_MAX 31
/* The per-unit sheet key: 128 random bits. */
#define REVIEW_SHEET_KEY_BYTES 16
/* A reviewer's name as a sheet gives it, and a keep's reason. */
#define REVIEW_NAME_MAX 64
#define REVIEW_REASON_MAX 500
/* Most units one campaign holds (the unit number is a u32; this bounds
   what a start keeps in memory for mails). */
#define REVIEW_UNITS_MAX 100000

enum review_key_kind {
	REVIEW_KEY_LATEST = 'L',     /* "L": the latest campaign's id */
	REVIEW_KEY_CAMPAIGN = 'C',   /* "C" id: the campaign */
	REVIEW_KEY_UNIT = 'U',       /* "U" id NUL u32: a unit */
	REVIEW_KEY_ITEM = 'I',       /* "I" id NUL u32 account: an account */
	REVIEW_KEY_REVOKED = 'R',    /* "R" account: revoked, to suspend */
};

/* Longest key: kind, id, NUL, unit number, account (under LMDB's 511). */
#define REVIEW_KEY_MAX (1 + REVIEW_ID_MAX + 1 + 4 + ACCOUNT_MAX)

/* Build a key into buf (REVIEW_KEY_MAX bytes); returns its length.
   id and account must be within their bounds (checked by the callers'
   own validation); unit is ignored for CAMPAIGN, account for UNIT. */
size_t review_key(uint8_t *buf, enum review_key_kind kind, const char *id,
		  uint32_t unit, const char *account);
/* The account of an ITEM key read back from the database, checked as an
   account key (store_key_name's rules: 1..ACCOUNT_MAX bytes, no control
   byte) into name. 0, or -1 with *error_r. */
int review_key_item_account(const void *key, size_t klen, size_t prefix_len,
			    char name[ACCOUNT_MAX + 1], const char **error_r);
/* True if s (len bytes) is a campaign id as review_id_make writes it. */
bool review_id_valid(const char *s, size_t len);
/* The id of a campaign started at t: "YYYYMMDD-HHMMSS" (UTC). */
void review_id_make(int64_t t, char id[REVIEW_ID_MAX + 1]);

enum review_campaign_state {
	REVIEW_OPEN = 1,
	REVIEW_CLOSED = 2,
};

struct review_campaign {
	enum review_campaign_state state;
	int64_t started, due, closed;
	uint32_t units;
	uint32_t accounts;
};
#define REVIEW_CAMPAIGN_SIZE 40

enum review_reviewer_source {
	REVIEWER_NONE = 0,
	REVIEWER_UNITS_FILE = 1,     /* units_file */
	REVIEWER_MANAGER = 2,        /* the manager most accounts name */
	REVIEWER_ADMIN = 3,          /* notify_cc, else report_to */
};

struct review_unit {
	char name[CONTACT_TEXT_MAX + 1];
	char reviewer[CONTACT_TEXT_MAX + 1];     /* an address, "" none */
	enum review_reviewer_source source;
	uint8_t key[REVIEW_SHEET_KEY_BYTES];
	uint32_t accounts;
	uint32_t sheets;             /* sheets imported */
	int64_t reminded;            /* last reminder, 0 none */
	int64_t answered;            /* last sheet imported, 0 none */
};
#define REVIEW_UNIT_MAX (48 + 2 * (2 + CONTACT_TEXT_MAX))

enum review_decision {
	REVIEW_UNDECIDED = 0,
	REVIEW_KEEP = 1,
	REVIEW_REVOKE = 2,
};

struct review_item {
	uint8_t status;              /* enum account_status when frozen */
	enum review_decision decision;
	bool by_default;             /* decided by review_default at close */
	int64_t last_login, last_send;
	int64_t idle_days;           /* -1 unknown */
	int64_t decided;             /* when, 0 undecided */
	int64_t keep_until;          /* a keep's exemption end, 0 next campaign */
	char reason[REVIEW_REASON_MAX + 1];
	char reviewer[REVIEW_NAME_MAX + 1];
};
#define REVIEW_ITEM_MAX (48 + 2 + REVIEW_REASON_MAX + 2 + REVIEW_NAME_MAX)

struct review_revoked {
	int64_t time;
	char id[REVIEW_ID_MAX + 1];
	char reviewer[REVIEW_NAME_MAX + 1];
};
#define REVIEW_REVOKED_MAX (16 + 1 + REVIEW_ID_MAX + 1 + REVIEW_NAME_MAX)

/* A decision's name ("keep", "revoke", "" undecided) and back (the name
   as a sheet cell: case and surrounding blanks ignored; the Vietnamese
   sheet's "giữ lại" and "thu hồi", with or without diacritics, too;
   -1 unknown). */
const char *review_decision_name(enum review_decision d);
int review_decision_parse(const char *s);

/* True if s (len bytes) may be a reviewer's name (max bytes, no control
   byte, valid UTF-8 is the sheet's business) . */
bool review_text_valid(const char *s, size_t len, size_t max);

/* Encoders return the length written (buf must hold the _MAX/_SIZE);
   decoders return 0, or -1 with *error_r (static text) for a record that
   is truncated, of a newer version, or malformed, and leave *out as it
   was then. */
size_t review_campaign_encode(const struct review_campaign *c, uint8_t *buf);
int review_campaign_decode(const void *data, size_t size,
			   struct review_campaign *c_r, const char **error_r);
size_t review_unit_encode(const struct review_unit *u, uint8_t *buf);
int review_unit_decode(const void *data, size_t size, struct review_unit *u_r,
		       const char **error_r);
size_t review_item_encode(const struct review_item *it, uint8_t *buf);
int review_item_decode(const void *data, size_t size, struct review_item *it_r,
		       const char **error_r);
size_t review_revoked_encode(const struct review_revoked *r, uint8_t *buf);
int review_revoked_decode(const void *data, size_t size,
			  struct review_revoked *r_r, const char **error_r);

#endif

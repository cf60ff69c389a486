/* record.h - the on-disk records of the activity, accounts, state and
 * events databases (layouts: doc/DESIGN.md §3.4), the rules that fold an
 * event or a record into an activity record (the max rule, coalescing),
 * and the IP address helpers those records use.
 *
 * Records are little-endian byte strings that start with a version byte:
 * activity, account and event records have a fixed size, state records
 * carry length-prefixed texts. A reader accepts its own version and older
 * ones (a longer fixed-size record too) and refuses newer ones with an
 * error, so an old program never misreads a new record. Nothing here
 * touches LMDB: these are pure functions. */
#ifndef DORMANT_RECORD_H
#define DORMANT_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "activity.h"
#include "ipaddr.h"

#define RECORD_ACTIVITY_VERSION 1
/* 1 version + 1 login-ip family + 1 send-ip family + 5 reserved
   + 3 * 8 times + 2 * 16 addresses + 16 service = 80 bytes */
#define RECORD_ACTIVITY_SIZE 80

/* Encode rec into buf (RECORD_ACTIVITY_SIZE bytes). */
void record_activity_encode(const struct activity *rec,
			    uint8_t buf[RECORD_ACTIVITY_SIZE]);
/* Decode; returns 0, or -1 with *error_r set (static text) for a record
   that is truncated, of a newer version, or malformed. *rec_r is written
   only on success. */
int record_activity_decode(const void *data, size_t size,
			   struct activity *rec_r, const char **error_r);

/* State of an account: set only by the CLI. */
enum account_state_kind {
	STATE_NONE = 0,
	STATE_SUSPENDED = 1,
	STATE_EXEMPT = 2,
	/* reactivated: not suspended again before until, whatever its idle
	   time; its status is still decided by its activity */
	STATE_GRACE = 3,
};

#define RECORD_STATE_VERSION 1
#define STATE_TEXT_MAX 1024          /* reason and actor, each */

struct account_state {
	enum account_state_kind kind;
	int64_t since;
	int64_t until;               /* 0: no end */
	char reason[STATE_TEXT_MAX + 1];
	char actor[STATE_TEXT_MAX + 1];
};

/* Encode into buf of size bufsize; returns the encoded length, or 0 when
   bufsize is too small. RECORD_STATE_MAX always suffices. */
#define RECORD_STATE_MAX (1 + 1 + 8 + 8 + 2 + STATE_TEXT_MAX + 2 + STATE_TEXT_MAX)
size_t record_state_encode(const struct account_state *st, uint8_t *buf,
			   size_t bufsize);
int record_state_decode(const void *data, size_t size,
			struct account_state *st_r, const char **error_r);

/* What the directory (dormant sync) knows of an account. Version 2
   appends the contacts to version 1's 26 bytes; version 1 is still read
   (no contacts) and snapshots still carry it (record_account_encode_v1):
   each host learns contacts from its own directory. */
#define RECORD_ACCOUNT_VERSION 2
#define RECORD_ACCOUNT_SIZE 26       /* version 1, and v2's fixed part */

enum account_source {
	SOURCE_UNKNOWN = 0,
	SOURCE_DOVEADM = 1,
	SOURCE_FILE = 2,
};

struct account_info {
	int64_t first_seen;          /* first sync that listed it */
	int64_t last_seen;           /* latest sync that listed it */
	int64_t gone_since;          /* 0: still listed; else first sync without it */
	enum account_source source;
};

/* Who hears of an account besides its owner, and the unit it belongs to
   (empty: unknown; the domain stands for the unit then). Set by each
   sync from userdb fields or contacts_file, whole. */
enum contact_field {
	CONTACT_UNIT,
	CONTACT_MANAGER,             /* the unit's reviewer or manager */
	CONTACT_ALTERNATE,           /* another address of the owner */
	CONTACT_FIELDS
};
enum contact_source {
	CONTACT_SRC_NONE = 0,
	CONTACT_SRC_USERDB = 1,
	CONTACT_SRC_FILE = 2,
};
/* Each text: at most an account name's length, no control bytes. */
#define CONTACT_TEXT_MAX 320
struct account_contacts {
	char text[CONTACT_FIELDS][CONTACT_TEXT_MAX + 1];
	uint8_t source[CONTACT_FIELDS];  /* enum contact_source */
};
/* "unit", "manager", "alternate"; "userdb", "file" ("" for none). */
const char *contact_field_name(enum contact_field field);
const char *contact_source_name(enum contact_source source);
bool account_contacts_empty(const struct account_contacts *c);
/* The unit account belongs to (DESIGN 7.6): its unit contact if set, else
   its domain; "" for a name without a domain. Points into c or account. */
const char *account_unit(const struct account_contacts *c, const char *account);
/* True if s (len bytes) may be a contact text: at most CONTACT_TEXT_MAX
   bytes, no control byte (so never a line break in a mail header). */
bool contact_text_valid(const char *s, size_t len);

/* Fold src into info (see store_accounts_merge_batch). True if changed. */
bool account_info_merge(struct account_info *info, const struct account_info *src);

/* 26 bytes, then per contact field: source u8, length u16, bytes. */
#define RECORD_ACCOUNT_MAX (RECORD_ACCOUNT_SIZE + CONTACT_FIELDS * (3 + CONTACT_TEXT_MAX))
/* Encode a version 2 record (contacts NULL: none); returns its length. */
size_t record_account_encode(const struct account_info *info,
			     const struct account_contacts *contacts,
			     uint8_t buf[RECORD_ACCOUNT_MAX]);
/* Encode version 1 (no contacts): the snapshots' directory record. */
void record_account_encode_v1(const struct account_info *info,
			      uint8_t buf[RECORD_ACCOUNT_SIZE]);
/* Decode version 1 or 2; contacts_r (may be NULL) is all empty for
   version 1. info_r is written only on success; contacts_r is decoded in
   place (each text NUL terminated, the bytes after it undefined) and left
   empty on failure. */
int record_account_decode(const void *data, size_t size,
			  struct account_info *info_r,
			  struct account_contacts *contacts_r,
			  const char **error_r);

/* Events the reporter shows: a dormant account waking up, a suspended
   one being refused, a login or send from a new network. Stored under
   time + account. */
#define RECORD_EVENT_VERSION 1
#define RECORD_EVENT_SIZE 48

enum event_kind {
	EVENT_WAKEUP_LOGIN = 1,      /* a login after >= dormant_after idle */
	EVENT_WAKEUP_SEND = 2,       /* an authenticated send, the same */
	EVENT_REFUSED_LOGIN = 3,     /* a suspended account tried to log in */
	EVENT_REFUSED_SEND = 4,      /* a suspended account tried to send */
	/* a login or send from a network not in the account's set
	   (netset.h); a wake-up from one is a wake-up with
	   EVENT_FLAG_NEW_NETWORK */
	EVENT_NEW_NETWORK_LOGIN = 5,
	EVENT_NEW_NETWORK_SEND = 6,
};
#define EVENT_KIND_LAST EVENT_NEW_NETWORK_SEND

/* account_event.flags (byte 3, reserved and zero before: old records
   read as no flags) */
#define EVENT_FLAG_NEW_NETWORK 0x01  /* the address's network was new */
#define EVENT_FLAG_SUSPENDED 0x02    /* the account was suspended */
#define EVENT_FLAGS_ALL (EVENT_FLAG_NEW_NETWORK | EVENT_FLAG_SUSPENDED)

struct account_event {
	enum event_kind kind;
	uint8_t flags;               /* EVENT_FLAG_* */
	int64_t idle;                /* seconds idle before the event; -1 unknown */
	struct ip_bin ip;
	char service[ACTIVITY_SERVICE_MAX + 1];
};

void record_event_encode(const struct account_event *ev,
			 uint8_t buf[RECORD_EVENT_SIZE]);
int record_event_decode(const void *data, size_t size,
			struct account_event *ev_r, const char **error_r);
const char *event_kind_name(enum event_kind kind);

#endif

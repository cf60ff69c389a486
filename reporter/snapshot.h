/* snapshot.h - the export format for moving activity between hosts.
 *
 * A gzip stream of:
 *   "DORMSNAP" | version u32 | flags u32 | created i64 | tracking_start i64
 *   | host: u16 length + bytes
 *   | records: type u8 (1 activity, 2 directory) | key: u16 + bytes
 *              | value: u16 + bytes (the database's own record encoding)
 *   | end: type 0 | record count u64 | CRC-32 u32 of every byte before it
 * all integers little-endian. A reader refuses a newer version, a bad
 * magic, a record out of bounds or failing to decode, a wrong count or
 * checksum, bytes after the end, and a truncated or corrupt gzip stream. */
#ifndef DORMANT_SNAPSHOT_H
#define DORMANT_SNAPSHOT_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>
#include "account.h"
#include "record.h"

#define SNAPSHOT_VERSION 1
#define SNAPSHOT_HOST_MAX 255

enum snapshot_type {
	SNAP_END = 0,
	SNAP_ACTIVITY = 1,
	SNAP_ACCOUNT = 2,
};

struct snapshot_header {
	uint32_t version;
	int64_t created;
	int64_t tracking_start;
	char host[SNAPSHOT_HOST_MAX + 1];
};

struct snapshot_writer {
	FILE *out;
	uLong crc;
	uint64_t count;
};

void snapshot_write_header(struct snapshot_writer *w, FILE *out,
			   const struct snapshot_header *hdr);
void snapshot_write_activity(struct snapshot_writer *w, const char *account,
			     const struct activity *rec);
void snapshot_write_account(struct snapshot_writer *w, const char *account,
			    const struct account_info *info);
void snapshot_write_end(struct snapshot_writer *w);

struct snapshot_reader {
	gzFile gz;
	uLong crc;
	uint64_t count;
	const char *path;
};

/* One record as read. */
struct snapshot_record {
	enum snapshot_type type;
	char account[ACCOUNT_MAX + 1];
	struct activity activity;
	struct account_info info;
};

/* Open and read the header: 0, or -1 with *error_r. */
int snapshot_open(struct snapshot_reader *r, const char *path,
		  struct snapshot_header *hdr_r, const char **error_r);
/* Next record: 1, 0 at a verified end (count, checksum, nothing after), or
   -1 with *error_r. */
int snapshot_next(struct snapshot_reader *r, struct snapshot_record *rec_r,
		  const char **error_r);
/* Back to the first record, for a second pass. */
int snapshot_rewind(struct snapshot_reader *r, const char **error_r);
void snapshot_close(struct snapshot_reader *r);

#endif

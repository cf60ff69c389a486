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

#include <stdbool.h>
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

/* A snapshot as read from its file, whole and once: a merge verifies and
   then applies these bytes and never opens the file again, so a file
   replaced or rewritten in between cannot be applied unverified; and a
   pipe (standard input) serves as well as a file. */
struct snapshot_file {
	const char *name;            /* as given: a path, or "-" */
	uint8_t *data;
	size_t size;
};

/* Largest snapshot file read, compressed: far above a million accounts. */
#define SNAPSHOT_FILE_MAX ((size_t)1 << 30)

/* Read path ("-": standard input) into f. 0, or -1 with *error_r. f->name
   points to path, which must outlive f. */
int snapshot_file_read(struct snapshot_file *f, const char *path,
		       const char **error_r);
void snapshot_file_free(struct snapshot_file *f);

struct snapshot_reader {
	z_stream zs;
	bool zinit;                  /* zs needs inflateEnd */
	bool ended;                  /* the gzip stream's end (trailer checked) */
	uLong crc;
	uint64_t count;
	const char *name;
};

/* One record as read. */
struct snapshot_record {
	enum snapshot_type type;
	char account[ACCOUNT_MAX + 1];
	struct activity activity;
	struct account_info info;
};

/* Start reading f (not copied: it must outlive r) and read the header: 0,
   or -1 with *error_r (r needs no close then). Any number of readers may
   read the same f, one after the other or at once. */
int snapshot_open(struct snapshot_reader *r, const struct snapshot_file *f,
		  struct snapshot_header *hdr_r, const char **error_r);
/* Next record: 1, 0 at a verified end (count, checksum, gzip trailer,
   nothing after), or -1 with *error_r. */
int snapshot_next(struct snapshot_reader *r, struct snapshot_record *rec_r,
		  const char **error_r);
void snapshot_close(struct snapshot_reader *r);

#endif

/* snapshot.c - writing and verifying snapshots (see snapshot.h). */
#include "snapshot.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

static const char snapshot_magic[8] = { 'D','O','R','M','S','N','A','P' };

static _Thread_local char snap_errbuf[512];

static const char *snap_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *snap_err(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(snap_errbuf, sizeof(snap_errbuf), fmt, args);
	va_end(args);
	return snap_errbuf;
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void emit(struct snapshot_writer *w, const void *data, size_t len)
{
	w->crc = crc32(w->crc, data, (uInt)len);
	fwrite(data, 1, len, w->out);
}

void snapshot_write_header(struct snapshot_writer *w, FILE *out,
			   const struct snapshot_header *hdr)
{
	uint8_t buf[8 + 4 + 4 + 8 + 8 + 2];
	size_t hlen = strnlen(hdr->host, SNAPSHOT_HOST_MAX);

	w->out = out;
	w->crc = crc32(0L, Z_NULL, 0);
	w->count = 0;
	memcpy(buf, snapshot_magic, 8);
	le(buf + 8, SNAPSHOT_VERSION, 4);
	le(buf + 12, 0, 4);
	le(buf + 16, (uint64_t)hdr->created, 8);
	le(buf + 24, (uint64_t)hdr->tracking_start, 8);
	le(buf + 32, hlen, 2);
	emit(w, buf, sizeof(buf));
	emit(w, hdr->host, hlen);
}

static void write_record(struct snapshot_writer *w, enum snapshot_type type,
			 const char *account, const void *val, size_t vlen)
{
	uint8_t buf[3];
	size_t klen = strlen(account);

	buf[0] = (uint8_t)type;
	le(buf + 1, klen, 2);
	emit(w, buf, 3);
	emit(w, account, klen);
	le(buf, vlen, 2);
	emit(w, buf, 2);
	emit(w, val, vlen);
	w->count++;
}

void snapshot_write_activity(struct snapshot_writer *w, const char *account,
			     const struct activity *rec)
{
	uint8_t buf[RECORD_ACTIVITY_SIZE];

	record_activity_encode(rec, buf);
	write_record(w, SNAP_ACTIVITY, account, buf, sizeof(buf));
}

void snapshot_write_account(struct snapshot_writer *w, const char *account,
			    const struct account_info *info)
{
	uint8_t buf[RECORD_ACCOUNT_SIZE];

	record_account_encode(info, buf);
	write_record(w, SNAP_ACCOUNT, account, buf, sizeof(buf));
}

void snapshot_write_end(struct snapshot_writer *w)
{
	uint8_t buf[1 + 8 + 4];

	buf[0] = SNAP_END;
	le(buf + 1, w->count, 8);
	w->crc = crc32(w->crc, buf, 9);
	le(buf + 9, w->crc, 4);
	fwrite(buf, 1, sizeof(buf), w->out);
}

/* Read exactly len bytes; -1 with an error on a short read. */
static int take(struct snapshot_reader *r, void *buf, size_t len, bool crc,
		const char **error_r)
{
	int n = len > 0 ? gzread(r->gz, buf, (unsigned)len) : 0;
	int err;

	if (n < 0 || (size_t)n != len) {
		const char *msg = gzerror(r->gz, &err);
		*error_r = snap_err("%s: truncated or corrupt snapshot (%s)", r->path,
				    err == Z_OK ? "unexpected end" :
				    err == Z_ERRNO ? strerror(errno) : msg);
		return -1;
	}
	if (crc)
		r->crc = crc32(r->crc, buf, (uInt)len);
	return 0;
}

static int read_header(struct snapshot_reader *r, struct snapshot_header *hdr,
		       const char **error_r)
{
	uint8_t buf[34];
	uint32_t version;
	size_t hlen;

	r->crc = crc32(0L, Z_NULL, 0);
	r->count = 0;
	if (take(r, buf, sizeof(buf), true, error_r) < 0)
		return -1;
	if (memcmp(buf, snapshot_magic, 8) != 0) {
		*error_r = snap_err("%s: not a dormant snapshot", r->path);
		return -1;
	}
	version = (uint32_t)get(buf + 8, 4);
	if (version == 0 || version > SNAPSHOT_VERSION) {
		*error_r = snap_err("%s: snapshot version %u is newer than this "
				    "program's (%d): upgrade dormant", r->path,
				    version, SNAPSHOT_VERSION);
		return -1;
	}
	memset(hdr, 0, sizeof(*hdr));
	hdr->version = version;
	hdr->created = (int64_t)get(buf + 16, 8);
	hdr->tracking_start = (int64_t)get(buf + 24, 8);
	hlen = (size_t)get(buf + 32, 2);
	if (hlen > SNAPSHOT_HOST_MAX) {
		*error_r = snap_err("%s: corrupt snapshot header", r->path);
		return -1;
	}
	if (take(r, hdr->host, hlen, true, error_r) < 0)
		return -1;
	hdr->host[hlen] = '\0';
	return 0;
}

int snapshot_open(struct snapshot_reader *r, const char *path,
		  struct snapshot_header *hdr_r, const char **error_r)
{
	struct stat st;

	memset(r, 0, sizeof(*r));
	/* two passes (verify, then apply) need a file that can be re-read */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		*error_r = snap_err("%s: not a regular file (save the snapshot to a "
				    "file first)", path);
		return -1;
	}
	r->path = path;
	r->gz = gzopen(path, "rb");
	if (r->gz == NULL) {
		*error_r = snap_err("%s: %s", path, errno != 0 ? strerror(errno) :
				    "cannot open");
		return -1;
	}
	if (gzdirect(r->gz)) {
		*error_r = snap_err("%s: not a compressed dormant snapshot", path);
		snapshot_close(r);
		return -1;
	}
	if (read_header(r, hdr_r, error_r) < 0) {
		snapshot_close(r);
		return -1;
	}
	return 0;
}

int snapshot_next(struct snapshot_reader *r, struct snapshot_record *rec,
		  const char **error_r)
{
	uint8_t buf[RECORD_ACTIVITY_SIZE + RECORD_ACCOUNT_SIZE], type;
	size_t klen, vlen;
	const char *derr;

	if (take(r, &type, 1, true, error_r) < 0)
		return -1;
	if (type == SNAP_END) {
		uint8_t tail[12], extra;
		uLong crc;
		if (take(r, tail, 8, true, error_r) < 0)
			return -1;
		crc = r->crc;
		if (take(r, tail + 8, 4, false, error_r) < 0)
			return -1;
		if (get(tail, 8) != r->count) {
			*error_r = snap_err("%s: record count does not match", r->path);
			return -1;
		}
		if ((uLong)get(tail + 8, 4) != (crc & 0xffffffffUL)) {
			*error_r = snap_err("%s: checksum mismatch: the snapshot is "
					    "corrupt", r->path);
			return -1;
		}
		if (gzread(r->gz, &extra, 1) != 0) {
			*error_r = snap_err("%s: data after the end of the snapshot",
					    r->path);
			return -1;
		}
		/* the gzip trailer (its own CRC and length) must be there too */
		int err;
		const char *msg = gzerror(r->gz, &err);
		if (err != Z_OK || !gzeof(r->gz)) {
			*error_r = snap_err("%s: truncated or corrupt snapshot (%s)",
					    r->path, err != Z_OK ? msg : "no end");
			return -1;
		}
		return 0;
	}
	if (type != SNAP_ACTIVITY && type != SNAP_ACCOUNT) {
		*error_r = snap_err("%s: corrupt snapshot (record type %u)", r->path,
				    type);
		return -1;
	}
	if (take(r, buf, 2, true, error_r) < 0)
		return -1;
	klen = (size_t)get(buf, 2);
	if (klen == 0 || klen > ACCOUNT_MAX) {
		*error_r = snap_err("%s: corrupt snapshot (account length %zu)",
				    r->path, klen);
		return -1;
	}
	memset(rec, 0, sizeof(*rec));
	rec->type = type;
	if (take(r, rec->account, klen, true, error_r) < 0 ||
	    take(r, buf, 2, true, error_r) < 0)
		return -1;
	rec->account[klen] = '\0';
	vlen = (size_t)get(buf, 2);
	if (strlen(rec->account) != klen ||
	    vlen != (type == SNAP_ACTIVITY ? RECORD_ACTIVITY_SIZE : RECORD_ACCOUNT_SIZE)) {
		*error_r = snap_err("%s: corrupt snapshot record", r->path);
		return -1;
	}
	if (take(r, buf, vlen, true, error_r) < 0)
		return -1;
	if ((type == SNAP_ACTIVITY &&
	     record_activity_decode(buf, vlen, &rec->activity, &derr) < 0) ||
	    (type == SNAP_ACCOUNT &&
	     record_account_decode(buf, vlen, &rec->info, &derr) < 0)) {
		*error_r = snap_err("%s: account %s: %s", r->path, rec->account, derr);
		return -1;
	}
	r->count++;
	return 1;
}

int snapshot_rewind(struct snapshot_reader *r, const char **error_r)
{
	struct snapshot_header hdr;

	if (gzrewind(r->gz) < 0) {
		*error_r = snap_err("%s: cannot rewind", r->path);
		return -1;
	}
	return read_header(r, &hdr, error_r);
}

void snapshot_close(struct snapshot_reader *r)
{
	if (r->gz != NULL)
		gzclose(r->gz);
	r->gz = NULL;
}

/* snapshot.c - writing snapshots, and reading them whole from their file
 * once and verifying them from memory (see snapshot.h). */
#include "snapshot.h"
#include "i18n.h"
#include "byteorder.h"
#include "errmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static const char snapshot_magic[8] = { 'D','O','R','M','S','N','A','P' };

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
	byteorder_put_le(buf + 8, SNAPSHOT_VERSION, 4);
	byteorder_put_le(buf + 12, 0, 4);
	byteorder_put_le(buf + 16, (uint64_t)hdr->created, 8);
	byteorder_put_le(buf + 24, (uint64_t)hdr->tracking_start, 8);
	byteorder_put_le(buf + 32, hlen, 2);
	emit(w, buf, sizeof(buf));
	emit(w, hdr->host, hlen);
}

static void write_record(struct snapshot_writer *w, enum snapshot_type type,
			 const char *account, const void *val, size_t vlen)
{
	uint8_t buf[3];
	size_t klen = strlen(account);

	buf[0] = (uint8_t)type;
	byteorder_put_le(buf + 1, klen, 2);
	emit(w, buf, 3);
	emit(w, account, klen);
	byteorder_put_le(buf, vlen, 2);
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

	record_account_encode_v1(info, buf);
	write_record(w, SNAP_ACCOUNT, account, buf, sizeof(buf));
}

void snapshot_write_end(struct snapshot_writer *w)
{
	uint8_t buf[1 + 8 + 4];

	buf[0] = SNAP_END;
	byteorder_put_le(buf + 1, w->count, 8);
	w->crc = crc32(w->crc, buf, 9);
	byteorder_put_le(buf + 9, w->crc, 4);
	fwrite(buf, 1, sizeof(buf), w->out);
}

int snapshot_file_read(struct snapshot_file *f, const char *path,
		       const char **error_r)
{
	size_t alloc = 64 * 1024;
	struct stat st;
	ssize_t n;
	int fd;

	memset(f, 0, sizeof(*f));
	f->name = path;
	fd = strcmp(path, "-") == 0 ? STDIN_FILENO :
		open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		*error_r = errmsg_printf("%s: %s", path, strerror(errno));
		return -1;
	}
	/* a regular file's size as a first guess; read to the end anyway */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
	    (uint64_t)st.st_size < SNAPSHOT_FILE_MAX)
		alloc = (size_t)st.st_size + 1;
	for (;;) {
		if (f->size == alloc || f->data == NULL) {
			uint8_t *p;
			if (f->data != NULL)
				alloc = alloc * 2 > SNAPSHOT_FILE_MAX + 1 ?
					SNAPSHOT_FILE_MAX + 1 : alloc * 2;
			p = realloc(f->data, alloc);
			if (p == NULL) {
				*error_r = errmsg_printf(_("%s: out of memory"), path);
				goto fail;
			}
			f->data = p;
		}
		n = read(fd, f->data + f->size, alloc - f->size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = errmsg_printf("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		f->size += (size_t)n;
		if (f->size > SNAPSHOT_FILE_MAX) {
			*error_r = errmsg_printf(_("%s: larger than %zu MiB: not a snapshot"),
					    path, SNAPSHOT_FILE_MAX >> 20);
			goto fail;
		}
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	snapshot_file_free(f);
	return -1;
}

void snapshot_file_free(struct snapshot_file *f)
{
	free(f->data);
	f->data = NULL;
	f->size = 0;
}

/* Inflate exactly len bytes; -1 with an error if the stream is corrupt or
   ends first. */
static int take(struct snapshot_reader *r, void *buf, size_t len, bool crc,
		const char **error_r)
{
	r->zs.next_out = buf;
	r->zs.avail_out = (uInt)len;
	while (r->zs.avail_out > 0) {
		int ret = r->ended ? Z_STREAM_END : inflate(&r->zs, Z_NO_FLUSH);

		if (ret == Z_STREAM_END && r->zs.avail_out > 0 && r->ended)
			ret = Z_BUF_ERROR;      /* nothing more to come */
		if (ret == Z_STREAM_END) {
			r->ended = true;
			continue;
		}
		if (ret == Z_OK)
			continue;
		*error_r = errmsg_printf(_("%s: truncated or corrupt snapshot (%s)"), r->name,
				    ret == Z_BUF_ERROR ? "unexpected end" :
				    r->zs.msg != NULL ? r->zs.msg : "inflate failed");
		return -1;
	}
	if (crc)
		r->crc = crc32(r->crc, buf, (uInt)len);
	return 0;
}

/* After the last record: the gzip stream must end there (its trailer, CRC
   and length, checked by inflate) and the file with it. */
static int check_end(struct snapshot_reader *r, const char **error_r)
{
	uint8_t extra;
	int ret = Z_STREAM_END;

	if (!r->ended) {
		r->zs.next_out = &extra;
		r->zs.avail_out = 1;
		ret = inflate(&r->zs, Z_NO_FLUSH);
		if (r->zs.avail_out == 0) {
			*error_r = errmsg_printf(_("%s: data after the end of the snapshot"),
					    r->name);
			return -1;
		}
	}
	if (ret != Z_STREAM_END) {
		*error_r = errmsg_printf(_("%s: truncated or corrupt snapshot (%s)"), r->name,
				    ret == Z_BUF_ERROR || ret == Z_OK ? "no end" :
				    r->zs.msg != NULL ? r->zs.msg : "inflate failed");
		return -1;
	}
	r->ended = true;
	if (r->zs.avail_in > 0) {
		*error_r = errmsg_printf(_("%s: data after the end of the snapshot"), r->name);
		return -1;
	}
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
		*error_r = errmsg_printf(_("%s: not a dormant snapshot"), r->name);
		return -1;
	}
	version = (uint32_t)byteorder_get_le(buf + 8, 4);
	if (version == 0 || version > SNAPSHOT_VERSION) {
		*error_r = errmsg_printf(_("%s: snapshot version %u is newer than this "
				    "program's (%d): upgrade dormant"), r->name,
				    version, SNAPSHOT_VERSION);
		return -1;
	}
	memset(hdr, 0, sizeof(*hdr));
	hdr->version = version;
	hdr->created = (int64_t)byteorder_get_le(buf + 16, 8);
	hdr->tracking_start = (int64_t)byteorder_get_le(buf + 24, 8);
	hlen = (size_t)byteorder_get_le(buf + 32, 2);
	if (hlen > SNAPSHOT_HOST_MAX) {
		*error_r = errmsg_printf(_("%s: corrupt snapshot header"), r->name);
		return -1;
	}
	if (take(r, hdr->host, hlen, true, error_r) < 0)
		return -1;
	hdr->host[hlen] = '\0';
	return 0;
}

int snapshot_open(struct snapshot_reader *r, const struct snapshot_file *f,
		  struct snapshot_header *hdr_r, const char **error_r)
{
	memset(r, 0, sizeof(*r));
	r->name = f->name;
	/* gzip's magic: an uncompressed file is refused, not guessed at */
	if (f->size < 2 || f->data[0] != 0x1f || f->data[1] != 0x8b) {
		*error_r = errmsg_printf(_("%s: not a compressed dormant snapshot"), f->name);
		return -1;
	}
	r->zs.next_in = f->data;
	r->zs.avail_in = (uInt)f->size;     /* at most SNAPSHOT_FILE_MAX */
	/* 16 + MAX_WBITS: a gzip wrapper only, its trailer checked */
	if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK) {
		*error_r = errmsg_printf(_("%s: cannot start decompression"), f->name);
		return -1;
	}
	r->zinit = true;
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
		uint8_t tail[12];
		uLong crc;
		if (take(r, tail, 8, true, error_r) < 0)
			return -1;
		crc = r->crc;
		if (take(r, tail + 8, 4, false, error_r) < 0)
			return -1;
		if (byteorder_get_le(tail, 8) != r->count) {
			*error_r = errmsg_printf(_("%s: record count does not match"), r->name);
			return -1;
		}
		if ((uLong)byteorder_get_le(tail + 8, 4) != (crc & 0xffffffffUL)) {
			*error_r = errmsg_printf(_("%s: checksum mismatch: the snapshot is "
					    "corrupt"), r->name);
			return -1;
		}
		return check_end(r, error_r);
	}
	if (type != SNAP_ACTIVITY && type != SNAP_ACCOUNT) {
		*error_r = errmsg_printf(_("%s: corrupt snapshot (record type %u)"), r->name,
				    type);
		return -1;
	}
	if (take(r, buf, 2, true, error_r) < 0)
		return -1;
	klen = (size_t)byteorder_get_le(buf, 2);
	if (klen == 0 || klen > ACCOUNT_MAX) {
		*error_r = errmsg_printf(_("%s: corrupt snapshot (account length %zu)"),
				    r->name, klen);
		return -1;
	}
	memset(rec, 0, sizeof(*rec));
	rec->type = type;
	if (take(r, rec->account, klen, true, error_r) < 0 ||
	    take(r, buf, 2, true, error_r) < 0)
		return -1;
	rec->account[klen] = '\0';
	vlen = (size_t)byteorder_get_le(buf, 2);
	if (strlen(rec->account) != klen ||
	    vlen != (type == SNAP_ACTIVITY ? RECORD_ACTIVITY_SIZE : RECORD_ACCOUNT_SIZE)) {
		*error_r = errmsg_printf(_("%s: corrupt snapshot record"), r->name);
		return -1;
	}
	if (take(r, buf, vlen, true, error_r) < 0)
		return -1;
	if ((type == SNAP_ACTIVITY &&
	     record_activity_decode(buf, vlen, &rec->activity, &derr) < 0) ||
	    (type == SNAP_ACCOUNT &&
	     record_account_decode(buf, vlen, &rec->info, NULL, &derr) < 0)) {
		*error_r = errmsg_printf(_("%s: account %s: %s"), r->name, rec->account, derr);
		return -1;
	}
	r->count++;
	return 1;
}

void snapshot_close(struct snapshot_reader *r)
{
	if (r->zinit)
		inflateEnd(&r->zs);
	r->zinit = false;
}

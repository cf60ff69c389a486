/* fuzz-snapshot.c - the snapshot reader on arbitrary bytes, as they come
 * and wrapped in gzip, so both the gzip layer and the format behind it are
 * exercised. The reader works from memory, as merge does. */
#include "snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(uint8_t *data, size_t size)
{
	struct snapshot_file f = { "fuzz", data, size };
	struct snapshot_reader r;
	struct snapshot_header hdr;
	struct snapshot_record rec;
	const char *error;

	if (snapshot_open(&r, &f, &hdr, &error) < 0)
		return;
	while (snapshot_next(&r, &rec, &error) > 0)
		;
	snapshot_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	z_stream zs;
	uint8_t *copy, *gz;
	uLong bound;

	/* as given (a raw gzip stream or garbage) */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	read_all(copy, size);
	free(copy);
	/* as the payload of a valid gzip stream (31: gzip wrapper) */
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	bound = deflateBound(&zs, (uLong)size) + 32;
	gz = malloc(bound);
	if (gz != NULL) {
		zs.next_in = (Bytef *)data;
		zs.avail_in = (uInt)size;
		zs.next_out = gz;
		zs.avail_out = (uInt)bound;
		if (deflate(&zs, Z_FINISH) == Z_STREAM_END)
			read_all(gz, bound - zs.avail_out);
		free(gz);
	}
	deflateEnd(&zs);
	return 0;
}

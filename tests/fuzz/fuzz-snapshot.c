/* fuzz-snapshot.c - the snapshot reader on arbitrary bytes, compressed as
 * they come and wrapped in gzip, so both the gzip layer and the format
 * behind it are exercised. */
#include "snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(const char *path)
{
	struct snapshot_reader r;
	struct snapshot_header hdr;
	struct snapshot_record rec;
	const char *error;

	if (snapshot_open(&r, path, &hdr, &error) < 0)
		return;
	while (snapshot_next(&r, &rec, &error) > 0)
		;
	snapshot_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/dormant-fuzz-snapshot-XXXXXX";
	int fd = mkstemp(path);
	gzFile gz;

	if (fd < 0)
		return 0;
	/* as given (a raw gzip stream or garbage) */
	if (write(fd, data, size) == (ssize_t)size)
		read_all(path);
	/* as the payload of a valid gzip stream */
	if (ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0 &&
	    (gz = gzdopen(dup(fd), "wb")) != NULL) {
		if (size > 0)
			gzwrite(gz, data, (unsigned)size);
		gzclose(gz);
		read_all(path);
	}
	close(fd);
	unlink(path);
	return 0;
}

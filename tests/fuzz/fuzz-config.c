/* fuzz-config.c - config_load on an arbitrary file, then the checks and
 * the dump; nothing may crash or leak. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/dormant-fuzz-config-XXXXXX";
	struct dormant_config cfg;
	const char *error;
	FILE *null;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	config_init(&cfg);
	if (config_load(&cfg, path, true, &error) == 0) {
		(void)config_check(&cfg, &error);
		null = fopen("/dev/null", "w");
		if (null != NULL) {
			config_dump(&cfg, null);
			fclose(null);
		}
	}
	config_free(&cfg);
	unlink(path);
	return 0;
}

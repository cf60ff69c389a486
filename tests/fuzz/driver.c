/* driver.c - run a libFuzzer target without libFuzzer: feed it every file
 * named on the command line (or in a directory named there). make check
 * replays the seed corpus this way, under the sanitizers in CI; real
 * fuzzing is scripts/fuzz.sh with clang's -fsanitize=fuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0) {
		perror(path);
		return -1;
	}
	rewind(f);
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		perror(path);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			while (d != NULL && (e = readdir(d)) != NULL) {
				char path[4096];
				if (e->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
				if (run_file(path) < 0)
					return 1;
				n++;
			}
			if (d != NULL)
				closedir(d);
		} else if (run_file(argv[i]) < 0) {
			return 1;
		} else {
			n++;
		}
	}
	/* TAP, for automake's tap-driver */
	printf("1..1\nok 1 - %d inputs without a crash\n", n);
	return 0;
}

/* test-util.c - helpers shared by the unit tests (see testutil.h). */
#include "testutil.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

unsigned int test_failures;

static void note(const char *file, int line, const char *fmt, va_list args)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, args);
	/* "#" keeps it a TAP diagnostic line */
	print_message("# %s:%d: %s\n", file, line, msg);
}

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	note(file, line, fmt, args);
	va_end(args);
	test_failures++;
}

void test_note_at(const char *file, int line, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	note(file, line, fmt, args);
	va_end(args);
}

void test_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

char *test_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (asprintf(&path, "%s/dormant-unit-XXXXXX", tmp) < 0)
		return NULL;
	if (mkdtemp(path) == NULL) {
		free(path);
		return NULL;
	}
	return path;
}

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int test_rmtree(const char *path)
{
	if (path == NULL)
		return 0;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int test_write_file(const char *path, const void *data, size_t len)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

const char *test_escape(const void *s, size_t len, char *out, size_t out_size)
{
	const unsigned char *p = s;
	size_t n = 0;

	for (size_t i = 0; i < len && n + 5 < out_size; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[n++] = (char)p[i];
		else
			n += (size_t)snprintf(out + n, out_size - n, "\\x%02x", p[i]);
	}
	if (out_size > 0)
		out[n < out_size ? n : out_size - 1] = '\0';
	return out;
}

uint64_t test_rng_next(struct test_rng *rng)
{
	uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int64_t test_rng_range(struct test_rng *rng, int64_t lo, int64_t hi)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;

	if (span == 0)
		return (int64_t)test_rng_next(rng);
	return (int64_t)((uint64_t)lo + test_rng_next(rng) % span);
}

uint64_t test_seed(void)
{
	const char *env = getenv("DORMANT_TEST_SEED");
	struct timespec ts;

	if (env != NULL && env[0] != '\0')
		return strtoull(env, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
		((uint64_t)getpid() << 32);
}

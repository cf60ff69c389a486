/* testutil.h - what the libdormant unit tests share: cmocka, checks that
 * name the failing table case and go on to the next one, temporary
 * directories and a seeded PRNG.
 *
 * Table tests call T_BEGIN() first, T_CHECK() for each expectation (it
 * prints the case and counts, never stops the loop) and T_END() last,
 * which fails the cmocka test if any check failed. */
#ifndef DORMANT_TESTUTIL_H
#define DORMANT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

extern unsigned int test_failures;

void test_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void test_note_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Call first in main(): stdout line buffered, so that diagnostics and
   results keep their order in the log. */
void test_init(void);

#define T_BEGIN() (test_failures = 0)
#define T_CHECK(cond, ...) do { \
	if (!(cond)) \
		test_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
} while (0)
#define T_END() do { \
	if (test_failures > 0) \
		T_FATAL("%u check(s) failed (see above)", test_failures); \
} while (0)

/* Fail the test now, the message on stdout as a TAP diagnostic so that it
   stays in order with the results (cmocka's fail_msg writes to stderr). */
#define T_FATAL(...) do { \
	test_note_at(__FILE__, __LINE__, __VA_ARGS__); \
	fail(); \
} while (0)

/* Text for a possibly NULL string in messages. */
#define T_STR(s) ((s) != NULL ? (s) : "(null)")

/* A fresh directory under $TMPDIR (or /tmp); the caller frees the path. */
char *test_mkdtemp(void);
/* rm -rf path; 0 or -1. */
int test_rmtree(const char *path);
/* Write len bytes to path (created or truncated, mode 0600); 0 or -1. */
int test_write_file(const char *path, const void *data, size_t len);
/* Escape s[0..len) for a message: non-printable bytes as \xNN, at most
   out_size - 1 bytes written. */
const char *test_escape(const void *s, size_t len, char *out, size_t out_size);

/* A small PRNG (splitmix64) so that a seed gives the same sequence on
   every libc; the property tests print their seed. */
struct test_rng {
	uint64_t state;
};
uint64_t test_rng_next(struct test_rng *rng);
/* Uniform in [lo, hi] (inclusive). */
int64_t test_rng_range(struct test_rng *rng, int64_t lo, int64_t hi);
/* The seed from $DORMANT_TEST_SEED, or one made from the clock. */
uint64_t test_seed(void);

#endif

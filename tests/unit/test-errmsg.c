/* test-errmsg.c - the thread's error message buffer: a message may wrap
 * the one the buffer holds, a long one is cut, threads do not share. */
#include "testutil.h"
#include "errmsg.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void test_wrap(void **state)
{
	const char *inner = errmsg_printf("inner %d", 1);
	const char *outer = errmsg_printf("outer: %s: %s", inner, inner);

	assert_string_equal(outer, "outer: inner 1: inner 1");
	/* one buffer: the inner message is gone, as errmsg.h says */
	assert_ptr_equal(inner, outer);
}

static void test_cut(void **state)
{
	char *big = malloc(ERRMSG_MAX * 2);
	const char *msg;

	assert_non_null(big);
	memset(big, 'x', ERRMSG_MAX * 2 - 1);
	big[ERRMSG_MAX * 2 - 1] = '\0';
	msg = errmsg_printf("%s", big);
	assert_int_equal(strlen(msg), ERRMSG_MAX - 1);
	free(big);
}

static void *other_thread(void *arg)
{
	(void)arg;
	return (void *)errmsg_printf("from the other thread");
}

static void test_threads(void **state)
{
	const char *mine = errmsg_printf("from the test's thread");
	pthread_t tid;
	void *theirs;

	assert_int_equal(pthread_create(&tid, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(tid, &theirs), 0);
	assert_ptr_not_equal(mine, theirs);
	assert_string_equal(mine, "from the test's thread");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_threads),
	};

	test_init();
	return cmocka_run_group_tests_name("errmsg", tests, NULL, NULL);
}

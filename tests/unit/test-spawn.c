/* test-spawn.c - running other programs (reporter/spawn.c): argv and
 * environment as given, stdin fed, stdout captured, exit codes, the
 * pre-exec hook, and a deadline that kills the whole process group. */
#include "testutil.h"
#include "spawn.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int hook_exit_42(void *ctx)
{
	(void)ctx;
	return 42;
}

struct spawn_case {
	const char *name;
	const char *argv[6];         /* { NULL }: no exec, the hook only */
	const char *envp[3];         /* { NULL }: this process's environment */
	unsigned int flags;
	int (*pre_exec)(void *ctx);
	const char *input;           /* fed to stdin (SPAWN_STDIN_PIPE) */
	const char *output;          /* expected stdout (SPAWN_STDOUT_PIPE) */
	int exit_code;
};

static const struct spawn_case spawn_cases[] = {
	{ "argv reaches the program as it is, no shell",
	  { "/bin/echo", "$HOME", "a b", ";id", NULL }, { NULL },
	  SPAWN_STDOUT_PIPE, NULL, NULL, "$HOME a b ;id\n", 0 },
	{ "the environment given, and nothing else",
	  { "/usr/bin/env", NULL }, { "PATH=/bin", "A=b c", NULL },
	  SPAWN_STDOUT_PIPE, NULL, NULL, "PATH=/bin\nA=b c\n", 0 },
	{ "stdin fed through the pipe",
	  { "/bin/cat", NULL }, { NULL },
	  SPAWN_STDIN_PIPE | SPAWN_STDOUT_PIPE, NULL, "line 1\nline 2", "line 1\nline 2", 0 },
	{ "stdin from /dev/null",
	  { "/bin/cat", NULL }, { NULL },
	  SPAWN_STDIN_NULL | SPAWN_STDOUT_PIPE, NULL, NULL, "", 0 },
	{ "PATH searched only when asked",
	  { "sh", "-c", "echo found", NULL }, { NULL },
	  SPAWN_PATH | SPAWN_STDOUT_PIPE | SPAWN_PGROUP, NULL, NULL, "found\n", 0 },
	{ "without SPAWN_PATH a bare name is not looked up",
	  { "sh", "-c", "echo found", NULL }, { NULL },
	  SPAWN_STDOUT_PIPE | SPAWN_STDERR_NULL, NULL, NULL, "", 127 },
	{ "exit code",
	  { "/bin/sh", "-c", "exit 3", NULL }, { NULL }, 0, NULL, NULL, NULL, 3 },
	{ "killed by a signal reads as -1",
	  { "/bin/sh", "-c", "kill -9 $$", NULL }, { NULL }, 0, NULL, NULL, NULL, -1 },
	{ "a program that cannot run: 127",
	  { "/nonexistent/program", NULL }, { NULL },
	  SPAWN_STDERR_NULL, NULL, NULL, NULL, 127 },
	{ "a hook's nonzero return is the exit status, nothing runs",
	  { "/bin/echo", "ran", NULL }, { NULL },
	  SPAWN_STDOUT_PIPE, hook_exit_42, NULL, "", 42 },
	{ "the hook alone",
	  { NULL }, { NULL }, 0, hook_exit_42, NULL, NULL, 42 },
	{ "no hook and no argv: exit 0",
	  { NULL }, { NULL }, 0, NULL, NULL, NULL, 0 },
};

static void test_spawn_table(void **state)
{
	T_BEGIN();
	for (size_t i = 0; i < sizeof(spawn_cases) / sizeof(spawn_cases[0]); i++) {
		const struct spawn_case *c = &spawn_cases[i];
		struct spawn sp;
		const char *error = NULL;
		char out[256], esc[512];
		size_t len = 0;
		int status;

		memset(&sp, 0, sizeof(sp));
		sp.argv = c->argv[0] != NULL ? (char *const *)c->argv : NULL;
		sp.envp = c->envp[0] != NULL ? (char *const *)c->envp : NULL;
		sp.flags = c->flags;
		sp.pre_exec = c->pre_exec;
		sp.timeout_ms = (c->flags & SPAWN_PGROUP) ? 10000 : -1;
		if (spawn_start(&sp, &error) < 0) {
			T_CHECK(false, "%s: spawn_start: %s", c->name, T_STR(error));
			continue;
		}
		if (c->input != NULL) {
			T_CHECK(write(sp.in, c->input, strlen(c->input)) ==
				(ssize_t)strlen(c->input), "%s: write", c->name);
			close(sp.in);
			sp.in = -1;
		}
		if (c->flags & SPAWN_STDOUT_PIPE)
			len = spawn_read(&sp, out, sizeof(out) - 1);
		out[len] = '\0';
		T_CHECK(sp.out == -1, "%s: spawn_read left the pipe open", c->name);
		if (spawn_wait(&sp, &status, &error) < 0) {
			T_CHECK(false, "%s: spawn_wait: %s", c->name, T_STR(error));
			continue;
		}
		T_CHECK(spawn_exit_code(status) == c->exit_code, "%s: exit %d, expected %d",
			c->name, spawn_exit_code(status), c->exit_code);
		T_CHECK(c->output == NULL || strcmp(out, c->output) == 0,
			"%s: output '%s'", c->name, test_escape(out, len, esc, sizeof(esc)));
	}
	T_END();
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether pid is gone or a zombie (killed, waiting for init to reap it). */
static bool process_dead(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return true;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

/* A script that hangs with a child of its own: at the deadline both die,
   not only the process dormant started. */
static void test_spawn_deadline_kills_the_group(void **state)
{
	const char *argv[] = { "/bin/sh", "-c",
		"sleep 60 & echo $!; exec sleep 60", NULL };
	struct spawn sp;
	const char *error = NULL;
	char out[64];
	int64_t start, deadline;
	size_t len;
	pid_t grandchild;
	int status;

	memset(&sp, 0, sizeof(sp));
	sp.argv = (char *const *)argv;
	sp.flags = SPAWN_STDIN_NULL | SPAWN_STDOUT_PIPE | SPAWN_PGROUP;
	sp.timeout_ms = 300;
	start = ms_now();
	if (spawn_start(&sp, &error) < 0)
		T_FATAL("spawn_start: %s", T_STR(error));
	/* the pid arrives first; the pipe stays open until the deadline */
	len = spawn_read(&sp, out, sizeof(out) - 1);
	out[len] = '\0';
	grandchild = (pid_t)atoi(out);
	if (spawn_wait(&sp, &status, &error) == 0)
		T_FATAL("spawn_wait returned 0 for a child that hangs");
	assert_true(sp.timed_out);
	assert_string_equal(error, "no exit after 0 s, killed");
	assert_true(ms_now() - start >= 300);
	assert_int_equal(spawn_exit_code(status), -1);
	assert_true(grandchild > 1);
	/* SIGKILL is asynchronous: poll with a deadline */
	deadline = ms_now() + 5000;
	while (!process_dead(grandchild) && ms_now() < deadline)
		(void)poll(NULL, 0, 10);
	if (!process_dead(grandchild)) {
		kill(grandchild, SIGKILL);
		T_FATAL("the script's own child %d survived the deadline",
			(int)grandchild);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_table),
		cmocka_unit_test(test_spawn_deadline_kills_the_group),
	};

	test_init();
	return cmocka_run_group_tests_name("spawn", tests, NULL, NULL);
}

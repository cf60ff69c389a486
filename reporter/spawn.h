/* spawn.h - run another program: fork, then execve (or execvp) of an argv,
 * never a shell. Its standard input can be fed through a pipe or come from
 * /dev/null, its standard output captured through a pipe; a hook runs in
 * the child before the exec (to drop privileges). A child in its own
 * process group can be given a deadline, past which the whole group is
 * killed (a hung script takes its own children down with it). */
#ifndef DORMANT_SPAWN_H
#define DORMANT_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

enum spawn_flags {
	SPAWN_STDIN_PIPE = 1 << 0,   /* sp->in: the write end of its stdin */
	SPAWN_STDIN_NULL = 1 << 1,   /* its stdin reads /dev/null */
	SPAWN_STDOUT_PIPE = 1 << 2,  /* sp->out: the read end of its stdout */
	SPAWN_STDERR_NULL = 1 << 3,  /* its stderr goes to /dev/null */
	SPAWN_PATH = 1 << 4,         /* argv[0] is looked up in PATH */
	/* Its own process group, killed whole at the deadline. Only for a
	   child with a deadline: a child in its own group no longer gets the
	   terminal's ^C with dormant (sendmail must, or it would send what
	   it has read so far). */
	SPAWN_PGROUP = 1 << 5,
};

struct spawn {
	/* set by the caller, read by spawn_start only */
	char *const *argv;           /* NULL: the child only runs pre_exec */
	char *const *envp;           /* NULL: this process's environment */
	unsigned int flags;          /* enum spawn_flags */
	int timeout_ms;              /* from spawn_start; -1 none (SPAWN_PGROUP) */
	/* In the child, after its descriptors are set, before the exec: a
	   nonzero return is at once the child's exit status (and with argv
	   NULL, so is zero). dormant forks while it runs one thread only, so
	   the hook may drop privileges or open files; what it prints must go
	   through write(2), not stdio buffers the parent shares. */
	int (*pre_exec)(void *ctx);
	void *ctx;

	/* set by spawn_start */
	pid_t pid;
	int in, out;                 /* the pipes' ends, or -1; a caller that
					takes one over (fdopen) sets it to -1 */
	int64_t deadline;            /* CLOCK_MONOTONIC ms, or -1 */
	bool timed_out;              /* spawn_wait killed it */
};

/* The environment children get when sp->envp is NULL (NULL: this
   process's own). lang.c sets the one dormant started with, before it
   changed LANGUAGE for itself. envp must outlive every child started. */
void spawn_set_environ(char **envp);

/* Start the child; a program that cannot be run makes it print "dormant:
   cannot run PATH: WHY" on its stderr and exit 127. 0, or -1 with
   *error_r and errno (no child then). */
int spawn_start(struct spawn *sp, const char **error_r);

/* Read the child's stdout into buf (at most size bytes) until its end,
   buf is full or the deadline passes. Returns the bytes read; closes
   sp->out. */
size_t spawn_read(struct spawn *sp, char *buf, size_t size);

/* Close what is left of the pipes and wait for the child, at most until
   the deadline: then its process group is killed and reaped, timed_out
   set and -1 returned with *error_r "no exit after N s, killed". 0 with
   its wait status in *status_r, or -1 with *error_r. */
int spawn_wait(struct spawn *sp, int *status_r, const char **error_r);

/* A wait status as the exit code messages show: the code, or -1 for a
   child killed by a signal. */
int spawn_exit_code(int status);

#endif

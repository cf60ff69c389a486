/* sigpipe.h - signals as bytes on a pipe, so that a poll loop handles them
 * outside the handler (the self-pipe trick). One per process: the
 * supervisor opens it for its signals, a worker closes the one it
 * inherited and opens its own. */
#ifndef DORMANT_SIGPIPE_H
#define DORMANT_SIGPIPE_H

#include <stddef.h>

/* Catch sigs: each delivery writes the signal number to the pipe (a full
   pipe drops it: one of each kind is already waiting). SA_NODEFER, so
   the handling thread never blocks them, even in the handler. Returns 0,
   or -1 with *error_r. */
int sigpipe_open(const int *sigs, size_t count, const char **error_r);
/* Restore the default action of the signals and close the pipe. */
void sigpipe_close(void);
/* The descriptor to poll for reading. */
int sigpipe_fd(void);
/* Put byte on the pipe from any thread (a thread's "I am done"). */
void sigpipe_post(unsigned char byte);
/* Read one byte: 1 with *byte_r, 0 nothing waiting, -1 error. */
int sigpipe_read(unsigned char *byte_r);

#endif

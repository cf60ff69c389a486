/* ctl.h - the channel between the supervisor and its worker: a
 * SOCK_SEQPACKET socketpair made before each fork, one message a packet.
 *
 * worker -> supervisor: CTL_READY (listening: start-up succeeded),
 *                       CTL_RELOAD (the worker got a SIGHUP: please reload)
 * supervisor -> worker: CTL_CONFIG with a configuration snapshot's
 *                       descriptor attached (mconf.h)
 * End of file on either side means the other process is gone. */
#ifndef DORMANT_CTL_H
#define DORMANT_CTL_H

enum ctl_msg {
	CTL_READY = 'R',
	CTL_RELOAD = 'H',
	CTL_CONFIG = 'C',
};

/* A connected pair, close-on-exec. 0, or -1 with *error_r. */
int ctl_pair(int fds_r[2], const char **error_r);
/* Send msg, with a duplicate of pass_fd attached unless it is -1.
   0, or -1 (errno set; EAGAIN: the peer does not read). Never blocks. */
int ctl_send(int fd, enum ctl_msg msg, int pass_fd);
/* Receive one message: 1 with *msg_r and *fd_r (-1 if none came; the
   caller closes it), 0 when the peer is gone, -1 on error (errno).
   Unknown messages and surplus descriptors are dropped. */
int ctl_recv(int fd, char *msg_r, int *fd_r);

#endif

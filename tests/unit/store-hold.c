/* store-hold.c - hold the database's locks the way a stuck process would,
 * for tests that prove a login or MAIL FROM is not held up by it.
 *
 *   store-hold DIR writer   a write transaction through the store (as a
 *                           dormant process stopped inside one would)
 *   store-hold DIR flock    a POSIX write lock on all of lock.mdb
 *
 * Optionally as UID:GID (after the mode) to act as the mail uid. Prints
 * "held" once the lock is taken, then keeps it until standard input
 * closes. Exit 0, or 1 with a message. */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void held_until_eof(void)
{
	char buf[64];

	printf("held\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

static int hold_txn(struct store_txn *t, void *ctx, const char **error_r)
{
	(void)t; (void)ctx; (void)error_r;
	held_until_eof();
	return 0;                    /* nothing to write */
}

int main(int argc, char **argv)
{
	const char *error;
	struct store *store;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: store-hold DIR writer|flock [UID:GID]\n");
		return 2;
	}
	if (argc == 4) {
		unsigned int uid, gid;
		if (sscanf(argv[3], "%u:%u", &uid, &gid) != 2 ||
		    setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
			fprintf(stderr, "store-hold: cannot become %s\n", argv[3]);
			return 1;
		}
	}
	if (strcmp(argv[2], "flock") == 0) {
		char path[4096];
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd;

		snprintf(path, sizeof(path), "%s/lock.mdb", argv[1]);
		fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0) {
			fprintf(stderr, "store-hold: %s: %s\n", path, strerror(errno));
			return 1;
		}
		held_until_eof();
		return 0;
	}
	if (store_open(argv[1], 0, &store, &error) < 0 ||
	    store_write(store, hold_txn, NULL, "hold", &error) < 0) {
		fprintf(stderr, "store-hold: %s\n", error);
		return 1;
	}
	store_close(&store);
	return 0;
}

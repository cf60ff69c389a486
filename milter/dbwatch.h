/* dbwatch.h - notice when the database files are replaced under an open
 * handle.
 *
 * LMDB keeps its files open: after a restored backup or an mv of another
 * database into place, an open handle reads and writes the old, unlinked
 * files for ever, while every other process uses the new ones. A watch
 * remembers which files (device and inode of data.mdb and lock.mdb) a
 * handle was opened on, so the owner can compare them with what the
 * directory holds now and reopen. */
#ifndef DORMANT_DBWATCH_H
#define DORMANT_DBWATCH_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct dbwatch_file {
	bool present;
	dev_t dev;
	ino_t ino;
};

struct dbwatch {
	char data_path[PATH_MAX];
	char lock_path[PATH_MAX];
	struct dbwatch_file data, lock;
};

enum dbwatch_state {
	DBWATCH_SAME,        /* the files the handle was opened on */
	DBWATCH_REPLACED,    /* data.mdb there, but not the handle's data.mdb
				or lock.mdb: reopen */
	DBWATCH_MISSING,     /* no data.mdb (a restore under way?): wait */
};

/* Set the paths for database directory dir; 0, or -1 if too long. */
int dbwatch_init(struct dbwatch *w, const char *dir);
/* Remember the files the directory holds now. */
void dbwatch_snap(struct dbwatch *w);
/* True if the directory held the same files at both snapshots. */
bool dbwatch_equal(const struct dbwatch *a, const struct dbwatch *b);
/* Compare the directory with the last snapshot (two stat calls). */
enum dbwatch_state dbwatch_check(const struct dbwatch *w);

#endif

/* dbwatch.c - notice replaced database files (dbwatch.h). */
#include "dbwatch.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int dbwatch_init(struct dbwatch *w, const char *dir)
{
	memset(w, 0, sizeof(*w));
	if ((size_t)snprintf(w->data_path, sizeof(w->data_path), "%s/data.mdb",
			     dir) >= sizeof(w->data_path) ||
	    (size_t)snprintf(w->lock_path, sizeof(w->lock_path), "%s/lock.mdb",
			     dir) >= sizeof(w->lock_path))
		return -1;
	return 0;
}

static void file_snap(const char *path, struct dbwatch_file *f)
{
	struct stat st;

	/* stat, not lstat: LMDB opens what a link points to */
	f->present = stat(path, &st) == 0;
	f->dev = f->present ? st.st_dev : 0;
	f->ino = f->present ? st.st_ino : 0;
}

static bool file_equal(const struct dbwatch_file *a, const struct dbwatch_file *b)
{
	return a->present == b->present && a->dev == b->dev && a->ino == b->ino;
}

void dbwatch_snap(struct dbwatch *w)
{
	file_snap(w->data_path, &w->data);
	file_snap(w->lock_path, &w->lock);
}

bool dbwatch_equal(const struct dbwatch *a, const struct dbwatch *b)
{
	return file_equal(&a->data, &b->data) && file_equal(&a->lock, &b->lock);
}

enum dbwatch_state dbwatch_check(const struct dbwatch *w)
{
	struct dbwatch_file data, lock;

	file_snap(w->data_path, &data);
	if (!data.present)
		return DBWATCH_MISSING;
	file_snap(w->lock_path, &lock);
	/* a lock file gone or new splits the processes between two lock
	   tables over one data file: reopen as for a new data file */
	return file_equal(&data, &w->data) && file_equal(&lock, &w->lock) ?
		DBWATCH_SAME : DBWATCH_REPLACED;
}

/* outfile.h - write a report file atomically, gzip-compressed when its name
 * ends in ".gz". The data goes to a temporary file in the same directory,
 * which is fsynced and renamed over the target only on success, so a
 * reader never sees half a report. A symlink at the target is refused.
 * When root writes into a directory others can change, the file is
 * created and renamed as that directory's owner (privs.h). */
#ifndef DORMANT_OUTFILE_H
#define DORMANT_OUTFILE_H

#include <stdio.h>
#include <stdbool.h>
#include <sys/types.h>

struct outfile;

/* Open path for writing ("-" is stdout, never compressed). *f_r is the
   stream to write to. Returns NULL with *error_r. mode is the file mode
   of the result (e.g. 0640). */
struct outfile *outfile_open(const char *path, int mode, FILE **f_r,
			     const char **error_r);
/* The same, compressed or not whatever the name says ("-" included). */
struct outfile *outfile_open_as(const char *path, int mode, bool gzip,
				FILE **f_r, const char **error_r);
/* Give the file being written this owner and group (either may be -1);
   silently kept as it is where the caller may not. */
void outfile_chown(struct outfile *out, uid_t uid, gid_t gid);
/* Finish: flush, compress, fsync, rename. Returns 0, or -1 with *error_r
   after removing the temporary file. Frees outfile either way. */
int outfile_commit(struct outfile **outfile, const char **error_r);
/* Give up: remove the temporary file. */
void outfile_abort(struct outfile **outfile);

bool outfile_is_gzip(const char *path);

#endif

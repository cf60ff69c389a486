/* test-outfile.c - report files written atomically (reporter/outfile.c):
 * the target keeps its old bytes until the commit, compressed when its
 * name ends in .gz, no temporary file left behind, and a symbolic link or
 * anything but a regular file at the target refused. */
#include "testutil.h"
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

enum target { T_NONE, T_FILE, T_LINK, T_DIR };

struct outfile_case {
	const char *name;            /* in the test's directory */
	enum target before;          /* what is at the name first */
	bool commit;                 /* or abort */
	const char *error;           /* expected error (outfile_open), or NULL */
	const char *content;         /* read back (decompressed), NULL: old */
	int mode;
};

static const struct outfile_case outfile_cases[] = {
	{ "new.txt", T_NONE, true, NULL, "report 1\n", 0640 },
	{ "old.txt", T_FILE, true, NULL, "report 2\n", 0644 },
	{ "new.csv.gz", T_NONE, true, NULL, "a,b\r\n1,2\r\n", 0640 },
	{ "old.gz", T_FILE, true, NULL, "compressed\n", 0600 },
	{ "aborted.txt", T_FILE, false, NULL, NULL, 0640 },
	{ "aborted-new.txt", T_NONE, false, NULL, NULL, 0640 },
	{ "link.txt", T_LINK, true, "is a symbolic link: refusing to replace it",
	  NULL, 0640 },
	{ "dir.txt", T_DIR, true, "is not a regular file: refusing to replace it",
	  NULL, 0640 },
	{ "", T_NONE, true, "not a file name", NULL, 0640 },
};

/* The file's bytes, gunzipped if it is gzip (zlib reads plain as it is). */
static char *read_back(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	char *buf = calloc(1, 4096);
	int n;

	if (gz == NULL || buf == NULL) {
		if (gz != NULL)
			gzclose(gz);
		free(buf);
		return NULL;
	}
	n = gzread(gz, buf, 4095);
	gzclose(gz);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static bool is_gzip(const char *path)
{
	unsigned char magic[2] = { 0, 0 };
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return false;
	(void)!fread(magic, 1, 2, f);
	fclose(f);
	return magic[0] == 0x1f && magic[1] == 0x8b;
}

/* Files in dir besides the cases' own (a temporary file left behind). */
static int stray_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
			strcmp(e->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	return n;
}

static void test_outfile_table(void **state)
{
	char *dir = test_mkdtemp(), path[512], target[512];

	T_BEGIN();
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	if (test_write_file(target, "untouched\n", 10) < 0)
		T_FATAL("cannot write %s", target);
	for (size_t i = 0; i < sizeof(outfile_cases) / sizeof(outfile_cases[0]); i++) {
		const struct outfile_case *c = &outfile_cases[i];
		const char *error = NULL;
		struct outfile *of;
		struct stat st_before, st;
		char *got;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, c->name);
		memset(&st_before, 0, sizeof(st_before));
		if (c->before == T_FILE)
			T_CHECK(test_write_file(path, "old\n", 4) == 0, "write");
		else if (c->before == T_LINK)
			T_CHECK(symlink(target, path) == 0, "symlink");
		else if (c->before == T_DIR)
			T_CHECK(mkdir(path, 0700) == 0, "mkdir");
		(void)lstat(path, &st_before);
		of = outfile_open(path, c->mode, &f, &error);
		if (c->error != NULL) {
			T_CHECK(of == NULL && error != NULL &&
				strstr(error, c->error) != NULL,
				"%s: error '%s', expected '%s'", c->name, T_STR(error),
				c->error);
			if (of != NULL)
				outfile_abort(&of);
			got = read_back(target);
			T_CHECK(got != NULL && strcmp(got, "untouched\n") == 0,
				"%s: the link's target changed", c->name);
			free(got);
			continue;
		}
		if (of == NULL) {
			T_CHECK(false, "%s: outfile_open: %s", c->name, T_STR(error));
			continue;
		}
		fputs(c->content != NULL ? c->content : "never seen\n", f);
		fflush(f);
		/* until the commit, a reader sees the old file or none */
		got = read_back(path);
		T_CHECK(c->before == T_FILE ? got != NULL && strcmp(got, "old\n") == 0 :
			got == NULL, "%s: target changed before the commit", c->name);
		free(got);
		if (c->commit) {
			T_CHECK(outfile_commit(&of, &error) == 0, "%s: commit: %s",
				c->name, T_STR(error));
		} else {
			outfile_abort(&of);
		}
		T_CHECK(of == NULL, "%s: handle not cleared", c->name);
		got = read_back(path);
		if (c->content != NULL) {
			T_CHECK(got != NULL && strcmp(got, c->content) == 0,
				"%s: read back '%s'", c->name, T_STR(got));
			T_CHECK(is_gzip(path) == outfile_is_gzip(path),
				"%s: compressed or not against its name", c->name);
			T_CHECK(lstat(path, &st) == 0 && (st.st_mode & 07777) ==
				(mode_t)c->mode, "%s: mode %o", c->name,
				(unsigned)(st.st_mode & 07777));
			/* replaced by rename, never rewritten in place */
			T_CHECK(c->before != T_FILE || st.st_ino != st_before.st_ino,
				"%s: rewritten in place", c->name);
		} else {
			T_CHECK(c->before == T_FILE ? got != NULL &&
				strcmp(got, "old\n") == 0 : got == NULL,
				"%s: abort changed the target", c->name);
		}
		free(got);
		T_CHECK(stray_files(dir) == 0, "%s: a temporary file was left",
			c->name);
	}
	T_CHECK(test_rmtree(dir) == 0, "rmtree");
	free(dir);
	T_END();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outfile_table),
	};

	test_init();
	return cmocka_run_group_tests_name("outfile", tests, NULL, NULL);
}

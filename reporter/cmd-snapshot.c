/* cmd-snapshot.c - "dormant export" and "dormant merge": carry activity
 * between hosts of a cluster with the admin's own transport (rsync, scp).
 * Merge folds by max, so order and repetition never matter; every file is
 * read once and verified to its checksum before anything is written, and
 * what is written comes from the bytes verified. */
#include "cli.h"
#include "i18n.h"
#include "outfile.h"
#include "output.h"
#include "snapshot.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MERGE_CHUNK 4096

static int export_one(void *ctx, const struct account_view *view)
{
	struct snapshot_writer *w = ctx;

	if (view->decode_error != NULL) {
		cli_error(_("account %s: %s (not exported)"), view->account,
			  view->decode_error);
		return 0;
	}
	if (view->activity != NULL)
		snapshot_write_activity(w, view->account, view->activity);
	if (view->info != NULL)
		snapshot_write_account(w, view->account, view->info);
	return 0;
}

static int export_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct snapshot_header hdr;
	struct snapshot_writer w;
	struct outfile *of;
	struct store *store;
	const char *output = NULL, *error;
	FILE *out;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c != 'o')
			return cli_usage(&cmd_export, NULL);
		output = optarg;
	}
	if (output == NULL || optind != argc)
		return cli_usage(&cmd_export, _("give -o FILE"));
	store = cli_store_open(cli, true);
	if (store == NULL)
		return EXIT_RUNTIME;
	memset(&hdr, 0, sizeof(hdr));
	hdr.created = cli->now;
	if (gethostname(hdr.host, sizeof(hdr.host) - 1) < 0)
		hdr.host[0] = '\0';
	if (store_tracking_start(store, &hdr.tracking_start, &error) < 0) {
		cli_error("%s", error);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	of = outfile_open_as(output, 0640, true, &out, &error);
	if (of == NULL) {
		cli_error("%s", error);
		store_close(&store);
		return EXIT_RUNTIME;
	}
	snapshot_write_header(&w, out, &hdr);
	ret = store_account_foreach(store, export_one, &w, &error);
	store_close(&store);
	if (ret < 0) {
		cli_error("%s", error);
		outfile_abort(&of);
		return EXIT_RUNTIME;
	}
	snapshot_write_end(&w);
	if (outfile_commit(&of, &error) < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	if (strcmp(output, "-") != 0)
		fprintf(stderr, _("exported %llu records to %s\n"),
			(unsigned long long)w.count, output);
	return EXIT_OK;
}

const struct cli_command cmd_export = {
	"export", export_run, "-o FILE",
	N_("write a compressed, checksummed snapshot for dormant merge elsewhere"),
	N_("The snapshot holds every account's activity and directory record and\n"
	"the tracking start; it is zlib-compressed, versioned and ends in a\n"
	"CRC-32. -o - writes it to standard output.\n"),
};

struct chunk {
	const char *names[MERGE_CHUNK];
	char buf[MERGE_CHUNK][ACCOUNT_MAX + 1];
	struct activity acts[MERGE_CHUNK];
	struct account_info infos[MERGE_CHUNK];
	const char *info_names[MERGE_CHUNK];
	size_t nact, ninfo;
};

static int flush_chunk(struct store *store, struct chunk *ch, long *changed,
		       const char **error_r)
{
	long a = 0, b = 0;

	if (ch->nact > 0)
		a = store_activity_merge_batch(store, ch->names, ch->acts, ch->nact,
					       error_r);
	if (a >= 0 && ch->ninfo > 0)
		b = store_accounts_merge_batch(store, ch->info_names, ch->infos,
					       ch->ninfo, error_r);
	ch->nact = ch->ninfo = 0;
	if (a < 0 || b < 0)
		return -1;
	*changed += a + b;
	return 0;
}

static int merge_file(struct store *store, struct snapshot_reader *r,
		      struct chunk *ch, long *changed, const char **error_r)
{
	struct snapshot_record rec;
	int ret;

	while ((ret = snapshot_next(r, &rec, error_r)) > 0) {
		size_t slot = ch->nact + ch->ninfo;

		memcpy(ch->buf[slot], rec.account, sizeof(ch->buf[slot]));
		if (rec.type == SNAP_ACTIVITY) {
			ch->names[ch->nact] = ch->buf[slot];
			ch->acts[ch->nact++] = rec.activity;
		} else {
			ch->info_names[ch->ninfo] = ch->buf[slot];
			ch->infos[ch->ninfo++] = rec.info;
		}
		if (ch->nact + ch->ninfo == MERGE_CHUNK &&
		    flush_chunk(store, ch, changed, error_r) < 0)
			return -1;
	}
	if (ret < 0)
		return -1;
	return flush_chunk(store, ch, changed, error_r);
}

static void files_free(struct snapshot_file *files, int n)
{
	for (int i = 0; i < n; i++)
		snapshot_file_free(&files[i]);
	free(files);
}

/* Read and verify every file; nothing written yet. 0, or -1 (printed). */
static int merge_verify(struct snapshot_file *files, int n, char **paths)
{
	struct snapshot_header hdr;
	struct snapshot_record rec;
	struct snapshot_reader r;
	const char *error;
	int ret;

	for (int i = 0; i < n; i++) {
		uint64_t count = 0;

		if (snapshot_file_read(&files[i], paths[i], &error) < 0 ||
		    snapshot_open(&r, &files[i], &hdr, &error) < 0) {
			cli_error(_("%s: nothing merged"), error);
			return -1;
		}
		while ((ret = snapshot_next(&r, &rec, &error)) > 0)
			count++;
		snapshot_close(&r);
		if (ret < 0) {
			cli_error(_("%s: nothing merged"), error);
			return -1;
		}
		/* the host name is the other host's word: escaped */
		printf(_("%s: %llu records from "), paths[i], (unsigned long long)count);
		if (hdr.host[0] != '\0')
			text_safe(stdout, hdr.host, strlen(hdr.host));
		else
			fputs(_("(unnamed host)"), stdout);
		fputs(_(", verified\n"), stdout);
	}
	return 0;
}

static int merge_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct snapshot_header hdr;
	struct snapshot_reader r;
	struct snapshot_file *files;
	struct store *store;
	struct chunk *ch;
	const char *error = NULL;
	bool dry_run = false;
	long changed = 0;
	int c, ret, nfiles, nstdin = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n')
			return cli_usage(&cmd_merge, NULL);
		dry_run = true;
	}
	if (optind >= argc)
		return cli_usage(&cmd_merge, _("give at least one snapshot"));
	nfiles = argc - optind;
	for (int i = optind; i < argc; i++)
		nstdin += strcmp(argv[i], "-") == 0;
	if (nstdin > 1)
		return cli_usage(&cmd_merge, _("standard input (-) given twice"));
	files = calloc((size_t)nfiles, sizeof(*files));
	if (files == NULL) {
		cli_error(_("out of memory"));
		return EXIT_RUNTIME;
	}
	/* Pass 1: every file read once, whole, and verified to its checksum.
	   Pass 2 applies the same bytes from memory: a file replaced or
	   rewritten meanwhile is never read again. */
	if (merge_verify(files, nfiles, argv + optind) < 0) {
		files_free(files, nfiles);
		return EXIT_RUNTIME;
	}
	if (dry_run) {
		files_free(files, nfiles);
		return EXIT_OK;
	}
	/* Pass 2: fold in batches; max merges are idempotent, so a crash here
	   leaves a consistent database that a second run completes. */
	store = cli_store_open(cli, false);
	ch = store != NULL ? malloc(sizeof(*ch)) : NULL;
	if (ch == NULL) {
		if (store != NULL)
			cli_error(_("out of memory"));
		store_close(&store);
		files_free(files, nfiles);
		return EXIT_RUNTIME;
	}
	ret = 0;
	for (int i = 0; i < nfiles && ret == 0; i++) {
		ch->nact = ch->ninfo = 0;
		ret = snapshot_open(&r, &files[i], &hdr, &error);
		if (ret < 0)
			break;
		ret = merge_file(store, &r, ch, &changed, &error);
		if (ret == 0)
			ret = store_tracking_extend(store, hdr.tracking_start, &error);
		snapshot_close(&r);
	}
	free(ch);
	store_close(&store);
	files_free(files, nfiles);
	if (ret < 0) {
		cli_error("%s", error);
		return EXIT_RUNTIME;
	}
	printf(ngettext("merged %d snapshot: %ld records changed\n",
			"merged %d snapshots: %ld records changed\n", (unsigned long)nfiles),
	       nfiles, changed);
	return EXIT_OK;
}

const struct cli_command cmd_merge = {
	"merge", merge_run, "[--dry-run] FILE...",
	N_("fold snapshots from other hosts into this database (by max)"),
	N_("Every snapshot is read once and verified (version, structure, every\n"
	"record, count, CRC-32, gzip integrity) before anything is written; a\n"
	"bad one is refused and nothing changes. What is applied is what was\n"
	"verified, from memory. - reads a snapshot from standard input.\n"
	"Merging is commutative, associative and idempotent. Tracking history\n"
	"moves back to the oldest snapshot's.\n"),
};

/* cmd-import.c - "dormant import-log": backfill history from Dovecot and
 * Postfix logs, plain or gzip (zlib reads both), so the first report is
 * useful on day one. Files are parsed on worker threads, each into its
 * own account map; the maps are folded together and written by the max
 * rule in batches, so importing twice changes nothing. */
#include "cli.h"
#include "i18n.h"
#include "acctmap.h"
#include "logline.h"
#include "outfile.h"
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

#define READ_CHUNK (1 << 20)
#define IMPORT_LINE_MAX 65536        /* longer lines are skipped */
#define MAX_THREADS 16

struct import_stats {
	unsigned long long lines, logins, sends, masters, refused, malformed,
		too_long, foreign, partial;
	int64_t oldest;
	char sample[512];            /* the first malformed line, described */
	bool failed;                 /* a file could not be read to its end */
};

struct import_job {
	struct cli *cli;
	char **files;
	int nfiles;
	int next;                    /* next file to take, under lock */
	pthread_mutex_t lock;
};

struct worker {
	struct import_job *job;
	struct acctmap map;
	/* refused logins: the latest of each account and day, keyed
	   "DAY:account" (DAY = days since the epoch, digits only) */
	struct acctmap refused;
	struct import_stats st;
	pthread_t thread;
	bool oom;
};

static void note_malformed(struct import_stats *st, const char *file,
			   unsigned long long lineno, const char *error,
			   const char *line, size_t len)
{
	char clean[80];
	size_t n = 0;

	st->malformed++;
	if (st->sample[0] != '\0')
		return;
	for (size_t i = 0; i < len && n < sizeof(clean) - 1; i++)
		clean[n++] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	clean[n] = '\0';
	snprintf(st->sample, sizeof(st->sample), "%s:%llu: %s: %s%s", file, lineno,
		 error, clean, len > n ? "..." : "");
}

/* With local_domains set, a name of another domain is no account of
   ours, whatever a log says (a bare name belongs to no other domain). */
static bool foreign(const struct dormant_config *cfg, const char *account)
{
	const char *domain = account_domain(account);

	return cfg->local_domains != NULL && cfg->local_domains[0] != '\0' &&
		domain != NULL &&
		!config_is_local_domain(cfg, domain);
}

static void handle_line(struct worker *w, struct logline_ctx *lctx,
			const char *file, const char *line, size_t len)
{
	struct logline_event ev;
	struct activity_event aev;
	const char *error = "unknown";
	char key[24 + ACCOUNT_MAX];
	enum logline_result r;

	w->st.lines++;
	r = logline_parse(lctx, line, len, &ev, &error);
	switch (r) {
	case LOGLINE_NONE:
		return;
	case LOGLINE_MASTER:
		w->st.masters++;
		return;
	case LOGLINE_MALFORMED:
		note_malformed(&w->st, file, w->st.lines, error, line, len);
		return;
	case LOGLINE_REFUSED:
	case LOGLINE_EVENT:
		break;
	}
	if (foreign(&w->job->cli->cfg, ev.account)) {
		w->st.foreign++;
		return;
	}
	if (r == LOGLINE_REFUSED) {
		w->st.refused++;
		snprintf(key, sizeof(key), "%lld:%s", (long long)(ev.time / 86400),
			 ev.account);
		aev.kind = ACTIVITY_LOGIN;
		aev.time = ev.time;
		aev.service = ev.service;
		aev.ip = ev.ip[0] != '\0' ? ev.ip : NULL;
		if (acctmap_apply(&w->refused, key, &aev) < 0)
			w->oom = true;
		return;
	}
	if (ev.kind == ACTIVITY_LOGIN)
		w->st.logins++;
	else
		w->st.sends++;
	if (w->st.oldest == 0 || ev.time < w->st.oldest)
		w->st.oldest = ev.time;
	aev.kind = ev.kind;
	aev.time = ev.time;
	aev.service = ev.service;
	aev.ip = ev.ip[0] != '\0' ? ev.ip : NULL;
	if (acctmap_apply(&w->map, ev.account, &aev) < 0)
		w->oom = true;
}

static void import_file(struct worker *w, const char *file)
{
	struct cli *cli = w->job->cli;
	struct account_rules rules = {
		.default_domain = cli->cfg.default_domain,
		.keep_local_case = !cli->cfg.lowercase_local_part,
	};
	struct logline_ctx lctx;
	unsigned long long first_line = w->st.lines;
	char *buf;
	size_t have = 0;
	bool skipping = false;
	struct stat st;
	gzFile gz;
	int err, n;

	if (strcmp(file, "-") == 0) {
		gz = gzdopen(dup(STDIN_FILENO), "rb");
		logline_init(&lctx, cli->now, &rules);
	} else {
		gz = gzopen(file, "rb");
		logline_init(&lctx, stat(file, &st) == 0 ? st.st_mtime : cli->now,
			     &rules);
	}
	if (gz == NULL) {
		cli_error("%s: %s", file, errno != 0 ? strerror(errno) : "cannot open");
		w->st.failed = true;
		return;
	}
	gzbuffer(gz, 256 * 1024);
	/* zlib reads plain files as they are; a .gz name that is not gzip
	   data is a damaged or mislabelled file */
	if (outfile_is_gzip(file) && gzdirect(gz)) {
		cli_error(_("%s: not gzip data (damaged?): skipped"), file);
		w->st.failed = true;
		gzclose(gz);
		return;
	}
	buf = malloc(READ_CHUNK + IMPORT_LINE_MAX);
	if (buf == NULL) {
		w->oom = true;
		gzclose(gz);
		return;
	}
	while ((n = gzread(gz, buf + have, READ_CHUNK)) > 0) {
		char *p = buf, *end = buf + have + n, *nl;

		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			if (!skipping && nl - p > IMPORT_LINE_MAX) {
				w->st.too_long++;
				skipping = true;
			}
			if (!skipping)
				handle_line(w, &lctx, file, p, (size_t)(nl - p));
			else
				w->st.lines++;
			skipping = false;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have >= IMPORT_LINE_MAX) {
			/* a line this long is no log line we read: skip to its end */
			w->st.too_long++;
			skipping = true;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
	}
	/* a last line without its newline is still being written (a live
	   log) or was cut (a truncated file): its name may be cut too */
	if (have > 0 && !skipping)
		w->st.partial++;
	if (n < 0 || (gzerror(gz, &err), err != Z_OK && err != Z_BUF_ERROR) ||
	    (n == 0 && !gzeof(gz))) {
		const char *msg = gzerror(gz, &err);
		cli_error(_("%s: read error after %llu lines: %s (what was read is "
			  "kept)"), file, w->st.lines - first_line,
			  err == Z_ERRNO ? strerror(errno) : msg);
		w->st.failed = true;
	}
	free(buf);
	/* gzclose reports a truncated gzip stream (Z_BUF_ERROR) */
	err = gzclose(gz);
	if (err != Z_OK && !w->st.failed) {
		cli_error(_("%s: truncated or corrupt compressed data after %llu "
			  "lines (what was read is kept)"), file,
			  w->st.lines - first_line);
		w->st.failed = true;
	}
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct import_job *job = w->job;

	for (;;) {
		int i;

		pthread_mutex_lock(&job->lock);
		i = job->next < job->nfiles ? job->next++ : -1;
		pthread_mutex_unlock(&job->lock);
		if (i < 0 || w->oom)
			break;
		import_file(w, job->files[i]);
	}
	return NULL;
}

/* A POSIX TZ zone name: three letters or more, or <...> of letters,
   digits, '+' and '-'. Where it ends, or NULL. */
static const char *tz_rule_name(const char *p)
{
	const char *start = p;

	if (*p == '<') {
		for (p++; isalnum((unsigned char)*p) || *p == '+' || *p == '-'; p++)
			;
		return *p == '>' && p - start >= 4 ? p + 1 : NULL;
	}
	while (isalpha((unsigned char)*p))
		p++;
	return p - start >= 3 ? p : NULL;
}

/* A POSIX TZ offset, [+-]h[h][:mm[:ss]]. Where it ends, or NULL. */
static const char *tz_rule_offset(const char *p)
{
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	p += isdigit((unsigned char)p[1]) ? 2 : 1;
	for (int i = 0; i < 2 && *p == ':'; i++) {
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
			return NULL;
		p += 3;
	}
	return p;
}

/* A POSIX TZ rule: "UTC0", "<+07>-7", "CET-1CEST,M3.5.0,M10.5.0/3" (the
   change dates are checked for their alphabet only). */
static bool tz_rule(const char *p)
{
	if ((p = tz_rule_name(p)) == NULL || (p = tz_rule_offset(p)) == NULL)
		return false;
	if (*p == '\0')
		return true;
	if ((p = tz_rule_name(p)) == NULL)
		return false;
	if (*p != '\0' && *p != ',' && (p = tz_rule_offset(p)) == NULL)
		return false;
	return *p == '\0' ||
		(*p == ',' && strspn(p, "0123456789JM.,/:+-") == strlen(p));
}

#define TZ_UNKNOWN "unknown time zone (no tzfile of that name under " \
	"$TZDIR or /usr/share/zoneinfo, and no POSIX TZ rule such as UTC0)"

/* Whether tz names a zone that glibc will really use: for anything else it
   takes UTC without a word. A tzfile ("Asia/Bangkok" under $TZDIR or
   /usr/share/zoneinfo, or an absolute path), or a POSIX TZ rule; "", ":",
   "UTC" and "GMT" are UTC to glibc. */
static bool tz_exists(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[4096], magic[4];
	bool colon = tz[0] == ':';
	ssize_t n;
	int fd, len;

	tz += colon ? 1 : 0;
	/* glibc's fallback is UTC: right for these even without tzdata */
	if (tz[0] == '\0' || strcmp(tz, "UTC") == 0 || strcmp(tz, "GMT") == 0)
		return true;
	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	len = tz[0] == '/' ? snprintf(path, sizeof(path), "%s", tz) :
		snprintf(path, sizeof(path), "%s/%s", dir, tz);
	if (len < 0 || (size_t)len >= sizeof(path))
		return false;
	/* O_NONBLOCK: a FIFO of that name must not hang the import */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		n = read(fd, magic, sizeof(magic));
		close(fd);
		return n == (ssize_t)sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
	}
	return !colon && tz_rule(tz);
}

/* Refused logins to refused-login events, with the idle time the account
   had then by what the database knows. Returns events written, or -1. */
static long import_refused(struct store *store, const struct acctmap *refused,
			   const char **error_r)
{
	struct store_event_item *items;
	size_t n = 0;
	long ret;

	items = calloc(refused->count, sizeof(*items));
	if (items == NULL) {
		*error_r = _("out of memory");
		return -1;
	}
	for (size_t j = 0; j < refused->size; j++) {
		const struct acctmap_entry *e = &refused->slots[j];
		struct store_event_item *it = &items[n];
		struct activity act;
		int64_t last;

		if (e->name == NULL)
			continue;
		it->account = strchr(e->name, ':') + 1;
		it->time = e->act.last_login;
		it->ev.kind = EVENT_REFUSED_LOGIN;
		it->ev.ip = e->act.login_ip;
		memcpy(it->ev.service, e->act.login_service, sizeof(it->ev.service));
		it->ev.idle = -1;
		memset(&act, 0, sizeof(act));
		if (store_activity_get(store, it->account, &act, error_r) < 0) {
			free(items);
			return -1;
		}
		last = activity_last(&act);
		if (last > 0 && last <= it->time)
			it->ev.idle = it->time - last;
		n++;
	}
	ret = store_event_add_batch(store, items, n, error_r);
	free(items);
	return ret;
}

/* What the workers found, added up, and their maps folded into one. */
struct import_result {
	struct import_stats total;
	struct acctmap all, refused;
};

/* The options; EXIT_OK, or the usage error's exit code (printed). */
static int import_options(int argc, char **argv, int *jobs_r, bool *dry_run_r)
{
	static const struct option opts[] = {
		{ "tz", required_argument, NULL, 'z' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t jobs = 0;
	int c;

	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		switch (c) {
		case 'z':
			/* classic syslog stamps carry no zone: read them in this one */
			if (!tz_exists(optarg))
				return cli_usage(&cmd_import, _("--tz %s: %s"), optarg,
						 TZ_UNKNOWN);
			if (setenv("TZ", optarg, 1) < 0)
				return cli_usage(&cmd_import, _("--tz: %s"), strerror(errno));
			break;
		case 'j':
			if (uint_parse(optarg, MAX_THREADS, &jobs) < 0 || jobs == 0)
				return cli_usage(&cmd_import, _("--jobs: 1 to %d"), MAX_THREADS);
			break;
		case 'n':
			*dry_run_r = true;
			break;
		default:
			return cli_usage(&cmd_import, NULL);
		}
	}
	if (optind >= argc)
		return cli_usage(&cmd_import, _("give at least one log file (- for stdin)"));
	/* without --tz, the environment's TZ: as wrong, as silently UTC */
	if (getenv("TZ") != NULL && !tz_exists(getenv("TZ"))) {
		cli_error(_("TZ=%s in the environment: %s; classic stamps are read "
			  "in it: correct TZ, or give --tz"), getenv("TZ"), TZ_UNKNOWN);
		return EXIT_USAGE;
	}
	tzset();
	*jobs_r = (int)jobs;
	return EXIT_OK;
}

/* Parse every file of job on up to jobs threads (0: one per core), the
   calling thread one of them. Returns how many workers ran. */
static int import_parse(struct import_job *job, int jobs,
			struct worker workers[MAX_THREADS])
{
	int nthreads, ret;

	nthreads = jobs > 0 ? jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > job->nfiles)
		nthreads = job->nfiles;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	memset(workers, 0, MAX_THREADS * sizeof(*workers));
	for (int i = 0; i < nthreads; i++) {
		workers[i].job = job;
		acctmap_init(&workers[i].map);
		acctmap_init(&workers[i].refused);
		if (i == 0)
			continue;
		/* pthread functions return their error; errno is not theirs */
		ret = pthread_create(&workers[i].thread, NULL, worker_run, &workers[i]);
		if (ret != 0) {
			cli_error(_("cannot start a thread: %s"), strerror(ret));
			nthreads = i;
			break;
		}
	}
	worker_run(&workers[0]);
	for (int i = 1; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);
	return nthreads;
}

static void stats_add(struct import_stats *total, const struct import_stats *st)
{
	total->lines += st->lines;
	total->logins += st->logins;
	total->sends += st->sends;
	total->masters += st->masters;
	total->refused += st->refused;
	total->malformed += st->malformed;
	total->too_long += st->too_long;
	total->foreign += st->foreign;
	total->partial += st->partial;
	total->failed = total->failed || st->failed;
	if (st->oldest > 0 && (total->oldest == 0 || st->oldest < total->oldest))
		total->oldest = st->oldest;
	if (total->sample[0] == '\0')
		memcpy(total->sample, st->sample, sizeof(total->sample));
}

/* Fold map's entries into into. -1 out of memory. */
static int acctmap_fold_all(struct acctmap *into, const struct acctmap *map)
{
	for (size_t j = 0; j < map->size; j++) {
		const struct acctmap_entry *e = &map->slots[j];

		if (e->name != NULL && acctmap_fold(into, e->name, &e->act) < 0)
			return -1;
	}
	return 0;
}

/* Add up the workers' counts and fold their maps into res (freeing
   theirs). -1 out of memory. */
static int import_fold(struct worker *workers, int n, struct import_result *res)
{
	bool oom = false;

	for (int i = 0; i < n; i++) {
		stats_add(&res->total, &workers[i].st);
		oom = oom || workers[i].oom ||
			acctmap_fold_all(&res->all, &workers[i].map) < 0 ||
			acctmap_fold_all(&res->refused, &workers[i].refused) < 0;
		acctmap_free(&workers[i].map);
		acctmap_free(&workers[i].refused);
	}
	return oom ? -1 : 0;
}

/* Write the folded activity (by the max rule), extend the tracking
   history to the oldest event, and record the refused logins. EXIT_OK
   or EXIT_RUNTIME (printed). */
static int import_store(struct cli *cli, const struct import_result *res,
			long *changed_r, long *events_r)
{
	struct store *store = NULL;
	const char **names = NULL, *error;
	struct activity *recs = NULL;
	const struct acctmap *all = &res->all;
	int ret = EXIT_RUNTIME;
	size_t n = 0;

	if (all->count == 0 && res->refused.count == 0)
		return EXIT_OK;
	if ((store = cli_store_open(cli, false)) == NULL)
		return EXIT_RUNTIME;
	if (all->count > 0) {
		names = malloc(all->count * sizeof(*names));
		recs = malloc(all->count * sizeof(*recs));
		if (names == NULL || recs == NULL) {
			cli_error(_("out of memory: nothing imported"));
			goto out;
		}
		for (size_t j = 0; j < all->size; j++) {
			if (all->slots[j].name == NULL)
				continue;
			names[n] = all->slots[j].name;
			recs[n++] = all->slots[j].act;
		}
		*changed_r = store_activity_merge_batch(store, names, recs, n, &error);
		if (*changed_r < 0 ||
		    store_tracking_extend(store, res->total.oldest, &error) < 0) {
			cli_error("%s", error);
			goto out;
		}
	}
	if (res->refused.count > 0 &&
	    (*events_r = import_refused(store, &res->refused, &error)) < 0) {
		cli_error("%s", error);
		goto out;
	}
	ret = EXIT_OK;
out:
	free(names);
	free(recs);
	store_close(&store);
	return ret;
}

static void import_print(const struct import_result *res, int nfiles,
			 long changed, long events, bool dry_run)
{
	const struct import_stats *total = &res->total;

	printf(ngettext("read %llu lines from %d file: ", "read %llu lines from %d files: ",
			(unsigned long)nfiles), total->lines, nfiles);
	printf(_("%llu logins and %llu sends matched, %lu accounts, %ld records "
		 "changed%s\n"), total->logins, total->sends,
	       (unsigned long)res->all.count, changed, dry_run ? _(" (dry run)") : "");
	if (total->masters > 0)
		printf(_("not counted: %llu master-user logins\n"), total->masters);
	if (total->refused > 0)
		printf(_("refused (user disabled): %llu logins, %ld events recorded "
		       "(the latest per account and day)%s\n"), total->refused, events,
		       dry_run ? _(" (dry run)") : "");
	if (total->foreign > 0)
		printf(_("not counted: %llu lines of accounts outside local_domains "
		       "(foreign)\n"), total->foreign);
	if (total->too_long > 0)
		printf(_("skipped: %llu lines over %d bytes\n"), total->too_long,
		       IMPORT_LINE_MAX);
	if (total->partial > 0)
		printf(_("skipped: %llu partial last lines (no newline: a log still "
		       "being written, or a cut file)\n"), total->partial);
	if (total->malformed > 0)
		printf(_("skipped as malformed: %llu lines, first: %s\n"),
		       total->malformed, total->sample);
	if (total->oldest > 0) {
		char t[RFC3339_MAX];
		time_format_rfc3339(total->oldest, t);
		printf(_("oldest event: %s\n"), t);
	}
}

static int import_run(struct cli *cli, int argc, char **argv)
{
	struct worker workers[MAX_THREADS];
	struct import_result res;
	struct import_job job;
	bool dry_run = false;
	long changed = 0, events = 0;
	int nworkers, jobs = 0, ret;

	ret = import_options(argc, argv, &jobs, &dry_run);
	if (ret != EXIT_OK)
		return ret;
	memset(&job, 0, sizeof(job));
	job.cli = cli;
	job.files = argv + optind;
	job.nfiles = argc - optind;
	pthread_mutex_init(&job.lock, NULL);
	nworkers = import_parse(&job, jobs, workers);
	pthread_mutex_destroy(&job.lock);

	memset(&res, 0, sizeof(res));
	acctmap_init(&res.all);
	acctmap_init(&res.refused);
	if (import_fold(workers, nworkers, &res) < 0) {
		cli_error(_("out of memory: nothing imported"));
		ret = EXIT_RUNTIME;
	} else if (!dry_run) {
		ret = import_store(cli, &res, &changed, &events);
	}
	if (ret == EXIT_OK) {
		import_print(&res, job.nfiles, changed, events, dry_run);
		if (res.total.failed || res.total.malformed > 0)
			ret = EXIT_FINDINGS;
	}
	acctmap_free(&res.all);
	acctmap_free(&res.refused);
	return ret;
}

const struct cli_command cmd_import = {
	"import-log", import_run, "[--tz ZONE] [-j N] [--dry-run] FILE...",
	N_("backfill logins and sends from Dovecot and Postfix logs (plain or .gz)"),
	N_("Reads syslog lines of Dovecot's login processes ('Login: user=<...>',\n"
	"'Logged in:', proxies' 'Started proxying to') and Postfix smtpd's\n"
	"'client=..., sasl_method=..., sasl_username=...', and Dovecot's own\n"
	"log files; each line by position, so a client's words quoted in a\n"
	"line count for nothing. Failed and master-user logins are not counted;\n"
	"with local_domains set, neither are names of other domains. Logins\n"
	"Dovecot refused as '(user disabled)' (a deny passdb, such as the one\n"
	"suspend writes) become refused-login events. Only complete lines count:\n"
	"a last line without its newline (a log being written) is skipped.\n"
	"Stamps: RFC 3339, or classic 'Nov 24 10:00:00' or Dovecot's\n"
	"'2026-11-24 10:00:00' read in the local time zone (TZ, or --tz; an\n"
	"unknown zone is an error), the year of classic stamps from the file's\n"
	"modification time. Updates only move times forward: importing twice\n"
	"changes nothing. Tracking history is extended to the oldest event.\n"
	"  -j N       parse N files at once (default: one per core)\n"
	"  --dry-run  parse and count, write nothing\n"
	"Exit 1 if lines were malformed or a file could not be read to its end.\n"),
};

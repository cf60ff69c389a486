/* test-store-procs.c - the store across processes: use after fork, LMDB
 * reader slots (none held between calls, stale ones cleared on open),
 * many processes writing and many handles open at once. Children never
 * return into cmocka: they _exit() with a status the parent checks. */
#include "storetest.h"
#include "store-private.h"

#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <lmdb.h>

/* ---- fork ---- */

void test_use_after_fork(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	struct activity rec;
	pid_t pid;
	int status;

	open_store(f, 0);
	update_ok(f->store, "a@x", &ev, 60, 1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		const char *error = NULL;
		struct activity r;
		struct account_state st;
		int64_t t;
		long n = 0;

		memset(&st, 0, sizeof(st));
		st.kind = STATE_SUSPENDED;
		/* every call fails with a message, none touches LMDB */
		if (store_activity_get(f->store, "a@x", &r, &error) != -1 || error == NULL ||
		    strstr(error, "fork") == NULL)
			_exit(20);
		error = NULL;
		ev.time = 5000;
		if (store_activity_update(f->store, "a@x", &ev, 60, NULL, &error) != -1 ||
		    error == NULL)
			_exit(21);
		error = NULL;
		if (store_state_set(f->store, "a@x", &st, "{}", &error) != -1 || error == NULL)
			_exit(22);
		error = NULL;
		if (store_tracking_start(f->store, &t, &error) != -1 || error == NULL)
			_exit(23);
		error = NULL;
		if (store_activity_foreach(f->store, count_cb, &n, &error) != -1 ||
		    error == NULL)
			_exit(24);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		T_FATAL("child: status %d (20 get, 21 update, 22 state, 23 tracking, 24 foreach)",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	/* the parent goes on */
	ev.time = 2000;
	update_ok(f->store, "a@x", &ev, 60, 1);
	rec = get_ok(f->store, "a@x", 1);
	assert_int_equal(rec.last_login, 2000);

	/* a child that closes the inherited handle leaves the parent's
	   environment alone */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		store_close(&f->store);
		_exit(f->store == NULL ? 0 : 30);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ev.time = 3000;
	update_ok(f->store, "a@x", &ev, 60, 1);
	rec = get_ok(f->store, "a@x", 1);
	assert_int_equal(rec.last_login, 3000);
}

/* ---- reader slots ---- */

struct reader_count {
	pid_t pid;
	int slots;
};

static int reader_line(const char *msg, void *ctx)
{
	struct reader_count *rc = ctx;
	long pid;

	/* "%10d %zx %s\n" per live slot, or a header / "(no active readers)" */
	if (sscanf(msg, "%ld", &pid) == 1 && pid == (long)rc->pid)
		rc->slots++;
	return 0;
}

/* Run fn(dir, arg) in a child; its exit status (or -1). */
static int in_child(int (*fn)(const char *, long), const char *dir, long arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(fn(dir, arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int count_slots_child(const char *dir, long pid)
{
	MDB_env *env;
	struct reader_count rc = { (pid_t)pid, 0 };

	if (mdb_env_create(&env) != 0)
		return 100;
	mdb_env_set_maxdbs(env, 16);
	if (mdb_env_open(env, dir, 0, 0660) != 0)
		return 101;
	mdb_reader_list(env, reader_line, &rc);
	mdb_env_close(env);
	return rc.slots;
}

static int open_close_child(const char *dir, long unused)
{
	struct store *store = NULL;
	const char *error = NULL;

	if (store_open(dir, STORE_READONLY, &store, &error) < 0)
		return 100;
	store_close(&store);
	return 0;
}

/* No store call leaves a reader slot behind: look at the lock file from a
   child while the parent's handle is open and idle. */
void test_no_reader_slot_between_calls(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	struct account_state st;
	const char *error = NULL;
	long n = 0;
	pid_t parent = getpid();
	int ret;

	open_store(f, 0);
	update_ok(f->store, "a@x", &ev, 60, 1);
	ev.time = 1010;
	update_ok(f->store, "a@x", &ev, 60, 0);     /* the read-only path */
	get_ok(f->store, "a@x", 1);
	get_ok(f->store, "b@x", 0);
	assert_int_equal(store_activity_foreach(f->store, count_cb, &n, &error), 0);
	assert_int_equal(store_state_get(f->store, "a@x", &st, &error), 0);
	ret = in_child(count_slots_child, f->dir, parent);
	if (ret != 0)
		T_FATAL("the idle handle holds %d reader slot(s) (or the child failed)", ret);
}

static int hang_cb(void *ctx, const char *account, size_t len,
		   const struct activity *rec, const char *decode_error)
{
	int fd = *(int *)ctx;
	char c = 'x';

	/* tell the parent we are inside the scan's callback, then wait to die */
	if (write(fd, &c, 1) != 1)
		_exit(2);
	for (;;)
		pause();
	return 0;
}

/* A process killed inside a read transaction leaves a stale reader slot;
   the next store_open clears it (mdb_reader_check). The parent keeps its
   handle open throughout, so that LMDB does not reset the reader table as
   it would for a first opener. */
void test_stale_reader_cleared(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	int fds[2], status;
	pid_t pid;
	char c;

	open_store(f, 0);
	update_ok(f->store, "a@x", &ev, 60, 1);
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		MDB_env *env;
		MDB_txn *txn;
		char r = 'r';

		/* a process that dies inside a read transaction (the store
		   itself runs no callback inside one: scans page) */
		close(fds[0]);
		env = raw_open(f->dir);
		if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0)
			_exit(3);
		if (write(fds[1], &r, 1) != 1)
			_exit(4);
		pause();
		_exit(4);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1) {
		close(fds[0]);
		waitpid(pid, &status, 0);
		T_FATAL("child did not reach its read transaction (status 0x%x)", status);
	}
	close(fds[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* the dead process still names a slot... */
	assert_int_equal(in_child(count_slots_child, f->dir, pid), 1);
	/* ...until a store opens the environment */
	assert_int_equal(in_child(open_close_child, f->dir, 0), 0);
	assert_int_equal(in_child(count_slots_child, f->dir, pid), 0);
	/* and the parent's handle never noticed */
	get_ok(f->store, "a@x", 1);
}

/* A scan whose callback blocks (a listing written to a pager nobody
   reads) holds no reader slot while it blocks: the store copies a page
   of records out of the read transaction and ends it before the
   callbacks run. Before paging it pinned the slot, and with it every
   page the writers freed meanwhile: data.mdb grew without a bound. */
void test_scan_callback_holds_no_slot(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	int fds[2], status;
	pid_t pid;
	char c;

	open_store(f, 0);
	update_ok(f->store, "a@x", &ev, 60, 1);
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct store *store = NULL;
		const char *error = NULL;

		close(fds[0]);
		if (store_open(f->dir, STORE_READONLY, &store, &error) < 0)
			_exit(3);
		store_activity_foreach(store, hang_cb, &fds[1], &error);
		_exit(4);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1) {
		close(fds[0]);
		waitpid(pid, &status, 0);
		T_FATAL("child did not reach its callback (status 0x%x)", status);
	}
	close(fds[0]);
	status = in_child(count_slots_child, f->dir, pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (status != 0)
		T_FATAL("a blocked scan callback holds %d reader slot(s)", status);
}

/* ---- many processes ---- */

#define CHILDREN 20
#define HANDLES_PER_CHILD 10
#define UPDATES_PER_HANDLE 5

static void child_account(char *buf, size_t size, int child, int n)
{
	snprintf(buf, size, "child%02d-%03d@example.com", child, n);
}

/* One writer process: HANDLES_PER_CHILD opens in sequence, each writing
   UPDATES_PER_HANDLE accounts of its own and reading them back. */
static int writer_child(const char *dir, int child, int go_fd)
{
	char c;

	/* start together */
	if (read(go_fd, &c, 1) < 0)
		return 2;
	for (int h = 0; h < HANDLES_PER_CHILD; h++) {
		struct store *store = NULL;
		const char *error = NULL;

		if (store_open(dir, 0, &store, &error) < 0) {
			fprintf(stderr, "child %d: open %d: %s\n", child, h, error);
			return 3;
		}
		for (int u = 0; u < UPDATES_PER_HANDLE; u++) {
			int n = h * UPDATES_PER_HANDLE + u;
			char name[64], ip[32];
			struct activity_event ev = { ACTIVITY_LOGIN, 1000000 + n, "imap", ip };
			struct activity rec;
			int ret;

			child_account(name, sizeof(name), child, n);
			snprintf(ip, sizeof(ip), "10.%d.%d.%d", child, h, u);
			ret = store_activity_update(store, name, &ev, 60, NULL, &error);
			if (ret != 1) {
				fprintf(stderr, "child %d: update %s: %d %s\n", child, name,
					ret, T_STR(error));
				return 4;
			}
			if (store_activity_get(store, name, &rec, &error) != 1 ||
			    rec.last_login != ev.time) {
				fprintf(stderr, "child %d: get %s\n", child, name);
				return 5;
			}
		}
		store_close(&store);
	}
	return 0;
}

void test_many_writers(void **state)
{
	struct fixture *f = *state;
	pid_t pids[CHILDREN];
	int go[2], failed = 0;
	long count = 0;
	const char *error = NULL;

	open_store(f, 0);
	assert_int_equal(pipe(go), 0);
	fflush(stdout);
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(go[1]);
			_exit(writer_child(f->dir, i, go[0]));
		}
		assert_true(pids[i] > 0);
	}
	close(go[0]);
	/* go, and write from the parent's long-lived handle meanwhile */
	close(go[1]);
	for (int i = 0; i < 50; i++) {
		char name[32];
		struct activity_event ev = login_event(2000000 + i, "pop3", NULL);

		snprintf(name, sizeof(name), "parent-%03d@example.com", i);
		update_ok(f->store, name, &ev, 60, 1);
	}
	for (int i = 0; i < CHILDREN; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			print_message("# writer %d failed: status 0x%x\n", i, status);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
	/* every record of every child, and the parent's */
	T_BEGIN();
	for (int c = 0; c < CHILDREN; c++) {
		for (int n = 0; n < HANDLES_PER_CHILD * UPDATES_PER_HANDLE; n++) {
			char name[64], ip[32];
			struct activity rec;

			child_account(name, sizeof(name), c, n);
			snprintf(ip, sizeof(ip), "10.%d.%d.%d", c, n / UPDATES_PER_HANDLE,
				 n % UPDATES_PER_HANDLE);
			T_CHECK(store_activity_get(f->store, name, &rec, &error) == 1 &&
				rec.last_login == 1000000 + n && ip_is(&rec.login_ip, ip),
				"%s missing or wrong", name);
		}
	}
	T_END();
	assert_int_equal(store_activity_foreach(f->store, count_cb, &count, &error), 0);
	assert_int_equal(count, CHILDREN * HANDLES_PER_CHILD * UPDATES_PER_HANDLE + 50);
}

/* More processes than LMDB's default 126 reader slots hold the
   environment open at once and read and write at the same moment. */
#define HOLDERS 150

void test_many_handles_at_once(void **state)
{
	struct fixture *f = *state;
	pid_t pids[HOLDERS];
	int ready[2], go[2], failed = 0;
	long count = 0;
	const char *error = NULL;

	open_store(f, 0);
	store_close(&f->store);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	fflush(stdout);
	for (int i = 0; i < HOLDERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct store *store = NULL;
			const char *cerr = NULL;
			char name[32], c = 'r';
			struct activity_event ev = { ACTIVITY_SEND, 5000 + i, NULL, "10.0.0.1" };
			struct activity rec;

			close(ready[0]);
			close(go[1]);
			if (store_open(f->dir, 0, &store, &cerr) < 0) {
				fprintf(stderr, "holder %d: %s\n", i, cerr);
				_exit(3);
			}
			if (write(ready[1], &c, 1) != 1)
				_exit(2);
			if (read(go[0], &c, 1) < 0)
				_exit(2);
			snprintf(name, sizeof(name), "holder%03d@x", i);
			if (store_activity_get(store, name, &rec, &cerr) != 0 ||
			    store_activity_update(store, name, &ev, 60, NULL, &cerr) != 1 ||
			    store_activity_get(store, name, &rec, &cerr) != 1 ||
			    rec.last_send != 5000 + i) {
				fprintf(stderr, "holder %d: %s\n", i, T_STR(cerr));
				_exit(4);
			}
			store_close(&store);
			_exit(0);
		}
		assert_true(pids[i] > 0);
	}
	close(ready[1]);
	close(go[0]);
	/* wait until all hold a handle, then let them go at once */
	for (int n = 0; n < HOLDERS; n++) {
		char c;
		if (read(ready[0], &c, 1) != 1)
			break;
	}
	close(go[1]);
	close(ready[0]);
	for (int i = 0; i < HOLDERS; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			print_message("# holder %d failed: status 0x%x\n", i, status);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
	open_store(f, STORE_READONLY);
	assert_int_equal(store_activity_foreach(f->store, count_cb, &count, &error), 0);
	assert_int_equal(count, HOLDERS);
}


/* ---- bounded waits ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct hold {
	int ready, release;
};

/* A write transaction body that tells the parent it holds the locks,
   then waits for the parent to let go (a process stopped inside one). */
static int hold_txn(struct store_txn *t, void *ctx, const char **error_r)
{
	struct hold *h = ctx;
	char c = 'h';

	(void)t; (void)error_r;
	if (write(h->ready, &c, 1) != 1)
		_exit(2);
	while (read(h->release, &c, 1) > 0)
		;
	return 0;                    /* nothing to write */
}

/* A child holding, as a stuck process would, either a write transaction
   through the store (writer) or a POSIX write lock on all of lock.mdb.
   Returns once it holds it; closing *release_w lets it go. */
static pid_t start_holder(const char *dir, bool writer, int *release_w)
{
	int ready[2], release[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct hold h = { ready[1], release[0] };
		struct store *store = NULL;
		const char *cerr = NULL;

		close(ready[0]);
		close(release[1]);
		if (writer) {
			if (store_open(dir, 0, &store, &cerr) < 0 ||
			    store_write(store, hold_txn, &h, "hold", &cerr) < 0)
				_exit(3);
		} else {
			char path[4096];
			struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
			int fd;

			snprintf(path, sizeof(path), "%s/lock.mdb", dir);
			fd = open(path, O_RDWR);
			if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0)
				_exit(4);
			c = 'h';
			if (write(ready[1], &c, 1) != 1)
				_exit(2);
			while (read(release[0], &c, 1) > 0)
				;
		}
		_exit(0);
	}
	assert_true(pid > 0);
	close(ready[1]);
	close(release[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*release_w = release[1];
	return pid;
}

static void stop_holder(pid_t pid, int release_w)
{
	int status;

	close(release_w);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* A hot-path handle (plugin, milter) gives up a write after
   STORE_HOT_WAIT_MS when another process holds the write lock, and an
   open after as long when one holds a lock on lock.mdb; reads go on. */
void test_bounded_waits(void **state)
{
	struct fixture *f = *state;
	struct activity_event ev = login_event(1000, "imap", "10.0.0.1");
	const char *error = NULL;
	struct activity rec;
	int64_t t0, took;
	int release;
	pid_t pid;

	open_store(f, 0);
	update_ok(f->store, "a@x", &ev, 60, 1);
	store_close(&f->store);

	pid = start_holder(f->dir, true, &release);
	open_store(f, STORE_HOT_PATH);
	ev.time = 2000;
	t0 = now_ms();
	assert_int_equal(store_activity_update(f->store, "a@x", &ev, 60, NULL,
					       &error), -1);
	took = now_ms() - t0;
	if (took < STORE_HOT_WAIT_MS || took > STORE_HOT_WAIT_MS + 800)
		T_FATAL("the write gave up after %lld ms", (long long)took);
	assert_non_null(strstr(T_STR(error), "busy"));
	/* readers never wait on a writer */
	rec = get_ok(f->store, "a@x", 1);
	assert_int_equal(rec.last_login, 1000);
	stop_holder(pid, release);
	update_ok(f->store, "a@x", &ev, 60, 1);
	store_close(&f->store);

	pid = start_holder(f->dir, false, &release);
	t0 = now_ms();
	assert_int_equal(store_open(f->dir, STORE_HOT_PATH, &f->store, &error), -1);
	took = now_ms() - t0;
	if (took < STORE_HOT_WAIT_MS || took > STORE_HOT_WAIT_MS + 800)
		T_FATAL("the open gave up after %lld ms", (long long)took);
	assert_non_null(strstr(T_STR(error), "busy"));
	stop_holder(pid, release);
	open_store(f, STORE_HOT_PATH);
	rec = get_ok(f->store, "a@x", 1);
	assert_int_equal(rec.last_login, 2000);
}

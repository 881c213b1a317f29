/*
 * test_lim_history: the real elim.rank's history under trouble, through the
 * LIM-like harness: deleted, corrupt, foreign, locked by another process,
 * read-only (a read-only bind mount: chmod does not stop root), a full
 * tmpfs, two instances on one state directory.  In every case the records
 * must keep coming on time, and what was written must stay written.
 * Mounts happen in a private mount namespace of this test process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "testutil.h"

static bool have_mount_ns;

struct run {
	char *dir;
	char state[512], db[600], log[600];
	struct th h;
};

static void run_start(struct run *r, const char *state, const char *extra1, const char *extra2)
{
	snprintf(r->state, sizeof r->state, "%s", state);
	snprintf(r->db, sizeof r->db, "%s/history.db", state);
	struct th_opts o = { .lim_like = true, .err = TH_FILE, .err_file = r->log, .foreground = true };
	const char *args[] = { "--interval", "0.1",   /* INTERVAL */ "--state-dir", r->state, "--history-retry", "0.2",
			       "--lock-wait", "0.3", "--verbose", extra1, extra2, NULL };
	th_start(&r->h, &o, args);
}

static void run_init(struct run *r)
{
	memset(r, 0, sizeof *r);
	r->dir = tu_tmpdir();
	snprintf(r->log, sizeof r->log, "%s/log", r->dir);
}

#define INTERVAL 0.1

/* Read n fresh records: they keep to the tick grid (harness.h) whatever
 * the machine's load.  Returns n. */
static int records_on_grid(struct th *h, int n)
{
	th_expect_grid(h, n, INTERVAL);
	return n;
}

static void run_stop(struct run *r)
{
	th_kill(&r->h, SIGTERM);
	double rank;
	while (th_read_raw(&r->h, 10.0, &rank) > 0)
		;
	int st = th_wait(&r->h, 10.0);
	assert_int_equal(st, 0);
	th_close(&r->h);
}

static void run_done(struct run *r)
{
	tu_rmtree(r->dir);
	free(r->dir);
}

/* Wait until the history has at least n rows. */
static long wait_rows(const char *db, long n, double timeout_s)
{
	double end = th_now() + timeout_s;
	long rows = -1;
	while (th_now() < end) {
		rows = th_rows(db);
		if (rows >= n)
			return rows;
		tu_sleep_ms(50);
	}
	return rows;
}

static void t_history_deleted(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	char st[600];
	snprintf(st, sizeof st, "%s/state", r.dir);
	run_start(&r, st, NULL, NULL);
	assert_true(records_on_grid(&r.h, 8) > 0);
	assert_true(wait_rows(r.db, 3, 20.0) >= 3);
	char p[700];
	unlink(r.db);
	snprintf(p, sizeof p, "%s-wal", r.db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", r.db);
	unlink(p);
	records_on_grid(&r.h, 8);
	assert_true(wait_rows(r.db, 3, 20.0) >= 3);     /* a new history, filling */
	assert_true(tu_file_has(r.log, "was deleted or replaced"));
	run_stop(&r);
	run_done(&r);
}

static size_t count_glob(const char *pattern)
{
	glob_t g;
	size_t n = 0;
	if (glob(pattern, 0, NULL, &g) == 0)
		n = g.gl_pathc;
	globfree(&g);
	return n;
}

/* A corrupt file and a foreign database: moved aside (kept), fresh history. */
static void t_history_corrupt_and_foreign(void **state)
{
	(void)state;
	for (int foreign = 0; foreign < 2; foreign++) {
		struct run r;
		run_init(&r);
		char st[600], pattern[700];
		snprintf(st, sizeof st, "%s/state", r.dir);
		mkdir(st, 0750);
		if (foreign) {
			char db[700];
			snprintf(db, sizeof db, "%s/history.db", st);
			sqlite3 *s;
			assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
			assert_int_equal(sqlite3_exec(s, "CREATE TABLE payroll(x); INSERT INTO payroll VALUES(42)",
						      NULL, NULL, NULL), SQLITE_OK);
			sqlite3_close(s);
		} else {
			char junk[8192];
			memset(junk, 'x', sizeof junk);
			memcpy(junk, "this is not a database\n", 23);
			junk[sizeof junk - 1] = '\0';
			tu_write(st, "history.db", junk);
		}
		run_start(&r, st, NULL, NULL);
		records_on_grid(&r.h, 5);
		assert_true(wait_rows(r.db, 2, 20.0) >= 2);
		snprintf(pattern, sizeof pattern, "%s/history.db.bad-*", st);
		assert_int_equal(count_glob(pattern), 1);      /* kept, not deleted */
		assert_true(tu_file_has(r.log, "starting a new history"));
		run_stop(&r);
		if (foreign) {
			glob_t g;
			assert_int_equal(glob(pattern, 0, NULL, &g), 0);
			sqlite3 *s;
			sqlite3_stmt *q;
			assert_int_equal(sqlite3_open(g.gl_pathv[0], &s), SQLITE_OK);
			assert_int_equal(sqlite3_prepare_v2(s, "SELECT x FROM payroll", -1, &q, NULL),
					 SQLITE_OK);
			assert_int_equal(sqlite3_step(q), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(q, 0), 42);
			sqlite3_finalize(q);
			sqlite3_close(s);
			globfree(&g);
		}
		run_done(&r);
	}
}

/* Another process holds the database locked for a while: records go on,
 * the rows wait and are written after. */
static void t_history_locked(void **state)
{
	(void)state;
	struct run r;
	run_init(&r);
	char st[600];
	snprintf(st, sizeof st, "%s/state", r.dir);
	run_start(&r, st, NULL, NULL);
	records_on_grid(&r.h, 5);
	long before = wait_rows(r.db, 2, 20.0);
	assert_true(before >= 2);

	int go[2], done[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *s;
		if (sqlite3_open(r.db, &s) != SQLITE_OK)
			_exit(1);
		sqlite3_busy_timeout(s, 2000);
		if (sqlite3_exec(s, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(2);
		if (write(go[1], "x", 1) != 1)
			_exit(3);
		alarm(60);                   /* never outlive a broken test */
		char x;
		if (read(done[0], &x, 1) != 1)   /* held while the test reads records */
			_exit(4);
		sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(s);
		_exit(0);
	}
	char c;
	assert_int_equal(read(go[0], &c, 1), 1);
	long locked_at = th_rows(r.db);        /* readers still read in WAL mode */
	int during = records_on_grid(&r.h, 12);   /* on time while it is locked */
	assert_int_equal(th_rows(r.db), locked_at);   /* nothing written through the lock */
	assert_int_equal(write(done[1], "x", 1), 1);
	int cst;
	waitpid(pid, &cst, 0);
	assert_true(WIFEXITED(cst) && WEXITSTATUS(cst) == 0);
	records_on_grid(&r.h, 8);
	long after = wait_rows(r.db, locked_at + during, 20.0);
	assert_true(after >= locked_at + during);   /* the waiting rows were written */
	run_stop(&r);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	run_done(&r);
}

/* The state directory read-only (bind mount), then writable again. */
static void t_history_readonly(void **state)
{
	(void)state;
	if (!have_mount_ns)
		skip();
	struct run r;
	run_init(&r);
	char st[600];
	snprintf(st, sizeof st, "%s/state", r.dir);
	run_start(&r, st, NULL, NULL);
	long before = wait_rows(r.db, 3, 20.0);
	run_stop(&r);
	before = th_rows(r.db);
	assert_true(before >= 3);

	assert_int_equal(mount(st, st, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, st, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	run_start(&r, st, NULL, NULL);
	records_on_grid(&r.h, 15);                   /* ranks go on, on time */
	assert_int_equal(th_rows(r.db), before);     /* unchanged, still readable */
	assert_int_equal(mount(NULL, st, NULL, MS_REMOUNT | MS_BIND, NULL), 0);
	records_on_grid(&r.h, 5);
	long after = wait_rows(r.db, before + 10, 20.0);
	assert_true(after >= before + 10);      /* resumed, and queued rows came too */
	assert_true(tu_file_has(r.log, "is open again") || tu_file_has(r.log, "appending to"));
	run_stop(&r);
	umount2(st, MNT_DETACH);
	run_done(&r);
}

/* A full file system, then room again. */
static void t_history_full(void **state)
{
	(void)state;
	if (!have_mount_ns)
		skip();
	struct run r;
	run_init(&r);
	char st[600], filler[700];
	snprintf(st, sizeof st, "%s/small", r.dir);
	mkdir(st, 0755);
	assert_int_equal(mount("none", st, "tmpfs", 0, "size=512k"), 0);
	run_start(&r, st, NULL, NULL);
	records_on_grid(&r.h, 5);
	assert_true(wait_rows(r.db, 3, 20.0) >= 3);

	/* fill it up */
	snprintf(filler, sizeof filler, "%s/filler", st);
	int fd = open(filler, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	static char block[4096];
	while (write(fd, block, sizeof block) > 0)
		;
	close(fd);
	long full_at = th_rows(r.db);
	records_on_grid(&r.h, 15);                   /* ranks go on, on time */
	long during = th_rows(r.db);
	assert_true(during >= full_at);                /* nothing lost */
	unlink(filler);
	records_on_grid(&r.h, 10);
	long after = wait_rows(r.db, during + 5, 20.0);
	assert_true(after >= during + 5);              /* resumed */
	run_stop(&r);
	umount2(st, MNT_DETACH);
	run_done(&r);
}

/* Two instances on one state directory: the second waits for the lock,
 * then runs without history, then takes over when the first exits. */
static void t_two_instances(void **state)
{
	(void)state;
	struct run a, b;
	run_init(&a);
	run_init(&b);
	char st[600];
	snprintf(st, sizeof st, "%s/state", a.dir);
	run_start(&a, st, NULL, NULL);
	records_on_grid(&a.h, 5);
	assert_true(wait_rows(a.db, 2, 20.0) >= 2);

	run_start(&b, st, NULL, NULL);
	double rank;
	assert_true(th_read_raw(&b.h, 10.0, &rank) > 0);    /* B reports at once */
	/* past its lock-wait (0.3 s): B says it runs without history */
	for (int w = 0; w < 400 && !tu_file_has(b.log, "running without history"); w++)
		tu_sleep_ms(50);
	while (th_read_raw(&a.h, 0.01, &rank) > 0)
		;
	assert_true(tu_file_has(b.log, "holds"));
	assert_true(tu_file_has(b.log, "running without history"));
	char pidtxt[32];
	snprintf(pidtxt, sizeof pidtxt, "pid %d", (int)a.h.pid);
	assert_true(tu_file_has(b.log, pidtxt));
	records_on_grid(&b.h, 5);

	run_stop(&a);
	records_on_grid(&b.h, 8);
	assert_true(tu_file_has(b.log, "got lock"));
	long rows = th_rows(b.db);
	records_on_grid(&b.h, 6);
	assert_true(wait_rows(b.db, rows + 3, 20.0) >= rows + 3);   /* B records now */
	run_stop(&b);
	run_done(&a);
	run_done(&b);
}

int main(void)
{
	/* a private mount namespace for the read-only and full cases */
	if (unshare(CLONE_NEWNS) == 0 && mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		have_mount_ns = true;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_history_deleted),
		cmocka_unit_test(t_history_corrupt_and_foreign),
		cmocka_unit_test(t_history_locked),
		cmocka_unit_test(t_history_readonly),
		cmocka_unit_test(t_history_full),
		cmocka_unit_test(t_two_instances),
	};
	return TU_RUN(tests);
}

/*
 * test_recorder: the history thread's batches, on real SQLite files.
 * Rows wait until RECORDER_BATCH are queued or the oldest has waited
 * commit_s; commit_s 0 writes each at once; recorder_stop writes what
 * waits; a batch that cannot be committed (another connection holds the
 * write lock) stays queued and is written once, in order, when it can.
 * Also history_append_many: all rows of a batch or none.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "history.h"
#include "recorder.h"
#include "testutil.h"

struct fx {
	char *dir;
	char db[600];
	struct recorder rec;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->dir = tu_tmpdir();
	snprintf(f->db, sizeof f->db, "%s/history.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void start(struct fx *f, double commit_s)
{
	struct recorder_config c;
	memset(&c, 0, sizeof c);
	snprintf(c.path, sizeof c.path, "%s", f->db);
	snprintf(c.dir, sizeof c.dir, "%s", f->dir);
	c.retry_s = 0.1;
	c.lock_wait_s = 1;
	c.commit_s = commit_s;
	assert_int_equal(recorder_start(&f->rec, &c, "node001"), 0);
}

static void append(struct fx *f, int64_t t)
{
	double x[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		x[i] = (double)t + i / 100.0;
	assert_int_equal(recorder_append(&f->rec, t, x, 100.0 + (double)t, "0123456789abcdef"), 0);
}

/* Rows in the history (0 before it exists, or before its table does). */
static long long rows(struct fx *f)
{
	if (access(f->db, F_OK) < 0 ||
	    tu_sql_int(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'samples'") == 0)
		return 0;
	return tu_sql_int(f->db, "SELECT count(*) FROM samples");
}

/* Wait up to secs for at least n rows; returns the count seen. */
static long long wait_rows(struct fx *f, long long n, double secs)
{
	double end = tu_now() + secs;
	long long got;
	while ((got = rows(f)) < n && tu_now() < end)
		usleep(20000);
	return got;
}

/* A batch is committed when it is full, not before; what waits is
 * committed at stop. */
static void t_batch_by_count(void **state)
{
	struct fx *f = *state;
	start(f, 30);
	for (int i = 0; i < RECORDER_BATCH - 1; i++)
		append(f, 1000 + i);
	usleep(1500 * 1000);   /* the thread had time to write, and must not */
	assert_int_equal(rows(f), 0);
	append(f, 1000 + RECORDER_BATCH - 1);
	assert_int_equal(wait_rows(f, RECORDER_BATCH, 3), RECORDER_BATCH);
	append(f, 2000);
	append(f, 2001);
	usleep(1200 * 1000);
	assert_int_equal(rows(f), RECORDER_BATCH);
	recorder_stop(&f->rec, 5);
	assert_int_equal(rows(f), RECORDER_BATCH + 2);
	assert_int_equal(recorder_written(&f->rec), RECORDER_BATCH + 2);
	/* in order, each once, values intact */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(DISTINCT time) FROM samples"), RECORDER_BATCH + 2);
	assert_int_equal(tu_sql_int(f->db, "SELECT time FROM samples ORDER BY rowid DESC LIMIT 1"), 2001);
	assert_int_equal(tu_sql_int(f->db, "SELECT round(rank) FROM samples WHERE time = 2000"), 2100);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM samples WHERE time != round(cpu_busy)"), 0);
}

/* A row never waits much longer than commit_s. */
static void t_batch_by_age(void **state)
{
	struct fx *f = *state;
	start(f, 0.6);
	double t0 = tu_now();
	append(f, 1);
	append(f, 2);
	assert_int_equal(wait_rows(f, 2, 5), 2);
	double waited = tu_now() - t0;
	if (waited < 0.5 || waited > 5)
		fail_msg("the rows were committed after %.2f s; commit_s is 0.6", waited);
	recorder_stop(&f->rec, 5);
	assert_int_equal(rows(f), 2);
}

/* commit_s 0: each row on its own, at once. */
static void t_no_batch(void **state)
{
	struct fx *f = *state;
	start(f, 0);
	append(f, 1);
	assert_int_equal(wait_rows(f, 1, 2), 1);
	append(f, 2);
	assert_int_equal(wait_rows(f, 2, 2), 2);
	recorder_stop(&f->rec, 5);
	assert_int_equal(rows(f), 2);
}

/* Another connection holds the write lock: the batch waits, then goes in
 * whole and once, in order. */
static void t_batch_waits_for_lock(void **state)
{
	struct fx *f = *state;
	start(f, 0.2);
	append(f, 1);
	assert_int_equal(wait_rows(f, 1, 5), 1);   /* the history exists */

	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 2; i <= 2 + 2 * RECORDER_BATCH; i++)
		append(f, i);
	usleep(1000 * 1000);
	assert_int_equal(rows(f), 1);   /* nothing got past the lock (WAL: readers still read) */
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	long long want = 2 + 2 * RECORDER_BATCH;
	assert_int_equal(wait_rows(f, want, 10), want);
	recorder_stop(&f->rec, 5);
	assert_int_equal(rows(f), want);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(DISTINCT time) FROM samples"), want);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM samples a JOIN samples b"
				    " ON b.rowid = a.rowid + 1 WHERE b.time != a.time + 1"), 0);
}

/* recorder_stop commits the rows that wait, though a reader holds the
 * write lock for half a second then. */
static void t_stop_commits_through_lock(void **state)
{
	struct fx *f = *state;
	start(f, 30);
	for (int i = 1; i <= RECORDER_BATCH; i++)
		append(f, i);
	assert_int_equal(wait_rows(f, RECORDER_BATCH, 5), RECORDER_BATCH);
	append(f, 100);
	append(f, 101);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db;
		if (sqlite3_open(f->db, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		usleep(500 * 1000);
		_exit(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : 1);
	}
	char c;
	assert_int_equal(read(pfd[0], &c, 1), 1);   /* the lock is held */
	close(pfd[0]);
	close(pfd[1]);
	recorder_stop(&f->rec, 5);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(rows(f), RECORDER_BATCH + 2);
	assert_int_equal(tu_sql_int(f->db, "SELECT max(time) FROM samples"), 101);
}

/* history_append_many: a row that cannot be written (host NULL breaks the
 * NOT NULL constraint) takes its whole batch with it. */
static void t_append_many_atomic(void **state)
{
	struct fx *f = *state;
	struct history *h;
	char err[512];
	assert_int_equal(history_open(f->db, NULL, 0, &h, err, sizeof err), 0);
	double x[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		x[i] = 0.5;
	struct history_row r[4];
	for (int i = 0; i < 4; i++)
		r[i] = (struct history_row){ .time = 10 + i, .host = "node001", .features = x,
					     .rank = 100, .model_id = NULL };
	assert_int_equal(history_append_many(h, r, 4, err, sizeof err), 0);
	assert_int_equal(rows(f), 4);
	r[2].host = NULL;
	assert_true(history_append_many(h, r, 4, err, sizeof err) < 0);
	assert_non_null(strstr(err, f->db));   /* the message names the file */
	assert_int_equal(rows(f), 4);
	/* and the connection is fine afterwards */
	r[2].host = "node001";
	assert_int_equal(history_append_many(h, r, 3, err, sizeof err), 0);
	assert_int_equal(history_append_many(h, r, 1, err, sizeof err), 0);
	assert_int_equal(history_append_many(h, r, 0, err, sizeof err), 0);
	assert_int_equal(rows(f), 8);
	history_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_batch_by_count, setup, teardown),
		cmocka_unit_test_setup_teardown(t_batch_by_age, setup, teardown),
		cmocka_unit_test_setup_teardown(t_no_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(t_batch_waits_for_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(t_stop_commits_through_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(t_append_many_atomic, setup, teardown),
	};
	return TU_RUN(tests);
}

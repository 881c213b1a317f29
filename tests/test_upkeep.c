/*
 * test_upkeep: the state directory's chores (statedir.h) and the history's
 * retention (history_prune), on real files and real SQLite databases.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "history.h"
#include "statedir.h"
#include "testutil.h"

static void t_lock(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char lock[600];
	snprintf(lock, sizeof lock, "%s/sub/dir", dir);
	assert_int_equal(statedir_make(lock), 0);
	struct stat st;
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	snprintf(lock, sizeof lock, "%s/sub/dir/%s", dir, STATEDIR_LOCK_NAME);
	int a, b;
	assert_int_equal(statedir_lock_try(lock, &a), 0);
	assert_int_equal(statedir_lock_holder(lock), (long)getpid());
	/* flock locks belong to open files: a second open conflicts, as another
	 * process would */
	assert_int_equal(statedir_lock_try(lock, &b), -EWOULDBLOCK);
	assert_int_equal(b, -1);
	close(a);
	assert_int_equal(statedir_lock_try(lock, &b), 0);
	close(b);
	tu_rmtree(dir);
	free(dir);
}

static void t_move_aside(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char db[600], moved[700], moved2[700], p[800];
	snprintf(db, sizeof db, "%s/history.db", dir);
	tu_write(dir, "history.db", "junk");
	tu_write(dir, "history.db-wal", "wal");
	time_t now = 1795571978;   /* 2026-11-25T..Z */
	assert_int_equal(statedir_move_aside(db, now, moved, sizeof moved), 0);
	struct tm tm;
	char stamp[32];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	snprintf(p, sizeof p, "%s.bad-%s", db, stamp);
	assert_string_equal(moved, p);
	assert_int_equal(access(db, F_OK), -1);
	assert_int_equal(access(moved, F_OK), 0);
	snprintf(p, sizeof p, "%s-wal", moved);
	assert_int_equal(access(p, F_OK), 0);          /* the companion went along */
	/* the same second again: a numbered name, the first kept */
	tu_write(dir, "history.db", "junk2");
	assert_int_equal(statedir_move_aside(db, now, moved2, sizeof moved2), 0);
	snprintf(p, sizeof p, "%s.1", moved);
	assert_string_equal(moved2, p);
	assert_int_equal(access(moved, F_OK), 0);
	assert_int_equal(statedir_move_aside(db, now, moved2, sizeof moved2), -ENOENT);
	statedir_dirname("/a/b/c.db", p, sizeof p);
	assert_string_equal(p, "/a/b");
	statedir_dirname("c.db", p, sizeof p);
	assert_string_equal(p, ".");
	statedir_dirname("/c.db", p, sizeof p);
	assert_string_equal(p, "/");
	tu_rmtree(dir);
	free(dir);
}

static struct history *fill(const char *db, int64_t t0, int64_t step, int n)
{
	struct history *h;
	char err[512];
	assert_int_equal(history_open(db, NULL, 0, &h, err, sizeof err), 0);
	double f[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_COUNT; i++)
		f[i] = 0.5;
	for (int i = 0; i < n; i++) {
		struct history_row row = { .time = t0 + i * step, .host = "h", .features = f,
					   .rank = 100, .model_id = "m" };
		assert_int_equal(history_append(h, &row, err, sizeof err), 0);
	}
	return h;
}

static long count_rows(const char *db, const char *where)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM samples %s", where);
	assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return n;
}

/* By age: old rows go, in bounded steps; recent ones stay. */
static void t_prune_by_age(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char db[600], err[512];
	snprintf(db, sizeof db, "%s/h.db", dir);
	int64_t now = 1795571978, day = 86400;
	/* 1200 rows 40..31 days old, 300 rows within the last day */
	struct history *h = fill(db, now - 40 * day, 600, 1200);
	history_close(h);
	h = fill(db, now - day, 60, 300);
	int more = 1, steps = 0;
	while (more) {
		assert_int_equal(history_prune(h, now - 30 * day, 0, 500, 16, &more, err, sizeof err), 0);
		assert_true(++steps < 50);
	}
	assert_true(steps >= 3);                        /* 1200 rows, 500 a step */
	assert_int_equal(count_rows(db, ""), 300);
	assert_int_equal(count_rows(db, "WHERE time < 1795571978 - 30*86400"), 0);
	history_close(h);
	tu_rmtree(dir);
	free(dir);
}

static long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* By size: the oldest go until the live data fits; the file shrinks
 * (incremental vacuum) once the WAL is checkpointed. */
static void t_prune_by_size(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char db[600], err[512];
	snprintf(db, sizeof db, "%s/h.db", dir);
	int64_t now = 1795571978;
	struct history *h = fill(db, now - 6000 * 10, 10, 6000);
	int64_t live0 = history_live_bytes(h);
	assert_true(live0 > 1000000);
	int64_t max = live0 / 4;
	int more = 1, steps = 0;
	while (more) {
		assert_int_equal(history_prune(h, 0, max, 500, 64, &more, err, sizeof err), 0);
		assert_true(++steps < 200);
	}
	assert_true(history_live_bytes(h) <= max);
	long left = count_rows(db, "");
	assert_true(left > 0 && left < 6000 / 4 + 500);
	/* the newest rows are the ones kept */
	assert_int_equal(count_rows(db, "WHERE time = 1795571978 - 10"), 1);
	history_close(h);
	assert_true(file_size(db) < live0 / 2);         /* space given back */
	tu_rmtree(dir);
	free(dir);
}

/* The rollback journal for network file systems: no WAL in the header. */
static void t_rollback_journal(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char db[600], err[512];
	unsigned char hdr[20];
	snprintf(db, sizeof db, "%s/h.db", dir);
	struct history *h;
	assert_int_equal(history_open(db, NULL, HISTORY_ROLLBACK_JOURNAL, &h, err, sizeof err), 0);
	history_close(h);
	int fd = open(db, O_RDONLY);
	assert_int_equal(read(fd, hdr, sizeof hdr), (ssize_t)sizeof hdr);
	close(fd);
	assert_int_equal(hdr[18], 1);      /* legacy (rollback) read/write versions */
	assert_int_equal(hdr[19], 1);
	snprintf(db, sizeof db, "%s/w.db", dir);
	assert_int_equal(history_open(db, NULL, 0, &h, err, sizeof err), 0);
	history_close(h);
	fd = open(db, O_RDONLY);
	assert_int_equal(read(fd, hdr, sizeof hdr), (ssize_t)sizeof hdr);
	close(fd);
	assert_int_equal(hdr[18], 2);      /* WAL */
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_lock),
		cmocka_unit_test(t_move_aside),
		cmocka_unit_test(t_prune_by_age),
		cmocka_unit_test(t_prune_by_size),
		cmocka_unit_test(t_rollback_journal),
	};
	return TU_RUN(tests);
}

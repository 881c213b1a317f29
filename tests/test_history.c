/* lib/history.c on real SQLite files: create, append, read back, migrate, refuse. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "history.h"
#include "testutil.h"

struct fixture {
	char *dir;
	char path[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof f->path, "%s/history.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static sqlite3 *open_raw(const char *path)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void q_text(sqlite3 *db, const char *sql, char *out, size_t size)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, size, "%s", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "(null)");
	sqlite3_finalize(st);
}

static void append_rows(struct history *h, int n, int64_t t0)
{
	double x[FEAT_VECTOR_LEN];
	char err[256];
	for (int r = 0; r < n; r++) {
		for (int i = 0; i < FEAT_COUNT; i++)
			x[i] = r + i / 100.0;
		x[FEAT_net_util_max] = NAN;   /* unknown -> NULL */
		struct history_row row = { .time = t0 + r * 10, .host = "node001", .features = x,
					   .rank = 100.0 + r, .model_id = "0123456789abcdef" };
		if (history_append(h, &row, err, sizeof err) != 0)
			fail_msg("append: %s", err);
	}
}

static void test_create_append_read(void **state)
{
	struct fixture *f = *state;
	struct history *h;
	char err[256], text[64];
	assert_int_equal(history_open(f->path, NULL, 0, &h, err, sizeof err), 0);
	append_rows(h, 3, 1700000000);
	history_close(h);

	sqlite3 *db = open_raw(f->path);
	assert_int_equal(q_int(db, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(q_int(db, "PRAGMA auto_vacuum"), 2);           /* INCREMENTAL */
	q_text(db, "PRAGMA journal_mode", text, sizeof text);
	assert_string_equal(text, "wal");
	assert_int_equal(q_int(db, "SELECT count(*) FROM samples"), 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM samples WHERE net_util_max IS NULL"), 3);
	assert_int_equal(q_int(db, "SELECT time FROM samples ORDER BY time DESC LIMIT 1"), 1700000020);
	q_text(db, "SELECT host FROM samples LIMIT 1", text, sizeof text);
	assert_string_equal(text, "node001");
	q_text(db, "SELECT model_id FROM samples LIMIT 1", text, sizeof text);
	assert_string_equal(text, "0123456789abcdef");
	/* every feature has its own column, with the value appended */
	for (int i = 0; i < FEAT_COUNT; i++) {
		if (i == FEAT_net_util_max)
			continue;
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT round(%s * 100) FROM samples WHERE time = 1700000010",
			 feature_info(i)->name);
		assert_int_equal(q_int(db, sql), 100 + i);
	}
	assert_int_equal(q_int(db, "SELECT rank FROM samples WHERE time = 1700000020"), 102);
	char ok[16];
	q_text(db, "PRAGMA integrity_check", ok, sizeof ok);
	assert_string_equal(ok, "ok");
	sqlite3_close(db);

	/* reopening appends to the same table */
	assert_int_equal(history_open(f->path, NULL, 0, &h, err, sizeof err), 0);
	append_rows(h, 2, 1700001000);
	history_close(h);
	db = open_raw(f->path);
	assert_int_equal(q_int(db, "SELECT count(*) FROM samples"), 5);
	sqlite3_close(db);
}

/* A version-1 history keeps its rows and gains the new columns. */
static void test_migrate_v1(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db = open_raw(f->path);
	assert_int_equal(sqlite3_exec(db, history_schema_v1_sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO samples VALUES (1600000000, 'old', 0.5, 0.25, 0.1, 1000, 2000, 150.0);"
		"INSERT INTO samples VALUES (1600000010, 'old', 0.6, 0.25, 0.1, 1000, 2000, 160.0);",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	struct history *h;
	char err[256];
	assert_int_equal(history_open(f->path, NULL, 0, &h, err, sizeof err), 0);
	append_rows(h, 1, 1700000000);
	history_close(h);

	db = open_raw(f->path);
	assert_int_equal(q_int(db, "PRAGMA user_version"), HISTORY_SCHEMA_VERSION);
	assert_int_equal(q_int(db, "SELECT count(*) FROM samples"), 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM samples WHERE host = 'old' AND cpu_busy IS NOT NULL"), 2);
	assert_int_equal(q_int(db, "SELECT round(rank) FROM samples WHERE time = 1600000010"), 160);
	/* new columns exist: NULL in old rows, filled in new ones */
	assert_int_equal(q_int(db, "SELECT count(*) FROM samples WHERE psi_cpu_some IS NULL"), 2);
	assert_int_equal(q_int(db, "SELECT count(*) FROM samples WHERE model_id IS NOT NULL"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'samples_time'"), 1);
	sqlite3_close(db);
}

static void test_refuse_foreign_newer_corrupt(void **state)
{
	struct fixture *f = *state;
	struct history *h;
	char err[256];

	/* a database of something else is not touched */
	sqlite3 *db = open_raw(f->path);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE accounts (id INTEGER); INSERT INTO accounts VALUES (7);",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(history_open(f->path, NULL, 0, &h, err, sizeof err), HISTORY_EFOREIGN);
	assert_null(h);
	assert_non_null(strstr(err, f->path));
	assert_non_null(strstr(err, "not an elim-rank history"));
	db = open_raw(f->path);
	assert_int_equal(q_int(db, "SELECT id FROM accounts"), 7);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'samples'"), 0);
	sqlite3_close(db);

	/* a newer schema is not downgraded */
	char path2[600];
	snprintf(path2, sizeof path2, "%s/newer.db", f->dir);
	db = open_raw(path2);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE samples (time INTEGER); PRAGMA user_version = 99;",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(history_open(path2, NULL, 0, &h, err, sizeof err), HISTORY_ENEWER);
	assert_non_null(strstr(err, "newer"));

	/* not a database at all */
	char path3[600];
	snprintf(path3, sizeof path3, "%s/garbage.db", f->dir);
	tu_write(f->dir, "garbage.db", "this is not an SQLite file, just some text that is long enough "
		 "to fill a header.............................................................\n");
	int rc = history_open(path3, NULL, 0, &h, err, sizeof err);
	assert_int_equal(rc, HISTORY_ECORRUPT);
	assert_non_null(strstr(err, "garbage.db"));

	/* a directory that does not exist */
	assert_true(history_open("/nonexistent/dir/h.db", NULL, 0, &h, err, sizeof err) < 0);
	assert_non_null(strstr(err, "/nonexistent/dir/h.db"));
}

/* A full disk: the append fails cleanly, rows already written stay. */
static void test_full_disk(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	int rc = tu_system("unshare -m sh -c 'mount -t tmpfs -o size=96k none %s && "
			   "HISTORY_DIR=%s %s/tests/test_history --fill-disk'",
			   dir, dir, getenv("top_builddir") ? getenv("top_builddir") : ".");
	assert_int_equal(rc, 0);
	tu_rmtree(dir);
	free(dir);
}

/* Child of test_full_disk, inside a private mount namespace with a tiny tmpfs. */
static int fill_disk(void)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/history.db", getenv("HISTORY_DIR"));
	struct history *h;
	if (history_open(path, NULL, 0, &h, err, sizeof err) != 0) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	double x[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_COUNT; i++)
		x[i] = i;
	int ok = 0, rc = 0;
	for (int r = 0; r < 100000 && rc == 0; r++) {
		struct history_row row = { .time = r, .host = "full", .features = x, .rank = 100, .model_id = "x" };
		rc = history_append(h, &row, err, sizeof err);
		if (rc == 0)
			ok++;
	}
	history_close(h);
	if (rc != -ENOSPC || ok == 0) {
		fprintf(stderr, "expected ENOSPC after some rows: rc %d after %d rows (%s)\n", rc, ok, err);
		return 1;
	}
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT count(*) FROM samples", -1, &st, NULL);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (n != ok) {
		fprintf(stderr, "%d rows appended, %d readable\n", ok, n);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--fill-disk") == 0)
		return fill_disk();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_append_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_foreign_newer_corrupt, setup, teardown),
		cmocka_unit_test(test_full_disk),
	};
	return TU_RUN(tests);
}

/*
 * test_history_read: lib/history_read.c, the history format's read side, on
 * real SQLite files: the one mapping of SQLite's codes, the schema check
 * the writer and the readers share (a newer version refused, naming the
 * file), and opening a history read-only with its column set.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "history.h"
#include "history_read.h"
#include "testutil.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static void in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* A history made by the writer, with one row. */
static void make_history(const char *path)
{
	struct history *h;
	char err[512];
	assert_int_equal(history_open(path, NULL, 0, &h, err, sizeof err), 0);
	double f[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		f[i] = NAN;
	struct history_row row = { .time = 1000, .host = "n1", .features = f, .rank = 1 };
	assert_int_equal(history_append(h, &row, err, sizeof err), 0);
	history_close(h);
}

static void sql(const char *path, const char *stmt)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, stmt, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", stmt, msg ? msg : "?");
	sqlite3_close(db);
}

static void sqlite_codes(void **state)
{
	(void)state;
	assert_int_equal(history_sqlite_code(SQLITE_NOTADB), HISTORY_ECORRUPT);
	assert_int_equal(history_sqlite_code(SQLITE_CORRUPT), HISTORY_ECORRUPT);
	assert_int_equal(history_sqlite_code(SQLITE_FULL), -ENOSPC);
	assert_int_equal(history_sqlite_code(SQLITE_READONLY), -EROFS);
	assert_int_equal(history_sqlite_code(SQLITE_BUSY), -EBUSY);
	assert_int_equal(history_sqlite_code(SQLITE_LOCKED), -EBUSY);
	assert_int_equal(history_sqlite_code(SQLITE_BUSY_SNAPSHOT), -EBUSY);   /* extended */
	assert_int_equal(history_sqlite_code(SQLITE_CANTOPEN), -EACCES);
	assert_int_equal(history_sqlite_code(SQLITE_NOMEM), -ENOMEM);
	assert_int_equal(history_sqlite_code(SQLITE_IOERR), -EIO);
	assert_int_equal(history_sqlite_code(SQLITE_IOERR_FSYNC), -EIO);
	/* a step that gave a row or none where the other was expected */
	assert_int_equal(history_sqlite_code(SQLITE_DONE), -EIO);
	assert_int_equal(history_sqlite_code(SQLITE_ROW), -EIO);
}

static void schema_check(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(history_check_schema("h.db", HISTORY_SCHEMA_VERSION, true, true, err, sizeof err), 0);
	assert_int_equal(history_check_schema("h.db", 1, true, true, err, sizeof err), 0);   /* older: fine */
	/* an empty database: the writer's to create */
	assert_int_equal(history_check_schema("h.db", 0, false, false, err, sizeof err), 0);
	assert_int_equal(history_check_schema("/x/h.db", HISTORY_SCHEMA_VERSION + 1, true, true,
					      err, sizeof err), HISTORY_ENEWER);
	char want[128];
	snprintf(want, sizeof want, "/x/h.db: schema version %d is newer than this elim-rank's %d",
		 HISTORY_SCHEMA_VERSION + 1, HISTORY_SCHEMA_VERSION);
	assert_string_equal(err, want);
	/* newer even when empty of tables */
	assert_int_equal(history_check_schema("h.db", 99, false, false, err, sizeof err), HISTORY_ENEWER);
	assert_int_equal(history_check_schema("f.db", 0, true, false, err, sizeof err), HISTORY_EFOREIGN);
	assert_non_null(strstr(err, "f.db: not an elim-rank history"));
	assert_int_equal(history_check_schema("f.db", 1, true, false, err, sizeof err), HISTORY_EFOREIGN);
	assert_int_equal(history_check_schema("f.db", 0, true, true, err, sizeof err), HISTORY_EFOREIGN);
	assert_int_equal(history_check_schema("f.db", -3, true, true, err, sizeof err), HISTORY_EFOREIGN);
}

static void reads_a_history(void **state)
{
	(void)state;
	char path[4200], err[512];
	in_dir(path, sizeof path, "h.db");
	make_history(path);
	sqlite3 *db;
	struct history_columns c;
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), 0);
	assert_non_null(db);
	assert_int_equal(c.version, HISTORY_SCHEMA_VERSION);
	for (int f = 0; f < FEAT_COUNT; f++)
		if (!c.feature[f])
			fail_msg("no column for %s", feature_info(f)->name);
	assert_true(history_columns_has(&c, "time"));
	assert_true(history_columns_has(&c, "host"));
	assert_true(history_columns_has(&c, "rank"));
	assert_true(history_columns_has(&c, "model_id"));
	assert_false(history_columns_has(&c, "nosuch"));
	assert_int_equal(c.n, (size_t)FEAT_COUNT + 4);
	/* the connection reads, and only reads */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM samples", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM samples", NULL, NULL, NULL), SQLITE_READONLY);
	sqlite3_close(db);
}

static void reads_an_old_schema_as_it_is(void **state)
{
	(void)state;
	char path[4200], err[512];
	in_dir(path, sizeof path, "v1.db");
	sql(path, history_schema_v1_sql);
	sqlite3 *db;
	struct history_columns c;
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), 0);
	assert_int_equal(c.version, 1);
	assert_true(c.feature[FEAT_cpu_busy]);
	assert_true(c.feature[FEAT_net_tx_bps]);
	assert_false(c.feature[FEAT_psi_cpu_some]);   /* added by version 2 */
	assert_false(history_columns_has(&c, "model_id"));
	assert_int_equal(c.n, 8);
	sqlite3_close(db);
	/* not migrated: reading changes nothing */
	assert_int_equal(tu_sql_int(path, "PRAGMA user_version"), 1);
}

static void refuses_newer_naming_the_file(void **state)
{
	(void)state;
	char path[4200], err[512], werr[512];
	in_dir(path, sizeof path, "newer.db");
	make_history(path);
	sql(path, "PRAGMA user_version = 99");
	sqlite3 *db = (sqlite3 *)1;
	struct history_columns c;
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), HISTORY_ENEWER);
	assert_null(db);
	char want[4400];
	snprintf(want, sizeof want, "%s: schema version 99 is newer than this elim-rank's %d",
		 path, HISTORY_SCHEMA_VERSION);
	assert_string_equal(err, want);
	/* the writer says the same: one check */
	struct history *h;
	assert_int_equal(history_open(path, NULL, 0, &h, werr, sizeof werr), HISTORY_ENEWER);
	assert_string_equal(werr, want);
}

static void refuses_what_is_no_history(void **state)
{
	(void)state;
	char path[4200], err[512];
	sqlite3 *db;
	struct history_columns c;

	in_dir(path, sizeof path, "foreign.db");
	sql(path, "CREATE TABLE t(a); INSERT INTO t VALUES (1)");
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), HISTORY_EFOREIGN);
	assert_non_null(strstr(err, "foreign.db: not an elim-rank history"));
	assert_null(db);

	/* a samples table but no schema version */
	in_dir(path, sizeof path, "noversion.db");
	sql(path, "CREATE TABLE samples(time INTEGER, host TEXT)");
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), HISTORY_EFOREIGN);

	/* an empty file: a database with nothing in it, no history to read */
	tu_write(dir, "empty.db", "");
	in_dir(path, sizeof path, "empty.db");
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), HISTORY_EFOREIGN);

	tu_write(dir, "text.db", "this is not a database, but it is long enough to be read as one"
		 " by SQLite if it tried: it will not.........................................");
	in_dir(path, sizeof path, "text.db");
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), HISTORY_ECORRUPT);
	assert_non_null(strstr(err, "text.db: corrupt or not an SQLite database"));

	in_dir(path, sizeof path, "missing.db");
	assert_int_equal(history_read_open(path, NULL, 100, &db, &c, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "missing.db: No such file or directory"));

	assert_int_equal(history_read_open(dir, NULL, 100, &db, &c, err, sizeof err), -EISDIR);
	assert_non_null(strstr(err, "is a directory"));
}

static void locked_is_busy(void **state)
{
	(void)state;
	char path[4200], err[512];
	in_dir(path, sizeof path, "locked.db");
	make_history(path);
	sqlite3 *w;
	assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3 *db;
	struct history_columns c;
	assert_int_equal(history_read_open(path, NULL, 20, &db, &c, err, sizeof err), -EBUSY);
	assert_non_null(strstr(err, "locked.db: locked by another process (waited 20 ms)"));
	assert_null(db);
	sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(w);
	assert_int_equal(history_read_open(path, NULL, 20, &db, &c, err, sizeof err), 0);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sqlite_codes),
		cmocka_unit_test(schema_check),
		cmocka_unit_test_setup_teardown(reads_a_history, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_an_old_schema_as_it_is, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_newer_naming_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_what_is_no_history, setup, teardown),
		cmocka_unit_test_setup_teardown(locked_is_busy, setup, teardown),
	};
	return TU_RUN(tests);
}

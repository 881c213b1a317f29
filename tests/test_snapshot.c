/*
 * test_snapshot: rank-train --snapshot HISTORY OUT (trainer/snapshot.c).
 *
 * The real elim.rank writes its history (WAL) every 0.1 s while the real
 * rank-train snapshots it, again and again: each copy is a whole,
 * consistent rollback-journal database (header bytes 18-19 are 1,
 * quick_check ok, no -wal beside it), its rows never fewer than the last
 * copy's, nothing left beside OUT.  A bad source fails naming the file and
 * leaves an existing OUT as it was, as does an OUT that is the history
 * itself; a wrong command line is a usage error.
 */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "testutil.h"

static const char *train_bin(void)
{
	const char *b = getenv("TRAIN_BIN");
	return b ? b : "trainer/rank-train";
}

/* Entries of dir other than ".", ".." and keep. */
static int others(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep))
			n++;
	closedir(d);
	return n;
}

/* Run rank-train --snapshot src dst; returns its exit status, *out its stdout. */
static int snapshot(const char *src, const char *dst, char **out, char **err)
{
	struct th_opts o = { .bin = train_bin() };
	const char *args[] = { "--snapshot", src, dst, NULL };
	return th_run(&o, args, 120.0, out, err);
}

/* The copy is a rollback-journal database that passes quick_check;
 * returns its rows. */
static long check_copy(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char hdr[100];
	assert_int_equal(fread(hdr, 1, sizeof hdr, f), sizeof hdr);
	fclose(f);
	assert_memory_equal(hdr, "SQLite format 3", 16);
	assert_int_equal(hdr[18], 1); /* write version: rollback journal, not WAL */
	assert_int_equal(hdr[19], 1);
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM samples", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long rows = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rows;
}

static void t_snapshot_live(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), *outdir = tu_tmpdir();
	char db[600], out[600], log[600];
	snprintf(db, sizeof db, "%s/history.db", dir);
	snprintf(out, sizeof out, "%s/host1.db", outdir);
	snprintf(log, sizeof log, "%s/log", outdir);
	struct th h;
	struct th_opts o = { .lim_like = true, .out = TH_NULL, .err = TH_FILE, .err_file = log,
			     .foreground = true };
	const char *args[] = { "--interval", "0.1", "--state-dir", dir, NULL };
	th_start(&h, &o, args);
	long rows = -1;
	for (int w = 0; w < 600 && (rows = th_rows(db)) < 3; w++)
		tu_sleep_ms(50);
	assert_true(rows >= 3);

	long last = 0;
	for (int i = 0; i < 5; i++) {
		char *so = NULL, *se = NULL;
		int st = snapshot(db, out, &so, &se);
		if (st != 0)
			fail_msg("snapshot %d: exit %d: %s", i, st, se);
		assert_non_null(strstr(so, "snapshot written"));
		long n = check_copy(out);
		assert_true(n >= 3);
		assert_true(n >= last);
		last = n;
		assert_int_equal(others(outdir, "host1.db") - 1, 0); /* only the log beside it */
		free(so);
		free(se);
		tu_sleep_ms(150);
	}
	/* the elim kept writing: the live history has at least the last copy's rows */
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 30.0), 0);
	th_close(&h);
	assert_true(th_rows(db) >= last);
	tu_rmtree(dir);
	tu_rmtree(outdir);
	free(dir);
	free(outdir);
}

/* A source that is no database: exit 1 naming it; OUT untouched. */
static void t_snapshot_bad_source(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char src[600], out[600];
	tu_write(dir, "junk.db", "this is not an SQLite database, not at all, not even close\n");
	tu_write(dir, "out.db", "the old snapshot\n");
	snprintf(src, sizeof src, "%s/junk.db", dir);
	snprintf(out, sizeof out, "%s/out.db", dir);
	char *so = NULL, *se = NULL;
	assert_int_equal(snapshot(src, out, &so, &se), 1);
	assert_non_null(strstr(se, src));
	char *text = tu_slurp(out);
	assert_string_equal(text, "the old snapshot\n");
	assert_int_equal(others(dir, "junk.db"), 1); /* out.db, nothing else */
	free(text);
	free(so);
	free(se);
	/* OUT the history itself (or a link to it): refused, the file kept */
	char link[700];
	snprintf(link, sizeof link, "%s/link.db", dir);
	assert_int_equal(symlink("out.db", link), 0);
	assert_int_equal(snapshot(out, link, &so, &se), 1);
	assert_non_null(strstr(se, "the history itself"));
	text = tu_slurp(out);
	assert_string_equal(text, "the old snapshot\n");
	free(text);
	free(so);
	free(se);
	unlink(link);
	/* a missing source the same way */
	snprintf(src, sizeof src, "%s/none.db", dir);
	assert_int_equal(snapshot(src, out, &so, &se), 1);
	assert_non_null(strstr(se, "none.db"));
	free(so);
	free(se);
	tu_rmtree(dir);
	free(dir);
}

/* --snapshot takes exactly one operand. */
static void t_snapshot_usage(void **state)
{
	(void)state;
	struct th_opts o = { .bin = train_bin() };
	const char *one[] = { "--snapshot", "/nonexistent/a.db", NULL };
	const char *three[] = { "--snapshot", "/nonexistent/a.db", "b.db", "c.db", NULL };
	char *se = NULL;
	assert_int_equal(th_run(&o, one, 30.0, NULL, &se), 2);
	assert_non_null(strstr(se, "one operand"));
	free(se);
	assert_int_equal(th_run(&o, three, 30.0, NULL, &se), 2);
	free(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_snapshot_live),
		cmocka_unit_test(t_snapshot_bad_source),
		cmocka_unit_test(t_snapshot_usage),
	};
	return TU_RUN(tests);
}

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "snapshot.h"

/* "FILE: what: SQLite's message" into err; returns -EIO (-EBUSY when locked). */
static int sql_fail(sqlite3 *db, int rc, const char *file, const char *what, char *err,
		    size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", file, what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? -EBUSY : -EIO;
}

/* The first column of the one-row statement sql, as text, into out. */
static int one_text(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		snprintf(out, outlen, "%s", t ? (const char *)t : "");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Copy src into the open dst database (one backup step: one read transaction). */
static int copy(sqlite3 *sdb, sqlite3 *ddb, const char *src, const char *dst, int busy_ms,
		char *err, size_t errlen)
{
	sqlite3_backup *b = sqlite3_backup_init(ddb, "main", sdb, "main");
	if (b == NULL)
		return sql_fail(ddb, sqlite3_errcode(ddb), dst, "starting the copy", err, errlen);
	int rc, waited = 0;
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (waited >= busy_ms)
			break;
		sqlite3_sleep(50);
		waited += 50;
	}
	int frc = sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return sql_fail(NULL, rc, src, "copying", err, errlen);
	if (frc != SQLITE_OK)
		return sql_fail(ddb, frc, dst, "finishing the copy", err, errlen);
	return 0;
}

/* Make the copy a rollback-journal database and check it. */
static int finish(sqlite3 *ddb, const char *dst, char *err, size_t errlen)
{
	char v[64];
	int rc = one_text(ddb, "PRAGMA journal_mode=DELETE", v, sizeof v);
	if (rc != SQLITE_OK)
		return sql_fail(ddb, rc, dst, "leaving WAL mode", err, errlen);
	if (strcmp(v, "delete") != 0) {
		snprintf(err, errlen, "%s: journal mode is '%s', not delete", dst, v);
		return -EIO;
	}
	rc = one_text(ddb, "PRAGMA quick_check", v, sizeof v);
	if (rc != SQLITE_OK)
		return sql_fail(ddb, rc, dst, "checking the copy", err, errlen);
	if (strcmp(v, "ok") != 0) {
		snprintf(err, errlen, "%s: the copy fails quick_check: %s", dst, v);
		return -EIO;
	}
	return 0;
}

/* fsync path (the whole copy on disk before the rename). */
static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

int snapshot_copy(const char *src, const char *dst, int busy_ms, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 16];
	struct stat st;
	err[0] = '\0';
	if (stat(src, &st) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", src, strerror(e));
		return -e;
	}
	struct stat dst_st;
	if (stat(dst, &dst_st) == 0 && dst_st.st_dev == st.st_dev && dst_st.st_ino == st.st_ino) {
		snprintf(err, errlen, "%s: is the history itself: not replaced", dst);
		return -EEXIST;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", dst) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: name too long", dst);
		return -ENAMETOOLONG;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: creating a temporary file beside it: %s", dst, strerror(e));
		return -e;
	}
	fchmod(fd, 0644);
	close(fd);

	sqlite3 *sdb = NULL, *ddb = NULL;
	int rc = sqlite3_open_v2(src, &sdb, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_fail(sdb, rc, src, "opening", err, errlen);
		goto out;
	}
	sqlite3_busy_timeout(sdb, busy_ms);
	rc = sqlite3_open_v2(tmp, &ddb, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_fail(ddb, rc, tmp, "opening", err, errlen);
		goto out;
	}
	sqlite3_busy_timeout(ddb, busy_ms);
	rc = copy(sdb, ddb, src, dst, busy_ms, err, errlen);
	if (rc == 0)
		rc = finish(ddb, dst, err, errlen);
	if (rc == 0 && sqlite3_close(ddb) != SQLITE_OK) {
		rc = sql_fail(ddb, sqlite3_errcode(ddb), dst, "closing the copy", err, errlen);
		goto out;
	}
	if (rc == 0)
		ddb = NULL;
	if (rc == 0 && (rc = sync_file(tmp)) < 0)
		snprintf(err, errlen, "%s: fsync: %s", dst, strerror(-rc));
	if (rc == 0 && rename(tmp, dst) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: renaming the copy into place: %s", dst, strerror(-rc));
	}
out:
	sqlite3_close(ddb);
	sqlite3_close(sdb);
	if (rc != 0) {
		unlink(tmp);
		/* a rollback journal SQLite may have left beside the temporary file */
		char j[sizeof tmp + 16];
		snprintf(j, sizeof j, "%s-journal", tmp);
		unlink(j);
	}
	return rc;
}

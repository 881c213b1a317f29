#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "errmsg.h"
#include "fsutil.h"
#include "history_read.h"

int history_sqlite_code(int sqlite_rc)
{
	switch (sqlite_rc & 0xff) {
	case SQLITE_NOTADB: case SQLITE_CORRUPT: return HISTORY_ECORRUPT;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_CANTOPEN: return -EACCES;
	case SQLITE_NOMEM: return -ENOMEM;
	default: return -EIO;
	}
}

int history_check_schema(const char *path, int64_t version, bool has_tables, bool has_samples,
			 char *err, size_t errlen)
{
	if (version > HISTORY_SCHEMA_VERSION)
		return errmsg(err, errlen, HISTORY_ENEWER,
			      "%s: schema version %lld is newer than this elim-rank's %d",
			      path, (long long)version, HISTORY_SCHEMA_VERSION);
	if (has_tables && (!has_samples || version <= 0))
		return errmsg(err, errlen, HISTORY_EFOREIGN,
			      "%s: not an elim-rank history (no samples table or no schema version)", path);
	return 0;
}

bool history_columns_has(const struct history_columns *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return true;
	return false;
}

int history_read_error(sqlite3 *db, const char *path, const char *what, int rc, int busy_ms,
		       char *err, size_t errlen)
{
	int code = history_sqlite_code(rc);
	switch (code) {
	case -EBUSY:
		return errmsg(err, errlen, code, "%s: locked by another process (waited %d ms);"
			      " train on a snapshot (VACUUM INTO) instead", path, busy_ms);
	case HISTORY_ECORRUPT:
		return errmsg(err, errlen, code, "%s: corrupt or not an SQLite database: %s",
			      path, sqlite3_errmsg(db));
	case -ENOMEM:
		return errmsg(err, errlen, code, "%s: out of memory", path);
	default:
		return errmsg(err, errlen, code, "%s: %s: %s", path, what,
			      sqlite3_errmsg(db));
	}
}

/* A WAL database (header bytes 18 and 19 are 2) on a network file system? */
static bool live_wal_on_network(const char *path)
{
	if (fs_is_network(path, NULL) != 1)
		return false;
	unsigned char hdr[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = pread(fd, hdr, sizeof hdr, 0);
	close(fd);
	return n == (ssize_t)sizeof hdr && hdr[18] == 2 && hdr[19] == 2;
}

/* The schema version, whether there is a samples table, and its columns. */
static int read_schema(sqlite3 *db, const char *path, const struct feature_schema *schema,
		       int busy_ms, struct history_columns *c, bool *has_samples, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return history_read_error(db, path, "cannot read", rc, busy_ms, err, errlen);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		c->version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return history_read_error(db, path, "cannot read", rc, busy_ms, err, errlen);

	rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('samples')", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return history_read_error(db, path, "cannot read the schema", rc, busy_ms, err, errlen);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);
		if (col == NULL)
			continue;
		*has_samples = true;
		if (c->n == HISTORY_MAX_COLUMNS || strlen(col) >= HISTORY_COLUMN_NAME)
			continue;   /* not one of ours: no feature or label is that long */
		snprintf(c->name[c->n++], HISTORY_COLUMN_NAME, "%s", col);
		int f = feature_lookup(schema, col, strlen(col));
		if (f >= 0 && f < FEAT_VECTOR_LEN)
			c->feature[f] = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return history_read_error(db, path, "cannot read the schema", rc, busy_ms, err, errlen);
	return 0;
}

int history_read_open(const char *path, const struct feature_schema *schema, int busy_ms,
		      sqlite3 **db, struct history_columns *cols, char *err, size_t errlen)
{
	*db = NULL;
	memset(cols, 0, sizeof *cols);
	struct stat sb;
	if (stat(path, &sb) < 0) {
		int e = errno;
		return errmsg(err, errlen, -e, "%s: %s", path, strerror(e));
	}
	if (S_ISDIR(sb.st_mode))
		return errmsg(err, errlen, -EISDIR, "%s: is a directory", path);
	if (live_wal_on_network(path))
		return errmsg(err, errlen, -EREMOTE, "%s: a live WAL database on a network filesystem:"
			      " SQLite cannot read it safely there; make a snapshot on its host"
			      " (sqlite3 history.db \"VACUUM INTO '/tmp/host.db'\") and train on that", path);
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		rc = errmsg(err, errlen, -EIO, "%s: cannot open: %s", path,
			    h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return rc;
	}
	sqlite3_busy_timeout(h, busy_ms);
	bool has_samples = false;
	rc = read_schema(h, path, schema, busy_ms, cols, &has_samples, err, errlen);
	if (rc == 0)   /* an empty database is no history to read: has_tables */
		rc = history_check_schema(path, cols->version, true, has_samples, err, errlen);
	if (rc < 0) {
		sqlite3_close(h);
		return rc;
	}
	*db = h;
	return 0;
}

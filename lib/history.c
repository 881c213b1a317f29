#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "errmsg.h"
#include "feature_set.h"
#include "history.h"
#include "history_read.h"

struct history {
	sqlite3 *db;
	sqlite3_stmt *insert;
	int slots[FEAT_VECTOR_LEN];     /* the feature slots with a column, in column order */
	int nslots;
	sqlite3_stmt *begin, *commit, *rollback;   /* for history_append_many */
	struct feature_schema schema;   /* a copy: which slots have columns */
	char path[4096];
};

const char history_schema_v1_sql[] =
	"CREATE TABLE samples (time INTEGER NOT NULL, host TEXT NOT NULL,"
	" cpu_busy REAL, mem_used REAL, disk_busy_max REAL,"
	" net_rx_bps REAL, net_tx_bps REAL, rank REAL);"
	"PRAGMA user_version = 1;";

static int exec(struct history *h, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(h->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int code = errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path,
				   msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

static int query_int(struct history *h, const char *sql, int64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path, sqlite3_errmsg(h->db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	int code = 0;
	if (rc != SQLITE_OK)
		code = errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path, sqlite3_errmsg(h->db));
	sqlite3_finalize(st);
	return code;
}

/* Does table samples have this column? (<0 on error) */
static int has_column(struct history *h, const char *col, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h->db, "SELECT name FROM pragma_table_info('samples')", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path, sqlite3_errmsg(h->db));
	int found = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 0), col) == 0)
			found = 1;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path, sqlite3_errmsg(h->db));
	return found;
}

/* Add any feature column (and model_id) the table lacks. */
static int add_missing_columns(struct history *h, char *err, size_t errlen)
{
	char sql[256];
	for (int i = 0; i <= FEAT_VECTOR_LEN; i++) {
		const char *name = i < FEAT_VECTOR_LEN ? feature_name(&h->schema, i) : "model_id";
		const char *type = i < FEAT_VECTOR_LEN ? "REAL" : "TEXT";
		if (name == NULL)
			continue;   /* an unbound slot */
		int rc = has_column(h, name, err, errlen);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue;
		snprintf(sql, sizeof sql, "ALTER TABLE samples ADD COLUMN %s %s", name, type);
		rc = exec(h, sql, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int create_schema(struct history *h, char *err, size_t errlen)
{
	char sql[8192];
	size_t off = 0;
	off += (size_t)snprintf(sql + off, sizeof sql - off,
		"BEGIN;CREATE TABLE samples (time INTEGER NOT NULL, host TEXT NOT NULL");
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		if (feature_name(&h->schema, i))
			off += (size_t)snprintf(sql + off, sizeof sql - off, ", %s REAL",
						feature_name(&h->schema, i));
	off += (size_t)snprintf(sql + off, sizeof sql - off,
		", rank REAL, model_id TEXT);"
		"CREATE INDEX samples_time ON samples(time);"
		"PRAGMA user_version = %d;COMMIT;", HISTORY_SCHEMA_VERSION);
	if (off >= sizeof sql)
		return errmsg(err, errlen, -ENAMETOOLONG, "%s: schema too long", h->path);
	return exec(h, sql, err, errlen);
}

int history_create_columns(sqlite3 *db, const char *path, const char *const *names, size_t n,
			   char *err, size_t errlen)
{
	char sql[16384];
	size_t off = (size_t)snprintf(sql, sizeof sql,
		"BEGIN;CREATE TABLE samples (time INTEGER NOT NULL, host TEXT NOT NULL");
	for (size_t i = 0; i < n && off < sizeof sql; i++)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ", %s REAL", names[i]);
	if (off < sizeof sql)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ");"
			"CREATE INDEX samples_time ON samples(time);"
			"PRAGMA user_version = %d;COMMIT;", HISTORY_SCHEMA_VERSION);
	if (off >= sizeof sql)
		return errmsg(err, errlen, -ENAMETOOLONG, "%s: schema too long", path);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int code = errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", path,
				  msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

static int migrate(struct history *h, int64_t from, char *err, size_t errlen)
{
	int rc = exec(h, "BEGIN IMMEDIATE", err, errlen);
	if (rc < 0)
		return rc;
	/* v1 -> v2: model_id and the full feature set (added generically) and
	 * an index on time for the trainer's windows. */
	if (from < 2)
		rc = exec(h, "CREATE INDEX IF NOT EXISTS samples_time ON samples(time)", err, errlen);
	if (rc == 0)
		rc = add_missing_columns(h, err, errlen);
	if (rc == 0) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", HISTORY_SCHEMA_VERSION);
		rc = exec(h, sql, err, errlen);
	}
	if (rc < 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return exec(h, "COMMIT", err, errlen);
}

/* "INSERT INTO samples (time, host, <features>, rank, model_id) VALUES
 * (?, ...)" into sql (len bytes).  Returns 0 or -ENAMETOOLONG. */
static int insert_sql(const struct history *h, char *sql, size_t len)
{
	size_t off = 0;
	off += (size_t)snprintf(sql + off, len - off, "INSERT INTO samples (time, host");
	for (int k = 0; k < h->nslots && off < len; k++)
		off += (size_t)snprintf(sql + off, len - off, ", %s", feature_name(&h->schema, h->slots[k]));
	if (off < len)
		off += (size_t)snprintf(sql + off, len - off, ", rank, model_id) VALUES (?, ?");
	for (int i = 0; i < h->nslots + 2 && off < len; i++)
		off += (size_t)snprintf(sql + off, len - off, ", ?");
	if (off < len)
		off += (size_t)snprintf(sql + off, len - off, ")");
	return off < len ? 0 : -ENAMETOOLONG;
}

static int prepare_insert(struct history *h, char *err, size_t errlen)
{
	char sql[8192];
	h->nslots = 0;
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		if (feature_name(&h->schema, i))
			h->slots[h->nslots++] = i;
	if (insert_sql(h, sql, sizeof sql) < 0)
		return errmsg(err, errlen, -ENAMETOOLONG, "%s: insert too long", h->path);
	int rc = sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &h->insert, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(h->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &h->begin, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(h->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &h->commit, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(h->db, "ROLLBACK", -1, SQLITE_PREPARE_PERSISTENT,
					&h->rollback, NULL);
	if (rc != SQLITE_OK)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path, sqlite3_errmsg(h->db));
	return 0;
}

/* Columns for features bound at run time (or added since) on a current
 * schema; writes only when one is missing. */
static int add_columns(struct history *h, char *err, size_t errlen)
{
	int missing = 0;
	for (int i = 0; i < FEAT_VECTOR_LEN && missing == 0; i++) {
		const char *name = feature_name(&h->schema, i);
		if (name == NULL)
			continue;
		int rc = has_column(h, name, err, errlen);
		if (rc < 0)
			return rc;
		missing = !rc;
	}
	if (!missing)
		return 0;
	int rc = exec(h, "BEGIN IMMEDIATE", err, errlen);
	if (rc == 0)
		rc = add_missing_columns(h, err, errlen);
	if (rc < 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return exec(h, "COMMIT", err, errlen);
}

int history_lean_caches(void)
{
	return sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0) == SQLITE_OK ? 0 : -EBUSY;
}

int history_open(const char *path, const struct feature_schema *schema, unsigned flags,
		 struct history **out, char *err, size_t errlen)
{
	const char *journal = (flags & HISTORY_ROLLBACK_JOURNAL) ?
		"PRAGMA journal_mode = DELETE" : "PRAGMA journal_mode = WAL";
	*out = NULL;
	struct history *h = calloc(1, sizeof *h);
	if (h == NULL)
		return errmsg(err, errlen, -ENOMEM, "%s: out of memory", path);
	snprintf(h->path, sizeof h->path, "%s", path);
	if (schema)
		h->schema = *schema;
	else
		feature_schema_init(&h->schema);

	int rc = sqlite3_open_v2(path, &h->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int code = errmsg(err, errlen, history_sqlite_code(rc), "%s: cannot open: %s", path,
				   h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
		history_close(h);
		return code;
	}
	if (sqlite3_db_readonly(h->db, "main") == 1) {
		/* SQLite falls back to read-only on a read-only file or mount */
		int code = errmsg(err, errlen, -EROFS, "%s: read-only", path);
		history_close(h);
		return code;
	}
	sqlite3_busy_timeout(h->db, 200);
	sqlite3_extended_result_codes(h->db, 0);

	int64_t version = 0, tables = 0, has_samples = 0;
	rc = query_int(h, "PRAGMA user_version", &version, err, errlen);
	if (rc == 0)
		rc = query_int(h, "SELECT count(*) FROM sqlite_master", &tables, err, errlen);
	if (rc == 0)
		rc = query_int(h, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='samples'",
			       &has_samples, err, errlen);
	if (rc < 0)
		goto fail;

	rc = history_check_schema(path, version, tables > 0, has_samples > 0, err, errlen);
	if (rc < 0)
		goto fail;
	if (tables == 0) {
		/* auto_vacuum only takes effect before the first table exists */
		rc = exec(h, "PRAGMA auto_vacuum = INCREMENTAL", err, errlen);
		if (rc == 0)
			rc = exec(h, journal, err, errlen);
		if (rc == 0)
			rc = create_schema(h, err, errlen);
	} else {
		rc = exec(h, journal, err, errlen);
		if (rc == 0 && version < HISTORY_SCHEMA_VERSION)
			rc = migrate(h, version, err, errlen);
		else if (rc == 0)
			rc = add_columns(h, err, errlen);
	}
	if (rc == 0)
		rc = exec(h, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -256;"
			     "PRAGMA journal_size_limit = 4194304", err, errlen);
	if (rc == 0)
		rc = prepare_insert(h, err, errlen);
	if (rc < 0)
		goto fail;
	*out = h;
	return 0;
fail:
	history_close(h);
	return rc;
}

/* Step a statement that returns no rows, and reset it. */
static int step_once(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

int history_append_many(struct history *h, const struct history_row *rows, size_t n,
			char *err, size_t errlen)
{
	if (n == 1)
		return history_append(h, &rows[0], err, errlen);
	if (n == 0)
		return 0;
	int rc = step_once(h->begin);
	if (rc != SQLITE_DONE)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: append failed: %s", h->path,
			       sqlite3_errstr(rc));
	for (size_t i = 0; i < n; i++) {
		int a = history_append(h, &rows[i], err, errlen);
		if (a < 0) {
			if (sqlite3_get_autocommit(h->db) == 0)
				step_once(h->rollback);
			return a;
		}
	}
	rc = step_once(h->commit);
	if (rc != SQLITE_DONE) {
		/* a failed COMMIT may leave the transaction open: end it */
		if (sqlite3_get_autocommit(h->db) == 0)
			step_once(h->rollback);
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: append failed: %s", h->path,
			       sqlite3_errstr(rc));
	}
	return 0;
}

/* Bind row to the insert's parameters: every one of them, so no value of
 * the row before survives (no sqlite3_clear_bindings needed), the
 * features straight from their slots (no lookup by name per row). */
static void bind_row(const struct history *h, sqlite3_stmt *st, const struct history_row *row)
{
	int col = 1;
	sqlite3_bind_int64(st, col++, row->time);
	sqlite3_bind_text(st, col++, row->host, -1, SQLITE_STATIC);
	for (int k = 0; k < h->nslots; k++, col++) {
		double v = row->features[h->slots[k]];
		if (isfinite(v))
			sqlite3_bind_double(st, col, v);
		else
			sqlite3_bind_null(st, col);
	}
	if (isfinite(row->rank))
		sqlite3_bind_double(st, col++, row->rank);
	else
		sqlite3_bind_null(st, col++);
	if (row->model_id)
		sqlite3_bind_text(st, col++, row->model_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col++);
}

int history_append(struct history *h, const struct history_row *row, char *err, size_t errlen)
{
	sqlite3_stmt *st = h->insert;
	bind_row(h, st, row);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: append failed: %s",
			       h->path, sqlite3_errstr(rc));
	return 0;
}

int64_t history_live_bytes(struct history *h)
{
	int64_t pages = 0, free_pages = 0, size = 0;
	int rc = query_int(h, "PRAGMA page_count", &pages, NULL, 0);
	if (rc == 0)
		rc = query_int(h, "PRAGMA freelist_count", &free_pages, NULL, 0);
	if (rc == 0)
		rc = query_int(h, "PRAGMA page_size", &size, NULL, 0);
	if (rc < 0)
		return rc;
	return (pages - free_pages) * size;
}

/* Delete up to max_rows oldest rows matching cond; returns rows deleted or <0. */
static int delete_oldest(struct history *h, const char *cond, int64_t arg, int max_rows,
			 char *err, size_t errlen)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples %s"
		 " ORDER BY time LIMIT %d)", cond, max_rows);
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path, sqlite3_errmsg(h->db));
	if (cond[0])
		sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return errmsg(err, errlen, history_sqlite_code(rc), "%s: pruning: %s", h->path,
			       sqlite3_errstr(rc));
	return sqlite3_changes(h->db);
}

int history_prune(struct history *h, int64_t before, int64_t max_bytes, int max_rows,
		  int vacuum_pages, int *more, char *err, size_t errlen)
{
	*more = 0;
	if (max_rows < 1)
		max_rows = 1;
	if (before > 0) {
		int n = delete_oldest(h, "WHERE time < ?", before, max_rows, err, errlen);
		if (n < 0)
			return n;
		if (n == max_rows)
			*more = 1;
	}
	if (!*more && max_bytes > 0) {
		int64_t live = history_live_bytes(h);
		if (live < 0)
			return errmsg(err, errlen, (int)live, "%s: cannot read its size", h->path);
		if (live > max_bytes) {
			int n = delete_oldest(h, "", 0, max_rows, err, errlen);
			if (n < 0)
				return n;
			/* freed pages only count once the free list is checked again */
			*more = n > 0;
		}
	}
	int64_t auto_vacuum = 0;
	if (vacuum_pages > 0 && query_int(h, "PRAGMA auto_vacuum", &auto_vacuum, NULL, 0) == 0 &&
	    auto_vacuum == 2) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%d)", vacuum_pages);
		/* the pragma returns one row per page freed: step through them */
		sqlite3_stmt *st;
		int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
		if (rc != SQLITE_OK)
			return errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", h->path,
				       sqlite3_errmsg(h->db));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return errmsg(err, errlen, history_sqlite_code(rc), "%s: incremental vacuum: %s",
				       h->path, sqlite3_errstr(rc));
		int64_t free_pages = 0;
		if (query_int(h, "PRAGMA freelist_count", &free_pages, NULL, 0) == 0 && free_pages > 0)
			*more = 1;
	}
	return 0;
}

void history_close(struct history *h)
{
	if (h == NULL)
		return;
	sqlite3_finalize(h->insert);   /* NULL is a no-op */
	sqlite3_finalize(h->begin);
	sqlite3_finalize(h->commit);
	sqlite3_finalize(h->rollback);
	if (h->db)
		sqlite3_close_v2(h->db);
	free(h);
}

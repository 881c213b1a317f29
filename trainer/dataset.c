#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "errmsg.h"
#include "dataset.h"
#include "feature_set.h"
#include "history_read.h"

static bool valid_identifier(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Distinct host names, kept small: most rows repeat the previous host. */
struct host_set {
	char **names;
	size_t n, cap;
	char last[256];
};

static void host_seen(struct host_set *hs, const char *h)
{
	if (strcmp(h, hs->last) == 0)
		return;
	snprintf(hs->last, sizeof hs->last, "%s", h);
	for (size_t i = 0; i < hs->n; i++)
		if (strcmp(hs->names[i], h) == 0)
			return;
	if (hs->n >= DATASET_MAX_HOSTS)
		return;
	if (hs->n == hs->cap) {
		size_t cap = hs->cap ? hs->cap * 2 : 16;
		char **nn = realloc(hs->names, cap * sizeof *nn);
		if (nn == NULL)
			return;
		hs->names = nn;
		hs->cap = cap;
	}
	char *copy = strdup(h);
	if (copy)
		hs->names[hs->n++] = copy;
}

static void host_set_free(struct host_set *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		free(hs->names[i]);
	free(hs->names);
}

#define DATASET_BUSY_MS 2000

/* A failed SQLite call while reading file: message and code (lib/history_read.h). */
static int db_fail(sqlite3 *db, const char *file, const char *what, int rc,
		   char *err, size_t errlen)
{
	return history_read_error(db, file, what, rc, DATASET_BUSY_MS, err, errlen);
}

int dataset_schema(char *const *paths, size_t n, struct feature_schema *schema,
		   char *err, size_t errlen)
{
	char **files = NULL;
	long nfiles = dataset_expand(paths, n, &files, err, errlen);
	if (nfiles < 0)
		return 0;   /* the scan's own expansion reports it */
	int rc = 0;
	struct history_columns cols;
	for (long fi = 0; fi < nfiles && rc == 0; fi++) {
		sqlite3 *db = NULL;
		char why[160] = "";
		if (history_read_open(files[fi], NULL, DATASET_BUSY_MS, &db, &cols, why, sizeof why) < 0)
			continue;   /* not readable, or not safely: the scan says why */
		sqlite3_close(db);
		for (size_t c = 0; c < cols.n && rc == 0; c++)
			if (feature_schema_bind_name(schema, cols.name[c], strlen(cols.name[c]),
						     why, sizeof why) < 0)   /* 1: bound, 0: known */
				rc = errmsg(err, errlen, -ENOSPC, "%s: %s", files[fi], why);
	}
	dataset_free_files(files, (size_t)nfiles);
	return rc < 0 ? rc : 0;
}

/*
 * Open one history read-only and check it (lib/history_read.h: a history of
 * a schema this program reads) has the label column and every needed
 * feature's (of schema); *out owns the connection, cols gets its columns.
 */
static int open_file(const char *file, const struct feature_schema *schema, const char *label,
		     const bool *need, sqlite3 **out, struct history_columns *cols,
		     char *err, size_t errlen)
{
	sqlite3 *db;
	int rc = history_read_open(file, schema, DATASET_BUSY_MS, &db, cols, err, errlen);
	*out = NULL;
	if (rc < 0)
		return rc;
	if (label && !history_columns_has(cols, label))
		rc = errmsg(err, errlen, -ENOENT, "%s: no column '%s' to use as the label", file, label);
	for (int f = 0; f < FEAT_VECTOR_LEN && rc == 0; f++)
		if (need[f] && !cols->feature[f])
			rc = errmsg(err, errlen, -ENOENT, "%s: no column for feature '%s' (an old schema?)",
				    file, feature_name(schema, f) ? feature_name(schema, f) : "?");
	if (rc < 0) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

/* Which features the spec's terms need (known) and want (read). */
static int plan_columns(const struct dataset_spec *spec, bool *need, int *cols,
			char *err, size_t errlen)
{
	int ncols = 0;
	if (spec->label == NULL || !valid_identifier(spec->label))
		return errmsg(err, errlen, -EINVAL, "label '%s' is not a column name",
			       spec->label ? spec->label : "");
	if (spec->n_terms > MODEL_MAX_TERMS)
		return errmsg(err, errlen, -EINVAL, "too many terms (%zu, at most %d)",
			       spec->n_terms, MODEL_MAX_TERMS);
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		need[f] = false;
	for (size_t i = 0; i < spec->n_terms; i++) {
		const struct model_term *t = &spec->terms[i];
		if (feature_name(spec->schema, t->a) == NULL ||
		    (t->kind == TERM_PRODUCT && feature_name(spec->schema, t->b) == NULL))
			return errmsg(err, errlen, -EINVAL, "term %zu uses a feature with no name"
				       " in the schema", i + 1);
		need[t->a] = true;
		if (t->kind == TERM_PRODUCT)
			need[t->b] = true;
	}
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		if ((need[f] || (spec->want && spec->want[f])) && feature_name(spec->schema, f))
			cols[ncols++] = f;
	return ncols;
}

/* The label column a file must have: none when a hook gives the labels. */
static const char *label_column(const struct dataset_spec *spec)
{
	return spec->label_fn ? NULL : spec->label;
}

/* The WHERE clause shared by the scan and the range query. */
static size_t where_clause(const struct dataset_spec *spec, char *sql, size_t size)
{
	return dataset_where(spec, sql, size);
}

size_t dataset_where(const struct dataset_spec *spec, char *sql, size_t size)
{
	/* the time conditions only when asked: an open range would tempt the
	 * planner into walking the time index for every row */
	char cond[128];
	if (spec->label_fn)
		snprintf(cond, sizeof cond, "1");   /* labels come from the hook */
	else
		snprintf(cond, sizeof cond, "\"%s\" IS NOT NULL", spec->label);
	int n = snprintf(sql, size, " FROM samples WHERE %s%s%s%s", cond,
			 spec->since ? " AND time >= ?1" : "",
			 spec->until ? " AND time <= ?2" : "",
			 spec->host ? " AND host = ?3" : "");
	return n < 0 ? 0 : (size_t)n;
}

static void bind_filters(const struct dataset_spec *spec, sqlite3_stmt *st)
{
	dataset_bind_filters(spec, st);
}

void dataset_bind_filters(const struct dataset_spec *spec, struct sqlite3_stmt *st)
{
	if (spec->since)
		sqlite3_bind_int64(st, 1, spec->since);
	if (spec->until)
		sqlite3_bind_int64(st, 2, spec->until);
	if (spec->host)
		sqlite3_bind_text(st, 3, spec->host, -1, SQLITE_STATIC);
}

int dataset_stream(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		   dataset_stream_fn fn, void *ctx, struct dataset_stats *stats,
		   char *err, size_t errlen)
{
	struct dataset_stats local = { 0 };
	struct host_set hosts = { 0 };
	bool need[FEAT_VECTOR_LEN];
	int cols[FEAT_VECTOR_LEN];
	int rc = 0;

	int ncols = plan_columns(spec, need, cols, err, errlen);
	if (ncols < 0)
		return ncols;

	char sql[8192];
	double feat[FEAT_VECTOR_LEN];
	double x[MODEL_MAX_TERMS];
	features_clear(feat);

	for (size_t fi = 0; fi < nfiles && rc == 0; fi++) {
		const char *file = files[fi];
		sqlite3 *db = NULL;
		struct history_columns have;
		rc = open_file(file, spec->schema, label_column(spec), need, &db, &have, err, errlen);
		const bool *has = have.feature;
		if (rc < 0)
			break;
		/* a feature only wanted may lack a column here (a traffic class
		 * another host had): unknown in this file's rows */
		size_t off = spec->label_fn ? (size_t)snprintf(sql, sizeof sql, "SELECT time, host, NULL")
			: (size_t)snprintf(sql, sizeof sql, "SELECT time, host, \"%s\"", spec->label);
		for (int i = 0; i < ncols; i++)
			off += (size_t)snprintf(sql + off, sizeof sql - off, ", %s",
						has[cols[i]] ? feature_name(spec->schema, cols[i]) : "NULL");
		where_clause(spec, sql + off, sizeof sql - off);
		sqlite3_stmt *st = NULL;
		int prc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
		if (prc != SQLITE_OK)
			rc = db_fail(db, file, "preparing the query", prc, err, errlen);
		if (rc == 0) {
			bind_filters(spec, st);
			int s;
			while ((s = sqlite3_step(st)) == SQLITE_ROW) {
				double y;
				if (spec->label_fn) {
					const char *lh = (const char *)sqlite3_column_text(st, 1);
					y = spec->label_fn(spec->label_ctx, lh ? lh : "",
							   sqlite3_column_int64(st, 0));
					if (isnan(y))
						continue;   /* no label for this row */
				} else {
					int lt = sqlite3_column_type(st, 2);
					if (lt != SQLITE_INTEGER && lt != SQLITE_FLOAT)
						continue;   /* a non-numeric label is not a label */
					y = sqlite3_column_double(st, 2);
				}
				local.rows_read++;
				for (int i = 0; i < ncols; i++)
					feat[cols[i]] = sqlite3_column_type(st, 3 + i) == SQLITE_NULL
						? NAN : sqlite3_column_double(st, 3 + i);
				bool ok = isfinite(y);
				for (size_t t = 0; t < spec->n_terms && ok; t++) {
					x[t] = model_term_value(&spec->terms[t], feat);
					if (!isfinite(x[t])) {
						local.unknown[t]++;
						ok = false;
					}
				}
				if (!ok) {
					local.rows_skipped++;
					continue;
				}
				local.rows_used++;
				const char *h = (const char *)sqlite3_column_text(st, 1);
				host_seen(&hosts, h ? h : "");
				int64_t t = sqlite3_column_int64(st, 0);
				struct dataset_row row = { .x = x, .feat = feat, .y = y,
							   .time = t, .host = h ? h : "" };
				rc = fn(ctx, &row);
				if (rc != 0)
					break;
			}
			if (rc == 0 && s != SQLITE_DONE)
				rc = db_fail(db, file, "reading rows", s, err, errlen);
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	local.hosts = hosts.n;
	if (hosts.n > 0)
		snprintf(local.first_host, sizeof local.first_host, "%s", hosts.names[0]);
	host_set_free(&hosts);
	if (stats)
		*stats = local;
	return rc;
}

static int query_time(sqlite3 *db, const char *file, const char *sql,
		      const struct dataset_spec *spec, int64_t *out, bool *found,
		      char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, file, "preparing the query", rc, err, errlen);
	bind_filters(spec, st);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, file, "reading times", rc, err, errlen);
	return 0;
}

int dataset_time_range(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		       int64_t *tmin, int64_t *tmax, char *err, size_t errlen)
{
	bool need[FEAT_VECTOR_LEN];
	int cols[FEAT_VECTOR_LEN];
	int rc = plan_columns(spec, need, cols, err, errlen);
	if (rc < 0)
		return rc;
	char where[1024], lo[1200], hi[1200];
	where_clause(spec, where, sizeof where);
	snprintf(lo, sizeof lo, "SELECT time%s ORDER BY time LIMIT 1", where);
	snprintf(hi, sizeof hi, "SELECT time%s ORDER BY time DESC LIMIT 1", where);
	*tmin = INT64_MAX;
	*tmax = INT64_MIN;
	for (size_t fi = 0; fi < nfiles; fi++) {
		sqlite3 *db;
		struct history_columns have;
		rc = open_file(files[fi], spec->schema, label_column(spec), need, &db, &have, err, errlen);
		if (rc < 0)
			return rc;
		int64_t a = 0, b = 0;
		bool fa = false, fb = false;
		rc = query_time(db, files[fi], lo, spec, &a, &fa, err, errlen);
		if (rc == 0)
			rc = query_time(db, files[fi], hi, spec, &b, &fb, err, errlen);
		sqlite3_close(db);
		if (rc < 0)
			return rc;
		if (fa && a < *tmin)
			*tmin = a;
		if (fb && b > *tmax)
			*tmax = b;
	}
	return 0;
}

int dataset_known_share(const struct dataset_spec *spec, char *const *files, size_t nfiles,
			unsigned limit, double *known, char *err, size_t errlen)
{
	bool need[FEAT_VECTOR_LEN];
	int cols[FEAT_VECTOR_LEN];
	int rc = plan_columns(spec, need, cols, err, errlen);
	if (rc < 0)
		return rc;
	char where[1024];
	size_t off;
	where_clause(spec, where, sizeof where);
	double n = 0, k[FEAT_VECTOR_LEN] = { 0 };
	bool none[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		none[f] = false;
	for (size_t fi = 0; fi < nfiles; fi++) {
		sqlite3 *db;
		struct history_columns have;
		rc = open_file(files[fi], spec->schema, label_column(spec), none, &db, &have, err, errlen);
		if (rc < 0)
			return rc;
		/* an old schema may lack a feature's column: count it unknown */
		const bool *has = have.feature;
		sqlite3_stmt *st;
		char q[8192];
		off = (size_t)snprintf(q, sizeof q, "SELECT count(*)");
		for (int f = 0; f < FEAT_VECTOR_LEN; f++)
			off += has[f] ? (size_t)snprintf(q + off, sizeof q - off, ", count(%s)",
							 feature_name(spec->schema, f))
				      : (size_t)snprintf(q + off, sizeof q - off, ", 0");
		snprintf(q + off, sizeof q - off, " FROM (SELECT *%s LIMIT %u)", where, limit);
		int prc = sqlite3_prepare_v2(db, q, -1, &st, NULL);
		if (prc != SQLITE_OK) {
			rc = db_fail(db, files[fi], "preparing the query", prc, err, errlen);
			sqlite3_close(db);
			return rc;
		}
		bind_filters(spec, st);
		prc = sqlite3_step(st);
		if (prc == SQLITE_ROW) {
			n += sqlite3_column_double(st, 0);
			for (int f = 0; f < FEAT_VECTOR_LEN; f++)
				k[f] += sqlite3_column_double(st, 1 + f);
		}
		sqlite3_finalize(st);
		if (prc != SQLITE_ROW) {
			rc = db_fail(db, files[fi], "reading rows", prc, err, errlen);
			sqlite3_close(db);
			return rc;
		}
		sqlite3_close(db);
	}
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		known[f] = n > 0 && feature_name(spec->schema, f) ? k[f] / n : NAN;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long dataset_expand(char *const *paths, size_t n, char ***out, char *err, size_t errlen)
{
	return dataset_expand_suffix(paths, n, ".db", out, err, errlen);
}

long dataset_expand_suffix(char *const *paths, size_t n, const char *suffix, char ***out,
			   char *err, size_t errlen)
{
	size_t slen = strlen(suffix);
	char **files = NULL;
	size_t nf = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		size_t first = nf;
		DIR *d = NULL;
		struct dirent *e = NULL;
		bool is_dir = stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode);
		if (is_dir && (d = opendir(paths[i])) == NULL) {
			errmsg(err, errlen, -errno, "%s: %s", paths[i], strerror(errno));
			dataset_free_files(files, nf);
			return -EIO;
		}
		for (;;) {
			char *name;
			if (is_dir) {
				e = readdir(d);
				if (e == NULL)
					break;
				size_t l = strlen(e->d_name);
				if (l <= slen || strcmp(e->d_name + l - slen, suffix) != 0)
					continue;
				if (asprintf(&name, "%s/%s", paths[i], e->d_name) < 0)
					name = NULL;
			} else {
				name = strdup(paths[i]);
			}
			if (nf == cap) {
				cap = cap ? cap * 2 : 16;
				char **nn = realloc(files, cap * sizeof *nn);
				if (nn == NULL) {
					free(name);
					name = NULL;
				} else
					files = nn;
			}
			if (name == NULL) {
				if (d)
					closedir(d);
				dataset_free_files(files, nf);
				errmsg(err, errlen, -ENOMEM, "out of memory");
				return -ENOMEM;
			}
			files[nf++] = name;
			if (!is_dir)
				break;
		}
		if (d) {
			closedir(d);
			if (nf == first) {
				errmsg(err, errlen, -ENOENT, "%s: no *.db history files in this directory", paths[i]);
				dataset_free_files(files, nf);
				return -ENOENT;
			}
			qsort(files + first, nf - first, sizeof *files, cmp_str);
		}
	}
	*out = files;
	return (long)nf;
}

void dataset_free_files(char **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "dataset.h"
#include "feature_set.h"

static int set_err(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int set_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

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

/* Check the file is a history with every needed column. */
static int check_file(sqlite3 *db, const char *file, const char *label,
		      const bool *need, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return set_err(err, errlen, -EINVAL, "%s: not a readable SQLite database: %s",
			       file, sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	int version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return set_err(err, errlen, rc == SQLITE_BUSY ? -EBUSY : -EINVAL,
			       "%s: cannot read: %s", file, sqlite3_errmsg(db));

	bool has[FEAT_COUNT] = { false }, has_label = false, has_samples = false;
	rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('samples')", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return set_err(err, errlen, -EINVAL, "%s: cannot read schema: %s", file, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);
		has_samples = true;
		int f = feature_lookup(col, strlen(col));
		if (f >= 0)
			has[f] = true;
		if (label && strcmp(col, label) == 0)
			has_label = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return set_err(err, errlen, -EINVAL, "%s: cannot read schema: %s", file, sqlite3_errmsg(db));
	if (!has_samples || version < 1)
		return set_err(err, errlen, -EINVAL, "%s: not an elim-rank history (no samples table or schema version)", file);
	if (!has_label && label)
		return set_err(err, errlen, -ENOENT, "%s: no column '%s' to use as the label", file, label);
	for (int f = 0; f < FEAT_COUNT; f++)
		if (need[f] && !has[f])
			return set_err(err, errlen, -ENOENT, "%s: no column for feature '%s' (an old schema?)",
				       file, feature_info(f)->name);
	return 0;
}

int dataset_scan(const struct dataset_spec *spec, char *const *files, size_t nfiles,
		 dataset_row_fn fn, void *ctx, struct dataset_stats *stats,
		 char *err, size_t errlen)
{
	struct dataset_stats local = { 0 };
	struct host_set hosts = { 0 };
	bool need[FEAT_COUNT] = { false };
	int cols[FEAT_COUNT], ncols = 0;
	int rc = 0;

	if (!valid_identifier(spec->label))
		return set_err(err, errlen, -EINVAL, "label '%s' is not a column name", spec->label);
	for (size_t i = 0; i < spec->n_terms; i++) {
		need[spec->terms[i].a] = true;
		if (spec->terms[i].kind == TERM_PRODUCT)
			need[spec->terms[i].b] = true;
	}
	for (int f = 0; f < FEAT_COUNT; f++)
		if (need[f])
			cols[ncols++] = f;

	char sql[8192];
	const char *label_col = spec->label_fn ? "NULL" : spec->label;
	size_t off = (size_t)snprintf(sql, sizeof sql, spec->label_fn ? "SELECT time, host, %s" :
				      "SELECT time, host, \"%s\"", label_col);
	for (int i = 0; i < ncols; i++)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ", %s", feature_info(cols[i])->name);
	off += (size_t)snprintf(sql + off, sizeof sql - off,
		" FROM samples WHERE %s IS NOT NULL AND time >= ?1 AND time <= ?2"
		" AND (?3 IS NULL OR host = ?3) ORDER BY time", spec->label_fn ? "1" : label_col);

	double feat[FEAT_COUNT];
	double x[MODEL_MAX_TERMS];
	features_clear(feat);

	for (size_t fi = 0; fi < nfiles && rc == 0; fi++) {
		const char *file = files[fi];
		sqlite3 *db = NULL;
		struct stat sb;
		if (stat(file, &sb) < 0) {
			rc = set_err(err, errlen, -errno, "%s: %s", file, strerror(errno));
			break;
		}
		if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			rc = set_err(err, errlen, -EIO, "%s: cannot open: %s", file,
				     db ? sqlite3_errmsg(db) : "out of memory");
			sqlite3_close(db);
			break;
		}
		sqlite3_busy_timeout(db, 5000);
		rc = check_file(db, file, spec->label_fn ? NULL : spec->label, need, err, errlen);
		sqlite3_stmt *st = NULL;
		if (rc == 0 && sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			rc = set_err(err, errlen, -EINVAL, "%s: %s", file, sqlite3_errmsg(db));
		if (rc == 0) {
			sqlite3_bind_int64(st, 1, spec->since);
			sqlite3_bind_int64(st, 2, spec->until ? spec->until : INT64_MAX);
			if (spec->host)
				sqlite3_bind_text(st, 3, spec->host, -1, SQLITE_STATIC);
			int s;
			while ((s = sqlite3_step(st)) == SQLITE_ROW) {
				double y;
				if (spec->label_fn) {
					const char *lh = (const char *)sqlite3_column_text(st, 1);
					y = spec->label_fn(spec->label_ctx, lh ? lh : "", sqlite3_column_int64(st, 0));
					if (isnan(y))
						continue;   /* no label for this row */
				} else if (sqlite3_column_type(st, 2) != SQLITE_INTEGER &&
					   sqlite3_column_type(st, 2) != SQLITE_FLOAT)
					continue;   /* a non-numeric label is not a label */
				else
					y = sqlite3_column_double(st, 2);
				local.rows_read++;
				for (int i = 0; i < ncols; i++)
					feat[cols[i]] = sqlite3_column_type(st, 3 + i) == SQLITE_NULL
						? NAN : sqlite3_column_double(st, 3 + i);
				bool ok = isfinite(y);
				for (size_t t = 0; t < spec->n_terms && ok; t++) {
					x[t] = model_term_value(&spec->terms[t], feat);
					ok = isfinite(x[t]);
				}
				if (!ok) {
					local.rows_skipped++;
					continue;
				}
				local.rows_used++;
				const char *h = (const char *)sqlite3_column_text(st, 1);
				host_seen(&hosts, h ? h : "");
				rc = fn(ctx, x, y, sqlite3_column_int64(st, 0));
				if (rc != 0)
					break;
			}
			if (rc == 0 && s != SQLITE_DONE)
				rc = set_err(err, errlen, s == SQLITE_BUSY ? -EBUSY : -EIO,
					     "%s: reading rows: %s", file, sqlite3_errmsg(db));
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	local.hosts = hosts.n;
	host_set_free(&hosts);
	if (stats)
		*stats = local;
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long dataset_expand(char *const *paths, size_t n, char ***out, char *err, size_t errlen)
{
	char **files = NULL;
	size_t nf = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat sb;
		size_t first = nf;
		DIR *d = NULL;
		struct dirent *e = NULL;
		bool is_dir = stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode);
		if (is_dir && (d = opendir(paths[i])) == NULL) {
			set_err(err, errlen, -errno, "%s: %s", paths[i], strerror(errno));
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
				if (l < 4 || strcmp(e->d_name + l - 3, ".db") != 0)
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
				set_err(err, errlen, -ENOMEM, "out of memory");
				return -ENOMEM;
			}
			files[nf++] = name;
			if (!is_dir)
				break;
		}
		if (d) {
			closedir(d);
			if (nf == first) {
				set_err(err, errlen, -ENOENT, "%s: no *.db history files in this directory", paths[i]);
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

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "errmsg.h"
#include "extract.h"
#include "history.h"
#include "history_read.h"

#define EXTRACT_BUSY_MS 5000

/* The columns: the label, then each feature needed or wanted, by id. */
struct plan {
	size_t n;
	const char *name[FEAT_VECTOR_LEN + 1];
	bool need[FEAT_VECTOR_LEN + 1];      /* must be a column of each history */
};

static void add(struct plan *p, const struct dataset_spec *spec, int f, bool need)
{
	const char *name = feature_name(spec->schema, f);
	if (name == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->name[i], name) == 0) {
			p->need[i] |= need;
			return;
		}
	p->name[p->n] = name;
	p->need[p->n++] = need;
}

static int copy_file(sqlite3 *out, sqlite3_stmt *ins, const struct dataset_spec *spec,
		     const struct plan *p, const char *file, uint64_t *rows, char *err, size_t errlen)
{
	sqlite3 *db;
	struct history_columns cols;
	int rc = history_read_open(file, spec->schema, EXTRACT_BUSY_MS, &db, &cols, err, errlen);
	if (rc < 0)
		return rc;
	char sql[16384];
	size_t off = (size_t)snprintf(sql, sizeof sql, "SELECT time, host");
	for (size_t i = 0; i < p->n && off < sizeof sql; i++) {
		bool has = history_columns_has(&cols, p->name[i]);
		if (!has && p->need[i]) {
			sqlite3_close(db);
			return errmsg(err, errlen, -ENOENT, "%s: no column '%s'%s", file, p->name[i],
				      i == 0 ? " to use as the label" : " (an old schema?)");
		}
		off += (size_t)snprintf(sql + off, sizeof sql - off, has ? ", \"%s\"" : ", NULL",
					p->name[i]);
	}
	if (off < sizeof sql)
		off += dataset_where(spec, sql + off, sizeof sql - off);
	sqlite3_stmt *st = NULL;
	if (off >= sizeof sql) {
		sqlite3_close(db);
		return errmsg(err, errlen, -ENAMETOOLONG, "%s: query too long", file);
	}
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = history_read_error(db, file, "reading", rc, EXTRACT_BUSY_MS, err, errlen);
		sqlite3_close(db);
		return rc;
	}
	dataset_bind_filters(spec, st);
	int c = (int)p->n + 2;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < c; i++)
			sqlite3_bind_value(ins, i + 1, sqlite3_column_value(st, i));
		int w = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (w != SQLITE_DONE) {
			rc = errmsg(err, errlen, history_sqlite_code(w), "writing: %s", sqlite3_errmsg(out));
			break;
		}
		(*rows)++;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = history_read_error(db, file, "reading", rc, EXTRACT_BUSY_MS, err, errlen);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

int extract_write(const struct dataset_spec *spec, const bool *extra, char *const *files,
		  size_t n, const char *out, uint64_t *rows, char *err, size_t errlen)
{
	*rows = 0;
	if (spec->label_fn)
		return errmsg(err, errlen, -EINVAL, "--extract takes the label from a history column");
	bool ident = spec->label && (spec->label[0] < '0' || spec->label[0] > '9');
	for (const char *c = spec->label; ident && *c; c++)
		ident = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')
			|| *c == '_';
	if (!ident)
		return errmsg(err, errlen, -EINVAL, "label '%s' is not a column name",
			      spec->label ? spec->label : "");
	struct plan p = { .n = 1, .name = { spec->label }, .need = { true } };
	for (size_t t = 0; t < spec->n_terms; t++) {
		add(&p, spec, spec->terms[t].a, true);
		if (spec->terms[t].kind == TERM_PRODUCT)
			add(&p, spec, spec->terms[t].b, true);
	}
	add(&p, spec, FEAT_load1_per_core, false);
	for (int f = 0; extra && f < FEAT_VECTOR_LEN; f++)
		if (extra[f])
			add(&p, spec, f, false);

	char tmp[4200];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", out) >= sizeof tmp)
		return errmsg(err, errlen, -ENAMETOOLONG, "%s: name too long", out);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		return errmsg(err, errlen, -e, "%s: %s", out, strerror(e));
	}
	close(fd);
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK)
		rc = errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", out, sqlite3_errstr(rc));
	if (rc == 0)
		rc = history_create_columns(db, out, p.name, p.n, err, errlen);
	char sql[16384];
	size_t off = (size_t)snprintf(sql, sizeof sql, "INSERT INTO samples VALUES (?, ?");
	for (size_t i = 0; i < p.n; i++)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ", ?");
	snprintf(sql + off, sizeof sql - off, ")");
	if (rc == 0 && (rc = sqlite3_prepare_v2(db, sql, -1, &ins, NULL)) != SQLITE_OK)
		rc = errmsg(err, errlen, history_sqlite_code(rc), "%s: %s", out, sqlite3_errmsg(db));
	if (rc == 0 && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		rc = errmsg(err, errlen, -EIO, "%s: %s", out, sqlite3_errmsg(db));
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = copy_file(db, ins, spec, &p, files[i], rows, err, errlen);
		if (rc < 0 && strstr(err, files[i]) == NULL) {
			char why[512];
			snprintf(why, sizeof why, "%s", err);
			errmsg(err, errlen, rc, "%s: %s", out, why);
		}
	}
	sqlite3_finalize(ins);
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = errmsg(err, errlen, -EIO, "%s: %s", out, sqlite3_errmsg(db));
	if (sqlite3_close(db) != SQLITE_OK && rc == 0)
		rc = errmsg(err, errlen, -EIO, "%s: closing failed", out);
	if (rc == 0) {
		fd = open(tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0)
			rc = errmsg(err, errlen, -errno, "%s: %s", out, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (rc == 0 && rename(tmp, out) != 0)
		rc = errmsg(err, errlen, -errno, "%s: %s", out, strerror(errno));
	if (rc < 0) {
		unlink(tmp);
		*rows = 0;
	}
	return rc;
}

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"

/* A field quoted when it holds a comma, quote or line break. */
static void put_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int csv_begin(struct csv_out *c, const char *path, const char *label,
	      const struct feature_schema *schema, const struct model_term *terms,
	      size_t n_terms, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->n_terms = n_terms;
	snprintf(c->path, sizeof c->path, "%s", path);
	snprintf(c->tmp, sizeof c->tmp, "%s.tmpXXXXXX", path);
	int fd = mkstemp(c->tmp);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path, strerror(e));
		c->tmp[0] = '\0';
		return -e;
	}
	fchmod(fd, 0644);
	c->f = fdopen(fd, "w");
	if (c->f == NULL) {
		int e = errno;
		close(fd);
		unlink(c->tmp);
		snprintf(err, errlen, "%s: %s", c->tmp, strerror(e));
		return -e;
	}
	fputs("time,host,fold,", c->f);
	put_field(c->f, label);
	for (size_t i = 0; i < n_terms; i++) {
		char expr[128];
		model_term_expr(&terms[i], schema, expr, sizeof expr);
		fputc(',', c->f);
		put_field(c->f, expr);
	}
	fputs("\r\n", c->f);
	return 0;
}

int csv_row(struct csv_out *c, int64_t time, const char *host, unsigned fold,
	    double y, const double *x)
{
	fprintf(c->f, "%lld,", (long long)time);
	put_field(c->f, host);
	fprintf(c->f, ",%u,%.17g", fold + 1, y);
	for (size_t i = 0; i < c->n_terms; i++)
		fprintf(c->f, ",%.17g", x[i]);
	fputs("\r\n", c->f);
	return ferror(c->f) ? -EIO : 0;
}

int csv_commit(struct csv_out *c, char *err, size_t errlen)
{
	int rc = 0;
	if (fflush(c->f) != 0 || ferror(c->f) || fsync(fileno(c->f)) != 0)
		rc = -(errno ? errno : EIO);
	if (fclose(c->f) != 0 && rc == 0)
		rc = -(errno ? errno : EIO);
	c->f = NULL;
	if (rc == 0 && rename(c->tmp, c->path) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", c->path, strerror(-rc));
		unlink(c->tmp);
	}
	c->tmp[0] = '\0';
	return rc;
}

void csv_abort(struct csv_out *c)
{
	if (c->f) {
		fclose(c->f);
		c->f = NULL;
	}
	if (c->tmp[0]) {
		unlink(c->tmp);
		c->tmp[0] = '\0';
	}
}

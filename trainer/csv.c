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
	int rc = fs_atomic_open(&c->out, path, 0644);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", path, strerror(-rc));
		return rc;
	}
	c->f = c->out.f;
	fputs("time,host,fold,", c->f);
	put_field(c->f, label);
	for (size_t i = 0; i < n_terms; i++) {
		char expr[MODEL_EXPR_MAX];
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
	int rc = fs_atomic_commit(&c->out);
	c->f = NULL;
	if (rc < 0)
		snprintf(err, errlen, "%s: cannot write: %s", c->out.path, strerror(-rc));
	return rc;
}

void csv_abort(struct csv_out *c)
{
	fs_atomic_abort(&c->out);
	c->f = NULL;
}

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "explain.h"
#include "host_speed.h"

static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("nan", f);
	else
		fprintf(f, "%.6g", v);
}

int explain_write(FILE *f, const struct model *m, const struct feature_schema *schema,
		  const double *features)
{
	double contrib[MODEL_MAX_TERMS], values[MODEL_MAX_TERMS];
	double slowdown = model_score(m, features, contrib, values);

	for (int i = 0; i < FEAT_VECTOR_LEN; i++) {
		const char *name = feature_name(schema, i);
		if (name == NULL)
			continue;   /* an unbound slot */
		double c = 0;
		for (size_t t = 0; t < m->n_terms; t++)
			if (m->terms[t].kind == TERM_FEATURE && m->terms[t].a == i)
				c += contrib[t];
		fprintf(f, "%s ", name);
		put_value(f, features[i]);
		fprintf(f, " %s ", feature_unit(i));
		put_value(f, c);
		fputc('\n', f);
	}
	for (size_t t = 0; t < m->n_terms; t++) {
		if (m->terms[t].kind == TERM_FEATURE)
			continue;
		char expr[MODEL_EXPR_MAX];
		model_term_expr(&m->terms[t], schema, expr, sizeof expr);
		fprintf(f, "%s ", expr);
		put_value(f, values[t]);
		fputs(" - ", f);
		put_value(f, contrib[t]);
		fputc('\n', f);
	}
	fprintf(f, "intercept %.6g\n", m->intercept);
	fprintf(f, "slowdown %.4f\n", slowdown);
	fprintf(f, "rank %.1f\n", host_speed_rank(model_rank(slowdown), features[FEAT_host_speed_factor]));
	return ferror(f) ? -EIO : 0;
}

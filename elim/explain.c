#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "explain.h"
#include "host_speed.h"

void explain_note(struct explain_notes *n, const char *label, bool comment, const char *fmt, ...)
{
	if (n->n >= EXPLAIN_NOTES_MAX)
		return;
	struct explain_note *k = &n->v[n->n++];
	k->label = label;
	k->comment = comment;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->text, sizeof k->text, fmt, ap);
	va_end(ap);
}

static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("nan", f);
	else
		fprintf(f, "%.6g", v);
}

int explain_write(FILE *f, const struct model *m, const struct feature_schema *schema,
		  const double *features, const struct explain_notes *notes)
{
	double contrib[MODEL_MAX_TERMS], values[MODEL_MAX_TERMS];
	double sum = model_sum(m, features, contrib, values);
	double slowdown = model_score(m, features, NULL, NULL);

	for (size_t i = 0; notes && i < notes->n; i++) {
		const struct explain_note *k = &notes->v[i];
		if (k->comment)
			fprintf(f, "# %s: %s\n", k->label, k->text);
		else
			fprintf(f, "%s %s\n", k->label, k->text);
	}

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
	if (slowdown != sum && !isnan(sum))   /* under idle: the floor applies */
		fprintf(f, "floor %.4f (the model's sum %.4f is below idle)\n", slowdown, sum);
	fprintf(f, "slowdown %.4f\n", slowdown);
	fprintf(f, "rank %.1f\n", host_speed_rank(model_rank(slowdown), features[FEAT_host_speed_factor]));
	return ferror(f) ? -EIO : 0;
}

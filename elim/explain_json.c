#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "explain_json.h"
#include "host_speed.h"

void explain_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A number as %.6g (fixed < 0) or %.<fixed>f, or null when it is not finite. */
static void number(FILE *f, int fixed, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (fixed < 0)
		fprintf(f, "%.6g", v);
	else
		fprintf(f, "%.*f", fixed, v);
}

int explain_write_json(FILE *f, const struct model *m, const struct feature_schema *schema,
		       const double *features, const struct explain_notes *notes)
{
	double contrib[MODEL_MAX_TERMS], values[MODEL_MAX_TERMS];
	double slowdown = model_score(m, features, contrib, values);
	const char *sep = "";

	fputs("{\"notes\": {", f);
	for (size_t i = 0; notes && i < notes->n; i++) {
		char key[64];
		snprintf(key, sizeof key, "%s", notes->v[i].label);
		for (char *k = key; *k; k++)
			if (*k == ' ')
				*k = '_';
		fputs(sep, f);
		explain_json_string(f, key);
		fputs(": ", f);
		explain_json_string(f, notes->v[i].text);
		sep = ", ";
	}
	sep = "";
	fputs("},\n \"features\": [", f);
	for (int i = 0; i < FEAT_VECTOR_LEN; i++) {
		const char *name = feature_name(schema, i);
		if (name == NULL)
			continue;   /* an unbound slot: no line in the text form either */
		double c = 0;
		for (size_t t = 0; t < m->n_terms; t++)
			if (m->terms[t].kind == TERM_FEATURE && m->terms[t].a == i)
				c += contrib[t];
		fprintf(f, "%s\n  {\"name\": ", sep);
		explain_json_string(f, name);
		fputs(", \"value\": ", f);
		number(f, -1, features[i]);
		fputs(", \"unit\": ", f);
		explain_json_string(f, feature_unit(i) ? feature_unit(i) : "");
		fputs(", \"contribution\": ", f);
		number(f, -1, c);
		fputc('}', f);
		sep = ",";
	}
	fputs("],\n \"terms\": [", f);
	sep = "";
	for (size_t t = 0; t < m->n_terms; t++) {
		if (m->terms[t].kind == TERM_FEATURE)
			continue;
		char expr[MODEL_EXPR_MAX];
		model_term_expr(&m->terms[t], schema, expr, sizeof expr);
		fprintf(f, "%s\n  {\"expr\": ", sep);
		explain_json_string(f, expr);
		fputs(", \"value\": ", f);
		number(f, -1, values[t]);
		fputs(", \"contribution\": ", f);
		number(f, -1, contrib[t]);
		fputc('}', f);
		sep = ",";
	}
	fputs("],\n \"intercept\": ", f);
	number(f, -1, m->intercept);
	fputs(", \"slowdown\": ", f);
	number(f, 4, slowdown);
	fputs(", \"rank\": ", f);
	number(f, 1, host_speed_rank(model_rank(slowdown), features[FEAT_host_speed_factor]));
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

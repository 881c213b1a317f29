/*
 * The model file (model_parse, without a schema and with a schema binding
 * two traffic classes): any bytes either parse or are refused with a message; a model
 * that parses writes back (model_write) to text that parses to the same
 * model (speed lines too), and scores to a rank within limits.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hostmatch.h"
#include "model.h"

static void same_model(const struct model *a, const struct model *b)
{
	FUZZ_CHECK(a->intercept == b->intercept);
	FUZZ_CHECK(a->n_terms == b->n_terms);
	for (size_t i = 0; i < a->n_terms; i++) {
		const struct model_term *x = &a->terms[i], *y = &b->terms[i];
		FUZZ_CHECK(model_term_same(x, y));   /* hinged factors of mul() too */
		FUZZ_CHECK(x->mean == y->mean && x->scale == y->scale);
		FUZZ_CHECK(x->coef == y->coef && x->fill == y->fill);
	}
	FUZZ_CHECK(a->n_speed == b->n_speed);
	for (size_t i = 0; i < a->n_speed; i++) {
		FUZZ_CHECK(strcmp(a->speed[i].host, b->speed[i].host) == 0);
		FUZZ_CHECK(a->speed[i].factor == b->speed[i].factor);
	}
	FUZZ_CHECK(a->speed_reference == b->speed_reference);
	FUZZ_CHECK(a->speed_reference_work == b->speed_reference_work);
	FUZZ_CHECK(a->n_meta == b->n_meta);
	for (size_t i = 0; i < a->n_meta; i++) {
		FUZZ_CHECK(strcmp(a->meta[i].key, b->meta[i].key) == 0);
		FUZZ_CHECK(strcmp(a->meta[i].value, b->meta[i].value) == 0);
	}
}

/* Parse under schema (NULL: static features only) and check the model. */
static void one(const uint8_t *data, size_t size, const struct feature_schema *schema)
{
	static struct model m, back;   /* large: off the stack */
	struct model_error err;

	if (model_parse((const char *)data, size, schema, &m, &err) < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
		return;
	}
	int nfeat = schema ? FEAT_VECTOR_LEN : FEAT_COUNT;
	FUZZ_CHECK(m.n_terms <= MODEL_MAX_TERMS && m.n_meta <= MODEL_MAX_META);
	FUZZ_CHECK(isfinite(m.intercept));
	FUZZ_CHECK(m.n_speed <= MODEL_MAX_SPEED);
	FUZZ_CHECK(m.speed_reference == 0 || (m.speed_reference > 0 &&
					      m.speed_reference <= MODEL_SPEED_REF_MAX));
	FUZZ_CHECK(m.speed_reference_work <= MODEL_SPEED_REF_WORK_MAX);
	for (size_t i = 0; i < m.n_speed; i++) {
		FUZZ_CHECK(m.speed[i].factor >= MODEL_SPEED_MIN && m.speed[i].factor <= MODEL_SPEED_MAX);
		/* a name (not a glob) finds its own line, or an exact one before it */
		if (hostmatch_is_glob(m.speed[i].host))
			continue;
		int k = model_speed_for(&m, m.speed[i].host);
		FUZZ_CHECK(k >= 0 && (size_t)k <= i && !hostmatch_is_glob(m.speed[k].host));
	}
	for (size_t i = 0; i < m.n_terms; i++) {
		const struct model_term *t = &m.terms[i];
		FUZZ_CHECK(t->a >= 0 && t->a < nfeat);
		FUZZ_CHECK(t->kind != TERM_PRODUCT || (t->b >= 0 && t->b < nfeat));
		FUZZ_CHECK(t->scale > 0 && isfinite(t->scale));
		FUZZ_CHECK(isfinite(t->coef) && isfinite(t->mean) && isfinite(t->fill));
	}

	/* write it back and read it again */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(model_write(&m, f) == 0);
	fclose(f);
	int rc = model_parse(text, len, schema, &back, &err);
	if (rc < 0)
		fprintf(stderr, "written model does not parse: line %d: %s\n%s", err.line, err.msg, text);
	FUZZ_CHECK(rc == 0);
	same_model(&m, &back);
	free(text);

	/* score: all unknown, all zero, all huge */
	static const double fills[] = { NAN, 0.0, 1e300 };
	double x[FEAT_VECTOR_LEN], contrib[MODEL_MAX_TERMS], tv[MODEL_MAX_TERMS];
	for (size_t k = 0; k < sizeof fills / sizeof fills[0]; k++) {
		for (int i = 0; i < FEAT_VECTOR_LEN; i++)
			x[i] = fills[k];
		double r = model_rank(model_score(&m, x, contrib, tv));
		FUZZ_CHECK(r >= RANK_MIN && r <= RANK_MAX);
	}
}

FUZZ_TARGET(model)
{
	/* static features only, then with two traffic classes bound */
	static struct feature_schema schema;
	static bool bound;
	if (!bound) {
		char err[128];
		feature_schema_init(&schema);
		FUZZ_CHECK(feature_schema_bind_pcap(&schema, 0, "storage", err, sizeof err) == 0);
		FUZZ_CHECK(feature_schema_bind_pcap(&schema, 1, "mpi", err, sizeof err) == 0);
		bound = true;
	}
	one(data, size, NULL);
	one(data, size, &schema);
	return 0;
}

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "record.h"
#include "textfile.h"

#define TEXTFILE_FIRST_CAP 8192

/* A bounded appender: once something does not fit, ok is false and the
 * text is rebuilt in a larger buffer. */
struct out {
	char *buf;
	size_t cap, off;
	bool ok;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	if (!o->ok)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->off, o->cap - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->off)
		o->ok = false;
	else
		o->off += (size_t)n;
}

bool textfile_escape_label(char *out, size_t cap, size_t *off, const char *s)
{
	size_t k = *off;
	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
		size_t need = esc ? 2 : 1;
		if (k + need >= cap)
			return false;
		if (esc) {
			out[k++] = esc[0];
			out[k++] = esc[1];
		} else {
			out[k++] = *s;
		}
	}
	out[k] = '\0';
	*off = k;
	return true;
}

static void put_label(struct out *o, const char *s)
{
	if (o->ok && !textfile_escape_label(o->buf, o->cap, &o->off, s))
		o->ok = false;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name VALUE, for a known value; %.17g reads back as the same double */
static void sample(struct out *o, const char *name, double v)
{
	if (isfinite(v))
		put(o, "%s %.17g\n", name, v);
}

static void gauge(struct out *o, const char *name, const char *help, double v)
{
	if (!isfinite(v))
		return;
	head(o, name, "gauge", help);
	sample(o, name, v);
}

static void build(struct out *o, const struct textfile_values *v)
{
	if (isfinite(v->rank)) {
		/* the value exactly as LIM got it (record.h's format) */
		char rec[RECORD_MAX];
		int n = record_format(rec, sizeof rec, "rank", v->rank);
		if (n > 8) {
			head(o, "elim_rank", "gauge",
			     "The last rank written for LIM (100 x predicted slowdown; 100 = idle).");
			put(o, "elim_rank %.*s\n", n - 8, rec + 7);   /* "1 rank " ... "\n" */
		}
	}
	gauge(o, "elim_rank_predicted_slowdown",
	      "The model's predicted slowdown of a new job (1 = as on this host idle).", v->slowdown);

	bool any = false;
	for (int i = 0; i < FEAT_VECTOR_LEN && v->features; i++) {
		const char *name = feature_name(v->schema, i);
		if (name == NULL || !isfinite(v->features[i]))
			continue;
		if (!any)
			head(o, "elim_rank_feature", "gauge",
			     "The value of each known feature this tick (its unit in the unit label).");
		any = true;
		put(o, "elim_rank_feature{feature=\"");
		put_label(o, name);
		put(o, "\",unit=\"");
		put_label(o, feature_unit(i) ? feature_unit(i) : "");
		put(o, "\"} %.17g\n", v->features[i]);
	}

	const struct model *m = v->model;
	if (m && v->features) {
		double contrib[MODEL_MAX_TERMS];
		model_score(m, v->features, contrib, NULL);
		head(o, "elim_rank_term_contribution", "gauge",
		     "What each model term adds to the predicted slowdown (intercept included).");
		put(o, "elim_rank_term_contribution{term=\"intercept\"} %.17g\n", m->intercept);
		for (size_t t = 0; t < m->n_terms; t++) {
			char expr[MODEL_EXPR_MAX];
			if (!isfinite(contrib[t]) ||
			    model_term_expr(&m->terms[t], v->schema, expr, sizeof expr) < 0)
				continue;
			put(o, "elim_rank_term_contribution{term=\"");
			put_label(o, expr);
			put(o, "\"} %.17g\n", contrib[t]);
		}
		head(o, "elim_rank_model_info", "gauge", "The model in use (always 1).");
		put(o, "elim_rank_model_info{id=\"");
		put_label(o, m->id);
		put(o, "\",source=\"");
		put_label(o, v->model_source ? v->model_source : "");
		put(o, "\"} 1\n");
	}

	gauge(o, "elim_rank_probe_seconds", "Wall time of the last probe's work.", v->probe_seconds);
	gauge(o, "elim_rank_probe_baseline_seconds",
	      "This host's idle probe time (a low percentile of recent probes).",
	      v->probe_baseline_seconds);
	gauge(o, "elim_rank_probe_age_seconds", "Seconds since the probe result in use arrived.",
	      v->probe_age_seconds);
	head(o, "elim_rank_probe_runs_total", "counter", "Probes started since the elim started.");
	put(o, "elim_rank_probe_runs_total %lu\n", v->probe_runs);
	head(o, "elim_rank_probe_failures_total", "counter",
	     "Probes that failed or timed out since the elim started.");
	put(o, "elim_rank_probe_failures_total %lu\n", v->probe_failures);
	gauge(o, "elim_rank_history_lag_seconds",
	      "How long the oldest sample not yet in the history has waited (0: none waits).",
	      v->history_lag_seconds);
	gauge(o, "elim_rank_last_update_timestamp_seconds",
	      "When the elim last wrote this file (Unix time).", v->now);
	head(o, "elim_rank_build_info", "gauge", "The elim's version (always 1).");
	put(o, "elim_rank_build_info{version=\"");
	put_label(o, v->version ? v->version : "");
	put(o, "\"} 1\n");
}

int textfile_init(struct textfile *t, const char *dir)
{
	memset(t, 0, sizeof *t);
	if (snprintf(t->path, sizeof t->path, "%s/%s", dir, TEXTFILE_NAME) >= (int)sizeof t->path)
		return -ENAMETOOLONG;
	return 0;
}

int textfile_format(struct textfile *t, const struct textfile_values *v)
{
	for (;;) {
		if (t->cap == 0) {
			char *b = malloc(TEXTFILE_FIRST_CAP);
			if (b == NULL)
				return -ENOMEM;
			t->buf = b;
			t->cap = TEXTFILE_FIRST_CAP;
		}
		struct out o = { t->buf, t->cap, 0, true };
		build(&o, v);
		if (o.ok) {
			t->len = o.off;
			return 0;
		}
		/* outgrown (rare: a model with more terms): grow and build again */
		char *b = malloc(t->cap * 2);
		if (b == NULL) {
			t->len = 0;
			return -ENOMEM;
		}
		free(t->buf);
		t->buf = b;
		t->cap *= 2;
		t->len = 0;
		t->buf[0] = '\0';
	}
}

int textfile_write(struct textfile *t, const struct textfile_values *v)
{
	int rc = textfile_format(t, v);
	if (rc < 0)
		return rc;
	return fs_atomic_write_nosync(t->path, t->buf, t->len, 0644);
}

void textfile_free(struct textfile *t)
{
	free(t->buf);
	t->buf = NULL;
	t->cap = t->len = 0;
}

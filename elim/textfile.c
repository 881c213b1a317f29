#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "record.h"
#include "textfile.h"

#define TEXTFILE_FIRST_CAP 8192

/* A bounded appender: once something does not fit, ok is false and the
 * text is rebuilt in a larger buffer.  No printf on the common path: the
 * text is mostly constant, and printf's floating point costs several
 * thousand instructions a number (callgrind: 5 times the rest of a tick). */
struct out {
	char *buf;
	size_t cap, off;
	bool ok;
};

static void put_mem(struct out *o, const char *s, size_t n)
{
	if (!o->ok || n >= o->cap - o->off) {
		o->ok = false;
		return;
	}
	memcpy(o->buf + o->off, s, n);
	o->off += n;
	o->buf[o->off] = '\0';
}

static void put(struct out *o, const char *s)
{
	put_mem(o, s, strlen(s));
}

int textfile_number(char *out, size_t cap, double v)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
					 1e11, 1e12, 1e13, 1e14, 1e15, 1e16 };
	char digits[32];
	int n = 0;
	if (!isfinite(v) || cap < 32)
		return -EINVAL;
	if (v == 0) {
		out[0] = '0';
		out[1] = '\0';
		return 1;
	}
	double a = fabs(v);
	int e10 = (int)floor(log10(a));
	if (e10 < -4 || e10 > 14)
		return snprintf(out, cap, "%.*e", TEXTFILE_DIGITS - 1, v);
	/* fixed notation with TEXTFILE_DIGITS significant digits: the scaled
	 * value is below 10^TEXTFILE_DIGITS, exact in a double and a uint64 */
	int decimals = TEXTFILE_DIGITS - 1 - e10;
	if (decimals < 0)
		decimals = 0;
	if (decimals > 16)
		decimals = 16;
	unsigned long long m = (unsigned long long)llround(a * pow10[decimals]);
	do {
		digits[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	while (n <= decimals)
		digits[n++] = '0';   /* 0.00ddd */
	int k = 0, first = 0;
	if (v < 0)
		out[k++] = '-';
	/* drop trailing zeros of the fraction */
	while (first < decimals && digits[first] == '0')
		first++;
	for (int i = n - 1; i >= decimals; i--)
		out[k++] = digits[i];
	if (first < decimals) {
		out[k++] = '.';
		for (int i = decimals - 1; i >= first; i--)
			out[k++] = digits[i];
	}
	out[k] = '\0';
	return k;
}

static void put_number(struct out *o, double v)
{
	char num[48];
	int n = textfile_number(num, sizeof num, v);
	if (n < 0)
		o->ok = false;
	else
		put_mem(o, num, (size_t)n);
}

static void put_ulong(struct out *o, unsigned long v)
{
	char num[24];
	int n = sizeof num;
	do {
		num[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_mem(o, num + n, sizeof num - (size_t)n);
}

bool textfile_escape_label(char *out, size_t cap, size_t *off, const char *s)
{
	size_t k = *off;
	for (;;) {
		size_t plain = strcspn(s, "\\\"\n");   /* most labels: all of it */
		if (k + plain >= cap)
			return false;
		memcpy(out + k, s, plain);
		k += plain;
		s += plain;
		if (*s == '\0')
			break;
		if (k + 2 >= cap)
			return false;
		out[k++] = '\\';
		out[k++] = *s == '\n' ? 'n' : *s;
		s++;
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

/* The HELP and TYPE lines of a metric, one constant string. */
#define HEAD(name, type, help) "# HELP " name " " help "\n# TYPE " name " " type "\n"
#define put_head(o, name, type, help) put_mem(o, HEAD(name, type, help), \
					      sizeof HEAD(name, type, help) - 1)

/* "name VALUE\n" */
static void sample(struct out *o, const char *name, double v)
{
	put(o, name);
	put(o, " ");
	put_number(o, v);
	put(o, "\n");
}

#define gauge(o, name, help, v) do { \
	if (isfinite(v)) { \
		put_head(o, name, "gauge", help); \
		sample(o, name, v); \
	} \
} while (0)

#define counter(o, name, help, v) do { \
	put_head(o, name, "counter", help); \
	put_count(o, name, v); \
} while (0)

static void put_count(struct out *o, const char *name, unsigned long v)
{
	put(o, name);
	put(o, " ");
	put_ulong(o, v);
	put(o, "\n");
}

/* name{label="value"} 1, after its HELP and TYPE */
#define info(o, name, help, kv, n) do { \
	put_head(o, name, "gauge", help); \
	put_info(o, name, kv, n); \
} while (0)

static void put_info(struct out *o, const char *name, const char *const *kv, size_t n)
{
	put(o, name);
	for (size_t i = 0; i < n; i++) {
		put(o, i ? "\",": "{");
		put(o, kv[2 * i]);
		put(o, "=\"");
		put_label(o, kv[2 * i + 1] ? kv[2 * i + 1] : "");
	}
	put(o, "\"} 1\n");
}

/* The terms' expressions, escaped, made again only when the model changed
 * (model_term_expr formats with printf). */
static void terms_cache(struct textfile *t, const struct textfile_values *v)
{
	const struct model *m = v->model;
	if (m == NULL || (strcmp(t->model_id, m->id) == 0 && t->n_terms == m->n_terms &&
			  t->schema == v->schema))
		return;
	for (size_t i = 0; i < m->n_terms && i < MODEL_MAX_TERMS; i++)
		if (model_term_expr(&m->terms[i], v->schema, t->expr[i], sizeof t->expr[i]) < 0)
			t->expr[i][0] = '\0';   /* a term on an unbound slot: left out */
	snprintf(t->model_id, sizeof t->model_id, "%s", m->id);
	t->n_terms = m->n_terms;
	t->schema = v->schema;
}

static void build(struct out *o, const struct textfile_values *v,
		  char (*t_expr)[MODEL_EXPR_MAX])
{
	if (isfinite(v->rank)) {
		/* the value exactly as LIM got it (record.h's format) */
		char rec[RECORD_MAX];
		int n = record_format(rec, sizeof rec, "rank", v->rank);
		if (n > 8) {
			put_head(o, "elim_rank", "gauge",
			     "The last rank written for LIM (100 x predicted slowdown; 100 = idle).");
			put(o, "elim_rank ");
			put_mem(o, rec + 7, (size_t)n - 7);   /* "1 rank " VALUE "\n" */
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
			put_head(o, "elim_rank_feature", "gauge",
			     "The value of each known feature this tick (its unit in the unit label).");
		any = true;
		put(o, "elim_rank_feature{feature=\"");
		put_label(o, name);
		put(o, "\",unit=\"");
		put_label(o, feature_unit(i) ? feature_unit(i) : "");
		put(o, "\"} ");
		put_number(o, v->features[i]);
		put(o, "\n");
	}

	const struct model *m = v->model;
	if (m && v->features) {
		double contrib[MODEL_MAX_TERMS];
		model_score(m, v->features, contrib, NULL);
		put_head(o, "elim_rank_term_contribution", "gauge",
		     "What each model term adds to the predicted slowdown (intercept included).");
		put(o, "elim_rank_term_contribution{term=\"intercept\"} ");
		put_number(o, m->intercept);
		put(o, "\n");
		for (size_t t = 0; t < m->n_terms; t++) {
			if (!isfinite(contrib[t]) || !t_expr[t][0])
				continue;
			put(o, "elim_rank_term_contribution{term=\"");
			put_label(o, t_expr[t]);
			put(o, "\"} ");
			put_number(o, contrib[t]);
			put(o, "\n");
		}
		const char *kv[] = { "id", m->id, "source", v->model_source };
		info(o, "elim_rank_model_info", "The model in use (always 1).", kv, 2);
	}

	gauge(o, "elim_rank_probe_seconds", "Wall time of the last probe's work.", v->probe_seconds);
	gauge(o, "elim_rank_probe_baseline_seconds",
	      "This host's idle probe time (a low percentile of recent probes).",
	      v->probe_baseline_seconds);
	gauge(o, "elim_rank_probe_age_seconds", "Seconds since the probe result in use arrived.",
	      v->probe_age_seconds);
	counter(o, "elim_rank_probe_runs_total", "Probes started since the elim started.",
		v->probe_runs);
	counter(o, "elim_rank_probe_failures_total",
		"Probes that failed or timed out since the elim started.", v->probe_failures);
	gauge(o, "elim_rank_history_lag_seconds",
	      "How long the oldest sample not yet in the history has waited (0: none waits).",
	      v->history_lag_seconds);
	gauge(o, "elim_rank_last_update_timestamp_seconds",
	      "When the elim last wrote this file (Unix time).", v->now);
	const char *kv[] = { "version", v->version };
	info(o, "elim_rank_build_info", "The elim's version (always 1).", kv, 1);
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
		terms_cache(t, v);
		build(&o, v, t->expr);
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

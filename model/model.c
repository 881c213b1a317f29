#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "hostmatch.h"
#include "model.h"

#define MODEL_MAX_LINE 1024
#define MODEL_MAX_TOKENS 16

static int fail(struct model_error *err, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct model_error *err, int line, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->line = line;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void model_hash_text(const char *data, size_t len, char *out)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, MODEL_ID_LEN + 1, "%016llx", (unsigned long long)h);
}

/* A finite decimal number filling the whole token (strtod alone would
 * also take hex floats, "inf", "nan" and leading blanks). */
static bool parse_number(const char *s, double *out)
{
	if (s[0] == '\0' || s[strspn(s, "0123456789+-.eE")] != '\0')
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* ERANGE with a finite result is an underflow to a subnormal or zero:
	 * a number all the same, and one model_write writes (found by
	 * fuzzing: 4.94065645841247e-324 was written but not read back);
	 * an overflow gives HUGE_VAL, refused as not finite */
	if (end == s || *end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static int lookup_feature(const struct feature_schema *schema, const char *s, size_t len,
			  int line, struct model_error *err)
{
	int id = feature_lookup(schema, s, len);
	if (id < 0)
		return fail(err, line, "unknown feature '%.*s'", (int)len, s);
	return id;
}

/* A hinge's knot: s[0..len) as a finite number; whole is the term, for the message. */
static int parse_knot(const char *s, size_t len, double *knot, const char *whole, int line,
		      struct model_error *err)
{
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return fail(err, line, "bad knot in '%s'", whole);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!parse_number(buf, knot))
		return fail(err, line, "knot '%s' is not a finite number in '%s'", buf, whole);
	return 0;
}

/* One factor of mul(): "name" or "hinge(name,knot)" in s[0..len).
 * Returns the feature id (and *hinge, *knot), or -EINVAL. */
static int parse_factor(const struct feature_schema *schema, const char *s, size_t len,
			bool *hinge, double *knot, const char *whole, int line,
			struct model_error *err)
{
	*hinge = false;
	if (len > 7 && memcmp(s, "hinge(", 6) == 0 && s[len - 1] == ')') {
		const char *args = s + 6;
		size_t alen = len - 7;
		const char *comma = memchr(args, ',', alen);
		if (comma == NULL)
			return fail(err, line, "'hinge' needs two arguments in '%s'", whole);
		size_t l1 = (size_t)(comma - args);
		int id = lookup_feature(schema, args, l1, line, err);
		if (id < 0)
			return id;
		int rc = parse_knot(comma + 1, alen - l1 - 1, knot, whole, line, err);
		if (rc < 0)
			return rc;
		*hinge = true;
		return id;
	}
	if (memchr(s, '(', len))
		return fail(err, line, "a factor of mul() is a feature or hinge(feature,knot) in '%s'",
			    whole);
	return lookup_feature(schema, s, len, line, err);
}

/* Parse "name", "sq(name)", "mul(a,b)" (a factor may be "hinge(name,knot)")
 * or "hinge(name,knot)". */
static int parse_expr(const struct feature_schema *schema, const char *s, struct model_term *t,
		      int line, struct model_error *err)
{
	const char *open = strchr(s, '(');
	if (open == NULL) {
		int id = lookup_feature(schema, s, strlen(s), line, err);
		if (id < 0)
			return id;
		t->kind = TERM_FEATURE;
		t->a = id;
		return 0;
	}
	size_t fn = (size_t)(open - s);
	size_t len = strlen(s);
	if (len < fn + 3 || s[len - 1] != ')')
		return fail(err, line, "malformed term '%s': expected fn(args)", s);
	const char *args = open + 1;
	size_t alen = len - fn - 2;
	/* the comma between the arguments: the first outside parentheses */
	const char *comma = NULL;
	int depth = 0;
	for (size_t i = 0; i < alen && comma == NULL; i++) {
		if (args[i] == '(')
			depth++;
		else if (args[i] == ')' && --depth < 0)
			return fail(err, line, "malformed term '%s': unbalanced parentheses", s);
		else if (args[i] == ',' && depth == 0)
			comma = args + i;
	}
	bool is_sq = fn == 2 && memcmp(s, "sq", 2) == 0;
	bool is_mul = fn == 3 && memcmp(s, "mul", 3) == 0;
	bool is_hinge = fn == 5 && memcmp(s, "hinge", 5) == 0;
	if (!is_sq && !is_mul && !is_hinge)
		return fail(err, line, "unknown function '%.*s' in '%s' (expected sq, mul or hinge)",
			    (int)fn, s, s);

	if (is_sq) {
		if (comma)
			return fail(err, line, "sq() takes one feature in '%s'", s);
		int id = lookup_feature(schema, args, alen, line, err);
		if (id < 0)
			return id;
		t->kind = TERM_SQUARE;
		t->a = id;
		return 0;
	}
	if (comma == NULL)
		return fail(err, line, "'%.*s' needs two arguments in '%s'", (int)fn, s, s);
	size_t l1 = (size_t)(comma - args), l2 = alen - l1 - 1;
	if (is_mul) {
		int a = parse_factor(schema, args, l1, &t->hinge_a, &t->knot, s, line, err);
		if (a < 0)
			return a;
		int b = parse_factor(schema, comma + 1, l2, &t->hinge_b, &t->knot_b, s, line, err);
		if (b < 0)
			return b;
		t->kind = TERM_PRODUCT;
		t->a = a;
		t->b = b;
		return 0;
	}
	int a = lookup_feature(schema, args, l1, line, err);
	if (a < 0)
		return a;
	int rc = parse_knot(comma + 1, l2, &t->knot, s, line, err);
	if (rc < 0)
		return rc;
	t->kind = TERM_HINGE;
	t->a = a;
	return 0;
}

bool model_term_same(const struct model_term *x, const struct model_term *y)
{
	if (x->kind != y->kind || x->a != y->a)
		return false;
	if (x->kind == TERM_PRODUCT)
		return x->b == y->b && x->hinge_a == y->hinge_a && x->hinge_b == y->hinge_b &&
		       (!x->hinge_a || x->knot == y->knot) && (!x->hinge_b || x->knot_b == y->knot_b);
	if (x->kind == TERM_HINGE)
		return x->knot == y->knot;
	return true;
}

static int parse_term(const struct feature_schema *schema, char **tok, int ntok, struct model *m,
		      int line, struct model_error *err)
{
	if (ntok < 2)
		return fail(err, line, "'term' needs an expression");
	if (m->n_terms >= MODEL_MAX_TERMS)
		return fail(err, line, "too many terms (at most %d)", MODEL_MAX_TERMS);
	struct model_term t = { .scale = 1.0, .fill = NAN };
	int rc = parse_expr(schema, tok[1], &t, line, err);
	if (rc < 0)
		return rc;
	bool have_coef = false;
	if ((ntok - 2) % 2 != 0)
		return fail(err, line, "term '%s': expected key value pairs after the expression", tok[1]);
	for (int i = 2; i < ntok; i += 2) {
		double v;
		if (!parse_number(tok[i + 1], &v))
			return fail(err, line, "term '%s': %s '%s' is not a finite number",
				    tok[1], tok[i], tok[i + 1]);
		if (strcmp(tok[i], "mean") == 0)
			t.mean = v;
		else if (strcmp(tok[i], "scale") == 0) {
			if (!(v > 0))
				return fail(err, line, "term '%s': scale must be > 0", tok[1]);
			t.scale = v;
		} else if (strcmp(tok[i], "coef") == 0) {
			t.coef = v;
			have_coef = true;
		} else if (strcmp(tok[i], "fill") == 0)
			t.fill = v;
		else
			return fail(err, line, "term '%s': unknown key '%s' (expected mean, scale, coef, fill)",
				    tok[1], tok[i]);
	}
	if (!have_coef)
		return fail(err, line, "term '%s': missing coef", tok[1]);
	if (isnan(t.fill))
		t.fill = t.mean;   /* unknown -> contributes nothing */
	for (size_t i = 0; i < m->n_terms; i++)
		if (model_term_same(&m->terms[i], &t))
			return fail(err, line, "term '%s' appears twice", tok[1]);
	m->terms[m->n_terms++] = t;
	return 0;
}

/* "speed HOST FACTOR" */
static int parse_speed(char **tok, int ntok, struct model *m, int line, struct model_error *err)
{
	double f;
	if (ntok != 3)
		return fail(err, line, "expected 'speed HOST FACTOR'");
	if (!hostmatch_valid(tok[1]))
		return fail(err, line, "speed: bad host name or pattern '%.64s' (1-63 of letters, digits,"
			    " '.', '-', '_' and * ? [ ] !)", tok[1]);
	if (!parse_number(tok[2], &f) || f < MODEL_SPEED_MIN || f > MODEL_SPEED_MAX)
		return fail(err, line, "speed %s: factor '%s' is not a number from %g to %g", tok[1],
			    tok[2], MODEL_SPEED_MIN, MODEL_SPEED_MAX);
	for (size_t i = 0; i < m->n_speed; i++)
		if (strcasecmp(m->speed[i].host, tok[1]) == 0)
			return fail(err, line, "speed %s given twice", tok[1]);
	if (m->n_speed >= MODEL_MAX_SPEED)
		return fail(err, line, "too many speed lines (at most %d)", MODEL_MAX_SPEED);
	struct model_speed *sp = &m->speed[m->n_speed++];
	snprintf(sp->host, sizeof sp->host, "%s", tok[1]);
	sp->factor = f;
	return 0;
}

/* "speed-reference SECONDS [work VERSION]" */
static int parse_speed_reference(char **tok, int ntok, struct model *m, int line,
				 struct model_error *err)
{
	double s, w = 0;
	if (m->speed_reference > 0)
		return fail(err, line, "speed-reference given twice");
	if (ntok != 2 && !(ntok == 4 && strcmp(tok[2], "work") == 0))
		return fail(err, line, "expected 'speed-reference SECONDS' or"
			    " 'speed-reference SECONDS work VERSION'");
	if (!parse_number(tok[1], &s) || !(s > 0) || s > MODEL_SPEED_REF_MAX)
		return fail(err, line, "speed-reference: '%s' is not a number of seconds above 0 and"
			    " at most %g", tok[1], MODEL_SPEED_REF_MAX);
	if (ntok == 4 && (tok[3][strspn(tok[3], "0123456789")] != '\0' || !parse_number(tok[3], &w) ||
			  w < 1 || w > MODEL_SPEED_REF_WORK_MAX))
		return fail(err, line, "speed-reference: work version '%s' is not a whole number from 1"
			    " to %d", tok[3], MODEL_SPEED_REF_WORK_MAX);
	m->speed_reference = s;
	m->speed_reference_work = (unsigned)w;
	return 0;
}

int model_speed_for(const struct model *m, const char *host)
{
	int glob = -1;
	for (size_t i = 0; i < m->n_speed; i++) {
		if (!hostmatch(m->speed[i].host, host))
			continue;
		if (!hostmatch_is_glob(m->speed[i].host))
			return (int)i;
		if (glob < 0)
			glob = (int)i;
	}
	return glob;
}

int model_meta_set(struct model *m, const char *key, const char *value)
{
	size_t kl = strlen(key);
	if (kl == 0 || kl >= sizeof m->meta[0].key)
		return -EINVAL;
	for (size_t i = 0; i < kl; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return -EINVAL;
	}
	if (strchr(value, '\n'))
		return -EINVAL;
	struct model_meta *slot = NULL;
	for (size_t i = 0; i < m->n_meta; i++)
		if (strcmp(m->meta[i].key, key) == 0)
			slot = &m->meta[i];
	if (slot == NULL) {
		if (m->n_meta >= MODEL_MAX_META)
			return -ENOSPC;
		slot = &m->meta[m->n_meta++];
	}
	snprintf(slot->key, sizeof slot->key, "%s", key);
	/* stored as the file reads back: no blanks at either end, even
	 * after truncation (found by fuzzing: a long value cut before
	 * blanks did not survive a write and a read) */
	while (*value == ' ' || *value == '\t')
		value++;
	snprintf(slot->value, sizeof slot->value, "%s", value);
	size_t vl = strlen(slot->value);
	while (vl > 0 && (slot->value[vl - 1] == ' ' || slot->value[vl - 1] == '\t' ||
			  slot->value[vl - 1] == '\r'))
		slot->value[--vl] = '\0';
	return 0;
}

const char *model_meta_get(const struct model *m, const char *key)
{
	for (size_t i = 0; i < m->n_meta; i++)
		if (strcmp(m->meta[i].key, key) == 0)
			return m->meta[i].value;
	return NULL;
}

/* Split line in place on blanks; returns the token count or -1 if too many. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n == max)
			return -1;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	return n;
}

int model_parse(const char *text, size_t len, const struct feature_schema *schema,
		struct model *out, struct model_error *err)
{
	memset(out, 0, sizeof *out);
	out->schema = schema;
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	bool have_header = false, have_intercept = false;
	int line = 0;
	size_t pos = 0;

	if (len > MODEL_MAX_FILE)
		return fail(err, 0, "file larger than %d bytes", MODEL_MAX_FILE);
	while (pos < len) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - start) : len - pos;
		pos += ll + (nl ? 1 : 0);
		line++;
		if (ll >= MODEL_MAX_LINE)
			return fail(err, line, "line longer than %d characters", MODEL_MAX_LINE - 1);
		if (memchr(start, '\0', ll))
			return fail(err, line, "NUL byte in text");
		char buf[MODEL_MAX_LINE];
		memcpy(buf, start, ll);
		buf[ll] = '\0';

		/* meta values are free text: take the rest of the line verbatim */
		char *tok[MODEL_MAX_TOKENS];
		int ntok;
		char *p = buf;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "meta", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
			if (!have_header)
				return fail(err, line, "expected 'elim-rank-model %d' first", MODEL_FORMAT_VERSION);
			char *k = p + 5;
			while (*k == ' ' || *k == '\t')
				k++;
			char *ke = k;
			while (*ke && *ke != ' ' && *ke != '\t')
				ke++;
			char *v = ke;
			while (*v == ' ' || *v == '\t')
				v++;
			*ke = '\0';
			size_t vl = strlen(v);
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
				v[--vl] = '\0';
			int rc = model_meta_set(out, k, v);
			if (rc == -ENOSPC)
				return fail(err, line, "too many meta lines (at most %d)", MODEL_MAX_META);
			if (rc < 0)
				return fail(err, line, "bad meta key '%s' (letters, digits, '_' and '-' only)", k);
			continue;
		}
		ntok = tokenize(buf, tok, MODEL_MAX_TOKENS);
		if (ntok < 0)
			return fail(err, line, "too many fields");
		if (ntok == 0)
			continue;
		if (!have_header) {
			if (strcmp(tok[0], "elim-rank-model") != 0)
				return fail(err, line, "expected 'elim-rank-model %d' first, not a model file?",
					    MODEL_FORMAT_VERSION);
			if (ntok != 2)
				return fail(err, line, "expected 'elim-rank-model VERSION'");
			if (strcmp(tok[1], "1") != 0)
				return fail(err, line, "unsupported model format version '%s' (this build reads %d)",
					    tok[1], MODEL_FORMAT_VERSION);
			have_header = true;
			continue;
		}
		if (strcmp(tok[0], "intercept") == 0) {
			if (have_intercept)
				return fail(err, line, "intercept given twice");
			if (ntok != 2 || !parse_number(tok[1], &out->intercept))
				return fail(err, line, "expected 'intercept NUMBER'");
			have_intercept = true;
		} else if (strcmp(tok[0], "term") == 0) {
			int rc = parse_term(schema, tok, ntok, out, line, err);
			if (rc < 0)
				return rc;
		} else if (strcmp(tok[0], "speed") == 0) {
			int rc = parse_speed(tok, ntok, out, line, err);
			if (rc < 0)
				return rc;
		} else if (strcmp(tok[0], "speed-reference") == 0) {
			int rc = parse_speed_reference(tok, ntok, out, line, err);
			if (rc < 0)
				return rc;
		} else {
			return fail(err, line, "unknown keyword '%s' (expected meta, intercept, term, speed"
				    " or speed-reference)", tok[0]);
		}
	}
	if (!have_header)
		return fail(err, 0, "empty model (no 'elim-rank-model %d' line)", MODEL_FORMAT_VERSION);
	if (!have_intercept)
		return fail(err, 0, "no intercept line");
	model_hash_text(text, len, out->id);
	return 0;
}

int model_load_file(const char *path, const struct feature_schema *schema,
		    struct model *out, struct model_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		fail(err, 0, "cannot open: %s", strerror(e));
		return -e;
	}
	/* a buffer the size of the file, not MODEL_MAX_FILE (lib/fsutil.h): a
	 * 1 MiB block freed makes glibc raise its mmap and trim thresholds for
	 * the life of the process, so every later reload takes 1 MiB from the
	 * heap and the touched pages are never returned (RSS rose over a long
	 * soak) */
	char *buf;
	size_t len;
	int rc = fs_read_bounded(fd, MODEL_MAX_FILE, &buf, &len);
	close(fd);
	if (rc == -EFBIG)
		return fail(err, 0, "file larger than %d bytes", MODEL_MAX_FILE);
	if (rc == -ENOMEM) {
		fail(err, 0, "out of memory");
		return rc;
	}
	if (rc < 0) {
		fail(err, 0, "read error: %s", strerror(-rc));
		return rc;
	}
	rc = model_parse(buf, len, schema, out, err);
	free(buf);
	return rc;
}

int model_parse_expr(const char *expr, const struct feature_schema *schema,
		     struct model_term *t, struct model_error *err)
{
	memset(t, 0, sizeof *t);
	t->scale = 1.0;
	return parse_expr(schema, expr, t, 0, err);
}

int model_save(const struct model *m, const char *path, struct model_error *err)
{
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, 0644);
	if (rc < 0) {
		if (rc == -ENAMETOOLONG)
			fail(err, 0, "%s: path too long", path);
		else
			fail(err, 0, "%s: cannot create a temporary file beside it: %s", path, strerror(-rc));
		return rc;
	}
	char tmp[sizeof a.tmp];
	memcpy(tmp, a.tmp, sizeof tmp);
	rc = model_write(m, a.f);
	if (rc == 0)
		rc = fs_atomic_sync(&a);
	if (rc < 0) {
		fail(err, 0, "%s: cannot write: %s", tmp, strerror(-rc));
		fs_atomic_abort(&a);
		return rc;
	}
	/* parsed back before the rename: a model that would not load never
	 * replaces one that does */
	struct model check;
	struct model_error cerr;
	rc = model_load_file(a.tmp, m->schema, &check, &cerr);
	if (rc < 0) {
		fail(err, cerr.line, "%s: written model does not read back: %s", a.tmp, cerr.msg);
		fs_atomic_abort(&a);
		return rc;
	}
	rc = fs_atomic_commit(&a);
	if (rc < 0) {
		fail(err, 0, "%s: cannot rename into place: %s", path, strerror(-rc));
		return rc;
	}
	return 0;
}

int model_load_default(struct model *out, struct model_error *err)
{
	return model_parse(model_default_text, strlen(model_default_text), NULL, out, err);
}

double model_term_value(const struct model_term *t, const double *x)
{
	double a = x[t->a];
	switch (t->kind) {
	case TERM_FEATURE: return a;
	case TERM_SQUARE: return a * a;
	case TERM_PRODUCT: {
		double b = x[t->b];
		if (t->hinge_a && !isnan(a))
			a = a > t->knot ? a - t->knot : 0.0;
		if (t->hinge_b && !isnan(b))
			b = b > t->knot_b ? b - t->knot_b : 0.0;
		return a * b;
	}
	case TERM_HINGE: return isnan(a) ? NAN : (a > t->knot ? a - t->knot : 0.0);
	}
	return NAN;
}

double model_sum(const struct model *m, const double *features,
		 double *contrib, double *term_values)
{
	double y = m->intercept;
	for (size_t i = 0; i < m->n_terms; i++) {
		const struct model_term *t = &m->terms[i];
		double v = model_term_value(t, features);
		if (!isfinite(v))
			v = t->fill;
		double c = t->coef * (v - t->mean) / t->scale;
		if (contrib)
			contrib[i] = c;
		if (term_values)
			term_values[i] = v;
		y += c;
	}
	return y;
}

double model_score(const struct model *m, const double *features,
		   double *contrib, double *term_values)
{
	double y = model_sum(m, features, contrib, term_values);
	return y < MODEL_SLOWDOWN_FLOOR ? MODEL_SLOWDOWN_FLOOR : y;
}

double model_rank(double slowdown)
{
	double r = 100.0 * slowdown;
	if (isnan(r))
		return RANK_MAX;
	if (r < RANK_MIN)
		return RANK_MIN;
	if (r > RANK_MAX)
		return RANK_MAX;
	return r;
}

/* Shortest of %.15g / %.17g that reads back as the same double. */
static void fmt_double(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
}

int model_term_expr(const struct model_term *t, const struct feature_schema *schema,
		    char *buf, size_t size)
{
	const char *a = feature_name(schema, t->a);
	const char *b = t->kind == TERM_PRODUCT ? feature_name(schema, t->b) : "";
	if (a == NULL || b == NULL) {
		snprintf(buf, size, "?");
		return -EINVAL;   /* an unbound slot has no name */
	}
	int n;
	switch (t->kind) {
	case TERM_SQUARE: n = snprintf(buf, size, "sq(%s)", a); break;
	case TERM_PRODUCT: {
		char fa[MODEL_EXPR_MAX / 2], fb[MODEL_EXPR_MAX / 2], k[32];
		if (t->hinge_a) {
			fmt_double(k, sizeof k, t->knot);
			snprintf(fa, sizeof fa, "hinge(%s,%s)", a, k);
		} else
			snprintf(fa, sizeof fa, "%s", a);
		if (t->hinge_b) {
			fmt_double(k, sizeof k, t->knot_b);
			snprintf(fb, sizeof fb, "hinge(%s,%s)", b, k);
		} else
			snprintf(fb, sizeof fb, "%s", b);
		n = snprintf(buf, size, "mul(%s,%s)", fa, fb);
		break;
	}
	case TERM_HINGE: {
		char k[32];
		fmt_double(k, sizeof k, t->knot);
		n = snprintf(buf, size, "hinge(%s,%s)", a, k);
		break;
	}
	default: n = snprintf(buf, size, "%s", a); break;
	}
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

int model_write(const struct model *m, FILE *f)
{
	char expr[MODEL_EXPR_MAX];
	for (size_t i = 0; i < m->n_terms; i++)
		if (model_term_expr(&m->terms[i], m->schema, expr, sizeof expr) < 0)
			return -EINVAL;
	fprintf(f, "elim-rank-model %d\n", MODEL_FORMAT_VERSION);
	for (size_t i = 0; i < m->n_meta; i++)
		fprintf(f, "meta %s %s\n", m->meta[i].key, m->meta[i].value);
	char a[32], b[32], c[32], d[32];
	fmt_double(a, sizeof a, m->intercept);
	fprintf(f, "intercept %s\n", a);
	for (size_t i = 0; i < m->n_terms; i++) {
		const struct model_term *t = &m->terms[i];
		model_term_expr(t, m->schema, expr, sizeof expr);
		fmt_double(a, sizeof a, t->mean);
		fmt_double(b, sizeof b, t->scale);
		fmt_double(c, sizeof c, t->coef);
		fmt_double(d, sizeof d, t->fill);
		fprintf(f, "term %s mean %s scale %s coef %s fill %s\n", expr, a, b, c, d);
	}
	for (size_t i = 0; i < m->n_speed; i++) {
		fmt_double(a, sizeof a, m->speed[i].factor);
		fprintf(f, "speed %s %s\n", m->speed[i].host, a);
	}
	if (m->speed_reference > 0) {
		fmt_double(a, sizeof a, m->speed_reference);
		if (m->speed_reference_work)
			fprintf(f, "speed-reference %s work %u\n", a, m->speed_reference_work);
		else
			fprintf(f, "speed-reference %s\n", a);
	}
	return ferror(f) ? -EIO : 0;
}

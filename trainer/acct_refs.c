#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct_refs.h"
#include "errmsg.h"
#include "fsutil.h"
#include "hostmatch.h"

#define MAGIC "elim-rank-class-refs"

static double gamma_(void)
{
	return (1 + ACCT_REFS_ALPHA) / (1 - ACCT_REFS_ALPHA);
}

int acct_refs_index(double x)
{
	double i = ceil(log(x) / log(gamma_()));
	return i < -ACCT_REFS_MAX_INDEX ? -ACCT_REFS_MAX_INDEX
		: i > ACCT_REFS_MAX_INDEX ? ACCT_REFS_MAX_INDEX : (int)i;
}

double acct_refs_value(int idx)
{
	double g = gamma_();
	return 2 * pow(g, idx) / (g + 1);
}

static int cmp_class_name(const void *key, const void *elt)
{
	return strcmp(key, ((const struct acct_refs_class *)elt)->name);
}

static struct acct_refs_class *find_class(const struct acct_refs *r, const char *cls)
{
	return r->n ? bsearch(cls, r->c, r->n, sizeof *r->c, cmp_class_name) : NULL;
}

/* The class named cls, inserted in order when new; NULL: out of memory. */
static struct acct_refs_class *class_of(struct acct_refs *r, const char *cls)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = strcmp(r->c[mid].name, cls);
		if (k == 0)
			return &r->c[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (r->n == r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 16;
		struct acct_refs_class *c = realloc(r->c, nc * sizeof *c);
		if (c == NULL)
			return NULL;
		r->c = c;
		r->cap = nc;
	}
	char *name = strdup(cls);
	if (name == NULL)
		return NULL;
	memmove(&r->c[lo + 1], &r->c[lo], (r->n - lo) * sizeof *r->c);
	r->c[lo] = (struct acct_refs_class){ .name = name };
	r->n++;
	return &r->c[lo];
}

static int add_bucket(struct acct_refs_class *c, int idx, uint64_t n)
{
	size_t lo = 0, hi = c->nb;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->b[mid].idx == idx) {
			c->b[mid].n += n;
			c->runs += n;
			return 0;
		}
		if (c->b[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c->nb == c->cap) {
		size_t nc = c->cap ? 2 * c->cap : 8;
		struct acct_refs_bucket *b = realloc(c->b, nc * sizeof *b);
		if (b == NULL)
			return -ENOMEM;
		c->b = b;
		c->cap = nc;
	}
	memmove(&c->b[lo + 1], &c->b[lo], (c->nb - lo) * sizeof *c->b);
	c->b[lo] = (struct acct_refs_bucket){ idx, n };
	c->nb++;
	c->runs += n;
	return 0;
}

int acct_refs_add(struct acct_refs *r, const char *cls, double x, uint64_t count)
{
	struct acct_refs_class *c = class_of(r, cls);
	if (c == NULL)
		return -ENOMEM;
	return add_bucket(c, acct_refs_index(x), count);
}

static int cmp_host_name(const void *key, const void *elt)
{
	return strcmp(key, ((const struct acct_refs_host *)elt)->name);
}

static const struct acct_refs_host *find_host(const struct acct_refs *r, const char *name)
{
	return r->nh ? bsearch(name, r->h, r->nh, sizeof *r->h, cmp_host_name) : NULL;
}

static struct acct_refs_host *host_of(struct acct_refs *r, const char *name)
{
	size_t lo = 0, hi = r->nh;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = strcmp(r->h[mid].name, name);
		if (k == 0)
			return &r->h[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (r->nh == r->caph) {
		size_t nc = r->caph ? 2 * r->caph : 16;
		struct acct_refs_host *h = realloc(r->h, nc * sizeof *h);
		if (h == NULL)
			return NULL;
		r->h = h;
		r->caph = nc;
	}
	char *copy = strdup(name);
	if (copy == NULL)
		return NULL;
	memmove(&r->h[lo + 1], &r->h[lo], (r->nh - lo) * sizeof *r->h);
	r->h[lo] = (struct acct_refs_host){ .name = copy };
	r->nh++;
	return &r->h[lo];
}

static int add_hf(struct acct_refs_host *h, double v, uint64_t n)
{
	size_t lo = 0, hi = h->nhf;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->hf[mid].v == v) {
			h->hf[mid].n += n;
			return 0;
		}
		if (h->hf[mid].v < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (h->nhf == h->cap) {
		size_t nc = h->cap ? 2 * h->cap : 4;
		struct acct_refs_hf *x = realloc(h->hf, nc * sizeof *x);
		if (x == NULL)
			return -ENOMEM;
		h->hf = x;
		h->cap = nc;
	}
	memmove(&h->hf[lo + 1], &h->hf[lo], (h->nhf - lo) * sizeof *h->hf);
	h->hf[lo] = (struct acct_refs_hf){ v, n };
	h->nhf++;
	return 0;
}

int acct_refs_add_host(struct acct_refs *r, const char *host, double hf, uint64_t count)
{
	struct acct_refs_host *h = host_of(r, host);
	if (h == NULL)
		return -ENOMEM;
	h->jobs += count;
	return isfinite(hf) && hf > 0 ? add_hf(h, hf, count) : 0;
}

double acct_refs_host_factor(const struct acct_refs *r, const char *name, uint64_t *jobs)
{
	const struct acct_refs_host *h = find_host(r, name);
	for (size_t i = 0; i < r->nh && h == NULL; i++)
		if (hostmatch(r->h[i].name, name))
			h = &r->h[i];
	if (jobs)
		*jobs = h ? h->jobs : 0;
	uint64_t n = 0;
	for (size_t i = 0; h && i < h->nhf; i++)
		n += h->hf[i].n;
	if (n == 0)
		return NAN;
	/* the median, as acct_speed's: the middle value, or the mean of the two */
	uint64_t lo = (n - 1) / 2, hi = n / 2, seen = 0;
	double a = NAN, b = NAN;
	for (size_t i = 0; i < h->nhf; i++) {
		if (isnan(a) && seen + h->hf[i].n > lo)
			a = h->hf[i].v;
		if (isnan(b) && seen + h->hf[i].n > hi)
			b = h->hf[i].v;
		seen += h->hf[i].n;
	}
	return lo == hi ? a : 0.5 * (a + b);
}

int acct_refs_add_set(struct acct_refs *r, const struct acct_set *set)
{
	if (r->keyed && r->key != set->key)
		return -EINVAL;
	r->keyed = true;
	r->key = set->key;
	for (size_t i = 0; i < set->n; i++) {
		const struct acct_job *j = &set->jobs[i];
		if (acct_refs_add(r, j->cls, (double)(j->finish - j->start), 1) < 0 ||
		    acct_refs_add_host(r, j->host, j->host_factor, 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

int acct_refs_merge(struct acct_refs *dst, const struct acct_refs *src, char *err, size_t errlen)
{
	if (dst->keyed && src->keyed && dst->key != src->key)
		return errmsg(err, errlen, -EINVAL, "class references made with --class %s and"
			      " --class %s do not merge", acct_class_name(dst->key),
			      acct_class_name(src->key));
	if (src->keyed) {
		dst->key = src->key;
		dst->keyed = true;
	}
	for (size_t i = 0; i < src->n; i++) {
		struct acct_refs_class *c = class_of(dst, src->c[i].name);
		for (size_t k = 0; c && k < src->c[i].nb; k++)
			if (add_bucket(c, src->c[i].b[k].idx, src->c[i].b[k].n) < 0)
				c = NULL;
		if (c == NULL)
			return errmsg(err, errlen, -ENOMEM, "merging class references: out of memory");
	}
	for (size_t i = 0; i < src->nh; i++) {
		struct acct_refs_host *h = host_of(dst, src->h[i].name);
		if (h)
			h->jobs += src->h[i].jobs;
		for (size_t k = 0; h && k < src->h[i].nhf; k++)
			if (add_hf(h, src->h[i].hf[k].v, src->h[i].hf[k].n) < 0)
				h = NULL;
		if (h == NULL)
			return errmsg(err, errlen, -ENOMEM, "merging class references: out of memory");
	}
	return 0;
}

double acct_refs_ref(const struct acct_refs *r, const char *cls)
{
	const struct acct_refs_class *c = find_class(r, cls);
	if (c == NULL || c->runs < ACCT_MIN_RUNS)
		return NAN;
	uint64_t rank = (uint64_t)floor(ACCT_PERCENTILE * (double)(c->runs - 1)), seen = 0;
	for (size_t k = 0; k < c->nb; k++) {
		seen += c->b[k].n;
		if (seen > rank)
			return acct_refs_value(c->b[k].idx);
	}
	return NAN;   /* not reached: the counts sum to runs */
}

static int cmp_job_class(const void *a, const void *b)
{
	return strcmp(((const struct acct_job *)a)->cls, ((const struct acct_job *)b)->cls);
}

void acct_refs_label(struct acct_set *set, const struct acct_refs *r)
{
	if (set->n > 0)
		qsort(set->jobs, set->n, sizeof *set->jobs, cmp_job_class);
	set->st.classes = set->st.classes_skipped = set->st.jobs_skipped = 0;
	set->st.speeds = false;
	for (size_t i = 0; i < set->n;) {
		size_t j = i;
		while (j < set->n && strcmp(set->jobs[j].cls, set->jobs[i].cls) == 0)
			j++;
		double base = acct_refs_ref(r, set->jobs[i].cls);
		if (isnan(base)) {
			set->st.classes_skipped++;
			set->st.jobs_skipped += j - i;
		} else {
			set->st.classes++;
		}
		for (size_t k = i; k < j; k++)
			set->jobs[k].slowdown = isnan(base) ? NAN
				: (double)(set->jobs[k].finish - set->jobs[k].start) / base;
		i = j;
	}
}

/* ---------------------------------------------------------------- the file */

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0 || b->oom) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t nc = b->cap ? b->cap : 4096;
		while (nc <= b->len + (size_t)n)
			nc *= 2;
		char *p = realloc(b->p, nc);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = nc;
	}
}

/* A name's bytes outside '!'..'~', and '%', are written %XX. */
static bool plain(unsigned char ch)
{
	return ch > ' ' && ch < 0x7f && ch != '%';
}

long acct_refs_format(const struct acct_refs *r, char **out)
{
	struct buf b = { 0 };
	put(&b, "%s %d\n", MAGIC, ACCT_REFS_VERSION);
	put(&b, "alpha %g\npercentile %g\nmin-runs %d\nclass-key %s\nclasses %zu\n",
	    ACCT_REFS_ALPHA, ACCT_PERCENTILE, ACCT_MIN_RUNS, acct_class_name(r->key), r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct acct_refs_class *c = &r->c[i];
		put(&b, "class ");
		for (const unsigned char *s = (const unsigned char *)c->name; *s; s++)
			put(&b, plain(*s) ? "%c" : "%%%02X", *s);
		put(&b, " %llu", (unsigned long long)c->runs);
		for (size_t k = 0; k < c->nb; k++)
			put(&b, " %d:%llu", (int)c->b[k].idx, (unsigned long long)c->b[k].n);
		put(&b, "\n");
	}
	put(&b, "hosts %zu\n", r->nh);
	for (size_t i = 0; i < r->nh; i++) {
		const struct acct_refs_host *h = &r->h[i];
		put(&b, "host ");
		for (const unsigned char *s = (const unsigned char *)h->name; *s; s++)
			put(&b, plain(*s) ? "%c" : "%%%02X", *s);
		put(&b, " %llu", (unsigned long long)h->jobs);
		for (size_t k = 0; k < h->nhf; k++)
			put(&b, " %.17g:%llu", h->hf[k].v, (unsigned long long)h->hf[k].n);
		put(&b, "\n");
	}
	put(&b, "end\n");
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	*out = b.p;
	return (long)b.len;
}

uint64_t acct_refs_id(const struct acct_refs *r)
{
	char *text;
	long len = acct_refs_format(r, &text);
	if (len < 0)
		return 1;   /* out of memory: an identity no file has, so a merge refuses */
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a 64 */
	for (long i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ull;
	}
	free(text);
	return h ? h : 1;
}

/* One parse: the lines of the file, and where we are. */
struct lex {
	const char *p, *end, *name;
	unsigned long line;
	char *err;
	size_t errlen;
};

static int bad(struct lex *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct lex *x, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return errmsg(x->err, x->errlen, -EINVAL, "%s:%lu: %s", x->name, x->line, why);
}

/* The next line that is not blank nor a comment into [*s, *e); false at the end. */
static bool next_line(struct lex *x, const char **s, const char **e)
{
	while (x->p < x->end) {
		const char *nl = memchr(x->p, '\n', (size_t)(x->end - x->p));
		const char *le = nl ? nl : x->end;
		*s = x->p;
		*e = le;
		x->p = nl ? nl + 1 : x->end;
		x->line++;
		const char *t = *s;
		while (t < le && (*t == ' ' || *t == '\t' || *t == '\r'))
			t++;
		if (t < le && *t != '#')
			return true;
	}
	return false;
}

/* The next blank-separated word of [*s, e) into w (at most cap - 1 bytes); its length or -1. */
static long word(const char **s, const char *e, char *w, size_t cap)
{
	while (*s < e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	const char *b = *s;
	while (*s < e && **s != ' ' && **s != '\t' && **s != '\r')
		(*s)++;
	size_t n = (size_t)(*s - b);
	if (n == 0 || n >= cap)
		return -1;
	memcpy(w, b, n);
	w[n] = '\0';
	return (long)n;
}

/* The next blank-separated word of [*s, e), malloc'd; NULL when none (or out of memory). */
static char *name_word(const char **s, const char *e)
{
	while (*s < e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	const char *b = *s;
	while (*s < e && **s != ' ' && **s != '\t' && **s != '\r')
		(*s)++;
	return *s > b ? strndup(b, (size_t)(*s - b)) : NULL;
}

static bool rest_blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return false;
	return true;
}

static bool to_u64(const char *w, uint64_t *v)
{
	char *end;
	if (*w < '0' || *w > '9')
		return false;
	errno = 0;
	unsigned long long u = strtoull(w, &end, 10);
	if (*end || errno)
		return false;
	*v = u;
	return true;
}

/* "KEY VALUE" with VALUE as text into v. */
static int keyword(struct lex *x, const char *key, char *v, size_t cap)
{
	const char *s, *e;
	char w[64];
	if (!next_line(x, &s, &e))
		return bad(x, "ends before '%s' (truncated?)", key);
	if (word(&s, e, w, sizeof w) < 0 || strcmp(w, key) != 0)
		return bad(x, "'%s' expected", key);
	if (word(&s, e, v, cap) < 0 || !rest_blank(s, e))
		return bad(x, "'%s' needs one value", key);
	return 0;
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* %XX decoded in place; false for a bad escape, a NUL or an empty name */
static bool unescape(char *w)
{
	char *o = w;
	for (char *s = w; *s; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
		if (lo < 0 || hi * 16 + lo == 0)
			return false;
		*o++ = (char)(hi * 16 + lo);
		s += 2;
	}
	*o = '\0';
	return o > w;
}

static int parse_into(struct lex *x, struct acct_refs *r)
{
	const char *s, *e;
	char w[64], v[64];
	char *name = NULL;
	if (!next_line(x, &s, &e))
		return errmsg(x->err, x->errlen, -EINVAL, "%s: empty: not a class references file",
			      x->name);
	if (word(&s, e, w, sizeof w) < 0 || strcmp(w, MAGIC) != 0)
		return bad(x, "not a class references file (it starts with '%s')", MAGIC);
	uint64_t ver;
	if (word(&s, e, v, sizeof v) < 0 || !rest_blank(s, e) || !to_u64(v, &ver))
		return bad(x, "'%s' needs a version", MAGIC);
	if (ver != ACCT_REFS_VERSION)
		return bad(x, "version %llu; this rank-train reads version %d",
			   (unsigned long long)ver, ACCT_REFS_VERSION);
	char want[32];
	if (keyword(x, "alpha", v, sizeof v) < 0)
		return -EINVAL;
	snprintf(want, sizeof want, "%g", ACCT_REFS_ALPHA);
	if (strcmp(v, want) != 0)
		return bad(x, "alpha %s; version %d's buckets are for alpha %s", v, ACCT_REFS_VERSION,
			   want);
	if (keyword(x, "percentile", v, sizeof v) < 0)
		return -EINVAL;
	snprintf(want, sizeof want, "%g", ACCT_PERCENTILE);
	if (strcmp(v, want) != 0)
		return bad(x, "percentile %s; this rank-train's references are the %s", v, want);
	if (keyword(x, "min-runs", v, sizeof v) < 0)
		return -EINVAL;
	snprintf(want, sizeof want, "%d", ACCT_MIN_RUNS);
	if (strcmp(v, want) != 0)
		return bad(x, "min-runs %s; this rank-train's is %s", v, want);
	if (keyword(x, "class-key", v, sizeof v) < 0)
		return -EINVAL;
	enum acct_class key;
	if (acct_class_parse(v, &key) < 0)
		return bad(x, "class-key '%s' is not name, command or queue", v);
	r->key = key;
	r->keyed = true;
	uint64_t nclasses;
	if (keyword(x, "classes", v, sizeof v) < 0)
		return -EINVAL;
	if (!to_u64(v, &nclasses))
		return bad(x, "classes '%s' is not a count", v);
	for (uint64_t i = 0;; i++) {
		if (!next_line(x, &s, &e))
			return bad(x, "ends before 'end' (truncated?)");
		if (word(&s, e, w, sizeof w) < 0)
			return bad(x, "a line too long");
		if (strcmp(w, "hosts") == 0) {
			if (i != nclasses)
				return bad(x, "%llu classes, the header says %llu", (unsigned long long)i,
					   (unsigned long long)nclasses);
			break;
		}
		if (strcmp(w, "class") != 0)
			return bad(x, "'class' or 'hosts' expected, not '%.40s'", w);
		free(name);
		if ((name = name_word(&s, e)) == NULL || !unescape(name)) {
			free(name);
			return bad(x, "a class needs a name (%%XX escapes)");
		}
		snprintf(w, sizeof w, "%s", name);   /* for messages */
		if (find_class(r, name)) {
			free(name);
			return bad(x, "class '%.60s' twice", w);
		}
		uint64_t runs, sum = 0;
		if (word(&s, e, v, sizeof v) < 0 || !to_u64(v, &runs) || runs == 0) {
			free(name);
			return bad(x, "class '%.60s': its runs must be a count above 0", w);
		}
		struct acct_refs_class *c = class_of(r, name);
		free(name);
		name = NULL;
		if (c == NULL)
			return errmsg(x->err, x->errlen, -ENOMEM, "%s: out of memory", x->name);
		long prev = LONG_MIN;
		while (!rest_blank(s, e)) {
			char *colon, *end;
			if (word(&s, e, v, sizeof v) < 0 || (colon = strchr(v, ':')) == NULL)
				return bad(x, "class '%.60s': buckets are IDX:COUNT", w);
			*colon = '\0';
			errno = 0;
			long idx = strtol(v, &end, 10);
			uint64_t n;
			if (end == v || *end || errno || idx < -ACCT_REFS_MAX_INDEX ||
			    idx > ACCT_REFS_MAX_INDEX)
				return bad(x, "class '%.60s': bucket index '%s' is not an integer within"
					   " +-%d", w, v, ACCT_REFS_MAX_INDEX);
			if (idx <= prev)
				return bad(x, "class '%.60s': bucket %ld after %ld (ascending, each once)",
					   w, idx, prev);
			if (!to_u64(colon + 1, &n) || n == 0 || n > runs - sum)
				return bad(x, "class '%.60s': bucket %ld's count '%s' is not a count above"
					   " 0 within the runs", w, idx, colon + 1);
			prev = idx;
			sum += n;
			if (add_bucket(c, (int)idx, n) < 0)
				return errmsg(x->err, x->errlen, -ENOMEM, "%s: out of memory", x->name);
		}
		if (sum != runs)
			return bad(x, "class '%.60s': its buckets count %llu runs, not %llu", w,
				   (unsigned long long)sum, (unsigned long long)runs);
	}
	uint64_t nhosts;
	if (word(&s, e, v, sizeof v) < 0 || !rest_blank(s, e) || !to_u64(v, &nhosts))
		return bad(x, "'hosts' needs a count");
	for (uint64_t i = 0;; i++) {
		if (!next_line(x, &s, &e))
			return bad(x, "ends before 'end' (truncated?)");
		if (word(&s, e, w, sizeof w) < 0)
			return bad(x, "a line too long");
		if (strcmp(w, "end") == 0) {
			if (!rest_blank(s, e))
				return bad(x, "text after 'end'");
			if (i != nhosts)
				return bad(x, "%llu hosts, the header says %llu", (unsigned long long)i,
					   (unsigned long long)nhosts);
			break;
		}
		if (strcmp(w, "host") != 0)
			return bad(x, "'host' or 'end' expected, not '%.40s'", w);
		if ((name = name_word(&s, e)) == NULL || !unescape(name)) {
			free(name);
			return bad(x, "a host needs a name (%%XX escapes)");
		}
		snprintf(w, sizeof w, "%s", name);   /* for messages */
		if (find_host(r, name)) {
			free(name);
			return bad(x, "host '%.60s' twice", w);
		}
		uint64_t jobs, sum = 0;
		if (word(&s, e, v, sizeof v) < 0 || !to_u64(v, &jobs)) {
			free(name);
			return bad(x, "host '%.60s': its jobs must be a count", w);
		}
		struct acct_refs_host *h = host_of(r, name);
		free(name);
		name = NULL;
		if (h == NULL)
			return errmsg(x->err, x->errlen, -ENOMEM, "%s: out of memory", x->name);
		h->jobs = jobs;
		double prev = 0;
		while (!rest_blank(s, e)) {
			char *colon, *end;
			uint64_t n;
			if (word(&s, e, v, sizeof v) < 0 || (colon = strchr(v, ':')) == NULL)
				return bad(x, "host '%.60s': hostFactors are VALUE:COUNT", w);
			*colon = '\0';
			double hv = strtod(v, &end);   /* a subnormal (ERANGE) is a number above 0 */
			if (end == v || *end || !isfinite(hv) || hv <= 0)
				return bad(x, "host '%.60s': hostFactor '%s' is not a number above 0", w, v);
			if (hv <= prev)
				return bad(x, "host '%.60s': hostFactor %s after %.17g (ascending, each once)",
					   w, v, prev);
			if (!to_u64(colon + 1, &n) || n == 0 || n > jobs - sum)
				return bad(x, "host '%.60s': hostFactor %s's count '%s' is not a count above"
					   " 0 within its jobs", w, v, colon + 1);
			prev = hv;
			sum += n;
			if (add_hf(h, hv, n) < 0)
				return errmsg(x->err, x->errlen, -ENOMEM, "%s: out of memory", x->name);
		}
	}
	if (next_line(x, &s, &e))
		return bad(x, "text after 'end'");
	return 0;
}

int acct_refs_parse(const char *buf, size_t len, const char *name, struct acct_refs *r,
		    char *err, size_t errlen)
{
	struct acct_refs one = { 0 };
	struct lex x = { buf, buf + len, name, 0, err, errlen };
	if (memchr(buf, '\0', len))
		return errmsg(err, errlen, -EINVAL, "%s: a NUL byte: not a class references file",
			      name);
	int rc = parse_into(&x, &one);
	if (rc == 0 && r->keyed && one.key != r->key)
		rc = errmsg(err, errlen, -EINVAL, "%s: made with --class %s, not --class %s", name,
			    acct_class_name(one.key), acct_class_name(r->key));
	if (rc == 0) {
		char why[256];
		rc = acct_refs_merge(r, &one, why, sizeof why);
		if (rc < 0)
			errmsg(err, errlen, rc, "%s: %s", name, why);
	}
	acct_refs_free(&one);
	return rc;
}

int acct_refs_read(const char *path, struct acct_refs *r, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc = fs_read_path(path, ACCT_REFS_MAX_BYTES, "class references file", &buf, &len,
			      err, errlen);
	if (rc < 0)
		return rc;
	rc = acct_refs_parse(buf, len, path, r, err, errlen);
	free(buf);
	return rc;
}

int acct_refs_write(const char *path, const struct acct_refs *r, char *err, size_t errlen)
{
	char *text;
	long len = acct_refs_format(r, &text);
	if (len < 0)
		return errmsg(err, errlen, -ENOMEM, "%s: out of memory", path);
	int rc = fs_atomic_write(path, text, (size_t)len, 0644);
	free(text);
	if (rc < 0)
		return errmsg(err, errlen, rc, "%s: %s", path, strerror(-rc));
	return 0;
}

void acct_refs_free(struct acct_refs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->c[i].name);
		free(r->c[i].b);
	}
	for (size_t i = 0; i < r->nh; i++) {
		free(r->h[i].name);
		free(r->h[i].hf);
	}
	free(r->c);
	free(r->h);
	memset(r, 0, sizeof *r);
}

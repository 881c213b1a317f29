#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "errmsg.h"
#include "fsutil.h"
#include "hostmatch.h"
#include "lsfconf.h"

#define LINE_MAX_LEN 4096
#define MAX_FIELDS 64

/* ------------------------------------------------------------ the scanner */

/* One logical line (continuations joined), cut into fields. */
struct row {
	int line;                  /* where it starts */
	char buf[LINE_MAX_LEN];
	char *f[MAX_FIELDS];
	int n;
};

struct scan {
	const char *text, *path;
	size_t len, pos;
	int line;                  /* the last physical line read */
};

/*
 * The next logical line into r: comments removed, continuations joined.
 * Returns 1, 0 at the end, or -EINVAL (message in err).
 */
static int next_line(struct scan *s, struct row *r, char *err, size_t errlen)
{
	size_t used = 0;
	r->line = 0;
	while (s->pos < s->len) {
		const char *start = s->text + s->pos;
		const char *nl = memchr(start, '\n', s->len - s->pos);
		size_t ll = nl ? (size_t)(nl - start) : s->len - s->pos;
		s->pos += ll + (nl ? 1 : 0);
		s->line++;
		if (r->line == 0)
			r->line = s->line;
		if (memchr(start, '\0', ll))
			return errmsg(err, errlen, -EINVAL, "%s:%d: NUL byte in text", s->path, s->line);
		/* a comment runs from '#' (outside quotes) to the end of the line */
		size_t keep = 0;
		bool quoted = false;
		while (keep < ll && (quoted || start[keep] != '#')) {
			if (start[keep] == '"')
				quoted = !quoted;
			keep++;
		}
		while (keep > 0 && (start[keep - 1] == '\r' || start[keep - 1] == ' ' ||
				    start[keep - 1] == '\t'))
			keep--;
		bool cont = false;
		if (keep > 0 && start[keep - 1] == '\\') {
			cont = true;
			keep--;
		}
		if (used + keep + 2 > sizeof r->buf)
			return errmsg(err, errlen, -EINVAL, "%s:%d: line longer than %d characters",
				      s->path, s->line, LINE_MAX_LEN - 2);
		memcpy(r->buf + used, start, keep);
		used += keep;
		r->buf[used++] = ' ';
		if (!cont)
			break;
	}
	if (r->line == 0)
		return 0;
	r->buf[used] = '\0';

	/* fields: blank-separated; "(...)" and "\"...\"" are one field each */
	r->n = 0;
	char *p = r->buf;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		if (r->n == MAX_FIELDS)
			return errmsg(err, errlen, -EINVAL, "%s:%d: more than %d fields", s->path,
				      r->line, MAX_FIELDS);
		char *f = p;
		if (*p == '(' || *p == '"') {
			char close = *p == '(' ? ')' : '"';
			char *e = strchr(p + 1, close);
			if (e == NULL)
				return errmsg(err, errlen, -EINVAL, "%s:%d: '%c' without its '%c'", s->path,
					      r->line, *p, close);
			p = e + 1;
			if (*p && *p != ' ' && *p != '\t' && *p != '\r')
				return errmsg(err, errlen, -EINVAL, "%s:%d: text right after '%c'",
					      s->path, r->line, close);
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\r')
				p++;
		}
		if (*p)
			*p++ = '\0';
		r->f[r->n++] = f;
	}
	return 1;
}

/* What a section's handler is given: its header and one row at a time. */
struct section {
	char name[LSFCONF_NAME_MAX];
	int begin_line;
	struct row head;           /* the column names */
	bool have_head;
};

typedef int (*row_fn)(void *ctx, const char *path, const struct section *sec,
		      const struct row *r, char *err, size_t errlen);

/* The column of name in the header, or -1. */
static int column(const struct section *sec, const char *name)
{
	for (int i = 0; i < sec->head.n; i++)
		if (strcasecmp(sec->head.f[i], name) == 0)
			return i;
	return -1;
}

/* A field as a plain value: "()" is empty, "(x)" is x, "\"x\"" is x. */
static const char *value(const char *f, char *buf, size_t size)
{
	size_t n = strlen(f);
	if (n >= 2 && ((f[0] == '(' && f[n - 1] == ')') || (f[0] == '"' && f[n - 1] == '"'))) {
		f++;
		n -= 2;
	}
	while (n > 0 && (*f == ' ' || *f == '\t')) {
		f++;
		n--;
	}
	while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(buf, f, n);
	buf[n] = '\0';
	return buf;
}

/*
 * Walk the sections of a file; for the sections named in want (NULL-
 * terminated, any case), call fn with each row after the header.
 */
static int scan_sections(const char *text, size_t len, const char *path,
			 const char *const *want, row_fn fn, void *ctx, char *err, size_t errlen)
{
	struct row r;
	struct scan s = { .text = text, .path = path, .len = len };
	struct section sec;
	bool in = false, wanted = false;
	int rc;

	if (len > LSFCONF_MAX_FILE)
		return errmsg(err, errlen, -EINVAL, "%s: larger than %d bytes", path, LSFCONF_MAX_FILE);
	memset(&sec, 0, sizeof sec);
	while ((rc = next_line(&s, &r, err, errlen)) > 0) {
		if (r.n == 0)
			continue;
		if (strcasecmp(r.f[0], "Begin") == 0) {
			if (in)
				return errmsg(err, errlen, -EINVAL,
					      "%s:%d: Begin inside section %s (begun on line %d)", path,
					      r.line, sec.name, sec.begin_line);
			if (r.n != 2)
				return errmsg(err, errlen, -EINVAL, "%s:%d: expected 'Begin SECTION'",
					      path, r.line);
			if (strlen(r.f[1]) >= sizeof sec.name)
				return errmsg(err, errlen, -EINVAL, "%s:%d: section name too long",
					      path, r.line);
			memset(&sec, 0, sizeof sec);
			snprintf(sec.name, sizeof sec.name, "%s", r.f[1]);
			sec.begin_line = r.line;
			in = true;
			wanted = false;
			for (size_t i = 0; want[i]; i++)
				wanted |= strcasecmp(want[i], sec.name) == 0;
			continue;
		}
		if (strcasecmp(r.f[0], "End") == 0) {
			if (!in)
				return errmsg(err, errlen, -EINVAL, "%s:%d: End outside any section",
					      path, r.line);
			if (r.n != 2 || strcasecmp(r.f[1], sec.name) != 0)
				return errmsg(err, errlen, -EINVAL,
					      "%s:%d: expected 'End %s' (begun on line %d)", path, r.line,
					      sec.name, sec.begin_line);
			in = false;
			continue;
		}
		if (!in)
			return errmsg(err, errlen, -EINVAL, "%s:%d: '%s' outside any section", path,
				      r.line, r.f[0]);
		if (!wanted)
			continue;
		if (!sec.have_head) {
			sec.head = r;
			/* the copy's field pointers must point into its own buffer */
			for (int i = 0; i < sec.head.n; i++)
				sec.head.f[i] = sec.head.buf + (r.f[i] - r.buf);
			sec.have_head = true;
			continue;
		}
		if (r.n > sec.head.n)
			return errmsg(err, errlen, -EINVAL,
				      "%s:%d: %d fields, but the header (line %d) names %d columns",
				      path, r.line, r.n, sec.head.line, sec.head.n);
		rc = fn(ctx, path, &sec, &r, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (in)
		return errmsg(err, errlen, -EINVAL, "%s:%d: section %s has no End", path,
			      sec.begin_line, sec.name);
	return 0;
}

/* The field of column col in r, as a plain value ("" when the row is short). */
static const char *field_of(const struct row *r, int col, char *buf, size_t size)
{
	if (col < 0 || col >= r->n) {
		buf[0] = '\0';
		return buf;
	}
	return value(r->f[col], buf, size);
}

static int need_column(const struct section *sec, const char *name, const char *path,
		       char *err, size_t errlen)
{
	int c = column(sec, name);
	if (c < 0)
		return errmsg(err, errlen, -EINVAL, "%s:%d: section %s has no %s column", path,
			      sec->head.line, sec->name, name);
	return c;
}

/* ------------------------------------------------------------ lsf.shared */

static int shared_row(void *ctx, const char *path, const struct section *sec, const struct row *r,
		      char *err, size_t errlen)
{
	struct lsf_shared *sh = ctx;
	char name[256], num[256];
	if (strcasecmp(sec->name, "Cluster") == 0) {
		int c = need_column(sec, "ClusterName", path, err, errlen);
		if (c < 0)
			return c;
		field_of(r, c, name, sizeof name);
		if (name[0] == '\0')
			return 0;
		if (strlen(name) >= LSFCONF_NAME_MAX || strchr(name, '/'))
			return errmsg(err, errlen, -EINVAL, "%s:%d: bad cluster name '%.64s'", path,
				      r->line, name);
		if (sh->n_clusters == LSFCONF_MAX_CLUSTERS)
			return errmsg(err, errlen, -EINVAL, "%s:%d: more than %d clusters", path,
				      r->line, LSFCONF_MAX_CLUSTERS);
		snprintf(sh->clusters[sh->n_clusters++], LSFCONF_NAME_MAX, "%s", name);
		return 0;
	}
	/* HostModel */
	int cm = need_column(sec, "MODELNAME", path, err, errlen);
	if (cm < 0)
		return cm;
	int cf = need_column(sec, "CPUFACTOR", path, err, errlen);
	if (cf < 0)
		return cf;
	field_of(r, cm, name, sizeof name);
	field_of(r, cf, num, sizeof num);
	if (name[0] == '\0')
		return errmsg(err, errlen, -EINVAL, "%s:%d: a host model without a name", path, r->line);
	if (strlen(name) >= LSFCONF_NAME_MAX)
		return errmsg(err, errlen, -EINVAL, "%s:%d: model name '%.64s...' too long", path,
			      r->line, name);
	char *end;
	errno = 0;
	double f = strtod(num, &end);
	if (num[0] == '\0' || *end || errno || !isfinite(f) || !(f > 0) ||
	    num[strspn(num, "0123456789.eE+-")] != '\0')
		return errmsg(err, errlen, -EINVAL,
			      "%s:%d: CPU factor '%s' of model %s is not a positive number", path,
			      r->line, num, name);
	for (size_t i = 0; i < sh->n_models; i++)
		if (strcmp(sh->models[i].name, name) == 0)
			return 0;   /* LIM keeps the first */
	if (sh->n_models == LSFCONF_MAX_MODELS)
		return errmsg(err, errlen, -EINVAL, "%s:%d: more than %d host models", path, r->line,
			      LSFCONF_MAX_MODELS);
	struct lsf_model *m = &sh->models[sh->n_models++];
	snprintf(m->name, sizeof m->name, "%s", name);
	m->cpuf = f;
	m->used = false;
	return 0;
}

int lsf_shared_parse(const char *text, size_t len, const char *path, struct lsf_shared *out,
		     char *err, size_t errlen)
{
	static const char *const want[] = { "Cluster", "HostModel", NULL };
	memset(out, 0, sizeof *out);
	return scan_sections(text, len, path, want, shared_row, out, err, errlen);
}

/* ------------------------------------------------------------ lsf.cluster */

struct cluster_ctx {
	const char *host;
	struct lsf_cluster_host *out;
	struct lsf_shared *shared;
};

static int cluster_row(void *ctx, const char *path, const struct section *sec,
		       const struct row *r, char *err, size_t errlen)
{
	struct cluster_ctx *c = ctx;
	int ch = need_column(sec, "HOSTNAME", path, err, errlen);
	if (ch < 0)
		return ch;
	int cm = need_column(sec, "MODEL", path, err, errlen);
	if (cm < 0)
		return cm;
	char name[256], model[256];
	field_of(r, ch, name, sizeof name);
	field_of(r, cm, model, sizeof model);
	if (name[0] == '\0')
		return errmsg(err, errlen, -EINVAL, "%s:%d: a host without a name", path, r->line);
	if (strlen(model) >= LSFCONF_NAME_MAX)
		return errmsg(err, errlen, -EINVAL, "%s:%d: model name '%.64s...' too long", path,
			      r->line, model);
	if (c->shared)
		for (size_t i = 0; i < c->shared->n_models; i++)
			if (strcmp(c->shared->models[i].name, model) == 0)
				c->shared->models[i].used = true;
	if (!c->out->found && hostmatch(name, c->host)) {
		c->out->found = true;
		c->out->line = r->line;
		snprintf(c->out->model, sizeof c->out->model, "%s", model);
	}
	return 0;
}

int lsf_cluster_parse(const char *text, size_t len, const char *path, const char *host,
		      struct lsf_cluster_host *out, struct lsf_shared *shared, char *err,
		      size_t errlen)
{
	static const char *const want[] = { "Host", NULL };
	struct cluster_ctx c = { .host = host, .out = out, .shared = shared };
	memset(out, 0, sizeof *out);
	return scan_sections(text, len, path, want, cluster_row, &c, err, errlen);
}

/* ------------------------------------------------------------ lsf.conf */

int lsf_conf_confdir(const char *text, size_t len, char *out, size_t outlen)
{
	static const char key[] = "LSF_CONFDIR";
	int found = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - p) : len - pos;
		pos += ll + (nl ? 1 : 0);
		const char *e = p + ll;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(e - p) <= sizeof key - 1 || memcmp(p, key, sizeof key - 1) != 0)
			continue;
		p += sizeof key - 1;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e || *p != '=')
			continue;
		p++;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e - p >= 2 && (*p == '"' || *p == '\'') && e[-1] == *p) {
			p++;
			e--;
		}
		if (memchr(p, '\0', (size_t)(e - p)))
			continue;
		if ((size_t)(e - p) >= outlen)
			return -ENAMETOOLONG;
		memcpy(out, p, (size_t)(e - p));
		out[e - p] = '\0';
		found = out[0] != '\0';   /* the last setting wins, as in a shell */
	}
	return found;
}

/* ------------------------------------------------------------ the look-up */

/* Read path whole.  0, or a negative errno (-ENOENT when absent) with a message. */
static int read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	return fs_read_path(path, LSFCONF_MAX_FILE, "LSF configuration file (4 MiB)", text, len,
			    err, errlen);
}

static const struct lsf_model *find_model(const struct lsf_shared *sh, const char *name)
{
	for (size_t i = 0; i < sh->n_models; i++)
		if (strcmp(sh->models[i].name, name) == 0)
			return &sh->models[i];
	return NULL;
}

int lsf_speed_lookup(const char *envdir, const char *host, const char *ref_model,
		     struct lsf_speed *out, char *err, size_t errlen)
{
	char path[PATH_MAX], confdir[PATH_MAX];
	char *text = NULL;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	if (envdir == NULL || envdir[0] == '\0')
		return errmsg(err, errlen, -ENOENT, "LSF_ENVDIR is not set");
	snprintf(confdir, sizeof confdir, "%s", envdir);
	snprintf(path, sizeof path, "%s/lsf.conf", envdir);
	if (read_file(path, &text, &len, err, errlen) == 0) {
		char dir[PATH_MAX];
		if (lsf_conf_confdir(text, len, dir, sizeof dir) > 0)
			snprintf(confdir, sizeof confdir, "%s", dir);
		free(text);
		text = NULL;
	}

	struct lsf_shared *sh = calloc(1, sizeof *sh);
	if (sh == NULL)
		return errmsg(err, errlen, -ENOMEM, "out of memory");
	if (snprintf(out->shared_file, sizeof out->shared_file, "%s/lsf.shared", confdir) >=
	    (int)sizeof out->shared_file) {
		rc = errmsg(err, errlen, -ENAMETOOLONG, "%s: path too long", confdir);
		goto out;
	}
	rc = read_file(out->shared_file, &text, &len, err, errlen);
	if (rc < 0)
		goto out;
	rc = lsf_shared_parse(text, len, out->shared_file, sh, err, errlen);
	free(text);
	text = NULL;
	if (rc < 0)
		goto out;
	if (sh->n_clusters == 0) {
		rc = errmsg(err, errlen, -ENOENT, "%s names no cluster (section Cluster)",
			    out->shared_file);
		goto out;
	}

	/* the cluster whose file lists this host */
	struct lsf_cluster_host h = { 0 };
	char tried[1024] = "";
	for (size_t i = 0; i < sh->n_clusters && !h.found; i++) {
		if (snprintf(path, sizeof path, "%s/lsf.cluster.%s", confdir, sh->clusters[i]) >=
		    (int)sizeof path)
			continue;   /* cannot be there */
		char rerr[PATH_MAX + 64];
		rc = read_file(path, &text, &len, rerr, sizeof rerr);
		if (rc == -ENOENT)
			continue;   /* another cluster's, kept elsewhere */
		if (rc < 0) {
			errmsg(err, errlen, rc, "%s", rerr);
			goto out;
		}
		rc = lsf_cluster_parse(text, len, path, host, &h, sh, err, errlen);
		free(text);
		text = NULL;
		if (rc < 0)
			goto out;
		size_t used = strlen(tried), plen = strlen(path);
		if (used + plen + 3 < sizeof tried) {
			memcpy(tried + used, used ? ", " : "", used ? 2 : 0);
			used += used ? 2 : 0;
			memcpy(tried + used, path, plen + 1);
		}
		if (h.found)
			snprintf(out->cluster_file, sizeof out->cluster_file, "%s", path);
	}
	if (!h.found) {
		rc = tried[0] ? errmsg(err, errlen, -ENOENT, "host %s is not in the Host section of %s",
				       host, tried)
			      : errmsg(err, errlen, -ENOENT, "no lsf.cluster.<name> in %s for the"
				       " clusters %s names", confdir, out->shared_file);
		goto out;
	}
	snprintf(out->model, sizeof out->model, "%s", h.model);
	if (strcmp(h.model, "!") == 0 || h.model[0] == '\0') {
		rc = errmsg(err, errlen, -ENOENT, "%s:%d: host %s's model is %s: LIM detects it, and"
			    " elim.rank cannot; name the model there, or use host-speed",
			    out->cluster_file, h.line, host, h.model[0] ? "'!'" : "not given");
		goto out;
	}
	const struct lsf_model *mine = find_model(sh, h.model);
	if (mine == NULL) {
		rc = errmsg(err, errlen, -ENOENT, "%s:%d: host %s's model %s is not a HostModel of %s",
			    out->cluster_file, h.line, host, h.model, out->shared_file);
		goto out;
	}
	const struct lsf_model *ref = NULL;
	if (ref_model && ref_model[0]) {
		ref = find_model(sh, ref_model);
		out->reference_named = true;
		if (ref == NULL) {
			rc = errmsg(err, errlen, -ENOENT, "the reference model %s is not a HostModel"
				    " of %s", ref_model, out->shared_file);
			goto out;
		}
	} else {
		for (size_t i = 0; i < sh->n_models; i++)
			if (sh->models[i].used && (ref == NULL || sh->models[i].cpuf > ref->cpuf))
				ref = &sh->models[i];
	}
	/* ref is not NULL: this host's model is used */
	snprintf(out->reference, sizeof out->reference, "%s", ref->name);
	out->cpuf = mine->cpuf;
	out->ref_cpuf = ref->cpuf;
	out->factor = ref->cpuf / mine->cpuf;
	rc = 0;
out:
	free(text);
	free(sh);
	return rc;
}

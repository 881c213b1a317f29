#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errmsg.h"
#include "host_speed.h"
#include "hostmatch.h"
#include "lsfconf.h"

double host_speed_rank(double rank, double factor)
{
	if (!(factor > 0) || !isfinite(factor) || !(rank < RANK_MAX))
		return isnan(rank) ? RANK_MAX : rank;
	double r = rank * factor;
	if (r < RANK_MIN)
		return RANK_MIN;
	if (r > RANK_MAX)
		return RANK_MAX;
	return r;
}

const char *host_speed_basis_name(enum rank_basis b)
{
	return b == RANK_BASIS_CLUSTER ? "cluster" : "host";
}

const char *host_speed_source_name(enum speed_source s)
{
	switch (s) {
	case SPEED_FROM_BASIS: return "host-basis";
	case SPEED_FROM_SETTING: return "setting";
	case SPEED_FROM_LSF: return "lsf";
	case SPEED_FROM_MODEL: return "model";
	case SPEED_FROM_PROBE: return "probe";
	case SPEED_FROM_NONE: break;
	}
	return "none";
}

int host_speed_check_basis(const char *value, char *why, size_t whylen)
{
	if (strcmp(value, "host") == 0 || strcmp(value, "cluster") == 0)
		return 0;
	snprintf(why, whylen, "expected host or cluster");
	return -1;
}

/* A factor as written in an entry: a finite decimal number in limits. */
static bool parse_factor(const char *s, double *out)
{
	if (s[0] == '\0' || s[strspn(s, "0123456789.eE+-")] != '\0')
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !(v >= MODEL_SPEED_MIN && v <= MODEL_SPEED_MAX))
		return false;
	*out = v;
	return true;
}

/* One entry e (NUL-terminated): "HOST:FACTOR" or "model:MODEL=FACTOR".
 * 0 with *is_model, name (into name[size]) and factor; or -1 with why. */
static int parse_entry(const char *e, bool *is_model, char *name, size_t size, double *factor,
		       char *why, size_t whylen)
{
	const char *sep;
	*is_model = strncmp(e, "model:", 6) == 0;
	if (*is_model) {
		e += 6;
		sep = strchr(e, '=');
	} else {
		sep = strrchr(e, ':');
	}
	size_t n = sep ? (size_t)(sep - e) : 0;
	if (sep == NULL || n == 0 || n >= size) {
		snprintf(why, whylen, "bad entry '%.80s' (expected HOST:FACTOR or model:MODEL=FACTOR)",
			 e - (*is_model ? 6 : 0));
		return -1;
	}
	memcpy(name, e, n);
	name[n] = '\0';
	if (*is_model ? strpbrk(name, ":=") != NULL : !hostmatch_valid(name)) {
		snprintf(why, whylen, "bad %s '%.64s' in '%.80s'", *is_model ? "model" : "host name",
			 name, e - (*is_model ? 6 : 0));
		return -1;
	}
	if (!parse_factor(sep + 1, factor)) {
		snprintf(why, whylen, "factor '%.32s' of %.64s is not a number from %g to %g",
			 sep + 1, name, MODEL_SPEED_MIN, MODEL_SPEED_MAX);
		return -1;
	}
	return 0;
}

/* The entries of value, one at a time: fn(ctx, ...) for each.  0 or -1 with why. */
typedef void (*entry_fn)(void *ctx, const char *entry, bool is_model, const char *name,
			 double factor);

static int each_entry(const char *value, entry_fn fn, void *ctx, char *why, size_t whylen)
{
	const char *p = value;
	int n = 0;
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		size_t len = strcspn(p, " \t,");
		char e[160], name[128];
		if (len >= sizeof e) {
			snprintf(why, whylen, "entry '%.40s...' too long", p);
			return -1;
		}
		memcpy(e, p, len);
		e[len] = '\0';
		bool is_model;
		double f;
		if (parse_entry(e, &is_model, name, sizeof name, &f, why, whylen) < 0)
			return -1;
		if (fn)
			fn(ctx, e, is_model, name, f);
		n++;
		p += len;
	}
	if (n == 0) {
		snprintf(why, whylen, "no entries (expected HOST:FACTOR or model:MODEL=FACTOR)");
		return -1;
	}
	return 0;
}

int host_speed_check_setting(const char *value, char *why, size_t whylen)
{
	return each_entry(value, NULL, NULL, why, whylen);
}

/* The best entry so far for this host: exact name > first glob > model. */
struct best {
	const char *host, *model;
	int rank;                  /* 3 exact, 2 glob, 1 model, 0 none */
	double factor;
	char entry[128];
};

static void consider(void *ctx, const char *entry, bool is_model, const char *name, double f)
{
	struct best *b = ctx;
	int r = 0;
	if (is_model)
		r = b->model && b->model[0] && strcmp(name, b->model) == 0 ? 1 : 0;
	else if (hostmatch(name, b->host))
		r = hostmatch_is_glob(name) ? 2 : 3;
	if (r > b->rank) {
		b->rank = r;
		b->factor = f;
		snprintf(b->entry, sizeof b->entry, "%s", entry);
	}
}

int host_speed_init(struct host_speed *hs, const struct host_speed_config *cfg, char *err,
		    size_t errlen)
{
	memset(hs, 0, sizeof *hs);
	hs->setting = hs->lsf = NAN;
	hs->last = SPEED_FROM_NONE;
	hs->basis = cfg->basis && strcmp(cfg->basis, "cluster") == 0 ? RANK_BASIS_CLUSTER
								     : RANK_BASIS_HOST;
	snprintf(hs->host, sizeof hs->host, "%s", cfg->host ? cfg->host : "");
	hs->speed_reference = cfg->speed_reference > 0 ? cfg->speed_reference : 0;
	if (hs->basis == RANK_BASIS_HOST)
		return 0;

	/* LSF first: its model names this host's model for model: entries */
	static const struct lsf_speed none;
	struct lsf_speed ls = none;
	char why[sizeof hs->lsf_from];
	int rc = cfg->envdir ? lsf_speed_lookup(cfg->envdir, hs->host, cfg->reference_model, &ls,
						why, sizeof why)
			     : errmsg(why, sizeof why, -ENOENT, "no LSF_ENVDIR (nor lsf-envdir)");
	snprintf(hs->lsf_model, sizeof hs->lsf_model, "%s", ls.model);
	if (rc == 0) {
		hs->lsf = ls.factor;
		snprintf(hs->lsf_from, sizeof hs->lsf_from,
			 "LSF CPU factors: %s's model %s (%s) has CPUFACTOR %g, the reference %s %g"
			 " (%s)", hs->host, ls.model, ls.cluster_file, ls.cpuf, ls.reference,
			 ls.ref_cpuf, ls.reference_named ? "speed-reference-model" : "the fastest in use");
	} else {
		hs->lsf_bad_file = rc == -EINVAL;
		snprintf(hs->lsf_from, sizeof hs->lsf_from, "%s", why);
	}

	struct best b = { .host = hs->host, .model = hs->lsf_model };
	for (size_t i = 0; i < cfg->n_settings; i++) {
		char ewhy[256];
		if (each_entry(cfg->settings[i], consider, &b, ewhy, sizeof ewhy) < 0)
			return errmsg(err, errlen, -EINVAL, "host-speed: %s", ewhy);
	}
	if (b.rank > 0) {
		hs->setting = b.factor;
		snprintf(hs->setting_entry, sizeof hs->setting_entry, "%s", b.entry);
	}
	return 0;
}

double host_speed_reference(const struct host_speed *hs, const struct model *m,
			    const double *features, const char **from)
{
	const char *dummy;
	if (from == NULL)
		from = &dummy;
	*from = "setting";
	if (hs->speed_reference > 0)
		return hs->speed_reference;
	*from = "none";
	if (m == NULL || !(m->speed_reference > 0))
		return 0;
	*from = "model";
	double w = features[FEAT_probe_work_version];
	if (m->speed_reference_work && !(w == (double)m->speed_reference_work)) {
		*from = "model-other-work";
		return 0;
	}
	return m->speed_reference;
}

/* The factor and its source for m and features; line: m's speed line
 * for this host, or -1. */
static double pick(const struct host_speed *hs, const struct model *m, int line,
		   const double *features, enum speed_source *src)
{
	if (hs->basis == RANK_BASIS_HOST) {
		*src = SPEED_FROM_BASIS;
		return 1.0;
	}
	if (isfinite(hs->setting)) {
		*src = SPEED_FROM_SETTING;
		return hs->setting;
	}
	if (isfinite(hs->lsf)) {
		*src = SPEED_FROM_LSF;
		return hs->lsf;
	}
	if (m && line >= 0) {
		*src = SPEED_FROM_MODEL;
		return m->speed[line].factor;
	}
	double u = features[FEAT_probe_unit_seconds];
	double ref = host_speed_reference(hs, m, features, NULL);
	if (ref > 0 && isfinite(u) && u > 0) {
		double f = u / ref;
		if (f >= MODEL_SPEED_MIN && f <= MODEL_SPEED_MAX) {
			*src = SPEED_FROM_PROBE;
			return f;
		}
	}
	*src = SPEED_FROM_NONE;
	return 1.0;
}

int host_speed_fill(struct host_speed *hs, const struct model *m, double *features)
{
	enum speed_source src;
	/* the model's line, looked up again only for another model (a glob's
	 * fnmatch is not for every record) */
	if (m == NULL) {
		hs->model_id[0] = '\0';
		hs->model_line = -1;
	} else if (strcmp(hs->model_id, m->id) != 0 || !hs->picked) {
		snprintf(hs->model_id, sizeof hs->model_id, "%s", m->id);
		hs->model_line = hs->basis == RANK_BASIS_CLUSTER ? model_speed_for(m, hs->host) : -1;
	}
	features[FEAT_host_speed_factor] = pick(hs, m, hs->model_line, features, &src);
	int changed = !hs->picked || src != hs->last;
	hs->picked = true;
	hs->last = src;
	return changed;
}

const char *host_speed_describe(const struct host_speed *hs, const struct model *m,
				const double *features, char *buf, size_t len)
{
	enum speed_source src;
	int line = m && hs->basis == RANK_BASIS_CLUSTER ? model_speed_for(m, hs->host) : -1;
	double f = pick(hs, m, line, features, &src);
	const char *basis = host_speed_basis_name(hs->basis);
	char why[256];
	switch (src) {
	case SPEED_FROM_BASIS:
		snprintf(buf, len, "rank basis host: rank = 100 x slowdown against this host idle"
			 " (speed factor 1)");
		break;
	case SPEED_FROM_SETTING:
		snprintf(buf, len, "rank basis %s: speed factor %g from the host-speed entry %s",
			 basis, f, hs->setting_entry);
		break;
	case SPEED_FROM_LSF:
		snprintf(buf, len, "rank basis %s: speed factor %.4g from %s", basis, f, hs->lsf_from);
		break;
	case SPEED_FROM_MODEL:
		snprintf(buf, len, "rank basis %s: speed factor %g from the model's line 'speed %s %g'",
			 basis, f, m->speed[line].host, m->speed[line].factor);
		break;
	case SPEED_FROM_PROBE: {
		const char *from;
		double ref = host_speed_reference(hs, m, features, &from);
		const char *who = m ? model_meta_get(m, "speed-reference-from") : NULL;
		if (strcmp(from, "setting") == 0)
			snprintf(why, sizeof why, "the setting speed-reference");
		else
			snprintf(why, sizeof why, "the model's speed-reference line (the setting is"
				 " not given)%s%.160s", who ? ": " : "", who ? who : "");
		snprintf(buf, len, "rank basis %s: speed factor %.4g from the probe:"
			 " probe_unit_seconds %.6g over speed-reference %.6g from %s", basis, f,
			 features[FEAT_probe_unit_seconds], ref, why);
		break;
	}
	case SPEED_FROM_NONE: {
		char probe[320];
		const char *from;
		host_speed_reference(hs, m, features, &from);
		if (strcmp(from, "model-other-work") == 0)
			snprintf(probe, sizeof probe, "probe: the setting speed-reference not given, and"
				 " the model's speed-reference line is for probe work version %u, this"
				 " probe's is %.0f", m->speed_reference_work,
				 features[FEAT_probe_work_version]);
		else if (strcmp(from, "none") != 0 && isfinite(features[FEAT_probe_unit_seconds])
			 && features[FEAT_probe_unit_seconds] > 0)
			snprintf(probe, sizeof probe, "probe: probe_unit_seconds %.6g over"
				 " speed-reference %.6g is %.4g, outside %g..%g: refused",
				 features[FEAT_probe_unit_seconds],
				 host_speed_reference(hs, m, features, NULL),
				 features[FEAT_probe_unit_seconds]
				     / host_speed_reference(hs, m, features, NULL),
				 MODEL_SPEED_MIN, MODEL_SPEED_MAX);
		else if (strcmp(from, "none") != 0)
			snprintf(probe, sizeof probe, "probe: probe_unit_seconds not known yet (the"
				 " probe's calibration gives it)");
		else
			snprintf(probe, sizeof probe, "probe: speed-reference not set (no setting, no"
				 " speed-reference line in the model)");
		snprintf(buf, len, "rank basis %s: no source gives %s's speed factor, using 1"
			 " (host-speed: no entry for it%s%s; LSF: %s; model: no speed line for it; %s)",
			 basis, hs->host, hs->lsf_model[0] ? " or model " : "", hs->lsf_model,
			 hs->lsf_from, probe);
		break;
	}
	}
	return buf;
}

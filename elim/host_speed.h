/*
 * host_speed: the rank basis, and this host's speed factor.
 *
 * In the host basis (rank-basis = host, the default) the rank is 100 x the
 * predicted slowdown of a new job against this host idle.  In the cluster
 * basis it is 100 x the predicted run time of a new job here over its run
 * time on the cluster's reference host idle:
 *     rank = 100 x slowdown x speed factor
 * and the speed factor (2: this host idle runs a job half as fast as the
 * reference idle) comes, first found, from
 *   1. setting: host-speed entries, a list all hosts may share
 *      ("hostA:1.6 node*:0.8 model:Opteron8=1.2"): an entry naming this
 *      host exactly, else the first glob naming it, else the entry for its
 *      LSF host model (from lsf.cluster.<name>);
 *   2. lsf: LSF's CPU factors (lib/lsfconf.h): the reference model's
 *      CPUFACTOR over this host's model's;
 *   3. model: the model file's "speed HOST FACTOR" line for this host;
 *   4. probe: probe_unit_seconds (this host's idle seconds per unit of the
 *      probe's fixed speed part) over the reference host's: the setting
 *      speed-reference, else the model's "speed-reference" line (rank-train
 *      computes it from the hosts' histories) when it is for this probe's
 *      probe_work_version;
 * and from none: 1 (said once at start, and again when a source appears).
 * The settings and LSF's files are read once, by host_speed_init; the
 * model's line is looked up when the model changes (it may be reloaded)
 * and the probe's value every record (the probe calibrates), without
 * allocating.
 *
 * The factor is applied after the slowdown (and its floor) in one place,
 * host_speed_rank: a floored slowdown of 1 reads factor x 100.  The factor
 * in use is the feature host_speed_factor (1 in the host basis), so the
 * history's rank over host_speed_factor is 100 x the predicted slowdown in
 * either basis.  Nothing here logs.
 */
#ifndef ELIM_RANK_HOST_SPEED_H
#define ELIM_RANK_HOST_SPEED_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model.h"

enum rank_basis { RANK_BASIS_HOST = 0, RANK_BASIS_CLUSTER };

/* Where the factor in use came from, in order of precedence. */
enum speed_source {
	SPEED_FROM_BASIS = 0,   /* the host basis: 1 */
	SPEED_FROM_SETTING,
	SPEED_FROM_LSF,
	SPEED_FROM_MODEL,
	SPEED_FROM_PROBE,
	SPEED_FROM_NONE,        /* the cluster basis with no source: 1 */
};

struct host_speed_config {
	const char *basis;              /* "host" or "cluster"; NULL: host */
	const char *const *settings;    /* host-speed values, each a blank-separated list */
	size_t n_settings;
	const char *reference_model;    /* speed-reference-model, or NULL: the fastest in use */
	double speed_reference;         /* seconds per probe unit on the reference; 0: unset */
	const char *envdir;             /* where lsf.conf is, or NULL: no LSF look-up */
	const char *host;               /* this host's name as LSF knows it */
};

struct host_speed {
	enum rank_basis basis;
	char host[256];
	double setting;                 /* from host-speed, or NAN */
	char setting_entry[128];        /* ... the entry that gave it */
	double lsf;                     /* from LSF's CPU factors, or NAN */
	char lsf_from[2 * PATH_MAX + 200];   /* ... how, or why there is none */
	bool lsf_bad_file;              /* ... none because a file does not parse */
	char lsf_model[64];             /* this host's LSF model, "" unknown */
	double speed_reference;         /* > 0 when the probe may give a factor */
	enum speed_source last;         /* the source of the last pick ... */
	bool picked;                    /* ... once there was one */
	char model_id[MODEL_ID_LEN + 1];  /* the model last looked up ... */
	int model_line;                 /* ... and its speed line for this host, or -1 */
};

/* The one place the factor is applied: rank (100 x the floored slowdown,
 * already within RANK_MIN .. RANK_MAX) x factor, within those limits
 * again.  A factor that is not a positive number counts as 1; RANK_MAX
 * (an unknown slowdown) stays RANK_MAX. */
double host_speed_rank(double rank, double factor);

/* "host" or "cluster". */
const char *host_speed_basis_name(enum rank_basis b);

/* "setting", "lsf", "model", "probe", "none" or "host-basis". */
const char *host_speed_source_name(enum speed_source s);

/* The options' checks: rank-basis is host or cluster; a host-speed value
 * is a list of HOST:FACTOR and model:MODEL=FACTOR entries.  0, or -1 with
 * the reason in why. */
int host_speed_check_basis(const char *value, char *why, size_t whylen);
int host_speed_check_setting(const char *value, char *why, size_t whylen);

/*
 * Set up from cfg: the basis, the host-speed entry for cfg->host, and in
 * the cluster basis LSF's factor (files under cfg->envdir).  A missing or
 * unparsable LSF file is no error here: that source gives nothing, and
 * lsf_from says why (lsf_bad_file when a file is malformed).  Returns 0,
 * or -EINVAL for a bad setting (the message in err).
 */
int host_speed_init(struct host_speed *hs, const struct host_speed_config *cfg, char *err,
		    size_t errlen);

/*
 * The factor for a record: from the sources above, m the model in use and
 * features the record's vector (probe_unit_seconds read from it).  Writes
 * it into features[FEAT_host_speed_factor] and returns 1 when its source
 * differs from the last call's (and at the first call), else 0.
 */
int host_speed_fill(struct host_speed *hs, const struct model *m, double *features);

/*
 * The reference seconds per probe unit the probe source divides by: the
 * setting speed-reference when given, else m's speed-reference line when
 * it has one whose work version (if it says one) is features'
 * probe_work_version; 0 when neither.  *from (when from is not NULL) says
 * which: "setting", "model", "none", or "model-other-work" (the model's
 * line is for another probe work version; 0 returned).
 */
double host_speed_reference(const struct host_speed *hs, const struct model *m,
			    const double *features, const char **from);

/*
 * One line of text for people: the basis, the factor and where it came
 * from ("rank basis cluster: speed factor 2 from host-speed entry
 * hostA:2"), and in the cluster basis with no source, what each source
 * lacked.  For the last host_speed_fill's features.
 */
const char *host_speed_describe(const struct host_speed *hs, const struct model *m,
				const double *features, char *buf, size_t len);

#endif

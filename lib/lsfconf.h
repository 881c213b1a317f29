/*
 * lsfconf: LSF's own CPU factors, read from the cluster's configuration.
 *
 * LSF and OpenLava give every host model a CPU factor (lsf.shared, section
 * HostModel, columns MODELNAME and CPUFACTOR) and every host a model
 * (lsf.cluster.<cluster>, section Host, columns HOSTNAME and MODEL); the
 * cluster names are in lsf.shared's Cluster section (column CLUSTERNAME).
 * A higher CPU factor is a faster host: LIM divides a host's run queue by
 * it (OpenLava lsf/lim/lim.load.c, normalizeRq) to compare hosts.  So the
 * speed factor of a host against a reference model is
 *     reference's CPU factor / this host's CPU factor
 * (a host half as fast as the reference gets 2: a new job runs twice as
 * long there).  Without a reference model named, the reference is the
 * fastest model that some host of the cluster file uses, so no host's
 * factor is below 1 (the fastest idle host reads 100).
 *
 * Where the files are: lsf.conf in the environment directory (LSF_ENVDIR)
 * may name LSF_CONFDIR, where lsf.shared and lsf.cluster.<name> are; without
 * it they are in the environment directory itself.
 *
 * The section files are read as LIM reads them: "Begin NAME" ... "End NAME"
 * (any case), '#' starts a comment, a '\' at the end of a line continues
 * it, the first line of a section names its columns (any case, any order)
 * and each further line is one row; "(a b)" and "\"a b\"" are one field.
 * Sections other than these three are only checked for Begin/End balance.
 * Problems are "PATH:LINE: problem" in the caller's buffer.  Nothing here
 * logs; the parsers own no memory beyond the caller's structs.
 */
#ifndef ELIM_RANK_LSFCONF_H
#define ELIM_RANK_LSFCONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define LSFCONF_NAME_MAX 64        /* a model or cluster name, with its NUL */
#define LSFCONF_MAX_MODELS 256
#define LSFCONF_MAX_CLUSTERS 16
#define LSFCONF_MAX_FILE (4 << 20) /* larger files are refused */

struct lsf_model {
	char name[LSFCONF_NAME_MAX];
	double cpuf;               /* > 0, finite */
	bool used;                 /* some host of the cluster file has it */
};

struct lsf_shared {
	size_t n_models;
	struct lsf_model models[LSFCONF_MAX_MODELS];
	size_t n_clusters;
	char clusters[LSFCONF_MAX_CLUSTERS][LSFCONF_NAME_MAX];
};

/* What the Host section of a cluster file says about one host. */
struct lsf_cluster_host {
	bool found;                       /* the host is listed */
	int line;                         /* on this line */
	char model[LSFCONF_NAME_MAX];     /* its MODEL ("!": LIM detects it) */
};

/*
 * Parse lsf.shared's text[0..len) (path names it in messages) into *out
 * (zeroed first).  A model listed twice keeps its first factor, as LIM
 * does.  Returns 0 or -EINVAL with "PATH:LINE: problem" in err.
 */
int lsf_shared_parse(const char *text, size_t len, const char *path, struct lsf_shared *out,
		     char *err, size_t errlen);

/*
 * Parse a cluster file's text[0..len): find host (matched as hostmatch.h
 * says) in its Host section into *out (zeroed first), and when shared is
 * not NULL mark the models its hosts use.  Returns 0 or -EINVAL with
 * "PATH:LINE: problem" in err.
 */
int lsf_cluster_parse(const char *text, size_t len, const char *path, const char *host,
		      struct lsf_cluster_host *out, struct lsf_shared *shared, char *err,
		      size_t errlen);

/*
 * The value of LSF_CONFDIR in lsf.conf's text[0..len) into out (quotes
 * removed).  Returns 1 when set, 0 when not (lines other than NAME=VALUE
 * are ignored, as they are by LSF), -ENAMETOOLONG when it does not fit.
 */
int lsf_conf_confdir(const char *text, size_t len, char *out, size_t outlen);

/* A speed factor found in the LSF configuration, and where it came from. */
struct lsf_speed {
	double factor;                    /* ref_cpuf / cpuf */
	double cpuf, ref_cpuf;
	char model[LSFCONF_NAME_MAX];     /* this host's */
	char reference[LSFCONF_NAME_MAX]; /* the reference model */
	bool reference_named;             /* given by the caller, not the fastest */
	char cluster_file[PATH_MAX];      /* where the host was found */
	char shared_file[PATH_MAX];
};

/*
 * The whole look-up: the files under envdir, host's model and the factors.
 * ref_model NULL or "": the fastest model in use.  Returns 0 with *out
 * filled; -ENOENT when the configuration gives no factor for this host
 * (no lsf.shared, the host not listed, its model detected by LIM ("!") or
 * without a factor, the reference unknown): the reason in err; -EINVAL for
 * a file that does not parse ("PATH:LINE: problem"); another negative
 * errno when a file cannot be read (the message names it).
 */
int lsf_speed_lookup(const char *envdir, const char *host, const char *ref_model,
		     struct lsf_speed *out, char *err, size_t errlen);

#endif

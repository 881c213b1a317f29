/*
 * acct_labels: rank-train's --acct step: the labels of a training run from
 * job accounting.
 *
 * Reads lsb.acct files, gives each usable job its slowdown, attaches the
 * jobs to the executing hosts' samples in the histories and makes the
 * dataset spec take its labels from them (acct.h has the rules).  The
 * caller owns set, which spec then points to: keep it alive while spec is
 * used and release it with acct_free whatever the result.  Nothing here
 * prints; acct_report prints the counts.
 */
#ifndef ELIM_RANK_ACCT_LABELS_H
#define ELIM_RANK_ACCT_LABELS_H

#include <stddef.h>

#include "acct.h"
#include "acct_refs.h"
#include "acct_speed.h"
#include "dataset.h"
#include "hostmap.h"

/* What to read and how (rank-train's --acct, --class, --host-map,
 * --speed-groups). */
struct acct_labels_opts {
	const char *const *paths;      /* the lsb.acct files (rotated ones too) */
	size_t npaths;
	enum acct_class key;           /* the job class */
	const struct hostmap *host_map;  /* accounting names to history names, or NULL */
	const struct hostmap *groups;    /* hosts to speed groups, or NULL */
	const struct acct_refs *refs;    /* the class references (--class-refs), or NULL:
					    those of the files read */
};

/*
 * Read o's files into set (zeroed by the caller), label its jobs and join
 * them to files.  With o->refs, each job's label is its run time over its
 * class's reference there (acct_refs_label; sp must be NULL, and o->key
 * the references' key).  Else with sp (zeroed; NULL: the labels of
 * acct_label, speed learned as load) the host speeds are learned and taken
 * out of the labels (acct_speed.h) and sp holds them: release it with
 * acct_speed_free whatever the result.  On success spec->label_fn and spec->label_ctx are
 * set (spec's label keeps naming the label in reports).  Returns 0 or a
 * negative errno with a message naming the file (and line, for a malformed
 * record) in err; spec is then unchanged.
 */
int acct_labels_attach(const struct acct_labels_opts *o, char *const *files, size_t nfiles,
		       struct dataset_spec *spec, struct acct_set *set, struct acct_speed *sp,
		       char *err, size_t errlen);

#endif

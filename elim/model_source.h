/*
 * model_source: which model files this host's elim reads, in order.
 *
 * Without a model directory: the one file (the model setting, else
 * PKGSYSCONFDIR/rank.model).  With model-dir DIR (one setting for a
 * cluster's shared elim.rank.conf), the host's group G comes from the
 * group-map file (lib/hostmap.h: "HOST GROUP" lines, names or globs; the
 * map rank-train --group-by used), and the candidates are, first existing
 * first:
 *   DIR/canary/HOST.model   a canary model for this host alone (HOST as
 *                           the elim names it, then its short name)
 *   DIR/G.model             its group's (no group: skipped)
 *   DIR/default.model       for hosts in no group
 * and the embedded default when none exists (model_watch.h).  The map is
 * read here, at start and on reload, not at each tick.  Nothing here logs.
 */
#ifndef ELIM_RANK_MODEL_SOURCE_H
#define ELIM_RANK_MODEL_SOURCE_H

#include <limits.h>
#include <stddef.h>

#define MODEL_SOURCE_MAX 4

struct model_source {
	char paths[MODEL_SOURCE_MAX][PATH_MAX];
	const char *list[MODEL_SOURCE_MAX];   /* into paths, for model_watch */
	size_t n;
	char group[64];           /* the host's group, "" none (or no model-dir) */
	char why[PATH_MAX + 256]; /* how the candidates were chosen, for the log */
};

/*
 * Fill s for host (non-NULL).  model_path: the model setting (NULL: none);
 * model_dir, group_map: the settings (NULL: none).  Returns 0, or a
 * negative errno with the problem in err: both model and model-dir set,
 * group-map without model-dir, a map that cannot be read or parsed
 * ("FILE:LINE: problem"), a path too long.
 */
int model_source_resolve(struct model_source *s, const char *model_path, const char *model_dir,
			 const char *group_map, const char *host, char *err, size_t errlen);

#endif

/*
 * model_watch: the model the elim scores with, and reloading it.
 *
 * Watches one path (the --model file or the default path).  When the file
 * appears or changes (inode, size or mtime), it is parsed into a spare model
 * and swapped in only if it parses; otherwise the previous model stays and
 * the error is returned once per change.  With no file the embedded default
 * model is used.  With a trust policy (lib/trust.h), a file the policy
 * refuses (as root: writable by others, or owned by an untrusted user) is
 * treated like one that does not parse: rejected, previous model kept.
 */
#ifndef ELIM_RANK_MODEL_WATCH_H
#define ELIM_RANK_MODEL_WATCH_H

#include <stdbool.h>
#include <sys/stat.h>

#include "model.h"
#include "trust.h"

struct model_watch {
	const char *path;          /* not owned */
	const struct feature_schema *schema;  /* not owned, may be NULL: static features only */
	struct model current;
	struct model spare;
	bool from_file;            /* current came from path (else embedded) */
	bool have_stat;
	struct stat st;            /* of the file last tried */
	const struct trust *trust; /* not owned; NULL: no ownership checks */
};

enum model_watch_result {
	MODEL_UNCHANGED = 0,
	MODEL_LOADED = 1,          /* a new model from the file is in use */
	MODEL_REJECTED = 2,        /* the file changed but did not load: err says why */
};

/*
 * Start with the embedded model, then try path, resolving feature names in
 * schema (NULL: static features only).  With trust (NULL: no checks), as
 * root refuse files trust refuses (lib/trust.h) as if they did not parse.
 * schema and trust are not copied: they must outlive w.  Returns as
 * model_watch_check.
 */
enum model_watch_result model_watch_init(struct model_watch *w, const char *path,
					 const struct feature_schema *schema,
					 const struct trust *trust, struct model_error *err);

/* Reload if the file changed (force: even if it looks the same). */
enum model_watch_result model_watch_check(struct model_watch *w, bool force,
					  struct model_error *err);

#endif

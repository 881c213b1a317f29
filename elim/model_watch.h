/*
 * model_watch: the model the elim scores with, and reloading it.
 *
 * Watches a list of candidate paths (model_source.h: the --model file or
 * the default path; or with model-dir a host's canary, group and default
 * models), of which the first that exists is the one in use.  When that
 * file appears, changes (inode, size or mtime) or another candidate becomes
 * the first existing one, it is parsed into a spare model and swapped in
 * only if it parses; otherwise the previous model stays and the error is
 * returned once per change.  While the model in use is the embedded one
 * (at start), a candidate that does not load falls through to the next
 * that does, so a bad canary or group model at start gives the group's or
 * the default model, not the embedded one.  When no candidate exists, the
 * model in use stays.  With a trust policy (lib/trust.h), a file the policy
 * refuses (as root: writable by others, or owned by an untrusted user) is
 * treated like one that does not parse: rejected, previous model kept.
 */
#ifndef ELIM_RANK_MODEL_WATCH_H
#define ELIM_RANK_MODEL_WATCH_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "model.h"
#include "trust.h"

#define MODEL_WATCH_MAX_PATHS 4

struct model_watch {
	const char *paths[MODEL_WATCH_MAX_PATHS];  /* not owned: the candidates, in order */
	size_t npaths;
	const char *path;          /* the file the current model came from (path_buf), or
				      NULL: the embedded one */
	char path_buf[PATH_MAX];
	const char *tried;         /* the candidate last tried (one of paths), or NULL */
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
	MODEL_REJECTED = 2,        /* the file changed but did not load: err says why
				      (about tried; path may name a fallback now in use) */
};

/*
 * Start with the embedded model, then try paths[0..npaths) (npaths at most
 * MODEL_WATCH_MAX_PATHS; the strings not copied: they must outlive w, or be
 * set again with model_watch_set_paths), resolving feature names in
 * schema (NULL: static features only).  With trust (NULL: no checks), as
 * root refuse files trust refuses (lib/trust.h) as if they did not parse.
 * schema and trust are not copied: they must outlive w.  Returns as
 * model_watch_check.
 */
enum model_watch_result model_watch_init(struct model_watch *w, const char *const *paths,
					 size_t npaths, const struct feature_schema *schema,
					 const struct trust *trust, struct model_error *err);

/* New candidates (as model_watch_init's; a reload's); check with force next. */
void model_watch_set_paths(struct model_watch *w, const char *const *paths, size_t npaths);

/* Reload if the file changed (force: even if it looks the same). */
enum model_watch_result model_watch_check(struct model_watch *w, bool force,
					  struct model_error *err);

#endif

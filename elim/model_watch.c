#include "config.h"

#include <string.h>

#include "model_watch.h"

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       /* a chmod or chown changes only these: a refused file may be fixed */
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

void model_watch_set_paths(struct model_watch *w, const char *const *paths, size_t npaths)
{
	if (npaths > MODEL_WATCH_MAX_PATHS)
		npaths = MODEL_WATCH_MAX_PATHS;
	for (size_t i = 0; i < npaths; i++)
		w->paths[i] = paths[i];
	w->npaths = npaths;
	w->path = npaths ? paths[0] : NULL;
	w->have_stat = false;
}

enum model_watch_result model_watch_init(struct model_watch *w, const char *const *paths,
					 size_t npaths, const struct feature_schema *schema,
					 const struct trust *trust, struct model_error *err)
{
	memset(w, 0, sizeof *w);
	model_watch_set_paths(w, paths, npaths);
	w->schema = schema;
	w->trust = trust;
	model_load_default(&w->current, err);
	return model_watch_check(w, true, err);
}

enum model_watch_result model_watch_check(struct model_watch *w, bool force,
					  struct model_error *err)
{
	struct stat st;
	size_t i = 0;
	while (i < w->npaths && stat(w->paths[i], &st) < 0)
		i++;
	if (i == w->npaths)
		return MODEL_UNCHANGED;   /* no file (yet): keep what we have */
	bool moved = w->paths[i] != w->path;   /* another candidate is now the first */
	if (moved) {
		w->path = w->paths[i];
		force = true;
	}
	if (!force && w->have_stat && same_file(&st, &w->st))
		return MODEL_UNCHANGED;
	w->st = st;
	w->have_stat = true;
	if (w->trust && trust_check_file(w->trust, w->path, "model", err->msg, sizeof err->msg) < 0) {
		err->line = 0;
		return MODEL_REJECTED;
	}
	if (model_load_file(w->path, w->schema, &w->spare, err) < 0)
		return MODEL_REJECTED;
	if (w->from_file && !moved && strcmp(w->spare.id, w->current.id) == 0)
		return MODEL_UNCHANGED;
	w->current = w->spare;
	w->from_file = true;
	return MODEL_LOADED;
}

#include "config.h"

#include <stdio.h>
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
	w->tried = NULL;
	w->have_stat = false;   /* the model in use and its file's name stay */
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

/* Load path into w->spare: 0, or -1 with err (trust refusal or parse error). */
static int load(struct model_watch *w, const char *path, struct model_error *err)
{
	if (w->trust && trust_check_file(w->trust, path, "model", err->msg, sizeof err->msg) < 0) {
		err->line = 0;
		return -1;
	}
	return model_load_file(path, w->schema, &w->spare, err) < 0 ? -1 : 0;
}

/* Use w->spare, loaded from path: LOADED, or UNCHANGED when it is the model in use. */
static enum model_watch_result use(struct model_watch *w, const char *path)
{
	bool same = w->from_file && strcmp(w->path_buf, path) == 0 &&
		    strcmp(w->spare.id, w->current.id) == 0;
	w->current = w->spare;
	w->from_file = true;
	snprintf(w->path_buf, sizeof w->path_buf, "%s", path);
	w->path = w->path_buf;
	return same ? MODEL_UNCHANGED : MODEL_LOADED;
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
	if (w->paths[i] != w->tried)  /* another candidate is now the first */
		force = true;
	if (!force && w->have_stat && same_file(&st, &w->st))
		return MODEL_UNCHANGED;
	w->tried = w->paths[i];
	w->st = st;
	w->have_stat = true;
	if (load(w, w->tried, err) == 0)
		return use(w, w->tried);
	/* the embedded model in use: the next candidate that loads instead */
	for (size_t j = i + 1; !w->from_file && j < w->npaths; j++) {
		struct model_error ignored;
		if (stat(w->paths[j], &st) == 0 && load(w, w->paths[j], &ignored) == 0)
			use(w, w->paths[j]);
	}
	return MODEL_REJECTED;
}

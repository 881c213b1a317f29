#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostmap.h"
#include "model_source.h"

/* Append the candidate a b c d (concatenated). */
static int add(struct model_source *s, char *err, size_t errlen, const char *a, const char *b,
	       const char *c, const char *d)
{
	int n = snprintf(s->paths[s->n], sizeof s->paths[s->n], "%s%s%s%s", a, b, c, d);
	if (n < 0 || (size_t)n >= sizeof s->paths[s->n]) {
		snprintf(err, errlen, "model-dir %s: path too long", a);
		return -ENAMETOOLONG;
	}
	s->list[s->n] = s->paths[s->n];
	s->n++;
	return 0;
}

int model_source_resolve(struct model_source *s, const char *model_path, const char *model_dir,
			 const char *group_map, const char *host, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	if (model_dir == NULL) {
		if (group_map) {
			snprintf(err, errlen, "group-map needs model-dir (where the groups' models are)");
			return -EINVAL;
		}
		int rc = add(s, err, errlen, model_path ? model_path : PKGSYSCONFDIR,
			     model_path ? "" : "/rank.model", "", "");
		snprintf(s->why, sizeof s->why, "model file %s", s->paths[0]);
		return rc;
	}
	if (model_path) {
		snprintf(err, errlen, "model and model-dir: set one (model-dir picks the file)");
		return -EINVAL;
	}
	if (group_map) {
		struct hostmap map = { 0 };
		char why[512];
		int rc = hostmap_load(group_map, &map, why, sizeof why);
		if (rc < 0) {
			snprintf(err, errlen, "group-map: %s", why);
			return rc;
		}
		const char *g = hostmap_lookup(&map, host);
		if (g)
			snprintf(s->group, sizeof s->group, "%s", g);
		hostmap_free(&map);
	}
	char shortname[256];
	snprintf(shortname, sizeof shortname, "%s", host);
	shortname[strcspn(shortname, ".")] = '\0';
	int rc = add(s, err, errlen, model_dir, "/canary/", host, ".model");
	if (rc == 0 && strcmp(shortname, host) != 0)
		rc = add(s, err, errlen, model_dir, "/canary/", shortname, ".model");
	if (rc == 0 && s->group[0])
		rc = add(s, err, errlen, model_dir, "/", s->group, ".model");
	if (rc == 0)
		rc = add(s, err, errlen, model_dir, "/default.model", "", "");
	if (rc < 0)
		return rc;
	if (!group_map)
		snprintf(s->why, sizeof s->why, "model-dir %s, no group-map: host %s in no group",
			 model_dir, host);
	else if (s->group[0])
		snprintf(s->why, sizeof s->why, "model-dir %s: host %s in group %s (group-map %s)",
			 model_dir, host, s->group, group_map);
	else
		snprintf(s->why, sizeof s->why, "model-dir %s: host %s in no group of group-map %s",
			 model_dir, host, group_map);
	return 0;
}

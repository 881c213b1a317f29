#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "factor.h"
#include "group_split.h"
#include "history_read.h"

#define GROUP_BUSY_MS 2000

bool group_name_ok(const char *name)
{
	return name[0] && name[0] != '.' && strcmp(name, GROUP_DEFAULT) != 0 &&
	       strchr(name, '/') == NULL;
}

/* The group (or NULL) of host; *first_host keeps the host that set *group. */
static int place(const struct hostmap *map, const char *file, const char *host,
		 const char **group, char *first_host, bool *seen, char *err, size_t errlen)
{
	const char *g = hostmap_lookup(map, host);
	if (!*seen) {
		*seen = true;
		*group = g;
		snprintf(first_host, 64, "%s", host);
		return 0;
	}
	if ((g == NULL) != (*group == NULL) || (g && strcmp(g, *group) != 0)) {
		snprintf(err, errlen, "%s: hosts in two groups (%s in %s, %s in %s): --group-by"
			 " trains each group from whole files, one group a file", file, first_host,
			 *group ? *group : "none", host, g ? g : "none");
		return -EINVAL;
	}
	return 0;
}

/* The group of a history's hosts into *group; *nhosts how many. */
static int history_group(const struct hostmap *map, const char *file, const char **group,
			 size_t *nhosts, char *err, size_t errlen)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	static struct history_columns cols;
	char first[64];
	bool seen = false;
	int rc = history_read_open(file, NULL, GROUP_BUSY_MS, &db, &cols, err, errlen);
	if (rc < 0)
		return rc;
	rc = sqlite3_prepare_v2(db, "SELECT DISTINCT host FROM samples", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		(*nhosts)++;
		if (place(map, file, h ? h : "", group, first, &seen, err, errlen) < 0) {
			sqlite3_finalize(st);
			sqlite3_close(db);
			return -EINVAL;
		}
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		rc = history_read_error(db, file, "listing hosts", rc, GROUP_BUSY_MS, err, errlen);
	else
		rc = 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

static int factor_group(const struct hostmap *map, const char *file, const char **group,
			size_t *nhosts, char *err, size_t errlen)
{
	struct factor *f = malloc(sizeof *f);
	char first[64];
	bool seen = false;
	if (f == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	int rc = factor_read(file, f, err, errlen);
	for (size_t i = 0; rc == 0 && i < f->nhosts; i++) {
		(*nhosts)++;
		rc = place(map, file, f->hosts[i], group, first, &seen, err, errlen);
	}
	free(f);
	return rc;
}

static struct group_files *find_or_add(struct group_set *s, const char *name, char *err,
				       size_t errlen, const char *file)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->g[i].name, name) == 0)
			return &s->g[i];
	if (!group_name_ok(name)) {
		snprintf(err, errlen, "%s: group '%s' cannot name a model file (GROUP.model: not"
			 " '%s', not starting with '.')", file, name, GROUP_DEFAULT);
		return NULL;
	}
	if (s->n == GROUP_SPLIT_MAX) {
		snprintf(err, errlen, "%s: more than %d groups", file, GROUP_SPLIT_MAX);
		return NULL;
	}
	struct group_files *g = &s->g[s->n++];
	snprintf(g->name, sizeof g->name, "%s", name);
	return g;
}

int group_split(const struct hostmap *map, bool factors, char *const *files, size_t n,
		struct group_set *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < n; i++) {
		const char *group = NULL;
		size_t nhosts = 0;
		int rc = factors ? factor_group(map, files[i], &group, &nhosts, err, errlen)
			: history_group(map, files[i], &group, &nhosts, err, errlen);
		if (rc < 0) {
			group_set_free(s);
			return rc;
		}
		if (group == NULL) {
			s->nrest++;
			s->rest_hosts += nhosts;
			continue;
		}
		struct group_files *g = find_or_add(s, group, err, errlen, files[i]);
		char **grown = g ? realloc(g->files, (g->nfiles + 1) * sizeof *grown) : NULL;
		if (grown == NULL) {
			if (g)
				snprintf(err, errlen, "out of memory");
			group_set_free(s);
			return g ? -ENOMEM : -EINVAL;
		}
		g->files = grown;
		g->files[g->nfiles++] = files[i];
		g->nhosts += nhosts;
	}
	return 0;
}

void group_set_free(struct group_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->g[i].files);
		s->g[i].files = NULL;
	}
	s->n = 0;
}

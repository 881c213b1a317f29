/*
 * hostmap: a host-map file, host names or globs to names, for rank-train's
 * --host-map (accounting names to history names), --speed-groups (hosts
 * to speed groups) and --group-by (hosts to model groups), and the elim's
 * group-map (the same file: its host's group, model_source.h).
 *
 * One entry a line, "PATTERN NAME", blank-separated; '#' starts a comment,
 * blank lines are skipped.  PATTERN is a host name or a glob
 * (lib/hostmatch.h: a short name matches the same name with a domain, and
 * the other way round); NAME is 1-63 letters, digits, '.', '-', '_'.  A
 * pattern appears once.  Lookup: an entry whose pattern is a name matching
 * the host wins, else the first glob in file order matching it.  Bad input
 * is an error "FILE:LINE: problem".  Nothing here prints.
 */
#ifndef ELIM_RANK_HOSTMAP_H
#define ELIM_RANK_HOSTMAP_H

#include <stddef.h>

#define HOSTMAP_MAX_LINE 1024
#define HOSTMAP_MAX_ENTRIES 10000

struct hostmap_entry {
	char pattern[64];
	char name[64];
};

struct hostmap {
	struct hostmap_entry *e;
	size_t n, cap;
};

/*
 * Parse text[0..len) (named path in messages) into m (zeroed by the
 * caller; appended to).  Returns 0, or -EINVAL / -ENOMEM with "PATH:LINE:
 * problem" in err.
 */
int hostmap_parse(const char *text, size_t len, const char *path, struct hostmap *m,
		  char *err, size_t errlen);

/* Read and parse the file at path.  Returns 0 or a negative errno with the
 * message (naming path) in err. */
int hostmap_load(const char *path, struct hostmap *m, char *err, size_t errlen);

/* The name host maps to, or NULL. */
const char *hostmap_lookup(const struct hostmap *m, const char *host);

void hostmap_free(struct hostmap *m);

#endif

/*
 * group_split: rank-train --group-by, the input files of each host group.
 *
 * A group map (hostmap.h: "HOST GROUP" lines, names or globs) names each
 * host's group.  Each input file (a history, or a factor file with
 * --merge) goes to the group of its hosts (a history's distinct host
 * column, a factor's host list); a file whose hosts are in different
 * groups is refused, as --group-by trains one group from whole files.  A
 * file whose hosts are in no group (or that has no rows) is in no group.
 * Group names must be usable as file names (GROUP.model): not starting
 * with '.', and not "default" (the model of hosts in no group).  File
 * names point into the caller's array, which must outlive the set.
 * Nothing here prints.
 */
#ifndef ELIM_RANK_GROUP_SPLIT_H
#define ELIM_RANK_GROUP_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "hostmap.h"

#define GROUP_SPLIT_MAX 256        /* groups with files */
#define GROUP_DEFAULT "default"    /* the model of hosts in no group */

struct group_files {
	char name[64];
	char **files;              /* borrowed pointers, in input order */
	size_t nfiles;
	size_t nhosts;             /* distinct host names seen in its files (counted per file) */
};

struct group_set {
	struct group_files g[GROUP_SPLIT_MAX];   /* in order of the first file of each */
	size_t n;
	size_t nrest;              /* files in no group */
	size_t rest_hosts;         /* their hosts */
};

/* Is name usable as a group (GROUP.model in a directory)? */
bool group_name_ok(const char *name);

/*
 * Split files[0..n) (histories, or factor files when factors) by map into
 * *s (zeroed here).  Returns 0, or a negative errno with "FILE: problem"
 * in err (a file that cannot be read, hosts in two groups, a group name
 * that cannot be a file name, more than GROUP_SPLIT_MAX groups).
 */
int group_split(const struct hostmap *map, bool factors, char *const *files, size_t n,
		struct group_set *s, char *err, size_t errlen);

void group_set_free(struct group_set *s);

#endif

/*
 * hostmatch: does a host name or pattern from a configuration file name
 * this host?
 *
 * LSF's files and elim-rank's settings name hosts as LIM knows them, which
 * may be the short name while gethostname() gives the fully qualified one,
 * or the other way round (LSF_STRIP_DOMAIN).  So a name matches when the
 * two are equal ignoring case, or when one of them has no domain and the
 * short names (up to the first dot) are equal: "hostA" matches
 * "hostA.example.com", but "hostA.x.com" does not match "hostA.y.com".
 * A pattern with a glob character (* ? [) is matched with fnmatch(3),
 * ignoring case, against the name and, when the pattern has no dot,
 * against the short name.  Pure functions; nothing allocates.
 */
#ifndef ELIM_RANK_HOSTMATCH_H
#define ELIM_RANK_HOSTMATCH_H

#include <stdbool.h>

/* Does pattern contain a glob character (* ? [)? */
bool hostmatch_is_glob(const char *pattern);

/* Does pattern (a name or a glob) name host?  Both non-NULL. */
bool hostmatch(const char *pattern, const char *host);

/* Is s a plausible host name or host glob: 1-63 characters of letters,
 * digits, '.', '-', '_' and the glob characters * ? [ ] !  */
bool hostmatch_valid(const char *s);

#endif

/*
 * stateless: the elim's state on diskless and stateless nodes.
 *
 * Where /var is in RAM (tmpfs), the history costs memory and the probe's
 * baseline is gone at each boot.  Two chores for that (elim.rank(8),
 * STATELESS NODES):
 *  - stateless_path expands a configured path, such as the probe baseline
 *    kept on a shared file system, one file per host: "%h" becomes the host
 *    name, "%%" a '%';
 *  - stateless_ram_check says whether the history's directory is in RAM
 *    (tmpfs or ramfs) with a size cap larger than STATELESS_RAM_SHARE of
 *    the memory, so --check-config and the start can warn.
 * Nothing here logs or allocates; errors are negative errnos.
 */
#ifndef ELIM_RANK_STATELESS_H
#define ELIM_RANK_STATELESS_H

#include <stddef.h>
#include <stdint.h>

#define STATELESS_RAM_SHARE 0.01   /* a history in RAM may take this share of it */

/*
 * Expand pattern into out (outlen bytes): "%h" becomes host, "%%" a '%'.
 * Returns 0, -EINVAL (another character after '%', or a '%' at the end)
 * or -ENAMETOOLONG.
 */
int stateless_path(const char *pattern, const char *host, char *out, size_t outlen);

/*
 * Is dir (or, while it does not exist yet, its nearest existing parent)
 * on a file system in RAM, and may a history capped at max_mb MiB take
 * more than STATELESS_RAM_SHARE of ram_bytes?  Returns 1 (then *fsname,
 * when given, names the file system, and *share, when given, the cap's
 * share of the memory), 0 when not, or a negative errno from statfs(2).
 * max_mb <= 0 (no cap) counts as more.
 */
int stateless_ram_check(const char *dir, double max_mb, uint64_t ram_bytes, const char **fsname,
			double *share);

#endif

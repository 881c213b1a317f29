#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>

#include "stateless.h"

#define TMPFS_MAGIC_ 0x01021994UL
#define RAMFS_MAGIC_ 0x858458f6UL

int stateless_path(const char *pattern, const char *host, char *out, size_t outlen)
{
	size_t o = 0;
	for (const char *s = pattern; *s; s++) {
		const char *add = s;
		size_t len = 1;
		if (*s == '%') {
			s++;
			if (*s == 'h') {
				add = host;
				len = strlen(host);
			} else if (*s == '%') {
				add = s;
			} else {
				return -EINVAL;
			}
		}
		if (o + len >= outlen)
			return -ENAMETOOLONG;
		memcpy(out + o, add, len);
		o += len;
	}
	if (outlen == 0)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

/* statfs of path, or of its nearest existing parent. */
static int statfs_existing(const char *path, struct statfs *sf)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p)
		return -ENAMETOOLONG;
	for (;;) {
		if (statfs(p, sf) == 0)
			return 0;
		if (errno != ENOENT || strcmp(p, "/") == 0 || strcmp(p, ".") == 0)
			return -errno;
		char *slash = strrchr(p, '/');
		if (slash == NULL)
			snprintf(p, sizeof p, ".");
		else if (slash == p)
			p[1] = '\0';
		else
			*slash = '\0';
	}
}

int stateless_ram_check(const char *dir, double max_mb, uint64_t ram_bytes, const char **fsname,
			double *share)
{
	struct statfs sf;
	int rc = statfs_existing(dir, &sf);
	if (rc < 0)
		return rc;
	unsigned long type = (unsigned long)sf.f_type;
	if (type != TMPFS_MAGIC_ && type != RAMFS_MAGIC_)
		return 0;
	double cap = max_mb * 1048576.0;
	double s = max_mb > 0 && ram_bytes > 0 ? cap / (double)ram_bytes : 1.0;
	if (fsname)
		*fsname = type == TMPFS_MAGIC_ ? "tmpfs" : "ramfs";
	if (share)
		*share = s;
	return s > STATELESS_RAM_SHARE;
}

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "errmsg.h"
#include "fsutil.h"

/* ------------------------------------------------------------ network file systems */

static const struct { unsigned long magic; const char *name; } network_fs[] = {
	{ 0x6969UL, "nfs" },
	{ 0x517BUL, "smb" },
	{ 0xFF534D42UL, "cifs" },
	{ 0xFE534D42UL, "smb2" },
	{ 0x65735546UL, "fuse" },
	{ 0x00C36400UL, "ceph" },
	{ 0x5346414FUL, "afs" },
	{ 0x6B414653UL, "kafs" },
	{ 0x01021997UL, "9p" },
	{ 0x47504653UL, "gpfs" },
	{ 0x0BD00BD0UL, "lustre" },
	{ 0x73757245UL, "coda" },
	{ 0x564CUL, "ncp" },
	{ 0x7461636FUL, "ocfs2" },
	{ 0x01161970UL, "gfs2" },
	{ 0x013111A8UL, "ibrix" },
	{ 0xAAD7AAEAUL, "panfs" },
	{ 0x19830326UL, "fhgfs/beegfs" },
};

const char *fs_network_name(unsigned long f_type)
{
	/* f_type is a signed long on some ABIs: a magic with the top bit set
	 * comes sign-extended */
	for (size_t i = 0; i < sizeof network_fs / sizeof network_fs[0]; i++)
		if ((f_type & 0xFFFFFFFFUL) == network_fs[i].magic)
			return network_fs[i].name;
	return NULL;
}

int fs_is_network(const char *path, const char **name)
{
	struct statfs sf;
	if (statfs(path, &sf) < 0)
		return -errno;
	const char *n = fs_network_name((unsigned long)sf.f_type);
	if (n && name)
		*name = n;
	return n != NULL;
}

/* ------------------------------------------------------------ atomic write */

int fs_atomic_open(struct fs_atomic *a, const char *path, mode_t mode)
{
	memset(a, 0, sizeof *a);
	if (snprintf(a->path, sizeof a->path, "%s", path) >= (int)sizeof a->path)
		return -ENAMETOOLONG;
	snprintf(a->tmp, sizeof a->tmp, "%s.tmpXXXXXX", path);
	int fd = mkstemp(a->tmp);
	if (fd < 0) {
		a->tmp[0] = '\0';
		return -errno;
	}
	if (fchmod(fd, mode) < 0 || (a->f = fdopen(fd, "w")) == NULL) {
		int e = errno;
		close(fd);
		fs_atomic_abort(a);
		return -e;
	}
	return 0;
}

int fs_atomic_sync(struct fs_atomic *a)
{
	if (a->f == NULL)
		return a->tmp[0] ? 0 : -EBADF;
	int rc = 0;
	errno = 0;
	if (fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0)
		rc = -(errno ? errno : EIO);
	errno = 0;
	if (fclose(a->f) != 0 && rc == 0)
		rc = -(errno ? errno : EIO);
	a->f = NULL;
	if (rc < 0)
		fs_atomic_abort(a);
	return rc;
}

int fs_atomic_commit(struct fs_atomic *a)
{
	int rc = fs_atomic_sync(a);
	if (rc < 0)
		return rc;
	if (rename(a->tmp, a->path) < 0) {
		rc = -errno;
		fs_atomic_abort(a);
		return rc;
	}
	a->tmp[0] = '\0';
	return 0;
}

void fs_atomic_abort(struct fs_atomic *a)
{
	if (a->f) {
		fclose(a->f);
		a->f = NULL;
	}
	if (a->tmp[0]) {
		unlink(a->tmp);
		a->tmp[0] = '\0';
	}
}

int fs_atomic_write(const char *path, const void *buf, size_t len, mode_t mode)
{
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, mode);
	if (rc < 0)
		return rc;
	errno = 0;
	if (len > 0 && fwrite(buf, 1, len, a.f) != len) {
		rc = -(errno ? errno : EIO);
		fs_atomic_abort(&a);
		return rc;
	}
	return fs_atomic_commit(&a);
}

int fs_atomic_write_nosync(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp - 1)
		return -ENAMETOOLONG;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (fchmod(fd, mode) < 0)
		rc = -errno;
	const char *p = buf;
	while (rc == 0 && len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* ------------------------------------------------------------ bounded read */

int fs_read_bounded(int fd, size_t limit, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	struct stat st;
	size_t cap;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uintmax_t)st.st_size > limit)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;   /* one more byte: to see it grew */
	} else {
		cap = limit < 4096 ? limit + 1 : 4096;
	}
	char *buf = malloc(cap + 1);        /* and the NUL */
	if (buf == NULL)
		return -ENOMEM;
	size_t n = 0;
	for (;;) {
		if (n == cap) {
			if (cap > limit) {          /* limit + 1 bytes read */
				free(buf);
				return -EFBIG;
			}
			size_t ncap = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
			char *nbuf = realloc(buf, ncap + 1);
			if (nbuf == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int fs_read_path(const char *path, size_t limit, const char *what, char **out, size_t *len,
                 char *err, size_t errlen)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return errmsg(err, errlen, -e, "%s: %s", path, strerror(e));
	}
	int rc = fs_read_bounded(fd, limit, out, len);
	close(fd);
	if (rc == -EFBIG)
		return errmsg(err, errlen, rc, "%s: larger than any %s", path, what);
	if (rc < 0)
		return errmsg(err, errlen, rc, "%s: %s", path, strerror(-rc));
	return 0;
}

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfile.h"

#define PROCFILE_MIN_CAP 4096
#define PROCFILE_MAX_CAP (16u << 20)

int path_join(char *out, size_t size, const char *root, const char *rel)
{
	int n;
	if (root == NULL || root[0] == '\0')
		n = snprintf(out, size, "%s", rel);
	else
		n = snprintf(out, size, "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int procfile_open(struct procfile *pf, const char *root, const char *rel)
{
	char path[PATH_MAX];
	int rc = path_join(path, sizeof path, root, rel);

	pf->fd = -1;
	pf->buf = NULL;
	pf->len = pf->cap = 0;
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	pf->buf = malloc(PROCFILE_MIN_CAP);
	if (pf->buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	pf->fd = fd;
	pf->cap = PROCFILE_MIN_CAP;
	pf->buf[0] = '\0';
	return 0;
}

long procfile_read(struct procfile *pf)
{
	if (pf->fd < 0)
		return -EBADF;
	size_t off = 0;
	for (;;) {
		if (off + 1 >= pf->cap) {
			if (pf->cap >= PROCFILE_MAX_CAP)
				return -EFBIG;
			char *nb = realloc(pf->buf, pf->cap * 2);
			if (nb == NULL)
				return -ENOMEM;
			pf->buf = nb;
			pf->cap *= 2;
		}
		ssize_t n = pread(pf->fd, pf->buf + off, pf->cap - 1 - off, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	pf->buf[off] = '\0';
	pf->len = off;
	return (long)off;
}

void procfile_close(struct procfile *pf)
{
	if (pf->fd >= 0)
		close(pf->fd);
	free(pf->buf);
	pf->fd = -1;
	pf->buf = NULL;
	pf->len = pf->cap = 0;
}

long read_small_file(const char *root, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX];
	int rc = path_join(path, sizeof path, root, rel);
	if (rc < 0)
		return rc;
	if (size == 0)
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t off = 0;
	while (off + 1 < size) {
		ssize_t n = read(fd, buf + off, size - 1 - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			buf[off] = '\0';
			return e;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	return (long)off;
}

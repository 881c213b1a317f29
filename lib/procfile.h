/*
 * procfile: read a small kernel file whole, again and again, cheaply.
 *
 * The file is opened once and kept open; each procfile_read() rewinds and
 * reads it into a buffer owned by the procfile, so the kernel's view is one
 * snapshot (after netdata's procfile and htop's Compat_readfile).  The buffer
 * only grows when a file outgrows it: a steady state allocates nothing.
 *
 * Files are opened O_NONBLOCK: a FIFO or a device standing where a /proc or
 * /sys file should be (a broken or hostile --procfs tree) reads as empty or
 * -EAGAIN instead of blocking the elim's tick; real /proc and /sys files
 * ignore the flag.
 */
#ifndef ELIM_RANK_PROCFILE_H
#define ELIM_RANK_PROCFILE_H

#include <stddef.h>

struct procfile {
	int fd;          /* -1 when closed */
	char *buf;       /* NUL-terminated contents after a read */
	size_t len;      /* bytes read, excluding the NUL */
	size_t cap;      /* allocated size of buf */
};

#define PROCFILE_INIT { -1, NULL, 0, 0 }

/*
 * Open root/rel (root may be NULL or "" for an absolute rel).
 * Returns 0 or a negative errno; on error pf is left closed.
 */
int procfile_open(struct procfile *pf, const char *root, const char *rel);

/* Re-read the whole file.  Returns the length or a negative errno. */
long procfile_read(struct procfile *pf);

/* Close and free; safe on a closed procfile. */
void procfile_close(struct procfile *pf);

/*
 * Read a whole small file once into buf (NUL-terminated, truncated to
 * size - 1).  Returns the length or a negative errno.  For files read
 * rarely, e.g. /sys attributes when a device appears.
 */
long read_small_file(const char *root, const char *rel, char *buf, size_t size);

/* Join root and rel into out.  Returns 0 or -ENAMETOOLONG. */
int path_join(char *out, size_t size, const char *root, const char *rel);

#endif

/*
 * fsutil: file-system chores both programs share.
 *
 * - Which file systems are network or cluster ones (one list, by statfs
 *   magic): SQLite's WAL needs shared memory between processes that such file
 *   systems do not give, so the elim's history and the trainer's inputs ask.
 * - Writing a file atomically: a temporary file in the same directory, written,
 *   fsync'd, closed, then renamed over the target, so a reader sees the old
 *   file or the whole new one, never a part.  The directory is not fsync'd
 *   (a crash right after the rename may leave the old file: it is whole).
 *   Two steps (fs_atomic_sync, then fs_atomic_commit) let a caller check the
 *   complete temporary file, e.g. parse it back, before it replaces anything.
 * - Reading a whole file up to a limit, into a buffer the size of the file.
 *
 * Nothing here logs or prints: errors are returned as negative errnos and the
 * caller words the message (it knows what the file is for).
 */
#ifndef ELIM_RANK_FSUTIL_H
#define ELIM_RANK_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* ------------------------------------------------------------ network file systems */

/*
 * The name of the network or cluster file system whose statfs f_type is
 * f_type (NFS, SMB/CIFS, FUSE, CephFS, AFS, 9p, GPFS, Lustre, OCFS2, GFS2,
 * BeeGFS, ...), or NULL when it is none of them (a local file system).
 */
const char *fs_network_name(unsigned long f_type);

/*
 * statfs(path): 1 when path is on a network file system (its name in *name,
 * when name is not NULL), 0 when local, or a negative errno.
 */
int fs_is_network(const char *path, const char **name);

/* ------------------------------------------------------------ atomic write */

struct fs_atomic {
	FILE *f;            /* write the new contents here (NULL after sync) */
	char path[4096];    /* the target */
	char tmp[4200];     /* the temporary file beside it; "" when none is left */
};

/*
 * Create a temporary file beside path (path.tmpXXXXXX, in the same directory,
 * so the rename cannot cross file systems) with permissions mode, open for
 * writing in a->f.  Returns 0, -ENAMETOOLONG, or the negative errno of the
 * creation (then nothing is left behind).
 */
int fs_atomic_open(struct fs_atomic *a, const char *path, mode_t mode);

/*
 * Flush, fsync and close the temporary file: a->tmp then holds the whole new
 * contents, and the caller may read it back before committing.  Returns 0 or
 * a negative errno (a write error seen by the stream counts: -EIO when it set
 * no errno); on failure the temporary file is removed.
 */
int fs_atomic_sync(struct fs_atomic *a);

/*
 * fs_atomic_sync (when not done yet), then rename the temporary file over
 * the target.  Returns 0 or a negative errno; on failure the temporary file
 * is removed and the target is as it was.
 */
int fs_atomic_commit(struct fs_atomic *a);

/* Give up: close and remove the temporary file.  Safe after a failure and
 * on a zeroed struct. */
void fs_atomic_abort(struct fs_atomic *a);

/* The whole sequence for contents already in memory: buf[0..len) becomes
 * path, with permissions mode.  Returns 0 or a negative errno. */
int fs_atomic_write(const char *path, const void *buf, size_t len, mode_t mode);

/*
 * The same for a file that is rewritten often and need not survive a crash
 * (a metrics file): the temporary file (path.tmpXXXXXX) is written with
 * write(2) and renamed without fsync, and nothing is allocated.  A reader
 * still sees the old file or the whole new one; after a crash the file may
 * be the old one or, on some file systems, empty.  Returns 0 or a negative
 * errno (then no temporary file is left).
 */
int fs_atomic_write_nosync(const char *path, const void *buf, size_t len, mode_t mode);

/* ------------------------------------------------------------ bounded read */

/*
 * Read the open file fd from its current offset to its end, at most limit
 * bytes (limit < SIZE_MAX / 2).  The buffer is the size of the file plus
 * a little when fstat gives one (a regular file), so small files take small
 * blocks; it grows, up to the limit, for a file that grew since or for a
 * pipe or device.  On success *out (malloc'd, the caller frees) holds *len
 * bytes and a terminating NUL.  Returns 0, -EFBIG when the file holds more
 * than limit bytes (a regular file larger than limit is refused before
 * anything is allocated), -ENOMEM, or the read's negative errno (EINTR is
 * retried); on failure *out is NULL.  fd stays open.
 */
int fs_read_bounded(int fd, size_t limit, char **out, size_t *len);

/*
 * Open path and read it whole with fs_read_bounded.  On failure the
 * message in err is "PATH: problem", the problem for a file over limit
 * being "larger than any WHAT" (what: "model file", ...), and *out is NULL.
 * Returns 0 or the negative errno of the open or the read.
 */
int fs_read_path(const char *path, size_t limit, const char *what, char **out, size_t *len,
                 char *err, size_t errlen);

#endif

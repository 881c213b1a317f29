/*
 * statedir: the state directory's file-system chores.
 *
 * Creating it, the one-instance lock (flock on a lock file), and moving a bad database
 * aside under a new name instead of deleting it.  Nothing here logs: errors
 * are returned as negative errnos.
 */
#ifndef ELIM_RANK_STATEDIR_H
#define ELIM_RANK_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define STATEDIR_LOCK_NAME "elim.rank.lock"

/* mkdir -p, mode 0750 for what it creates.  Returns 0 or a negative errno. */
int statedir_make(const char *dir);

/*
 * Try once to take the exclusive lock on lockpath (created if missing),
 * without waiting.  On success *fd holds it (close to release) and our pid is
 * written in it.  Returns 0, -EWOULDBLOCK when another process holds it, or
 * another negative errno.
 */
int statedir_lock_try(const char *lockpath, int *fd);

/* The pid written in lockpath by its holder, or 0 if unknown. */
long statedir_lock_holder(const char *lockpath);

/*
 * Rename path (and its -wal, -shm and -journal companions) to
 * path.bad-YYYYmmddTHHMMSS (suffix .N when taken), the new name in moved.
 * Returns 0 or a negative errno.
 */
int statedir_move_aside(const char *path, time_t now, char *moved, size_t movedlen);

/* The directory part of path into out ("." when none). */
void statedir_dirname(const char *path, char *out, size_t outlen);

#endif

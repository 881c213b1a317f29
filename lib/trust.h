/*
 * trust: may an elim running as root act on a file an administrator gave it?
 *
 * Root runs the elim beside LIM, so a model or configuration file is code
 * by another name: whoever can write it steers every host's rank.  When
 * the process runs as root (euid 0), a file is refused when
 *   - it is not a regular file, or it is group- or world-writable, or
 *   - its owner is not trusted: root, this process's own (real or
 *     effective) user, the LSF administrator (the owner of
 *     $LSF_ENVDIR/lsf.conf) or a user added with trust_add_users(), or
 *   - a directory above its real path (symlinks resolved) is owned by an
 *     untrusted user, or is group- or world-writable without the sticky
 *     bit (anyone able to write there could replace the file).
 * Not as root, nothing is refused: the user can only hurt themself.
 *
 * Errors are returned (0 or a negative errno) with a message naming the
 * file and the reason in the caller's buffer; nothing here logs.  A check
 * costs a realpath and a stat per directory (and a user lookup to word a
 * refusal): make it when a file changed, not every tick.
 */
#ifndef ELIM_RANK_TRUST_H
#define ELIM_RANK_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TRUST_MAX_USERS 32

struct trust {
	bool enforce;                 /* checks apply: the process runs as root */
	size_t n;
	uid_t uid[TRUST_MAX_USERS];   /* trusted owners */
	bool have_admin;
	uid_t admin;                  /* owner of lsf.conf, when found */
};

/*
 * Trust root, this process's real and effective users and the owner of
 * lsf_envdir/lsf.conf (lsf_envdir NULL or "": /etc, LSF's default).
 * enforce is set when the effective uid is 0 (tests may change it).
 */
void trust_init(struct trust *t, const char *lsf_envdir);

/*
 * Add users from a list of names or numeric uids separated by commas or
 * blanks.  Returns 0, or -EINVAL (unknown user) / -ENOSPC with a message
 * in err.
 */
int trust_add_users(struct trust *t, const char *list, char *err, size_t errlen);

/* Is uid a trusted owner? */
bool trust_uid(const struct trust *t, uid_t uid);

/*
 * May the file at path be read and acted on?  what names it in messages
 * ("model", "configuration"; NULL: "file").  Returns 0; -EPERM with the
 * reason in err when refused; or another negative errno when the file
 * cannot be examined (e.g. -ENOENT), also with a message.
 */
int trust_check_file(const struct trust *t, const char *path, const char *what,
		     char *err, size_t errlen);

#endif

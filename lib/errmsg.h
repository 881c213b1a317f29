/*
 * errmsg: the one way library code hands a message back with an error.
 *
 * Functions that fail return a negative code and describe the problem in a
 * buffer the caller owns; this writes that message and returns the code,
 * so a failure path is one statement:  return errmsg(err, errlen, -EIO, ...).
 */
#ifndef ELIM_RANK_ERRMSG_H
#define ELIM_RANK_ERRMSG_H

#include <stddef.h>

/* Format into err[0..errlen) (nothing when err is NULL or errlen 0); return code. */
int errmsg(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif

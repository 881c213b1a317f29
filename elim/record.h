/*
 * record: the lines LIM reads from the elim's stdout.
 *
 * A record is "1 rank 123.4\n": a count, then that many name/value pairs.
 * It is formatted without stdio's locale (a comma decimal would be read by
 * LIM's atof as an integer) and reaches the pipe in one write(2), which is
 * atomic for pipes up to PIPE_BUF bytes, so LIM never sees half a record.
 */
#ifndef ELIM_RANK_RECORD_H
#define ELIM_RANK_RECORD_H

#include <stddef.h>

#define RECORD_MAX 128

/*
 * Format a one-pair record into buf.  value must already be finite and
 * clamped; it is printed with one decimal.  Returns the length (< size) or
 * -ENOSPC.
 */
int record_format(char *buf, size_t size, const char *name, double value);

/*
 * Write buf[0..len) to fd in a single write.  If the previous record is
 * still unread in the pipe (FIONREAD > 0) nothing is written and -EAGAIN
 * returned, so at most one record ever waits for LIM.  Returns 0, -EAGAIN,
 * -EPIPE when the reader is gone, or another negative errno.  A short write
 * (impossible on a pipe for len <= PIPE_BUF) is reported as -EIO.
 */
int record_write(int fd, const char *buf, size_t len);

#endif

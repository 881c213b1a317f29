/*
 * speed_lines: the speed lines of the model rank-train writes.
 *
 * A model's "speed HOST FACTOR" lines (elim-rank.model(5)) are written by
 * hand or learned from job accounting (acct_speed.h).  When rank-train
 * replaces the model at its output, that model's speed lines are carried
 * into the new one, so that no factor is lost; a learned factor replaces
 * a carried line naming the same host (hostmatch.h: short and full names
 * match), and a carried glob stays (an exact line wins over a glob at
 * lookup, model_speed_for).  Learned lines come first, in the order given,
 * then the carried ones in their file's order.
 *
 * The old model's speed lines are read line by line, not by parsing the
 * whole model, so they are carried even from a model whose terms no
 * longer parse (which rank-train replaces).  So is its speed-reference
 * line, carried when the run computes no reference (speed_ref.h).
 * Nothing here prints.
 */
#ifndef ELIM_RANK_SPEED_LINES_H
#define ELIM_RANK_SPEED_LINES_H

#include <stddef.h>

#include "model.h"

/*
 * Read the speed lines of the model file at path into speed[] (*n of them,
 * at most MODEL_MAX_SPEED).  A missing file gives none.  Returns 0, or a
 * negative errno with "PATH: problem" in err for an unreadable file, or
 * -EINVAL with "PATH:LINE: problem" for the first malformed speed line or
 * a host given twice (the good lines, each host's first, are still in
 * speed[]: the caller may carry them).
 */
int speed_lines_read(const char *path, struct model_speed *speed, size_t *n,
		     char *err, size_t errlen);

/*
 * The speed-reference line of the model file at path, for a run that
 * computes none (speed_ref.h): *seconds and *work as elim-rank.model(5)
 * reads them (through model_parse, the one parser), and its
 * "meta speed-reference-from" value into from[0..fromlen) ("" without
 * one).  A missing file, or one without the line, gives *seconds 0.
 * Returns 0, or a negative errno with "PATH: problem" (unreadable) or
 * "PATH:LINE: problem" (a malformed line: *seconds 0) in err.
 */
int speed_lines_reference(const char *path, double *seconds, unsigned *work, char *from,
			  size_t fromlen, char *err, size_t errlen);

/*
 * Set m's speed lines: learned[0..nlearned) then each of carried[0..ncarried)
 * (at most MODEL_MAX_SPEED, as speed_lines_read gives) that no learned line
 * written names.  Nothing carried is lost for want of room: when they are
 * more than MODEL_MAX_SPEED, the last learned lines are left out, *nleft
 * of them.  *ndropped counts the carried lines a learned one replaced.
 */
void speed_lines_set(struct model *m, const struct model_speed *learned, size_t nlearned,
		     const struct model_speed *carried, size_t ncarried, size_t *ndropped,
		     size_t *nleft);

#endif

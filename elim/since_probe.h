/*
 * since_probe: how far the load moved since the probe result in use.
 *
 * The probe measures what a new job would meet, but only every few minutes;
 * between probes the rank should follow what changed since.  For
 * a few base features x, the feature x_since_probe is x now minus x in the
 * record the probe result in use arrived in, so a model can weigh the probe
 * and add only what moved after it, instead of counting the load twice
 * through both the probe and the load's levels.
 *
 * The record a result arrives in (probe_result known) pairs it with what
 * came before, as probe_slowdown does: its moves are taken against the
 * record the previous result arrived in, and it becomes the reference for
 * the records after it.  Until the first result the reference is an idle
 * host (every base feature 0), so a move is the level itself: a model on the
 * probe and the moves then falls back to the load's levels, before the first
 * result and with the probe off.  A move is unknown (NAN) where either value
 * is.  Owns no memory.
 */
#ifndef ELIM_RANK_SINCE_PROBE_H
#define ELIM_RANK_SINCE_PROBE_H

#include <stddef.h>

#define SINCE_PROBE_N 7

struct since_probe {
	double at[SINCE_PROBE_N];     /* the base features in the reference record */
};

/* Start with an idle host (all 0) as the reference. */
void since_probe_init(struct since_probe *s);

/*
 * The size of the load's move in values whose *_since_probe moves are
 * filled: the largest |move| over its threshold, so 1 is one feature moved
 * just at its threshold (0.25 busy groups per CPU, 0.25 groups wanting a
 * CPU per CPU, 0.5 runnable tasks per CPU, 0.25 CPU busy, 0.10 PSI cpu,
 * 0.05 PSI memory, 0.33 disk busy: about what changes a new job's speed by
 * a tenth on a full host).  NAN when no move is known.
 */
double since_probe_move(const double *values);

/*
 * Fill the *_since_probe features of values (move_since_probe too) (after the samplers and
 * probe_features have filled theirs), then take this record as the
 * reference when a probe result arrived in it.
 */
void since_probe_fill(struct since_probe *s, double *values);

/*
 * The levels form of a record: out[0..n) is values[0..n) with each move
 * replaced by its level and the probe's features unknown, so that a model
 * of the probe and the moves scores it as it would with the probe off.
 * values and out may be the same array.
 */
void since_probe_levels(const double *values, double *out, size_t n);

#endif

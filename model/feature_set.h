/*
 * feature_set: the names, units and meanings of everything elim-rank samples.
 *
 * Feature names are a public interface: model files and the history's
 * columns refer to them.  A feature's value is a double; NAN means unknown
 * (source missing, first sample of a counter, counter reset).
 * The table lives in feature_set.def so code, documentation and tests share it.
 */
#ifndef ELIM_RANK_FEATURE_SET_H
#define ELIM_RANK_FEATURE_SET_H

#include <stddef.h>

enum feature_id {
#define FEATURE(name, unit, desc) FEAT_##name,
#include "feature_set.def"
#undef FEATURE
	FEAT_COUNT
};

struct feature_info {
	const char *name;
	const char *unit;
	const char *desc;
};

/* Name, unit and description of a feature; id must be < FEAT_COUNT. */
const struct feature_info *feature_info(enum feature_id id);

/* The feature called name[0..len), or -1 if there is none. */
int feature_lookup(const char *name, size_t len);

/* Set every value of a feature vector of FEAT_COUNT to NAN (unknown). */
void features_clear(double *values);

#endif

#include "config.h"

#include <math.h>
#include <string.h>

#include "feature_set.h"

static const struct feature_info feature_table[FEAT_COUNT] = {
#define FEATURE(n, u, d) [FEAT_##n] = { #n, u, d },
#include "feature_set.def"
#undef FEATURE
};

const struct feature_info *feature_info(enum feature_id id)
{
	return &feature_table[id];
}

int feature_lookup(const char *name, size_t len)
{
	for (int i = 0; i < FEAT_COUNT; i++)
		if (strlen(feature_table[i].name) == len &&
		    memcmp(feature_table[i].name, name, len) == 0)
			return i;
	return -1;
}

void features_clear(double *values)
{
	for (int i = 0; i < FEAT_COUNT; i++)
		values[i] = NAN;
}

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stdbool.h>

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

static bool name_is(const char *have, const char *name, size_t len)
{
	return strlen(have) == len && memcmp(have, name, len) == 0;
}

int feature_lookup(const char *name, size_t len)
{
	return feature_lookup_bound(NULL, name, len);
}

int feature_lookup_bound(const struct feature_binding *b, const char *name, size_t len)
{
	for (int i = 0; i < FEAT_COUNT; i++)
		if (name_is(feature_table[i].name, name, len))
			return i;
	for (int i = 0; b && i < FEAT_PCAP_SLOTS; i++)
		if (b->name[i][0] && name_is(b->name[i], name, len))
			return FEAT_PCAP_FIRST + i;
	return -1;
}

const char *feature_name(const struct feature_binding *b, int id)
{
	if (id < 0 || id >= FEAT_VECTOR_LEN)
		return NULL;
	if (!feature_is_slot(id))
		return feature_table[id].name;
	if (b == NULL || b->name[id - FEAT_PCAP_FIRST][0] == '\0')
		return NULL;
	return b->name[id - FEAT_PCAP_FIRST];
}

int feature_bind_pcap(struct feature_binding *b, unsigned slot, const char *class_name,
		      char *err, size_t errlen)
{
	if (slot >= FEAT_PCAP_SLOTS) {
		snprintf(err, errlen, "traffic class '%s': at most %d classes", class_name,
			 FEAT_PCAP_SLOTS);
		return -EINVAL;
	}
	bool ok = class_name[0] >= 'a' && class_name[0] <= 'z';
	for (const char *p = class_name; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (!ok) {
		snprintf(err, errlen, "traffic class name '%s': use a lower-case letter, then"
			 " lower-case letters, digits or '_'", class_name);
		return -EINVAL;
	}
	char name[FEATURE_NAME_MAX];
	int n = snprintf(name, sizeof name, "pcap_%s_bps", class_name);
	if (n < 0 || (size_t)n >= sizeof name) {
		snprintf(err, errlen, "traffic class name '%s' is too long (at most %zu characters)",
			 class_name, sizeof name - sizeof "pcap__bps");
		return -ENAMETOOLONG;
	}
	int other = feature_lookup_bound(b, name, (size_t)n);
	if (other >= 0 && other != FEAT_PCAP_FIRST + (int)slot) {
		snprintf(err, errlen, "traffic class '%s': feature %s is already defined", class_name, name);
		return -EEXIST;
	}
	memcpy(b->name[slot], name, (size_t)n + 1);
	return 0;
}

void features_clear(double *values)
{
	for (int i = 0; i < FEAT_COUNT; i++)
		values[i] = NAN;
}

void features_clear_full(double *values)
{
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		values[i] = NAN;
}

const char *feature_unit(int id)
{
	if (id >= 0 && id < FEAT_COUNT)
		return feature_table[id].unit;
	return feature_is_slot(id) ? "bytes/s" : NULL;
}

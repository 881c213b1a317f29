#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <stdbool.h>

#include "feature_set.h"

static const struct feature_info feature_table[FEAT_COUNT] = {
#define FEATURE(n, u, src, d) [FEAT_##n] = { #n, u, src, d },
#include "feature_set.def"
#undef FEATURE
};

const struct feature_info *feature_info(enum feature_id id)
{
	return &feature_table[id];
}

void feature_schema_init(struct feature_schema *s)
{
	memset(s, 0, sizeof *s);
}

static bool name_is(const char *have, const char *name, size_t len)
{
	return strlen(have) == len && memcmp(have, name, len) == 0;
}

int feature_lookup(const struct feature_schema *s, const char *name, size_t len)
{
	for (int i = 0; i < FEAT_COUNT; i++)
		if (name_is(feature_table[i].name, name, len))
			return i;
	for (int i = 0; s && i < FEAT_PCAP_SLOTS; i++)
		if (s->slot[i][0] && name_is(s->slot[i], name, len))
			return FEAT_PCAP_FIRST + i;
	return -1;
}

const char *feature_name(const struct feature_schema *s, int id)
{
	if (id < 0 || id >= FEAT_VECTOR_LEN)
		return NULL;
	if (!feature_is_slot(id))
		return feature_table[id].name;
	if (s == NULL || s->slot[id - FEAT_PCAP_FIRST][0] == '\0')
		return NULL;
	return s->slot[id - FEAT_PCAP_FIRST];
}

/* A traffic class name: a lower-case letter, then [a-z0-9_]. */
static bool class_name_ok(const char *p, size_t len)
{
	bool ok = len > 0 && p[0] >= 'a' && p[0] <= 'z';
	for (size_t i = 1; ok && i < len; i++)
		ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_';
	return ok;
}

int feature_schema_bind_pcap(struct feature_schema *s, unsigned slot, const char *class_name,
			     char *err, size_t errlen)
{
	if (slot >= FEAT_PCAP_SLOTS) {
		snprintf(err, errlen, "traffic class '%s': at most %d classes", class_name,
			 FEAT_PCAP_SLOTS);
		return -EINVAL;
	}
	if (!class_name_ok(class_name, strlen(class_name))) {
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
	int other = feature_lookup(s, name, (size_t)n);
	if (other >= 0 && other != FEAT_PCAP_FIRST + (int)slot) {
		snprintf(err, errlen, "traffic class '%s': feature %s is already defined", class_name, name);
		return -EEXIST;
	}
	memcpy(s->slot[slot], name, (size_t)n + 1);
	return 0;
}

int feature_schema_bind_name(struct feature_schema *s, const char *name, size_t len,
			     char *err, size_t errlen)
{
	static const char pre[] = "pcap_", post[] = "_bps";
	size_t lp = sizeof pre - 1, lq = sizeof post - 1;
	if (len <= lp + lq || len >= FEATURE_NAME_MAX || memcmp(name, pre, lp) != 0 ||
	    memcmp(name + len - lq, post, lq) != 0 || !class_name_ok(name + lp, len - lp - lq))
		return 0;   /* not a runtime-named feature */
	if (feature_lookup(s, name, len) >= 0)
		return 0;
	for (unsigned i = 0; i < FEAT_PCAP_SLOTS; i++)
		if (s->slot[i][0] == '\0') {
			memcpy(s->slot[i], name, len);
			s->slot[i][len] = '\0';
			return 1;
		}
	snprintf(err, errlen, "%.*s: more than %d traffic-class features", (int)len, name,
		 FEAT_PCAP_SLOTS);
	return -ENOSPC;
}

void features_clear(double *values)
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

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

/*
 * Runtime-named features.  Some features are named at run time (traffic
 * classes: "pcap_<class>_bps" from the configuration).  They take fixed ids
 * in reserved slots after the FEAT_COUNT static features.  Every feature
 * vector has FEAT_VECTOR_LEN values, slots included, whatever is bound.
 * A slot is nameless until a struct feature_schema binds a name to it; an
 * unbound slot has no name anywhere: no history column, no model term, no
 * explain line, and its value stays unknown.
 */
#define FEAT_PCAP_SLOTS 8

enum feature_id {
#define FEATURE(name, unit, source, desc) FEAT_##name,
#include "feature_set.def"
#undef FEATURE
	FEAT_COUNT,                                   /* static features */
	FEAT_PCAP_FIRST = FEAT_COUNT,                 /* first reserved slot */
	FEAT_VECTOR_LEN = FEAT_COUNT + FEAT_PCAP_SLOTS
};

#define FEATURE_NAME_MAX 48

/*
 * The feature schema: the static features (the table) plus the names bound
 * to the reserved slots.  Built once at start (feature_schema_init, then
 * binding calls), owned by the caller and passed to every function that
 * turns names into ids or ids into names: no global state.  Wherever a
 * schema is taken, NULL means the static features only.
 */
struct feature_schema {
	char slot[FEAT_PCAP_SLOTS][FEATURE_NAME_MAX];   /* "" = unbound */
};

struct feature_info {
	const char *name;
	const char *unit;
	const char *source;   /* a sampler's name, "probe", "derived" or "basis" */
	const char *desc;
};

/* Start a schema with no slot bound (the static features only). */
void feature_schema_init(struct feature_schema *s);

/*
 * Bind the traffic class class_name to pcap slot (0 .. FEAT_PCAP_SLOTS-1)
 * as "pcap_<class_name>_bps".  class_name: a lower-case letter, then
 * lower-case letters, digits or '_' (it becomes an SQL column name).
 * Returns 0, or -EINVAL (bad name, slot out of range), -ENAMETOOLONG or
 * -EEXIST (the name is taken) with a message in err.
 */
int feature_schema_bind_pcap(struct feature_schema *s, unsigned slot, const char *class_name,
			     char *err, size_t errlen);

/*
 * Bind a runtime-named feature by its full name name[0..len) (a history
 * column or a model term: "pcap_<class>_bps") to the first free slot, for
 * readers of files the elim wrote.  Returns 1 when bound, 0 when the name
 * is already known (static or bound) or is not a runtime-named feature,
 * -ENOSPC when every slot is taken (message in err).
 */
int feature_schema_bind_name(struct feature_schema *s, const char *name, size_t len,
			     char *err, size_t errlen);

/* Name, unit, source and description of a static feature; id must be
 * < FEAT_COUNT (for any id, use feature_name() with the schema). */
const struct feature_info *feature_info(enum feature_id id);

/* The feature called name[0..len) in schema s (NULL: static only), or -1. */
int feature_lookup(const struct feature_schema *s, const char *name, size_t len);

/*
 * The public name of feature id in schema s (NULL: static only): the
 * static name, the bound name of a slot, or NULL for an unbound slot or an
 * id out of range.
 */
const char *feature_name(const struct feature_schema *s, int id);

/* The unit of feature id (static or slot: "bytes/s"), or NULL past the end. */
const char *feature_unit(int id);

/* Is id a reserved slot (FEAT_PCAP_FIRST <= id < FEAT_VECTOR_LEN)? */
static inline int feature_is_slot(int id)
{
	return id >= FEAT_PCAP_FIRST && id < FEAT_VECTOR_LEN;
}

/* Set every value of a feature vector (FEAT_VECTOR_LEN values) to NAN. */
void features_clear(double *values);

#endif

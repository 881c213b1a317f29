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
 * Reserved slots.  Some features are named at run time (traffic classes:
 * "pcap_<class>_bps" from the configuration).  They take fixed ids after
 * the FEAT_COUNT static features: a full vector has FEAT_VECTOR_LEN values.
 * A slot is nameless until a struct feature_binding (owned by the caller,
 * passed explicitly: no global state) binds a name to it; an unbound slot
 * has no name anywhere: no history column, no model term, no explain line.
 * Code that never sees a binding (NULL) only ever touches the first
 * FEAT_COUNT values, so vectors of FEAT_COUNT values stay valid there.
 */
#define FEAT_PCAP_SLOTS 8

enum feature_id {
#define FEATURE(name, unit, desc) FEAT_##name,
#include "feature_set.def"
#undef FEATURE
	FEAT_COUNT,                                   /* static features */
	FEAT_PCAP_FIRST = FEAT_COUNT,                 /* first reserved slot */
	FEAT_VECTOR_LEN = FEAT_COUNT + FEAT_PCAP_SLOTS
};

#define FEATURE_NAME_MAX 48

/* Names bound to the reserved slots; "" = unbound.  Zero it to start. */
struct feature_binding {
	char name[FEAT_PCAP_SLOTS][FEATURE_NAME_MAX];
};

struct feature_info {
	const char *name;
	const char *unit;
	const char *desc;
};

/* Name, unit and description of a static feature; id must be < FEAT_COUNT
 * (for any id, use feature_name() with the binding). */
const struct feature_info *feature_info(enum feature_id id);

/* The static feature called name[0..len), or -1 if there is none. */
int feature_lookup(const char *name, size_t len);

/*
 * The feature called name[0..len) among the static ones and the slots bound
 * in b (b may be NULL: static only), or -1.
 */
int feature_lookup_bound(const struct feature_binding *b, const char *name, size_t len);

/*
 * The public name of feature id under binding b (NULL: static only):
 * the static name, the bound name of a slot, or NULL for an unbound slot.
 */
const char *feature_name(const struct feature_binding *b, int id);

/* The unit of feature id (static or slot: "bytes/s"), or NULL past the end. */
const char *feature_unit(int id);

/* Is id a reserved slot (FEAT_PCAP_FIRST <= id < FEAT_VECTOR_LEN)? */
static inline int feature_is_slot(int id)
{
	return id >= FEAT_PCAP_FIRST && id < FEAT_VECTOR_LEN;
}

/*
 * Bind the traffic class class_name to pcap slot (0 .. FEAT_PCAP_SLOTS-1)
 * as "pcap_<class_name>_bps".  class_name: a lower-case letter, then
 * lower-case letters, digits or '_' (it becomes an SQL column name).
 * Returns 0, or -EINVAL (bad name, slot out of range), -ENAMETOOLONG or
 * -EEXIST (the name is taken) with a message in err.
 */
int feature_bind_pcap(struct feature_binding *b, unsigned slot, const char *class_name,
		      char *err, size_t errlen);

/* Set every value of a feature vector of FEAT_COUNT to NAN (unknown). */
void features_clear(double *values);

/* The same for a full vector of FEAT_VECTOR_LEN values (slots included). */
void features_clear_full(double *values);

#endif

/*
 * traffic: bytes per traffic class, counted by libpcap in its own thread.
 *
 * A traffic class is a name and a BPF filter ("storage" = "port 2049").
 * Each class gets its own capture handle on the configured interface, so
 * the kernel runs the filter and copies only matching packets, truncated
 * to a small snaplen.  Captures are buffered (TPACKET_V3 blocks handed
 * over every timeout_ms, about 200 ms): the capture thread wakes a few
 * times a second, not once per packet, and adds what it read to counters
 * behind a mutex.  traffic_snapshot only copies those counters: no I/O and
 * no allocation on the tick's path.  Bytes are the frames' lengths on the
 * wire (link-layer header included), both directions.  Drops are the
 * kernel's (pcap_stats ps_drop + ps_ifdrop), summed over the classes.
 *
 * A class whose filter does not compile is off (the others go on); an
 * interface that cannot be captured on (missing, not permitted) turns the
 * whole capture off.  Both come back with a message naming the filter or
 * the interface.  Nothing here logs.  The capture thread gives up every
 * capability first thing (see caps.h).
 *
 * Built without libpcap, traffic_start always fails with -ENOTSUP.
 */
#ifndef ELIM_RANK_TRAFFIC_H
#define ELIM_RANK_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feature_set.h"

#define TRAFFIC_MAX_CLASSES FEAT_PCAP_SLOTS
#define TRAFFIC_NAME_MAX 32
#define TRAFFIC_SNAPLEN 96          /* headers only; the filter sees whole packets */
#define TRAFFIC_TIMEOUT_MS 200      /* buffer hand-over period */
#define TRAFFIC_BUFFER_BYTES (1 << 20)

struct traffic_class_spec {
	char name[TRAFFIC_NAME_MAX];   /* the feature is pcap_<name>_bps */
	const char *filter;            /* BPF (pcap-filter(7)); not owned */
};

struct traffic_config {
	const char *interface;    /* capture live on this interface ... */
	const char *file;         /* ... or read this capture file (tests) */
	size_t n_classes;         /* class i is feature slot FEAT_PCAP_FIRST + i */
	struct traffic_class_spec classes[TRAFFIC_MAX_CLASSES];
	int timeout_ms;           /* 0: TRAFFIC_TIMEOUT_MS */
	bool immediate;           /* tests only: hand over every packet at once */
};

struct traffic_snapshot {
	bool active[TRAFFIC_MAX_CLASSES];   /* capturing (false: off or failed) */
	uint64_t bytes[TRAFFIC_MAX_CLASSES];
	uint64_t packets[TRAFFIC_MAX_CLASSES];
	uint64_t drops;           /* packets the kernel dropped, all classes */
	bool eof;                 /* file mode: every class read to the end */
	bool failed;              /* a capture failed after start (error says why) */
	char error[160];
};

struct traffic;

/*
 * Parse "NAME=FILTER" into out (out->filter points into spec, which must
 * outlive it).  Returns 0 or -EINVAL with a message in err.
 */
int traffic_class_parse(const char *spec, struct traffic_class_spec *out, char *err, size_t errlen);

/*
 * Bind every class of cfg to its feature slot in schema ("pcap_<name>_bps").
 * Returns 0 or a negative errno with a message in err.
 */
int traffic_bind(const struct traffic_config *cfg, struct feature_schema *schema,
		 char *err, size_t errlen);

/*
 * Build cfg from an interface and n "NAME=FILTER" specs (which must outlive
 * cfg) and bind the classes' features in schema.  n == 0 leaves cfg empty (no
 * capture).  Returns 0 or a negative errno with a message in err.
 */
int traffic_config_build(struct traffic_config *cfg, struct feature_schema *schema,
			 const char *interface, const char *const *specs, size_t n,
			 char *err, size_t errlen);

/*
 * Open a capture per class and start the thread.  Returns 0 when at least
 * one class captures (msg may then still explain why others are off;
 * msg[0] == '\0' when all are on), or a negative errno with msg saying why
 * (-EPERM not permitted, -ENODEV no such interface, -EINVAL no filter
 * compiled, -ENOTSUP no libpcap).  *out is owned by the caller on success.
 */
int traffic_start(const struct traffic_config *cfg, struct traffic **out,
		  char *msg, size_t msglen);

/* Copy the counters (cumulative since start). */
void traffic_snapshot(struct traffic *t, struct traffic_snapshot *out);

/* Stop the thread and close everything; NULL is fine. */
void traffic_stop(struct traffic *t);

#endif

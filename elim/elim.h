/*
 * elim: elim.rank as one object, from the command line to the last record.
 *
 * elim_setup is the one setup of every mode (running, --once and
 * --check-config): it loads the options, opens the log, builds the traffic
 * classes and binds their features, gives up capabilities, applies LIM's
 * rules, reads the trust policy, loads the model through the model watch
 * with those bound features and that trust, and prepares the probe.  So
 * --check-config accepts exactly what the running elim accepts: it reports
 * what it checked and ends there, where the running elim goes on.
 * elim_start starts the threads (history, samplers, sampling worker) and
 * takes the counters' first values; elim_tick makes one record on the tick
 * grid (sample, derive, score, emit, record); elim_reload applies a new
 * configuration and re-reads the model (SIGHUP); elim_stop ends it all.
 *
 * Messages go through lib/log.h: this is the program, not a library.  To
 * stderr too when a person is there to read them: always for --once and
 * --check-config, and when stderr is a terminal and LIM did not start us;
 * --foreground (and --explain) put them on stderr instead of syslog.
 * Problems with the command line or the configuration file at start reach
 * stderr in every mode.
 *
 * The caller owns the process (file descriptors, signals) and the sleep
 * until next_ns; it allocates the struct (large: not on the stack).  One
 * elim per process: the log and the capabilities are process-wide.
 */
#ifndef ELIM_RANK_ELIM_H
#define ELIM_RANK_ELIM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "feature_set.h"
#include "host_speed.h"
#include "log.h"
#include "model_source.h"
#include "model_watch.h"
#include "options.h"
#include "probe.h"
#include "probe_hold.h"
#include "probe_trigger.h"
#include "recorder.h"
#include "sampling.h"
#include "scope.h"
#include "since_probe.h"
#include "textfile.h"
#include "tick_worker.h"
#include "traffic.h"
#include "trust.h"

/* What a step leaves the caller to do. */
enum elim_step {
	ELIM_GO_ON,     /* carry on: start, or sleep until next_ns and tick */
	ELIM_EXIT,      /* exit with status (after elim_stop) */
};

/* The sampling thread's work: sample, and say once when a sampler starts
 * or stops failing.  Its complaints belong to that thread. */
struct elim_sampling_job {
	struct sampling *sp;
	struct complaint fail[SAMPLING_MAX];
};

struct elim {
	struct elim_options opt;      /* the running configuration */
	int status;                   /* the exit status once a step said ELIM_EXIT */
	uint64_t next_ns;             /* monotonic time of the next record */

	/* set up by elim_setup */
	enum log_to log_to;
	int facility;
	const char *lim_resources;    /* LSF_RESOURCES, NULL when not set */
	bool report;                  /* write records (LIM asked for rank) */
	uint64_t keep_caps;           /* what the main thread keeps for the probe */
	bool net_raw_kept;            /* ... and CAP_NET_RAW until the captures open */
	struct feature_schema schema; /* the features, with the traffic classes bound */
	struct traffic_config traffic;
	struct trust trust;
	struct model_source msrc;     /* the candidates mw watches */
	struct model_watch mw;
	bool probe_ready;
	struct probe probe;
	char host[256];
	struct host_speed speed;      /* the rank basis and the speed factor */

	/* started by elim_start */
	bool use_history;
	struct recorder rec;
	struct scope scope;           /* what the host is, decided at setup (scope.h) */
	struct sampler_env env;       /* the samplers keep pointers into it ... */
	struct options_list net_include, net_exclude;   /* ... and into these copies */
	bool sampling_on;
	struct sampling sp;
	bool worker_on;
	struct tick_worker tw;
	struct elim_sampling_job job;

	/* the tick */
	struct since_probe since;
	struct probe_trigger trigger;
	struct probe_hold hold;        /* --probe-hold-file: held time, probes skipped */
	double levels_at_result[FEAT_VECTOR_LEN]; /* the levels form of the record the result */
	bool have_levels_at_result;               /* ... in use arrived in, once there is one */
	double features[FEAT_VECTOR_LEN];
	double last_rank;
	struct complaint late, behind;
	uint64_t interval_ns, first_ns;
	long ticks;                   /* records written (ticks when not reporting) */

	/* what others read: the Prometheus textfile, the explanation asked for */
	bool textfile_on;
	struct textfile tf;
	struct complaint tf_fail, answer_fail;
	bool explain_asked;           /* the caller sets it on EXPLAIN_ASK_SIGNAL */
};

/*
 * The setup of every mode, from argv (which must outlive e).  e is
 * zeroed first.  ELIM_GO_ON: ready for elim_start.  ELIM_EXIT with status:
 * a problem (said on stderr or in the log), --help, --version, or
 * --check-config's report (settings and model on stdout; status 0 when
 * the running elim would start as configured).  Call elim_stop either way.
 */
enum elim_step elim_setup(struct elim *e, int argc, char **argv);

/* Start the history, the samplers and the sampling thread, and take the
 * first values; the first record is due at next_ns.  ELIM_EXIT (status 1)
 * when the sampling thread cannot start. */
enum elim_step elim_start(struct elim *e);

/*
 * One record, when next_ns has come (earlier, woken by a signal, it does
 * nothing): sample within the budget, derive the probe's features and the
 * moves since the probe, score, emit (a record for LIM, or the --explain
 * account), record the sample in the history, run the probe, and set
 * next_ns to the next point of the grid.  After the record and the history
 * row it writes the textfile (--textfile-dir) and, when explain_asked,
 * the explanation into the state directory (explain_ask.h).  ELIM_EXIT when --count records
 * were made (status 0), LIM closed the pipe (0), a write failed (1) or a
 * source has been stuck too long (1: better no rank than a stale one).
 */
enum elim_step elim_tick(struct elim *e);

/*
 * SIGHUP: load the configuration again (a bad one keeps the running one),
 * apply what may change while running (options_reload), say what changed,
 * and re-read the model.  argv as given to elim_setup.
 */
void elim_reload(struct elim *e, int argc, char **argv);

/* Stop what runs, release what elim_setup and elim_start took, close the
 * log.  Safe after any step. */
void elim_stop(struct elim *e);

#endif

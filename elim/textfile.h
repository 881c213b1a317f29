/*
 * textfile: the elim's state for Prometheus, as a file for node_exporter's
 * textfile collector (--textfile-dir DIR).
 *
 * Each tick, after LIM's record and the history row, DIR/elim_rank.prom is
 * replaced atomically (written to elim_rank.prom.tmpXXXXXX, a name the
 * collector ignores, then renamed) in the Prometheus text exposition format
 * (version 0.0.4): HELP and TYPE lines, label values escaped, no
 * timestamps (node_exporter refuses them), mode 0644 so that the collector's
 * user can read it.  The file stays when the elim exits: its
 * elim_rank_last_update_timestamp_seconds tells how old it is.
 *
 * Unknown values are left out (a feature that is unknown this tick has no
 * sample), never written as NaN.  The text is built in a buffer owned by
 * the struct that grows only when a tick's text outgrows it, so the steady
 * state allocates nothing.  Nothing here logs.
 */
#ifndef ELIM_RANK_TEXTFILE_H
#define ELIM_RANK_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "feature_set.h"
#include "model.h"

#define TEXTFILE_NAME "elim_rank.prom"

struct textfile {
	char path[4096];        /* DIR/elim_rank.prom */
	char *buf;              /* the text of the last tick (NUL-terminated) */
	size_t cap, len;
	/* the model's term expressions, kept while the model stays */
	char model_id[MODEL_ID_LEN + 1];
	size_t n_terms;
	const struct feature_schema *schema;
	char expr[MODEL_MAX_TERMS][MODEL_EXPR_MAX];
};

/* One tick's values.  NAN (or a NULL string) means unknown: left out. */
struct textfile_values {
	double rank;                 /* the value of the last record for LIM */
	double slowdown;             /* the model's predicted slowdown */
	const double *features;      /* FEAT_VECTOR_LEN values */
	const struct feature_schema *schema;  /* names them (NULL: static only) */
	const struct model *model;   /* its terms' contributions; id */
	const char *model_source;    /* the model file, or "embedded" */
	double probe_seconds;        /* the last probe's wall time */
	double probe_baseline_seconds;
	double probe_age_seconds;    /* since the result in use arrived */
	unsigned long probe_runs;    /* probes started, since the elim started */
	unsigned long probe_failures;
	double history_lag_seconds;  /* how long the oldest unwritten row has waited;
				      * NAN: no history */
	double now;                  /* wall-clock seconds of the tick */
	const char *version;         /* the elim's version */
};

/* Set up for DIR (which must exist; nothing is written yet).  Returns 0 or
 * -ENAMETOOLONG. */
int textfile_init(struct textfile *t, const char *dir);

/* Build the text of v in t->buf (t->len bytes).  Returns 0 or -ENOMEM
 * (the buffer could not grow: t->len is 0, nothing to write). */
int textfile_format(struct textfile *t, const struct textfile_values *v);

/* textfile_format, then replace the file.  Returns 0 or a negative errno
 * (the old file stays as it was). */
int textfile_write(struct textfile *t, const struct textfile_values *v);

/* Release the buffer (the file stays). */
void textfile_free(struct textfile *t);

#define TEXTFILE_DIGITS 12   /* significant digits of the values written */

/*
 * Format a finite v as Prometheus reads it, with TEXTFILE_DIGITS
 * significant digits and without printf's cost on the common path (fixed
 * notation from 1e-4 to 1e15, trailing zeros dropped; else %e).  out has
 * cap >= 32 bytes.  Returns the length, or -EINVAL (not finite, cap too
 * small).
 */
int textfile_number(char *out, size_t cap, double v);

/* Append s to out[*off..cap) as a Prometheus label value (backslash,
 * double quote and newline escaped).  Returns false when it did not fit. */
bool textfile_escape_label(char *out, size_t cap, size_t *off, const char *s);

#endif

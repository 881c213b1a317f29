/*
 * options: elim.rank's command line and configuration file, one table.
 *
 * Every option is one row of options_table (options.c): its long name, the
 * kind of value, where it lands in struct elim_options, its default and its
 * help line.  The same row makes it a command-line flag (--name VALUE), a
 * setting of the configuration file (name = VALUE, see elim.rank.conf(5)),
 * a line of --help and a line of --check-config.  To add an option, add a
 * field below and a row to the table: nothing else.
 *
 * Precedence: defaults, then the file, then the command line (a flag given
 * on the command line replaces every line of the file for that setting,
 * including repeatable ones).
 *
 * String values point into storage owned by the struct (argv or the file's
 * text): keep the struct alive while they are used; options_free releases it.
 * Nothing here logs.
 */
#ifndef ELIM_RANK_OPTIONS_H
#define ELIM_RANK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "probe.h"
#include "probe_hold.h"
#include "probe_trigger.h"

#define OPTIONS_LIST_MAX 32

/* A repeatable option's values, in order, NULL-terminated. */
struct options_list {
	const char *v[OPTIONS_LIST_MAX + 1];
	size_t n;
};

/* Append value; returns 0 or -ENOSPC when the list is full. */
int options_list_add(struct options_list *l, const char *value);

struct elim_options {
	double interval;          /* seconds between records */
	long count;               /* stop after this many records; 0 = never */
	bool once;                /* short window, one record, exit */
	bool explain;             /* print the scoring, not a LIM record */
	const char *model_path;   /* NULL: default path if it exists, else embedded */
	const char *history_path; /* NULL: <state_dir>/history.db */
	bool no_history;
	const char *state_dir;
	const char *procfs;
	const char *sysfs;
	const char *scope;        /* auto, host or cgroup:/PATH (scope.h) */
	bool foreground;          /* log to stderr instead of syslog */
	bool verbose;
	const char *facility;     /* syslog facility name */
	const char *trusted_users; /* more owners trusted for model files, or NULL */
	double history_days;      /* keep this many days of samples */
	double history_max_mb;    /* and at most this many MiB of them */
	double history_retry;     /* seconds between attempts to reopen the history */
	double history_commit;    /* longest a sample waits for its batch's commit */
	double lock_wait;         /* seconds to wait for another instance's lock */
	const char *config_path;  /* --config */
	bool check_config;        /* --check-config */
	bool help, version;
	struct probe_config probe; /* --probe-*; enabled, nice and state_dir derived */
	bool no_probe;
	long probe_nice;
	struct probe_trigger_config probe_trigger; /* --probe-move-*; the rest derived */
	long probe_move_max;
	struct probe_hold_config probe_hold; /* --probe-hold-file, --probe-hold-max-age */
	const char *pcap_interface;          /* traffic classes capture here */
	struct options_list pcap_class;      /* "NAME=FILTER" */
	struct options_list net_include;     /* interface globs */
	struct options_list net_exclude;
	const char *rank_basis;              /* "host" or "cluster" (host_speed.h) */
	struct options_list host_speed;      /* "HOST:FACTOR model:MODEL=FACTOR ..." */
	const char *speed_reference_model;   /* LSF host model of the reference, or NULL */
	double speed_reference;              /* probe seconds per unit on the reference; 0 unset */
	const char *lsf_envdir;              /* NULL: $LSF_ENVDIR */
	const char *lsf_host_name;           /* NULL: the system host name */
	bool json;                           /* --explain --json */
	const char *textfile_dir;            /* node_exporter's textfile directory, or NULL */
	const char *model_dir;               /* models per host group (model_source.h), or NULL */
	const char *group_map;               /* with model_dir: hosts to groups, or NULL */

	/* private (keep last): where the strings live, and which file was read ("" none) */
	void *store_;
	char config_used[4096];
};

/* Kinds of values. */
enum options_kind {
	OPTK_FLAG,      /* bool; in the file: yes/no, true/false, on/off, 1/0 */
	OPTK_STRING,    /* const char * */
	OPTK_DOUBLE,    /* double within [min, max] */
	OPTK_LONG,      /* long within [min, max] */
	OPTK_LIST,      /* struct options_list: repeatable */
};

/* Row flags. */
#define OPTF_CLI_ONLY  1u   /* a command-line flag only, not a setting */
#define OPTF_LIVE      2u   /* a change on SIGHUP takes effect at once */

struct options_row {
	const char *name;         /* long option and setting name */
	enum options_kind kind;
	size_t offset;            /* of the field in struct elim_options */
	const char *def;          /* default as text; NULL = none (0/false/NULL) */
	double min, max;          /* for OPTK_DOUBLE and OPTK_LONG */
	unsigned flags;
	const char *arg;          /* argument name in --help, NULL for flags */
	const char *help;         /* one line; "%s" is not expanded */
	/* optional extra check of a value: 0, or -1 with a reason in why */
	int (*check)(const char *value, char *why, size_t whylen);
};

extern const struct options_row options_table[];
extern const size_t options_table_len;

/* Return codes of options_load besides 0. */
#define OPTIONS_EUSAGE   (-1)   /* bad command line: exit 2 */
#define OPTIONS_ECONFIG  (-2)   /* bad configuration file: exit 1 or ELIM_ABORT_VALUE */

/*
 * Parse argv alone (no configuration file).  Returns 0 or OPTIONS_EUSAGE
 * with a message in err.  o must be released with options_free.
 */
int options_parse(int argc, char **argv, struct elim_options *o, char *err, size_t errlen);

/*
 * The full load: defaults, the configuration file (found as described in
 * elim.rank.conf(5): --config, $ELIM_RANK_CONF, $LSF_ENVDIR/elim.rank.conf,
 * then PKGSYSCONFDIR/elim.rank.conf), then argv.  A problem in the file is
 * reported as "FILE:LINE: problem" in err.  argv must outlive o.
 * Returns 0, OPTIONS_EUSAGE or OPTIONS_ECONFIG.  o must be released with
 * options_free, also on error.
 */
int options_load(int argc, char **argv, struct elim_options *o, char *err, size_t errlen);

/*
 * options_load with another table (for tests).  A row's offset may point
 * past struct elim_options into a larger struct that begins with one; the
 * caller zeroes that extra part.
 */
int options_load_rows(const struct options_row *rows, size_t nrows, int argc, char **argv,
		      struct elim_options *o, char *err, size_t errlen);

/* Release what options_parse/options_load allocated; the struct is zeroed. */
void options_free(struct elim_options *o);

/* Format a row's value in o as text ("" for unset).  Returns out. */
const char *options_value(const struct elim_options *o, const struct options_row *row,
			  char *out, size_t outlen);

/* Print every setting as "name = value" lines, as --check-config does. */
void options_print(FILE *f, const struct elim_options *o);

/*
 * Names of the settings whose values differ between a and b, written as a
 * space-separated list into out; live (OPTF_LIVE) and restart-only ones
 * separately.  Either list may end up empty.
 */
void options_diff(const struct elim_options *a, const struct elim_options *b,
		  char *live, size_t livelen, char *restart, size_t restartlen);

/*
 * A reload (SIGHUP): make fresh, a successful options_load, the running
 * options.  Every setting without OPTF_LIVE, and every command-line-only
 * one, keeps its running value (it takes effect at a restart); derived
 * settings are derived again.  The names of the settings whose values
 * differ between running and fresh are written to live and restart as
 * options_diff does, before the restart-only ones are put back.
 *
 * Strings of the kept values stay where they are: the storage of the
 * first load passes from running to the result, so what was given to
 * long-lived modules at start (roots, filters, the probe's command) stays
 * valid across any number of reloads; running's other storage is released.
 * fresh is consumed (zeroed) on success.  Returns 0, or -ENOMEM (nothing
 * changed, fresh still to be freed).
 */
int options_reload(struct elim_options *running, struct elim_options *fresh,
		   char *live, size_t livelen, char *restart, size_t restartlen);

/* Print the --help text. */
void options_usage(FILE *f);

#endif

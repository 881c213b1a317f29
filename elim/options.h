/*
 * options: elim.rank's command line.
 */
#ifndef ELIM_RANK_OPTIONS_H
#define ELIM_RANK_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

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
	bool foreground;          /* log to stderr instead of syslog */
	bool verbose;
	const char *facility;     /* syslog facility name */
	bool help, version;
	const char *pcap_interface;          /* traffic classes capture here */
	struct options_list pcap_class;      /* "NAME=FILTER" */
	struct options_list net_include;     /* interface globs */
	struct options_list net_exclude;
};

/* Fill defaults, then parse argv.  Returns 0, or -1 with a message in err. */
int options_parse(int argc, char **argv, struct elim_options *o, char *err, size_t errlen);

/* Print the --help text. */
void options_usage(FILE *f);

#endif

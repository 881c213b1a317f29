/*
 * train_options: rank-train's command line, one table.
 *
 * Every option is one row of train_options_table (train_options.c): its
 * long name, its argument's name in --help (NULL for a flag), the setting
 * it makes (a setter and, for the generic setters, the field of struct
 * train_cli it fills and the bounds of a count), its default, its --help
 * line and how rank-train(8) lists it.  The same row makes the getopt_long
 * entry, the default, the --help line and the man-page check of
 * test_train_options.  To add an option, add a field below and a row to
 * the table: nothing else.
 *
 * Options are applied in the order given (a later one wins; --acct sets
 * the label too, so the later of --label and --acct names it); --help and
 * --version stop at once.  Operands are the histories.  String values
 * point into argv: keep it alive while the struct is used.  Nothing here
 * prints but train_options_usage.
 */
#ifndef ELIM_RANK_TRAIN_OPTIONS_H
#define ELIM_RANK_TRAIN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "train.h"

#define TRAIN_MAX_ACCT 64          /* --acct files */

struct train_cli {
	struct train_opts train;  /* label, window, host, method, lambda, folds, selection,
				     robust rows, CSV export; terms and incumbent left unset */
	const char *terms;        /* --terms LIST, or NULL: the default candidates */
	const char *acct;         /* the first --acct FILE, or NULL */
	const char *output;       /* the model to write and to compare with */
	const char *report;       /* --report FILE.html, or NULL */
	bool force, dry_run, help, version;
	char **histories;         /* the operands: history files or directories */
	size_t nhistories;
	const char *partial;      /* --partial FILE: write a factor file (partial.h), or NULL */
	bool merge;               /* --merge: the operands are factor files or directories */
	const char *incumbent;    /* --incumbent FILE|none: compare with it, not --output's */
	const char *extract;      /* --extract FILE: write the rows training needs, or NULL */
	bool no_learn_speed;      /* --no-learn-speed: --acct labels without host speeds */
	const char *acct_files[TRAIN_MAX_ACCT];   /* every --acct FILE, in order */
	size_t nacct;
	const char *acct_class;   /* --class name|command|queue */
	const char *host_map;     /* --host-map FILE: accounting names to history names */
	const char *speed_groups; /* --speed-groups FILE: hosts to speed groups */
	unsigned speed_rounds;    /* --speed-rounds N: fits, each after the speeds' refit */
	const char *snapshot;     /* --snapshot HISTORY: copy it to the one operand, fit nothing */
	const char *group_by;     /* --group-by FILE: one model per host group into --output DIR */
	const char *canary;       /* --canary HOSTS: with --group-by, to DIR/canary/HOST.model */
	const char *promote;      /* --promote DIR: canary models made the groups' (promote.h) */
	/* class references (acct_refs.h) */
	const char *class_refs[TRAIN_MAX_ACCT];   /* every --class-refs FILE, merged */
	size_t nclass_refs;
	const char *write_class_refs;   /* --write-class-refs OUT: summarise, fit nothing */
	const char *speed_reference;  /* --speed-reference median|HOST (speed_ref.h) */
};

struct train_option;

/*
 * A row's setter: apply value (NULL for a flag) to c.  Returns 0, or -1
 * with the reason (without the option's name) in why.
 */
typedef int (*train_option_set)(struct train_cli *c, const struct train_option *row,
				 const char *value, char *why, size_t whylen);

struct train_option {
	const char *name;         /* --NAME */
	const char *arg;          /* its argument in --help; NULL: a flag without one */
	train_option_set set;
	size_t offset;            /* the field of struct train_cli the generic setters fill */
	unsigned long min, max;   /* bounds of a count */
	const char *def;          /* applied through set before argv, shown in --help; or NULL */
	const char *help;         /* its --help text, wrapped */
	const char *man;          /* the mdoc rank-train(8) lists it with (".It" line),
				     "Fl -NAME ..." */
};

extern const struct train_option train_options_table[];
extern const size_t train_options_table_len;

/* Return codes of train_options_parse besides 0 (run). */
#define TRAIN_OPTIONS_HELP        1   /* --help: print train_options_usage to stdout, exit 0 */
#define TRAIN_OPTIONS_VERSION     2   /* --version: print the version, exit 0 */
#define TRAIN_OPTIONS_EUSAGE    (-1)  /* a bad value or combination: err, exit 2 */
#define TRAIN_OPTIONS_EUSAGE_HELP (-2)/* a bad command line: err, then the usage, exit 2 */

/*
 * Fill c from the defaults and then argv (c is zeroed first).  Checks what
 * needs the whole command line: a label (--label or --acct) and at least
 * one history, --until not before --since, --lambda only with ridge,
 * --host-map, --speed-groups, --speed-rounds and --no-learn-speed only with
 * --acct; --class-refs only with --acct, --merge or --write-class-refs, and
 * not with --speed-groups; --write-class-refs with --acct or --class-refs
 * and no operand.
 * The terms are not parsed here (candidates.h).  Returns 0, one of the
 * codes above, with a message in err for the negative ones.
 */
int train_options_parse(int argc, char **argv, struct train_cli *c, char *err, size_t errlen);

/* Print the --help text, generated from the table. */
void train_options_usage(FILE *f);

#endif

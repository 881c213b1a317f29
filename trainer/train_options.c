#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "acct.h"
#include "hostmatch.h"
#include "select.h"
#include "train_options.h"

#define OFF(field) offsetof(struct train_cli, field)
#define STR_(x) #x
#define STR(x) STR_(x)

static void *field(struct train_cli *c, const struct train_option *row)
{
	return (char *)c + row->offset;
}

static int set_flag(struct train_cli *c, const struct train_option *row, const char *v,
		    char *why, size_t whylen)
{
	(void)v, (void)why, (void)whylen;
	*(bool *)field(c, row) = true;
	return 0;
}

static int set_string(struct train_cli *c, const struct train_option *row, const char *v,
		      char *why, size_t whylen)
{
	(void)why, (void)whylen;
	*(const char **)field(c, row) = v;
	return 0;
}

static int parse_count(const struct train_option *row, const char *s, unsigned long *out,
		       char *why, size_t whylen)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end || errno || v < row->min || v > row->max || s[0] == '-') {
		snprintf(why, whylen, "'%s' is not a whole number from %lu to %lu", s, row->min,
			 row->max);
		return -1;
	}
	*out = v;
	return 0;
}

static int set_size(struct train_cli *c, const struct train_option *row, const char *v,
		    char *why, size_t whylen)
{
	unsigned long n;
	if (parse_count(row, v, &n, why, whylen) < 0)
		return -1;
	*(size_t *)field(c, row) = n;
	return 0;
}

static int set_unsigned(struct train_cli *c, const struct train_option *row, const char *v,
			char *why, size_t whylen)
{
	unsigned long n;
	if (parse_count(row, v, &n, why, whylen) < 0)
		return -1;
	*(unsigned *)field(c, row) = (unsigned)n;
	return 0;
}

static int set_epoch(struct train_cli *c, const struct train_option *row, const char *v,
		     char *why, size_t whylen)
{
	char *end;
	errno = 0;
	long long t = strtoll(v, &end, 10);
	if (end == v || *end || errno || t < 0) {
		snprintf(why, whylen, "'%s' is not a Unix time in seconds", v);
		return -1;
	}
	*(int64_t *)field(c, row) = t;
	return 0;
}

static int set_method(struct train_cli *c, const struct train_option *row, const char *v,
		      char *why, size_t whylen)
{
	(void)row;
	if (strcmp(v, "ols") == 0)
		c->train.method = TRAIN_OLS;
	else if (strcmp(v, "ridge") == 0)
		c->train.method = TRAIN_RIDGE;
	else if (strcmp(v, "robust") == 0)
		c->train.method = TRAIN_ROBUST;
	else {
		snprintf(why, whylen, "'%s' is not ols, ridge or robust", v);
		return -1;
	}
	return 0;
}

static int set_lambda(struct train_cli *c, const struct train_option *row, const char *v,
		      char *why, size_t whylen)
{
	(void)row;
	if (strcmp(v, "cv") == 0) {
		c->train.lambda_rule = TRAIN_LAMBDA_CV;
	} else if (strcmp(v, "lcurve") == 0) {
		c->train.lambda_rule = TRAIN_LAMBDA_LCURVE;
	} else {
		char *end;
		errno = 0;
		double l = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(l) || l < 0) {
			snprintf(why, whylen, "'%s' is not cv, lcurve or a number >= 0", v);
			return -1;
		}
		c->train.lambda = l;
		c->train.lambda_rule = TRAIN_LAMBDA_FIXED;
	}
	return 0;
}

/* --acct names the label too (acct.h's labels are "acct_slowdown");
 * repeated, it adds a file (rotated lsb.acct.N). */
static int set_acct(struct train_cli *c, const struct train_option *row, const char *v,
		    char *why, size_t whylen)
{
	(void)row;
	if (c->nacct == TRAIN_MAX_ACCT) {
		snprintf(why, whylen, "more than %d files", TRAIN_MAX_ACCT);
		return -1;
	}
	c->acct_files[c->nacct++] = v;
	c->acct = c->acct_files[0];
	c->train.spec.label = "acct_slowdown";
	return 0;
}

static int set_class(struct train_cli *c, const struct train_option *row, const char *v,
		     char *why, size_t whylen)
{
	(void)row;
	enum acct_class key;
	if (acct_class_parse(v, &key) < 0) {
		snprintf(why, whylen, "'%s' is not name, command or queue", v);
		return -1;
	}
	c->acct_class = v;
	return 0;
}

/* --class-refs FILE, repeated: merged; the label is the accounting's, as --acct's. */
static int set_class_refs(struct train_cli *c, const struct train_option *row, const char *v,
			  char *why, size_t whylen)
{
	(void)row;
	if (c->nclass_refs == TRAIN_MAX_ACCT) {
		snprintf(why, whylen, "more than %d files", TRAIN_MAX_ACCT);
		return -1;
	}
	c->class_refs[c->nclass_refs++] = v;
	c->train.spec.label = "acct_slowdown";
	return 0;
}

/* --speed-reference: "median" or a host's name (no glob: one host). */
static int set_speed_reference(struct train_cli *c, const struct train_option *row,
			       const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "median") != 0 && (!hostmatch_valid(v) || hostmatch_is_glob(v))) {
		snprintf(why, whylen, "'%s' is not median nor a host name", v);
		return -1;
	}
	return set_string(c, row, v, why, whylen);
}

/*
 * The table.  One row per option, in the order of --help; see
 * train_options.h.  The man column is the option's ".It" text in
 * man/rank-train.8.in.
 */
const struct train_option train_options_table[] = {
	{ "label", "COLUMN", set_string, OFF(train.spec.label), 0, 0, NULL,
	  "the history column to predict (required without --acct)",
	  "Fl -label Ar column" },
	{ "acct", "FILE", set_acct, 0, 0, 0, NULL,
	  "label: job slowdowns from this lsb.acct (see rank-train(8)); repeat it for"
	  " rotated files (lsb.acct.1 ...)",
	  "Fl -acct Ar file" },
	{ "terms", "LIST", set_string, OFF(terms), 0, 0, NULL,
	  "comma-separated terms: features or sq(f), mul(f,g), hinge(f,knot) (default: the"
	  " embedded model's terms; with --select: those and every feature)",
	  "Fl -terms Ar list" },
	{ "select", NULL, set_flag, OFF(train.select), 0, 0, NULL,
	  "choose terms among --terms (at most " STR(SELECT_MAX_CANDIDATES) ") by forward"
	  " selection on cross-validated error",
	  "Fl -select" },
	{ "max-terms", "N", set_size, OFF(train.max_terms), 1, MODEL_MAX_TERMS, "8",
	  "at most N terms with --select",
	  "Fl -max-terms Ar n" },
	{ "method", "M", set_method, 0, 0, 0, "ols",
	  "ols, ridge or robust (a bisquare fit on a sample)",
	  "Fl -method Cm ols | ridge | robust" },
	{ "lambda", "L", set_lambda, 0, 0, 0, "cv",
	  "ridge parameter: cv, lcurve, or a number",
	  "Fl -lambda Cm cv | lcurve | Ar value" },
	{ "folds", "K", set_unsigned, OFF(train.folds), 2, ACCUM_MAX_FOLDS, "5",
	  "cross-validation time blocks, 2.." STR(ACCUM_MAX_FOLDS),
	  "Fl -folds Ar k" },
	{ "robust-rows", "N", set_size, OFF(train.robust_rows), 100, 1000000,
	  STR(TRAIN_ROBUST_ROWS),
	  "sample size for --method robust",
	  "Fl -robust-rows Ar n" },
	{ "since", "EPOCH", set_epoch, OFF(train.spec.since), 0, 0, NULL,
	  "only rows at or after this time (Unix seconds)",
	  "Fl -since Ar epoch" },
	{ "until", "EPOCH", set_epoch, OFF(train.spec.until), 0, 0, NULL,
	  "only rows at or before this time",
	  "Fl -until Ar epoch" },
	{ "host", "NAME", set_string, OFF(train.spec.host), 0, 0, NULL,
	  "only rows from this host",
	  "Fl -host Ar name" },
	{ "output", "FILE", set_string, OFF(output), 0, 0, PKGSYSCONFDIR "/rank.model",
	  "where to write the model",
	  "Fl -output Ar file" },
	{ "force", NULL, set_flag, OFF(force), 0, 0, NULL,
	  "replace the installed model even if it does better",
	  "Fl -force" },
	{ "dry-run", NULL, set_flag, OFF(dry_run), 0, 0, NULL,
	  "fit and report, write no model",
	  "Fl -dry-run" },
	{ "report", "FILE.html", set_string, OFF(report), 0, 0, NULL,
	  "also write a self-contained HTML report with plots",
	  "Fl -report Ar file.html" },
	{ "export-csv", "FILE", set_string, OFF(train.csv_path), 0, 0, NULL,
	  "also write the rows used as CSV",
	  "Fl -export-csv Ar file" },
	{ "help", NULL, set_flag, OFF(help), 0, 0, NULL,
	  "show this help and exit",
	  "Fl -help" },
	{ "version", NULL, set_flag, OFF(version), 0, 0, NULL,
	  "show the version and exit",
	  "Fl -version" },
	{ "partial", "FILE", set_string, OFF(partial), 0, 0, NULL,
	  "fit nothing: write this host's partial fit as a factor file (elim-rank.factor(5))"
	  " for --merge; needs --since, --until, --terms and --incumbent",
	  "Fl -partial Ar file" },
	{ "merge", NULL, set_flag, OFF(merge), 0, 0, NULL,
	  "the operands are factor files from --partial (or directories of *.factor): fit"
	  " from them as from the pooled histories; needs the same --since, --until, --terms,"
	  " --folds, --label and --incumbent",
	  "Fl -merge" },
	{ "incumbent", "FILE", set_string, OFF(incumbent), 0, 0, NULL,
	  "the model to compare with, or none (default: the --output file, else the"
	  " embedded one)",
	  "Fl -incumbent Ar file | Cm none" },
	{ "extract", "FILE", set_string, OFF(extract), 0, 0, NULL,
	  "fit nothing: write the rows with a known label in the window, with only the"
	  " columns the terms use, as a history FILE to train on elsewhere",
	  "Fl -extract Ar file" },
	{ "no-learn-speed", NULL, set_flag, OFF(no_learn_speed), 0, 0, NULL,
	  "with --acct (or --class-refs): do not learn host speeds (each job's slowdown"
	  " against its class's fastest runs on all hosts, as before; no speed lines learned)",
	  "Fl -no-learn-speed" },
	{ "class", "KEY", set_class, 0, 0, 0, "name",
	  "with --acct, a job's class: name (the job name, else the command's program),"
	  " command (the program: its first word, without arguments or directory) or queue",
	  "Fl -class Cm name | command | queue" },
	{ "host-map", "FILE", set_string, OFF(host_map), 0, 0, NULL,
	  "with --acct: lines 'ACCT-HOST HISTORY-HOST' (a name or glob, then a name) for"
	  " accounting host names that are not the histories' (a domain alone needs none)",
	  "Fl -host-map Ar file" },
	{ "speed-groups", "FILE", set_string, OFF(speed_groups), 0, 0, NULL,
	  "with --acct: lines 'HOST GROUP' (a name or glob, then a name): learn one speed"
	  " per group, given to each of its hosts; other hosts get their own",
	  "Fl -speed-groups Ar file" },
	{ "speed-rounds", "N", set_unsigned, OFF(speed_rounds), 1, 10, "3",
	  "with --acct: fit N times, the host speeds refitted before each fit after the first"
	  " to the run times over the fitted model's slowdowns (1: speeds from idle runs only)",
	  "Fl -speed-rounds Ar n" },
	{ "snapshot", "HISTORY", set_string, OFF(snapshot), 0, 0, NULL,
	  "copy the history HISTORY, even while an elim writes it, to the one operand OUT"
	  " (atomically, through SQLite's backup API) and fit nothing",
	  "Fl -snapshot Ar history out" },
	{ "group-by", "FILE", set_string, OFF(group_by), 0, 0, NULL,
	  "lines 'HOST GROUP' (a name or glob, then a name): fit one model per group from its"
	  " hosts' files into --output DIR as GROUP.model, and DIR/default.model from all files"
	  " for hosts in no group",
	  "Fl -group-by Ar file" },
	{ "canary", "HOSTS", set_string, OFF(canary), 0, 0, NULL,
	  "with --group-by: write each group's new model only as DIR/canary/HOST.model for these"
	  " hosts (comma-separated names) in it, which only they read; see --promote",
	  "Fl -canary Ar hosts" },
	{ "promote", "DIR", set_string, OFF(promote), 0, 0, NULL,
	  "make the canary models in DIR/canary the models of their groups (of the one operand"
	  " GROUP, else of all), the old DIR/GROUP.model kept as DIR/GROUP.model.prev; fit nothing",
	  "Fl -promote Ar dir Op Ar group" },
	{ "write-class-refs", "OUT", set_string, OFF(write_class_refs), 0, 0, NULL,
	  "write the class references of the --acct files (and of the --class-refs files,"
	  " merged) to OUT for --partial fits with --acct (elim-rank.classrefs(5)); fit nothing",
	  "Fl -write-class-refs Ar out" },
	{ "class-refs", "FILE", set_class_refs, 0, 0, 0, NULL,
	  "with --acct, or --merge of such partial fits: each job's class reference from FILE"
	  " (--write-class-refs), not from the --acct files read; repeat it to merge several;"
	  " host speeds are then learned per host with the model, at the merge too",
	  "Fl -class-refs Ar file" },
	{ "speed-reference", "median|HOST", set_speed_reference, OFF(speed_reference), 0, 0,
	  "median",
	  "the host whose idle probe_unit_seconds is the cluster's speed reference, written as"
	  " the model's speed-reference line: the median host of the histories, or a host by"
	  " name (each host's value: the median of its rows of the newest probe work version)",
	  "Fl -speed-reference Cm median | Ar host" },
};
const size_t train_options_table_len = sizeof train_options_table / sizeof train_options_table[0];

/* Apply one row's value; err gets "--NAME: why" on failure. */
static int apply(struct train_cli *c, const struct train_option *row, const char *v,
		 char *err, size_t errlen)
{
	char why[512];
	if (row->set(c, row, v, why, sizeof why) == 0)
		return 0;
	snprintf(err, errlen, "--%s: %s", row->name, why);
	return TRAIN_OPTIONS_EUSAGE;
}

/* What needs the whole command line. */
static int check(const struct train_cli *c, char *err, size_t errlen)
{
	const struct train_opts *o = &c->train;
	if (c->promote) {
		if (c->nhistories > 1) {
			snprintf(err, errlen, "--promote DIR takes at most one operand, GROUP");
			return TRAIN_OPTIONS_EUSAGE_HELP;
		}
		return 0;
	}
	if (c->snapshot) {
		if (c->nhistories != 1) {
			snprintf(err, errlen, "--snapshot HISTORY takes one operand, OUT");
			return TRAIN_OPTIONS_EUSAGE_HELP;
		}
		return 0;
	}
	if (c->write_class_refs) {
		if (c->nhistories || (c->nacct == 0 && c->nclass_refs == 0)) {
			snprintf(err, errlen, "--write-class-refs OUT takes --acct or --class-refs files"
				 " and no operand");
			return TRAIN_OPTIONS_EUSAGE_HELP;
		}
		return 0;
	}
	if (o->spec.label == NULL || c->nhistories == 0) {
		snprintf(err, errlen, "%s", o->spec.label ? "no history files given"
			 : "--label is required");
		return TRAIN_OPTIONS_EUSAGE_HELP;
	}
	if (o->spec.since && o->spec.until && o->spec.until < o->spec.since) {
		snprintf(err, errlen, "--until is before --since");
		return TRAIN_OPTIONS_EUSAGE;
	}
	if (o->lambda_rule != TRAIN_LAMBDA_CV && o->method != TRAIN_RIDGE) {
		snprintf(err, errlen, "--lambda only applies to --method ridge");
		return TRAIN_OPTIONS_EUSAGE;
	}
	if (c->acct == NULL && (c->host_map || c->speed_groups ||
				(c->no_learn_speed && !c->nclass_refs))) {
		snprintf(err, errlen, "%s only applies to --acct", c->host_map ? "--host-map"
			 : c->speed_groups ? "--speed-groups" : "--no-learn-speed");
		return TRAIN_OPTIONS_EUSAGE;
	}
	if (c->nclass_refs && c->acct == NULL && !c->merge) {
		snprintf(err, errlen, "--class-refs only applies to --acct, --merge or"
			 " --write-class-refs");
		return TRAIN_OPTIONS_EUSAGE;
	}
	if (c->nclass_refs && c->speed_groups) {
		snprintf(err, errlen, "--speed-groups with --class-refs: with class references the"
			 " speeds are learned per host (from factor files at a merge), not per group");
		return TRAIN_OPTIONS_EUSAGE;
	}
	if (c->canary && !c->group_by) {
		snprintf(err, errlen, "--canary only applies to --group-by");
		return TRAIN_OPTIONS_EUSAGE;
	}
	if (c->group_by && (c->partial || c->extract || c->report || o->csv_path)) {
		snprintf(err, errlen, "--group-by does not go with %s", c->partial ? "--partial"
			 : c->extract ? "--extract" : c->report ? "--report" : "--export-csv");
		return TRAIN_OPTIONS_EUSAGE;
	}
	if ((c->partial || c->extract) && strcmp(c->speed_reference, "median") != 0) {
		snprintf(err, errlen, "--speed-reference %s with %s: %s", c->speed_reference,
			 c->partial ? "--partial" : "--extract", c->partial
			 ? "a partial fit carries its hosts' values; give it to --merge"
			 : "an extract writes no model");
		return TRAIN_OPTIONS_EUSAGE;
	}
	return 0;
}

int train_options_parse(int argc, char **argv, struct train_cli *c, char *err, size_t errlen)
{
	struct option longopts[64];
	const size_t n = train_options_table_len;
	if (n >= sizeof longopts / sizeof longopts[0]) {
		snprintf(err, errlen, "too many options (internal)");
		return TRAIN_OPTIONS_EUSAGE;
	}
	memset(c, 0, sizeof *c);
	c->train.seed = 1;
	for (size_t i = 0; i < n; i++) {
		const struct train_option *row = &train_options_table[i];
		longopts[i] = (struct option){ row->name, row->arg ? required_argument : no_argument,
					       NULL, 256 + (int)i };
		if (row->def && apply(c, row, row->def, err, errlen) < 0)
			return TRAIN_OPTIONS_EUSAGE;   /* a bad default: caught by the tests */
	}
	memset(&longopts[n], 0, sizeof longopts[0]);

	opterr = 0;
	optind = 0;   /* glibc: start afresh, also when called again */
	int k;
	while ((k = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (k == ':') {
			snprintf(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return TRAIN_OPTIONS_EUSAGE_HELP;
		}
		if (k < 256 || k >= 256 + (int)n) {
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return TRAIN_OPTIONS_EUSAGE_HELP;
		}
		int rc = apply(c, &train_options_table[k - 256], optarg, err, errlen);
		if (rc < 0)
			return rc;
		if (c->help)
			return TRAIN_OPTIONS_HELP;
		if (c->version)
			return TRAIN_OPTIONS_VERSION;
	}
	c->histories = argv + optind;
	c->nhistories = optind < argc ? (size_t)(argc - optind) : 0;
	return check(c, err, errlen);
}

/* text wrapped at 79 columns, from column 23 */
static void wrap(FILE *f, const char *text)
{
	size_t col = 23;
	for (const char *w = text; *w;) {
		size_t len = strcspn(w, " ");
		if (col > 23 && col + 1 + len > 79) {
			fprintf(f, "\n%23s", "");
			col = 23;
		} else if (col > 23) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)len, w);
		col += len;
		for (w += len; *w == ' '; w++)
			;
	}
	fputc('\n', f);
}

void train_options_usage(FILE *f)
{
	fprintf(f,
"Usage: rank-train [OPTION]... (--label COLUMN | --acct FILE) HISTORY...\n"
"  or:  rank-train --snapshot HISTORY OUT\n"
"  or:  rank-train --promote DIR [GROUP]\n"
"  or:  rank-train --write-class-refs OUT (--acct FILE | --class-refs FILE)...\n"
"Fit a rank model from elim-rank history databases (files, or directories of\n"
"*.db files) and write it where elim.rank loads it.  Copy histories from\n"
"hosts as snapshots: rank-train --snapshot history.db /tmp/HOST.db.\n"
"\n");
	for (size_t i = 0; i < train_options_table_len; i++) {
		const struct train_option *row = &train_options_table[i];
		char left[64], text[512];
		snprintf(left, sizeof left, "--%s%s%s", row->name, row->arg ? " " : "",
			 row->arg ? row->arg : "");
		snprintf(text, sizeof text, "%s%s%s%s", row->help, row->def ? " (default " : "",
			 row->def ? row->def : "", row->def ? ")" : "");
		if (strlen(left) > 20)
			fprintf(f, "  %s\n%23s", left, "");
		else
			fprintf(f, "  %-20s ", left);
		wrap(f, text);
	}
	fprintf(f,
"\n"
"Exit status: 0 model written (or --dry-run), 1 error reading or writing,\n"
"2 usage error, 3 the data cannot give a model (too few rows, a constant or\n"
"collinear term), 4 not replaced: the installed model's error on the same\n"
"rows is lower (see --force).  See rank-train(8).\n");
}

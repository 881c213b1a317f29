/*
 * rank-train: fit a rank model from elim-rank history files.
 *
 * main() only runs the steps, each in a module of its own: the options
 * (train_options), the candidate terms and the known-share filter
 * (candidates), the installed model to compare with and the replace
 * decision (replace), the labels from job accounting (acct_labels), the
 * run (train), the reports (report, report_html) and the model's
 * provenance (provenance); it maps their results to the exit statuses.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "acct_labels.h"
#include "candidates.h"
#include "provenance.h"
#include "replace.h"
#include "snapshot.h"
#include "report.h"
#include "report_html.h"
#include "train.h"
#include "train_options.h"

/* Exit statuses, documented in rank-train(8). */
enum {
	EXIT_OK = 0,        /* model written, or --dry-run */
	EXIT_FAIL = 1,      /* a history or an output could not be read or written */
	EXIT_USAGE = 2,
	EXIT_DATA = 3,      /* the data cannot give a model */
	EXIT_KEPT = 4,      /* the installed model does better on the same rows: kept */
};

/* Print "rank-train: msg" and give status. */
static int fail(const char *msg, int status)
{
	fprintf(stderr, "rank-train: %s\n", msg);
	return status;
}

/* fail() once the histories are expanded: release them too. */
static int stop(const char *msg, char **files, size_t nfiles, int status)
{
	dataset_free_files(files, nfiles);
	return fail(msg, status);
}

/* The command line and the candidate terms.  Returns -1 to go on, else the exit status. */
static int setup(int argc, char **argv, struct train_cli *c, struct feature_schema *schema,
		 struct model_term *terms)
{
	char err[1024];
	int rc = train_options_parse(argc, argv, c, err, sizeof err);
	if (rc == TRAIN_OPTIONS_HELP)
		train_options_usage(stdout);
	else if (rc == TRAIN_OPTIONS_VERSION)
		printf("rank-train (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
	else if (rc < 0) {
		fail(err, EXIT_USAGE);
		if (rc == TRAIN_OPTIONS_EUSAGE_HELP)
			train_options_usage(stderr);
	}
	if (rc != 0)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	if (c->snapshot) {
		/* wait up to 30 s for the elim's write lock (held per batch) */
		if (snapshot_copy(c->snapshot, c->histories[0], 30000, err, sizeof err) < 0)
			return fail(err, EXIT_FAIL);
		printf("snapshot written: %s\n", c->histories[0]);
		return EXIT_OK;
	}
	struct dataset_spec *s = &c->train.spec;
	s->terms = terms;
	s->schema = schema;
	/* the traffic-class features the histories have columns for */
	feature_schema_init(schema);
	if (dataset_schema(c->histories, c->nhistories, schema, err, sizeof err) < 0)
		return fail(err, EXIT_FAIL);
	if (c->terms && candidates_parse(c->terms, schema, terms, &s->n_terms, err, sizeof err) < 0)
		return fail(err, EXIT_USAGE);
	if (!c->terms &&
	    candidates_default(c->train.select, schema, terms, &s->n_terms, err, sizeof err) < 0)
		return fail(err, EXIT_FAIL);
	if (candidates_check_count(terms, s->n_terms, err, sizeof err) < 0)
		return fail(err, EXIT_USAGE);
	return -1;
}

/* The text report, the CSV and HTML notes; EXIT_FAIL when the HTML report failed. */
static int write_reports(const struct train_cli *c, const struct train_result *r,
			 const struct report_info *info)
{
	char err[1024];
	report_text(stdout, r, info);
	if (c->train.csv_path)
		printf("rows exported: %s\n", c->train.csv_path);
	if (c->report == NULL)
		return EXIT_OK;
	if (report_html_write(c->report, r, info, err, sizeof err) < 0)
		return fail(err, EXIT_FAIL);
	printf("report written: %s\n", c->report);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static struct train_cli c;
	static struct feature_schema schema;
	static struct model_term terms[MODEL_MAX_TERMS];
	static struct model installed, m;
	static struct acct_set acct;
	static struct train_result r;
	struct train_opts *o = &c.train;
	struct candidates_dropped dropped[MODEL_MAX_TERMS];
	struct replace_decision d;
	char err[1024], **files = NULL;
	size_t ndropped;
	bool have;

	gsl_set_error_handler_off();
	int rc = setup(argc, argv, &c, &schema, terms);
	if (rc >= 0)
		return rc;
	const char *inc_name = replace_load_installed(c.output, &schema, &installed, &have, err, sizeof err);
	if (err[0])
		fprintf(stderr, "rank-train: warning: %s\n", err);
	o->incumbent = have ? &installed : NULL;
	long nfiles = dataset_expand(c.histories, c.nhistories, &files, err, sizeof err);
	if (nfiles < 0)
		return fail(err, EXIT_FAIL);
	o->drop_constant = c.terms == NULL;   /* default terms: leave out the mostly unknown */
	if (c.terms == NULL) {
		if (candidates_drop_unknown(&o->spec, files, (size_t)nfiles, terms, &o->spec.n_terms,
					    dropped, &ndropped, err, sizeof err) < 0)
			return stop(err, files, (size_t)nfiles, EXIT_FAIL);
		candidates_report_dropped(stdout, &schema, dropped, ndropped, o->select);
	}
	if (c.acct) {
		if (acct_labels_attach(c.acct, files, (size_t)nfiles, &o->spec, &acct, err, sizeof err) < 0)
			return stop(err, files, (size_t)nfiles, EXIT_FAIL);
		acct_report(&acct, stdout);
	}
	rc = train_run(o, files, (size_t)nfiles, &r, err, sizeof err);
	if (rc < 0) {
		train_result_free(&r);
		return stop(err, files, (size_t)nfiles, rc == -ENODATA || rc == -EDOM ? EXIT_DATA : EXIT_FAIL);
	}
	struct report_info info = { .label = o->spec.label, .nfiles = (size_t)nfiles,
				    .incumbent_name = inc_name };
	int status = write_reports(&c, &r, &info);
	train_to_model(&r, &m);
	provenance_set(&m, &r, o->spec.label, files, (size_t)nfiles, time(NULL));
	dataset_free_files(files, (size_t)nfiles);
	replace_decide(&r, o->incumbent, o->spec.label, c.force, &d);
	if (d.note[0])
		printf("%s\n", d.note);
	if (status != EXIT_OK) {
		fail("no model written", status);
	} else if (c.dry_run) {
		printf("dry run: no model written\n");
	} else if (d.keep) {
		fprintf(stderr, "rank-train: not replacing %s: %s\n", c.output, d.why);
		printf("model not written: the installed model does better\n");
		status = EXIT_KEPT;
	} else {
		struct model_error merr;
		if (model_save(&m, c.output, &merr) < 0)
			status = fail(merr.msg, EXIT_FAIL);
		else
			printf("model written: %s\n", c.output);
	}
	train_result_free(&r);
	return status;
}

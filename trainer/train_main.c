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
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "acct_labels.h"
#include "candidates.h"
#include "extract.h"
#include "partial.h"
#include "provenance.h"
#include "replace.h"
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
	if (rc == 0 && partial_check_cli(c, err, sizeof err) < 0)
		return fail(err, EXIT_USAGE);
	if (rc != 0)
		return rc > 0 ? EXIT_OK : EXIT_USAGE;
	struct dataset_spec *s = &c->train.spec;
	s->terms = terms;
	s->schema = schema;
	/* the traffic-class features the histories have columns for */
	feature_schema_init(schema);
	if (dataset_schema(c->histories, c->nhistories, schema, err, sizeof err) < 0)
		return fail(err, EXIT_FAIL);
	if (c->merge && partial_bind_names(c->terms, schema, err, sizeof err) < 0)
		return fail(err, EXIT_USAGE);
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

/*
 * The model to compare with into m (*have): --incumbent FILE|none, else
 * the one at --output (a warning when it does not parse); *name its name
 * for the report, or NULL.  Returns 0, or -1 (said) when --incumbent's
 * FILE cannot be used.
 */
static int load_incumbent(const struct train_cli *c, const struct feature_schema *schema,
			  struct model *m, bool *have, uint64_t *id, const char **name)
{
	char err[1024] = "";
	if (c->incumbent) {
		if (partial_model_id(c->incumbent, schema, m, have, id, err, sizeof err) < 0)
			return fail(err, -1);
		*name = *have ? c->incumbent : NULL;
		return 0;
	}
	*name = replace_load_installed(c->output, schema, m, have, err, sizeof err);
	if (err[0])
		fprintf(stderr, "rank-train: warning: %s\n", err);
	return 0;
}

/* --partial: the pass only, written as a factor file.  Releases files. */
static int write_partial(const struct train_cli *c, struct train_result *r, uint64_t inc_id,
			 char **files, size_t nfiles)
{
	char err[1024];
	struct factor *f = malloc(sizeof *f);
	int rc = f ? train_run(&c->train, files, nfiles, r, err, sizeof err) : -ENOMEM;
	if (f == NULL)
		snprintf(err, sizeof err, "out of memory");
	if (rc == 0) {
		partial_from_run(r, &c->train, inc_id, f);
		rc = factor_write(c->partial, f, err, sizeof err);
	}
	if (rc == 0)
		printf("rows: %llu read, %llu used, %llu skipped (unknown values)\n"
		       "hosts: %zu\nfactor written: %s (%zu bytes)\n",
		       (unsigned long long)f->rows_read, (unsigned long long)f->rows_used,
		       (unsigned long long)f->rows_skipped, f->nhosts, c->partial, factor_size(f));
	free(f);
	train_result_free(r);
	if (rc < 0)
		return stop(err, files, nfiles, rc == -ENODATA || rc == -EDOM ? EXIT_DATA : EXIT_FAIL);
	dataset_free_files(files, nfiles);
	return EXIT_OK;
}

/* --extract: the rows and columns training needs, as a history.  Releases files. */
static int write_extract(const struct train_cli *c, const struct model *incumbent,
			 char **files, size_t nfiles)
{
	char err[1024];
	bool extra[FEAT_VECTOR_LEN] = { false };
	for (size_t i = 0; incumbent && i < incumbent->n_terms; i++) {
		extra[incumbent->terms[i].a] = true;
		if (incumbent->terms[i].kind == TERM_PRODUCT)
			extra[incumbent->terms[i].b] = true;
	}
	uint64_t rows;
	int rc = extract_write(&c->train.spec, extra, files, nfiles, c->extract, &rows, err, sizeof err);
	if (rc < 0)
		return stop(err, files, nfiles, EXIT_FAIL);
	printf("rows extracted: %llu\nextract written: %s\n", (unsigned long long)rows, c->extract);
	dataset_free_files(files, nfiles);
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
	uint64_t inc_id = 0;
	const char *inc_name;
	if (load_incumbent(&c, &schema, &installed, &have, &inc_id, &inc_name) < 0)
		return EXIT_FAIL;
	o->incumbent = have ? &installed : NULL;
	o->window_grid = c.partial || c.merge;
	o->partial = c.partial != NULL;
	long nfiles = c.merge ? partial_expand(c.histories, c.nhistories, &files, err, sizeof err)
		: dataset_expand(c.histories, c.nhistories, &files, err, sizeof err);
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
	if (c.partial)
		return write_partial(&c, &r, inc_id, files, (size_t)nfiles);
	if (c.extract)
		return write_extract(&c, o->incumbent, files, (size_t)nfiles);
	rc = c.merge ? partial_merge(o, files, (size_t)nfiles, inc_id, &r, err, sizeof err)
		: train_run(o, files, (size_t)nfiles, &r, err, sizeof err);
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

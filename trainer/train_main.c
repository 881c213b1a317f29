/*
 * rank-train: fit a rank model from elim-rank history files.
 *
 * main() only runs the steps, each in a module of its own: the options
 * (train_options), the candidate terms and the known-share filter
 * (candidates), the installed model to compare with and the replace
 * decision (replace), the labels from job accounting and the speeds
 * learned from it (acct_labels, acct_speed), the class references
 * (acct_refs: --write-class-refs, --class-refs), the speed lines carried and
 * learned (speed_lines), the cluster's speed reference (speed_ref), the
 * run (train), the reports (report, report_html) and the model's
 * provenance (provenance); with --group-by
 * one such run per host group (group_split), and --promote (promote); it
 * maps their results to the exit statuses.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "acct_labels.h"
#include "acct_refine.h"
#include "acct_refs.h"
#include "candidates.h"
#include "errmsg.h"
#include "extract.h"
#include "group_split.h"
#include "hostmatch.h"
#include "merge_speed.h"
#include "partial.h"
#include "promote.h"
#include "provenance.h"
#include "replace.h"
#include "snapshot.h"
#include "report.h"
#include "report_html.h"
#include "speed_lines.h"
#include "speed_ref.h"
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

/* Load the --class-refs files, merged, into r.  Returns 0 or -1 (said). */
static int load_class_refs(const struct train_cli *c, struct acct_refs *r)
{
	char err[1024];
	for (size_t i = 0; i < c->nclass_refs; i++)
		if (acct_refs_read(c->class_refs[i], r, err, sizeof err) < 0)
			return fail(err, -1);
	return 0;
}

/* --write-class-refs: the --acct files' jobs and the --class-refs files, summarised. */
static int write_class_refs(const struct train_cli *c)
{
	static struct acct_refs r;
	struct acct_set set = { 0 };
	char err[1024];
	int rc = 0;
	acct_class_parse(c->acct_class, &set.key);   /* checked by the options */
	for (size_t i = 0; i < c->nacct && rc == 0; i++)
		rc = acct_read(c->acct_files[i], &set, err, sizeof err);
	if (rc == 0 && c->nacct) {
		acct_dedupe(&set);
		acct_report(&set, stdout);
		r.key = set.key;
		r.keyed = true;
		rc = acct_refs_add_set(&r, &set);
		if (rc < 0)
			snprintf(err, sizeof err, "summarising the jobs: out of memory");
	}
	acct_free(&set);
	if (rc == 0 && load_class_refs(c, &r) < 0)
		rc = -1, err[0] = '\0';
	if (rc == 0)
		rc = acct_refs_write(c->write_class_refs, &r, err, sizeof err);
	if (rc == 0) {
		size_t with = 0;
		uint64_t jobs = 0;
		for (size_t i = 0; i < r.n; i++) {
			with += r.c[i].runs >= ACCT_MIN_RUNS;
			jobs += r.c[i].runs;
		}
		printf("class references: %zu classes (%zu with at least %d runs), %llu jobs, by"
		       " --class %s, from %zu accounting and %zu class references files\n"
		       "class references written: %s (id %016llx)\n", r.n, with, ACCT_MIN_RUNS,
		       (unsigned long long)jobs, acct_class_name(r.key), c->nacct, c->nclass_refs,
		       c->write_class_refs, (unsigned long long)acct_refs_id(&r));
	}
	acct_refs_free(&r);
	if (rc < 0 && err[0])
		fail(err, EXIT_FAIL);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
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
	if (c->snapshot) {
		/* wait up to 30 s for the elim's write lock (held per batch) */
		if (snapshot_copy(c->snapshot, c->histories[0], 30000, err, sizeof err) < 0)
			return fail(err, EXIT_FAIL);
		printf("snapshot written: %s\n", c->histories[0]);
		return EXIT_OK;
	}
	if (c->promote) {
		static char done[16384];
		int n = promote_run(c->promote, c->nhistories ? c->histories[0] : NULL, done,
				    sizeof done, err, sizeof err);
		fputs(done, stdout);
		if (n < 0)
			return fail(err, EXIT_FAIL);
		printf("groups promoted: %d\n", n);
		return EXIT_OK;
	}
	if (c->write_class_refs)
		return write_class_refs(c);
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
static int load_incumbent(const struct train_cli *c, const char *output,
			  const struct feature_schema *schema, struct model *m, bool *have,
			  uint64_t *id, const char **name)
{
	char err[1024] = "";
	if (c->incumbent) {
		if (partial_model_id(c->incumbent, schema, m, have, id, err, sizeof err) < 0)
			return fail(err, -1);
		*name = *have ? c->incumbent : NULL;
		return 0;
	}
	*name = replace_load_installed(output, schema, m, have, err, sizeof err);
	if (err[0])
		fprintf(stderr, "rank-train: warning: %s\n", err);
	return 0;
}

/* The hosts' probe speeds of sr into f (they fit: a factor's host limit). */
static int partial_speeds(const struct speed_ref *sr, struct factor *f, char *err, size_t errlen)
{
	if (sr->n > FACTOR_MAX_HOSTS)
		return errmsg(err, errlen, -E2BIG, "probe speeds of %zu hosts: a factor file holds"
			      " at most %d; make one a host", sr->n, FACTOR_MAX_HOSTS);
	f->nunit = sr->n;
	for (size_t h = 0; h < sr->n; h++) {
		struct factor_unit *u = &f->unit[h];
		snprintf(u->host, sizeof u->host, "%s", sr->host[h].host);
		u->work = sr->host[h].work;
		u->seconds = sr->host[h].seconds;
		u->rows = sr->host[h].rows;
	}
	return 0;
}

/* --partial: the pass only, written as a factor file, with the hosts' probe speeds. */
static int write_partial(const struct train_cli *c, struct train_result *r, uint64_t inc_id,
			 const struct speed_ref *sr, char **files, size_t nfiles)
{
	char err[1024];
	struct factor *f = malloc(sizeof *f);
	int rc = f ? train_run(&c->train, files, nfiles, r, err, sizeof err) : -ENOMEM;
	if (f == NULL)
		snprintf(err, sizeof err, "out of memory");
	if (rc == 0) {
		partial_from_run(r, &c->train, inc_id, f);
		rc = partial_speeds(sr, f, err, sizeof err);
	}
	if (rc == 0)
		rc = factor_write(c->partial, f, err, sizeof err);
	if (rc == 0) {
		printf("rows: %llu read, %llu used, %llu skipped (unknown values)\n"
		       "hosts: %zu\n", (unsigned long long)f->rows_read,
		       (unsigned long long)f->rows_used, (unsigned long long)f->rows_skipped, f->nhosts);
		speed_ref_report(sr, stdout);
		printf("factor written: %s (%zu bytes)\n", c->partial, factor_size(f));
	}
	free(f);
	train_result_free(r);
	if (rc < 0)
		return fail(err, rc == -ENODATA || rc == -EDOM ? EXIT_DATA : EXIT_FAIL);
	return EXIT_OK;
}

/* --extract: the rows and columns training needs, as a history. */
static int write_extract(const struct train_cli *c, const struct model *incumbent,
			 char **files, size_t nfiles)
{
	char err[1024];
	bool extra[FEAT_VECTOR_LEN] = { false };
	/* the probe's speed (speed_ref.h), of the rows kept */
	extra[FEAT_probe_unit_seconds] = extra[FEAT_probe_work_version] = true;
	for (size_t i = 0; incumbent && i < incumbent->n_terms; i++) {
		extra[incumbent->terms[i].a] = true;
		if (incumbent->terms[i].kind == TERM_PRODUCT)
			extra[incumbent->terms[i].b] = true;
	}
	uint64_t rows;
	int rc = extract_write(&c->train.spec, extra, files, nfiles, c->extract, &rows, err, sizeof err);
	if (rc < 0)
		return fail(err, EXIT_FAIL);
	printf("rows extracted: %llu\nextract written: %s\n", (unsigned long long)rows, c->extract);
	return EXIT_OK;
}

/* The learned speeds: the report, and the lines into learned[]; returns how many. */
static size_t report_speeds(const struct acct_speed *sp, const struct hostmap *groups,
			    struct model_speed *learned)
{
	size_t left;
	acct_speed_report(sp, stdout);
	size_t n = acct_speed_lines(sp, groups, learned, MODEL_MAX_SPEED, &left);
	if (left)
		printf("speed: %zu learned factors not written: outside %g to %g, a name a speed line"
		       " cannot hold, or more than %d\n", left, MODEL_SPEED_MIN, MODEL_SPEED_MAX,
		       MODEL_MAX_SPEED);
	return n;
}

/*
 * m's speed lines: learned[0..nlearned), then those of the model at
 * --output that no learned one replaces (a bad line there is a warning:
 * the good ones are carried; learned ones that do not fit beside them are
 * left out, and said).
 */
static void set_speed_lines(const char *output, struct model *m,
			    const struct model_speed *learned, size_t nlearned)
{
	static struct model_speed carried[MODEL_MAX_SPEED];
	char err[1024];
	size_t ncarried, ndropped, nleft;
	if (speed_lines_read(output, carried, &ncarried, err, sizeof err) < 0)
		fprintf(stderr, "rank-train: warning: %s: not carried\n", err);
	speed_lines_set(m, learned, nlearned, carried, ncarried, &ndropped, &nleft);
	if (nleft)
		fprintf(stderr, "rank-train: warning: %zu learned speed lines left out: a model holds"
			" at most %d (--speed-groups with globs gives one line a group)\n", nleft,
			MODEL_MAX_SPEED);
	if (ncarried || nlearned)
		printf("speed lines: %zu learned, %zu carried from %s (%zu replaced by learned ones)\n",
		       nlearned - nleft, ncarried - ndropped, output, ndropped);
}

/*
 * m's speed-reference line: sr's, else (no history read has the probe's
 * speed) the one of the model at output, carried (a bad line there is a
 * warning, and not carried).
 */
static void set_speed_reference(const char *output, struct model *m, const struct speed_ref *sr)
{
	char err[1024], from[128], meta[200];
	double s;
	unsigned w;
	speed_ref_to_model(sr, m);
	if (sr->ref >= 0)
		return;
	if (speed_lines_reference(output, &s, &w, from, sizeof from, err, sizeof err) < 0)
		fprintf(stderr, "rank-train: warning: %s: not carried\n", err);
	if (!(s > 0))
		return;
	m->speed_reference = s;
	m->speed_reference_work = w;
	snprintf(meta, sizeof meta, "%s", from[0] ? from : "carried");
	model_meta_set(m, "speed-reference-from", meta);
	printf("speed reference: %.6g s per probe unit carried from %s\n", s, output);
}

/*
 * One run over files[0..nfiles) (not released here), its model written to
 * output, or when to is not NULL to to[0..nto) instead (--canary: none,
 * said, when nto is 0), with "meta group GROUP" when group is not NULL;
 * output is the model compared with and whose speed lines are carried: the
 * incumbent, the known-share filter on a copy of the terms,
 * the labels, the fit or the --partial / --extract step, the reports and
 * the replace decision; sr the cluster's speed reference (the hosts'
 * values for --partial), reported and written into the model.  Returns
 * the exit status.
 */
static int fit_one(struct train_cli *c, const char *output, const char *group,
		   const char *const *to, size_t nto, const struct speed_ref *sr, char **files,
		   size_t nfiles)
{
	static struct model installed, m;
	static struct acct_set acct;
	static struct acct_speed speed;
	static struct acct_refs refs;
	static struct merge_speed ms;
	double *yscale = NULL;
	static struct hostmap host_map, groups;
	static struct model_speed learned[MODEL_MAX_SPEED];
	static struct train_result r;
	static struct model_term local[MODEL_MAX_TERMS];
	size_t nlearned = 0;
	struct train_opts *o = &c->train;
	struct candidates_dropped dropped[MODEL_MAX_TERMS];
	struct replace_decision d;
	char err[1024];
	size_t ndropped;
	bool have;
	int rc;

	/* the candidates as setup() made them: the filter below drops from a copy */
	const struct model_term *terms0 = o->spec.terms;
	size_t n_terms0 = o->spec.n_terms;
	memcpy(local, terms0, n_terms0 * sizeof local[0]);
	o->spec.terms = local;
	uint64_t inc_id = 0;
	const char *inc_name;
	if (load_incumbent(c, output, o->spec.schema, &installed, &have, &inc_id, &inc_name) < 0) {
		rc = EXIT_FAIL;
		goto out;
	}
	o->incumbent = have ? &installed : NULL;
	o->window_grid = c->partial || c->merge;
	o->partial = c->partial != NULL;
	o->drop_constant = c->terms == NULL;   /* default terms: leave out the mostly unknown */
	if (c->terms == NULL) {
		if (candidates_drop_unknown(&o->spec, files, nfiles, local, &o->spec.n_terms,
					    dropped, &ndropped, err, sizeof err) < 0) {
			rc = fail(err, EXIT_FAIL);
			goto out;
		}
		candidates_report_dropped(stdout, o->spec.schema, dropped, ndropped, o->select);
	}
	struct acct_speed *sp = NULL;
	if (c->nclass_refs) {
		if (load_class_refs(c, &refs) < 0) {
			rc = EXIT_FAIL;
			goto out;
		}
		o->class_refs_id = acct_refs_id(&refs);
		printf("class references: %zu files, %zu classes, by --class %s (id %016llx)\n",
		       c->nclass_refs, refs.n, acct_class_name(refs.key),
		       (unsigned long long)o->class_refs_id);
	}
	if (c->acct) {
		/* with class references the speeds are learned after the fit (merge_speed) */
		sp = c->no_learn_speed || c->nclass_refs ? NULL : &speed;
		struct acct_labels_opts ao = { .paths = c->acct_files, .npaths = c->nacct,
					       .host_map = c->host_map ? &host_map : NULL,
					       .groups = c->speed_groups ? &groups : NULL,
					       .refs = c->nclass_refs ? &refs : NULL };
		acct_class_parse(c->acct_class, &ao.key);   /* checked by the options */
		if ((c->host_map && hostmap_load(c->host_map, &host_map, err, sizeof err) < 0) ||
		    (c->speed_groups && hostmap_load(c->speed_groups, &groups, err, sizeof err) < 0) ||
		    acct_labels_attach(&ao, files, nfiles, &o->spec, &acct, sp, err,
				       sizeof err) < 0) {
			rc = fail(err, EXIT_FAIL);
			goto out;
		}
		acct_report(&acct, stdout);
	}
	if (c->partial) {
		rc = write_partial(c, &r, inc_id, sr, files, nfiles);
		goto out;
	}
	if (c->extract) {
		rc = write_extract(c, o->incumbent, files, nfiles);
		goto out;
	}
	/* with class references the speeds are learned per host with the model,
	 * from the rows or the factors alike (merge_speed.h) */
	bool learn_ms = c->nclass_refs && !c->no_learn_speed && c->speed_rounds > 1;
	if (learn_ms && c->merge && o->incumbent) {
		rc = fail("--merge learning host speeds (--class-refs) needs --incumbent none: the"
			  " installed model's errors on rescaled labels are not in the factors; or"
			  " merge with --no-learn-speed", EXIT_USAGE);
		goto out;
	}
	rc = c->merge ? partial_merge(o, files, nfiles, inc_id, &r, err, sizeof err)
		: train_run(o, files, nfiles, &r, err, sizeof err);
	if (learn_ms && c->merge && (yscale = malloc((nfiles ? nfiles : 1) * sizeof *yscale)) == NULL)
		rc = -ENOMEM, snprintf(err, sizeof err, "out of memory");
	for (unsigned k = 1; rc == 0 && learn_ms && k < c->speed_rounds; k++) {
		rc = c->merge ? merge_speed_factors(&ms, &r, files, nfiles, err, sizeof err)
			: merge_speed_rows(&ms, &r, &o->spec, files, nfiles, err, sizeof err);
		if (rc < 0)
			break;
		merge_speed_update(&ms);
		train_result_free(&r);
		if (c->merge) {
			merge_speed_scales(&ms, yscale);
			rc = partial_merge_scaled(o, files, nfiles, inc_id, yscale, &r, err, sizeof err);
		} else {
			merge_speed_relabel(&ms, &acct);
			rc = train_run(o, files, nfiles, &r, err, sizeof err);
		}
	}
	if (rc == 0 && learn_ms) {
		size_t left;
		merge_speed_report(&ms, &refs, stdout);
		nlearned = merge_speed_lines(&ms, learned, MODEL_MAX_SPEED, &left);
		if (left)
			printf("speed: %zu learned factors not written: outside %g to %g, a name a speed"
			       " line cannot hold, or more than %d\n", left, MODEL_SPEED_MIN,
			       MODEL_SPEED_MAX, MODEL_MAX_SPEED);
	}
	for (unsigned k = 1; rc == 0 && sp && k < c->speed_rounds; k++) {
		/* the alternating step (acct_refine.h), then the fit again */
		train_to_model(&r, &m);
		rc = acct_refine(&acct, sp, &m, &o->spec, files, nfiles, err, sizeof err);
		train_result_free(&r);
		if (rc == 0)
			rc = train_run(o, files, nfiles, &r, err, sizeof err);
	}
	if (rc == 0 && sp)
		nlearned = report_speeds(sp, c->speed_groups ? &groups : NULL, learned);
	if (rc < 0) {
		train_result_free(&r);
		rc = fail(err, rc == -ENODATA || rc == -EDOM ? EXIT_DATA : EXIT_FAIL);
		goto out;
	}
	struct report_info info = { .label = o->spec.label, .nfiles = nfiles,
				    .incumbent_name = inc_name, .speed = sr };
	int status = write_reports(c, &r, &info);
	train_to_model(&r, &m);
	provenance_set(&m, &r, o->spec.label, files, nfiles, time(NULL));
	replace_decide(&r, o->incumbent, o->spec.label, c->force, &d);
	if (d.note[0])
		printf("%s\n", d.note);
	if (status != EXIT_OK) {
		fail("no model written", status);
	} else if (c->dry_run) {
		printf("dry run: no model written\n");
	} else if (d.keep) {
		fprintf(stderr, "rank-train: not replacing %s: %s\n", output, d.why);
		printf("model not written: the installed model does better\n");
		status = EXIT_KEPT;
	} else {
		struct model_error merr;
		set_speed_lines(output, &m, learned, nlearned);
		set_speed_reference(output, &m, sr);
		if (group)
			model_meta_set(&m, "group", group);
		if (to && nto == 0)
			printf("model not written: no --canary host in group %s\n", group);
		for (size_t i = 0; i < (to ? nto : 1) && status == EXIT_OK; i++) {
			const char *path = to ? to[i] : output;
			if (model_save(&m, path, &merr) < 0)
				status = fail(merr.msg, EXIT_FAIL);
			else
				printf("model written: %s%s\n", path, to ? " (canary)" : "");
		}
	}
	train_result_free(&r);
	rc = status;
out:
	/* the labels and speeds of this run: a --group-by run does the next group afresh */
	acct_refs_free(&refs);
	merge_speed_free(&ms);
	free(yscale);
	o->class_refs_id = 0;
	if (c->acct) {
		acct_free(&acct);
		acct_speed_free(&speed);
		hostmap_free(&host_map);
		hostmap_free(&groups);
		o->spec.label_fn = NULL;
		o->spec.label_ctx = NULL;
	}
	o->spec.terms = terms0;
	o->spec.n_terms = n_terms0;
	return rc;
}

/* Of two exit statuses, the one to report: a failure, else no data, else kept. */
static int worse(int a, int b)
{
	static const int order[] = { EXIT_OK, EXIT_KEPT, EXIT_DATA, EXIT_USAGE, EXIT_FAIL };
	int ra = 0, rb = 0;
	for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++) {
		if (order[i] == a)
			ra = i;
		if (order[i] == b)
			rb = i;
	}
	return ra >= rb ? a : b;
}

#define CANARY_MAX 256

/* --canary HOSTS: the names, checked, into names (copied into buf). */
static int canary_hosts(const char *list, char *buf, size_t buflen, const char **names,
			size_t *n, char *err, size_t errlen)
{
	snprintf(buf, buflen, "%s", list);
	*n = 0;
	for (char *save = NULL, *h = strtok_r(buf, ", ", &save); h; h = strtok_r(NULL, ", ", &save)) {
		if (!hostmatch_valid(h) || hostmatch_is_glob(h)) {
			snprintf(err, errlen, "--canary: '%s' is not a host name (no globs: each"
				 " canary host gets its own file)", h);
			return -1;
		}
		if (*n == CANARY_MAX) {
			snprintf(err, errlen, "--canary: more than %d hosts", CANARY_MAX);
			return -1;
		}
		names[(*n)++] = h;
	}
	if (*n == 0) {
		snprintf(err, errlen, "--canary: no host named");
		return -1;
	}
	return 0;
}

/*
 * One group's run: to DIR/GROUP.model, or with --canary to
 * DIR/canary/HOST.model for each canary host in the group.
 */
static int run_group(struct train_cli *c, const struct hostmap *map, const char *group,
		     const char *const *canary, size_t ncanary, const struct speed_ref *sr,
		     char **files, size_t nfiles)
{
	static char paths[CANARY_MAX][PATH_MAX];
	static const char *to[CANARY_MAX];
	char path[PATH_MAX];
	size_t nto = 0;
	if (snprintf(path, sizeof path, "%s/%s.model", c->output, group) >= (int)sizeof path)
		return fail("--output: path too long", EXIT_FAIL);
	for (size_t i = 0; i < ncanary; i++) {
		const char *g = hostmap_lookup(map, canary[i]);
		if (strcmp(g ? g : GROUP_DEFAULT, group) != 0)
			continue;
		if (snprintf(paths[nto], sizeof paths[nto], "%s/canary/%s.model", c->output,
			     canary[i]) >= (int)sizeof paths[nto])
			return fail("--output: path too long", EXIT_FAIL);
		to[nto] = paths[nto];
		nto++;
	}
	return fit_one(c, path, group, c->canary ? to : NULL, nto, sr, files, nfiles);
}

/*
 * --group-by: one run per group on its files, written to DIR/GROUP.model
 * (group_split.h), then the default model DIR/default.model from all the
 * files, for hosts in no group; with --canary, to the canary hosts' files
 * instead; every model with the one speed reference sr, from all the files.
 * Returns the worst status of the runs.
 */
static int run_groups(struct train_cli *c, const struct speed_ref *sr, char **files,
		      size_t nfiles)
{
	static struct hostmap map;
	static struct group_set gs;
	static char canary_buf[8192];
	static const char *canary[CANARY_MAX];
	size_t ncanary = 0;
	char err[PATH_MAX + 1024], path[PATH_MAX];
	struct stat st;
	if (stat(c->output, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail("--group-by: --output must name an existing directory (the models go"
			    " there as GROUP.model and default.model)", EXIT_USAGE);
	if (c->canary && canary_hosts(c->canary, canary_buf, sizeof canary_buf, canary, &ncanary,
				      err, sizeof err) < 0)
		return fail(err, EXIT_USAGE);
	snprintf(path, sizeof path, "%s/canary", c->output);
	if (c->canary && mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, sizeof err, "%s: %s", path, strerror(errno));
		return fail(err, EXIT_FAIL);
	}
	if (hostmap_load(c->group_by, &map, err, sizeof err) < 0 ||
	    group_split(&map, c->merge, files, nfiles, &gs, err, sizeof err) < 0) {
		hostmap_free(&map);
		return fail(err, EXIT_FAIL);
	}
	int status = EXIT_OK;
	for (size_t i = 0; i < gs.n; i++) {
		const struct group_files *g = &gs.g[i];
		printf("== group %s: %zu files, %zu hosts\n", g->name, g->nfiles, g->nhosts);
		fflush(stdout);
		status = worse(status, run_group(c, &map, g->name, canary, ncanary, sr, g->files,
						 g->nfiles));
		fflush(stdout);
	}
	printf("== default (hosts in no group: %zu files, %zu hosts; fitted on all %zu files)\n",
	       gs.nrest, gs.rest_hosts, nfiles);
	fflush(stdout);
	status = worse(status, run_group(c, &map, GROUP_DEFAULT, canary, ncanary, sr, files,
					 nfiles));
	group_set_free(&gs);
	hostmap_free(&map);
	return status;
}

/*
 * The cluster's speed reference into sr: the hosts' probe speeds from the
 * histories (or, with --merge, from the factor files) and the host
 * --speed-reference names (for --partial, the hosts' values alone).
 * Returns -1 to go on, else the exit status.
 */
static int speed_reference(const struct train_cli *c, struct speed_ref *sr, char **files,
			   size_t nfiles)
{
	static struct factor f;   /* large: off the stack */
	char err[1024];
	int rc = 0;
	if (c->merge) {
		for (size_t i = 0; i < nfiles && rc == 0; i++) {
			rc = factor_read(files[i], &f, err, sizeof err);
			for (size_t h = 0; h < f.nunit && rc == 0; h++)
				if (speed_ref_add(sr, f.unit[h].host, f.unit[h].work, f.unit[h].seconds,
						  f.unit[h].rows) < 0)
					rc = errmsg(err, sizeof err, -ENOMEM, "out of memory");
		}
	} else if (c->extract == NULL) {
		rc = speed_ref_read_histories(sr, &c->train.spec, files, nfiles, err, sizeof err);
	}
	if (rc == 0)
		rc = speed_ref_choose(sr, c->partial ? NULL : c->speed_reference, err, sizeof err);
	if (rc < 0)
		return fail(err, rc == -ENODATA ? EXIT_DATA : EXIT_FAIL);
	return -1;
}

int main(int argc, char **argv)
{
	static struct train_cli c;
	static struct speed_ref sr;
	static struct feature_schema schema;
	static struct model_term terms[MODEL_MAX_TERMS];
	char err[1024], **files = NULL;

	gsl_set_error_handler_off();
	int rc = setup(argc, argv, &c, &schema, terms);
	if (rc >= 0)
		return rc;
	long nfiles = c.merge ? partial_expand(c.histories, c.nhistories, &files, err, sizeof err)
		: dataset_expand(c.histories, c.nhistories, &files, err, sizeof err);
	if (nfiles < 0)
		return fail(err, EXIT_FAIL);
	rc = speed_reference(&c, &sr, files, (size_t)nfiles);
	if (rc < 0)
		rc = c.group_by ? run_groups(&c, &sr, files, (size_t)nfiles)
			: fit_one(&c, c.output, NULL, NULL, 0, &sr, files, (size_t)nfiles);
	speed_ref_free(&sr);
	dataset_free_files(files, (size_t)nfiles);
	return rc;
}

/*
 * rank-train: fit a rank model from elim-rank history files.
 *
 * main() only parses options (one getopt_long table, one switch: add an
 * option by adding an OPT_ code, a table row, a case and a usage line),
 * then runs train_run, reports, and decides whether to write the model.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "acct.h"
#include "dataset.h"
#include "model.h"
#include "report.h"
#include "report_html.h"
#include "train.h"

/* Exit statuses, documented in rank-train(8). */
enum {
	EXIT_OK = 0,        /* model written, or --dry-run */
	EXIT_FAIL = 1,      /* a history or an output could not be read or written */
	EXIT_USAGE = 2,
	EXIT_DATA = 3,      /* the data cannot give a model */
	EXIT_KEPT = 4,      /* the installed model does better on the same rows: kept */
};

enum {
	OPT_LABEL = 'l', OPT_TERMS = 't', OPT_SINCE = 's', OPT_UNTIL = 'u', OPT_HOST = 'H',
	OPT_OUTPUT = 'o', OPT_DRY_RUN = 'n', OPT_HELP = 'h', OPT_VERSION = 'V',
	OPT_METHOD = 256, OPT_LAMBDA, OPT_FOLDS, OPT_SELECT, OPT_MAX_TERMS, OPT_ROBUST_ROWS,
	OPT_FORCE, OPT_REPORT, OPT_EXPORT_CSV, OPT_ACCT,
};

static const struct option longopts[] = {
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "acct", required_argument, NULL, OPT_ACCT },
	{ "terms", required_argument, NULL, OPT_TERMS },
	{ "select", no_argument, NULL, OPT_SELECT },
	{ "max-terms", required_argument, NULL, OPT_MAX_TERMS },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "lambda", required_argument, NULL, OPT_LAMBDA },
	{ "folds", required_argument, NULL, OPT_FOLDS },
	{ "robust-rows", required_argument, NULL, OPT_ROBUST_ROWS },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "export-csv", required_argument, NULL, OPT_EXPORT_CSV },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: rank-train [OPTION]... (--label COLUMN | --acct FILE) HISTORY...\n"
"Fit a rank model from elim-rank history databases (files, or directories of\n"
"*.db files) and write it where elim.rank loads it.  Copy histories from\n"
"hosts as snapshots: sqlite3 history.db \"VACUUM INTO '/tmp/HOST.db'\".\n"
"\n"
"  --label COLUMN       the history column to predict (required without --acct)\n"
"  --acct FILE          label: job slowdowns from this lsb.acct (see rank-train(8))\n"
"  --terms LIST         comma-separated terms: features or sq(f), mul(f,g),\n"
"                       hinge(f,knot) (default: the embedded model's terms;\n"
"                       with --select: those and every feature)\n"
"  --select             choose terms among --terms (at most %d) by forward\n"
"                       selection on cross-validated error\n"
"  --max-terms N        at most N terms with --select (default 8)\n"
"  --method M           ols (default), ridge, or robust (bisquare on a sample)\n"
"  --lambda L           ridge parameter: cv (default), lcurve, or a number\n"
"  --folds K            cross-validation time blocks, 2..%d (default 5)\n"
"  --robust-rows N      sample size for --method robust (default %d)\n"
"  --since EPOCH        only rows at or after this time (Unix seconds)\n"
"  --until EPOCH        only rows at or before this time\n"
"  --host NAME          only rows from this host\n"
"  --output FILE        where to write the model (default %s/rank.model)\n"
"  --force              replace the installed model even if it does better\n"
"  --dry-run            fit and report, write no model\n"
"  --report FILE.html   also write a self-contained HTML report with plots\n"
"  --export-csv FILE    also write the rows used as CSV\n"
"  --help               show this help and exit\n"
"  --version            show the version and exit\n"
"\n"
"Exit status: 0 model written (or --dry-run), 1 error reading or writing,\n"
"2 usage error, 3 the data cannot give a model (too few rows, a constant or\n"
"collinear term), 4 not replaced: the installed model's error on the same\n"
"rows is lower (see --force).  See rank-train(8).\n",
		SELECT_MAX_CANDIDATES, ACCUM_MAX_FOLDS, TRAIN_ROBUST_ROWS, PKGSYSCONFDIR);
}

static int add_term(struct model_term *terms, size_t *n, const struct model_term *t)
{
	for (size_t i = 0; i < *n; i++)
		if (terms[i].kind == t->kind && terms[i].a == t->a &&
		    (t->kind != TERM_PRODUCT || terms[i].b == t->b) &&
		    (t->kind != TERM_HINGE || terms[i].knot == t->knot))
			return 0;   /* already there */
	if (*n >= MODEL_MAX_TERMS)
		return -1;
	terms[(*n)++] = *t;
	return 0;
}

static int parse_terms(const char *list, const struct feature_schema *schema,
		       struct model_term *terms, size_t *n)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf) {
		fprintf(stderr, "rank-train: --terms: list too long\n");
		return -1;
	}
	*n = 0;
	/* split on commas that are not inside parentheses */
	int depth = 0;
	char *start = buf;
	for (char *p = buf; ; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if ((*p == ',' && depth == 0) || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (*start) {
				struct model_error err;
				struct model_term t;
				if (model_parse_expr(start, schema, &t, &err) < 0) {
					fprintf(stderr, "rank-train: --terms: %s\n", err.msg);
					return -1;
				}
				if (add_term(terms, n, &t) < 0) {
					fprintf(stderr, "rank-train: --terms: at most %d terms\n", MODEL_MAX_TERMS);
					return -1;
				}
			}
			if (c == '\0')
				break;
			start = p + 1;
		}
	}
	if (*n == 0) {
		fprintf(stderr, "rank-train: --terms: no terms given\n");
		return -1;
	}
	return 0;
}

static int parse_epoch(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi || s[0] == '-') {
		fprintf(stderr, "rank-train: --%s: '%s' is not a whole number from %lu to %lu\n",
			opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static void set_meta(struct model *m, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_meta(struct model *m, const char *key, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	model_meta_set(m, key, buf);
}

static void provenance(struct model *m, const struct train_result *r, const char *label,
		       char *const *files, size_t nfiles)
{
	char a[32], b[32];
	time_t now = time(NULL);
	report_time(a, sizeof a, (int64_t)now);
	model_meta_set(m, "created", a);
	set_meta(m, "trainer", "rank-train %s", PACKAGE_VERSION);
	set_meta(m, "method", "%s%s%s", r->method, r->lambda_rule ? " lambda=" : "",
		 r->lambda_rule ? r->lambda_rule : "");
	if (r->lambda_rule)
		set_meta(m, "lambda", "%.6g", r->fit.lambda);
	model_meta_set(m, "label", label);
	set_meta(m, "rows", "%llu", (unsigned long long)r->stats.rows_used);
	set_meta(m, "hosts", "%zu", r->stats.hosts);
	report_time(a, sizeof a, r->tmin);
	report_time(b, sizeof b, r->tmax);
	set_meta(m, "window", "%s %s", a, b);
	set_meta(m, "cv_folds", "%u time blocks", r->F.k);
	set_meta(m, "cv_rmse", "%.6g", r->fit.cv_rmse);
	set_meta(m, "r2", "%.6f", r->fit.r2);
	if (r->baseline.present)
		set_meta(m, "baseline_cv_rmse", "%.6g", r->baseline.cv_rmse);
	const struct train_eval *ie = train_incumbent_error(r);
	if (ie)
		set_meta(m, "previous_rmse", "%.6g", ie->cv_rmse);
	char src[128];
	size_t off = 0;
	for (size_t i = 0; i < nfiles && off < sizeof src - 1; i++) {
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		int n = snprintf(src + off, sizeof src - off, "%s%s", i ? " " : "", base);
		if (n < 0 || (size_t)n >= sizeof src - off) {
			snprintf(src + (sizeof src - 5), 5, " ...");
			break;
		}
		off += (size_t)n;
	}
	model_meta_set(m, "sources", src);
}

/* The model currently installed at path, or the embedded default when none is. */
static const char *load_incumbent(const char *path, const struct feature_schema *schema,
				  struct model *m, bool *have)
{
	struct model_error merr;
	*have = false;
	int rc = model_load_file(path, schema, m, &merr);
	if (rc == 0) {
		*have = true;
		return path;
	}
	if (rc == -ENOENT) {
		if (model_load_default(m, &merr) == 0) {
			*have = true;
			return "none installed: embedded default";
		}
		return NULL;
	}
	if (merr.line)
		fprintf(stderr, "rank-train: warning: installed model %s: line %d: %s: not compared,"
			" will be replaced\n", path, merr.line, merr.msg);
	else
		fprintf(stderr, "rank-train: warning: installed model %s: %s: not compared, will be"
			" replaced\n", path, merr.msg);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct model_term terms[MODEL_MAX_TERMS];
	static struct train_opts o;
	static struct feature_schema schema;
	const char *terms_arg = NULL, *acct_path = NULL, *output = NULL, *report = NULL;
	char default_out[4096];
	int dry_run = 0, force = 0, c;
	unsigned long v;

	gsl_set_error_handler_off();
	feature_schema_init(&schema);
	o.spec.schema = &schema;
	o.spec.terms = terms;
	o.folds = 5;
	o.max_terms = 8;
	o.method = TRAIN_OLS;
	o.lambda_rule = TRAIN_LAMBDA_CV;
	o.seed = 1;
	snprintf(default_out, sizeof default_out, "%s/rank.model", PKGSYSCONFDIR);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LABEL: o.spec.label = optarg; break;
		case OPT_ACCT: acct_path = optarg; o.spec.label = "acct_slowdown"; break;
		case OPT_TERMS: terms_arg = optarg; break;
		case OPT_SELECT: o.select = true; break;
		case OPT_MAX_TERMS:
			if (parse_count("max-terms", optarg, 1, MODEL_MAX_TERMS, &v) < 0)
				return EXIT_USAGE;
			o.max_terms = v;
			break;
		case OPT_METHOD:
			if (strcmp(optarg, "ols") == 0)
				o.method = TRAIN_OLS;
			else if (strcmp(optarg, "ridge") == 0)
				o.method = TRAIN_RIDGE;
			else if (strcmp(optarg, "robust") == 0)
				o.method = TRAIN_ROBUST;
			else {
				fprintf(stderr, "rank-train: --method: '%s' is not ols, ridge or robust\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_LAMBDA:
			if (strcmp(optarg, "cv") == 0)
				o.lambda_rule = TRAIN_LAMBDA_CV;
			else if (strcmp(optarg, "lcurve") == 0)
				o.lambda_rule = TRAIN_LAMBDA_LCURVE;
			else {
				char *end;
				errno = 0;
				o.lambda = strtod(optarg, &end);
				if (end == optarg || *end || errno || !isfinite(o.lambda) || o.lambda < 0) {
					fprintf(stderr, "rank-train: --lambda: '%s' is not cv, lcurve or a"
						" number >= 0\n", optarg);
					return EXIT_USAGE;
				}
				o.lambda_rule = TRAIN_LAMBDA_FIXED;
			}
			break;
		case OPT_FOLDS:
			if (parse_count("folds", optarg, 2, ACCUM_MAX_FOLDS, &v) < 0)
				return EXIT_USAGE;
			o.folds = (unsigned)v;
			break;
		case OPT_ROBUST_ROWS:
			if (parse_count("robust-rows", optarg, 100, 1000000, &v) < 0)
				return EXIT_USAGE;
			o.robust_rows = v;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (parse_epoch(optarg, c == OPT_SINCE ? &o.spec.since : &o.spec.until) < 0) {
				fprintf(stderr, "rank-train: --%s: '%s' is not a Unix time in seconds\n",
					c == OPT_SINCE ? "since" : "until", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_HOST: o.spec.host = optarg; break;
		case OPT_OUTPUT: output = optarg; break;
		case OPT_FORCE: force = 1; break;
		case OPT_DRY_RUN: dry_run = 1; break;
		case OPT_REPORT: report = optarg; break;
		case OPT_EXPORT_CSV: o.csv_path = optarg; break;
		case OPT_HELP: usage(stdout); return EXIT_OK;
		case OPT_VERSION: printf("rank-train (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return EXIT_OK;
		case ':':
			fprintf(stderr, "rank-train: option '%s' needs an argument\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "rank-train: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (o.spec.label == NULL || optind >= argc) {
		fprintf(stderr, "rank-train: %s\n", o.spec.label ? "no history files given" : "--label is required");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.spec.since && o.spec.until && o.spec.until < o.spec.since) {
		fprintf(stderr, "rank-train: --until is before --since\n");
		return EXIT_USAGE;
	}
	if (o.lambda_rule != TRAIN_LAMBDA_CV && o.method != TRAIN_RIDGE) {
		fprintf(stderr, "rank-train: --lambda only applies to --method ridge\n");
		return EXIT_USAGE;
	}
	char err[1024];
	/* the traffic-class features the histories have columns for */
	if (dataset_schema(argv + optind, (size_t)(argc - optind), &schema, err, sizeof err) < 0) {
		fprintf(stderr, "rank-train: %s\n", err);
		return EXIT_FAIL;
	}
	if (terms_arg) {
		if (parse_terms(terms_arg, &schema, terms, &o.spec.n_terms) < 0)
			return EXIT_USAGE;
	} else {
		struct model def;
		struct model_error merr;
		if (model_load_default(&def, &merr) < 0) {
			fprintf(stderr, "rank-train: embedded model: line %d: %s\n", merr.line, merr.msg);
			return EXIT_FAIL;
		}
		o.spec.n_terms = def.n_terms;
		memcpy(terms, def.terms, def.n_terms * sizeof terms[0]);
		if (o.select)
			for (int f = 0; f < FEAT_VECTOR_LEN; f++) {
				if (feature_name(&schema, f) == NULL)
					continue;   /* an unbound slot */
				struct model_term t = { .kind = TERM_FEATURE, .a = f, .scale = 1.0 };
				add_term(terms, &o.spec.n_terms, &t);
			}
	}
	bool has_load1 = false;
	for (size_t i = 0; i < o.spec.n_terms; i++)
		has_load1 |= terms[i].kind == TERM_FEATURE && terms[i].a == FEAT_load1_per_core;
	if (o.spec.n_terms > (size_t)(has_load1 ? SELECT_MAX_CANDIDATES : SELECT_MAX_CANDIDATES - 1)) {
		fprintf(stderr, "rank-train: --terms: at most %d terms (%d without load1_per_core, which"
			" the baseline needs)\n", SELECT_MAX_CANDIDATES, SELECT_MAX_CANDIDATES - 1);
		return EXIT_USAGE;
	}
	if (output == NULL)
		output = default_out;

	static struct model incumbent;
	bool have_inc;
	const char *inc_name = load_incumbent(output, &schema, &incumbent, &have_inc);
	o.incumbent = have_inc ? &incumbent : NULL;

	char **files = NULL;
	long nfiles = dataset_expand(argv + optind, (size_t)(argc - optind), &files, err, sizeof err);
	if (nfiles < 0) {
		fprintf(stderr, "rank-train: %s\n", err);
		return EXIT_FAIL;
	}

	o.drop_constant = terms_arg == NULL;
	if (terms_arg == NULL) {
		/* default terms and candidates: leave out features mostly unknown
		 * in these histories (e.g. probe_slowdown before any probe ran) */
		double known[FEAT_VECTOR_LEN];
		struct dataset_spec probe = o.spec;
		probe.n_terms = 0;
		if (dataset_known_share(&probe, files, (size_t)nfiles, 10000, known, err, sizeof err) < 0) {
			fprintf(stderr, "rank-train: %s\n", err);
			dataset_free_files(files, (size_t)nfiles);
			return EXIT_FAIL;
		}
		size_t keep = 0;
		for (size_t i = 0; i < o.spec.n_terms; i++) {
			const struct model_term *t = &terms[i];
			double k = known[t->a];
			if (t->kind == TERM_PRODUCT && known[t->b] < k)
				k = known[t->b];
			if (t->a != FEAT_load1_per_core && !(k >= 0.5)) {
				char expr[96];
				model_term_expr(t, &schema, expr, sizeof expr);
				printf("%s %s left out: known in %.0f %% of the first rows only\n",
				       o.select ? "select: candidate" : "terms: default term", expr,
				       isfinite(k) ? 100 * k : 0.0);
				continue;
			}
			terms[keep++] = *t;
		}
		o.spec.n_terms = keep;
	}

	int rc;
	if (acct_path) {
		/* labels from job accounting, joined to each host's samples */
		static struct acct_set acct;
		rc = acct_read(acct_path, &acct, err, sizeof err);
		if (rc == 0) {
			acct_label(&acct);
			rc = acct_join(&acct, files, (size_t)nfiles, &o.spec, err, sizeof err);
		}
		if (rc < 0) {
			fprintf(stderr, "rank-train: %s\n", err);
			dataset_free_files(files, (size_t)nfiles);
			return EXIT_FAIL;
		}
		acct_report(&acct, stdout);
	}

	static struct train_result r;
	rc = train_run(&o, files, (size_t)nfiles, &r, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "rank-train: %s\n", err);
		train_result_free(&r);
		dataset_free_files(files, (size_t)nfiles);
		return rc == -ENODATA || rc == -EDOM ? EXIT_DATA : EXIT_FAIL;
	}
	struct report_info info = { .label = o.spec.label, .nfiles = (size_t)nfiles,
				    .incumbent_name = inc_name };
	report_text(stdout, &r, &info);
	int status = EXIT_OK;
	if (o.csv_path)
		printf("rows exported: %s\n", o.csv_path);
	if (report) {
		if (report_html_write(report, &r, &info, err, sizeof err) < 0) {
			fprintf(stderr, "rank-train: %s\n", err);
			status = EXIT_FAIL;
		} else {
			printf("report written: %s\n", report);
		}
	}

	static struct model m;
	train_to_model(&r, &m);
	provenance(&m, &r, o.spec.label, files, (size_t)nfiles);
	dataset_free_files(files, (size_t)nfiles);

	const char *inc_label = o.incumbent ? model_meta_get(o.incumbent, "label") : NULL;
	const struct train_eval *ie = train_incumbent_error(&r);
	bool comparable = ie && (inc_label == NULL || strcmp(inc_label, o.spec.label) == 0);
	bool better = comparable && ie->cv_rmse < r.fit.cv_rmse;
	if (ie && !comparable)
		printf("installed model predicts '%s', not '%s': its error is not comparable\n",
		       inc_label, o.spec.label);
	if (status != EXIT_OK) {
		fprintf(stderr, "rank-train: no model written\n");
	} else if (dry_run) {
		printf("dry run: no model written\n");
	} else if (better && !force) {
		fprintf(stderr, "rank-train: not replacing %s: the installed model's error on the same"
			" rows (%.6g, %s) is below the new model's cross-validated error (%.6g); --force"
			" replaces it anyway\n", output, ie->cv_rmse, ie == &r.incumbent_cv
			? "its terms refitted, as it was trained on these rows"
			: "as it is, not trained on these rows", r.fit.cv_rmse);
		printf("model not written: the installed model does better\n");
		status = EXIT_KEPT;
	} else {
		struct model_error merr;
		if (model_save(&m, output, &merr) < 0) {
			fprintf(stderr, "rank-train: %s\n", merr.msg);
			status = EXIT_FAIL;
		} else {
			printf("model written: %s\n", output);
		}
	}
	train_result_free(&r);
	return status;
}

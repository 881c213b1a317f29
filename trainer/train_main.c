/*
 * rank-train: fit a rank model from elim-rank history files.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "acct.h"
#include "dataset.h"
#include "fit.h"
#include "model.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_DATA = 3 };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: rank-train [OPTION]... --label COLUMN HISTORY...\n"
"Fit a rank model from elim-rank history databases (files, or directories of\n"
"*.db files) and write it where elim.rank loads it.\n"
"\n"
"  --label COLUMN       the history column to predict (required without --acct)\n"
"  --acct FILE          label: job slowdowns from this lsb.acct (see rank-train(8))\n"
"  --terms LIST         comma-separated terms: features or sq(f), mul(f,g),\n"
"                       hinge(f,knot) (default: the embedded model's terms)\n"
"  --since EPOCH        only rows at or after this time (Unix seconds)\n"
"  --until EPOCH        only rows at or before this time\n"
"  --host NAME          only rows from this host\n"
"  --output FILE        where to write the model (default %s/rank.model)\n"
"  --dry-run            fit and report, write nothing\n"
"  --help               show this help and exit\n"
"  --version            show the version and exit\n"
"\n"
"Exit status: 0 model written (or --dry-run), 1 error reading or writing,\n"
"2 usage error, 3 the data cannot give a model (too few rows, a constant or\n"
"collinear term).  See rank-train(8).\n", PKGSYSCONFDIR);
}

static int parse_terms(const char *list, struct model_term *terms, size_t *n)
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
				if (*n >= MODEL_MAX_TERMS) {
					fprintf(stderr, "rank-train: --terms: at most %d terms\n", MODEL_MAX_TERMS);
					return -1;
				}
				if (model_parse_expr(start, &terms[*n], &err) < 0) {
					fprintf(stderr, "rank-train: --terms: %s\n", err.msg);
					return -1;
				}
				(*n)++;
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "acct", required_argument, NULL, 'a' },
		{ "terms", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "host", required_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct model_term terms[MODEL_MAX_TERMS];
	struct dataset_spec spec = { .terms = terms };
	const char *terms_arg = NULL, *acct_path = NULL;
	static struct acct_set acct;
	char default_out[4096];
	const char *output = NULL;
	int dry_run = 0, c;

	gsl_set_error_handler_off();
	snprintf(default_out, sizeof default_out, "%s/rank.model", PKGSYSCONFDIR);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': spec.label = optarg; break;
		case 'a': acct_path = optarg; spec.label = "acct_slowdown"; break;
		case 't': terms_arg = optarg; break;
		case 's':
		case 'u':
			if (parse_epoch(optarg, c == 's' ? &spec.since : &spec.until) < 0) {
				fprintf(stderr, "rank-train: --%s: '%s' is not a Unix time in seconds\n",
					c == 's' ? "since" : "until", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'H': spec.host = optarg; break;
		case 'o': output = optarg; break;
		case 'n': dry_run = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		case 'V': printf("rank-train (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return EXIT_OK;
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
	if (spec.label == NULL || optind >= argc) {
		fprintf(stderr, "rank-train: %s\n", spec.label ? "no history files given" : "--label is required");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (terms_arg) {
		if (parse_terms(terms_arg, terms, &spec.n_terms) < 0)
			return EXIT_USAGE;
	} else {
		struct model def;
		struct model_error merr;
		if (model_load_default(&def, &merr) < 0) {
			fprintf(stderr, "rank-train: embedded model: line %d: %s\n", merr.line, merr.msg);
			return EXIT_FAIL;
		}
		spec.n_terms = def.n_terms;
		memcpy(terms, def.terms, def.n_terms * sizeof terms[0]);
	}
	if (output == NULL)
		output = default_out;

	char err[1024];
	char **files = NULL;
	int rc;
	long nfiles = dataset_expand(argv + optind, (size_t)(argc - optind), &files, err, sizeof err);
	if (nfiles < 0) {
		fprintf(stderr, "rank-train: %s\n", err);
		return EXIT_FAIL;
	}

	if (acct_path) {
		rc = acct_read(acct_path, &acct, err, sizeof err);
		if (rc == 0) {
			acct_label(&acct);
			rc = acct_join(&acct, files, (size_t)nfiles, &spec, err, sizeof err);
		}
		if (rc < 0) {
			fprintf(stderr, "rank-train: %s\n", err);
			return EXIT_FAIL;
		}
		acct_report(&acct, stdout);
	}
	static struct fit_result fit;
	rc = fit_ols(&spec, files, (size_t)nfiles, &fit, err, sizeof err);
	dataset_free_files(files, (size_t)nfiles);
	if (rc < 0) {
		fprintf(stderr, "rank-train: %s\n", err);
		return rc == -ENODATA || rc == -EDOM ? EXIT_DATA : EXIT_FAIL;
	}

	printf("rows: %llu read, %llu used, %llu skipped (unknown values)\n",
	       (unsigned long long)fit.stats.rows_read, (unsigned long long)fit.stats.rows_used,
	       (unsigned long long)fit.stats.rows_skipped);
	printf("hosts: %zu\n", fit.stats.hosts);
	printf("label: %s\n", spec.label);
	printf("method: ols (TSQR)\n");
	printf("r2: %.4f\nrmse: %.6g\n", fit.r2, fit.rmse);
	printf("%-32s %14s %12s %14s %12s\n", "term", "coef", "se", "mean", "scale");
	printf("%-32s %14.6g %12.4g\n", "intercept", fit.intercept, fit.intercept_se);
	for (size_t j = 0; j < fit.p; j++) {
		char expr[128];
		model_term_expr(&terms[j], expr, sizeof expr);
		printf("%-32s %14.6g %12.4g %14.6g %12.6g\n", expr, fit.coef[j], fit.se[j],
		       fit.mean[j], fit.scale[j]);
	}

	static struct model m;
	fit_to_model(&spec, &fit, &m);
	char buf[128];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	model_meta_set(&m, "created", buf);
	model_meta_set(&m, "method", "ols");
	model_meta_set(&m, "label", spec.label);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)fit.stats.rows_used);
	model_meta_set(&m, "rows", buf);
	snprintf(buf, sizeof buf, "%zu", fit.stats.hosts);
	model_meta_set(&m, "hosts", buf);
	snprintf(buf, sizeof buf, "%.6f", fit.r2);
	model_meta_set(&m, "r2", buf);
	snprintf(buf, sizeof buf, "%.6g", fit.rmse);
	model_meta_set(&m, "rmse", buf);
	snprintf(buf, sizeof buf, "rank-train %s", PACKAGE_VERSION);
	model_meta_set(&m, "trainer", buf);

	if (dry_run) {
		printf("dry run: no model written\n");
		return EXIT_OK;
	}
	struct model_error merr;
	if (model_save(&m, output, &merr) < 0) {
		fprintf(stderr, "rank-train: %s\n", merr.msg);
		return EXIT_FAIL;
	}
	printf("model written: %s\n", output);
	return EXIT_OK;
}

/*
 * test_train_options: rank-train's option table (trainer/train_options.c):
 * every row is in --help (the real binary's) and in rank-train(8), and the
 * man page lists no option the table lacks; defaults, values, the order
 * they are applied in, and each usage error with its message and code.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "train_options.h"

/* Split a command line on blanks into argv (modifiable: getopt permutes it). */
struct cmd {
	char text[1024];
	char *argv[64];
	int argc;
};

static int parse(struct cmd *k, const char *line, struct train_cli *c, char *err, size_t errlen)
{
	snprintf(k->text, sizeof k->text, "rank-train %s", line);
	k->argc = 0;
	for (char *t = strtok(k->text, " "); t && k->argc < 63; t = strtok(NULL, " "))
		k->argv[k->argc++] = t;
	k->argv[k->argc] = NULL;
	err[0] = '\0';
	return train_options_parse(k->argc, k->argv, c, err, errlen);
}

static const struct train_option *row(const char *name)
{
	for (size_t i = 0; i < train_options_table_len; i++)
		if (strcmp(train_options_table[i].name, name) == 0)
			return &train_options_table[i];
	fail_msg("no row %s", name);
	return NULL;
}

/* Every row: a line of --help, in the man page's SYNOPSIS and OPTIONS; and
 * every option the OPTIONS list names is a row. */
static void t_table_help_and_man(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4200];
	const char *src = getenv("top_srcdir");
	const char *bin = getenv("TRAIN_BIN");
	snprintf(path, sizeof path, "%s/help.txt", dir);
	assert_int_equal(tu_system("\"%s\" --help > %s", bin ? bin : "trainer/rank-train", path), 0);
	char *help = tu_slurp(path);
	snprintf(path, sizeof path, "%s/man/rank-train.8.in", src ? src : ".");
	char *man = tu_slurp(path);
	char *syn = strstr(man, ".Sh SYNOPSIS\n"), *desc = strstr(man, ".Sh DESCRIPTION\n");
	char *opts = strstr(man, ".Sh OPTIONS\n");
	assert_non_null(syn);
	assert_non_null(desc);
	assert_non_null(opts);
	char *opts_end = strstr(opts + 1, "\n.Sh ");
	assert_non_null(opts_end);
	*desc = '\0';
	*opts_end = '\0';

	for (size_t i = 0; i < train_options_table_len; i++) {
		const struct train_option *r = &train_options_table[i];
		char want[256];
		/* its own line of --help: "  --name" at the start of a line */
		snprintf(want, sizeof want, "\n  --%s%s", r->name, r->arg ? " " : "");
		if (strstr(help, want) == NULL)
			fail_msg("--help has no line for --%s", r->name);
		snprintf(want, sizeof want, "Fl -%s", r->name);
		if (strncmp(r->man, want, strlen(want)) != 0 ||
		    (r->man[strlen(want)] != '\0' && r->man[strlen(want)] != ' '))
			fail_msg("row %s: man column '%s' does not start with '%s'", r->name, r->man, want);
		if (strstr(syn, want) == NULL)
			fail_msg("rank-train(8) SYNOPSIS lacks %s", want);
		/* on an .It line of OPTIONS, followed by the end of line or " ," */
		bool found = false;
		for (char *p = opts; (p = strstr(p, r->man)) != NULL; p++) {
			char *bol = p;
			while (bol > opts && bol[-1] != '\n')
				bol--;
			char after = p[strlen(r->man)];
			if (strncmp(bol, ".It ", 4) == 0 && (after == '\n' || strncmp(p + strlen(r->man), " ,", 2) == 0))
				found = true;
		}
		if (!found)
			fail_msg("rank-train(8) OPTIONS has no '.It %s'", r->man);
	}
	/* the other way: each option an .It line of OPTIONS names is a row */
	size_t named = 0;
	for (char *p = opts; (p = strstr(p, "\n.It Fl -")) != NULL; p++) {
		char *eol = strchr(p + 1, '\n');
		for (char *q = p; (q = strstr(q, "Fl -")) != NULL && (!eol || q < eol); q++) {
			char name[64];
			size_t len = strcspn(q + 4, " \n");
			snprintf(name, sizeof name, "%.*s", (int)len, q + 4);
			row(name);
			named++;
		}
	}
	assert_int_equal(named, train_options_table_len);
	/* --help fits 79 columns, but for a word that cannot be broken (a
	 * long default path, as under distcheck's prefix) */
	for (char *l = help; *l;) {
		size_t len = strcspn(l, "\n");
		size_t indent = strspn(l, " ");
		bool one_word = memchr(l + indent, ' ', len - indent) == NULL;
		if (len > 79 && !one_word)
			fail_msg("--help line longer than 79 columns: %.*s", (int)len, l);
		l += len + (l[len] == '\n');
	}
	free(help);
	free(man);
	tu_rmtree(dir);
	free(dir);
}

static void t_defaults(void **state)
{
	(void)state;
	struct cmd k;
	static struct train_cli c;
	char err[512];
	assert_int_equal(parse(&k, "--label rank h.db", &c, err, sizeof err), 0);
	assert_string_equal(c.train.spec.label, "rank");
	assert_int_equal(c.train.folds, 5);
	assert_int_equal(c.train.max_terms, 8);
	assert_int_equal(c.train.robust_rows, TRAIN_ROBUST_ROWS);
	assert_int_equal(c.train.method, TRAIN_OLS);
	assert_int_equal(c.train.lambda_rule, TRAIN_LAMBDA_CV);
	assert_int_equal(c.train.seed, 1);
	assert_false(c.train.select);
	assert_int_equal(c.train.spec.since, 0);
	assert_int_equal(c.train.spec.until, 0);
	assert_null(c.train.spec.host);
	assert_null(c.train.csv_path);
	assert_null(c.terms);
	assert_null(c.acct);
	assert_null(c.report);
	assert_string_equal(c.output, PKGSYSCONFDIR "/rank.model");
	assert_false(c.force || c.dry_run || c.help || c.version);
	assert_int_equal(c.nhistories, 1);
	assert_string_equal(c.histories[0], "h.db");
	/* the defaults are the rows' own, through their setters */
	assert_string_equal(row("folds")->def, "5");
	assert_string_equal(row("method")->def, "ols");
	assert_string_equal(c.speed_reference, "median");
}

/* Every option lands in its field; operands may come between them. */
static void t_values(void **state)
{
	(void)state;
	struct cmd k;
	static struct train_cli c;
	char err[512];
	assert_int_equal(parse(&k, "a.db --label slowdown --terms cpu_busy,sq(mem_used) --select"
			       " --max-terms 64 --method ridge --lambda 2.5 b.db --folds 20"
			       " --robust-rows 100 --since 1700000000 --until 1700000000 --host n7"
			       " --output m.model --force --dry-run --report r.html --export-csv r.csv"
			       " dir", &c, err, sizeof err), 0);
	assert_string_equal(c.train.spec.label, "slowdown");
	assert_string_equal(c.terms, "cpu_busy,sq(mem_used)");
	assert_true(c.train.select);
	assert_int_equal(c.train.max_terms, 64);
	assert_int_equal(c.train.method, TRAIN_RIDGE);
	assert_int_equal(c.train.lambda_rule, TRAIN_LAMBDA_FIXED);
	assert_near(c.train.lambda, 2.5, 0);
	assert_int_equal(c.train.folds, 20);
	assert_int_equal(c.train.robust_rows, 100);
	assert_int_equal(c.train.spec.since, 1700000000);
	assert_int_equal(c.train.spec.until, 1700000000);
	assert_string_equal(c.train.spec.host, "n7");
	assert_string_equal(c.output, "m.model");
	assert_true(c.force && c.dry_run);
	assert_string_equal(c.report, "r.html");
	assert_string_equal(c.train.csv_path, "r.csv");
	assert_int_equal(c.nhistories, 3);
	assert_string_equal(c.histories[0], "a.db");
	assert_string_equal(c.histories[1], "b.db");
	assert_string_equal(c.histories[2], "dir");

	assert_int_equal(parse(&k, "--label x --method robust --lambda cv h", &c, err, sizeof err), 0);
	assert_int_equal(c.train.method, TRAIN_ROBUST);
	assert_int_equal(parse(&k, "--label x --method ridge --lambda lcurve h", &c, err, sizeof err), 0);
	assert_int_equal(c.train.lambda_rule, TRAIN_LAMBDA_LCURVE);
	/* a unique prefix names an option, as getopt_long allows */
	assert_int_equal(parse(&k, "--lab x --dry h", &c, err, sizeof err), 0);
	assert_string_equal(c.train.spec.label, "x");
	assert_true(c.dry_run);
	/* --acct repeated: every file, in order; the accounting's options */
	assert_int_equal(parse(&k, "--acct a --acct a.1 --acct a.2 --class queue --host-map m"
			       " --speed-groups g --no-learn-speed h", &c, err, sizeof err), 0);
	assert_int_equal(c.nacct, 3);
	assert_string_equal(c.acct, "a");
	assert_string_equal(c.acct_files[2], "a.2");
	assert_string_equal(c.train.spec.label, "acct_slowdown");
	assert_string_equal(c.acct_class, "queue");
	assert_string_equal(c.host_map, "m");
	assert_string_equal(c.speed_groups, "g");
	assert_true(c.no_learn_speed);
	assert_int_equal(parse(&k, "--acct a h", &c, err, sizeof err), 0);
	assert_string_equal(c.acct_class, "name");   /* the default */
	assert_int_equal(c.nacct, 1);
	assert_int_equal(parse(&k, "--label x --speed-reference node7.example.com h", &c, err,
			       sizeof err), 0);
	assert_string_equal(c.speed_reference, "node7.example.com");
}

/* In the order given: the later of --label and --acct names the label;
 * --help and --version stop at once, an earlier error first. */
static void t_order(void **state)
{
	(void)state;
	struct cmd k;
	static struct train_cli c;
	char err[512];
	assert_int_equal(parse(&k, "--label rank --acct lsb.acct h", &c, err, sizeof err), 0);
	assert_string_equal(c.acct, "lsb.acct");
	assert_string_equal(c.train.spec.label, "acct_slowdown");
	assert_int_equal(parse(&k, "--acct lsb.acct --label rank h", &c, err, sizeof err), 0);
	assert_string_equal(c.acct, "lsb.acct");
	assert_string_equal(c.train.spec.label, "rank");
	assert_int_equal(parse(&k, "--acct lsb.acct h", &c, err, sizeof err), 0);
	assert_string_equal(c.train.spec.label, "acct_slowdown");
	assert_int_equal(parse(&k, "--folds 3 --folds 4 --label a --label b h", &c, err, sizeof err), 0);
	assert_int_equal(c.train.folds, 4);
	assert_string_equal(c.train.spec.label, "b");

	assert_int_equal(parse(&k, "--help --method lasso", &c, err, sizeof err), TRAIN_OPTIONS_HELP);
	assert_int_equal(parse(&k, "--version --bogus", &c, err, sizeof err), TRAIN_OPTIONS_VERSION);
	assert_int_equal(parse(&k, "--method lasso --help", &c, err, sizeof err), TRAIN_OPTIONS_EUSAGE);
	assert_string_equal(err, "--method: 'lasso' is not ols, ridge or robust");
	/* a fresh parse forgets the last one */
	assert_int_equal(parse(&k, "--label x h", &c, err, sizeof err), 0);
	assert_false(c.help);
	assert_int_equal(c.train.method, TRAIN_OLS);
}

static void t_errors(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		int rc;
		const char *msg;
	} cases[] = {
		{ "h", TRAIN_OPTIONS_EUSAGE_HELP, "--label is required" },
		{ "--label rank", TRAIN_OPTIONS_EUSAGE_HELP, "no history files given" },
		{ "--label rank h --bogus", TRAIN_OPTIONS_EUSAGE_HELP, "unknown option '--bogus'" },
		{ "--label rank -l h", TRAIN_OPTIONS_EUSAGE_HELP, "unknown option '-l'" },
		{ "--label rank h --folds", TRAIN_OPTIONS_EUSAGE_HELP, "option '--folds' needs an argument" },
		{ "--label rank --method lasso h", TRAIN_OPTIONS_EUSAGE,
		  "--method: 'lasso' is not ols, ridge or robust" },
		{ "--label rank --method ridge --lambda -1 h", TRAIN_OPTIONS_EUSAGE,
		  "--lambda: '-1' is not cv, lcurve or a number >= 0" },
		{ "--label rank --method ridge --lambda inf h", TRAIN_OPTIONS_EUSAGE,
		  "--lambda: 'inf' is not cv, lcurve or a number >= 0" },
		{ "--label rank --lambda 3 h", TRAIN_OPTIONS_EUSAGE,
		  "--lambda only applies to --method ridge" },
		{ "--label rank --folds 1 h", TRAIN_OPTIONS_EUSAGE,
		  "--folds: '1' is not a whole number from 2 to 20" },
		{ "--label rank --folds 21 h", TRAIN_OPTIONS_EUSAGE,
		  "--folds: '21' is not a whole number from 2 to 20" },
		{ "--label rank --max-terms 0 h", TRAIN_OPTIONS_EUSAGE,
		  "--max-terms: '0' is not a whole number from 1 to 64" },
		{ "--label rank --max-terms -1 h", TRAIN_OPTIONS_EUSAGE,
		  "--max-terms: '-1' is not a whole number from 1 to 64" },
		{ "--label rank --robust-rows 99 h", TRAIN_OPTIONS_EUSAGE,
		  "--robust-rows: '99' is not a whole number from 100 to 1000000" },
		{ "--label rank --since -5 h", TRAIN_OPTIONS_EUSAGE,
		  "--since: '-5' is not a Unix time in seconds" },
		{ "--label rank --until 12x h", TRAIN_OPTIONS_EUSAGE,
		  "--until: '12x' is not a Unix time in seconds" },
		{ "--label rank --since 100 --until 50 h", TRAIN_OPTIONS_EUSAGE,
		  "--until is before --since" },
		{ "--label rank --host-map m h", TRAIN_OPTIONS_EUSAGE,
		  "--host-map only applies to --acct" },
		{ "--label rank --speed-groups g h", TRAIN_OPTIONS_EUSAGE,
		  "--speed-groups only applies to --acct" },
		{ "--label rank --no-learn-speed h", TRAIN_OPTIONS_EUSAGE,
		  "--no-learn-speed only applies to --acct" },
		{ "--acct a --class app h", TRAIN_OPTIONS_EUSAGE,
		  "--class: 'app' is not name, command or queue" },
		{ "--label rank --speed-reference node* h", TRAIN_OPTIONS_EUSAGE,
		  "--speed-reference: 'node*' is not median nor a host name" },
		{ "--label rank --speed-reference a/b h", TRAIN_OPTIONS_EUSAGE,
		  "--speed-reference: 'a/b' is not median nor a host name" },
		{ "--label rank --partial f --speed-reference n1 h", TRAIN_OPTIONS_EUSAGE,
		  "--speed-reference n1 with --partial: a partial fit carries its hosts' values;"
		  " give it to --merge" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cmd k;
		static struct train_cli c;
		char err[512];
		int rc = parse(&k, cases[i].line, &c, err, sizeof err);
		if (rc != cases[i].rc || strcmp(err, cases[i].msg) != 0)
			fail_msg("'%s': %d '%s', expected %d '%s'", cases[i].line, rc, err, cases[i].rc,
				 cases[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_table_help_and_man),
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_values),
		cmocka_unit_test(t_order),
		cmocka_unit_test(t_errors),
	};
	return TU_RUN(tests);
}

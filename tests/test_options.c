/*
 * test_options: the option table, elim.rank.conf parsing and precedence,
 * where the file is looked for, --check-config, and that --help and the man
 * pages list every option.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "harness.h"
#include "testutil.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	unsetenv("ELIM_RANK_CONF");
	setenv("LSF_ENVDIR", dir, 1);       /* an empty one: no file there */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static int load(struct elim_options *o, char *err, size_t len, const char *a1, const char *a2,
		const char *a3, const char *a4)
{
	char *argv[6] = { "elim.rank", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	int argc = 1;
	while (argc < 5 && argv[argc])
		argc++;
	return options_load(argc, argv, o, err, len);
}

static void t_defaults(void **state)
{
	(void)state;
	struct elim_options o;
	char err[512];
	assert_int_equal(load(&o, err, sizeof err, NULL, NULL, NULL, NULL), 0);
	assert_true(o.interval == 10.0);
	assert_string_equal(o.state_dir, STATEDIR);
	assert_string_equal(o.procfs, "/proc");
	assert_string_equal(o.facility, "daemon");
	assert_true(o.history_days == 30.0);
	assert_null(o.model_path);
	assert_false(o.verbose);
	assert_string_equal(o.config_used, "");
	options_free(&o);
}

static void t_file_and_flags(void **state)
{
	(void)state;
	char path[600], err[512];
	snprintf(path, sizeof path, "%s/a.conf", dir);
	tu_write(dir, "a.conf",
		 "# elim.rank.conf\n"
		 "\n"
		 "interval = 3   # seconds\n"
		 "state-dir /var/tmp/x\n"
		 "  verbose = yes\r\n"
		 "model = \"/path with # and spaces/m\"\n"
		 "history-days=7\n");
	struct elim_options o;
	assert_int_equal(load(&o, err, sizeof err, "--config", path, "--interval", "7"), 0);
	assert_true(o.interval == 7.0);                    /* the flag wins */
	assert_string_equal(o.state_dir, "/var/tmp/x");
	assert_true(o.verbose);
	assert_string_equal(o.model_path, "/path with # and spaces/m");
	assert_true(o.history_days == 7.0);
	assert_string_equal(o.config_used, path);
	options_free(&o);
}

static void t_where_the_file_is(void **state)
{
	(void)state;
	char err[512], p1[600], p2[600], p3[600];
	struct elim_options o;
	snprintf(p1, sizeof p1, "%s/one", dir);
	snprintf(p2, sizeof p2, "%s/two", dir);
	snprintf(p3, sizeof p3, "%s/elim.rank.conf", dir);
	tu_write(dir, "one", "interval = 1\n");
	tu_write(dir, "two", "interval = 2\n");
	tu_write(dir, "elim.rank.conf", "interval = 3\n");

	/* $LSF_ENVDIR/elim.rank.conf */
	assert_int_equal(load(&o, err, sizeof err, NULL, NULL, NULL, NULL), 0);
	assert_true(o.interval == 3.0);
	assert_string_equal(o.config_used, p3);
	options_free(&o);
	/* $ELIM_RANK_CONF before it */
	setenv("ELIM_RANK_CONF", p2, 1);
	assert_int_equal(load(&o, err, sizeof err, NULL, NULL, NULL, NULL), 0);
	assert_true(o.interval == 2.0);
	options_free(&o);
	/* --config before both */
	assert_int_equal(load(&o, err, sizeof err, "--config", p1, NULL, NULL), 0);
	assert_true(o.interval == 1.0);
	options_free(&o);
	/* an explicit file must exist; an implicit one need not */
	setenv("ELIM_RANK_CONF", "/nonexistent/elim.rank.conf", 1);
	assert_int_equal(load(&o, err, sizeof err, NULL, NULL, NULL, NULL), OPTIONS_ECONFIG);
	assert_non_null(strstr(err, "/nonexistent/elim.rank.conf: No such file"));
	options_free(&o);
	/* --config /dev/null: explicitly none */
	assert_int_equal(load(&o, err, sizeof err, "--config", "/dev/null", NULL, NULL), 0);
	assert_true(o.interval == 10.0);
	options_free(&o);
	unsetenv("ELIM_RANK_CONF");
	unlink(p3);
	assert_int_equal(load(&o, err, sizeof err, NULL, NULL, NULL, NULL), 0);
	assert_string_equal(o.config_used, "");
	options_free(&o);
}

static void t_file_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *msg; } cases[] = {
		{ "intervall = 3\n", ":1: unknown setting 'intervall'" },
		{ "\n\nhelp = yes\n", ":3: 'help' is a command-line option, not a setting" },
		{ "count = 3\n", ":1: 'count' is a command-line option" },
		{ "interval =\n", ":1: 'interval' needs a value" },
		{ "interval = 3\n#\ninterval = 4\n", ":3: 'interval' is already set on line 1" },
		{ "interval = fast\n", ":1: interval: expected a number from 0.01 to 86400, not 'fast'" },
		{ "interval = 0\n", ":1: interval: expected a number" },
		{ "interval = 1e999\n", ":1: interval: expected a number" },
		{ "verbose = maybe\n", ":1: verbose: expected yes or no, not 'maybe'" },
		{ "model = \"/x\n", ":1: unterminated quote" },
		{ "model = \"/x\" y\n", ":1: text after the closing quote" },
		{ "syslog-facility = kern\n", ":1: syslog-facility: unknown syslog facility (expected daemon, user or local0..local7)" },
	};
	char path[600], err[512];
	snprintf(path, sizeof path, "%s/bad.conf", dir);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct elim_options o;
		tu_write(dir, "bad.conf", cases[i].text);
		err[0] = '\0';
		assert_int_equal(load(&o, err, sizeof err, "--config", path, NULL, NULL), OPTIONS_ECONFIG);
		if (strncmp(err, path, strlen(path)) != 0 || strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: got '%s', want '%s%s'", i, err, path, cases[i].msg);
		options_free(&o);
	}
	/* a flag overriding a bad line does not hide it... unless it replaces it */
	struct elim_options o;
	tu_write(dir, "bad.conf", "interval = fast\n");
	assert_int_equal(load(&o, err, sizeof err, "--config", path, "--interval", "2"), 0);
	assert_true(o.interval == 2.0);
	options_free(&o);
}

static void t_usage_errors(void **state)
{
	(void)state;
	struct elim_options o;
	char err[512];
	assert_int_equal(load(&o, err, sizeof err, "--bogus", NULL, NULL, NULL), OPTIONS_EUSAGE);
	assert_non_null(strstr(err, "unknown option '--bogus'"));
	options_free(&o);
	assert_int_equal(load(&o, err, sizeof err, "--interval", "abc", NULL, NULL), OPTIONS_EUSAGE);
	assert_non_null(strstr(err, "invalid argument 'abc' for --interval"));
	options_free(&o);
	assert_int_equal(load(&o, err, sizeof err, "--interval", NULL, NULL, NULL), OPTIONS_EUSAGE);
	options_free(&o);
	assert_int_equal(load(&o, err, sizeof err, "extra", NULL, NULL, NULL), OPTIONS_EUSAGE);
	options_free(&o);
}

/* --check-config's output is itself a valid file giving the same settings. */
static void t_print_roundtrip(void **state)
{
	(void)state;
	char path[600], out[600], err[512];
	snprintf(path, sizeof path, "%s/in.conf", dir);
	snprintf(out, sizeof out, "%s/out.conf", dir);
	tu_write(dir, "in.conf", "interval = 2.5\nmodel = \"/a b#c\"\nverbose = on\n"
		 "history-max-mb = 64\n");
	struct elim_options a, b;
	assert_int_equal(load(&a, err, sizeof err, "--config", path, "--sysfs", "/s"), 0);
	FILE *f = fopen(out, "w");
	assert_non_null(f);
	options_print(f, &a);
	fclose(f);
	assert_int_equal(load(&b, err, sizeof err, "--config", out, NULL, NULL), 0);
	char live[512], restart[512];
	options_diff(&a, &b, live, sizeof live, restart, sizeof restart);
	/* config itself is CLI-only and differs; nothing else */
	assert_string_equal(live, "");
	assert_string_equal(restart, "config");
	assert_string_equal(b.model_path, "/a b#c");
	assert_string_equal(b.sysfs, "/s");
	options_free(&a);
	options_free(&b);
}

static void t_diff(void **state)
{
	(void)state;
	struct elim_options a, b;
	char err[512], live[512], restart[512];
	assert_int_equal(load(&a, err, sizeof err, "--interval", "3", "--procfs", "/p"), 0);
	assert_int_equal(load(&b, err, sizeof err, "--interval", "4", "--procfs", "/q"), 0);
	options_diff(&a, &b, live, sizeof live, restart, sizeof restart);
	assert_string_equal(live, "interval");
	assert_string_equal(restart, "procfs");
	options_free(&a);
	options_free(&b);
}

/* A reload keeps restart-only settings (and their strings, over many
 * reloads) and takes live ones, saying which changed. */
static void t_reload(void **state)
{
	(void)state;
	struct elim_options run, fresh;
	char err[512], live[512], restart[512], conf[600];
	snprintf(conf, sizeof conf, "%s/r.conf", dir);
	tu_write(dir, "r.conf", "interval = 3\nprocfs = /p1\npcap-class = a=port 1\n"
		 "state-dir = /s1\nprobe-user = nobody\n");
	assert_int_equal(load(&run, err, sizeof err, "--config", conf, "--count", "7"), 0);
	for (int round = 2; round <= 4; round++) {
		char text[512];
		snprintf(text, sizeof text, "interval = %d\nprocfs = /p%d\npcap-class = b=port %d\n"
			 "state-dir = /s%d\nprobe-user = daemon\nno-probe = yes\n",
			 round + 2, round, round, round);
		tu_write(dir, "r.conf", text);
		assert_int_equal(load(&fresh, err, sizeof err, "--config", conf, NULL, NULL), 0);
		assert_int_equal(options_reload(&run, &fresh, live, sizeof live, restart,
						sizeof restart), 0);
		/* each round's file differs from the kept values: reported, never taken */
		assert_string_equal(live, "interval state-dir");
		assert_string_equal(restart, "count procfs pcap-class no-probe probe-user");
		assert_true(run.interval == round + 2);                 /* live: taken */
		char want[32];
		snprintf(want, sizeof want, "/s%d", round);
		assert_string_equal(run.state_dir, want);
		assert_string_equal(run.probe.state_dir, want);         /* derived again */
		assert_string_equal(run.procfs, "/p1");                 /* restart-only: kept */
		assert_int_equal(run.pcap_class.n, 1);
		assert_string_equal(run.pcap_class.v[0], "a=port 1");
		assert_string_equal(run.probe.user, "nobody");
		assert_false(run.no_probe);
		assert_true(run.probe.enabled);
		assert_int_equal(run.count, 7);                         /* command line only: kept */
		assert_null(fresh.store_);                              /* consumed */
	}
	options_free(&run);
}

/* Every option in --help, elim.rank(8) and (settings) elim.rank.conf(5). */
static void t_help_and_man_pages(void **state)
{
	(void)state;
	char path[4200];
	const char *src = getenv("top_srcdir");
	char *h;
	assert_int_equal(th_run(NULL, (const char *const[]){ "--help", NULL }, 60.0, &h, NULL), 0);
	snprintf(path, sizeof path, "%s/man/elim.rank.8.in", src ? src : ".");
	char *m8 = tu_slurp(path);
	snprintf(path, sizeof path, "%s/man/elim.rank.conf.5.in", src ? src : ".");
	char *m5 = tu_slurp(path);
	for (size_t i = 0; i < options_table_len; i++) {
		const struct options_row *r = &options_table[i];
		char want[128];
		snprintf(want, sizeof want, "--%s", r->name);
		if (strstr(h, want) == NULL)
			fail_msg("--help lacks %s", want);
		snprintf(want, sizeof want, "Fl -%s", r->name);
		if (strstr(m8, want) == NULL)
			fail_msg("elim.rank(8) lacks %s", want);
		if (r->flags & OPTF_CLI_ONLY)
			continue;
		snprintf(want, sizeof want, ".It Cm %s", r->name);
		if (strstr(m5, want) == NULL)
			fail_msg("elim.rank.conf(5) lacks %s", want);
	}
	free(h);
	free(m8);
	free(m5);
}

/* Repeatable options (OPTK_LIST), through a table of our own. */
struct list_opts {
	struct elim_options base;
	struct options_list include;
};

static const struct options_row list_rows[] = {
	{ "config", OPTK_STRING, offsetof(struct elim_options, config_path), NULL, 0, 0,
	  OPTF_CLI_ONLY, "FILE", "file", NULL },
	{ "include", OPTK_LIST, offsetof(struct list_opts, include), NULL, 0, 0, 0, "GLOB",
	  "include", NULL },
	{ "interval", OPTK_DOUBLE, offsetof(struct elim_options, interval), "10", 0.01, 100, 0,
	  "S", "interval", NULL },
};

static int load_list(struct list_opts *lo, char *err, size_t len, const char *a1, const char *a2,
		     const char *a3, const char *a4, const char *a5, const char *a6)
{
	char *argv[8] = { "elim.rank", (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5,
			  (char *)a6, NULL };
	int argc = 1;
	while (argc < 7 && argv[argc])
		argc++;
	memset(lo, 0, sizeof *lo);
	return options_load_rows(list_rows, sizeof list_rows / sizeof list_rows[0], argc, argv,
				 &lo->base, err, len);
}

static void t_repeatable(void **state)
{
	(void)state;
	char path[600], err[512];
	struct list_opts lo;
	snprintf(path, sizeof path, "%s/l.conf", dir);
	tu_write(dir, "l.conf", "include = eth*\ninterval = 3\ninclude \"en p*\"\n");
	/* the file's lines accumulate, in order */
	assert_int_equal(load_list(&lo, err, sizeof err, "--config", path, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(lo.include.n, 2);
	assert_string_equal(lo.include.v[0], "eth*");
	assert_string_equal(lo.include.v[1], "en p*");
	assert_null(lo.include.v[2]);
	assert_true(lo.base.interval == 3.0);
	options_free(&lo.base);
	/* the command line replaces them all, and accumulates itself */
	assert_int_equal(load_list(&lo, err, sizeof err, "--config", path, "--include", "ib0",
				   "--include", "ib1"), 0);
	assert_int_equal(lo.include.n, 2);
	assert_string_equal(lo.include.v[0], "ib0");
	assert_string_equal(lo.include.v[1], "ib1");
	assert_null(lo.include.v[2]);
	assert_true(lo.base.interval == 3.0);
	options_free(&lo.base);
	/* too many */
	char text[2048] = "";
	for (int i = 0; i < OPTIONS_LIST_MAX + 1; i++)
		strcat(text, "include = x\n");
	tu_write(dir, "l.conf", text);
	assert_int_equal(load_list(&lo, err, sizeof err, "--config", path, NULL, NULL, NULL, NULL),
			 OPTIONS_ECONFIG);
	assert_non_null(strstr(err, ":33: include: given more than 32 times"));
	options_free(&lo.base);
}

/* The real repeatable settings: traffic classes and interface globs. */
static void t_real_lists(void **state)
{
	(void)state;
	char path[600], err[512];
	struct elim_options o;
	snprintf(path, sizeof path, "%s/p.conf", dir);
	tu_write(dir, "p.conf", "pcap-interface = lo\npcap-class = storage=port 2049\n"
		 "pcap-class mpi=portrange 10000-10100\nnet-include = eth*\nnet-include = ib*\n");
	assert_int_equal(load(&o, err, sizeof err, "--config", path, "--net-include", "en*"), 0);
	assert_string_equal(o.pcap_interface, "lo");
	assert_int_equal(o.pcap_class.n, 2);
	assert_string_equal(o.pcap_class.v[0], "storage=port 2049");
	assert_string_equal(o.pcap_class.v[1], "mpi=portrange 10000-10100");
	assert_int_equal(o.net_include.n, 1);              /* the flag replaced both lines */
	assert_string_equal(o.net_include.v[0], "en*");
	assert_null(o.net_include.v[1]);
	assert_int_equal(o.net_exclude.n, 0);
	options_free(&o);
}

/* The binary: --check-config's output and status, and ELIM_ABORT_VALUE. */
static void t_check_config_binary(void **state)
{
	(void)state;
	char good[600], bad[600], model[600], *o, *e;
	snprintf(good, sizeof good, "%s/good.conf", dir);
	snprintf(bad, sizeof bad, "%s/bad.conf", dir);
	snprintf(model, sizeof model, "%s/bad.model", dir);
	tu_write(dir, "good.conf", "interval = 2.5\nhistory-days = 9\n");
	tu_write(dir, "bad.conf", "interval = 2.5\nhistory-dayz = 9\n");
	tu_write(dir, "bad.model", "elim-rank-model 1\nintercept oops\n");
	assert_int_equal(th_run(NULL, (const char *const[]){ "--check-config", "--config", good, NULL },
				60.0, &o, NULL), 0);
	assert_non_null(strstr(o, "interval = 2.5\n"));
	assert_non_null(strstr(o, "history-days = 9\n"));
	assert_non_null(strstr(o, "# configuration file: "));
	assert_non_null(strstr(o, "# model: embedded default"));
	free(o);
	/* a bad file: file:line, status 1 even under LIM's ELIM_ABORT_VALUE
	 * (--check-config is for people) */
	const struct th_opts lim_abort = { .env = { "ELIM_ABORT_VALUE=42" } };
	assert_int_equal(th_run(&lim_abort, (const char *const[]){ "--check-config", "--config", bad,
								   NULL }, 60.0, NULL, &e), 1);
	assert_non_null(strstr(e, "bad.conf:2: unknown setting 'history-dayz'"));
	free(e);
	/* the model is checked too */
	assert_int_equal(th_run(NULL, (const char *const[]){ "--check-config", "--model", model, NULL },
				60.0, NULL, &e), 1);
	assert_non_null(strstr(e, "bad.model:2:"));
	free(e);
	/* a usage error under LIM: the abort value, so LSF does not retry */
	assert_int_equal(th_run(&lim_abort, (const char *const[]){ "--bogus", NULL }, 60.0, NULL, NULL),
			 42);
	assert_int_equal(th_run(NULL, (const char *const[]){ "--bogus", NULL }, 60.0, NULL, NULL), 2);
}

/* --check-config accepts what the running elim scores: a model with a
 * traffic class's feature, with that class configured (one setup binds
 * the classes' features for both). */
static void t_check_config_agrees_with_once(void **state)
{
	(void)state;
	char out[600], errf[600], flags[1600];
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(errf, sizeof errf, "%s/err", dir);
	tu_write(dir, "pcap.model", "elim-rank-model 1\nintercept 1\nterm pcap_storage_bps coef 0\n");
	snprintf(flags, sizeof flags, "--pcap-interface lo --pcap-class 'storage=port 2049'"
		 " --model %s/pcap.model --procfs %s/basic/t0/proc --sysfs %s/basic/sys",
		 dir, tu_data(), tu_data());
	assert_int_equal(tu_system("\"$ELIM_BIN\" --check-config %s > %s 2> %s", flags, out, errf), 0);
	char *o = tu_slurp(out);
	char want[700];
	snprintf(want, sizeof want, "# model: %s/pcap.model (id ", dir);
	if (!strstr(o, want))
		fail_msg("--check-config: no '%s' in '%s'; stderr '%s'", want, o, tu_slurp(errf));
	free(o);
	assert_int_equal(tu_system("\"$ELIM_BIN\" --once --no-probe --explain %s > %s 2> %s", flags, out, errf), 0);
	o = tu_slurp(out);
	assert_non_null(strstr(o, "pcap_storage_bps"));
	assert_non_null(strstr(o, "rank 100.0"));
	free(o);
	/* and both refuse it without the class */
	snprintf(flags, sizeof flags, "--model %s/pcap.model", dir);
	assert_int_equal(tu_system("\"$ELIM_BIN\" --check-config %s > %s 2> %s", flags, out, errf), 1);
	assert_true(tu_file_has(errf, "unknown feature 'pcap_storage_bps'"));
	assert_int_equal(tu_system("\"$ELIM_BIN\" --once --explain %s > %s 2> %s", flags, out, errf), 1);
	assert_true(tu_file_has(errf, "unknown feature 'pcap_storage_bps'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(t_file_and_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(t_where_the_file_is, setup, teardown),
		cmocka_unit_test_setup_teardown(t_file_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(t_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(t_print_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(t_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(t_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(t_help_and_man_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(t_check_config_binary, setup, teardown),
		cmocka_unit_test_setup_teardown(t_check_config_agrees_with_once, setup, teardown),
		cmocka_unit_test_setup_teardown(t_repeatable, setup, teardown),
		cmocka_unit_test_setup_teardown(t_real_lists, setup, teardown),
	};
	return TU_RUN(tests);
}

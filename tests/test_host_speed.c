/*
 * test_host_speed: the rank basis and the speed factor (elim/host_speed.h):
 * the order of its sources, the host-speed entries, the one place the
 * factor is applied; then the real elim (tests/harness.h) with --once on
 * the fixture tree tests/data/basic, so two runs score the same samples:
 * the host basis as before, the cluster basis with a factor of 2 reading
 * twice that, LSF's factors from tests/data/lsf, a model's speed line, and
 * a bad LSF file named with its line, and the record and history of each.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "host_speed.h"
#include "probe.h"
#include "testutil.h"

static char envdir[PATH_MAX], badenv[PATH_MAX];

static int group_setup(void **state)
{
	(void)state;
	snprintf(envdir, sizeof envdir, "%s/lsf", tu_data());
	snprintf(badenv, sizeof badenv, "%s/lsf-bad", tu_data());
	return 0;
}

/* ------------------------------------------------------------ the module */

static void unknown_vector(double *v)
{
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		v[i] = NAN;
}

static void test_rank(void **state)
{
	(void)state;
	assert_near(host_speed_rank(150, 2), 300, 1e-9);
	assert_near(host_speed_rank(100, 0.5), 50, 1e-9);      /* the floor's 100 x factor */
	assert_near(host_speed_rank(150, NAN), 150, 0);
	assert_near(host_speed_rank(150, 0), 150, 0);
	assert_near(host_speed_rank(RANK_MAX, 0.5), RANK_MAX, 0); /* unknown stays last */
	assert_near(host_speed_rank(NAN, 2), RANK_MAX, 0);
	assert_near(host_speed_rank(6000, 4), RANK_MAX, 0);
	assert_near(host_speed_rank(RANK_MIN, 0.5), RANK_MIN, 0);
}

static void test_check_setting(void **state)
{
	(void)state;
	char why[256];
	assert_int_equal(host_speed_check_setting("hostA:1.6 hostB:0.8", why, sizeof why), 0);
	assert_int_equal(host_speed_check_setting("node[0-9]*:2,model:Opteron8=1.2", why, sizeof why), 0);
	static const struct {
		const char *v, *msg;
	} bad[] = {
		{ "hostA", "bad entry 'hostA'" },
		{ "hostA:", "factor '' of hostA" },
		{ "hostA:0", "factor '0' of hostA is not a number from 0.01 to 100" },
		{ "hostA:1e3", "factor '1e3'" },
		{ "hostA:nan", "factor 'nan'" },
		{ ":2", "bad entry ':2'" },
		{ "model:=2", "bad entry 'model:=2'" },
		{ "model:X:2", "bad entry 'model:X:2'" },
		{ "a/b:2", "bad host name 'a/b'" },
		{ "   ", "no entries" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		if (host_speed_check_setting(bad[i].v, why, sizeof why) != -1 ||
		    strstr(why, bad[i].msg) == NULL)
			fail_msg("'%s': '%s', expected '%s'", bad[i].v, why, bad[i].msg);
	}
	assert_int_equal(host_speed_check_basis("cluster", why, sizeof why), 0);
	assert_int_equal(host_speed_check_basis("Cluster", why, sizeof why), -1);
}

/* A model with a speed line for host (factor f), parsed. */
static void model_with_speed(struct model *m, const char *host, double f)
{
	char text[256];
	struct model_error err;
	snprintf(text, sizeof text, "elim-rank-model 1\nintercept 1\nspeed %s %g\n", host, f);
	assert_int_equal(model_parse(text, strlen(text), NULL, m, &err), 0);
}

/* Each source in turn takes over as the ones before it go. */
static void test_precedence(void **state)
{
	(void)state;
	static struct host_speed hs;
	static struct model m, none;
	char err[256], buf[4096];
	double v[FEAT_VECTOR_LEN];
	struct model_error merr;
	assert_int_equal(model_load_default(&none, &merr), 0);
	model_with_speed(&m, "slowhost", 3);

	const char *set[] = { "fasthost:9 slowhost:5 model:Slow=6", NULL };
	struct host_speed_config c = {
		.basis = "cluster", .settings = set, .n_settings = 1, .envdir = envdir,
		.host = "slowhost", .speed_reference = 0.02,
	};
	/* 1: the setting (its exact entry, over the model entry) */
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	unknown_vector(v);
	v[FEAT_probe_unit_seconds] = 0.03;   /* where the probe puts it */
	assert_int_equal(host_speed_fill(&hs, &m, v), 1);   /* the first: said */
	assert_near(v[FEAT_host_speed_factor], 5, 0);
	assert_non_null(strstr(host_speed_describe(&hs, &m, v, buf, sizeof buf),
			       "speed factor 5 from the host-speed entry slowhost:5"));
	assert_int_equal(host_speed_fill(&hs, &m, v), 0);   /* no change: not said again */

	/* a model entry, matched through LSF's model of the host */
	const char *by_model[] = { "fasthost:9", "model:Slow=6", NULL };
	c.settings = by_model;
	c.n_settings = 2;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	host_speed_fill(&hs, &m, v);
	assert_near(v[FEAT_host_speed_factor], 6, 0);

	/* 2: LSF's CPU factors: Fast 200 over Slow 50 */
	c.n_settings = 1;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	host_speed_fill(&hs, &m, v);
	assert_near(v[FEAT_host_speed_factor], 4, 0);
	assert_non_null(strstr(host_speed_describe(&hs, &m, v, buf, sizeof buf),
			       "CPUFACTOR 50, the reference Fast 200 (the fastest in use)"));

	/* 3: the model's line */
	c.envdir = NULL;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	host_speed_fill(&hs, &m, v);
	assert_near(v[FEAT_host_speed_factor], 3, 0);
	assert_non_null(strstr(host_speed_describe(&hs, &m, v, buf, sizeof buf),
			       "from the model's line 'speed slowhost 3'"));

	/* 4: the probe: 0.03 s per unit here over 0.02 on the reference */
	assert_int_equal(host_speed_fill(&hs, &none, v), 1);   /* the source changed */
	assert_near(v[FEAT_host_speed_factor], 1.5, 1e-12);
	assert_non_null(strstr(host_speed_describe(&hs, &none, v, buf, sizeof buf),
			       "from the probe: probe_unit_seconds 0.03 over speed-reference 0.02"));

	/* none: 1, and each source's lack said */
	v[FEAT_probe_unit_seconds] = NAN;   /* before the probe's calibration */
	assert_int_equal(host_speed_fill(&hs, &none, v), 1);
	assert_near(v[FEAT_host_speed_factor], 1, 0);
	host_speed_describe(&hs, &none, v, buf, sizeof buf);
	assert_non_null(strstr(buf, "no source gives slowhost's speed factor, using 1"));
	assert_non_null(strstr(buf, "probe_unit_seconds not known yet"));
	/* a factor from the probe out of range is refused, and said so */
	v[FEAT_probe_unit_seconds] = 0.02 * 500;
	assert_int_equal(host_speed_fill(&hs, &none, v), 0);
	assert_near(v[FEAT_host_speed_factor], 1, 0);
	host_speed_describe(&hs, &none, v, buf, sizeof buf);
	assert_non_null(strstr(buf, "probe_unit_seconds 10 over speed-reference 0.02 is 500,"
				    " outside 0.01..100: refused"));

	/* the host basis: 1 whatever the sources say */
	c.basis = "host";
	c.envdir = envdir;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	v[FEAT_probe_unit_seconds] = 0.03;
	host_speed_fill(&hs, &m, v);
	assert_near(v[FEAT_host_speed_factor], 1, 0);
}

/* Exact name over glob over model entry, whatever the order. */
static void test_entries(void **state)
{
	(void)state;
	static struct host_speed hs;
	char err[256];
	double v[FEAT_VECTOR_LEN];
	unknown_vector(v);
	const char *set[] = { "model:Mid=7 mid*:3", "midhost.example.com:2 other:9", NULL };
	struct host_speed_config c = {
		.basis = "cluster", .settings = set, .n_settings = 2, .envdir = envdir,
		.host = "midhost",
	};
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	host_speed_fill(&hs, NULL, v);
	assert_near(v[FEAT_host_speed_factor], 2, 0);
	set[1] = "other:9";
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	host_speed_fill(&hs, NULL, v);
	assert_near(v[FEAT_host_speed_factor], 3, 0);
	set[0] = "model:Mid=7";
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	host_speed_fill(&hs, NULL, v);
	assert_near(v[FEAT_host_speed_factor], 7, 0);
	/* a bad file gives nothing, and says where */
	c.envdir = badenv;
	c.n_settings = 0;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	assert_true(hs.lsf_bad_file);
	assert_non_null(strstr(hs.lsf_from, "lsf-bad/lsf.shared:8: CPU factor 'fast'"));
	host_speed_fill(&hs, NULL, v);
	assert_near(v[FEAT_host_speed_factor], 1, 0);
	/* a bad entry given straight to init */
	const char *bad[] = { "midhost:x", NULL };
	c.settings = bad;
	c.n_settings = 1;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "host-speed: factor 'x' of midhost"));
}

/* ------------------------------------------------------------ the elim */

/* --once --explain on the fixture with extra arguments: the rank, slowdown
 * and host_speed_factor it explains; its stderr into *err when not NULL. */
struct explained {
	double rank, slowdown, factor;
	char basis[512];
};

static int explain_once(const char *const *extra, struct explained *x, char **errout)
{
	char procfs[PATH_MAX], sysfs[PATH_MAX];
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	const char *args[32] = { "--once", "--explain", "--no-history", "--no-probe", "--procfs",
				 procfs, "--sysfs", sysfs, "--config", "/dev/null" };
	size_t n = 10;
	for (size_t i = 0; extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	char *out = NULL, *err = NULL;
	int st = th_run(NULL, args, 60.0, &out, &err);
	x->rank = x->slowdown = x->factor = NAN;
	x->basis[0] = '\0';
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64];
		double v;
		if (strncmp(line, "basis ", 6) == 0)
			snprintf(x->basis, sizeof x->basis, "%s", line + 6);
		else if (sscanf(line, "%63s %lf", name, &v) == 2) {
			if (strcmp(name, "rank") == 0)
				x->rank = v;
			else if (strcmp(name, "slowdown") == 0)
				x->slowdown = v;
			else if (strcmp(name, "host_speed_factor") == 0)
				x->factor = v;
		}
	}
	free(out);
	if (errout)
		*errout = err;
	else
		free(err);
	return st;
}

static void test_elim_bases(void **state)
{
	(void)state;
	struct explained h, c;
	/* the host basis: as before, rank = 100 x slowdown, factor 1 */
	assert_int_equal(explain_once((const char *[]){ NULL }, &h, NULL), 0);
	assert_near(h.factor, 1, 0);
	assert_near(h.rank, 100 * h.slowdown, 0.06);
	assert_non_null(strstr(h.basis, "host:"));
	/* the cluster basis with this host at 2: twice the rank on the same samples */
	assert_int_equal(explain_once((const char *[]){ "--rank-basis", "cluster", "--lsf-host-name",
							 "testhost", "--host-speed", "other:5 testhost:2",
							 NULL }, &c, NULL), 0);
	assert_near(c.factor, 2, 0);
	assert_near(c.slowdown, h.slowdown, 1e-4);
	assert_near(c.rank, 2 * h.rank, 0.11);
	assert_non_null(strstr(c.basis, "cluster: speed factor 2 from the host-speed entry testhost:2"));
}

static void test_elim_lsf(void **state)
{
	(void)state;
	struct explained h, c;
	assert_int_equal(explain_once((const char *[]){ NULL }, &h, NULL), 0);
	/* slowhost: Slow (50) against the fastest in use, Fast (200) */
	assert_int_equal(explain_once((const char *[]){ "--rank-basis", "cluster", "--lsf-envdir",
							 envdir, "--lsf-host-name", "slowhost", NULL },
				      &c, NULL), 0);
	assert_near(c.factor, 4, 1e-9);
	assert_near(c.rank, 4 * h.rank, 0.21);
	assert_non_null(strstr(c.basis, "LSF CPU factors: slowhost's model Slow"));
	/* the setting wins over LSF */
	assert_int_equal(explain_once((const char *[]){ "--rank-basis", "cluster", "--lsf-envdir",
							 envdir, "--lsf-host-name", "slowhost",
							 "--host-speed", "slow*:1.5", NULL }, &c, NULL), 0);
	assert_near(c.factor, 1.5, 0);
	/* a named reference */
	assert_int_equal(explain_once((const char *[]){ "--rank-basis", "cluster", "--lsf-envdir",
							 envdir, "--lsf-host-name", "slowhost",
							 "--speed-reference-model", "Mid", NULL }, &c, NULL), 0);
	assert_near(c.factor, 2, 1e-9);

	/* a bad lsf.shared: said with its line, the elim runs with factor 1 */
	char *err = NULL;
	assert_int_equal(explain_once((const char *[]){ "--rank-basis", "cluster", "--lsf-envdir",
							 badenv, "--lsf-host-name", "fasthost", NULL },
				      &c, &err), 0);
	assert_near(c.factor, 1, 0);
	if (strstr(err, "lsf-bad/lsf.shared:8: CPU factor 'fast' of model Fast is not a positive number") == NULL)
		fail_msg("stderr: %s", err);
	free(err);
}

static void test_elim_model_line(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	struct model m;
	struct model_error merr;
	assert_int_equal(model_load_default(&m, &merr), 0);
	/* the default model plus a speed line for this host */
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/rank.model", dir);
	size_t n = strlen(model_default_text);
	char *text = malloc(n + 64);
	assert_non_null(text);
	snprintf(text, n + 64, "%sspeed testh* 2.5\n", model_default_text);
	tu_write(dir, "rank.model", text);
	free(text);
	struct explained h, c;
	assert_int_equal(explain_once((const char *[]){ "--model", path, NULL }, &h, NULL), 0);
	assert_near(h.factor, 1, 0);   /* the host basis ignores it */
	assert_int_equal(explain_once((const char *[]){ "--model", path, "--rank-basis", "cluster",
							 "--lsf-host-name", "testhost", NULL }, &c, NULL),
			 0);
	assert_near(c.factor, 2.5, 0);
	assert_near(c.rank, 2.5 * h.rank, 0.14);
	assert_non_null(strstr(c.basis, "from the model's line 'speed testh* 2.5'"));
	tu_rmtree(dir);
	free(dir);
}

/* The model's speed-reference line: used by the probe source when the
 * setting is not given, and only for its probe work version. */
static void test_model_reference(void **state)
{
	(void)state;
	static struct host_speed hs;
	static struct model m;
	char err[256], buf[4096];
	double v[FEAT_VECTOR_LEN];
	struct model_error merr;
	const char *text = "elim-rank-model 1\nmeta speed-reference-from host h2, the median of 3"
			   " hosts\nintercept 1\nspeed-reference 0.02 work 2\n";
	assert_int_equal(model_parse(text, strlen(text), NULL, &m, &merr), 0);
	struct host_speed_config c = { .basis = "cluster", .host = "slowhost" };
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	unknown_vector(v);
	v[FEAT_probe_unit_seconds] = 0.05;
	v[FEAT_probe_work_version] = 2;
	host_speed_fill(&hs, &m, v);
	assert_near(v[FEAT_host_speed_factor], 2.5, 1e-12);
	host_speed_describe(&hs, &m, v, buf, sizeof buf);
	if (!strstr(buf, "probe_unit_seconds 0.05 over speed-reference 0.02 from the model's"
		    " speed-reference line (the setting is not given): host h2, the median of 3 hosts"))
		fail_msg("%s", buf);
	/* another probe work version: not used, and said */
	v[FEAT_probe_work_version] = 3;
	assert_int_equal(host_speed_fill(&hs, &m, v), 1);
	assert_near(v[FEAT_host_speed_factor], 1, 0);
	host_speed_describe(&hs, &m, v, buf, sizeof buf);
	if (!strstr(buf, "the model's speed-reference line is for probe work version 2, this"
		    " probe's is 3"))
		fail_msg("%s", buf);
	/* the setting wins */
	v[FEAT_probe_work_version] = 2;
	c.speed_reference = 0.04;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	host_speed_fill(&hs, &m, v);
	assert_near(v[FEAT_host_speed_factor], 1.25, 1e-12);
	host_speed_describe(&hs, &m, v, buf, sizeof buf);
	assert_non_null(strstr(buf, "over speed-reference 0.04 from the setting speed-reference"));
	/* no setting, no line */
	c.speed_reference = 0;
	assert_int_equal(host_speed_init(&hs, &c, err, sizeof err), 0);
	assert_int_equal(model_load_default(&m, &merr), 0);
	host_speed_fill(&hs, &m, v);
	assert_near(v[FEAT_host_speed_factor], 1, 0);
	host_speed_describe(&hs, &m, v, buf, sizeof buf);
	assert_non_null(strstr(buf, "speed-reference not set (no setting, no speed-reference line"));
}

/* A state directory with a probe.baseline whose speed part took 0.6 s
 * (0.3 s a half) three times: probe_unit_seconds 0.6 / PROBE_SPEED_UNITS,
 * under the key an elim with these --sysfs and --probe-duration makes. */
static void write_baseline(const char *dir, const char *sysfs, double duration)
{
	static struct probe p;
	struct probe_config pc = { .enabled = false, .state_dir = dir, .sysfs = sysfs,
				   .duration = duration };
	char err[256], text[5000];
	assert_int_equal(probe_init(&p, &pc, err, sizeof err), 0);
	snprintf(text, sizeof text, "elim-rank-probe-baseline 2\nwork %d\nkey %s\nunits 100\n"
		 "times 1 1 1\ncpu1 0.3 0.3 0.3\ncpu2 0.3 0.3 0.3\nmem1 0.2 0.2 0.2\n"
		 "mem2 0.2 0.2 0.2\n", PROBE_WORK_VERSION, p.key);
	probe_fini(&p);
	tu_write(dir, "probe.baseline", text);
}

/* --once --no-probe --rank-basis cluster with a model's speed-reference
 * line and no setting: this host's probe_unit_seconds over the line's. */
static void test_elim_model_reference(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), *state_dir = tu_tmpdir();
	char sysfs[PATH_MAX], path[PATH_MAX + 32];
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	write_baseline(state_dir, sysfs, 0.3);
	double unit = 0.6 / PROBE_SPEED_UNITS;
	snprintf(path, sizeof path, "%s/rank.model", dir);
	size_t n = strlen(model_default_text);
	char *text = malloc(n + 128);
	assert_non_null(text);
	snprintf(text, n + 128, "%sspeed-reference %.17g work %d\n", model_default_text, unit / 1.6,
		 PROBE_WORK_VERSION);
	tu_write(dir, "rank.model", text);
	struct explained h, c;
	assert_int_equal(explain_once((const char *[]){ "--model", path, "--state-dir", state_dir,
							 NULL }, &h, NULL), 0);
	assert_near(h.factor, 1, 0);   /* the host basis ignores it */
	assert_int_equal(explain_once((const char *[]){ "--model", path, "--rank-basis", "cluster",
							 "--state-dir", state_dir, "--probe-duration",
							 "0.3", "--lsf-host-name", "testhost", NULL },
				      &c, NULL), 0);
	assert_near(c.factor, 1.6, 1e-9);
	assert_near(c.rank, 1.6 * h.rank, 0.1);
	if (!strstr(c.basis, "from the model's speed-reference line (the setting is not given)"))
		fail_msg("basis: %s", c.basis);
	/* the setting wins */
	assert_int_equal(explain_once((const char *[]){ "--model", path, "--rank-basis", "cluster",
							 "--state-dir", state_dir, "--speed-reference",
							 "0.0003125", "--lsf-host-name", "testhost",
							 NULL }, &c, NULL), 0);
	assert_near(c.factor, unit / 0.0003125, 1e-9);
	assert_non_null(strstr(c.basis, "from the setting speed-reference"));
	/* a line for another probe work version: not used */
	snprintf(text, n + 128, "%sspeed-reference %.17g work %d\n", model_default_text, unit / 1.6,
		 PROBE_WORK_VERSION + 1);
	tu_write(dir, "rank.model", text);
	assert_int_equal(explain_once((const char *[]){ "--model", path, "--rank-basis", "cluster",
							 "--state-dir", state_dir, "--lsf-host-name",
							 "testhost", NULL }, &c, NULL), 0);
	assert_near(c.factor, 1, 0);
	assert_non_null(strstr(c.basis, "is for probe work version"));
	free(text);
	tu_rmtree(dir);
	tu_rmtree(state_dir);
	free(dir);
	free(state_dir);
}

/* What LIM gets and what the history keeps: the record is the cluster
 * rank, and rank / host_speed_factor the host basis's rank. */
static void test_elim_record_history(void **state)
{
	(void)state;
	char procfs[PATH_MAX], sysfs[PATH_MAX];
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	char *dir = tu_tmpdir();
	char *out = NULL;
	double host = NAN, cluster = NAN;
	for (int k = 0; k < 2; k++) {
		const char *args[] = { "--once", "--no-probe", "--procfs", procfs, "--sysfs", sysfs, "--config",
				       "/dev/null", "--state-dir", dir, "--history-commit", "0",
				       "--lsf-host-name", "testhost", "--host-speed", "testhost:2",
				       "--rank-basis", k ? "cluster" : "host", NULL };
		assert_int_equal(th_run(NULL, args, 60.0, &out, NULL), 0);
		double r;
		assert_int_equal(sscanf(out, "1 rank %lf", &r), 1);
		*(k ? &cluster : &host) = r;
		free(out);
	}
	assert_near(cluster, 2 * host, 0.11);
	char db[PATH_MAX + 16];
	snprintf(db, sizeof db, "%s/history.db", dir);
	assert_int_equal(tu_sql_int(db, "SELECT count(*) FROM samples"), 2);
	assert_int_equal(tu_sql_int(db, "SELECT sum(host_speed_factor) FROM samples"), 3);
	assert_int_equal(tu_sql_int(db, "SELECT count(DISTINCT round(rank / host_speed_factor, 0))"
				    " FROM samples"), 1);
	assert_int_equal(tu_sql_int(db, "SELECT round(max(rank)) FROM samples"), llround(cluster));
	tu_rmtree(dir);
	free(dir);
}

/* --check-config says the basis and the factor; a bad entry is refused with its line. */
static void test_check_config(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char conf[PATH_MAX + 32];
	snprintf(conf, sizeof conf, "%s/elim.rank.conf", dir);
	tu_write(dir, "elim.rank.conf", "rank-basis = cluster\n"
		 "host-speed = hostA:1.6 testhost:0.8\n"
		 "host-speed = model:Opteron8=1.2\n");
	char *out = NULL, *err = NULL;
	int st = th_run(NULL, (const char *const[]){ "--check-config", "--config", conf,
						    "--lsf-host-name", "testhost", NULL },
			60.0, &out, &err);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "rank-basis = cluster\n"));
	assert_non_null(strstr(out, "host-speed = hostA:1.6 testhost:0.8\n"));
	assert_non_null(strstr(out, "# rank basis cluster: speed factor 0.8 from the host-speed entry"
			       " testhost:0.8\n"));
	free(out);
	free(err);

	/* the one file all hosts share, found through LSF_ENVDIR: each host its entry */
	const char *hosts[] = { "hostA", "testhost.example.com", "model-less" };
	const char *want[] = { "speed factor 1.6 from the host-speed entry hostA:1.6",
			       "speed factor 0.8 from the host-speed entry testhost:0.8",
			       "no source gives model-less's speed factor, using 1" };
	char env[PATH_MAX + 16];
	snprintf(env, sizeof env, "LSF_ENVDIR=%s", dir);
	struct th_opts o = { .env = { env, "ELIM_RANK_CONF" } };
	for (int i = 0; i < 3; i++) {
		st = th_run(&o, (const char *const[]){ "--check-config", "--lsf-host-name", hosts[i],
						       NULL }, 60.0, &out, &err);
		assert_int_equal(st, 0);
		if (strstr(out, want[i]) == NULL)
			fail_msg("%s: %s", hosts[i], out);
		free(out);
		free(err);
	}
	/* the start log says it once */
	char procfs[PATH_MAX], sysfs[PATH_MAX];
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	st = th_run(&o, (const char *const[]){ "--once", "--no-history", "--no-probe", "--procfs",
					      procfs, "--sysfs", sysfs, "--lsf-host-name", "model-less",
					      NULL }, 60.0,
		    &out, &err);
	assert_int_equal(st, 0);
	const char *p = strstr(err, "no source gives model-less's speed factor");
	assert_non_null(p);
	assert_null(strstr(p + 1, "no source gives"));
	free(out);
	free(err);

	tu_write(dir, "elim.rank.conf", "rank-basis = cluster\n\nhost-speed = hostA:1.6 hostB\n");
	st = th_run(NULL, (const char *const[]){ "--check-config", "--config", conf, NULL }, 60.0,
		    &out, &err);
	assert_int_equal(st, 1);
	if (strstr(err, "elim.rank.conf:3: host-speed: bad entry 'hostB'") == NULL)
		fail_msg("stderr: %s", err);
	free(out);
	free(err);
	tu_write(dir, "elim.rank.conf", "rank-basis = clusters\n");
	st = th_run(NULL, (const char *const[]){ "--check-config", "--config", conf, NULL }, 60.0,
		    &out, &err);
	assert_int_equal(st, 1);
	assert_non_null(strstr(err, "elim.rank.conf:1: rank-basis: expected host or cluster"));
	free(out);
	free(err);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_check_setting),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_elim_bases),
		cmocka_unit_test(test_elim_lsf),
		cmocka_unit_test(test_elim_model_line),
		cmocka_unit_test(test_model_reference),
		cmocka_unit_test(test_elim_model_reference),
		cmocka_unit_test(test_elim_record_history),
		cmocka_unit_test(test_check_config),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}

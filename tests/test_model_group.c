/*
 * model_group: models per host group (issue 19 item 5).
 *
 * rank-train --group-by: synthetic histories of two groups whose labels
 * have different true coefficients (the fixture's per-host speed scales
 * every coefficient: group "fast" 1, group "slow" 2) and of a host in no
 * group; each group's model, written as DIR/GROUP.model, recovers its own
 * coefficients, and DIR/default.model is the fit on all of them.  The
 * same from factor files (--partial, then --merge --group-by) equals the
 * pooled per-group fit.  group_split on its own: a file whose hosts are in
 * two groups and a group that cannot name a file are refused, naming them.
 * The elim (model-dir, group-map): the real elim.rank reads its group's
 * model, else default.model, else the embedded one, a canary model for its
 * host first, says which in its log, --check-config and --explain, and
 * follows files that appear, change and go while it runs.
 * Real SQLite histories, real GSL, the real binaries.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "group_split.h"
#include "harness.h"
#include "model.h"
#include "testutil.h"
#include "trainer_fixture.h"

#define T0 1790000000LL

static char *dir;
static char hist[4][600];
/* fast0, fast1 (one file); slow0; other0 (in no group); mix0, mix1 (fast and none) */
static const struct fixture_opts hosts[4] = {
	{ .rows = 4000, .hosts = 2, .t0 = T0, .step = 10, .seed = 31, .noise = 0.02,
	  .host_prefix = "fast", .speed = 1 },
	{ .rows = 4000, .hosts = 1, .t0 = T0, .step = 10, .seed = 32, .noise = 0.02,
	  .host_prefix = "slow", .speed = 2 },
	{ .rows = 2000, .hosts = 1, .t0 = T0, .step = 10, .seed = 33, .noise = 0.02,
	  .host_prefix = "other", .speed = 1.5 },
	{ .rows = 200, .hosts = 2, .t0 = T0, .step = 10, .seed = 34, .noise = 0.02,
	  .host_prefix = "mix" },
};

#define TERMS "--terms 'hinge(runq_per_core,0.5)',psi_cpu_some,'hinge(mem_used,0.85)',cpu_iowait"

static int setup(void **state)
{
	(void)state;
	gsl_set_error_handler_off();
	dir = tu_tmpdir();
	for (int i = 0; i < 4; i++) {
		snprintf(hist[i], sizeof hist[i], "%s/h%d.db", dir, i);
		assert_int_equal(fixture_history(hist[i], &hosts[i]), 0);
	}
	tu_write(dir, "groups.map", "# hosts to groups\nfast* fast\nslow0.example.com slow\n"
		 "mix0 fast\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static char *slurp_in(const char *rel)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return tu_slurp(p);
}

#define RT(args, expect) TH_RANK_TRAIN(dir, args, expect)

/* The raw coefficient (label units per unit of the term) of term i. */
static double raw_coef(const struct model *m, size_t i)
{
	return m->terms[i].coef / m->terms[i].scale;
}

static void load(const char *rel, struct model *m)
{
	char p[700];
	struct model_error e;
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	if (model_load_file(p, NULL, m, &e) < 0)
		fail_msg("%s: %d: %s", p, e.line, e.msg);
}

/* Truth in rank units (100 x slowdown): runq hinge 80, psi_cpu_some 50, x speed. */
static void assert_recovers(const struct model *m, double speed)
{
	assert_int_equal(m->n_terms, 4);
	double runq = raw_coef(m, 0), psi = raw_coef(m, 1);
	if (fabs(runq - 80 * speed) > 0.05 * 80 * speed || fabs(psi - 50 * speed) > 0.05 * 50 * speed)
		fail_msg("speed %g: runq coef %g (true %g), psi_cpu_some coef %g (true %g)", speed,
			 runq, 80 * speed, psi, 50 * speed);
}

static void test_split(void **state)
{
	(void)state;
	static struct hostmap map;
	static struct group_set gs;
	char err[1024];
	char p[700];
	snprintf(p, sizeof p, "%s/groups.map", dir);
	assert_int_equal(hostmap_load(p, &map, err, sizeof err), 0);
	char *files[3] = { hist[0], hist[1], hist[2] };
	assert_int_equal(group_split(&map, false, files, 3, &gs, err, sizeof err), 0);
	assert_int_equal(gs.n, 2);
	assert_string_equal(gs.g[0].name, "fast");
	assert_int_equal(gs.g[0].nfiles, 1);
	assert_int_equal(gs.g[0].nhosts, 2);
	assert_ptr_equal(gs.g[0].files[0], hist[0]);
	assert_string_equal(gs.g[1].name, "slow");   /* the short name matches the FQDN */
	assert_ptr_equal(gs.g[1].files[0], hist[1]);
	assert_int_equal(gs.nrest, 1);
	assert_int_equal(gs.rest_hosts, 1);
	group_set_free(&gs);

	/* mix0 is in fast, mix1 in none: one file cannot be split */
	char *mixed[2] = { hist[0], hist[3] };
	assert_int_equal(group_split(&map, false, mixed, 2, &gs, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, hist[3]));
	assert_non_null(strstr(err, "mix0 in fast"));
	assert_non_null(strstr(err, "mix1 in none"));
	hostmap_free(&map);

	/* "default" is the model of hosts in no group; ".." is no file name */
	static const char *bad[] = { "slow* default\n", "slow* ..\n" };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(hostmap_parse(bad[i], strlen(bad[i]), "bad.map", &map, err,
					       sizeof err), 0);
		assert_int_equal(group_split(&map, false, files, 3, &gs, err, sizeof err), -EINVAL);
		assert_non_null(strstr(err, "cannot name a model file"));
		hostmap_free(&map);
	}
	assert_true(group_name_ok("gen-3.x"));
	assert_false(group_name_ok(".hidden"));
	assert_false(group_name_ok(""));
}

static void test_group_by(void **state)
{
	(void)state;
	char a[4096];
	tu_system("mkdir -p '%s/models'", dir);
	snprintf(a, sizeof a, "--label rank " TERMS " --group-by %s/groups.map --output %s/models"
		 " %s %s %s", dir, dir, hist[0], hist[1], hist[2]);
	RT(a, 0);
	char *out = slurp_in("out");
	assert_non_null(strstr(out, "== group fast: 1 files, 2 hosts\n"));
	assert_non_null(strstr(out, "== group slow: 1 files, 1 hosts\n"));
	assert_non_null(strstr(out, "== default (hosts in no group: 1 files, 1 hosts;"
				   " fitted on all 3 files)\n"));
	/* each with its own cross-validation and its own file */
	const char *f = strstr(out, "== group fast"), *s = strstr(out, "== group slow"),
		   *d = strstr(out, "== default");
	assert_true(f < s && s < d);
	char *cv = strstr(f, "cv_rmse: ");
	assert_true(cv != NULL && cv < s);
	cv = strstr(s, "cv_rmse: ");
	assert_true(cv != NULL && cv < d);
	assert_non_null(strstr(out, "/models/fast.model\n"));
	assert_non_null(strstr(out, "/models/slow.model\n"));
	assert_non_null(strstr(out, "/models/default.model\n"));
	free(out);

	static struct model fast, slow, def;
	load("models/fast.model", &fast);
	load("models/slow.model", &slow);
	load("models/default.model", &def);
	assert_recovers(&fast, 1);
	assert_recovers(&slow, 2);
	assert_string_equal(model_meta_get(&fast, "hosts"), "2");
	assert_string_equal(model_meta_get(&slow, "hosts"), "1");
	assert_string_equal(model_meta_get(&def, "hosts"), "4");
	/* the default model is fitted on every row: the groups' and other0's */
	assert_true(atoll(model_meta_get(&def, "rows")) > atoll(model_meta_get(&fast, "rows")) +
		    atoll(model_meta_get(&slow, "rows")));

	/* --output must be a directory; --group-by does not go with --partial */
	snprintf(a, sizeof a, "--label rank " TERMS " --group-by %s/groups.map --output %s/x.model"
		 " %s", dir, dir, hist[0]);
	RT(a, 2);
	assert_true(tu_file_has(strcat(strcpy(a, dir), "/err"), "must name an existing directory"));
	snprintf(a, sizeof a, "--label rank " TERMS " --group-by %s/groups.map --partial %s/p.factor"
		 " --since 1 --until 2 --incumbent none %s", dir, dir, hist[0]);
	RT(a, 2);
	/* a file of hosts in two groups: refused, nothing written */
	tu_system("mkdir -p '%s/m2'", dir);
	snprintf(a, sizeof a, "--label rank " TERMS " --group-by %s/groups.map --output %s/m2"
		 " %s %s", dir, dir, hist[0], hist[3]);
	RT(a, 1);
	assert_int_equal(tu_system("test -z \"$(ls -A '%s/m2')\"", dir), 0);
}

static void test_merge_group_by(void **state)
{
	(void)state;
	char a[4096], common[1024];
	snprintf(common, sizeof common, "--label rank " TERMS " --since %lld --until %lld"
		 " --incumbent none", T0, T0 + 19990);
	tu_system("mkdir -p '%s/f' '%s/mm' '%s/pm'", dir, dir, dir);
	for (int i = 0; i < 3; i++) {
		snprintf(a, sizeof a, "%s --partial %s/f/h%d.factor %s", common, dir, i, hist[i]);
		RT(a, 0);
	}
	snprintf(a, sizeof a, "%s --merge --group-by %s/groups.map --output %s/mm %s/f", common,
		 dir, dir, dir);
	RT(a, 0);
	snprintf(a, sizeof a, "%s --group-by %s/groups.map --output %s/pm %s %s %s", common, dir,
		 dir, hist[0], hist[1], hist[2]);
	RT(a, 0);
	static const char *names[] = { "fast", "slow", "default" };
	for (int g = 0; g < 3; g++) {
		static struct model mm, pm;
		char p[64];
		snprintf(p, sizeof p, "mm/%s.model", names[g]);
		load(p, &mm);
		snprintf(p, sizeof p, "pm/%s.model", names[g]);
		load(p, &pm);
		assert_int_equal(mm.n_terms, pm.n_terms);
		assert_true(fabs(mm.intercept - pm.intercept) <= 1e-6 * fabs(pm.intercept));
		for (size_t i = 0; i < pm.n_terms; i++)
			assert_true(fabs(mm.terms[i].coef - pm.terms[i].coef) <=
				    1e-6 * fabs(pm.terms[i].coef) + 1e-12);
		assert_string_equal(model_meta_get(&mm, "rows"), model_meta_get(&pm, "rows"));
	}
}

/* ------------------------------------------------------------ canary */

static char *slurp_rel(const char *rel)
{
	return slurp_in(rel);
}

static bool same_text(const char *a, const char *b)
{
	char *x = slurp_rel(a), *y = slurp_rel(b);
	bool same = x && y && strcmp(x, y) == 0;
	free(x);
	free(y);
	return same;
}

static bool exists(const char *rel)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return access(p, F_OK) == 0;
}

/* --canary writes only the canary hosts' files; --promote makes one the
 * group's, the old kept as .prev; copies that differ are refused. */
static void test_canary_promote(void **state)
{
	(void)state;
	char a[4096];
	tu_system("rm -rf '%s/cm' && mkdir -p '%s/cm'", dir, dir);
	snprintf(a, sizeof a, "--label rank " TERMS " --group-by %s/groups.map --output %s/cm"
		 " %s %s %s", dir, dir, hist[0], hist[1], hist[2]);
	RT(a, 0);
	tu_system("cp '%s/cm/fast.model' '%s/fast.before' && cp '%s/cm/default.model'"
		  " '%s/default.before' && cp '%s/cm/slow.model' '%s/slow.before'", dir, dir, dir,
		  dir, dir, dir);
	char *m = slurp_in("cm/fast.model");
	assert_non_null(strstr(m, "\nmeta group fast\n"));
	free(m);

	/* a new model (three terms) for fast1 and other0 only */
	snprintf(a, sizeof a, "--label rank --terms 'hinge(runq_per_core,0.5)',psi_cpu_some,"
		 "cpu_iowait --force --group-by %s/groups.map --output %s/cm --canary fast1,other0"
		 " %s %s %s", dir, dir, hist[0], hist[1], hist[2]);
	RT(a, 0);
	char *out = slurp_in("out");
	assert_non_null(strstr(out, "/cm/canary/fast1.model (canary)\n"));
	assert_non_null(strstr(out, "/cm/canary/other0.model (canary)\n"));
	assert_non_null(strstr(out, "model not written: no --canary host in group slow\n"));
	free(out);
	assert_true(same_text("cm/fast.model", "fast.before"));   /* live models untouched */
	assert_true(same_text("cm/slow.model", "slow.before"));
	assert_true(same_text("cm/default.model", "default.before"));
	assert_false(exists("cm/canary/slow0.model"));
	m = slurp_in("cm/canary/fast1.model");
	assert_non_null(strstr(m, "\nmeta group fast\n"));
	free(m);
	m = slurp_in("cm/canary/other0.model");
	assert_non_null(strstr(m, "\nmeta group default\n"));
	free(m);
	tu_system("cp '%s/cm/canary/fast1.model' '%s/fast.canary'", dir, dir);

	/* promote fast: the canary becomes fast.model, the old one fast.model.prev */
	snprintf(a, sizeof a, "--promote %s/cm fast", dir);
	RT(a, 0);
	out = slurp_in("out");
	assert_non_null(strstr(out, "groups promoted: 1\n"));
	free(out);
	assert_true(same_text("cm/fast.model", "fast.canary"));
	assert_true(same_text("cm/fast.model.prev", "fast.before"));
	assert_false(exists("cm/canary/fast1.model"));
	assert_true(exists("cm/canary/other0.model"));   /* another group's: left */

	/* two canary copies of one group that differ: refused, nothing moved */
	tu_system("cp '%s/cm/canary/other0.model' '%s/cm/canary/other1.model' &&"
		  " echo '# edited' >> '%s/cm/canary/other1.model'", dir, dir, dir);
	snprintf(a, sizeof a, "--promote %s/cm", dir);
	RT(a, 1);
	assert_true(tu_file_has(strcat(strcpy(a, dir), "/err"), "are different models of group"
				" default"));
	assert_true(same_text("cm/default.model", "default.before"));
	assert_false(exists("cm/default.model.prev"));
	tu_system("rm '%s/cm/canary/other1.model'", dir);
	/* every group with a canary (here: default), then none left */
	snprintf(a, sizeof a, "--promote %s/cm", dir);
	RT(a, 0);
	assert_true(same_text("cm/default.model.prev", "default.before"));
	assert_false(exists("cm/canary/other0.model"));
	RT(a, 1);
	assert_true(tu_file_has(strcat(strcpy(a, dir), "/err"), "no canary model to promote"));
	snprintf(a, sizeof a, "--promote %s/cm slow", dir);
	RT(a, 1);
	assert_true(tu_file_has(strcat(strcpy(a, dir), "/err"), "no canary model of group slow"));
	snprintf(a, sizeof a, "--promote %s/cm ../x", dir);
	RT(a, 1);
	assert_true(tu_file_has(strcat(strcpy(a, dir), "/err"), "is not a group name"));
	/* a canary file not made by --canary (no group line) is left alone */
	tu_write(dir, "cm/canary/by-hand.model", "elim-rank-model 1\nintercept 1.1\n");
	snprintf(a, sizeof a, "--promote %s/cm", dir);
	RT(a, 1);
	assert_true(exists("cm/canary/by-hand.model"));

	/* --canary only with --group-by, and names only */
	snprintf(a, sizeof a, "--label rank " TERMS " --canary fast1 --output %s/x.model %s", dir,
		 hist[0]);
	RT(a, 2);
	snprintf(a, sizeof a, "--label rank " TERMS " --group-by %s/groups.map --output %s/cm"
		 " --canary 'fast*' %s", dir, dir, hist[0]);
	RT(a, 2);
	assert_true(tu_file_has(strcat(strcpy(a, dir), "/err"), "is not a host name"));
}

/* ------------------------------------------------------------ the elim */

static char procfs[512], sysfs[512];

/* An intercept-only model (rank 100 x intercept), written atomically. */
static void put_model(const char *rel, double intercept)
{
	char tmp[700], path[700];
	snprintf(tmp, sizeof tmp, "%s/.tmp.model", dir);
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fprintf(f, "elim-rank-model 1\nintercept %g\n", intercept);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

/* elim.rank --once (or --check-config, --explain, --json: --explain --json:
 * extra) as host with the
 * models of dir/md; returns the exit status, *out and *err its output. */
static int elim_once(const char *host, const char *extra, const char *map, char **out,
		     char **err)
{
	char md[700], gm[700];
	snprintf(md, sizeof md, "%s/md", dir);
	snprintf(gm, sizeof gm, "%s/%s", dir, map ? map : "");
	const char *argv[24] = { "--no-probe", "--no-history", "--foreground", "--procfs", procfs,
				 "--sysfs", sysfs, "--lsf-host-name", host, "--model-dir", md };
	int n = 11;
	if (map) {
		argv[n++] = "--group-map";
		argv[n++] = gm;
	}
	if (extra && (strcmp(extra, "--explain") == 0 || strcmp(extra, "--json") == 0)) {
		argv[n++] = "--explain";
		argv[n++] = "--once";
		if (strcmp(extra, "--json") == 0)
			argv[n++] = "--json";
	} else {
		argv[n++] = extra ? extra : "--once";
	}
	argv[n] = NULL;
	return th_run(NULL, argv, 60.0, out, err);
}

static double rank_of(const char *out)
{
	const char *r = strstr(out, "rank ");
	assert_non_null(r);
	return atof(r + 5);
}

static void test_elim_picks(void **state)
{
	(void)state;
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	tu_system("rm -rf '%s/md' && mkdir -p '%s/md/canary'", dir, dir);
	put_model("md/fast.model", 1.5);
	put_model("md/default.model", 1.2);
	char *out, *err;

	/* its group's model: fast1.example.com matches the glob fast* */
	assert_int_equal(elim_once("fast1.example.com", NULL, "groups.map", &out, &err), 0);
	assert_float_equal(rank_of(out), 150.0, 0.01);
	assert_non_null(strstr(err, "host fast1.example.com in group fast (group-map "));
	assert_non_null(strstr(err, "/md/fast.model (id "));
	free(out), free(err);

	/* in no group, and a group without a model: default.model */
	assert_int_equal(elim_once("other7", NULL, "groups.map", &out, &err), 0);
	assert_float_equal(rank_of(out), 120.0, 0.01);
	assert_non_null(strstr(err, "host other7 in no group of group-map"));
	free(out), free(err);
	assert_int_equal(elim_once("slow0", NULL, "groups.map", &out, &err), 0);
	assert_float_equal(rank_of(out), 120.0, 0.01);
	assert_non_null(strstr(err, "/md/default.model (id "));
	free(out), free(err);
	/* no group-map: default.model for every host */
	assert_int_equal(elim_once("fast1", NULL, NULL, &out, &err), 0);
	assert_float_equal(rank_of(out), 120.0, 0.01);
	assert_non_null(strstr(err, "no group-map: host fast1 in no group"));
	free(out), free(err);

	/* --check-config and --explain say which */
	assert_int_equal(elim_once("fast0", "--check-config", "groups.map", &out, &err), 0);
	assert_non_null(strstr(out, "# model source: model-dir "));
	assert_non_null(strstr(out, "host fast0 in group fast"));
	assert_non_null(strstr(out, "/md/fast.model (id "));
	free(out), free(err);
	assert_int_equal(elim_once("fast0", "--explain", "groups.map", &out, &err), 0);
	assert_non_null(strstr(out, "\n# model: "));
	assert_non_null(strstr(out, "/md/fast.model (id "));
	assert_non_null(strstr(out, "# model source: model-dir "));
	free(out), free(err);
	/* and as JSON notes */
	assert_int_equal(elim_once("fast0", "--json", "groups.map", &out, &err), 0);
	assert_non_null(strstr(out, "\"model\": \""));
	assert_non_null(strstr(out, "/md/fast.model (id "));
	assert_non_null(strstr(out, "\"model_source\": \"model-dir "));
	free(out), free(err);

	/* a canary model for this host, by its short name, before its group's */
	put_model("md/canary/fast1.model", 1.8);
	assert_int_equal(elim_once("fast1.example.com", NULL, "groups.map", &out, &err), 0);
	assert_float_equal(rank_of(out), 180.0, 0.01);
	assert_non_null(strstr(err, "/md/canary/fast1.model (id "));
	free(out), free(err);
	assert_int_equal(elim_once("fast0", NULL, "groups.map", &out, &err), 0);
	assert_float_equal(rank_of(out), 150.0, 0.01);   /* not fast0's */
	free(out), free(err);

	/* a canary that does not parse, at start: said, and its group's model used */
	tu_write(dir, "md/canary/fast1.model", "elim-rank-model 1\nbroken line\n");
	assert_int_equal(elim_once("fast1", NULL, "groups.map", &out, &err), 0);
	assert_float_equal(rank_of(out), 150.0, 0.01);
	assert_non_null(strstr(err, "/md/canary/fast1.model:2: "));
	assert_non_null(strstr(err, "; using "));
	assert_non_null(strstr(strstr(err, "; using "), "/md/fast.model (id "));
	free(out), free(err);
	assert_int_equal(elim_once("fast1", "--explain", "groups.map", &out, &err), 0);
	assert_non_null(strstr(out, "# model: "));
	assert_non_null(strstr(strstr(out, "# model: "), "/md/fast.model (id "));
	free(out), free(err);

	/* none of them: the embedded default, said */
	tu_system("rm -f '%s'/md/*.model '%s'/md/canary/*.model", dir, dir);
	assert_int_equal(elim_once("fast0", "--check-config", "groups.map", &out, &err), 0);
	assert_non_null(strstr(out, "# model: embedded default (id "));
	free(out), free(err);

	/* settings that do not go together, and a bad map: refused at start */
	tu_write(dir, "bad.map", "fast0 fast\nfast0 slow\n");
	assert_int_equal(elim_once("fast0", NULL, "bad.map", &out, &err), 1);
	assert_non_null(strstr(err, "group-map: "));
	assert_non_null(strstr(err, "bad.map:2: "));
	free(out), free(err);
	const char *argv[] = { "--once", "--no-probe", "--no-history", "--foreground",
			       "--group-map", "/x.map", NULL };
	assert_int_equal(th_run(NULL, argv, 60.0, NULL, &err), 1);
	assert_non_null(strstr(err, "group-map needs model-dir"));
	free(err);
	const char *argv2[] = { "--once", "--no-probe", "--no-history", "--foreground",
				"--model-dir", "/x", "--model", "/y.model", NULL };
	assert_int_equal(th_run(NULL, argv2, 60.0, NULL, &err), 1);
	assert_non_null(strstr(err, "model and model-dir"));
	free(err);
}

/* While it runs: the group's model appearing, a canary over it, the canary
 * promoted away (gone), each picked up from the next records; then the
 * map changed and SIGHUP: the host's new group's model. */
static void test_elim_follows(void **state)
{
	(void)state;
	tu_system("rm -rf '%s/md' && mkdir -p '%s/md/canary'", dir, dir);
	put_model("md/default.model", 1.2);
	put_model("md/slow.model", 1.7);
	tu_system("cp '%s/groups.map' '%s/live.map'", dir, dir);
	char md[700], gm[700];
	snprintf(md, sizeof md, "%s/md", dir);
	snprintf(gm, sizeof gm, "%s/live.map", dir);
	const char *argv[] = { "--model-dir", md, "--group-map", gm, "--lsf-host-name", "fast1",
			       "--procfs", procfs, "--sysfs", sysfs, "--interval", "0.1",
			       "--count", "60", "--no-history", "--no-probe", "--foreground", NULL };
	struct th e;
	th_start(&e, NULL, argv);
	double v;
	int n = 0, seen[4] = { 0, 0, 0, 0 };
	while (th_read_lim(&e, 60.0, &v) == 1) {
		n++;
		/* only the four models, each after the one before */
		assert_true(fabs(v - 120.0) < 0.01 || fabs(v - 150.0) < 0.01 ||
			    fabs(v - 180.0) < 0.01 || fabs(v - 170.0) < 0.01);
		if (seen[0])
			assert_true(v > 149.0);
		if (n == 3)
			put_model("md/fast.model", 1.5);
		if (fabs(v - 150.0) < 0.01 && !seen[0])
			seen[0] = n, put_model("md/canary/fast1.model", 1.8);
		if (fabs(v - 180.0) < 0.01 && !seen[1]) {
			seen[1] = n;
			tu_system("rm -f '%s/md/canary/fast1.model'", dir);
		}
		if (seen[1] && n > seen[1] && fabs(v - 150.0) < 0.01 && !seen[2]) {
			seen[2] = n;
			tu_write(dir, "live.map", "fast1 slow\n");
			th_kill(&e, SIGHUP);
		}
		if (seen[2] && fabs(v - 170.0) < 0.01 && !seen[3])
			seen[3] = n;
		if (seen[3])
			assert_float_equal(v, 170.0, 0.01);
	}
	assert_int_equal(n, 60);
	assert_true(seen[3] > seen[2] && seen[3] <= seen[2] + 5);
	assert_true(seen[0] > 3 && seen[0] <= 8);
	assert_true(seen[1] > seen[0] && seen[1] <= seen[0] + 5);
	assert_true(seen[2] > seen[1] && seen[2] <= seen[1] + 5);
	assert_int_equal(th_wait(&e, 60.0), 0);
	const char *err = th_err(&e);
	assert_non_null(strstr(err, "/md/default.model (id "));
	assert_non_null(strstr(err, "using "));
	assert_non_null(strstr(err, "/md/canary/fast1.model (id "));
	th_close(&e);
}

int main(void)
{
	cmocka_set_message_output(CM_OUTPUT_TAP);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_group_by),
		cmocka_unit_test(test_merge_group_by),
		cmocka_unit_test(test_canary_promote),
		cmocka_unit_test(test_elim_picks),
		cmocka_unit_test(test_elim_follows),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * speed_ref: the cluster's speed reference from the hosts' histories
 * (trainer/speed_ref.h), on real SQLite histories made by the trainer
 * fixture: each host's value the median of its probe_unit_seconds (a
 * fifth of its rows read ten times slower: the median ignores them), only
 * at its newest probe_work_version (a host whose older rows are most of
 * them and slower), a host of an older version only left out, a probe
 * command's rows (no version) not used; the median host (odd and even
 * counts), a named host, the window; factor files' values chosen as the
 * pooled ones.  Then the real rank-train: the report, the model's line
 * read back, --speed-reference HOST, --partial and --merge giving the
 * pooled reference, the HTML report, --group-by; and the real elim,
 * --once --no-probe --rank-basis cluster with that model and no setting,
 * taking its factor from the line.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "model.h"
#include "probe.h"
#include "speed_ref.h"
#include "testutil.h"
#include "trainer_fixture.h"

#define T0 1790000000LL
#define ROWS 900            /* a history's rows: 300 a host in a.db */
#define W PROBE_WORK_VERSION

static char *dir;
static char hist[4][600];

/*
 * a.db: n0, n1, n2 at 0.0005, 0.00075, 0.001 s a unit (a fifth of the rows
 *       ten times that);
 * b.db: m0, its first 70 % of rows at version W - 1 and 0.003 s, the rest
 *       at W and 0.0004 s (mixed, the old value would be its median);
 * c.db: old0 at version W - 1 only, 0.0001 s (counted, it would be the
 *       fastest and move the median);
 * d.db: cmd0, a probe command's rows: no work version.
 * At W: m0 0.0004, n0 0.0005, n1 0.00075, n2 0.001.
 */
static const struct fixture_opts fx[4] = {
	{ .rows = ROWS, .hosts = 3, .t0 = T0, .step = 10, .seed = 31, .noise = 0.05,
	  .host_prefix = "n", .unit_seconds = 0.0005, .unit_spread = 0.5, .unit_work = W,
	  .unit_outlier_frac = 0.2 },
	{ .rows = ROWS, .hosts = 1, .t0 = T0, .step = 10, .seed = 32, .noise = 0.05,
	  .host_prefix = "m", .unit_seconds = 0.0004, .unit_work = W, .old_frac = 0.7,
	  .old_unit_seconds = 0.003, .old_work = W - 1 },
	{ .rows = ROWS, .hosts = 1, .t0 = T0, .step = 10, .seed = 33, .noise = 0.05,
	  .host_prefix = "old", .unit_seconds = 0.0001, .unit_work = W - 1 },
	{ .rows = ROWS, .hosts = 1, .t0 = T0, .step = 10, .seed = 34, .noise = 0.05,
	  .host_prefix = "cmd", .unit_seconds = 0.0002, .unit_work = 0 },
};

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	for (int i = 0; i < 4; i++) {
		snprintf(hist[i], sizeof hist[i], "%s/%c.db", dir, 'a' + i);
		assert_int_equal(fixture_history(hist[i], &fx[i]), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static const struct speed_ref_host *host_of(const struct speed_ref *sr, const char *name)
{
	for (size_t h = 0; h < sr->n; h++)
		if (strcmp(sr->host[h].host, name) == 0)
			return &sr->host[h];
	return NULL;
}

static const char *ref_name(const struct speed_ref *sr)
{
	return sr->ref >= 0 ? sr->host[sr->ref].host : "(none)";
}

/* Read files[0..n) within spec and choose by name (NULL: the median). */
static int pooled(struct speed_ref *sr, const struct dataset_spec *spec, char **files, size_t n,
		  const char *name, char *err, size_t errlen)
{
	memset(sr, 0, sizeof *sr);
	assert_int_equal(speed_ref_read_histories(sr, spec, files, n, err, errlen), 0);
	return speed_ref_choose(sr, name, err, errlen);
}

static void test_median_host(void **state)
{
	(void)state;
	static struct speed_ref sr;
	struct dataset_spec spec = { .label = "rank" };
	char err[512], *files[4] = { hist[0], hist[1], hist[2], hist[3] };

	/* a.db alone: three hosts, the median n1; outliers do not move a host */
	assert_int_equal(pooled(&sr, &spec, files, 1, NULL, err, sizeof err), 0);
	assert_int_equal(sr.n, 3);
	assert_int_equal(sr.at_work, 3);
	assert_int_equal(sr.work, W);
	assert_string_equal(ref_name(&sr), "n1");
	assert_true(sr.seconds == 0.00075);
	assert_true(host_of(&sr, "n0")->seconds == 0.0005);
	assert_true(host_of(&sr, "n2")->seconds == 0.001);
	assert_int_equal(host_of(&sr, "n2")->rows, 300);
	assert_near(speed_ref_factor(&sr, 2), 0.001 / 0.00075, 1e-12);
	assert_false(sr.named);
	speed_ref_free(&sr);

	/* all four: versions not mixed, the old-only host and the command's out */
	assert_int_equal(pooled(&sr, &spec, files, 4, "median", err, sizeof err), 0);
	assert_int_equal(sr.work, W);
	assert_int_equal(sr.n, 5);                   /* m0, n0-n2, old0 */
	assert_null(host_of(&sr, "cmd0"));           /* no work version: not used */
	const struct speed_ref_host *m0 = host_of(&sr, "m0"), *old0 = host_of(&sr, "old0");
	assert_non_null(m0);
	assert_int_equal(m0->work, W);
	assert_true(m0->seconds == 0.0004);          /* not 0.003, the old rows' */
	assert_int_equal(m0->rows, ROWS - 630);      /* its version-W rows only */
	assert_non_null(old0);
	assert_int_equal(old0->work, W - 1);
	assert_true(isnan(speed_ref_factor(&sr, (size_t)(old0 - sr.host))));
	/* four at W (an even count): the faster of the two middle ones */
	assert_int_equal(sr.at_work, 4);
	assert_string_equal(ref_name(&sr), "n0");
	assert_true(sr.seconds == 0.0005);
	char d[256];
	speed_ref_describe(&sr, d, sizeof d);
	assert_string_equal(d, "host n0, the median of 4 hosts at probe work version 2");
	speed_ref_free(&sr);
}

static void test_named_host(void **state)
{
	(void)state;
	static struct speed_ref sr;
	struct dataset_spec spec = { .label = "rank" };
	char err[512], *files[4] = { hist[0], hist[1], hist[2], hist[3] };
	assert_int_equal(pooled(&sr, &spec, files, 4, "n2", err, sizeof err), 0);
	assert_true(sr.named);
	assert_string_equal(ref_name(&sr), "n2");
	assert_true(sr.seconds == 0.001);
	assert_near(speed_ref_factor(&sr, (size_t)(host_of(&sr, "m0") - sr.host)), 0.4, 1e-12);
	speed_ref_free(&sr);
	/* with a domain: the short name in the histories */
	assert_int_equal(pooled(&sr, &spec, files, 4, "n2.example.com", err, sizeof err), 0);
	assert_string_equal(ref_name(&sr), "n2");
	speed_ref_free(&sr);
	/* of an older version only, and unknown: refused, saying why */
	assert_int_equal(pooled(&sr, &spec, files, 4, "old0", err, sizeof err), -ENODATA);
	assert_non_null(strstr(err, "--speed-reference old0: its probe_unit_seconds are of probe"
			       " work version 1 only, the cluster's newest is 2"));
	speed_ref_free(&sr);
	assert_int_equal(pooled(&sr, &spec, files, 4, "cmd0", err, sizeof err), -ENODATA);
	assert_non_null(strstr(err, "--speed-reference cmd0: no probe_unit_seconds of that host"));
	speed_ref_free(&sr);
}

/* --since/--until and --host choose the rows, as for the fit. */
static void test_window(void **state)
{
	(void)state;
	static struct speed_ref sr;
	char err[512], *files[2] = { hist[0], hist[1] };
	/* before m0's switch to W: m0 at W - 1 only, left out */
	struct dataset_spec spec = { .label = "rank", .until = T0 + 10 * 600 };
	assert_int_equal(pooled(&sr, &spec, files, 2, NULL, err, sizeof err), 0);
	assert_int_equal(host_of(&sr, "m0")->work, W - 1);
	assert_true(host_of(&sr, "m0")->seconds == 0.003);
	assert_int_equal(sr.at_work, 3);
	assert_string_equal(ref_name(&sr), "n1");
	speed_ref_free(&sr);
	/* one host */
	struct dataset_spec one = { .label = "rank", .host = "n2" };
	assert_int_equal(pooled(&sr, &one, files, 2, NULL, err, sizeof err), 0);
	assert_int_equal(sr.n, 1);
	assert_string_equal(ref_name(&sr), "n2");
	speed_ref_free(&sr);
	/* no probe speeds at all: no reference, said */
	struct dataset_spec none = { .label = "rank", .host = "nosuch" };
	assert_int_equal(pooled(&sr, &none, files, 2, NULL, err, sizeof err), 0);
	assert_int_equal(sr.ref, -1);
	speed_ref_describe(&sr, err, sizeof err);
	assert_non_null(strstr(err, "none: no history read has probe_unit_seconds"));
	static struct model m;
	struct model_error me;
	assert_int_equal(model_load_default(&m, &me), 0);
	speed_ref_to_model(&sr, &m);
	assert_true(m.speed_reference == 0);
	speed_ref_free(&sr);
}

/* Each file's hosts' values, as --partial carries them, give the pooled choice. */
static void test_from_parts(void **state)
{
	(void)state;
	static struct speed_ref all, part, merged;
	struct dataset_spec spec = { .label = "rank" };
	char err[512], *files[4] = { hist[0], hist[1], hist[2], hist[3] };
	assert_int_equal(pooled(&all, &spec, files, 4, NULL, err, sizeof err), 0);
	memset(&merged, 0, sizeof merged);
	for (int i = 3; i >= 0; i--) {   /* any order */
		assert_int_equal(pooled(&part, &spec, files + i, 1, NULL, err, sizeof err), 0);
		for (size_t h = 0; h < part.n; h++)
			assert_int_equal(speed_ref_add(&merged, part.host[h].host, part.host[h].work,
						       part.host[h].seconds, part.host[h].rows), 0);
		speed_ref_free(&part);
	}
	assert_int_equal(speed_ref_choose(&merged, NULL, err, sizeof err), 0);
	assert_int_equal(merged.n, all.n);
	assert_int_equal(merged.at_work, all.at_work);
	assert_int_equal(merged.work, all.work);
	assert_string_equal(ref_name(&merged), ref_name(&all));
	assert_true(merged.seconds == all.seconds);
	for (size_t h = 0; h < all.n; h++) {
		assert_string_equal(merged.host[h].host, all.host[h].host);
		assert_true(merged.host[h].seconds == all.host[h].seconds);
		assert_int_equal(merged.host[h].rows, all.host[h].rows);
	}
	assert_false(merged.approx);
	/* a host in two files: the rows-weighted median of the two, said */
	assert_int_equal(speed_ref_add(&merged, "n0", W, 0.0009, 1000), 0);
	assert_int_equal(speed_ref_choose(&merged, NULL, err, sizeof err), 0);
	assert_true(merged.approx);
	assert_true(host_of(&merged, "n0")->seconds == 0.0009);   /* 1000 rows against 300 */
	assert_int_equal(host_of(&merged, "n0")->rows, 1300);
	speed_ref_free(&merged);
	speed_ref_free(&all);
}

/* ------------------------------------------------------------ rank-train */

#define RT(args, expect) TH_RANK_TRAIN(dir, args, expect)

static char *slurp_in(const char *rel)
{
	char p[700];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return tu_slurp(p);
}

static void load(const char *rel, struct model *m)
{
	char p[700];
	struct model_error me;
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	if (model_load_file(p, NULL, m, &me) < 0)
		fail_msg("%s:%d: %s", p, me.line, me.msg);
}

/* out has want, else fail showing out. */
static void has(const char *out, const char *want)
{
	if (strstr(out, want) == NULL) {
		fprintf(stderr, "# no '%s' in:\n%s", want, out);
		fail();
	}
}

static void test_cli(void **state)
{
	(void)state;
	static struct model m, m2;
	char a[4096], hs[2600];
	snprintf(hs, sizeof hs, "%s %s %s %s", hist[0], hist[1], hist[2], hist[3]);

	/* pooled: the report, and the line and its meta in the model */
	snprintf(a, sizeof a, "--label rank --force --output %s/p.model %s", dir, hs);
	RT(a, 0);
	char *out = slurp_in("out");
	if (!strstr(out, "speed reference: 0.0005 s per probe unit: host n0, the median of 4 hosts"
		    " at probe work version 2\n"))
		fail_msg("%s", out);
	has(out, "\nn2                                0.001        300    2.000\n");
	has(out, "\nn0                               0.0005        300    1.000  the reference\n");
	has(out, "\nm0                               0.0004        270    0.800\n");
	has(out, "\nold0                             0.0001        900        -  probe work version"
	    " 1 only: left out\n");
	free(out);
	load("p.model", &m);
	assert_true(m.speed_reference == 0.0005);
	assert_int_equal(m.speed_reference_work, W);
	assert_string_equal(model_meta_get(&m, "speed-reference-from"),
			    "host n0, the median of 4 hosts at probe work version 2");
	char *text = slurp_in("p.model");
	assert_non_null(strstr(text, "\nspeed-reference 0.0005 work 2\n"));
	free(text);

	/* a named host; one that has none is an error, and nothing written */
	snprintf(a, sizeof a, "--label rank --force --speed-reference n2 --output %s/n.model %s",
		 dir, hs);
	RT(a, 0);
	load("n.model", &m2);
	assert_true(m2.speed_reference == 0.001);
	assert_string_equal(model_meta_get(&m2, "speed-reference-from"),
			    "host n2, named by --speed-reference, at probe work version 2");
	snprintf(a, sizeof a, "--label rank --force --speed-reference old0 --output %s/x.model %s",
		 dir, hs);
	RT(a, 3);
	char *err = slurp_in("err");
	assert_non_null(strstr(err, "--speed-reference old0: its probe_unit_seconds are of probe"
			       " work version 1 only"));
	free(err);
	snprintf(a, sizeof a, "%s/x.model", dir);
	assert_int_equal(access(a, F_OK), -1);

	/* extracts keep the probe's speed: trained on, the same reference */
	snprintf(a, sizeof a, "--extract %s/e.db --label rank --terms runq_per_core"
		 " --incumbent none %s %s", dir, hist[0], hist[1]);
	RT(a, 0);
	snprintf(a, sizeof a, "--label rank --force --terms runq_per_core --output %s/e.model"
		 " %s/e.db", dir, dir);
	RT(a, 0);
	load("e.model", &m2);
	assert_true(m2.speed_reference == 0.0005);
	assert_string_equal(model_meta_get(&m2, "speed-reference-from"),
			    "host n0, the median of 4 hosts at probe work version 2");

	/* no probe speeds read: the replaced model's line is carried, not lost;
	 * a bad one is a warning naming its line, and not carried */
	tu_write(dir, "c.model", "elim-rank-model 1\nmeta speed-reference-from host q7, by hand\n"
		 "intercept 1\nspeed-reference 0.0007 work 2\n");
	snprintf(a, sizeof a, "--label rank --force --terms runq_per_core --output %s/c.model %s",
		 dir, hist[3]);
	RT(a, 0);
	out = slurp_in("out");
	has(out, "speed reference: none: no history read has probe_unit_seconds");
	has(out, "speed reference: 0.0007 s per probe unit carried from ");
	free(out);
	load("c.model", &m2);
	assert_true(m2.speed_reference == 0.0007);
	assert_int_equal(m2.speed_reference_work, 2);
	assert_string_equal(model_meta_get(&m2, "speed-reference-from"), "host q7, by hand");
	tu_write(dir, "c.model", "elim-rank-model 1\nintercept 1\n\nspeed-reference -1\n");
	RT(a, 0);
	err = slurp_in("err");
	has(err, "c.model:4: speed-reference: '-1' is not a number of seconds above 0");
	free(err);
	load("c.model", &m2);
	assert_true(m2.speed_reference == 0);

	/* the HTML report */
	snprintf(a, sizeof a, "--label rank --dry-run --report %s/r.html %s", dir, hs);
	RT(a, 0);
	char *html = slurp_in("r.html");
	assert_non_null(strstr(html, "<h2>Speed reference (the probe)</h2>"));
	assert_non_null(strstr(html, "<tr><td>n2</td><td>0.001</td><td>300</td><td>2.000</td></tr>"));
	assert_non_null(strstr(html, "left out: probe work version 1 only"));
	free(html);
}

/* --partial on each history, --merge: the pooled run's reference. */
static void test_partial_merge(void **state)
{
	(void)state;
	static struct model pm, mm;
	char a[4096], hs[2600], w[512];
	snprintf(hs, sizeof hs, "%s %s %s %s", hist[0], hist[1], hist[2], hist[3]);
	snprintf(w, sizeof w, "--label rank --since %lld --until %lld --incumbent none"
		 " --terms runq_per_core,psi_cpu_some,cpu_iowait", T0, T0 + 10 * ROWS);
	tu_system("mkdir -p '%s/f'", dir);
	for (int i = 0; i < 4; i++) {
		snprintf(a, sizeof a, "--partial %s/f/%c.factor %s %s", dir, 'a' + i, w, hist[i]);
		RT(a, 0);
	}
	char *out = slurp_in("out");   /* d.db's: a probe command's host, no speed */
	assert_non_null(strstr(out, "speed reference: none"));
	free(out);
	/* a partial fit of a.db: its hosts' values, and the flag in its file */
	char *fa = slurp_in("f/a.factor");
	assert_int_equal(fa[12], 1);
	free(fa);
	snprintf(a, sizeof a, "--merge %s --output %s/merged.model %s/f", w, dir, dir);
	RT(a, 0);
	out = slurp_in("out");
	assert_non_null(strstr(out, "speed reference: 0.0005 s per probe unit: host n0, the median"
			       " of 4 hosts at probe work version 2\n"));
	free(out);
	snprintf(a, sizeof a, "%s --output %s/pooled.model %s", w, dir, hs);
	RT(a, 0);
	load("merged.model", &mm);
	load("pooled.model", &pm);
	assert_true(mm.speed_reference == pm.speed_reference);
	assert_true(pm.speed_reference == 0.0005);
	assert_int_equal(mm.speed_reference_work, pm.speed_reference_work);
	assert_string_equal(model_meta_get(&mm, "speed-reference-from"),
			    model_meta_get(&pm, "speed-reference-from"));
	/* named at the merge; refused at a partial fit */
	snprintf(a, sizeof a, "--merge %s --speed-reference m0 --output %s/m0.model %s/f", w, dir,
		 dir);
	RT(a, 0);
	load("m0.model", &mm);
	assert_true(mm.speed_reference == 0.0004);
	snprintf(a, sizeof a, "--partial %s/f/x.factor --speed-reference m0 %s %s", dir, w, hist[0]);
	RT(a, 2);
}

/* --group-by: every group's model carries the one reference of all hosts. */
static void test_group_by(void **state)
{
	(void)state;
	static struct model m;
	char a[4096], hs[2600];
	snprintf(hs, sizeof hs, "%s %s %s %s", hist[0], hist[1], hist[2], hist[3]);
	tu_system("mkdir -p '%s/g'", dir);
	tu_write(dir, "groups.map", "n* fast\nm* mid\n");
	snprintf(a, sizeof a, "--label rank --force --terms runq_per_core,psi_cpu_some,cpu_iowait"
		 " --group-by %s/groups.map --output %s/g %s", dir, dir, hs);
	RT(a, 0);
	const char *models[] = { "g/fast.model", "g/mid.model", "g/default.model" };
	for (int i = 0; i < 3; i++) {
		load(models[i], &m);
		if (m.speed_reference != 0.0005)
			fail_msg("%s: speed-reference %g", models[i], m.speed_reference);
	}
}

/* ------------------------------------------------------------ the elim */

/* The trained model in the real elim, cluster basis, no speed-reference
 * setting: a baseline of 0.6 s a speed part gives this host
 * 0.6 / PROBE_SPEED_UNITS s a unit, over the model's 0.0005. */
static void test_elim_uses_it(void **state)
{
	(void)state;
	char sysfs[PATH_MAX], procfs[PATH_MAX], model[700];
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	snprintf(procfs, sizeof procfs, "%s/basic/t1/proc", tu_data());
	snprintf(model, sizeof model, "%s/p.model", dir);
	char *state_dir = tu_tmpdir();
	static struct probe p;
	struct probe_config pc = { .enabled = false, .state_dir = state_dir, .sysfs = sysfs,
				   .duration = 0.3 };
	char perr[256], text[5000];
	assert_int_equal(probe_init(&p, &pc, perr, sizeof perr), 0);
	snprintf(text, sizeof text, "elim-rank-probe-baseline 2\nwork %d\nkey %s\nunits 100\n"
		 "times 1 1 1\ncpu1 0.3 0.3 0.3\ncpu2 0.3 0.3 0.3\nmem1 0.2 0.2 0.2\n"
		 "mem2 0.2 0.2 0.2\n", PROBE_WORK_VERSION, p.key);
	probe_fini(&p);
	tu_write(state_dir, "probe.baseline", text);

	char *out = NULL, *err = NULL;
	const char *args[] = { "--once", "--explain", "--no-probe", "--no-history", "--procfs",
			       procfs, "--sysfs", sysfs, "--config", "/dev/null", "--state-dir",
			       state_dir, "--probe-duration", "0.3", "--model", model,
			       "--rank-basis", "cluster", "--lsf-host-name", "testhost", NULL };
	assert_int_equal(th_run(NULL, args, 60.0, &out, &err), 0);
	double factor = NAN;
	char *basis = NULL;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "basis ", 6) == 0)
			basis = line + 6;
		sscanf(line, "host_speed_factor %lf", &factor);
	}
	assert_near(factor, 0.6 / PROBE_SPEED_UNITS / 0.0005, 1e-9);
	assert_non_null(basis);
	if (!strstr(basis, "over speed-reference 0.0005 from the model's speed-reference line (the"
		    " setting is not given): host n0, the median of 4 hosts at probe work version 2"))
		fail_msg("basis: %s", basis);
	free(out);
	free(err);
	tu_rmtree(state_dir);
	free(state_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median_host),
		cmocka_unit_test(test_named_host),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_from_parts),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_partial_merge),
		cmocka_unit_test(test_group_by),
		cmocka_unit_test(test_elim_uses_it),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}

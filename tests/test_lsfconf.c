/*
 * test_lsfconf: LSF's CPU factors from the cluster's files (lib/lsfconf.h)
 * and host names as configuration files give them (lib/hostmatch.h), on
 * the fixture tree tests/data/lsf (see tests/data/README) and on small
 * texts for each problem a file can have.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostmatch.h"
#include "lsfconf.h"
#include "testutil.h"

static void test_hostmatch(void **state)
{
	(void)state;
	assert_true(hostmatch("hostA", "hostA"));
	assert_true(hostmatch("HOSTA", "hosta"));
	assert_true(hostmatch("hostA", "hostA.example.com"));       /* LSF_STRIP_DOMAIN */
	assert_true(hostmatch("hostA.example.com", "hostA"));
	assert_true(hostmatch("hostA.example.com", "HOSTA.example.com"));
	assert_false(hostmatch("hostA.x.com", "hostA.y.com"));      /* two domains */
	assert_false(hostmatch("hostA", "hostAB"));
	assert_false(hostmatch("host", "hostA.example.com"));
	assert_true(hostmatch("node*", "node17.example.com"));       /* glob, short name */
	assert_true(hostmatch("node[0-9]*", "node17"));
	assert_false(hostmatch("node[0-9]", "node17"));
	assert_true(hostmatch("*.example.com", "node1.example.com"));
	assert_false(hostmatch("*.example.com", "node1"));
	assert_false(hostmatch("", "node1"));
	assert_true(hostmatch_valid("node[0-9]*"));
	assert_false(hostmatch_valid("a:b"));
	assert_false(hostmatch_valid(""));
}

/* The fixture's file as text. */
static char *fixture(const char *dir, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s/%s", tu_data(), dir, name);
	char *t = tu_slurp(path);
	assert_true(t[0] != '\0');
	return t;
}

static void test_shared(void **state)
{
	(void)state;
	char path[PATH_MAX], err[512];
	static struct lsf_shared sh;
	char *t = fixture("lsf", "lsf.shared", path, sizeof path);
	assert_int_equal(lsf_shared_parse(t, strlen(t), path, &sh, err, sizeof err), 0);
	assert_int_equal(sh.n_clusters, 2);
	assert_string_equal(sh.clusters[0], "other");
	assert_string_equal(sh.clusters[1], "testcl");
	assert_int_equal(sh.n_models, 4);     /* Fast twice: the first kept */
	assert_string_equal(sh.models[0].name, "Fast");
	assert_near(sh.models[0].cpuf, 200, 0);
	assert_string_equal(sh.models[1].name, "Mid");   /* its continued line */
	assert_near(sh.models[1].cpuf, 100, 0);
	assert_near(sh.models[3].cpuf, 400, 0);
	free(t);

	/* the cluster file marks the models in use and finds the host */
	struct lsf_cluster_host h;
	t = fixture("lsf", "lsf.cluster.testcl", path, sizeof path);
	assert_int_equal(lsf_cluster_parse(t, strlen(t), path, "midhost", &h, &sh, err, sizeof err), 0);
	assert_true(h.found);
	assert_int_equal(h.line, 9);
	assert_string_equal(h.model, "Mid");
	assert_true(sh.models[0].used && sh.models[1].used && sh.models[2].used);
	assert_false(sh.models[3].used);   /* Unused */
	assert_int_equal(lsf_cluster_parse(t, strlen(t), path, "nohost", &h, NULL, err, sizeof err), 0);
	assert_false(h.found);
	free(t);
}

/* The look-up on the fixture: host, reference model, factor. */
static void lookup_ok(const char *envdir, const char *host, const char *ref, double factor,
		      const char *model, const char *reference)
{
	struct lsf_speed s;
	char err[PATH_MAX + 256] = "";
	int rc = lsf_speed_lookup(envdir, host, ref, &s, err, sizeof err);
	if (rc != 0)
		fail_msg("%s: %d %s", host, rc, err);
	assert_near(s.factor, factor, 1e-12);
	assert_string_equal(s.model, model);
	assert_string_equal(s.reference, reference);
	assert_non_null(strstr(s.cluster_file, "lsf.cluster.testcl"));
}

static void lookup_fails(const char *envdir, const char *host, const char *ref, int code,
			 const char *needle)
{
	struct lsf_speed s;
	char err[PATH_MAX + 256] = "";
	int rc = lsf_speed_lookup(envdir, host, ref, &s, err, sizeof err);
	if (rc != code || strstr(err, needle) == NULL)
		fail_msg("%s: %d '%s', expected %d and '%s'", host, rc, err, code, needle);
}

static void test_lookup(void **state)
{
	(void)state;
	char envdir[PATH_MAX];
	snprintf(envdir, sizeof envdir, "%s/lsf", tu_data());
	/* the reference is the fastest model in use: Fast (200), not Unused (400) */
	lookup_ok(envdir, "fasthost", NULL, 1.0, "Fast", "Fast");
	lookup_ok(envdir, "midhost", NULL, 2.0, "Mid", "Fast");              /* short name */
	lookup_ok(envdir, "slowhost.example.com", NULL, 4.0, "Slow", "Fast"); /* full name */
	/* a slower host has the lower CPU factor and the higher speed factor */
	lookup_ok(envdir, "slowhost", "Mid", 2.0, "Slow", "Mid");
	lookup_ok(envdir, "fasthost", "Mid", 0.5, "Fast", "Mid");
	lookup_ok(envdir, "fasthost", "Unused", 2.0, "Fast", "Unused");

	lookup_fails(envdir, "nohost", NULL, -ENOENT, "host nohost is not in the Host section of");
	lookup_fails(envdir, "autohost", NULL, -ENOENT, "lsf.cluster.testcl:11: host autohost's model is '!'");
	lookup_fails(envdir, "oddhost", NULL, -ENOENT, "lsf.cluster.testcl:12: host oddhost's model Nosuch is not a HostModel");
	lookup_fails(envdir, "fasthost", "Nosuch", -ENOENT, "the reference model Nosuch is not");
	lookup_fails(NULL, "fasthost", NULL, -ENOENT, "LSF_ENVDIR is not set");

	char bad[PATH_MAX];
	snprintf(bad, sizeof bad, "%s/lsf-bad", tu_data());
	lookup_fails(bad, "fasthost", NULL, -EINVAL, "lsf-bad/lsf.shared:8: CPU factor 'fast' of model Fast");

	/* lsf.conf's LSF_CONFDIR says where the files are */
	char *tmp = tu_tmpdir();
	lookup_fails(tmp, "fasthost", NULL, -ENOENT, "lsf.shared: No such file");
	char conf[PATH_MAX + 64];
	snprintf(conf, sizeof conf, "# lsf.conf\nLSF_LOGDIR=/tmp\nLSF_CONFDIR = \"%s\"\n", envdir);
	tu_write(tmp, "lsf.conf", conf);
	lookup_ok(tmp, "slowhost", NULL, 4.0, "Slow", "Fast");
	tu_rmtree(tmp);
	free(tmp);
}

static void test_confdir(void **state)
{
	(void)state;
	char out[64];
	const char *t = "LSF_CONFDIR=/a\n  LSF_CONFDIR = '/b/c'  \nLSF_CONFDIRX=/d\n";
	assert_int_equal(lsf_conf_confdir(t, strlen(t), out, sizeof out), 1);
	assert_string_equal(out, "/b/c");           /* the last one wins */
	t = "# LSF_CONFDIR=/a\nLSF_ENVDIR=/e\n";
	assert_int_equal(lsf_conf_confdir(t, strlen(t), out, sizeof out), 0);
	t = "LSF_CONFDIR=/a/very/long/path/that/does/not/fit/in/sixty/four/bytes/at/all/x\n";
	assert_int_equal(lsf_conf_confdir(t, strlen(t), out, sizeof out), -ENAMETOOLONG);
}

/* Each problem a section file can have, named with its line. */
static void test_problems(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "Begin HostModel\nMODELNAME CPUFACTOR\nA 0\nEnd HostModel\n",
		  "f:3: CPU factor '0' of model A is not a positive number" },
		{ "Begin HostModel\nMODELNAME CPUFACTOR\nA 1e999\nEnd HostModel\n",
		  "f:3: CPU factor '1e999'" },
		{ "Begin HostModel\nMODELNAME CPUFACTOR\nA 0x10\nEnd HostModel\n",
		  "f:3: CPU factor '0x10'" },
		{ "Begin HostModel\nMODELNAME\nA\nEnd HostModel\n",
		  "f:2: section HostModel has no CPUFACTOR column" },
		{ "Begin HostModel\nMODELNAME CPUFACTOR\nA 1 x\nEnd HostModel\n",
		  "f:3: 3 fields, but the header (line 2) names 2 columns" },
		{ "Begin HostModel\nMODELNAME CPUFACTOR\nA 1\n", "f:1: section HostModel has no End" },
		{ "Begin HostModel\nBegin Cluster\n", "f:2: Begin inside section HostModel" },
		{ "Begin HostModel\nEnd Cluster\n", "f:2: expected 'End HostModel'" },
		{ "End HostModel\n", "f:1: End outside any section" },
		{ "\n\nMODELNAME\n", "f:3: 'MODELNAME' outside any section" },
		{ "Begin\n", "f:1: expected 'Begin SECTION'" },
		{ "Begin HostModel\nMODELNAME CPUFACTOR ARCHITECTURE\nA 1 (x86\nEnd HostModel\n",
		  "f:3: '(' without its ')'" },
		{ "Begin HostModel\nMODELNAME CPUFACTOR\nA 1\\\n\\\n2\nEnd HostModel\n",
		  "f:3: 3 fields" },  /* a continued line keeps its first line's number */
		{ "Begin Cluster\nClusterName\na/b\nEnd Cluster\n", "f:3: bad cluster name 'a/b'" },
		{ "Begin HostModel\nMODELNAME CPUFACTOR\n\"A 1\nEnd HostModel\n",
		  "f:3: '\"' without its '\"'" },
	};
	static struct lsf_shared sh;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[256] = "";
		int rc = lsf_shared_parse(cases[i].text, strlen(cases[i].text), "f", &sh, err, sizeof err);
		if (rc != -EINVAL || strstr(err, cases[i].msg) == NULL)
			fail_msg("case %zu: %d '%s', expected '%s'", i, rc, err, cases[i].msg);
	}
	/* the cluster file's own problems */
	struct lsf_cluster_host h;
	char err[256];
	const char *t = "Begin Host\nHOSTNAME type\na linux\nEnd Host\n";
	assert_int_equal(lsf_cluster_parse(t, strlen(t), "c", "a", &h, NULL, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "c:2: section Host has no MODEL column"));
	/* a comment, blank lines and other sections are no problem */
	t = "# x\n\nBegin Parameters\nA = b\nEnd Parameters\nBegin host\nhostname MODEL\n"
	    "a.b.c M # here\nEnd HOST\n";
	assert_int_equal(lsf_cluster_parse(t, strlen(t), "c", "A", &h, NULL, err, sizeof err), 0);
	assert_true(h.found);
	assert_string_equal(h.model, "M");
	assert_int_equal(h.line, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostmatch),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_confdir),
		cmocka_unit_test(test_problems),
	};
	return TU_RUN(tests);
}

/*
 * scope (elim/scope.c): the cgroup files' parsers, the decision on fixture
 * trees (tests/data/scope-v1, scope-v2: see tests/data/README for the
 * hand-computed figures), and the samplers that read the cgroup in cgroup
 * scope (cpu, mem, psi, scope) over two instants of those trees.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sampler.h"
#include "scope.h"
#include "testutil.h"

#define T0 1000000000ULL
#define T1 (T0 + 10000000000ULL) /* 10 s later */

/* ------------------------------------------------------------ parsers */

static void test_parse_proc_cgroup(void **state)
{
	(void)state;
	struct scope_cgpaths p;
	assert_int_equal(scope_parse_proc_cgroup("12:memory:/a/b\n11:cpuset:/c\n"
						 "10:cpu,cpuacct:/d e\n0::/u\n", &p), 0);
	assert_string_equal(p.memory, "/a/b");
	assert_string_equal(p.cpuset, "/c");
	assert_string_equal(p.cpu, "/d e");
	assert_string_equal(p.cpuacct, "/d e");
	assert_string_equal(p.v2, "/u");
	/* "cpu" is not "cpuset"'s prefix match, and named hierarchies are skipped */
	assert_int_equal(scope_parse_proc_cgroup("3:cpuset:/x\n1:name=systemd:/y\n", &p), 0);
	assert_string_equal(p.cpu, "");
	assert_string_equal(p.cpuset, "/x");
	/* no path, or none well formed */
	assert_int_equal(scope_parse_proc_cgroup("", &p), -EINVAL);
	assert_int_equal(scope_parse_proc_cgroup("garbage\n1:cpu\n2:cpu:relative\n", &p), -EINVAL);
}

static void test_parse_cpulist(void **state)
{
	(void)state;
	struct scope_cpus c;
	assert_int_equal(scope_parse_cpulist("0-3,8,10-11\n", &c), 0);
	assert_int_equal(c.n, 7);
	assert_true(scope_has_cpu(&c, 3) && scope_has_cpu(&c, 8) && scope_has_cpu(&c, 11));
	assert_false(scope_has_cpu(&c, 4) || scope_has_cpu(&c, 9) || scope_has_cpu(&c, 12));
	assert_int_equal(scope_parse_cpulist("1,1,0-1\n", &c), 0);   /* counted once */
	assert_int_equal(c.n, 2);
	assert_int_equal(scope_parse_cpulist("\n", &c), 0);   /* empty */
	assert_int_equal(c.n, 0);
	assert_int_equal(scope_parse_cpulist("3-1", &c), -EINVAL);
	assert_int_equal(scope_parse_cpulist("0-1024", &c), -EINVAL);
	assert_int_equal(scope_parse_cpulist("1;2", &c), -EINVAL);
	assert_int_equal(scope_parse_cpulist("x", &c), -EINVAL);
}

static void test_parse_quota_and_limits(void **state)
{
	(void)state;
	double cpus = -1;
	assert_int_equal(scope_parse_cpu_max("max 100000\n", &cpus), 0);
	assert_true(cpus == 0);
	assert_int_equal(scope_parse_cpu_max("50000 100000\n", &cpus), 0);
	assert_true(cpus == 0.5);
	assert_int_equal(scope_parse_cpu_max("50000 0\n", &cpus), -EINVAL);
	assert_int_equal(scope_parse_cpu_max("50000\n", &cpus), -EINVAL);
	assert_int_equal(scope_parse_cfs_quota("-1\n", "100000\n", &cpus), 0);
	assert_true(cpus == 0);
	assert_int_equal(scope_parse_cfs_quota("250000\n", "100000\n", &cpus), 0);
	assert_true(cpus == 2.5);
	assert_int_equal(scope_parse_cfs_quota("x", "100000", &cpus), -EINVAL);
	assert_int_equal(scope_parse_cfs_quota("1000", "", &cpus), -EINVAL);

	uint64_t b = 1;
	assert_int_equal(scope_parse_mem_limit("9223372036854771712\n", &b), 0);
	assert_true(b == 0);   /* v1's "no limit" */
	assert_int_equal(scope_parse_mem_limit("9223372036854775807\n", &b), 0);
	assert_true(b == 0);
	assert_int_equal(scope_parse_mem_limit("max\n", &b), 0);
	assert_true(b == 0);
	assert_int_equal(scope_parse_mem_limit("1073741824\n", &b), 0);
	assert_true(b == 1073741824ULL);
	assert_int_equal(scope_parse_mem_limit("-1", &b), -EINVAL);
}

static void test_parse_cpu_stat(void **state)
{
	(void)state;
	struct scope_cpu_stat st;
	assert_int_equal(scope_parse_cpu_stat("nr_periods 7\nnr_throttled 3\nthrottled_time 5000\n"
					      "nr_bursts 0\n", &st), 0);
	assert_true(st.nr_periods == 7 && st.nr_throttled == 3 && st.throttled_ns == 5000);
	assert_true(st.have_throttled && !st.have_usage);
	assert_int_equal(scope_parse_cpu_stat("usage_usec 12\nuser_usec 10\nnr_periods 1\n"
					      "nr_throttled 0\nthrottled_usec 4\n", &st), 0);
	assert_true(st.usage_ns == 12000 && st.throttled_ns == 4000 && st.have_usage);
	assert_int_equal(scope_parse_cpu_stat("nothing 1\n", &st), -EINVAL);
	/* a value that would overflow in nanoseconds is left out */
	assert_int_equal(scope_parse_cpu_stat("usage_usec 18446744073709551615\nnr_periods 1\n", &st), 0);
	assert_false(st.have_usage);

	uint64_t in = 0;
	assert_int_equal(scope_parse_inactive_file("inactive_file 5\ntotal_inactive_file 9\n", &in), 0);
	assert_true(in == 9);   /* v1: the hierarchical total wins */
	assert_int_equal(scope_parse_inactive_file("anon 1\ninactive_file 5\n", &in), 0);
	assert_true(in == 5);
	assert_int_equal(scope_parse_inactive_file("anon 1\n", &in), -EINVAL);
}

static void test_parse_setting(void **state)
{
	(void)state;
	enum scope_mode m;
	char path[PATH_MAX];
	assert_int_equal(scope_parse_setting("auto", &m, path), 0);
	assert_int_equal(m, SCOPE_AUTO);
	assert_int_equal(scope_parse_setting("host", &m, path), 0);
	assert_int_equal(m, SCOPE_HOST);
	assert_int_equal(scope_parse_setting("cgroup:/lsf/node1/", &m, path), 0);
	assert_int_equal(m, SCOPE_CGROUP);
	assert_string_equal(path, "/lsf/node1");
	assert_int_equal(scope_parse_setting("cgroup:lsf", &m, path), -EINVAL);
	assert_int_equal(scope_parse_setting("cgroup:/a/../b", &m, path), -EINVAL);
	assert_int_equal(scope_parse_setting("machine", &m, path), -EINVAL);
}

/* ------------------------------------------------------------ trees */

struct tree {
	char *root;
	char proc[512], sys[512];
};

static void tree_make(struct tree *t, const char *name)
{
	char src[600];
	t->root = tu_tmpdir();
	snprintf(t->proc, sizeof t->proc, "%s/proc", t->root);
	snprintf(t->sys, sizeof t->sys, "%s/sys", t->root);
	snprintf(src, sizeof src, "%s/%s/base", tu_data(), name);
	tu_copy_tree(src, t->root);
}

static void tree_t1(struct tree *t, const char *name)
{
	char src[600];
	snprintf(src, sizeof src, "%s/%s/t1", tu_data(), name);
	tu_copy_tree(src, t->root);
}

static void tree_free(struct tree *t)
{
	tu_rmtree(t->root);
	free(t->root);
}

static void resolve(struct scope *s, const struct tree *t, const char *setting)
{
	char err[512] = "";
	int rc = scope_resolve(s, setting, t->proc, t->sys, err, sizeof err);
	if (rc < 0)
		fail_msg("scope_resolve %s: %s", setting, err);
}

/* where dir ends, relative to the tree's sys/fs/cgroup */
static const char *rel_of(const struct tree *t, const char *dir)
{
	size_t n = strlen(t->sys) + strlen("/fs/cgroup/");
	assert_true(strlen(dir) >= n);
	assert_memory_equal(dir, t->sys, strlen(t->sys));
	return dir + n;
}

static void test_decide_v1(void **state)
{
	(void)state;
	struct tree t;
	struct scope s;
	tree_make(&t, "scope-v1");
	resolve(&s, &t, "auto");
	assert_true(s.cgroup);
	assert_int_equal(s.version, 1);
	assert_string_equal(s.path, "/lsf/node1");
	assert_int_equal(s.machine_cpus, 4);
	assert_int_equal(s.cpus.n, 2);
	assert_true(scope_has_cpu(&s.cpus, 2) && scope_has_cpu(&s.cpus, 3));
	assert_true(s.quota_cpus == 1.5);
	assert_true(s.ncpu == 1.5);
	assert_true(s.mem_limited);
	assert_true(s.mem_limit == 8589934592ULL);
	assert_string_equal(rel_of(&t, s.members_dir), "cpuset/lsf/node1");
	assert_string_equal(rel_of(&t, s.cpustat_dir), "cpu,cpuacct/lsf/node1");
	assert_string_equal(rel_of(&t, s.usage_dir), "cpu,cpuacct/lsf/node1");
	assert_string_equal(rel_of(&t, s.mem_dir), "memory/lsf");
	assert_string_equal(s.psi_dir, "");
	assert_non_null(strstr(s.why, "cgroup /lsf/node1"));
	assert_non_null(strstr(s.why, "ncpu 1.5"));
	assert_non_null(strstr(s.why, "PSI unknown"));

	/* host: the machine, and no memory limit */
	resolve(&s, &t, "host");
	assert_false(s.cgroup);
	assert_false(s.mem_limited);
	assert_true(s.ncpu == 4);
	assert_non_null(strstr(s.why, "host (as configured)"));

	/* a cgroup by name: its set and its path's limits */
	resolve(&s, &t, "cgroup:/lsf");
	assert_true(s.cgroup);
	assert_true(s.ncpu == 4);
	assert_true(s.quota_cpus == 0);
	assert_true(s.mem_limit == 8589934592ULL);
	assert_string_equal(rel_of(&t, s.members_dir), "cpuset/lsf");

	char err[512];
	assert_int_equal(scope_resolve(&s, "cgroup:/nope", t.proc, t.sys, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "cgroup:/nope"));
	assert_int_equal(scope_resolve(&s, "sideways", t.proc, t.sys, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "sideways"));

	/* auto in a cgroup that limits nothing: the machine */
	tu_write(t.proc, "self/cgroup", "4:memory:/\n3:cpuset:/\n2:cpu,cpuacct:/\n");
	resolve(&s, &t, "auto");
	assert_false(s.cgroup);
	assert_false(s.mem_limited);
	assert_true(s.ncpu == 4);
	assert_non_null(strstr(s.why, "limits no CPU"));
	/* a quota alone makes it the host, with the set it has */
	tu_write(t.proc, "self/cgroup", "3:cpuset:/\n2:cpu,cpuacct:/lsf/node1/job7\n");
	resolve(&s, &t, "auto");
	assert_true(s.cgroup);
	assert_string_equal(s.path, "/lsf/node1");
	assert_int_equal(s.cpus.n, 4);
	assert_true(s.ncpu == 1.5);
	assert_string_equal(rel_of(&t, s.members_dir), "cpu,cpuacct/lsf/node1");
	tree_free(&t);

	/* a container's /proc from lxcfs lists only its own CPUs (2 and 3
	 * here): the kernel's online CPUs in sysfs still show that the set
	 * is smaller than the machine, so auto takes the cgroup */
	tree_make(&t, "scope-v1");
	tu_write(t.proc, "stat", "cpu  2000 0 500 8000 200 0 0 0 0 0\n"
		 "cpu2 1000 0 250 4000 100 0 0 0 0 0\ncpu3 1000 0 250 4000 100 0 0 0 0 0\n");
	tu_write(t.proc, "self/cgroup", "4:memory:/\n3:cpuset:/lsf/node1\n2:cpu,cpuacct:/\n");
	resolve(&s, &t, "auto");
	assert_false(s.cgroup);   /* without sysfs's online list: 2 of 2 */
	assert_int_equal(s.machine_cpus, 2);
	tu_write(t.sys, "devices/system/cpu/online", "0-3\n");
	resolve(&s, &t, "auto");
	assert_true(s.cgroup);
	assert_int_equal(s.machine_cpus, 4);
	assert_int_equal(s.cpus.n, 2);
	assert_true(s.ncpu == 2);
	tree_free(&t);

	/* no cgroup file system under the sysfs root: the machine */
	tree_make(&t, "scope-v1");
	tu_rmtree(t.sys);
	resolve(&s, &t, "auto");
	assert_false(s.cgroup);
	assert_non_null(strstr(s.why, "no cgroup file system"));
	tree_free(&t);
}

static void test_decide_v2(void **state)
{
	(void)state;
	struct tree t;
	struct scope s;
	tree_make(&t, "scope-v2");
	resolve(&s, &t, "auto");
	assert_true(s.cgroup);
	assert_int_equal(s.version, 2);
	assert_string_equal(s.path, "/machine.slice/ctr1");
	assert_int_equal(s.cpus.n, 4);
	assert_true(s.quota_cpus == 0.5);
	assert_true(s.ncpu == 0.5);
	assert_true(s.mem_limit == 1073741824ULL);
	assert_string_equal(rel_of(&t, s.members_dir), "machine.slice/ctr1");
	assert_string_equal(rel_of(&t, s.psi_dir), "machine.slice/ctr1");
	assert_string_equal(rel_of(&t, s.cpustat_dir), "machine.slice/ctr1");
	assert_string_equal(rel_of(&t, s.mem_dir), "machine.slice/ctr1");
	assert_non_null(strstr(s.why, "PSI the cgroup's own"));
	/* a set on ctr1, and none on init (no cpuset controller there): the
	 * nearest ancestor's set, and the scope is where it is set */
	char f[1024];
	snprintf(f, sizeof f, "%s/fs/cgroup/machine.slice/ctr1/init/cpuset.cpus.effective", t.sys);
	assert_int_equal(unlink(f), 0);
	tu_write(t.sys, "fs/cgroup/machine.slice/ctr1/cpuset.cpus.effective", "1-2\n");
	resolve(&s, &t, "auto");
	assert_true(s.cgroup);
	assert_int_equal(s.cpus.n, 2);
	assert_true(scope_has_cpu(&s.cpus, 1) && scope_has_cpu(&s.cpus, 2));
	assert_string_equal(s.path, "/machine.slice/ctr1");
	assert_true(s.ncpu == 0.5);
	/* the container's own view (a cgroup namespace): the root, no limit */
	tu_write(t.proc, "self/cgroup", "0::/\n");
	resolve(&s, &t, "auto");
	assert_false(s.cgroup);
	tree_free(&t);
}

/* ------------------------------------------------------------ samplers */

/* Sample s at T0 on base/ and at T1 after t1/ is copied in. */
static void two_samples(const struct sampler *smp, struct tree *t, const char *name,
			const struct scope *sc, double *x)
{
	struct sampler_env env = { .procfs = t->proc, .sysfs = t->sys, .scope = sc,
				   .interval = 10 };
	void *st = NULL;
	assert_int_equal(smp->init(&env, &st), 0);
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		x[i] = NAN;
	assert_int_equal(smp->sample(st, T0, x), 0);
	tree_t1(t, name);
	assert_int_equal(smp->sample(st, T1, x), 0);
	smp->fini(st);
}

static void test_samplers_v1(void **state)
{
	(void)state;
	struct tree t;
	struct scope s;
	double x[FEAT_VECTOR_LEN];

	tree_make(&t, "scope-v1");
	resolve(&s, &t, "auto");
	two_samples(&sampler_cpu, &t, "scope-v1", &s, x);
	assert_float_equal(x[FEAT_cpu_busy], 0.5, 1e-9);
	assert_float_equal(x[FEAT_load1_per_core], 0.5 / 4, 1e-9);   /* the machine's */
	tree_free(&t);

	tree_make(&t, "scope-v1");
	resolve(&s, &t, "auto");
	two_samples(&sampler_scope, &t, "scope-v1", &s, x);
	assert_float_equal(x[FEAT_scope_ncpu], 1.5, 1e-9);
	assert_float_equal(x[FEAT_cpu_quota_used], 0.8, 1e-9);
	assert_float_equal(x[FEAT_cpu_throttled], 0.2, 1e-9);
	tree_free(&t);

	tree_make(&t, "scope-v1");
	resolve(&s, &t, "auto");
	two_samples(&sampler_mem, &t, "scope-v1", &s, x);
	assert_float_equal(x[FEAT_mem_used], 0.375, 1e-9);
	/* v1 cgroup scope: no PSI of its own, so none */
	struct sampler_env env = { .procfs = t.proc, .sysfs = t.sys, .scope = &s };
	char msg[256] = "";
	env.msg = msg;
	env.msg_len = sizeof msg;
	void *st = NULL;
	assert_int_equal(sampler_psi.init(&env, &st), -ENOENT);
	assert_non_null(strstr(msg, "cgroup v1"));

	/* host scope on the same tree: the machine's cpu line, which did not move */
	resolve(&s, &t, "host");
	tree_free(&t);
	tree_make(&t, "scope-v1");
	two_samples(&sampler_cpu, &t, "scope-v1", &s, x);
	assert_true(isnan(x[FEAT_cpu_busy]));
	two_samples(&sampler_scope, &t, "scope-v1", &s, x);
	assert_float_equal(x[FEAT_scope_ncpu], 4, 1e-9);
	assert_true(isnan(x[FEAT_cpu_quota_used]) && isnan(x[FEAT_cpu_throttled]));
	tree_free(&t);
}

static void test_samplers_v2(void **state)
{
	(void)state;
	struct tree t;
	struct scope s;
	double x[FEAT_VECTOR_LEN];

	tree_make(&t, "scope-v2");
	resolve(&s, &t, "auto");
	two_samples(&sampler_cpu, &t, "scope-v2", &s, x);
	assert_float_equal(x[FEAT_cpu_busy], 1.0 / 3, 1e-9);
	tree_free(&t);

	tree_make(&t, "scope-v2");
	resolve(&s, &t, "auto");
	two_samples(&sampler_scope, &t, "scope-v2", &s, x);
	assert_float_equal(x[FEAT_scope_ncpu], 0.5, 1e-9);
	assert_float_equal(x[FEAT_cpu_quota_used], 0.8, 1e-9);
	assert_float_equal(x[FEAT_cpu_throttled], 0.1, 1e-9);
	tree_free(&t);

	tree_make(&t, "scope-v2");
	resolve(&s, &t, "auto");
	two_samples(&sampler_psi, &t, "scope-v2", &s, x);
	assert_float_equal(x[FEAT_psi_cpu_some], 0.2, 1e-9);
	assert_float_equal(x[FEAT_psi_mem_some], 0, 1e-9);
	tree_free(&t);

	tree_make(&t, "scope-v2");
	resolve(&s, &t, "auto");
	two_samples(&sampler_mem, &t, "scope-v2", &s, x);
	assert_float_equal(x[FEAT_mem_used], 0.25, 1e-9);
	tree_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_proc_cgroup),
		cmocka_unit_test(test_parse_cpulist),
		cmocka_unit_test(test_parse_quota_and_limits),
		cmocka_unit_test(test_parse_cpu_stat),
		cmocka_unit_test(test_parse_setting),
		cmocka_unit_test(test_decide_v1),
		cmocka_unit_test(test_decide_v2),
		cmocka_unit_test(test_samplers_v1),
		cmocka_unit_test(test_samplers_v2),
	};
	return TU_RUN(tests);
}

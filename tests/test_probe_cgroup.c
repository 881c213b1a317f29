/*
 * probe_cgroup (elim/probe_cgroup.c): where the probe runs.
 *
 * On plain directories: auto finds LSF's and OpenLava's job trees in the
 * cpu, cpuacct and cpuset hierarchies and not in memory; a leaf is made
 * and removed; a failed leaf leaves nothing behind; a configured directory
 * that vanished is made again.
 *
 * With real cgroups (root, cgroup v1 cpu, cpuacct, cpuset and memory; else
 * skipped with the reason): an LSF-like tree made by the test under a
 * cgroup of its own in each hierarchy, reached through a private --sysfs
 * whose fs/cgroup/<controller> are symbolic links to those cgroups; the
 * real elim with --probe-cgroup auto runs its probes in a leaf beside the
 * job in cpu, cpuacct and cpuset (a pid seen in each leaf's cgroup.procs
 * while it runs), never under memory, logs the cgroup at debug level, and
 * leaves no leaf behind.  Runs probes: in SERIAL_TESTS.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "probe_cgroup.h"
#include "scope.h"
#include "testutil.h"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void test_find_on_plain_dirs(void **state)
{
	(void)state;
	char *root = tu_tmpdir(), sys[1024], err[512], want[2200];
	snprintf(sys, sizeof sys, "%s/sys", root);
	/* LSF: lsf/<cluster>/job.ID.IDX.TIME in cpu and cpuacct (co-mounted
	 * elsewhere: here separate) and memory; OpenLava's numbered job in cpuset */
	tu_write(root, "sys/fs/cgroup/cpu/lsf/cluster1/job.12.0.1700000000/cgroup.procs", "");
	tu_write(root, "sys/fs/cgroup/cpuacct/lsf/cluster1/job.12.0.1700000000/cgroup.procs", "");
	tu_write(root, "sys/fs/cgroup/memory/lsf/cluster1/job.12.0.1700000000/cgroup.procs", "");
	tu_write(root, "sys/fs/cgroup/cpuset/openlava/101/cgroup.procs", "");
	tu_write(root, "sys/fs/cgroup/cpuset/openlava/102/cgroup.procs", "");

	struct probe_cgroup pc;
	assert_int_equal(probe_cgroup_init(&pc, "auto", sys, err, sizeof err), 0);
	assert_true(pc.on && pc.leaf);
	assert_int_equal(pc.n, 3);
	char real[1024];
	assert_non_null(realpath(sys, real));
	snprintf(want, sizeof want, "%s/fs/cgroup/cpu/lsf/cluster1", real);
	assert_string_equal(pc.parent[0], want);
	snprintf(want, sizeof want, "%s/fs/cgroup/cpuacct/lsf/cluster1", real);
	assert_string_equal(pc.parent[1], want);
	snprintf(want, sizeof want, "%s/fs/cgroup/cpuset/openlava", real);
	assert_string_equal(pc.parent[2], want);
	assert_true(pc.v1_cpuset[2] && !pc.v1_cpuset[0]);
	for (int i = 0; i < pc.n; i++)
		assert_null(strstr(pc.parent[i], "memory"));

	/* a leaf in cpu and cpuacct; in cpuset it needs cpuset.cpus, which a
	 * plain directory has not: the whole placement fails, nothing left */
	assert_true(probe_cgroup_prepare(&pc, 4242, err, sizeof err) < 0);
	assert_non_null(strstr(err, "openlava/elim-rank-probe-4242"));
	assert_int_equal(pc.nplaced, 0);
	assert_string_equal(pc.running, "");
	snprintf(want, sizeof want, "%s/fs/cgroup/cpu/lsf/cluster1/elim-rank-probe-4242", real);
	assert_false(exists(want));

	/* without the cpuset tree: placed, named, removed after */
	tu_rmtree(strcat(strcpy(want, sys), "/fs/cgroup/cpuset"));
	assert_int_equal(probe_cgroup_init(&pc, "auto", sys, err, sizeof err), 0);
	assert_int_equal(pc.n, 2);
	assert_int_equal(probe_cgroup_prepare(&pc, 4242, err, sizeof err), 0);
	assert_int_equal(pc.nplaced, 2);
	snprintf(want, sizeof want, "%s/fs/cgroup/cpu/lsf/cluster1/elim-rank-probe-4242", real);
	assert_true(exists(want));
	assert_non_null(strstr(pc.running, want));
	probe_cgroup_release(&pc);
	assert_false(exists(want));
	assert_non_null(strstr(pc.running, want));   /* still says where the last one ran */

	/* nothing to find: on, nowhere to go, and why */
	tu_rmtree(strcat(strcpy(want, sys), "/fs/cgroup"));
	assert_int_equal(probe_cgroup_init(&pc, "auto", sys, err, sizeof err), 0);
	assert_int_equal(pc.n, 0);
	assert_non_null(strstr(pc.found, "no LSF (lsf) or OpenLava"));
	assert_int_equal(probe_cgroup_prepare(&pc, 1, err, sizeof err), 0);
	assert_int_equal(pc.nplaced, 0);

	/* a configured directory: must be a cgroup at start; made again when
	 * it vanished */
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/cg", root);
	assert_int_equal(probe_cgroup_init(&pc, dir, sys, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "cg/cgroup.procs"));
	tu_write(dir, "cgroup.procs", "");
	assert_int_equal(probe_cgroup_init(&pc, dir, sys, err, sizeof err), 0);
	assert_false(pc.leaf);
	tu_rmtree(dir);
	assert_int_equal(probe_cgroup_prepare(&pc, 1, err, sizeof err), 0);
	assert_true(exists(dir));
	assert_int_equal(pc.nplaced, 1);
	tu_rmtree(root);
	free(root);
}

/* ------------------------------------------------------------ real cgroups */

#define CG "/sys/fs/cgroup"
static char name[64];
static char tops[4][PATH_MAX];   /* this test's cgroup in cpu, cpuacct, cpuset, memory */
static int ntops;

static void put(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fprintf(f, "%s", value);
	if (fclose(f) != 0)
		fail_msg("writing %s: %s", path, strerror(errno));
}

/* mkdir a cgroup; a v1 cpuset gets its parent's cpus and mems. */
static void make(const char *dir, bool cpuset)
{
	if (mkdir(dir, 0755) < 0)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	if (cpuset) {
		char parent[PATH_MAX], *v;
		snprintf(parent, sizeof parent, "%s", dir);
		*strrchr(parent, '/') = '\0';
		char f[PATH_MAX + 32];
		snprintf(f, sizeof f, "%s/cpuset.cpus", parent);
		put(dir, "cpuset.cpus", v = tu_slurp(f));
		free(v);
		snprintf(f, sizeof f, "%s/cpuset.mems", parent);
		put(dir, "cpuset.mems", v = tu_slurp(f));
		free(v);
	}
}

static void rm_tree(const char *dir)
{
	/* deepest first; the job dir, the cluster, lsf, then the top */
	static const char *const subs[] = { "/lsf/cluster1/job.7.0.1700000000", "/lsf/cluster1",
					    "/lsf", "" };
	for (size_t i = 0; i < 4; i++) {
		char d[PATH_MAX + 64];
		if (snprintf(d, sizeof d, "%s%s", dir, subs[i]) < (int)sizeof d)
			rmdir(d);
	}
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < ntops; i++)
		rm_tree(tops[i]);
	ntops = 0;
	return 0;
}

/* The number of pids in dir/cgroup.procs; -1 when dir is not there. */
static int procs_in(const char *dir)
{
	char path[PATH_MAX + 32];
	if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path || !exists(path))
		return -1;
	char *t = tu_slurp(path);
	int n = 0;
	for (char *p = t; p && *p; p++)
		n += *p == '\n';
	free(t);
	return n;
}

static void test_auto_beside_lsf_jobs(void **state)
{
	(void)state;
	static const char *const ctl[] = { "cpu", "cpuacct", "cpuset", "memory" };
	if (geteuid() != 0) {
		printf("# SKIP needs root to make cgroups\n");
		skip();
	}
	for (int i = 0; i < 4; i++) {
		char f[PATH_MAX];
		snprintf(f, sizeof f, CG "/%s/cgroup.procs", ctl[i]);
		if (!exists(f)) {
			printf("# SKIP no cgroup v1 %s hierarchy at " CG "/%s\n", ctl[i], ctl[i]);
			skip();
		}
	}
	/* our cgroup in each hierarchy, under the test's own (memory: not the
	 * root, where the machine may keep the test) */
	char *self = tu_slurp("/proc/self/cgroup");
	struct scope_cgpaths own;
	assert_int_equal(scope_parse_proc_cgroup(self, &own), 0);
	free(self);
	const char *own_of[] = { own.cpu, own.cpuacct, own.cpuset, own.memory };
	char *root = tu_tmpdir(), sys[1024];
	snprintf(sys, sizeof sys, "%s/sys", root);
	tu_system("mkdir -p '%s/fs/cgroup'", sys);
	for (int i = 0; i < 4; i++) {
		bool cs = strcmp(ctl[i], "cpuset") == 0;
		if (snprintf(tops[i], PATH_MAX, CG "/%s%s/%s", ctl[i],
			     strcmp(own_of[i], "/") == 0 ? "" : own_of[i], name) >= PATH_MAX) {
			printf("# SKIP the test's own %s cgroup path is too long\n", ctl[i]);
			skip();
		}
		make(tops[i], cs);
		ntops = i + 1;
		static const char *const subs[] = { "lsf", "lsf/cluster1",
						    "lsf/cluster1/job.7.0.1700000000" };
		for (int k = 0; k < 3; k++) {
			char d[PATH_MAX + 64];
			if (snprintf(d, sizeof d, "%s/%s", tops[i], subs[k]) >= (int)sizeof d)
				fail_msg("path too long");
			make(d, cs);
		}
		char link[1200];
		snprintf(link, sizeof link, "%s/fs/cgroup/%s", sys, ctl[i]);
		assert_int_equal(symlink(tops[i], link), 0);
	}

	struct th e;
	struct th_opts o = { .foreground = true, .err = TH_PIPE };
	th_start(&e, &o, (const char *const[]){ "--verbose", "--interval", "1", "--count", "10",
		"--probe-interval", "1", "--probe-duration", "1", "--no-history", "--state-dir", root,
		"--scope", "host", "--sysfs", sys, "--probe-cgroup", "auto", NULL });
	char leaf[3][PATH_MAX + 64];
	for (int i = 0; i < 3; i++)
		if (snprintf(leaf[i], sizeof leaf[i], "%s/lsf/cluster1/elim-rank-probe-%d", tops[i],
			     (int)e.pid) >= (int)sizeof leaf[i])
			fail_msg("path too long");
	char mem_leaf[PATH_MAX + 64];
	if (snprintf(mem_leaf, sizeof mem_leaf, "%s/lsf/cluster1/elim-rank-probe-%d", tops[3],
		     (int)e.pid) >= (int)sizeof mem_leaf)
		fail_msg("path too long");
	bool seen[3] = { false, false, false }, in_memory = false;
	double t0 = th_now();
	while (!(seen[0] && seen[1] && seen[2]) && th_now() - t0 < 60) {
		for (int i = 0; i < 3; i++)
			seen[i] |= procs_in(leaf[i]) > 0;
		in_memory |= exists(mem_leaf);
		usleep(10000);
	}
	char why[256];
	snprintf(why, sizeof why, "a probe in the cpu %d, cpuacct %d, cpuset %d leaf", seen[0],
		 seen[1], seen[2]);
	int st = th_wait(&e, 120);
	const char *err = th_err(&e);
	if (!(seen[0] && seen[1] && seen[2]))
		fail_msg("%s; stderr:\n%s", why, err);
	assert_int_equal(st, 0);
	assert_false(in_memory);
	/* the cgroup recorded: the three leaves, at debug level */
	char want[PATH_MAX + 100];
	if (snprintf(want, sizeof want, "probe: in cgroup %s", leaf[0]) >= (int)sizeof want)
		fail_msg("path too long");
	if (strstr(err, want) == NULL || strstr(err, leaf[2]) == NULL)
		fail_msg("no '%s' in:\n%s", want, err);
	assert_non_null(strstr(err, "probe: cgroup auto: "));
	for (int i = 0; i < 3; i++)
		if (exists(leaf[i]))
			fail_msg("%s left after the elim ended", leaf[i]);
	printf("# probes ran in %s (and cpuacct, cpuset); gone after\n", leaf[0]);
	th_close(&e);
	tu_rmtree(root);
	free(root);
}

int main(void)
{
	snprintf(name, sizeof name, "elim-rank-probe-test-%d", (int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_on_plain_dirs),
		cmocka_unit_test_teardown(test_auto_beside_lsf_jobs, teardown),
	};
	int rc = TU_RUN(tests);
	teardown(NULL);
	return rc;
}

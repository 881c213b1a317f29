/*
 * scope with real cgroups: the real elim (tests/harness.h) started inside
 * cgroups this test makes, beside CPU hogs and a memory hog.
 *
 *  - in a cpuset of one CPU, with a hog pinned to another CPU outside it,
 *    --scope auto reads idle (no busy group, rank about 100, scope_ncpu 1)
 *    while --scope host sees the hog;
 *  - a hog inside the cpuset raises the rank;
 *  - under a 50 % quota (cpu and cpuacct), scope_ncpu is 0.5, and with a
 *    hog inside, cpu_quota_used is near 1 and cpu_throttled above 0;
 *  - memory is judged against a limit set on a parent cgroup.
 *
 * The elim joins the cgroups through a shell that writes its own pid into
 * each cgroup.procs and then execs it (same pid, so the harness's death
 * signal and reaping hold).  Cgroups are made under the test's own cgroup
 * of each hierarchy, named elim-rank-scope-PID, and removed in every
 * test's teardown (processes killed first); what cannot run here (not
 * root, one CPU, a hierarchy not mounted or not writable: cgroup v1
 * cpuset, cpu, cpuacct and memory are needed) is skipped with the reason.
 * The machine may be loaded by others: each hog runs in a cpu cgroup of
 * its own (or the quota's) with cpu.shares 262144, so that it gets the CPU
 * it asks for (the elim's own readings are what is tested, not the
 * scheduler).  Load-making: in SERIAL_TESTS.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "scope.h"
#include "testutil.h"

#define CG "/sys/fs/cgroup"
#define MAX_DIRS 8
#define MAX_HOGS 4

static char name[64];            /* elim-rank-scope-PID */
static char dirs[MAX_DIRS][PATH_MAX];   /* made, in order of making */
static int ndirs;
static pid_t hogs[MAX_HOGS];
static int nhogs;

/* The test's own path in the v1 hierarchy ctl ("" if none). */
static void own_path(const char *ctl, char *out, size_t size)
{
	char *text = tu_slurp("/proc/self/cgroup");
	struct scope_cgpaths p;
	out[0] = '\0';
	if (text && scope_parse_proc_cgroup(text, &p) == 0) {
		const char *v = strcmp(ctl, "cpuset") == 0 ? p.cpuset
			      : strcmp(ctl, "cpu") == 0 ? p.cpu
			      : strcmp(ctl, "cpuacct") == 0 ? p.cpuacct : p.memory;
		snprintf(out, size, "%s", v);
	}
	free(text);
}

/* The directory of a new cgroup ctl/<own path>/<name>[/sub], made; "" and
 * a reason in why when it cannot be. */
static bool make_cg(const char *ctl, const char *sub, char *out, char *why, size_t whylen)
{
	char own[PATH_MAX], base[PATH_MAX];
	own_path(ctl, own, sizeof own);
	snprintf(base, sizeof base, CG "/%s%s", ctl, strcmp(own, "/") == 0 ? "" : own);
	struct stat st;
	if (own[0] == '\0' || stat(base, &st) < 0) {
		snprintf(why, whylen, "no cgroup v1 %s hierarchy at " CG "/%s", ctl, ctl);
		return false;
	}
	char top[PATH_MAX];
	if ((size_t)snprintf(top, sizeof top, "%s/%s", base, name) >= sizeof top) {
		snprintf(why, whylen, "the test's own %s cgroup path is too long", ctl);
		return false;
	}
	if (mkdir(top, 0755) == 0) {
		if (ndirs < MAX_DIRS)
			snprintf(dirs[ndirs++], PATH_MAX, "%s", top);
	} else if (errno != EEXIST) {   /* EEXIST: made earlier in this test */
		snprintf(why, whylen, "cannot make %s: %s", top, strerror(errno));
		return false;
	}
	snprintf(out, PATH_MAX, "%s", top);
	if (sub) {
		if ((size_t)snprintf(out, PATH_MAX, "%s/%s", top, sub) >= PATH_MAX || mkdir(out, 0755) < 0) {
			snprintf(why, whylen, "cannot make %s: %s", out, strerror(errno));
			return false;
		}
		if (ndirs < MAX_DIRS)
			snprintf(dirs[ndirs++], PATH_MAX, "%s", out);
	}
	return true;
}

static void put(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	int rc = fprintf(f, "%s\n", value);
	if (fclose(f) != 0 || rc < 0)
		fail_msg("writing %s to %s: %s", value, path, strerror(errno));
}

static void join(const char *dir, pid_t pid)
{
	char v[32];
	snprintf(v, sizeof v, "%d", (int)pid);
	put(dir, "cgroup.procs", v);
}

/* A CPU hog, pinned to cpu (-1: not pinned), in the cgroups dirs
 * (NULL-terminated; it joins before it spins). */
static pid_t hog(int cpu, const char *const *dirs_in)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof set, &set);
		}
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	for (const char *const *d = dirs_in; d && *d; d++)
		join(*d, pid);
	if (cpu >= 0) {   /* after the cgroup moves: a cpuset move resets it */
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		assert_int_equal(sched_setaffinity(pid, sizeof set, &set), 0);
	}
	hogs[nhogs++] = pid;
	return pid;
}

/* A process holding mib MiB of anonymous memory, touched, in dir. */
static pid_t mem_hog(const char *dir, size_t mib)
{
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)   /* joined: now allocate */
			_exit(1);
		size_t n = mib << 20;
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		for (size_t i = 0; i < n; i += 4096)
			p[i] = 1;
		for (;;)
			pause();
	}
	close(ready[0]);
	join(dir, pid);
	assert_int_equal(write(ready[1], "g", 1), 1);
	close(ready[1]);
	hogs[nhogs++] = pid;
	return pid;
}

static void kill_hogs(void)
{
	for (int i = 0; i < nhogs; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0);
	}
	nhogs = 0;
}

/* Remove the cgroups made, deepest first; a process left in one (there
 * should be none) is moved to the cgroup's parent first. */
static void remove_cgroups(void)
{
	for (int i = ndirs - 1; i >= 0; i--) {
		if (rmdir(dirs[i]) == 0 || errno == ENOENT)
			continue;
		char procs[PATH_MAX + 32], parent[PATH_MAX];
		snprintf(procs, sizeof procs, "%s/cgroup.procs", dirs[i]);
		snprintf(parent, sizeof parent, "%s", dirs[i]);
		*strrchr(parent, '/') = '\0';
		char *text = tu_slurp(procs);
		for (char *p = text; p && *p;) {
			long pid = strtol(p, &p, 10);
			if (pid > 0)
				join(parent, (pid_t)pid);
			while (*p == '\n')
				p++;
		}
		free(text);
		for (int k = 0; k < 50 && rmdir(dirs[i]) < 0 && errno == EBUSY; k++)
			usleep(100000);
	}
	ndirs = 0;
}

static int teardown(void **state)
{
	(void)state;
	kill_hogs();
	remove_cgroups();
	return 0;
}

/* Skip unless dirs of every listed hierarchy can be made. */
static bool can_run(char *why, size_t whylen)
{
	if (geteuid() != 0) {
		snprintf(why, whylen, "needs root to make cgroups");
		return false;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		snprintf(why, whylen, "needs two CPUs");
		return false;
	}
	return true;
}

#define SKIP_UNLESS(cond, why) do { if (!(cond)) { printf("# SKIP %s\n", why); skip(); } } while (0)

/* The value on the last "name VALUE ..." line of an explain output (NAN for
 * nan; -2 when absent). */
static double last_value(const char *text, const char *fname)
{
	size_t nl = strlen(fname);
	double v = -2;
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, fname, nl) == 0 && p[nl] == ' ')
			v = strncmp(p + nl + 1, "nan", 3) == 0 ? NAN : strtod(p + nl + 1, NULL);
	return v;
}

/* The last "# scope: ..." line. */
static const char *scope_line(const char *text, char *out, size_t size)
{
	out[0] = '\0';
	for (const char *p = strstr(text, "# scope: "); p; p = strstr(p + 1, "# scope: ")) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), p);
	}
	return out;
}

/*
 * Run the elim in the cgroups dirs_in (NULL-terminated) with --scope
 * scope for two 3-second records under --explain (the groups walk has its
 * value from the second sample on); returns the output (malloc'd).
 */
static char *run_elim(const char *const *dirs_in, const char *scope)
{
	char join_list[MAX_DIRS * (PATH_MAX + 1)] = "";
	for (const char *const *d = dirs_in; d && *d; d++) {
		strcat(join_list, *d);
		strcat(join_list, " ");
	}
	char env_join[sizeof join_list + 16];
	snprintf(env_join, sizeof env_join, "CG_JOIN=%s", join_list);
	const char *bin = getenv("ELIM_BIN");
	assert_non_null(bin);
	struct th_opts o = { .bin = "/bin/sh", .env = { env_join, NULL } };
	char *out = NULL, *err = NULL;
	int st = th_run(&o, (const char *const[]){ "-c",
		"for d in $CG_JOIN; do echo $$ > $d/cgroup.procs || exit 99; done; exec \"$@\"",
		"sh", bin, "--explain", "--interval", "3", "--count", "2", "--no-probe",
		"--no-history", "--scope", scope, NULL }, 120.0, &out, &err);
	if (st != 0)
		fail_msg("elim in %s exited %d: %s", join_list, st, err ? err : "");
	free(err);
	return out;
}

static void show(const char *what, const char *out)
{
	char line[1200];
	printf("# %s: %s; rank %.1f, cpu_busy %.3f, cpu_groups_per_core %.3f, scope_ncpu %.3g,"
	       " cpu_quota_used %.3f, cpu_throttled %.3f, mem_used %.3f\n", what,
	       scope_line(out, line, sizeof line), last_value(out, "rank"),
	       last_value(out, "cpu_busy"), last_value(out, "cpu_groups_per_core"),
	       last_value(out, "scope_ncpu"), last_value(out, "cpu_quota_used"),
	       last_value(out, "cpu_throttled"), last_value(out, "mem_used"));
}

/* A cpuset of CPU 0 with mems copied from the root. */
static bool make_cpuset(char *dir, const char *cpus, char *why, size_t whylen)
{
	if (!make_cg("cpuset", NULL, dir, why, whylen))
		return false;
	char *mems = tu_slurp(CG "/cpuset/cpuset.mems");
	assert_non_null(mems);
	mems[strcspn(mems, "\n")] = '\0';
	put(dir, "cpuset.cpus", cpus);
	put(dir, "cpuset.mems", mems);
	free(mems);
	return true;
}

/* A cpu cgroup for a hog, weighted far above everything else. */
static bool make_hog_cg(char *dir, char *why, size_t whylen)
{
	if (!make_cg("cpu", "hog", dir, why, whylen))
		return false;
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir);
	*strrchr(parent, '/') = '\0';
	put(parent, "cpu.shares", "262144");   /* weights are per level */
	put(dir, "cpu.shares", "262144");
	return true;
}

static void test_cpuset_idle_beside_a_hog(void **state)
{
	(void)state;
	char why[PATH_MAX + 100], set[PATH_MAX];
	SKIP_UNLESS(can_run(why, sizeof why), why);
	SKIP_UNLESS(make_cpuset(set, "0", why, sizeof why), why);
	char hcg[PATH_MAX];
	SKIP_UNLESS(make_hog_cg(hcg, why, sizeof why), why);
	hog(1, (const char *const[]){ hcg, NULL });   /* outside, on the other CPU */

	const char *in[] = { set, NULL };
	char *a = run_elim(in, "auto");
	char *h = run_elim(in, "host");
	show("auto in a cpuset of CPU 0, hog on CPU 1", a);
	show("host, the same", h);
	char line[1200];
	assert_non_null(strstr(scope_line(a, line, sizeof line), "auto: it limits CPU"));
	assert_non_null(strstr(line, name));
	assert_float_equal(last_value(a, "scope_ncpu"), 1, 1e-9);
	assert_float_equal(last_value(h, "scope_ncpu"), 2, 1e-9);
	/* no busy group in the cpuset (the elim is alone there) ... */
	assert_float_equal(last_value(a, "cpu_groups_per_core"), 0, 1e-9);
	assert_true(last_value(a, "rank") <= 105.0);
	/* ... while the machine has the hog, at least */
	assert_true(last_value(h, "cpu_groups_per_core") >= 0.5);
	assert_true(last_value(h, "rank") >= last_value(a, "rank") + 20);
	/* cgroup v1: no PSI of its own, so none */
	assert_true(isnan(last_value(a, "psi_cpu_some")));
	free(a);
	free(h);
}

static void test_cpuset_hog_inside(void **state)
{
	(void)state;
	char why[PATH_MAX + 100], set[PATH_MAX];
	SKIP_UNLESS(can_run(why, sizeof why), why);
	SKIP_UNLESS(make_cpuset(set, "0", why, sizeof why), why);
	const char *in[] = { set, NULL };
	char hcg[PATH_MAX];
	SKIP_UNLESS(make_hog_cg(hcg, why, sizeof why), why);
	char *idle = run_elim(in, "auto");
	hog(-1, (const char *const[]){ set, hcg, NULL });   /* inside: on CPU 0 by its cpuset */
	/* a machine loaded by others can take the hog's CPU for a whole
	 * interval: up to 3 runs, the first that sees the hog counts (a scope
	 * that does not count it fails all 3) */
	char *busy = run_elim(in, "auto");
	for (int k = 1; k < 3 && last_value(busy, "cpu_groups_per_core") < 1.0; k++) {
		show("auto in a cpuset of CPU 0, hog inside (again: not seen)", busy);
		free(busy);
		busy = run_elim(in, "auto");
	}
	show("auto in a cpuset of CPU 0, idle", idle);
	show("auto in a cpuset of CPU 0, hog inside", busy);
	assert_float_equal(last_value(idle, "cpu_groups_per_core"), 0, 1e-9);
	assert_true(last_value(busy, "cpu_groups_per_core") >= 1.0);
	assert_true(last_value(busy, "rank") >= last_value(idle, "rank") + 40);
	free(idle);
	free(busy);
}

static void test_quota(void **state)
{
	(void)state;
	char why[PATH_MAX + 100], cpu[PATH_MAX], acct[PATH_MAX];
	SKIP_UNLESS(can_run(why, sizeof why), why);
	SKIP_UNLESS(make_cg("cpu", NULL, cpu, why, sizeof why), why);
	bool comounted = strstr(cpu, "cpuacct") != NULL;
	if (!comounted)
		SKIP_UNLESS(make_cg("cpuacct", NULL, acct, why, sizeof why), why);
	put(cpu, "cpu.cfs_period_us", "100000");
	put(cpu, "cpu.cfs_quota_us", "50000");
	put(cpu, "cpu.shares", "262144");
	const char *in[] = { cpu, comounted ? NULL : acct, NULL };

	char *idle = run_elim(in, "auto");
	hog(-1, in);
	char *busy = run_elim(in, "auto");
	show("auto under a 50 % quota, idle", idle);
	show("auto under a 50 % quota, hog inside", busy);
	char line[1200];
	assert_non_null(strstr(scope_line(idle, line, sizeof line), "quota 0.5 CPUs"));
	assert_float_equal(last_value(idle, "scope_ncpu"), 0.5, 1e-9);
	assert_float_equal(last_value(busy, "scope_ncpu"), 0.5, 1e-9);
	/* idle: the elim alone uses little of the quota and is not throttled */
	assert_true(last_value(idle, "cpu_quota_used") < 0.3);
	assert_true(last_value(idle, "cpu_throttled") < 0.02);
	/* the hog uses all of it and is throttled every period */
	assert_true(last_value(busy, "cpu_quota_used") > 0.8);
	assert_true(last_value(busy, "cpu_throttled") > 0.05);
	assert_true(last_value(busy, "cpu_groups_per_core") >= 1.0);
	assert_true(last_value(busy, "rank") >= last_value(idle, "rank") + 40);
	free(idle);
	free(busy);
}

static void test_memory_limit_on_parent(void **state)
{
	(void)state;
	char why[PATH_MAX + 100], child[PATH_MAX];
	SKIP_UNLESS(can_run(why, sizeof why), why);
	SKIP_UNLESS(make_cg("memory", "child", child, why, sizeof why), why);
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", child);
	*strrchr(parent, '/') = '\0';
	put(parent, "memory.limit_in_bytes", "268435456");   /* 256 MiB on the parent */
	const char *in[] = { child, NULL };

	char *idle = run_elim(in, "auto");
	mem_hog(child, 128);
	char *used = run_elim(in, "auto");
	char *host = run_elim(in, "host");
	show("auto, 256 MiB limit on the parent", idle);
	show("auto, the same with 128 MiB held", used);
	show("host, the same", host);
	char line[1200];
	assert_non_null(strstr(scope_line(idle, line, sizeof line), "host (auto)"));
	assert_non_null(strstr(line, "memory against the limit of 256 MiB"));
	assert_true(last_value(idle, "mem_used") < 0.3);
	double u = last_value(used, "mem_used");
	if (!(u >= 0.45 && u <= 0.8))
		fail_msg("mem_used %.3f with 128 MiB of a 256 MiB limit held", u);
	/* host: the machine's MemAvailable, whatever it is, not the limit's */
	assert_non_null(strstr(scope_line(host, line, sizeof line), "host (as configured)"));
	free(idle);
	free(used);
	free(host);
}

int main(void)
{
	snprintf(name, sizeof name, "elim-rank-scope-%d", (int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_cpuset_idle_beside_a_hog, teardown),
		cmocka_unit_test_teardown(test_cpuset_hog_inside, teardown),
		cmocka_unit_test_teardown(test_quota, teardown),
		cmocka_unit_test_teardown(test_memory_limit_on_parent, teardown),
	};
	int rc = TU_RUN(tests);
	teardown(NULL);
	return rc;
}

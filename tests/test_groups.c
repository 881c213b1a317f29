/* Tests of the scheduling-groups sampler (cpu_groups_per_core and
 * cpu_demand_per_core) on fixture
 * trees written here, and on the real /proc with real busy processes. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pidtab.h"
#include "sampler_groups.h"
#include "testutil.h"

#define NSEC 1000000000ULL

static double tck(void)
{
	return (double)sysconf(_SC_CLK_TCK);
}

/* Write proc/PID/stat with the given state, session, CPU ticks (utime;
 * stime 0; cutime as given) and start time. */
static void put_proc_state(const char *root, int pid, char state, int ppid, int sid, long utime,
                           long cutime, long start)
{
	char rel[64], text[512];
	snprintf(rel, sizeof rel, "proc/%d/stat", pid);
	snprintf(text, sizeof text,
	         "%d (job %d) %c %d %d %d 0 -1 4194304 100 0 0 0 %ld 0 %ld 0 20 0 1 0 %ld "
	         "1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
	         pid, pid, state, ppid, sid, sid, utime, cutime, start);
	tu_write(root, rel, text);
}

/* The same, running (state R). */
static void put_proc(const char *root, int pid, int ppid, int sid, long utime, long cutime,
                     long start)
{
	put_proc_state(root, pid, 'R', ppid, sid, utime, cutime, start);
}

/* Write proc/PID/schedstat with the given run-queue wait (ns). */
static void put_sched(const char *root, int pid, uint64_t delay_ns)
{
	char rel[64], text[128];
	snprintf(rel, sizeof rel, "proc/%d/schedstat", pid);
	snprintf(text, sizeof text, "123456 %llu 42\n", (unsigned long long)delay_ns);
	tu_write(root, rel, text);
}

static void rm_proc(const char *root, int pid)
{
	tu_system("rm -rf '%s/proc/%d'", root, pid);
}

static char *base_tree(int ncpu, int autogroup)
{
	char *root = tu_tmpdir();
	char stat[4096];
	size_t off = (size_t)snprintf(stat, sizeof stat, "cpu  1 0 1 100 0 0 0 0 0 0\n");
	for (int i = 0; i < ncpu; i++)
		off += (size_t)snprintf(stat + off, sizeof stat - off,
		                        "cpu%d 1 0 1 100 0 0 0 0 0 0\n", i);
	snprintf(stat + off, sizeof stat - off, "ctxt 1\nprocs_running 1\n");
	tu_write(root, "proc/stat", stat);
	tu_write(root, "proc/sys/kernel/sched_autogroup_enabled", autogroup ? "1\n" : "0\n");
	tu_write(root, "sys/.keep", "");
	return root;
}

static struct groups_state *open_tree(const char *root, double walk_s)
{
	char procfs[512], sysfs[512];
	snprintf(procfs, sizeof procfs, "%s/proc", root);
	snprintf(sysfs, sizeof sysfs, "%s/sys", root);
	struct groups_state *g = NULL;
	assert_int_equal(groups_open(&g, procfs, sysfs, walk_s), 0);
	return g;
}

/* ticks for a share of one CPU over 1 s */
static long share(double cpus)
{
	return lround(cpus * tck());
}

static void test_parse_stat(void **st)
{
	(void)st;
	struct groups_stat s;
	/* comm with spaces and a ')' ; a real-time task's negative priority */
	const char *t = "4242 (a b) c) S 1 4242 4240 34816 -1 4194560 10 0 0 0 7 3 2 1 -51 0 3 0 "
	                "98765 1000 10 18446744073709551615\n";
	assert_int_equal(groups_parse_stat(t, &s), 0);
	assert_int_equal(s.ppid, 1);
	assert_int_equal(s.sid, 4240);
	assert_int_equal(s.cpu, 7 + 3 + 2 + 1);
	assert_int_equal(s.start, 98765);
	assert_int_equal(s.state, 'S');
	assert_int_equal(groups_parse_stat("12 (x) S 1 2 3\n", &s), -EINVAL);
	assert_int_equal(groups_parse_stat("garbage", &s), -EINVAL);
}

static void test_pidtab_grows(void **st)
{
	(void)st;
	struct pidtab t = {0};
	for (int32_t p = 1; p <= 5000; p++) {
		struct pid_ent *e = pidtab_get(&t, p * 7);
		assert_non_null(e);
		e->cpu = (uint64_t)p;
	}
	assert_int_equal(t.n, 5000);
	assert_true(t.cap >= 10000);
	for (int32_t p = 1; p <= 5000; p++)
		assert_int_equal(pidtab_find(&t, p * 7)->cpu, p);
	assert_null(pidtab_find(&t, 3));
	size_t cap = t.cap;
	pidtab_clear(&t);
	assert_int_equal(t.cap, cap); /* cleared, not freed */
	assert_null(pidtab_find(&t, 7));
	pidtab_free(&t);

	struct grouptab g = {0};
	assert_int_equal(grouptab_add(&g, 5, 1.5, 0), 0);
	assert_int_equal(grouptab_add(&g, 5, -0.5, 0.25), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(grouptab_add(&g, 0, 1, 0), -EINVAL);
	grouptab_free(&g);
}

static void test_parse_schedstat(void **st)
{
	(void)st;
	uint64_t on = 0, delay = 0;
	assert_int_equal(groups_parse_schedstat("1376060588 657777002 199\n", &on, &delay), 0);
	assert_true(on == 1376060588ULL && delay == 657777002ULL);
	assert_int_equal(groups_parse_schedstat("5 6 7", &on, &delay), 0); /* no newline */
	assert_true(on == 5 && delay == 6);
	assert_int_equal(groups_parse_schedstat("5 6 7 8\n", &on, &delay), 0); /* a field more */
	const char *bad[] = {"", "\n", "1 2\n", "1 x 3\n", "1 2 3x\n", "-1 2 3\n",
	                     "99999999999999999999999 2 3\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (groups_parse_schedstat(bad[i], &on, &delay) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
}

/*
 * Demand: 2 CPUs, autogroup on, over 1 s.  Sessions 100-400 each used 0.4
 * CPU and waited 0.6 s for one: none is busy, all four want a CPU.
 * Session 500 used 0.1 and waited 0.1: neither.  Process 600 (its own
 * session) used 0.6 and has no schedstat: busy, and wanting on its CPU
 * time alone.  Process 700 was born during the interval (not there at the
 * first walk) with 0.2 used and 0.4 waited in its life: it wants.
 * Busy: 1 / 2 CPUs; wanting: 6 / 2.
 */
static void test_demand_counts_waiting(void **st)
{
	(void)st;
	char *root = base_tree(2, 1);
	for (int sid = 100; sid <= 500; sid += 100) {
		put_proc(root, sid, 1, sid, 1000, 0, 50);
		put_sched(root, sid, 5 * NSEC);
	}
	put_proc(root, 600, 1, 600, 1000, 0, 50);
	struct groups_state *g = open_tree(root, 0);
	double v;
	assert_int_equal(groups_sample(g, 10 * NSEC, &v), 0);
	assert_true(isnan(groups_demand(g)));
	for (int sid = 100; sid <= 400; sid += 100) {
		put_proc(root, sid, 1, sid, 1000 + share(0.4), 0, 50);
		put_sched(root, sid, 5 * NSEC + 6 * NSEC / 10);
	}
	put_proc(root, 500, 1, 500, 1000 + share(0.1), 0, 50);
	put_sched(root, 500, 5 * NSEC + NSEC / 10);
	put_proc(root, 600, 1, 600, 1000 + share(0.6), 0, 50);
	put_proc(root, 700, 1, 700, share(0.2), 0, 990);
	put_sched(root, 700, 4 * NSEC / 10);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(fabs(v - 0.5) < 1e-9);
	assert_true(fabs(groups_demand(g) - 3.0) < 1e-9);

	/* a run delay that went backwards (a pid reused unseen) adds no wait */
	for (int sid = 100; sid <= 400; sid += 100) {
		put_proc(root, sid, 1, sid, 1000 + share(0.8), 0, 50);
		put_sched(root, sid, 1);
	}
	rm_proc(root, 700);
	assert_int_equal(groups_sample(g, 12 * NSEC, &v), 0);
	assert_true(v == 0.0);
	assert_true(groups_demand(g) == 0.0);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/*
 * The walk reads the schedstat of a process only when it may have waited
 * for a CPU: it used CPU since the last walk, or is runnable now.  2 CPUs,
 * 1 s walks.  Process 100 sleeps (S) and used nothing: its schedstat,
 * though it moved by 0.9 s, is not read; process 200 is runnable (R) and
 * used nothing, starved: its 0.9 s wait is read, and it wants a CPU.  In
 * the next walk 100 used 0.1 CPU: its wait is taken from the delay read at
 * the first walk, carried over the walk that skipped it, so all 1.0 s
 * count and it wants; 200 did not wait: it does not.
 */
static void test_demand_idle_keeps_delay(void **st)
{
	(void)st;
	char *root = base_tree(2, 1);
	put_proc_state(root, 100, 'S', 1, 100, 1000, 0, 50);
	put_sched(root, 100, 5 * NSEC);
	put_proc(root, 200, 1, 200, 1000, 0, 60);
	put_sched(root, 200, 5 * NSEC);
	struct groups_state *g = open_tree(root, 0);
	double v;
	assert_int_equal(groups_sample(g, 10 * NSEC, &v), 0);

	put_sched(root, 100, 5 * NSEC + 9 * NSEC / 10);
	put_sched(root, 200, 5 * NSEC + 9 * NSEC / 10);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(v == 0.0);
	assert_true(fabs(groups_demand(g) - 0.5) < 1e-9);

	put_proc_state(root, 100, 'S', 1, 100, 1000 + share(0.1), 0, 50);
	put_sched(root, 100, 6 * NSEC);
	assert_int_equal(groups_sample(g, 12 * NSEC, &v), 0);
	assert_true(v == 0.0);
	assert_true(fabs(groups_demand(g) - 0.5) < 1e-9);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/*
 * 2 CPUs, autogroup on: session 100 (0.6 + 0.3 CPU), session 200 (0.3 +
 * 0.3), session 300 (0.1), a kernel-session process 5 (sid 0, 0.4).
 * Groups over half a CPU: sessions 100 and 200: 2 / 2 CPUs = 1.
 * With autogroup off, only process 100 (0.6): 0.5.
 */
static void sessions_case(int autogroup, double expect)
{
	char *root = base_tree(2, autogroup);
	put_proc(root, 5, 2, 0, 1000, 0, 1);
	put_proc(root, 100, 1, 100, 1000, 0, 50);
	put_proc(root, 101, 100, 100, 1000, 0, 51);
	put_proc(root, 200, 1, 200, 1000, 0, 60);
	put_proc(root, 201, 200, 200, 1000, 0, 61);
	put_proc(root, 300, 1, 300, 1000, 0, 70);
	struct groups_state *g = open_tree(root, 0);
	double v;
	assert_int_equal(groups_sample(g, 10 * NSEC, &v), 0);
	assert_true(isnan(v)); /* first walk: no value */

	put_proc(root, 5, 2, 0, 1000 + share(0.4), 0, 1);
	put_proc(root, 100, 1, 100, 1000 + share(0.6), 0, 50);
	put_proc(root, 101, 100, 100, 1000 + share(0.3), 0, 51);
	put_proc(root, 200, 1, 200, 1000 + share(0.3), 0, 60);
	put_proc(root, 201, 200, 200, 1000 + share(0.3), 0, 61);
	put_proc(root, 300, 1, 300, 1000 + share(0.1), 0, 70);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(fabs(v - expect) < 1e-9);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

static void test_sessions_autogroup(void **st)
{
	(void)st;
	sessions_case(1, 1.0);
}

static void test_no_autogroup_per_process(void **st)
{
	(void)st;
	sessions_case(0, 0.5);
}

/*
 * A reaped child's CPU lands in its parent's cutime: only the child's last
 * interval may count, never its whole life (a spike).  Parent 100 used 0.1
 * CPU itself; child 101 had used 50 s and ran 0.3 CPU more before it was
 * reaped: the session used 0.4 CPU, under half a CPU.
 */
static void test_reaped_child_no_spike(void **st)
{
	(void)st;
	char *root = base_tree(1, 1);
	long life = share(50);
	put_proc(root, 100, 1, 100, 1000, 0, 50);
	put_proc(root, 101, 100, 100, life, 0, 51);
	struct groups_state *g = open_tree(root, 0);
	double v;
	groups_sample(g, 10 * NSEC, &v);
	rm_proc(root, 101);
	put_proc(root, 100, 1, 100, 1000 + share(0.1), life + share(0.3), 50);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(v == 0.0);

	/* the same with 0.3 + 0.3: over half a CPU, counted once */
	put_proc(root, 101, 100, 100, 10, 0, 900);
	groups_sample(g, 12 * NSEC, &v);
	rm_proc(root, 101);
	put_proc(root, 100, 1, 100, 1000 + share(0.4), life + share(0.3) + 10 + share(0.3), 50);
	assert_int_equal(groups_sample(g, 13 * NSEC, &v), 0);
	assert_true(v == 1.0);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/* A pid reused by a new process (another start time) is not a delta from
 * the old one: the old one had more CPU, which must not hide the new one. */
static void test_pid_reuse(void **st)
{
	(void)st;
	char *root = base_tree(1, 1);
	put_proc(root, 100, 1, 100, 5000, 0, 50);
	struct groups_state *g = open_tree(root, 0);
	double v;
	groups_sample(g, 10 * NSEC, &v);
	put_proc(root, 100, 1, 100, share(0.7), 0, 999); /* less CPU, another start */
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(v == 1.0);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/*
 * cgroup v1 (the cpu hierarchy at fs/cgroup/cpu): a non-root cpu cgroup
 * overrides the session.  job1 holds 100 (session 100) and 200 (session
 * 200), 0.3 CPU each: one group at 0.6.  301 and 302 in the root, session
 * 300, 0.2 each: 0.4, not counted.  4 CPUs: 1/4.
 */
static void test_cgroup_v1(void **st)
{
	(void)st;
	char *root = base_tree(4, 1);
	tu_write(root, "sys/fs/cgroup/cpu/cpu.shares", "1024\n");
	tu_write(root, "sys/fs/cgroup/cpu/cgroup.procs", "1\n301\n302\n");
	tu_write(root, "sys/fs/cgroup/cpu/lsf/cpu.shares", "1024\n");
	tu_write(root, "sys/fs/cgroup/cpu/lsf/cgroup.procs", "");
	tu_write(root, "sys/fs/cgroup/cpu/lsf/job1/cgroup.procs", "100\n200\n");
	tu_write(root, "sys/fs/cgroup/cpu/lsf/job2/cgroup.procs", "");
	int pids[] = {100, 200, 301, 302}, sids[] = {100, 200, 300, 300};
	for (int i = 0; i < 4; i++)
		put_proc(root, pids[i], 1, sids[i], 1000, 0, 10 + i);
	struct groups_state *g = open_tree(root, 0);
	double v;
	groups_sample(g, 10 * NSEC, &v);
	for (int i = 0; i < 4; i++)
		put_proc(root, pids[i], 1, sids[i], 1000 + share(i < 2 ? 0.3 : 0.2), 0, 10 + i);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(fabs(v - 0.25) < 1e-9);
	assert_int_equal(groups_cgroups_seen(g), 3); /* lsf, job1, job2 */
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/*
 * cgroup v2: a cgroup is a task group only where its parent delegates cpu
 * (cgroup.subtree_control); below a task group that does not delegate,
 * cgroups belong to it.  Root delegates; lsf delegates; job1 does not and
 * has two sub-cgroups holding 100 and 200 (0.3 each): one group, counted.
 * system.slice is a task group holding 400 (0.6): counted.  2 CPUs: 1.
 */
static void test_cgroup_v2(void **st)
{
	(void)st;
	char *root = base_tree(2, 1);
	tu_write(root, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
	tu_write(root, "sys/fs/cgroup/cgroup.subtree_control", "cpu memory\n");
	tu_write(root, "sys/fs/cgroup/cgroup.procs", "1\n");
	tu_write(root, "sys/fs/cgroup/lsf/cgroup.subtree_control", "cpu\n");
	tu_write(root, "sys/fs/cgroup/lsf/cgroup.procs", "");
	tu_write(root, "sys/fs/cgroup/lsf/job1/cgroup.subtree_control", "memory\n");
	tu_write(root, "sys/fs/cgroup/lsf/job1/cgroup.procs", "");
	tu_write(root, "sys/fs/cgroup/lsf/job1/a/cgroup.procs", "100\n");
	tu_write(root, "sys/fs/cgroup/lsf/job1/b/cgroup.procs", "200\n");
	tu_write(root, "sys/fs/cgroup/system.slice/cgroup.subtree_control", "");
	tu_write(root, "sys/fs/cgroup/system.slice/cgroup.procs", "400\n");
	int pids[] = {100, 200, 400};
	double use[] = {0.3, 0.3, 0.6};
	for (int i = 0; i < 3; i++)
		put_proc(root, pids[i], 1, pids[i], 1000, 0, 10 + i);
	struct groups_state *g = open_tree(root, 0);
	double v;
	groups_sample(g, 10 * NSEC, &v);
	for (int i = 0; i < 3; i++)
		put_proc(root, pids[i], 1, pids[i], 1000 + share(use[i]), 0, 10 + i);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(fabs(v - 1.0) < 1e-9);
	assert_int_equal(groups_cgroups_seen(g), 3); /* lsf, job1, system.slice */
	groups_close(g);

	/* the root no longer delegates cpu: every process is in the root task
	 * group, by session: 100 and 200 (0.3 each) no longer count */
	tu_write(root, "sys/fs/cgroup/cgroup.subtree_control", "memory\n");
	g = open_tree(root, 0);
	groups_sample(g, 10 * NSEC, &v);
	for (int i = 0; i < 3; i++)
		put_proc(root, pids[i], 1, pids[i], 1000 + 2 * share(use[i]), 0, 10 + i);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(fabs(v - 0.5) < 1e-9);
	assert_int_equal(groups_cgroups_seen(g), 0);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/*
 * The cgroup tree is scanned every GROUPS_RESCAN_WALKS walks: a cgroup made
 * in between counts from the next scan on (until then its processes are
 * the root's, by session).  job1 gets 100 and 200 (0.3 CPU each, sessions
 * of their own) after the first walk.
 */
static void test_cgroup_appears(void **st)
{
	(void)st;
	char *root = base_tree(1, 1);
	tu_write(root, "sys/fs/cgroup/cpu/cpu.shares", "1024\n");
	tu_write(root, "sys/fs/cgroup/cpu/cgroup.procs", "100\n200\n");
	put_proc(root, 100, 1, 100, 1000, 0, 10);
	put_proc(root, 200, 1, 200, 1000, 0, 11);
	struct groups_state *g = open_tree(root, 0);
	double v;
	groups_sample(g, 10 * NSEC, &v);
	tu_write(root, "sys/fs/cgroup/cpu/job1/cgroup.procs", "100\n200\n");
	long used = 1000;
	int counted_at = -1;
	for (int w = 1; w <= 20 && counted_at < 0; w++) {
		used += share(0.3);
		put_proc(root, 100, 1, 100, used, 0, 10);
		put_proc(root, 200, 1, 200, used, 0, 11);
		assert_int_equal(groups_sample(g, (10 + (uint64_t)w) * NSEC, &v), 0);
		if (v == 1.0)
			counted_at = w;
		else
			assert_true(v == 0.0);
	}
	assert_int_equal(counted_at, 12);
	assert_int_equal(groups_cgroups_seen(g), 1);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/*
 * Between scans a process keeps its cgroup, and a new process is in its
 * parent's (fork's rule) even before cgroup.procs is read again: job1 holds
 * 100; its child 101, born after the scan, is in job1 too, and with 0.3
 * CPU each they are one group over half a CPU.  A new process whose parent
 * is in the root goes by its session.
 */
static void test_cgroup_inherited(void **st)
{
	(void)st;
	char *root = base_tree(1, 1);
	tu_write(root, "sys/fs/cgroup/cpu/cpu.shares", "1024\n");
	tu_write(root, "sys/fs/cgroup/cpu/cgroup.procs", "1\n");
	tu_write(root, "sys/fs/cgroup/cpu/job1/cgroup.procs", "100\n");
	put_proc(root, 1, 0, 1, 10, 0, 1);
	put_proc(root, 100, 1, 100, 1000, 0, 10);
	struct groups_state *g = open_tree(root, 0);
	double v;
	groups_sample(g, 10 * NSEC, &v);
	put_proc(root, 100, 1, 100, 1000 + share(0.3), 0, 10);
	put_proc(root, 101, 100, 101, share(0.3), 0, 20); /* own session, job1's child */
	put_proc(root, 102, 1, 102, 5, 0, 21);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	enum groups_kind k;
	uint64_t id100, id101, id102;
	assert_int_equal(groups_group_of(g, 100, &k, &id100), 0);
	assert_int_equal(k, GROUPS_CGROUP);
	assert_int_equal(groups_group_of(g, 101, &k, &id101), 0);
	assert_int_equal(k, GROUPS_CGROUP);
	assert_int_equal(id101, id100);
	assert_int_equal(groups_group_of(g, 102, &k, &id102), 0);
	assert_int_equal(k, GROUPS_SESSION);
	assert_int_equal(id102, 102);
	assert_true(v == 1.0);
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/* The walk runs at most every walk_s, and always on the second sample;
 * in between, the last value stays. */
static void test_walk_period(void **st)
{
	(void)st;
	char *root = base_tree(1, 1);
	put_proc(root, 100, 1, 100, 1000, 0, 50);
	struct groups_state *g = open_tree(root, 5.0);
	double v;
	groups_sample(g, 10 * NSEC, &v);
	assert_true(isnan(v));
	put_proc(root, 100, 1, 100, 1000 + share(0.25), 0, 50); /* 0.5 s: half a CPU */
	groups_sample(g, 10 * NSEC + NSEC / 2, &v);
	assert_true(v == 1.0);
	put_proc(root, 100, 1, 100, 1000 + share(0.25), 0, 50); /* idle now */
	groups_sample(g, 12 * NSEC, &v);
	assert_true(v == 1.0); /* not walked: the last value */
	groups_sample(g, 16 * NSEC, &v);
	assert_true(v == 0.0); /* walked */
	groups_close(g);
	tu_rmtree(root);
	free(root);
}

/* A process that vanishes between listing and reading, garbage in a stat
 * file, and an unreadable procfs root. */
static void test_odd_files(void **st)
{
	(void)st;
	char *root = base_tree(1, 1);
	put_proc(root, 100, 1, 100, 1000, 0, 50);
	tu_write(root, "proc/101/stat", "not a stat line\n");
	tu_write(root, "proc/102/status", "no stat file at all\n");
	tu_write(root, "proc/self/stat", "ignored\n");
	struct groups_state *g = open_tree(root, 0);
	double v;
	assert_int_equal(groups_sample(g, 10 * NSEC, &v), 0);
	put_proc(root, 100, 1, 100, 1000 + share(0.5), 0, 50);
	assert_int_equal(groups_sample(g, 11 * NSEC, &v), 0);
	assert_true(v == 1.0);
	groups_close(g);
	struct groups_state *none = NULL;
	assert_int_equal(groups_open(&none, "/nonexistent/proc", "/nonexistent/sys", 0), -ENOENT);
	assert_null(none);
	tu_rmtree(root);
	free(root);
}

/* A CPU hog; in a session of its own if own_session; bound to CPU cpu
 * unless cpu < 0. */
static pid_t spinner_on(bool own_session, int cpu)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		if (own_session)
			setsid();
		if (cpu >= 0) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			if (sched_setaffinity(0, sizeof one, &one) < 0)
				_exit(3);
		}
		alarm(10);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	return p;
}

static pid_t spinner(bool own_session)
{
	return spinner_on(own_session, -1);
}

/* /proc/PID/NAME of pid, whole, into buf. */
static void read_proc(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
}

static uint64_t proc_cpu(pid_t pid)
{
	char buf[1024];
	read_proc(pid, "stat", buf, sizeof buf);
	struct groups_stat s;
	assert_int_equal(groups_parse_stat(buf, &s), 0);
	return s.cpu;
}

/* On-CPU time plus run-queue wait of pid's main thread, ns. */
static uint64_t proc_want_ns(pid_t pid)
{
	char buf[256];
	read_proc(pid, "schedstat", buf, sizeof buf);
	uint64_t on, delay;
	assert_int_equal(groups_parse_schedstat(buf, &on, &delay), 0);
	return on + delay;
}

/*
 * The real /proc: two CPU hogs, each in a session of its own.  Every hog
 * that got well over half a CPU over the interval (measured from its own
 * stat, so a loaded host makes the test weaker, never flaky) is a group
 * the walk must count.
 */
static void test_real_proc(void **st)
{
	(void)st;
	struct groups_state *g = NULL;
	assert_int_equal(groups_open(&g, "/proc", "/sys", 0), 0);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double v;
	pid_t hog[2] = {spinner(true), spinner(true)};
	usleep(100000);
	assert_int_equal(groups_sample(g, tu_mono_ns(), &v), 0);
	uint64_t t0 = tu_mono_ns(), c0[2] = {proc_cpu(hog[0]), proc_cpu(hog[1])};
	usleep(800000);
	uint64_t c1[2] = {proc_cpu(hog[0]), proc_cpu(hog[1])};
	double dt = (double)(tu_mono_ns() - t0) / 1e9;
	assert_int_equal(groups_sample(g, tu_mono_ns(), &v), 0);
	int must = 0;
	for (int i = 0; i < 2; i++) {
		if ((double)(c1[i] - c0[i]) / tck() / dt >= 0.65)
			must++;
		kill(hog[i], SIGKILL);
		waitpid(hog[i], NULL, 0);
	}
	assert_false(isnan(v));
	assert_true(v * (double)ncpu >= must - 1e-9);
	assert_true(v <= 64.0);
	groups_close(g);
}

/*
 * The real /proc: three CPU hogs in sessions of their own, all bound to one
 * CPU, each get about a third of it and wait for the rest.  The busy count
 * (half a CPU used) misses them; the demand count must not: each hog that
 * was on the CPU or waiting for it for most of the interval but used well
 * under half of it (by its own schedstat and stat, so a loaded host or a
 * CPU quota makes the test weaker, never flaky) is a group the demand count
 * holds on top of every group the busy count holds.
 */
static void test_real_demand(void **st)
{
	(void)st;
	char buf[128];
	FILE *f = fopen("/proc/self/schedstat", "r");
	bool have = f && fgets(buf, sizeof buf, f);
	if (f)
		fclose(f);
	if (!have) {
		printf("# no /proc/PID/schedstat on this kernel: not tested\n");
		return;
	}
	cpu_set_t mine;
	assert_int_equal(sched_getaffinity(0, sizeof mine, &mine), 0);
	int cpu = 0;
	while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &mine))
		cpu++;
	assert_true(cpu < CPU_SETSIZE);
	struct groups_state *g = NULL;
	assert_int_equal(groups_open(&g, "/proc", "/sys", 0), 0);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double v;
	pid_t hog[3] = {spinner_on(true, cpu), spinner_on(true, cpu), spinner_on(true, cpu)};
	usleep(100000);
	assert_int_equal(groups_sample(g, tu_mono_ns(), &v), 0);
	uint64_t t0 = tu_mono_ns(), on0[3], w0[3];
	for (int i = 0; i < 3; i++) {
		w0[i] = proc_want_ns(hog[i]);
		on0[i] = proc_cpu(hog[i]);
	}
	usleep(800000);
	uint64_t on1[3], w1[3];
	for (int i = 0; i < 3; i++) {
		w1[i] = proc_want_ns(hog[i]);
		on1[i] = proc_cpu(hog[i]);
	}
	double dt = (double)(tu_mono_ns() - t0);
	assert_int_equal(groups_sample(g, tu_mono_ns(), &v), 0);
	double d = groups_demand(g);
	int waiting = 0;
	for (int i = 0; i < 3; i++) {
		double used = (double)(on1[i] - on0[i]) / tck() / (dt / 1e9);
		if ((double)(w1[i] - w0[i]) / dt >= 0.65 && used <= 0.4)
			waiting++;
		int status;
		kill(hog[i], SIGKILL);
		assert_int_equal(waitpid(hog[i], &status, 0), hog[i]);
		/* killed, not exited: the binding to one CPU took */
		assert_true(WIFSIGNALED(status));
	}
	printf("# busy %.3f, wanting %.3f groups per CPU (%ld CPUs); %d hogs waited for CPU %d\n",
	       v, d, ncpu, waiting, cpu);
	assert_false(isnan(d));
	assert_false(isnan(v));
	assert_true((d - v) * (double)ncpu >= waiting - 1e-9);
	groups_close(g);
}

static pid_t sleeper(void)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		setsid();
		alarm(30);
		pause();
		_exit(0);
	}
	return p;
}

static int join(const char *cg, pid_t pid)
{
	char path[512];
	snprintf(path, sizeof path, "%s/cgroup.procs", cg);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%d\n", (int)pid);
	return fclose(f) == 0 ? 0 : -1;
}

static void expect_group(struct groups_state *g, pid_t pid, enum groups_kind kind, uint64_t *id)
{
	enum groups_kind k;
	assert_int_equal(groups_group_of(g, pid, &k, id), 0);
	assert_int_equal(k, kind);
}

/*
 * Real processes, grouped as the kernel groups them with autogroup on: a
 * session leader and its child are one group, another session is another;
 * with autogroup off, each process is its own.
 */
static void test_real_sessions(void **st)
{
	(void)st;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t a = fork();
	assert_true(a >= 0);
	if (a == 0) { /* a session with two processes */
		setsid();
		pid_t c = fork();
		if (c == 0) {
			alarm(30);
			pause();
			_exit(0);
		}
		if (write(fds[1], &c, sizeof c) != (ssize_t)sizeof c)
			_exit(1);
		alarm(30);
		pause();
		_exit(0);
	}
	pid_t child;
	assert_int_equal(read(fds[0], &child, sizeof child), (ssize_t)sizeof child);
	close(fds[0]);
	close(fds[1]);
	pid_t b = sleeper();
	usleep(50000);

	FILE *f = fopen("/proc/sys/kernel/sched_autogroup_enabled", "r");
	int autogroup = 0;
	if (f) {
		autogroup = fgetc(f) == '1';
		fclose(f);
	}
	struct groups_state *g = NULL;
	assert_int_equal(groups_open(&g, "/proc", "/sys", 0), 0);
	double v;
	groups_sample(g, 100 * NSEC, &v);
	enum groups_kind ka, kc, kb;
	uint64_t ia, ic, ib;
	assert_int_equal(groups_group_of(g, a, &ka, &ia), 0);
	assert_int_equal(groups_group_of(g, child, &kc, &ic), 0);
	assert_int_equal(groups_group_of(g, b, &kb, &ib), 0);
	if (ka == GROUPS_CGROUP || kb == GROUPS_CGROUP) {
		printf("# this test runs inside a cpu cgroup: sessions not tested\n");
	} else if (autogroup) {
		assert_int_equal(ka, GROUPS_SESSION);
		assert_int_equal(kc, GROUPS_SESSION);
		assert_int_equal(ia, (uint64_t)a); /* a leads its session */
		assert_int_equal(ic, ia);
		assert_int_equal(kb, GROUPS_SESSION);
		assert_int_equal(ib, (uint64_t)b);
	} else {
		assert_int_equal(ka, GROUPS_PROCESS);
		assert_int_equal(kc, GROUPS_PROCESS);
		assert_int_equal(ic, (uint64_t)child);
	}
	groups_close(g);
	kill(child, SIGKILL);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
}

/*
 * A real cpu cgroup on this host (cgroup v1 cpu hierarchy, or v2 when the
 * root delegates cpu), made and removed here: processes moved in and out
 * change group at the next scan of the tree (every GROUPS_RESCAN_WALKS
 * walks), read from the real cgroupfs.  Two processes of two sessions in
 * one cgroup are one group.
 */
static void test_real_cgroup(void **st)
{
	(void)st;
	char root[64], cg[128], buf[256];
	struct stat sb;
	if (stat("/sys/fs/cgroup/cpu/cpu.shares", &sb) == 0)
		snprintf(root, sizeof root, "/sys/fs/cgroup/cpu");
	else {
		snprintf(root, sizeof root, "/sys/fs/cgroup");
		FILE *f = fopen("/sys/fs/cgroup/cgroup.subtree_control", "r");
		bool cpu = f && fgets(buf, sizeof buf, f) && strstr(buf, "cpu ") != NULL;
		cpu = cpu || (f && strstr(buf, "cpu\n") != NULL);
		if (f)
			fclose(f);
		if (!cpu) {
			printf("# no cpu cgroup hierarchy to use here: not tested\n");
			return;
		}
	}
	snprintf(cg, sizeof cg, "%s/elim-rank-test.%d", root, (int)getpid());
	if (mkdir(cg, 0755) < 0) {
		printf("# mkdir %s: %s: not tested\n", cg, strerror(errno));
		return;
	}
	pid_t a = sleeper(), b = sleeper();
	usleep(50000);
	struct groups_state *g = NULL;
	assert_int_equal(groups_open(&g, "/proc", "/sys", 0), 0);
	double v;
	uint64_t t = 100 * NSEC, ida, idb;
	assert_int_equal(join(cg, a), 0);
	groups_sample(g, t += NSEC, &v); /* the scan finds the new cgroup */
	expect_group(g, a, GROUPS_CGROUP, &ida);
	expect_group(g, b, GROUPS_SESSION, &idb);
	assert_int_equal(idb, (uint64_t)b);
	assert_true(groups_cgroups_seen(g) >= 1);

	assert_int_equal(join(cg, b), 0);
	groups_sample(g, t += NSEC, &v);
	expect_group(g, b, GROUPS_SESSION, &idb); /* a move shows at the next scan */
	for (int i = 1; i < GROUPS_RESCAN_WALKS; i++)
		groups_sample(g, t += NSEC, &v);
	expect_group(g, b, GROUPS_CGROUP, &idb);
	assert_int_equal(idb, ida); /* one group for both sessions */

	assert_int_equal(join(root, a), 0); /* back to the root cgroup */
	for (int i = 0; i < GROUPS_RESCAN_WALKS; i++)
		groups_sample(g, t += NSEC, &v);
	expect_group(g, a, GROUPS_SESSION, &ida);
	assert_int_equal(ida, (uint64_t)a);
	expect_group(g, b, GROUPS_CGROUP, &idb);

	groups_close(g);
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	for (int i = 0; i < 50 && rmdir(cg) < 0; i++)
		usleep(20000);
	assert_int_equal(stat(cg, &sb), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_stat),
	    cmocka_unit_test(test_parse_schedstat),
	    cmocka_unit_test(test_demand_counts_waiting),
	    cmocka_unit_test(test_demand_idle_keeps_delay),
	    cmocka_unit_test(test_real_demand),
	    cmocka_unit_test(test_pidtab_grows),
	    cmocka_unit_test(test_sessions_autogroup),
	    cmocka_unit_test(test_no_autogroup_per_process),
	    cmocka_unit_test(test_reaped_child_no_spike),
	    cmocka_unit_test(test_pid_reuse),
	    cmocka_unit_test(test_cgroup_v1),
	    cmocka_unit_test(test_cgroup_v2),
	    cmocka_unit_test(test_cgroup_appears),
	    cmocka_unit_test(test_cgroup_inherited),
	    cmocka_unit_test(test_walk_period),
	    cmocka_unit_test(test_odd_files),
	    cmocka_unit_test(test_real_proc),
	    cmocka_unit_test(test_real_sessions),
	    cmocka_unit_test(test_real_cgroup),
	};
	return TU_RUN(tests);
}

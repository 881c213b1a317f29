/*
 * No allocation per tick: every sampler, the process walk with its cgroup
 * rescans included, allocates nothing once warmed up.  malloc and friends
 * are interposed here (forwarding to glibc's __libc_* allocator) so that
 * allocations inside libc (opendir, stdio) count too.  Not under
 * AddressSanitizer, which owns malloc itself.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sampler_groups.h"
#include "sampling.h"
#include "scope.h"
#include "testutil.h"
#include "textfile.h"

#if defined(__SANITIZE_ADDRESS__)
#define NOALLOC_ACTIVE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NOALLOC_ACTIVE 0
#endif
#endif
#ifndef NOALLOC_ACTIVE
#define NOALLOC_ACTIVE 1
#endif

static volatile bool counting;
static volatile unsigned long allocs;

#if NOALLOC_ACTIVE
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n)
{
	if (counting)
		allocs++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (counting)
		allocs++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		allocs++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

#define NSEC 1000000000ULL

static void put_proc(const char *root, int pid, int sid, long utime)
{
	char rel[64], text[512];
	snprintf(rel, sizeof rel, "proc/%d/stat", pid);
	snprintf(text, sizeof text,
	         "%d (p%d) R 1 %d %d 0 -1 4194304 1 0 0 0 %ld 0 0 0 20 0 1 0 %d 1000 10 1\n", pid,
	         pid, sid, sid, utime, pid);
	tu_write(root, rel, text);
}

/* Allocations in 14 sampling ticks of env after 3 to warm up (buffers
 * sized, devices seen); x gets the last tick's features. */
static unsigned long tick_allocs(const struct sampler_env *env, double *x)
{
	struct sampling sp;
	sampling_init(&sp, env);
	uint64_t t = 100 * NSEC;
	for (int i = 0; i < 3; i++, t += 5 * NSEC)
		sampling_tick(&sp, t, x);
	allocs = 0;
	counting = true;
	for (int i = 0; i < 14; i++, t += 5 * NSEC)
		sampling_tick(&sp, t, x);
	counting = false;
	unsigned long n = allocs;
	sampling_fini(&sp);
	return n;
}

/*
 * The whole sampler table on the basic fixture, with processes and a
 * cgroup v1 tree added: ticks 5 s apart, so the process walk runs every
 * tick and the cgroup tree is rescanned once among the counted ticks.
 */
static void test_sampling_tick_allocates_nothing(void **state)
{
	(void)state;
	char *root = tu_tmpdir(), src[1024], proc[1024], sys[1024];
	snprintf(src, sizeof src, "%s/basic/t0", tu_data());
	tu_copy_tree(src, root);
	snprintf(sys, sizeof sys, "%s/sys", root);
	mkdir(sys, 0755);
	snprintf(src, sizeof src, "%s/basic/sys", tu_data());
	tu_copy_tree(src, sys);
	snprintf(proc, sizeof proc, "%s/proc", root);
	tu_write(root, "sys/fs/cgroup/cpu/cpu.shares", "1024\n");
	tu_write(root, "sys/fs/cgroup/cpu/cgroup.procs", "1\n");
	tu_write(root, "sys/fs/cgroup/cpu/job1/cgroup.procs", "100\n101\n");
	tu_write(root, "proc/sys/kernel/sched_autogroup_enabled", "1\n");
	for (int p = 100; p < 140; p++)
		put_proc(root, p, p < 120 ? 100 : p, 1000);

	struct sampler_env env = {.procfs = proc, .sysfs = sys, .interval = 5};
	double x[FEAT_VECTOR_LEN];
	unsigned long n = tick_allocs(&env, x);
	assert_false(isnan(x[FEAT_cpu_groups_per_core]));
	assert_false(isnan(x[FEAT_mem_used]));
	fprintf(stderr, "# allocations in 14 ticks: %lu\n", n);
	assert_int_equal(n, 0);
	tu_rmtree(root);
	free(root);
}

/*
 * The same in cgroup scope (elim/scope.h) on the scope-v1 fixture: the CPU
 * set's lines, the quota's cpu.stat and cpuacct.usage, the memory limit's
 * files, and the scope's members read every walk.
 */
static void test_scope_tick_allocates_nothing(void **state)
{
	(void)state;
	char *root = tu_tmpdir(), src[1024], proc[1024], sys[1024], err[256];
	snprintf(src, sizeof src, "%s/scope-v1/base", tu_data());
	tu_copy_tree(src, root);
	snprintf(proc, sizeof proc, "%s/proc", root);
	snprintf(sys, sizeof sys, "%s/sys", root);
	tu_write(root, "sys/fs/cgroup/cpu,cpuacct/cpu.shares", "1024\n");
	tu_write(root, "sys/fs/cgroup/cpu,cpuacct/lsf/node1/job7/cgroup.procs", "102\n");
	for (int p = 100; p < 140; p++)
		put_proc(root, p, p < 120 ? 100 : p, 1000);

	struct scope sc;
	assert_int_equal(scope_resolve(&sc, "auto", proc, sys, err, sizeof err), 0);
	assert_true(sc.cgroup && sc.mem_limited);
	struct sampler_env env = {.procfs = proc, .sysfs = sys, .interval = 5, .scope = &sc};
	double x[FEAT_VECTOR_LEN];
	unsigned long n = tick_allocs(&env, x);
	assert_false(isnan(x[FEAT_cpu_groups_per_core]));
	assert_false(isnan(x[FEAT_cpu_quota_used]));
	assert_false(isnan(x[FEAT_mem_used]));
	fprintf(stderr, "# allocations in 14 ticks in cgroup scope: %lu\n", n);
	assert_int_equal(n, 0);
	tu_rmtree(root);
	free(root);
}

/* The real /proc and cgroup tree: walks that allocate would allocate at
 * least once each; only a table growing (processes started by someone
 * else meanwhile) may allocate here. */
static void test_real_walk_allocates_nothing(void **state)
{
	(void)state;
	struct groups_state *g = NULL;
	assert_int_equal(groups_open(&g, "/proc", "/sys", 0), 0);
	double v;
	uint64_t t = 100 * NSEC;
	for (int i = 0; i < 3; i++, t += NSEC)
		groups_sample(g, t, &v);
	allocs = 0;
	counting = true;
	for (int i = 0; i < 8; i++, t += NSEC)
		groups_sample(g, t, &v);
	counting = false;
	groups_close(g);
	fprintf(stderr, "# allocations in 8 walks of /proc: %lu\n", allocs);
	assert_true(allocs < 4);
}

/* The Prometheus textfile (textfile.h): built and written, with a model's
 * terms, every feature known and a new value each tick, it allocates
 * nothing once its buffer has grown to the text. */
static void test_textfile_allocates_nothing(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	struct model m;
	struct model_error err;
	assert_int_equal(model_load_default(&m, &err), 0);
	struct feature_schema schema;
	feature_schema_init(&schema);
	double x[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		x[i] = 0.1 * i;
	struct textfile_values v = {
		.rank = 100, .slowdown = 1, .features = x, .schema = &schema, .model = &m,
		.model_source = "embedded", .probe_seconds = 0.3, .probe_baseline_seconds = 0.3,
		.probe_age_seconds = 1, .history_lag_seconds = 0, .now = 1.7e9, .version = "1",
	};
	static struct textfile t;   /* large: the terms' names */
	assert_int_equal(textfile_init(&t, dir), 0);
	assert_int_equal(textfile_write(&t, &v), 0);
	allocs = 0;
	counting = true;
	for (int i = 0; i < 20; i++) {
		x[0] = i / 20.0;
		v.rank = 100 + i;
		v.now += 10;
		assert_int_equal(textfile_write(&t, &v), 0);
	}
	counting = false;
	fprintf(stderr, "# allocations in 20 textfile writes: %lu\n", allocs);
	assert_int_equal(allocs, 0);
	textfile_free(&t);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	if (!NOALLOC_ACTIVE) {
		printf("1..0 # SKIP malloc belongs to the sanitizer in this build\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sampling_tick_allocates_nothing),
	    cmocka_unit_test(test_scope_tick_allocates_nothing),
	    cmocka_unit_test(test_real_walk_allocates_nothing),
	    cmocka_unit_test(test_textfile_allocates_nothing),
	};
	return TU_RUN(tests);
}

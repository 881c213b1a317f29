/* test_llc: the last-level cache read from sysfs fixture trees
 * (tests/data/llc-amd, llc-intel) and the two parsers it uses. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "llc.h"
#include "probe.h"

static void test_parse_size(void **state)
{
	(void)state;
	uint64_t b = 7;
	assert_int_equal(llc_parse_size("32768K\n", &b), 0);
	assert_true(b == 32768ull << 10);
	assert_int_equal(llc_parse_size("16M", &b), 0);
	assert_true(b == 16ull << 20);
	assert_int_equal(llc_parse_size("1G \n", &b), 0);
	assert_true(b == 1ull << 30);
	assert_int_equal(llc_parse_size("512\n", &b), 0);
	assert_true(b == 512);
	b = 7;
	static const char *const bad[] = { "", "\n", "K", "0K", "-1K", "32768k", "32 K", "1T",
					   "32768K\n\n", "32768KB", "99999999999999999999",
					   "17179869184G", "0x10" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (llc_parse_size(bad[i], &b) != -EINVAL)
			fail_msg("size '%s' parsed", bad[i]);
	}
	assert_true(b == 7);   /* untouched on error */
}

static void test_parse_cpulist(void **state)
{
	(void)state;
	cpu_set_t s;
	assert_int_equal(llc_parse_cpulist("0-3,8,10-11\n", &s), 7);
	assert_true(CPU_ISSET(3, &s) && CPU_ISSET(8, &s) && CPU_ISSET(11, &s));
	assert_false(CPU_ISSET(4, &s) || CPU_ISSET(9, &s));
	assert_int_equal(llc_parse_cpulist("5\n", &s), 1);
	assert_true(CPU_ISSET(5, &s));
	assert_int_equal(llc_parse_cpulist("\n", &s), 0);
	char big[32];
	snprintf(big, sizeof big, "0-%d", CPU_SETSIZE - 1);
	assert_int_equal(llc_parse_cpulist(big, &s), CPU_SETSIZE);
	snprintf(big, sizeof big, "%d", CPU_SETSIZE);
	assert_int_equal(llc_parse_cpulist(big, &s), -EINVAL);
	static const char *const bad[] = { "3-1", "0-", "-1", "0,,1", "0,", "a", "0 1", "0-3x",
					   "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (llc_parse_cpulist(bad[i], &s) != -EINVAL)
			fail_msg("cpulist '%s' parsed", bad[i]);
}

static void sysfs_of(char *buf, size_t size, const char *tree)
{
	snprintf(buf, size, "%s/%s/sys", tu_data(), tree);
}

/* AMD: the L3 of one CCX (32 MiB, shared by its two CPUs), not the
 * package's 64 MiB; the walk is twice that. */
static void test_amd_ccx(void **state)
{
	(void)state;
	char sys[4096], err[512];
	struct llc_info li;
	sysfs_of(sys, sizeof sys, "llc-amd");
	assert_int_equal(llc_read(sys, 2, &li, err, sizeof err), 0);
	assert_int_equal(li.level, 3);
	assert_true(li.bytes == 32ull << 20);
	assert_int_equal(li.nshared, 2);
	assert_string_equal(li.shared, "2-3");
	cpu_set_t all;
	CPU_ZERO(&all);
	for (int c = 0; c < 8; c++)   /* 4-7 do not exist: skipped */
		CPU_SET(c, &all);
	assert_int_equal(llc_largest(sys, &all, &li, err, sizeof err), 0);
	assert_true(li.bytes == 32ull << 20);
	assert_int_equal(probe_walk_bytes(li.bytes), 64u << 20);
}

static void test_intel(void **state)
{
	(void)state;
	char sys[4096], err[512];
	struct llc_info li;
	sysfs_of(sys, sizeof sys, "llc-intel");
	assert_int_equal(llc_read(sys, 1, &li, err, sizeof err), 0);
	assert_int_equal(li.level, 3);
	assert_true(li.bytes == 30ull << 20);
	assert_string_equal(li.shared, "0-1");
	assert_int_equal(probe_walk_bytes(li.bytes), 64u << 20);
}

/* Odd trees: no cache listed, only an instruction cache, gaps in the
 * numbering, a level 2 as the last level, a damaged file named. */
static void test_odd_trees(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char err[512], d[4200];
	struct llc_info li;
	assert_int_equal(llc_read(dir, 0, &li, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "no cache listed"));

	snprintf(d, sizeof d, "%s/devices/system/cpu/cpu0/cache/index0", dir);
	assert_int_equal(tu_system("mkdir -p '%s'", d), 0);
	tu_write(d, "type", "Instruction\n");
	tu_write(d, "level", "1\n");
	tu_write(d, "size", "32K\n");
	tu_write(d, "shared_cpu_list", "0\n");
	assert_int_equal(llc_read(dir, 0, &li, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "no data or unified cache"));

	snprintf(d, sizeof d, "%s/devices/system/cpu/cpu0/cache/index5", dir);   /* a gap */
	assert_int_equal(tu_system("mkdir -p '%s'", d), 0);
	tu_write(d, "type", "Unified\n");
	tu_write(d, "level", "2\n");
	tu_write(d, "size", "2048K\n");
	tu_write(d, "shared_cpu_list", "0\n");
	assert_int_equal(llc_read(dir, 0, &li, err, sizeof err), 0);
	assert_int_equal(li.level, 2);
	assert_true(li.bytes == 2ull << 20);
	assert_int_equal(probe_walk_bytes(li.bytes), PROBE_BUF_MIN);

	tu_write(d, "size", "lots\n");
	assert_int_equal(llc_read(dir, 0, &li, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "index5/size"));
	assert_non_null(strstr(err, "not a size"));
	tu_write(d, "size", "2048K\n");
	tu_write(d, "level", "two\n");
	assert_int_equal(llc_read(dir, 0, &li, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "index5/level"));
	tu_write(d, "level", "2\n");
	tu_write(d, "shared_cpu_list", "0-\n");
	assert_int_equal(llc_read(dir, 0, &li, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "index5/shared_cpu_list"));

	/* llc_largest: an unreadable CPU among readable ones is skipped; with
	 * none readable the first error is returned */
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(0, &s);
	CPU_SET(1, &s);
	assert_int_equal(llc_largest(dir, &s, &li, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "shared_cpu_list"));
	tu_write(d, "shared_cpu_list", "0\n");
	assert_int_equal(llc_largest(dir, &s, &li, err, sizeof err), 0);
	assert_int_equal(li.cpu, 0);
	CPU_ZERO(&s);
	assert_int_equal(llc_largest(dir, &s, &li, err, sizeof err), -ENOENT);
	tu_rmtree(dir);
	free(dir);
}

/* The probe sizes its walk from --sysfs. */
static void test_probe_uses_sysfs(void **state)
{
	(void)state;
	char sys[4096], err[512];
	char *dir = tu_tmpdir();
	sysfs_of(sys, sizeof sys, "llc-amd");
	struct probe *p = malloc(sizeof *p);
	struct probe_config c = { .enabled = true, .interval = 1, .duration = 0.05, .timeout = 10,
				  .state_dir = dir, .sysfs = sys };
	cpu_set_t mine;
	assert_int_equal(sched_getaffinity(0, sizeof mine, &mine), 0);
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	/* the fixture lists CPUs 0-3: any of them among ours reads 32 MiB */
	bool any = false;
	for (int i = 0; i < 4; i++)
		any = any || CPU_ISSET(i, &mine);
	if (any) {
		assert_int_equal(p->llc_rc, 0);
		assert_int_equal(p->buf_bytes, 64u << 20);
		assert_non_null(strstr(p->llc_msg, "shared by CPUs"));
	}
	probe_fini(p);
	c.sysfs = dir;   /* no cache listed: sysconf's size, within the bounds */
	assert_int_equal(probe_init(p, &c, err, sizeof err), 0);
	assert_int_equal(p->llc_rc, -ENOENT);
	assert_true(p->buf_bytes >= PROBE_BUF_MIN && p->buf_bytes <= PROBE_BUF_MAX);
	probe_fini(p);
	free(p);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_cpulist),
		cmocka_unit_test(test_amd_ccx),
		cmocka_unit_test(test_intel),
		cmocka_unit_test(test_odd_trees),
		cmocka_unit_test(test_probe_uses_sysfs),
	};
	return TU_RUN(tests);
}

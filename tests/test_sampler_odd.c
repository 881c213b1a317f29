/*
 * Odd cases for the cpu, psi, mem, disk and net samplers that the basic
 * fixture tests (tests/test_samplers.c) leave out: kernel quirks and old
 * kernels, a zero interval, partial sources, odd device names, unreadable
 * attributes.  Each case starts from tests/data/basic (t0, sys) copied to a
 * temporary tree and edits files there.  A kernel booted without PSI (RHEL 8's
 * default) is also run through the real elim: it says so once, at start.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "sampler.h"
#include "testutil.h"

#define NSEC 1000000000ULL
#define T0 (100 * NSEC)
#define T1 (110 * NSEC) /* 10 s later */

struct fx {
	char *root;
	char procfs[512], sysfs[512];
	struct sampler_env env;
};

static void fx_open(struct fx *f)
{
	char src[1024];
	f->root = tu_tmpdir();
	snprintf(src, sizeof src, "%s/basic/t0", tu_data());
	tu_copy_tree(src, f->root);
	snprintf(f->sysfs, sizeof f->sysfs, "%s/sys", f->root);
	mkdir(f->sysfs, 0755);
	snprintf(src, sizeof src, "%s/basic/sys", tu_data());
	tu_copy_tree(src, f->sysfs);
	snprintf(f->procfs, sizeof f->procfs, "%s/proc", f->root);
	memset(&f->env, 0, sizeof f->env);
	f->env.procfs = f->procfs;
	f->env.sysfs = f->sysfs;
	f->env.interval = 10;
}

static void fx_close(struct fx *f)
{
	tu_rmtree(f->root);
	free(f->root);
}

/* Copy basic/t1 over the tree (files rewritten in place, as the kernel's). */
static void fx_t1(struct fx *f)
{
	char src[1024];
	snprintf(src, sizeof src, "%s/basic/t1", tu_data());
	tu_copy_tree(src, f->root);
}

static void *start(const struct sampler *s, struct fx *f)
{
	void *st = NULL;
	assert_int_equal(s->init(&f->env, &st), 0);
	return st;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

/*
 * proc(5): the iowait of /proc/stat "may decrease": time first accounted
 * as iowait is moved to idle.  That is no reset: idle + iowait together
 * still grow and cpu_busy is known (sysstat corrects it the same way).
 * user +100, idle +900, iowait -50: busy = 100 / 950, iowait 0.
 */
static void test_cpu_iowait_goes_down(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	void *st = start(&sampler_cpu, &f);
	double out[FEAT_VECTOR_LEN];
	sampler_cpu.sample(st, T0, out);
	tu_write(f.root, "proc/stat",
	         "cpu  1100 100 500 8900 150 50 50 100 0 0\n"
	         "cpu0 550 50 250 4450 75 25 25 50 0 0\n"
	         "cpu1 550 50 250 4450 75 25 25 50 0 0\n"
	         "ctxt 100000\nprocs_running 1\n");
	assert_int_equal(sampler_cpu.sample(st, T1, out), 0);
	assert_false(isnan(out[FEAT_cpu_busy]));
	assert_true(near(out[FEAT_cpu_busy], 100.0 / 950.0));
	assert_true(near(out[FEAT_cpu_iowait], 0.0));
	assert_true(near(out[FEAT_cpu_steal], 0.0));

	/* but idle + iowait going down together is a reset: unknown */
	tu_write(f.root, "proc/stat",
	         "cpu  1200 100 500 8000 100 50 50 100 0 0\n"
	         "cpu0 600 50 250 4000 50 25 25 50 0 0\n"
	         "ctxt 100000\nprocs_running 1\n");
	assert_int_equal(sampler_cpu.sample(st, T1 + 10 * NSEC, out), 0);
	assert_true(isnan(out[FEAT_cpu_busy]));
	sampler_cpu.fini(st);
	fx_close(&f);
}

/* A 2.4-era /proc/stat (4 CPU fields, no iowait/steal/guest) on 1 CPU. */
static void test_cpu_old_kernel_one_cpu(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	tu_write(f.root, "proc/stat",
	         "cpu  1000 100 500 8000\ncpu0 1000 100 500 8000\nctxt 10\nprocs_running 3\n");
	tu_write(f.root, "proc/loadavg", "0.50 0.40 0.30 2/100 12345\n");
	void *st = start(&sampler_cpu, &f);
	double out[FEAT_VECTOR_LEN];
	sampler_cpu.sample(st, T0, out);
	assert_true(near(out[FEAT_runq_per_core], 2.0)); /* (3 - 1) / 1 CPU */
	assert_true(near(out[FEAT_load1_per_core], 0.5));
	tu_write(f.root, "proc/stat",
	         "cpu  1050 100 550 8900\ncpu0 1050 100 550 8900\nctxt 1010\nprocs_running 1\n");
	assert_int_equal(sampler_cpu.sample(st, T1, out), 0);
	assert_true(near(out[FEAT_cpu_busy], 0.1));
	assert_true(near(out[FEAT_cpu_iowait], 0.0));
	assert_true(near(out[FEAT_ctxt_per_sec], 100.0));
	assert_true(near(out[FEAT_runq_per_core], 0.0));
	sampler_cpu.fini(st);
	fx_close(&f);
}

/* Two samples at the same instant: no rate may be infinite; all unknown. */
static void test_zero_interval(void **state)
{
	(void)state;
	const struct sampler *all[] = {&sampler_cpu, &sampler_psi, &sampler_mem, &sampler_disk,
	                               &sampler_net};
	const int rates[] = {FEAT_ctxt_per_sec,    FEAT_psi_cpu_some,   FEAT_psi_io_full,
	                     FEAT_swap_io_per_sec, FEAT_majflt_per_sec, FEAT_disk_busy_max,
	                     FEAT_disk_read_bps,   FEAT_net_rx_bps,     FEAT_net_errs_per_sec};
	struct fx f;
	fx_open(&f);
	void *st[5];
	double out[FEAT_VECTOR_LEN];
	features_clear(out);
	for (int i = 0; i < 5; i++) {
		st[i] = start(all[i], &f);
		all[i]->sample(st[i], T0, out);
	}
	fx_t1(&f);
	for (int i = 0; i < 5; i++)
		all[i]->sample(st[i], T0, out);
	for (int i = 0; i < FEAT_COUNT; i++)
		assert_false(isinf(out[i]));
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
		assert_true(isnan(out[rates[i]]));
	for (int i = 0; i < 5; i++)
		all[i]->fini(st[i]);
	fx_close(&f);
}

/*
 * PSI with pressure/io missing (one file only), cpu without a "full" line
 * (kernels before 5.13), and a stall total growing by more than the
 * interval (rounding in the kernel): clamped to 1.
 */
static void test_psi_partial(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	tu_system("rm -f '%s/proc/pressure/io'", f.root);
	tu_write(f.root, "proc/pressure/cpu",
	         "some avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n");
	void *st = start(&sampler_psi, &f);
	double out[FEAT_VECTOR_LEN];
	sampler_psi.sample(st, T0, out);
	tu_write(f.root, "proc/pressure/cpu",
	         "some avg10=0.00 avg60=0.00 avg300=0.00 total=12000000\n");
	tu_write(f.root, "proc/pressure/memory",
	         "some avg10=5.00 avg60=0.00 avg300=0.00 total=1500000\n"
	         "full avg10=1.00 avg60=0.00 avg300=0.00 total=1000000\n");
	sampler_psi.sample(st, T1, out);
	assert_true(out[FEAT_psi_cpu_some] == 1.0); /* 11 s over 10 s */
	assert_false(isnan(out[FEAT_psi_mem_some]));
	assert_true(isnan(out[FEAT_psi_io_some]) && isnan(out[FEAT_psi_io_full]));
	sampler_psi.fini(st);
	fx_close(&f);
}

/* A kernel before 3.14 (no MemAvailable), no swap, no /proc/vmstat. */
static void test_mem_old_kernel_no_swap(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	tu_system("rm -f '%s/proc/vmstat'", f.root);
	const char *mi = "MemTotal:       1000000 kB\nMemFree:         100000 kB\n"
	                 "SwapTotal:            0 kB\nSwapFree:             0 kB\n"
	                 "Dirty:            20000 kB\nWriteback:        30000 kB\n";
	tu_write(f.root, "proc/meminfo", mi);
	void *st = start(&sampler_mem, &f);
	double out[FEAT_VECTOR_LEN];
	sampler_mem.sample(st, T0, out);
	assert_int_equal(sampler_mem.sample(st, T1, out), 0);
	assert_true(isnan(out[FEAT_mem_used]));
	assert_true(out[FEAT_swap_used] == 0.0);
	assert_true(near(out[FEAT_dirty_frac], 0.05));
	assert_true(isnan(out[FEAT_swap_io_per_sec]) && isnan(out[FEAT_majflt_per_sec]));
	sampler_mem.fini(st);
	fx_close(&f);
}

/*
 * A disk whose name has a '/' (cciss/c0d0 in diskstats is cciss!c0d0 in
 * /sys/block), a 2.6-era diskstats line of 14 fields, and the basic disks
 * idle: the cciss disk is the busiest (0.5) and its bytes count.
 */
static void test_disk_slash_name_old_format(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	tu_write(f.sysfs, "block/cciss!c0d0/size", "1000\n");
	tu_write(f.root, "proc/diskstats", " 104 0 cciss/c0d0 10 0 100 10 10 0 100 10 0 1000 20\n");
	void *st = start(&sampler_disk, &f);
	double out[FEAT_VECTOR_LEN];
	sampler_disk.sample(st, T0, out);
	tu_write(f.root, "proc/diskstats",
	         " 104 0 cciss/c0d0 20 0 2100 60 10 0 100 10 0 6000 80\n");
	assert_int_equal(sampler_disk.sample(st, T1, out), 0);
	assert_true(near(out[FEAT_disk_busy_max], 0.5));
	assert_true(near(out[FEAT_disk_await_ms], 5.0));
	assert_true(near(out[FEAT_disk_read_bps], 2000.0 * 512 / 10));
	assert_true(near(out[FEAT_disk_write_bps], 0.0));
	sampler_disk.fini(st);
	fx_close(&f);
}

/*
 * Network: eth0's speed unreadable (here a read error: the attribute is a
 * directory; EINVAL on virtual NICs), a counter at the top of 64 bits that
 * wraps to small values (a reset, never a spike), and a line too long or
 * out of range for a u64 (skipped).
 */
static void test_net_unreadable_speed_and_wrap(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	tu_system("rm -f '%s/class/net/eth0/speed' && mkdir '%s/class/net/eth0/speed'", f.sysfs,
	          f.sysfs);
	const char *hdr =
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	    "errs drop fifo colls carrier compressed\n";
	char text[2048];
	snprintf(text, sizeof text,
	         "%s"
	         "  eth0: 18446744073709551000 1 0 0 0 0 0 0 1000 1 0 0 0 0 0 0\n"
	         "  eth1: 1000 1 0 0 0 0 0 0 1000 1 0 0 0 0 0 0\n",
	         hdr);
	tu_write(f.root, "proc/net/dev", text);
	void *st = start(&sampler_net, &f);
	double out[FEAT_VECTOR_LEN];
	sampler_net.sample(st, T0, out);
	snprintf(text, sizeof text,
	         "%s"
	         "  eth0: 500 2 0 0 0 0 0 0 2000 2 0 0 0 0 0 0\n"
	         "  eth1: 11000 2 0 0 0 0 0 0 1000 1 0 0 0 0 0 0\n"
	         "  eth2: 99999999999999999999999 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n",
	         hdr);
	tu_write(f.root, "proc/net/dev", text);
	assert_int_equal(sampler_net.sample(st, T1, out), 0);
	assert_true(near(out[FEAT_net_rx_bps], 1000.0)); /* eth1 only: no spike */
	assert_true(near(out[FEAT_net_tx_bps], 0.0));
	assert_true(isnan(out[FEAT_net_util_max])); /* no readable speed */
	sampler_net.fini(st);
	fx_close(&f);
}

/* A kernel booted without PSI (no /proc/pressure, RHEL 8's default): init
 * fails with ENOENT and says why, naming the directory and the fix. */
static void test_psi_off(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	tu_system("rm -rf '%s/proc/pressure'", f.root);
	char msg[512] = "";
	f.env.msg = msg;
	f.env.msg_len = sizeof msg;
	void *st = NULL;
	assert_int_equal(sampler_psi.init(&f.env, &st), -ENOENT);
	assert_null(st);
	assert_non_null(strstr(msg, "without PSI"));
	assert_non_null(strstr(msg, "psi=1"));
	assert_non_null(strstr(msg, f.procfs));
	fx_close(&f);
}

/* The real elim on that tree: the PSI message once at start, none per tick,
 * and records all the same. */
static void test_psi_off_elim_says_once(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	tu_system("rm -rf '%s/proc/pressure'", f.root);
	char log[600];
	snprintf(log, sizeof log, "%s/elim.log", f.root);
	struct th h;
	struct th_opts o = { .lim_like = true, .foreground = true, .err = TH_FILE, .err_file = log };
	const char *args[] = { "--interval", "0.1", "--procfs", f.procfs, "--sysfs", f.sysfs,
			       "--no-history", NULL };
	th_start(&h, &o, args);
	double rank;
	int records = 0;
	while (records < 5) {
		int n = th_read_raw(&h, 30.0, &rank);
		assert_true(n > 0);
		records += n;
	}
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 30.0), 0);
	th_close(&h);
	char *text = tu_slurp(log);
	int said = 0;
	for (char *p = text; (p = strstr(p, "without PSI")) != NULL; p++)
		said++;
	if (said != 1)
		fail_msg("the PSI message %d times in:\n%s", said, text);
	assert_non_null(strstr(text, "sampler psi: off"));
	free(text);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpu_iowait_goes_down),
	    cmocka_unit_test(test_cpu_old_kernel_one_cpu),
	    cmocka_unit_test(test_zero_interval),
	    cmocka_unit_test(test_psi_partial),
	    cmocka_unit_test(test_mem_old_kernel_no_swap),
	    cmocka_unit_test(test_disk_slash_name_old_format),
	    cmocka_unit_test(test_net_unreadable_speed_and_wrap),
	    cmocka_unit_test(test_psi_off),
	    cmocka_unit_test(test_psi_off_elim_says_once),
	};
	return TU_RUN(tests);
}

/*
 * The /proc and /sys samplers on fixture trees (tests/data/basic, see its
 * README for the hand-computed figures), with the odd cases made from them:
 * first sample, counter reset, hot-plug, no PSI, 256 CPUs, interface lists;
 * and feature_set.def's source column against who writes each feature.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "probe_hold.h"
#include "sampling.h"
#include "since_probe.h"
#include "host_speed.h"
#include "testutil.h"

#define T0 1000000000ULL
#define T1 (T0 + 10000000000ULL)     /* 10 s later */

struct fixture {
	char *root;
	char proc[512], sys[512];
	struct sampling sp;
	double x[FEAT_VECTOR_LEN];
};

static void load_instant(struct fixture *f, const char *instant)
{
	char src[512];
	snprintf(src, sizeof src, "%s/basic/%s/proc", tu_data(), instant);
	tu_copy_tree(src, f->proc);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->root = tu_tmpdir();
	snprintf(f->proc, sizeof f->proc, "%s/proc", f->root);
	snprintf(f->sys, sizeof f->sys, "%s/sys", f->root);
	tu_system("mkdir -p '%s' '%s'", f->proc, f->sys);
	char src[512];
	snprintf(src, sizeof src, "%s/basic/sys", tu_data());
	tu_copy_tree(src, f->sys);
	load_instant(f, "t0");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sampling_fini(&f->sp);
	tu_rmtree(f->root);
	free(f->root);
	free(f);
	return 0;
}

static void start(struct fixture *f, const char *const *include, const char *const *exclude)
{
	struct sampler_env env = { .procfs = f->proc, .sysfs = f->sys,
				   .net_include = include, .net_exclude = exclude };
	size_t n = sampling_init(&f->sp, &env);
	/* every sampler started, but thermal: the fixtures have no hwmon */
	size_t off = 0;
	for (size_t i = 0; i < f->sp.n; i++)
		if (f->sp.init_rc[i] != 0) {
			assert_string_equal(f->sp.s[i]->name, "thermal");
			assert_int_equal(f->sp.init_rc[i], -ENOENT);
			off++;
		}
	assert_int_equal(n + off, f->sp.n);
	assert_true(off <= 1);
}

static void test_basic_rates(void **state)
{
	struct fixture *f = *state;
	start(f, NULL, NULL);
	sampling_tick(&f->sp, T0, f->x);
	load_instant(f, "t1");
	sampling_tick(&f->sp, T1, f->x);
	for (size_t i = 0; i < f->sp.n; i++)
		assert_int_equal(f->sp.last_rc[i], 0);

	assert_near(f->x[FEAT_cpu_busy], 1.0 - 900.0 / 1900.0, 1e-12);
	assert_near(f->x[FEAT_cpu_iowait], 100.0 / 1900.0, 1e-12);
	assert_near(f->x[FEAT_cpu_steal], 100.0 / 1900.0, 1e-12);
	assert_near(f->x[FEAT_runq_per_core], 2.0, 1e-12);
	assert_near(f->x[FEAT_load1_per_core], 0.75, 1e-12);
	assert_near(f->x[FEAT_ctxt_per_sec], 5000.0, 1e-9);

	assert_near(f->x[FEAT_psi_cpu_some], 0.2, 1e-12);
	assert_near(f->x[FEAT_psi_mem_some], 0.05, 1e-12);
	assert_near(f->x[FEAT_psi_mem_full], 0.01, 1e-12);
	assert_near(f->x[FEAT_psi_io_some], 0.1, 1e-12);
	assert_near(f->x[FEAT_psi_io_full], 0.04, 1e-12);

	assert_near(f->x[FEAT_mem_used], 0.75, 1e-12);
	assert_near(f->x[FEAT_swap_used], 0.25, 1e-12);
	assert_near(f->x[FEAT_dirty_frac], 0.01, 1e-12);
	assert_near(f->x[FEAT_swap_io_per_sec], 100.0, 1e-9);
	assert_near(f->x[FEAT_majflt_per_sec], 10.0, 1e-9);

	/* dm-0 is the busiest whole disk; loop0 and the partition sda1 are not counted */
	assert_near(f->x[FEAT_disk_busy_max], 0.9, 1e-12);
	assert_near(f->x[FEAT_disk_await_ms], 10.0, 1e-12);
	/* bytes over the leaves sda and sdb only (dm-0 sits on sda) */
	assert_near(f->x[FEAT_disk_read_bps], 153600.0, 1e-6);
	assert_near(f->x[FEAT_disk_write_bps], 409600.0, 1e-6);

	/* eth0 and eth1 have a device; lo and veth0 do not */
	assert_near(f->x[FEAT_net_rx_bps], 1350000.0, 1e-6);
	assert_near(f->x[FEAT_net_tx_bps], 250000.0, 1e-6);
	assert_near(f->x[FEAT_net_errs_per_sec], 0.4, 1e-12);
	assert_near(f->x[FEAT_net_util_max], 0.01, 1e-12);
}

/* Rates divide by the measured interval, not a configured one. */
static void test_measured_interval(void **state)
{
	struct fixture *f = *state;
	start(f, NULL, NULL);
	sampling_tick(&f->sp, T0, f->x);
	load_instant(f, "t1");
	sampling_tick(&f->sp, T0 + 4000000000ULL, f->x);     /* 4 s, not 10 */
	assert_near(f->x[FEAT_ctxt_per_sec], 50000.0 / 4, 1e-9);
	assert_near(f->x[FEAT_net_rx_bps], 13500000.0 / 4, 1e-6);
	assert_near(f->x[FEAT_psi_cpu_some], 0.5, 1e-12);
	assert_near(f->x[FEAT_disk_busy_max], 1.0, 1e-12);    /* 9 s busy in 4 s: capped */
}

static void test_first_sample_unknown(void **state)
{
	struct fixture *f = *state;
	start(f, NULL, NULL);
	sampling_tick(&f->sp, T0, f->x);
	static const int rates[] = {
		FEAT_cpu_busy, FEAT_cpu_iowait, FEAT_cpu_steal, FEAT_ctxt_per_sec,
		FEAT_psi_cpu_some, FEAT_psi_mem_full, FEAT_swap_io_per_sec, FEAT_majflt_per_sec,
		FEAT_disk_busy_max, FEAT_disk_read_bps, FEAT_disk_await_ms,
		FEAT_net_rx_bps, FEAT_net_tx_bps, FEAT_net_errs_per_sec, FEAT_net_util_max,
	};
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
		if (!isnan(f->x[rates[i]]))
			fail_msg("%s known on the first sample: %g", feature_info(rates[i])->name, f->x[rates[i]]);
	/* levels are known at once */
	assert_near(f->x[FEAT_mem_used], 1.0 - 5000000.0 / 16000000.0, 1e-12);
	assert_near(f->x[FEAT_runq_per_core], 1.0, 1e-12);
	assert_near(f->x[FEAT_load1_per_core], 0.25, 1e-12);
}

/* Counters that go down (a reboot of the counters): no value, never a spike. */
static void test_counter_reset(void **state)
{
	struct fixture *f = *state;
	start(f, NULL, NULL);
	load_instant(f, "t1");
	sampling_tick(&f->sp, T0, f->x);
	load_instant(f, "t0");
	sampling_tick(&f->sp, T1, f->x);
	static const int rates[] = {
		FEAT_cpu_busy, FEAT_ctxt_per_sec, FEAT_psi_cpu_some, FEAT_psi_io_some,
		FEAT_swap_io_per_sec, FEAT_majflt_per_sec, FEAT_disk_busy_max, FEAT_disk_read_bps,
		FEAT_net_rx_bps, FEAT_net_tx_bps,
	};
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
		if (!isnan(f->x[rates[i]]))
			fail_msg("%s after a reset: %g (expected unknown)", feature_info(rates[i])->name,
				 f->x[rates[i]]);
	/* and the interval after the reset is measured again */
	load_instant(f, "t1");
	sampling_tick(&f->sp, T1 + 10000000000ULL, f->x);
	assert_near(f->x[FEAT_ctxt_per_sec], 5000.0, 1e-9);
	assert_near(f->x[FEAT_disk_busy_max], 0.9, 1e-12);
}

/* A disk and an interface appear, another of each vanishes. */
static void test_hotplug(void **state)
{
	struct fixture *f = *state;
	start(f, NULL, NULL);
	sampling_tick(&f->sp, T0, f->x);
	/* t1: sdb and dm-0 gone, sdc new and very busy; eth1 gone, eth2 new */
	tu_write(f->sys, "block/sdc/size", "1\n");
	tu_write(f->sys, "class/net/eth2/device/uevent", "x\n");
	tu_write(f->proc, "diskstats",
		 "   8       0 sda 1100 0 22000 5300 2100 0 48000 10700 0 36000 16000\n"
		 "   8      32 sdc 999999 0 999999 999999 0 0 0 0 0 9999999 0\n");
	const char *hdr = "Inter-|   Receive                                                |  Transmit\n"
			  " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
	char text[2048];
	snprintf(text, sizeof text, "%s"
		 "  eth0: 13500000 11000 2 3 0 0 0 0 3000000 2500 4 5 0 0 0 0\n"
		 "  eth2: 99999999 1 0 0 0 0 0 0 99999999 1 0 0 0 0 0 0\n", hdr);
	tu_write(f->proc, "net/dev", text);
	sampling_tick(&f->sp, T1, f->x);
	/* new devices give nothing on their first sample: only sda and eth0 count */
	assert_near(f->x[FEAT_disk_busy_max], 0.6, 1e-12);
	assert_near(f->x[FEAT_disk_read_bps], 2000 * 512 / 10.0, 1e-6);
	assert_near(f->x[FEAT_net_rx_bps], 1250000.0, 1e-6);

	/* next interval: sdc counts from its own baseline */
	tu_write(f->proc, "diskstats",
		 "   8       0 sda 1100 0 22000 5300 2100 0 48000 10700 0 36000 16000\n"
		 "   8      32 sdc 999999 0 1009999 999999 0 0 0 0 0 10004999 0\n");
	snprintf(text, sizeof text, "%s"
		 "  eth0: 13500000 11000 2 3 0 0 0 0 3000000 2500 4 5 0 0 0 0\n"
		 "  eth2: 100099999 1 0 0 0 0 0 0 99999999 1 0 0 0 0 0 0\n", hdr);
	tu_write(f->proc, "net/dev", text);
	sampling_tick(&f->sp, T1 + 10000000000ULL, f->x);
	assert_near(f->x[FEAT_disk_busy_max], 0.5, 1e-12);
	assert_near(f->x[FEAT_disk_read_bps], 10000 * 512 / 10.0, 1e-6);
	assert_near(f->x[FEAT_net_rx_bps], 10000.0, 1e-6);
}

/* A kernel without /proc/pressure: PSI unknown, no error, the rest works. */
static void test_no_psi(void **state)
{
	struct fixture *f = *state;
	tu_system("rm -rf '%s/pressure'", f->proc);
	struct sampler_env env = { .procfs = f->proc, .sysfs = f->sys };
	size_t n = sampling_init(&f->sp, &env);
	size_t thermal_off = 0;   /* the fixtures have no hwmon */
	for (size_t i = 0; i < f->sp.n; i++)
		thermal_off += strcmp(f->sp.s[i]->name, "thermal") == 0 && f->sp.init_rc[i] == -ENOENT;
	assert_int_equal(n, f->sp.n - 1 - thermal_off);
	for (size_t i = 0; i < f->sp.n; i++)
		if (strcmp(f->sp.s[i]->name, "psi") == 0)
			assert_int_equal(f->sp.init_rc[i], -ENOENT);
	sampling_tick(&f->sp, T0, f->x);
	load_instant(f, "t1");
	tu_system("rm -rf '%s/pressure'", f->proc);
	sampling_tick(&f->sp, T1, f->x);
	assert_unknown(f->x[FEAT_psi_cpu_some]);
	assert_unknown(f->x[FEAT_psi_io_full]);
	assert_near(f->x[FEAT_cpu_busy], 1.0 - 900.0 / 1900.0, 1e-12);
}

/* One CPU and 256 CPUs: per-core figures use the online CPU count. */
static void test_cpu_counts(void **state)
{
	struct fixture *f = *state;
	static const int ncpus[] = { 1, 256 };
	for (size_t k = 0; k < 2; k++) {
		int n = ncpus[k];
		size_t size = 64 * (size_t)(n + 10);
		char *text = malloc(size);
		size_t off = (size_t)snprintf(text, size, "cpu  100 0 100 800 0 0 0 0 0 0\n");
		for (int c = 0; c < n; c++)
			off += (size_t)snprintf(text + off, size - off, "cpu%d 1 0 1 8 0 0 0 0 0 0\n", c);
		snprintf(text + off, size - off, "ctxt 5\nprocs_running %d\n", n / 2 + 1);
		tu_write(f->proc, "stat", text);
		tu_write(f->proc, "loadavg", "64.00 1.00 0.50 2/300 12345\n");
		free(text);
		start(f, NULL, NULL);
		sampling_tick(&f->sp, T0, f->x);
		assert_near(f->x[FEAT_runq_per_core], (double)(n / 2) / n, 1e-12);
		assert_near(f->x[FEAT_load1_per_core], 64.0 / n, 1e-12);
		sampling_fini(&f->sp);
	}
}

static void test_net_lists(void **state)
{
	struct fixture *f = *state;
	/* include overrides the device rule; exclude wins over include */
	const char *const include[] = { "veth*", "eth*", NULL };
	const char *const exclude[] = { "eth0", NULL };
	start(f, include, exclude);
	sampling_tick(&f->sp, T0, f->x);
	load_instant(f, "t1");
	sampling_tick(&f->sp, T1, f->x);
	/* veth0 (+9000000) and eth1 (+1000000) */
	assert_near(f->x[FEAT_net_rx_bps], 1000000.0, 1e-6);
	assert_near(f->x[FEAT_net_tx_bps], 900000.0, 1e-6);
	/* neither has a known speed: utilisation unknown, not 0 */
	assert_unknown(f->x[FEAT_net_util_max]);
}

static void test_counter_rate(void **state)
{
	(void)state;
	assert_near(counter_rate(10, 30, 2.0), 10.0, 0);
	assert_near(counter_rate(5, 5, 1.0), 0.0, 0);
	assert_unknown(counter_rate(30, 10, 2.0));      /* reset */
	assert_unknown(counter_rate(10, 30, 0.0));      /* no interval */
	assert_near(counter_rate(UINT64_MAX - 10, UINT64_MAX, 1.0), 10.0, 0);
}

/* A source that disappears while running: features unknown, an error, no crash. */
static void test_source_vanishes(void **state)
{
	struct fixture *f = *state;
	start(f, NULL, NULL);
	sampling_tick(&f->sp, T0, f->x);
	tu_write(f->proc, "stat", "garbage without a cpu line\n");
	sampling_tick(&f->sp, T1, f->x);
	assert_unknown(f->x[FEAT_cpu_busy]);
	assert_unknown(f->x[FEAT_runq_per_core]);
	for (size_t i = 0; i < f->sp.n; i++)
		if (strcmp(f->sp.s[i]->name, "cpu") == 0)
			assert_int_equal(f->sp.last_rc[i], -EINVAL);
	/* memory still sampled */
	assert_false(isnan(f->x[FEAT_mem_used]));
}

/*
 * feature_set.def names who fills each feature: a sampler of sampler_table
 * (which lists it), the probe (probe_features writes it) or derived
 * (since_probe_fill writes it).  Every feature has exactly that one filler.
 */
static void test_feature_sources(void **state)
{
	(void)state;
	int filled_by[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		filled_by[f] = 0;
	for (size_t i = 0; sampler_table[i]; i++) {
		const struct sampler *s = sampler_table[i];
		for (const int *f = s->features; *f >= 0; f++) {
			assert_true(*f < FEAT_VECTOR_LEN);
			filled_by[*f]++;
			if (feature_is_slot(*f)) {
				assert_string_equal(s->name, "pcap");   /* the traffic classes */
				continue;
			}
			if (strcmp(feature_info(*f)->source, s->name) != 0)
				fail_msg("sampler %s fills %s, whose source is '%s'", s->name,
					 feature_info(*f)->name, feature_info(*f)->source);
		}
	}

	/* the probe: what probe_features writes (a probe that is off: unknown) */
	static struct probe p;
	struct probe_config cfg = { .enabled = false };
	char err[256];
	assert_int_equal(probe_init(&p, &cfg, err, sizeof err), 0);
	double v[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		v[f] = 1.0;
	probe_features(&p, T0, v);
	probe_fini(&p);
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		if (isnan(v[f]))
			filled_by[f]++;
	bool probe_wrote[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		probe_wrote[f] = isnan(v[f]);

	/* derived: what since_probe_fill writes.  A record with a probe result
	 * becomes the reference (every base feature 1), so in the next one,
	 * with the same levels, every move is 0 */
	struct since_probe sp;
	since_probe_init(&sp);
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		v[f] = 1.0;
	since_probe_fill(&sp, v);
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		v[f] = 1.0;
	v[FEAT_probe_result] = NAN;
	since_probe_fill(&sp, v);
	bool derived_wrote[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++) {
		derived_wrote[f] = f != FEAT_probe_result && v[f] != 1.0;
		if (derived_wrote[f])
			filled_by[f]++;
	}

	/* basis: what host_speed_fill writes */
	static struct host_speed hs;
	struct host_speed_config hcfg = { .basis = "host", .host = "h" };
	assert_int_equal(host_speed_init(&hs, &hcfg, err, sizeof err), 0);
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		v[f] = NAN;
	host_speed_fill(&hs, NULL, v);
	bool basis_wrote[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++) {
		basis_wrote[f] = !isnan(v[f]);
		if (basis_wrote[f])
			filled_by[f]++;
	}

	/* hold: what probe_hold_features writes */
	struct probe_hold ph;
	probe_hold_init(&ph);
	for (int f = 0; f < FEAT_VECTOR_LEN; f++)
		v[f] = NAN;
	probe_hold_features(&ph, true, v);
	bool hold_wrote[FEAT_VECTOR_LEN];
	for (int f = 0; f < FEAT_VECTOR_LEN; f++) {
		hold_wrote[f] = !isnan(v[f]);
		if (hold_wrote[f])
			filled_by[f]++;
	}

	for (int f = 0; f < FEAT_COUNT; f++) {
		const struct feature_info *fi = feature_info(f);
		if (hold_wrote[f] != (strcmp(fi->source, "hold") == 0))
			fail_msg("%s: source '%s', %s by probe_hold_features", fi->name, fi->source,
				 hold_wrote[f] ? "written" : "not written");
		if (basis_wrote[f] != (strcmp(fi->source, "basis") == 0))
			fail_msg("%s: source '%s', %s by host_speed_fill", fi->name, fi->source,
				 basis_wrote[f] ? "written" : "not written");
		if (filled_by[f] != 1)
			fail_msg("%s is filled by %d writers, not one", fi->name, filled_by[f]);
		if (probe_wrote[f] != (strcmp(fi->source, "probe") == 0))
			fail_msg("%s: source '%s', %s by probe_features", fi->name, fi->source,
				 probe_wrote[f] ? "written" : "not written");
		if (derived_wrote[f] != (strcmp(fi->source, "derived") == 0))
			fail_msg("%s: source '%s', %s by since_probe_fill", fi->name, fi->source,
				 derived_wrote[f] ? "written" : "not written");
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_basic_rates),
		T(test_measured_interval),
		T(test_first_sample_unknown),
		T(test_counter_reset),
		T(test_hotplug),
		T(test_no_psi),
		T(test_cpu_counts),
		T(test_net_lists),
		cmocka_unit_test(test_counter_rate),
		T(test_source_vanishes),
		cmocka_unit_test(test_feature_sources),
	};
	return TU_RUN(tests);
}

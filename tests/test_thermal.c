/*
 * Tests of the thermal sampler with the real libsensors on fake hwmon
 * chips: the program moves into a private mount namespace and mounts a
 * tmpfs over /sys/class (libsensors only scans a real sysfs /sys), so the
 * host is never touched.  Needs root (CI runs as root); skipped otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sampler.h"
#include "sampler_thermal.h"
#include "testutil.h"

#define NSEC 1000000000ULL
#define CLASS "/sys/class"

static bool in_namespace;

/* A fresh, empty /sys/class of our own. */
static void reset_class(void)
{
	umount2(CLASS, MNT_DETACH);
	assert_int_equal(mount("none", CLASS, "tmpfs", 0, "size=1m"), 0);
}

static void chip(int n, const char *name)
{
	char rel[64];
	snprintf(rel, sizeof rel, "hwmon/hwmon%d/name", n);
	char text[64];
	snprintf(text, sizeof text, "%s\n", name);
	tu_write(CLASS, rel, text);
}

/* millidegrees, as hwmon has them; a negative value: no such file */
static void temp(int n, int idx, long input, long max, long crit)
{
	char rel[64], text[32];
	const char *what[] = {"input", "max", "crit"};
	long v[] = {input, max, crit};
	for (int i = 0; i < 3; i++) {
		if (v[i] < 0)
			continue;
		snprintf(rel, sizeof rel, "hwmon/hwmon%d/temp%d_%s", n, idx, what[i]);
		snprintf(text, sizeof text, "%ld\n", v[i]);
		tu_write(CLASS, rel, text);
	}
}

static char msg[512];
static const struct sampler_env env = {
    .procfs = "/proc", .sysfs = "/sys", .interval = 0.05, .msg = msg, .msg_len = sizeof msg};

/* Sample until temp_max_c is known and pred holds, for at most 3 s. */
static int wait_values(void *st, double *out, double want_max)
{
	int rc = -EAGAIN;
	for (int i = 0; i < 300; i++) {
		rc = sampler_thermal.sample(st, tu_mono_ns(), out);
		if (rc == 0 && out[FEAT_temp_max_c] == want_max)
			return 0;
		usleep(10000);
	}
	return rc;
}

static int setup(void **st)
{
	(void)st;
	assert_true(in_namespace);
	reset_class();
	return 0;
}

static void test_fold(void **st)
{
	(void)st;
	double max = NAN, margin = NAN;
	thermal_fold(45, 80, 90, &max, &margin);
	assert_true(max == 45 && margin == 35);
	thermal_fold(60, NAN, 70, &max, &margin); /* crit only */
	assert_true(max == 60 && margin == 10);
	thermal_fold(75, NAN, NAN, &max, &margin); /* no limit: max only */
	assert_true(max == 75 && margin == 10);
	thermal_fold(50, 95, 52, &max, &margin); /* the lower limit counts */
	assert_true(max == 75 && margin == 2);
	thermal_fold(NAN, 10, 10, &max, &margin); /* no input: ignored */
	assert_true(max == 75 && margin == 2);
	max = margin = NAN;
	thermal_fold(99, 90, 100, &max, &margin); /* over the limit: negative */
	assert_true(margin == -9);
}

/* Two chips: 45 (high 80, crit 90), 60 (crit 70), 30 (no limits). */
static void test_two_chips(void **st)
{
	(void)st;
	chip(0, "fakechip");
	temp(0, 1, 45000, 80000, 90000);
	temp(0, 2, 60000, -1, 70000);
	chip(1, "otherchip");
	temp(1, 1, 30000, -1, -1);
	void *s = NULL;
	msg[0] = '\0';
	assert_int_equal(sampler_thermal.init(&env, &s), 0);
	assert_string_equal(msg, "");
	double out[FEAT_VECTOR_LEN];
	assert_int_equal(wait_values(s, out, 60.0), 0);
	assert_true(out[FEAT_temp_max_c] == 60.0);
	assert_true(out[FEAT_temp_margin_c] == 10.0);

	/* the thread refreshes: 65 against crit 70 */
	temp(0, 2, 65000, -1, -1);
	assert_int_equal(wait_values(s, out, 65.0), 0);
	assert_true(out[FEAT_temp_margin_c] == 5.0);

	/* a snapshot older than a few intervals is unknown */
	int rc = sampler_thermal.sample(s, tu_mono_ns() + 10 * NSEC, out);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(isnan(out[FEAT_temp_max_c]) && isnan(out[FEAT_temp_margin_c]));
	sampler_thermal.fini(s);
}

/* Inputs without any limit: a maximum, but no margin. */
static void test_no_limits(void **st)
{
	(void)st;
	chip(0, "nolimits");
	temp(0, 1, 41500, -1, -1);
	void *s = NULL;
	assert_int_equal(sampler_thermal.init(&env, &s), 0);
	double out[FEAT_VECTOR_LEN];
	assert_int_equal(wait_values(s, out, 41.5), 0);
	assert_true(isnan(out[FEAT_temp_margin_c]));
	sampler_thermal.fini(s);
}

/* No hwmon at all, as on this very machine: off at init (-ENOENT, which the
 * elim logs at info), no thread, nothing read. */
static void test_no_hwmon(void **st)
{
	(void)st;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			mkdir(CLASS "/hwmon", 0755); /* present but empty */
		void *s = NULL;
		msg[0] = '\0';
		assert_int_equal(sampler_thermal.init(&env, &s), -ENOENT);
		assert_null(s);
		assert_non_null(strstr(msg, "no hwmon"));
	}
}

/*
 * A broken /etc/sensors3.conf (bind-mounted over it in our namespace):
 * libsensors reports the syntax error through its error handler, whose
 * default prints to stderr (LIM's pipe or a file LIM left on fd 2): ours
 * is silent, and the chips are still read.
 */
static void test_bad_config_is_silent(void **st)
{
	(void)st;
	chip(0, "fakechip");
	temp(0, 1, 45000, 80000, -1);
	tu_write(CLASS, "bad-sensors.conf", "this is { not valid\n");
	if (mount(CLASS "/bad-sensors.conf", "/etc/sensors3.conf", "none", MS_BIND, NULL) < 0) {
		printf("# no /etc/sensors3.conf to replace: not tested\n");
		return;
	}
	char errpath[] = "/tmp/elim-rank-test-stderr.XXXXXX";
	int efd = mkstemp(errpath);
	assert_true(efd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(efd, 2);
	void *s = NULL;
	assert_int_equal(sampler_thermal.init(&env, &s), 0);
	double out[FEAT_VECTOR_LEN];
	int rc = wait_values(s, out, 45.0);
	sampler_thermal.fini(s);
	dup2(saved, 2);
	close(saved);
	umount2("/etc/sensors3.conf", MNT_DETACH);
	struct stat sb;
	assert_int_equal(fstat(efd, &sb), 0);
	close(efd);
	unlink(errpath);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(rc, 0);
	assert_true(out[FEAT_temp_margin_c] == 35.0);
}

/* A chip with no temperature (a fan only): known nothing, never a value. */
static void test_no_temperatures(void **st)
{
	(void)st;
	chip(0, "fanonly");
	tu_write(CLASS, "hwmon/hwmon0/fan1_input", "1200\n");
	void *s = NULL;
	assert_int_equal(sampler_thermal.init(&env, &s), 0);
	double out[FEAT_VECTOR_LEN];
	usleep(200000);
	assert_int_equal(sampler_thermal.sample(s, tu_mono_ns(), out), 0);   /* unknown, no error */
	assert_true(isnan(out[FEAT_temp_max_c]) && isnan(out[FEAT_temp_margin_c]));
	sampler_thermal.fini(s);
}

/*
 * A read that hangs (a stuck hwmon driver, made real with a fanotify
 * permission event that holds every open of one input until we answer)
 * holds the thread, never the tick: every sample returns at once, unknown;
 * once the read completes, values come back.
 */
static void test_stuck_read_off_tick(void **st)
{
	(void)st;
	chip(0, "fakechip");
	temp(0, 1, 45000, 80000, -1);
	chip(1, "stuckchip");
	temp(1, 1, 50000, -1, -1);
	int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0) { /* a kernel without fanotify permission events */
		printf("# fanotify_init: %s: stuck read not tested\n", strerror(errno));
		return;
	}
	assert_int_equal(fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD,
	                               CLASS "/hwmon/hwmon1/temp1_input"),
	                 0);
	void *s = NULL;
	assert_int_equal(sampler_thermal.init(&env, &s), 0);
	double out[FEAT_VECTOR_LEN];
	uint64_t took[30];
	int held = 0, stuck = 0;
	for (int i = 0; i < 30; i++) {
		uint64_t t0 = tu_mono_ns();
		int rc = sampler_thermal.sample(s, t0, out);
		took[i] = tu_mono_ns() - t0;
		/* unknown; an error once the first read is overdue */
		assert_true(rc == 0 || rc == -ETIMEDOUT);
		stuck += rc == -ETIMEDOUT;
		assert_true(isnan(out[FEAT_temp_max_c]));
		struct fanotify_event_metadata ev[8];
		ssize_t n = read(fan, ev, sizeof ev);
		for (struct fanotify_event_metadata *m = ev; n > 0 && FAN_EVENT_OK(m, n);
		     m = FAN_EVENT_NEXT(m, n)) {
			held++; /* the thread is stuck in open(): not answered */
			close(m->fd);
		}
		usleep(10000);
	}
	assert_true(held >= 1);
	assert_true(stuck >= 1);
	/* never waits for the stuck read: a sample that did would wait every
	 * time, so the median call is quick; a loaded machine delays a few */
	for (int i = 1; i < 30; i++)
		for (int j = i; j > 0 && took[j] < took[j - 1]; j--) {
			uint64_t x = took[j];
			took[j] = took[j - 1];
			took[j - 1] = x;
		}
	if (took[15] >= 20 * 1000000ULL)
		fail_msg("median sample took %.1f ms: it waits for the stuck read",
			 (double)took[15] / 1e6);

	close(fan); /* unanswered events are allowed */
	assert_int_equal(wait_values(s, out, 50.0), 0);
	assert_true(out[FEAT_temp_margin_c] == 35.0);

	/* stuck again, after values: they go unknown once older than
	 * THERMAL_STALE_PERIODS intervals (0.15 s here), in real time */
	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	assert_true(fan >= 0);
	assert_int_equal(fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD,
	                               CLASS "/hwmon/hwmon1/temp1_input"),
	                 0);
	int rc = 0;
	for (int i = 0; i < 100 && rc == 0; i++) {
		usleep(10000);
		rc = sampler_thermal.sample(s, tu_mono_ns(), out);
	}
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(isnan(out[FEAT_temp_max_c]) && isnan(out[FEAT_temp_margin_c]));
	close(fan);
	sampler_thermal.fini(s);
}

int main(void)
{
	/* a private mount namespace with our own /sys/class */
	if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0)
		in_namespace = true;
	else {
		printf("1..0 # SKIP needs root and a private mount namespace\n");
		return 0;
	}

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold),
	    cmocka_unit_test_setup(test_two_chips, setup),
	    cmocka_unit_test_setup(test_no_limits, setup),
	    cmocka_unit_test_setup(test_no_hwmon, setup),
	    cmocka_unit_test_setup(test_no_temperatures, setup),
	    cmocka_unit_test_setup(test_bad_config_is_silent, setup),
	    cmocka_unit_test_setup(test_stuck_read_off_tick, setup),
	};
	return TU_RUN(tests);
}

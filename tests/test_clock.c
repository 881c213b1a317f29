/*
 * test_clock: lib/clock.c, the programs' one monotonic clock: it never goes
 * back, its two units agree, and a deadline made with clock_timespec is
 * one clock_nanosleep really waits for.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"
#include "testutil.h"

static void never_goes_back(void **state)
{
	(void)state;
	uint64_t prev = clock_now_ns();
	for (int i = 0; i < 100000; i++) {
		uint64_t t = clock_now_ns();
		assert_true(t >= prev);
		prev = t;
	}
}

static void seconds_agree_with_nanoseconds(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint64_t a = clock_now_ns();
		double s = clock_now_s();
		uint64_t b = clock_now_ns();
		/* a double holds the seconds to well under a microsecond */
		assert_true(s >= (double)a / 1e9 - 1e-6);
		assert_true(s <= (double)b / 1e9 + 1e-6);
	}
}

static void timespec_splits_nanoseconds(void **state)
{
	(void)state;
	struct timespec ts = clock_timespec(1234567891234ULL);
	assert_int_equal(ts.tv_sec, 1234);
	assert_int_equal(ts.tv_nsec, 567891234);
	ts = clock_timespec(999999999ULL);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(ts.tv_nsec, 999999999);
	ts = clock_timespec(CLOCK_NSEC_PER_S);
	assert_int_equal(ts.tv_sec, 1);
	assert_int_equal(ts.tv_nsec, 0);
}

static void deadline_is_on_the_same_clock(void **state)
{
	(void)state;
	/* an absolute CLOCK_MONOTONIC deadline 20 ms ahead: when the sleep
	 * returns, our clock has passed it (only a lower bound: a loaded
	 * machine may wake us much later) */
	uint64_t deadline = clock_now_ns() + 20 * 1000 * 1000;
	struct timespec ts = clock_timespec(deadline);
	int rc;
	while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
		;
	assert_int_equal(rc, 0);
	assert_true(clock_now_ns() >= deadline);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(never_goes_back),
		cmocka_unit_test(seconds_agree_with_nanoseconds),
		cmocka_unit_test(timespec_splits_nanoseconds),
		cmocka_unit_test(deadline_is_on_the_same_clock),
	};
	return TU_RUN(tests);
}

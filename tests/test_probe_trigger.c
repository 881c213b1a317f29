/* probe_trigger: when the elim probes besides its period (a load that moved
 * and stayed moved), and the limits that bound what that costs. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "probe_trigger.h"
#include "testutil.h"

#define S 1000000000ULL   /* one second of the monotonic clock */

static void start(struct probe_trigger *t, double gap, int per_hour, int confirm)
{
	struct probe_trigger_config c = {
		.enabled = true, .min_gap = gap, .max_per_hour = per_hour, .confirm = confirm,
	};
	probe_trigger_init(t, &c);
}

static void test_confirm_and_burst(void **state)
{
	(void)state;
	struct probe_trigger t;
	start(&t, 30, 24, 2);
	uint64_t now = 1000 * S;
	double m = 0.1;                      /* small moves: never */
	for (int i = 0; i < 10; i++, now += 10 * S)
		assert_false(probe_trigger_record(&t, m, now, 0));
	m = 1.0;                             /* a burst of one record: not measured */
	assert_false(probe_trigger_record(&t, m, now, 0));
	now += 10 * S;
	m = 0.0;
	assert_false(probe_trigger_record(&t, m, now, 0));
	now += 10 * S;
	m = 1.0;                             /* a move that stays: the second record fires */
	assert_false(probe_trigger_record(&t, NAN, now, 0));   /* unknown: no move */
	now += 10 * S;
	assert_false(probe_trigger_record(&t, m, now, 0));
	now += 10 * S;
	assert_true(probe_trigger_record(&t, m, now, 0));
	assert_int_equal(t.fired, 1);
}

static void test_min_gap(void **state)
{
	(void)state;
	struct probe_trigger t;
	start(&t, 30, 24, 1);
	double m = 1.0;
	uint64_t last_start = 1000 * S;      /* a periodic probe started here */
	uint64_t now = last_start + 10 * S;
	int fired_at = -1;
	for (int k = 1; k <= 5; k++, now += 10 * S)
		if (probe_trigger_record(&t, m, now, last_start)) {
			fired_at = k;
			break;
		}
	assert_int_equal(fired_at, 3);       /* held at 10 and 20 s, fires at 30 s */
	assert_int_equal(t.held, 2);
}

static void test_hourly_cap(void **state)
{
	(void)state;
	struct probe_trigger t;
	start(&t, 0, 6, 1);
	double m = 3.0;
	uint64_t now = 5000 * S;
	int fired = 0;
	for (int k = 0; k < 360; k++, now += 10 * S)   /* one hour of records */
		fired += probe_trigger_record(&t, m, now, 0);
	assert_int_equal(fired, 6);
	assert_int_equal(t.held, 354);
	/* an hour after the first firing, the next one may fire */
	assert_true(probe_trigger_record(&t, m, now, 0));
}

/* Checks of doubted results take from the same hourly budget. */
static void test_take_shares_the_budget(void **state)
{
	(void)state;
	struct probe_trigger t;
	start(&t, 0, 4, 1);
	uint64_t now = 5000 * S;
	assert_true(probe_trigger_take(&t, now));
	assert_true(probe_trigger_take(&t, now + S));
	assert_true(probe_trigger_record(&t, 2.0, now + 2 * S, 0));
	assert_true(probe_trigger_record(&t, 2.0, now + 3 * S, 0));
	assert_false(probe_trigger_take(&t, now + 4 * S));          /* 4 of 4 spent */
	assert_false(probe_trigger_record(&t, 2.0, now + 5 * S, 0));
	assert_int_equal(t.taken, 2);
	assert_int_equal(t.fired, 2);
	assert_true(probe_trigger_take(&t, now + 3601 * S));       /* an hour on */
}

static void test_disabled(void **state)
{
	(void)state;
	struct probe_trigger t;
	struct probe_trigger_config c = { .enabled = false, .min_gap = 0, .max_per_hour = 10, .confirm = 1 };
	probe_trigger_init(&t, &c);
	double m = 5.0;
	for (int k = 0; k < 10; k++)
		assert_false(probe_trigger_record(&t, m, (uint64_t)(k + 1) * 10 * S, 0));
	assert_false(probe_trigger_take(&t, 200 * S));             /* off: no checks either */
	assert_int_equal(t.fired, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confirm_and_burst),
		cmocka_unit_test(test_min_gap),
		cmocka_unit_test(test_hourly_cap),
		cmocka_unit_test(test_take_shares_the_budget),
		cmocka_unit_test(test_disabled),
	};
	return TU_RUN(tests);
}

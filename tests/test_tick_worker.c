/*
 * test_tick_worker: sampling off the tick's path.  Real threads, real time,
 * and for the stuck case a real blocking read on an empty pipe.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tick_worker.h"
#include "testutil.h"

struct src {
	int calls;
	int slow_call;          /* this call sleeps slow_us */
	unsigned slow_us;
	int block_fd;           /* >= 0: block reading it on the slow call */
};

static void fn(void *arg, uint64_t t, double *v)
{
	struct src *s = arg;
	s->calls++;
	if (s->calls == s->slow_call) {
		if (s->block_fd >= 0) {
			char c;
			if (read(s->block_fd, &c, 1) < 0)
				c = 0;
		} else {
			usleep(s->slow_us);
		}
	}
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		v[i] = (double)(t % 1000000007ULL) + s->calls;
}

static void t_on_time(void **state)
{
	(void)state;
	struct src s = { .block_fd = -1 };
	struct tick_worker w;
	double v[FEAT_VECTOR_LEN];
	assert_int_equal(tick_worker_start(&w, fn, &s), 0);
	for (int i = 1; i <= 5; i++) {
		uint64_t t = tu_mono_ns();
		assert_int_equal(tick_worker_sample(&w, t, t + 500000000ULL, v), 0);
		assert_true(v[0] == (double)(t % 1000000007ULL) + i);
	}
	assert_int_equal(tick_worker_stuck_ns(&w, tu_mono_ns()), 0);
	assert_true(tick_worker_stop(&w, 100000000ULL));
}

static void t_slow_source(void **state)
{
	(void)state;
	struct src s = { .slow_call = 2, .slow_us = 300000, .block_fd = -1 };
	struct tick_worker w;
	double v[FEAT_VECTOR_LEN];
	assert_int_equal(tick_worker_start(&w, fn, &s), 0);
	uint64_t t = tu_mono_ns();
	assert_int_equal(tick_worker_sample(&w, t, t + 200000000ULL, v), 0);
	double before = v[0];

	t = tu_mono_ns();
	assert_int_equal(tick_worker_sample(&w, t, t + 50000000ULL, v), -ETIMEDOUT);
	uint64_t waited = tu_mono_ns() - t;
	assert_true(waited >= 50000000ULL && waited < 120000000ULL);   /* on time */
	assert_true(v[0] == before);                                   /* untouched */
	usleep(50000);
	uint64_t t2 = tu_mono_ns();
	assert_int_equal(tick_worker_sample(&w, t2, t2 + 10000000ULL, v), -EBUSY);
	assert_true(tu_mono_ns() - t2 < 5000000ULL);                       /* no wait at all */
	assert_true(tick_worker_stuck_ns(&w, tu_mono_ns()) >= 100000000ULL);

	usleep(300000);                                                /* it finishes */
	assert_int_equal(tick_worker_stuck_ns(&w, tu_mono_ns()), 0);
	uint64_t t3 = tu_mono_ns();
	assert_int_equal(tick_worker_sample(&w, t3, t3 + 200000000ULL, v), 0);
	assert_true(v[0] == (double)(t3 % 1000000007ULL) + 3);         /* fresh, not the late one */
	assert_int_equal(s.calls, 3);
	assert_true(tick_worker_stop(&w, 100000000ULL));
}

static void t_stuck_source(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct src s = { .slow_call = 1, .block_fd = p[0] };
	static struct tick_worker w;     /* outlives the detached thread's use */
	double v[FEAT_VECTOR_LEN];
	assert_int_equal(tick_worker_start(&w, fn, &s), 0);
	uint64_t t = tu_mono_ns();
	assert_int_equal(tick_worker_sample(&w, t, t + 50000000ULL, v), -ETIMEDOUT);
	for (int i = 0; i < 3; i++) {
		usleep(20000);
		t = tu_mono_ns();
		assert_int_equal(tick_worker_sample(&w, t, t + 20000000ULL, v), -EBUSY);
	}
	assert_true(tick_worker_stuck_ns(&w, tu_mono_ns()) >= 100000000ULL);
	/* gives up at its budget, does not hang: the thread stays blocked
	 * (until the write below), so a stop that waited for it would never
	 * return; a generous multiple of the budget tells the two apart on
	 * any load */
	uint64_t t0 = tu_mono_ns();
	assert_false(tick_worker_stop(&w, 100000000ULL));
	assert_true(tu_mono_ns() - t0 >= 100000000ULL);          /* it did wait its budget */
	assert_true(tu_mono_ns() - t0 < 20 * 100000000ULL);
	assert_int_equal(write(p[1], "x", 1), 1);            /* let the thread end */
	usleep(50000);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_on_time),
		cmocka_unit_test(t_slow_source),
		cmocka_unit_test(t_stuck_source),
	};
	return TU_RUN(tests);
}

/*
 * test_rss: what keeps the elim's resident memory flat over months.
 *
 * - pidtab / grouptab: a table grown by a burst of processes shrinks once
 *   the burst has been gone for TAB_SHRINK_WALKS walks, keeps its entries
 *   usable, and a table that stays busy is never reallocated.
 * - model_load_file: reading a small model asks malloc for a block the
 *   size of the file, not MODEL_MAX_FILE (a 1 MiB block freed makes glibc
 *   raise its mmap/trim thresholds for good; see model.c).  malloc is
 *   wrapped (-Wl,--wrap=malloc) only to see the sizes asked for.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "model.h"
#include "pidtab.h"

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);

static size_t largest_malloc;

void *__wrap_malloc(size_t n)
{
	if (n > largest_malloc)
		largest_malloc = n;
	return __real_malloc(n);
}

static void fill(struct pidtab *t, int32_t from, int n)
{
	for (int i = 0; i < n; i++) {
		struct pid_ent *e = pidtab_get(t, from + i);
		assert_non_null(e);
		e->cpu = (uint64_t)(from + i) * 3;
	}
}

static void pidtab_shrinks_after_burst(void **state)
{
	(void)state;
	struct pidtab t = { 0 };
	fill(&t, 1, 5000);   /* the burst: needs 16384 slots at load 1/2 */
	assert_int_equal(t.cap, 16384);
	size_t burst_cap = t.cap;
	/* the burst is gone: each walk sees 40 processes */
	for (int w = 0; w < TAB_SHRINK_WALKS; w++) {
		pidtab_clear(&t);
		assert_int_equal(t.cap, burst_cap);   /* not yet: a lull is not the end */
		assert_int_equal(t.n, 0);
		fill(&t, 100, 40);
	}
	pidtab_clear(&t);
	assert_int_equal(t.cap, TAB_MIN_CAP);   /* 4 x 40 < 256 */
	assert_int_equal(t.n, 0);
	fill(&t, 100, 40);
	for (int i = 0; i < 40; i++) {
		struct pid_ent *e = pidtab_find(&t, 100 + i);
		assert_non_null(e);
		assert_int_equal(e->cpu, (uint64_t)(100 + i) * 3);
	}
	assert_null(pidtab_find(&t, 1));
	pidtab_free(&t);
}

static void pidtab_shrinks_only_to_a_quarter_load(void **state)
{
	(void)state;
	struct pidtab t = { 0 };
	fill(&t, 1, 5000);
	assert_int_equal(t.cap, 16384);
	for (int w = 0; w <= TAB_SHRINK_WALKS; w++) {
		pidtab_clear(&t);
		fill(&t, 1, 1000);   /* under cap / 8 = 2048 */
	}
	assert_int_equal(t.cap, 4096);   /* the smallest power of two >= 4 x 1000 */
	/* at 1000 of 4096 it is no longer under 1/8: it stays */
	for (int w = 0; w < 3 * TAB_SHRINK_WALKS; w++) {
		pidtab_clear(&t);
		fill(&t, 1, 1000);
	}
	assert_int_equal(t.cap, 4096);
	pidtab_free(&t);
}

static void pidtab_busy_keeps_its_memory(void **state)
{
	(void)state;
	struct pidtab t = { 0 };
	fill(&t, 1, 600);
	assert_int_equal(t.cap, 2048);
	struct pid_ent *mem = t.e;
	for (int w = 0; w < 4 * TAB_SHRINK_WALKS; w++) {
		pidtab_clear(&t);
		/* every 8th walk a lull: the count of lulls in a row restarts */
		fill(&t, 1, w % 8 == 7 ? 600 : 100);
	}
	assert_int_equal(t.cap, 2048);
	assert_ptr_equal(t.e, mem);   /* no allocation at all */
	/* and the minimum is never shrunk below */
	struct pidtab s = { 0 };
	fill(&s, 1, 3);
	for (int w = 0; w < 2 * TAB_SHRINK_WALKS; w++) {
		pidtab_clear(&s);
		fill(&s, 1, 3);
	}
	assert_int_equal(s.cap, TAB_MIN_CAP);
	pidtab_free(&s);
	pidtab_free(&t);
}

static void grouptab_shrinks_after_burst(void **state)
{
	(void)state;
	struct grouptab g = { 0 };
	for (uint64_t k = 1; k <= 3000; k++)
		assert_int_equal(grouptab_add(&g, k, 1.0, 0), 0);
	assert_int_equal(g.cap, 8192);
	for (int w = 0; w <= TAB_SHRINK_WALKS; w++) {
		grouptab_clear(&g);
		for (uint64_t k = 1; k <= 10; k++)
			assert_int_equal(grouptab_add(&g, k * 7, 2.0, 0), 0);
	}
	assert_int_equal(g.cap, TAB_MIN_CAP);
	assert_int_equal(g.n, 10);
	double sum = 0;
	for (size_t i = 0; i < g.cap; i++)
		if (g.e[i].key)
			sum += g.e[i].ticks;
	assert_near(sum, 20.0, 1e-9);
	grouptab_free(&g);
}

static void model_read_buffer_fits_the_file(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	tu_write(dir, "small.model",
		 "elim-rank-model 1\nmeta source rss\nintercept 1.5\n"
		 "term cpu_busy mean 0 scale 1 coef 0.0001 fill 0\n");
	char path[4200];
	snprintf(path, sizeof path, "%s/small.model", dir);
	struct model m;
	struct model_error err;
	largest_malloc = 0;
	assert_int_equal(model_load_file(path, NULL, &m, &err), 0);
	assert_near(m.intercept, 1.5, 1e-12);
	/* the file is ~100 bytes; the model struct itself is not malloc'd */
	assert_true(largest_malloc < 64 * 1024);
	largest_malloc = 0;

	/* larger than the limit: refused, without reading it into memory */
	snprintf(path, sizeof path, "%s/big.model", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, MODEL_MAX_FILE + 10, SEEK_SET), 0);
	assert_int_equal(fputc('\n', f), '\n');
	assert_int_equal(fclose(f), 0);
	assert_true(model_load_file(path, NULL, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "larger than"));
	assert_true(largest_malloc < 64 * 1024);

	/* exactly at the limit: read whole (and judged by the parser) */
	snprintf(path, sizeof path, "%s/edge.model", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("elim-rank-model 1\nintercept 2\n", f);
	for (long n = (long)strlen("elim-rank-model 1\nintercept 2\n"); n < MODEL_MAX_FILE; n++)
		fputc(n % 64 == 63 ? '\n' : '#', f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(model_load_file(path, NULL, &m, &err), 0);
	assert_near(m.intercept, 2.0, 1e-12);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pidtab_shrinks_after_burst),
		cmocka_unit_test(pidtab_shrinks_only_to_a_quarter_load),
		cmocka_unit_test(pidtab_busy_keeps_its_memory),
		cmocka_unit_test(grouptab_shrinks_after_burst),
		cmocka_unit_test(model_read_buffer_fits_the_file),
	};
	return TU_RUN(tests);
}

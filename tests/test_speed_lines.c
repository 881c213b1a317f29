/*
 * test_speed_lines: the speed lines of the model rank-train writes
 * (trainer/speed_lines.c): the replaced model's lines are carried, learned
 * ones replace a carried line naming the same host, bad lines are reported
 * and the good ones still carried; end to end through the real binary on a
 * real history (tests/trainer_fixture).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model.h"
#include "speed_lines.h"
#include "testutil.h"
#include "trainer_fixture.h"

static const char old_model[] =
	"meta format 1\n"
	"intercept 1.0\n"
	"term cpu_busy mean 0.5 scale 0.2 coef 0.1\n"
	"speed nodeA 1.5\n"
	"speed node[0-9]* 2   # the old racks\n"
	"speed nodeB.example.com 0.8\n";

static void test_read(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), path[600], err[512];
	struct model_speed sp[MODEL_MAX_SPEED];
	size_t n = 99;
	snprintf(path, sizeof path, "%s/none.model", dir);
	assert_int_equal(speed_lines_read(path, sp, &n, err, sizeof err), 0);
	assert_int_equal(n, 0);
	tu_write(dir, "a.model", old_model);
	snprintf(path, sizeof path, "%s/a.model", dir);
	assert_int_equal(speed_lines_read(path, sp, &n, err, sizeof err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(sp[0].host, "nodeA");
	assert_true(sp[0].factor == 1.5);
	assert_string_equal(sp[1].host, "node[0-9]*");
	assert_true(sp[1].factor == 2.0);
	assert_string_equal(sp[2].host, "nodeB.example.com");
	/* a bad line is named (the first one), the good ones are still read */
	tu_write(dir, "b.model", "intercept 1\nspeed x 0.5\nspeed y 1000\nspeed z\nspeed w 2\n");
	snprintf(path, sizeof path, "%s/b.model", dir);
	assert_int_equal(speed_lines_read(path, sp, &n, err, sizeof err), -EINVAL);
	assert_int_equal(n, 2);
	assert_string_equal(sp[1].host, "w");
	char want[700];
	snprintf(want, sizeof want, "%s:3: speed y: factor '1000' is not a number", path);
	assert_non_null(strstr(err, want));
	tu_rmtree(dir);
	free(dir);
}

static void test_set(void **state)
{
	(void)state;
	static struct model m;
	size_t dropped, left;
	const struct model_speed carried[] = { { "nodeA", 1.5 }, { "node[0-9]*", 2 },
					       { "nodeB.example.com", 0.8 } };
	const struct model_speed learned[] = { { "nodeB", 1.25 }, { "nodeC", 3 } };
	speed_lines_set(&m, learned, 2, carried, 3, &dropped, &left);
	assert_int_equal(dropped, 1);   /* nodeB.example.com is nodeB */
	assert_int_equal(left, 0);
	assert_int_equal(m.n_speed, 4);
	assert_string_equal(m.speed[0].host, "nodeB");
	assert_string_equal(m.speed[1].host, "nodeC");
	assert_string_equal(m.speed[2].host, "nodeA");
	assert_string_equal(m.speed[3].host, "node[0-9]*");
	/* the learned line wins at lookup, the glob still names the others */
	assert_int_equal(model_speed_for(&m, "nodeB.example.com"), 0);
	assert_int_equal(model_speed_for(&m, "node7"), 3);
	/* too many: the carried ones all stay, the last learned ones are left out */
	static struct model_speed many[MODEL_MAX_SPEED];
	for (int i = 0; i < MODEL_MAX_SPEED; i++) {
		snprintf(many[i].host, sizeof many[i].host, "h%d", i);
		many[i].factor = 1;
	}
	snprintf(many[0].host, sizeof many[0].host, "nodeA");   /* replaces a carried line */
	speed_lines_set(&m, many, MODEL_MAX_SPEED, carried, 3, &dropped, &left);
	assert_int_equal(m.n_speed, MODEL_MAX_SPEED);
	assert_int_equal(left, 2);         /* room for 254 beside node[0-9]* and nodeB... */
	assert_int_equal(dropped, 1);      /* ... as nodeA's is replaced */
	assert_string_equal(m.speed[0].host, "nodeA");
	assert_true(m.speed[0].factor == 1);
	assert_string_equal(m.speed[MODEL_MAX_SPEED - 2].host, "node[0-9]*");
	assert_string_equal(m.speed[MODEL_MAX_SPEED - 1].host, "nodeB.example.com");
}

/* rank-train replacing a model with speed lines keeps them in the new one. */
static void test_carried_by_rank_train(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), hist[600], out[600], *text;
	snprintf(hist, sizeof hist, "%s/h.db", dir);
	const struct fixture_opts fo = { .rows = 2000, .hosts = 2, .t0 = 1790000000, .step = 10,
					 .seed = 7, .noise = 0.01 };
	assert_int_equal(fixture_history(hist, &fo), 0);
	tu_write(dir, "rank.model", old_model);
	snprintf(out, sizeof out, "%s/rank.model", dir);
	const struct th_opts train = { .bin = getenv("TRAIN_BIN"), .err = TH_STDOUT };
	assert_int_equal(th_run(&train, (const char *const[]){ "--label", "rank", "--terms",
		"runq_per_core,psi_cpu_some,hinge(mem_used,0.85),cpu_iowait", "--force",
		"--output", out, hist, NULL }, 300.0, &text, NULL), 0);
	assert_non_null(strstr(text, "speed lines: 0 learned, 3 carried from"));
	free(text);
	static struct model m;
	struct model_error merr;
	assert_int_equal(model_load_file(out, NULL, &m, &merr), 0);
	assert_int_equal(m.n_terms, 4);   /* the new model ... */
	assert_int_equal(m.n_speed, 3);   /* ... with the old one's speed lines */
	assert_string_equal(m.speed[0].host, "nodeA");
	assert_true(m.speed[0].factor == 1.5);
	assert_string_equal(m.speed[1].host, "node[0-9]*");
	assert_string_equal(m.speed[2].host, "nodeB.example.com");
	assert_true(m.speed[2].factor == 0.8);
	/* and again: the lines survive a second replacement */
	assert_int_equal(th_run(&train, (const char *const[]){ "--label", "rank", "--terms",
		"runq_per_core,psi_cpu_some", "--force", "--output", out, hist, NULL }, 300.0,
		&text, NULL), 0);
	free(text);
	assert_int_equal(model_load_file(out, NULL, &m, &merr), 0);
	assert_int_equal(m.n_terms, 2);
	assert_int_equal(m.n_speed, 3);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_carried_by_rank_train),
	};
	return TU_RUN(tests);
}

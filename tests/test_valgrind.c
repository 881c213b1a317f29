/*
 * test_valgrind: the elim end to end under valgrind memcheck: 50 records
 * at 0.05 s with history and a model file, then --once --explain; zero
 * errors and zero definitely-lost bytes.  Skips (the whole program) when
 * valgrind is not installed or when the build has sanitizers (they do not
 * mix).
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#ifndef SAN_BUILD
#define SAN_BUILD ""
#endif

/* the probe forks a child that runs no exec: its exit is not the elim's */
#define VALGRIND "valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	" --show-leak-kinds=definite --child-silent-after-fork=yes"

static char *dir;

static int setup(void **state)
{
	(void)state;
	if (SAN_BUILD[0] != '\0' || tu_system("valgrind --version >/dev/null 2>&1") != 0)
		return 0;
	dir = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (dir) {
		tu_rmtree(dir);
		free(dir);
	}
	return 0;
}

static void need_valgrind(void)
{
	if (SAN_BUILD[0] != '\0') {
		printf("# sanitizer build: valgrind skipped\n");
		skip();
	}
	if (dir == NULL) {
		printf("# valgrind not installed: skipped (apt-get install valgrind)\n");
		skip();
	}
}

static void check_log(const char *log)
{
	/* -q prints nothing unless there is an error; show it if there is */
	if (tu_system("test ! -s '%s'", log) != 0) {
		tu_system("sed 's/^/# /' '%s' | head -n 60", log);
		fail_msg("valgrind reported problems (see above)");
	}
}

static void elim_with_history(void **state)
{
	(void)state;
	need_valgrind();
	const char *elim = getenv("ELIM_BIN");
	assert_non_null(elim);
	tu_write(dir, "rank.model",
		 "elim-rank-model 1\nmeta source valgrind-test\nintercept 1\n"
		 "term hinge(runq_per_core,0.5) mean 0 scale 1 coef 0.6 fill 0\n"
		 "term mul(cpu_busy,mem_used) mean 0.1 scale 2 coef 0.5\n");
	int rc = tu_system(VALGRIND " --log-file='%s/vg.log' '%s' --foreground --interval 0.05 --count 50"
			   " --procfs '%s/basic/t0/proc' --sysfs '%s/basic/sys' --model '%s/rank.model'"
			   " --history '%s/h.db' >'%s/out' 2>'%s/err'",
			   dir, elim, tu_data(), tu_data(), dir, dir, dir, dir);
	char log[PATH_MAX];
	snprintf(log, sizeof log, "%s/vg.log", dir);
	check_log(log);
	if (rc != 0)
		tu_system("sed 's/^/# /' '%s/err' | tail -n 20", dir);
	assert_int_equal(rc, 0);
	/* LIM's view: 50 records "1 rank N" */
	assert_int_equal(tu_system("test \"$(grep -c '^1 rank [0-9][0-9]*\\.[0-9]$' '%s/out')\" = 50", dir), 0);
	assert_int_equal(tu_system("test \"$(wc -l < '%s/out')\" = 50", dir), 0);
}

static void elim_explain(void **state)
{
	(void)state;
	need_valgrind();
	const char *elim = getenv("ELIM_BIN");
	int rc = tu_system(VALGRIND " --log-file='%s/vg2.log' '%s' --foreground --once --explain"
			   " --procfs '%s/basic/t0/proc' --sysfs '%s/basic/sys' >'%s/out2' 2>'%s/err2'",
			   dir, elim, tu_data(), tu_data(), dir, dir);
	char log[PATH_MAX];
	snprintf(log, sizeof log, "%s/vg2.log", dir);
	check_log(log);
	assert_int_equal(rc, 0);
	assert_int_equal(tu_system("grep -q '^rank ' '%s/out2'", dir), 0);
}

int main(void)
{
	/* cmocka 1.1's TAP prints a skipped test as "not ok": skip the whole
	 * program the TAP way instead */
	if (SAN_BUILD[0] != '\0') {
		printf("1..0 # SKIP sanitizer build: valgrind does not run ASan binaries\n");
		return 0;
	}
	if (tu_system("valgrind --version >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP valgrind not installed (apt-get install valgrind)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elim_with_history),
		cmocka_unit_test(elim_explain),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}

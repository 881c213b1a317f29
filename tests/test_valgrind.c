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

#include "harness.h"
#include "testutil.h"

#ifndef SAN_BUILD
#define SAN_BUILD ""
#endif

/* the probe forks a child that runs no exec: its exit is not the elim's */
#define VALGRIND "-q", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite", \
	"--show-leak-kinds=definite", "--child-silent-after-fork=yes"

/* Run the elim under valgrind (log to vg_log) with args; stdout into *out,
 * stderr into *err.  Returns the exit code. */
static int valgrind_elim(const char *vg_log, const char *const *args, char **out, char **err)
{
	const char *elim = getenv("ELIM_BIN");
	assert_non_null(elim);
	char logopt[PATH_MAX + 16];
	snprintf(logopt, sizeof logopt, "--log-file=%s", vg_log);
	const char *argv[40] = { VALGRIND, logopt, elim, "--foreground" };
	int n = 0;
	while (argv[n])
		n++;
	for (int i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return th_run(&(struct th_opts){ .bin = "valgrind" }, argv, 600.0, out, err);
}

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
	tu_write(dir, "rank.model",
		 "elim-rank-model 1\nmeta source valgrind-test\nintercept 1\n"
		 "term hinge(runq_per_core,0.5) mean 0 scale 1 coef 0.6 fill 0\n"
		 "term mul(cpu_busy,mem_used) mean 0.1 scale 2 coef 0.5\n");
	char log[PATH_MAX], procfs[PATH_MAX], sysfs[PATH_MAX], model[PATH_MAX], db[PATH_MAX];
	snprintf(log, sizeof log, "%s/vg.log", dir);
	snprintf(procfs, sizeof procfs, "%s/basic/t0/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	snprintf(model, sizeof model, "%s/rank.model", dir);
	snprintf(db, sizeof db, "%s/h.db", dir);
	char *out, *err;
	int rc = valgrind_elim(log, (const char *const[]){ "--interval", "0.05", "--count", "50",
							   "--procfs", procfs, "--sysfs", sysfs,
							   "--model", model, "--history", db, NULL },
			       &out, &err);
	check_log(log);
	if (rc != 0)
		fail_msg("exit %d; stderr: %.2000s", rc, err);
	/* LIM's view: 50 records "1 rank N", nothing else */
	int records = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "1 rank ", 7) != 0 || !th_rank_text_ok(line + 7))
			fail_msg("not a record: '%s'", line);
		records++;
	}
	/* --count counts records due; one the reader had not taken in time is
	 * skipped, never queued (a loaded machine, 0.05 s apart), and the
	 * elim says so */
	assert_true(records >= 1 && records <= 50);
	if (records < 50 && strstr(err, "skipping records until it does") == NULL)
		fail_msg("%d of 50 records, and no word of skipping any; stderr: %.2000s", records, err);
	free(out);
	free(err);
}

static void elim_explain(void **state)
{
	(void)state;
	need_valgrind();
	char log[PATH_MAX], procfs[PATH_MAX], sysfs[PATH_MAX];
	snprintf(log, sizeof log, "%s/vg2.log", dir);
	snprintf(procfs, sizeof procfs, "%s/basic/t0/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	char *out;
	int rc = valgrind_elim(log, (const char *const[]){ "--once", "--no-probe", "--explain",
				"--procfs", procfs,
							   "--sysfs", sysfs, NULL }, &out, NULL);
	check_log(log);
	assert_int_equal(rc, 0);
	assert_true(strncmp(out, "rank ", 5) == 0 || strstr(out, "\nrank ") != NULL);
	free(out);
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

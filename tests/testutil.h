/* testutil: helpers shared by the cmocka tests. */
#ifndef ELIM_RANK_TESTUTIL_H
#define ELIM_RANK_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

/* |a - b| <= eps, with both values in the failure message. */
#define assert_near(a, b, eps) do { \
	double a_ = (a), b_ = (b); \
	if (!(fabs(a_ - b_) <= (eps))) \
		fail_msg("%s = %.10g, expected %.10g (+-%g)", #a, a_, b_, (double)(eps)); \
} while (0)

/* The value is NAN (unknown). */
#define assert_unknown(a) do { \
	double a_ = (a); \
	if (!isnan(a_)) \
		fail_msg("%s = %.10g, expected unknown (nan)", #a, a_); \
} while (0)

/* A fresh temporary directory (removed by tu_rmtree). */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);

/* Write text to dir/rel, creating parent directories; overwrite in place
 * (same inode) when the file exists, as the kernel's files change. */
void tu_write(const char *dir, const char *rel, const char *text);

/* Copy the tree src into dst (files overwritten in place). */
void tu_copy_tree(const char *src, const char *dst);

/* The test data directory ($TEST_DATA). */
const char *tu_data(void);

/* Run the shell command; returns its exit status (or -1). */
int tu_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Does the file (its first 64 KiB) contain the string?  false when it
 * cannot be read. */
bool tu_file_has(const char *path, const char *needle);

/* The first column of the first row the query gives, from the SQLite
 * database at path (read-only; waits up to 2 s for a writer's lock).
 * Fails the test when there is no such row. */
long long tu_sql_int(const char *path, const char *sql);

/* The whole file as a malloc'd NUL-terminated string (the caller frees);
 * an empty string when it cannot be read.  Never NULL. */
char *tu_slurp(const char *path);

/* The monotonic clock, in seconds and in nanoseconds. */
double tu_now(void);
uint64_t tu_mono_ns(void);

/* Sleep ms milliseconds (restarted after signals). */
void tu_sleep_ms(long ms);

/*
 * Heavy test programs (building OpenLava, building packages) start main()
 * with test_heavy_or_skip("what it does"): when ELIM_RANK_SKIP_HEAVY is
 * set and not 0 (the sanitizer pass and distcheck set it), the whole
 * program is skipped the TAP way ("1..0 # SKIP" and the reason) and main
 * returns 0.  (A program, not one cmocka test: cmocka 1.1 prints a skipped
 * test as "not ok ... # SKIP", which the TAP driver counts as a failure.)
 */
#define test_heavy_or_skip(what) do { \
	if (tu_skip_heavy(what)) \
		return 0; \
} while (0)

/* The test behind test_heavy_or_skip: prints the TAP skip line and
 * returns true when heavy tests are to be skipped. */
bool tu_skip_heavy(const char *what);

/* Use TAP output and run the group. */
#define TU_RUN(tests) \
	(cmocka_set_message_output(CM_OUTPUT_TAP), cmocka_run_group_tests(tests, NULL, NULL))

#endif

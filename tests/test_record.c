/* elim/record.c: the record format and the one-write, one-waiting-record rule. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "testutil.h"

static void test_format(void **state)
{
	(void)state;
	static const struct { double v; const char *want; } cases[] = {
		{ 0.0, "1 rank 0.0\n" }, { 100.0, "1 rank 100.0\n" }, { 123.44, "1 rank 123.4\n" },
		{ 123.46, "1 rank 123.5\n" }, { 99.96, "1 rank 100.0\n" }, { 10000.0, "1 rank 10000.0\n" },
		{ -5.0, "1 rank 0.0\n" }, { NAN, "1 rank 0.0\n" }, { INFINITY, "1 rank 0.0\n" },
		{ 1e300, "1 rank 1000000000000.0\n" },
	};
	char buf[RECORD_MAX];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = record_format(buf, sizeof buf, "rank", cases[i].v);
		assert_int_equal(n, (int)strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
	}
	assert_int_equal(record_format(buf, 8, "rank", 100.0), -ENOSPC);
}

/* Whatever the locale says about decimal commas, the record uses a dot. */
static void test_locale_independent(void **state)
{
	(void)state;
	const char *locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8" };
	char buf[RECORD_MAX];
	for (size_t i = 0; i < 3; i++) {
		setlocale(LC_ALL, locales[i]);   /* may be missing: then C stays */
		record_format(buf, sizeof buf, "rank", 123.4);
		assert_string_equal(buf, "1 rank 123.4\n");
	}
	setlocale(LC_ALL, "C");
}

static void test_pipe_rules(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	signal(SIGPIPE, SIG_IGN);
	const char *rec = "1 rank 100.0\n";
	assert_int_equal(record_write(p[1], rec, strlen(rec)), 0);
	/* the first record is unread: the second is not written */
	assert_int_equal(record_write(p[1], rec, strlen(rec)), -EAGAIN);
	char buf[64];
	assert_int_equal(read(p[0], buf, sizeof buf), (ssize_t)strlen(rec));
	assert_memory_equal(buf, rec, strlen(rec));
	/* read: writing works again, and exactly one record is in the pipe */
	assert_int_equal(record_write(p[1], rec, strlen(rec)), 0);
	int flags = fcntl(p[0], F_GETFL);
	fcntl(p[0], F_SETFL, flags | O_NONBLOCK);
	assert_int_equal(read(p[0], buf, sizeof buf), (ssize_t)strlen(rec));
	assert_int_equal(read(p[0], buf, sizeof buf), -1);
	/* the reader goes away: EPIPE, not a signal */
	close(p[0]);
	assert_int_equal(record_write(p[1], rec, strlen(rec)), -EPIPE);
	close(p[1]);
	/* not a pipe (a file): FIONREAD does not apply, writes go through */
	FILE *f = tmpfile();
	assert_int_equal(record_write(fileno(f), rec, strlen(rec)), 0);
	assert_int_equal(record_write(fileno(f), rec, strlen(rec)), 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_locale_independent),
		cmocka_unit_test(test_pipe_rules),
	};
	return TU_RUN(tests);
}

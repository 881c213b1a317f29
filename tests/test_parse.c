/* lib/parse.c and lib/procfile.c: bounded scanning and whole-file reads. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "procfile.h"
#include "testutil.h"

static void test_u64(void **state)
{
	(void)state;
	const char *p = "  12345 67";
	uint64_t v;
	assert_true(parse_u64(&p, &v));
	assert_int_equal(v, 12345);
	assert_true(parse_u64(&p, &v));
	assert_int_equal(v, 67);
	assert_false(parse_u64(&p, &v));      /* end of text */

	p = "18446744073709551615";
	assert_true(parse_u64(&p, &v));
	assert_true(v == UINT64_MAX);
	p = "18446744073709551616";            /* one too many: overflow refused */
	assert_false(parse_u64(&p, &v));
	p = "-1";
	assert_false(parse_u64(&p, &v));
	p = "abc";
	assert_false(parse_u64(&p, &v));
	assert_string_equal(p, "abc");         /* nothing consumed on failure */
}

static void test_double(void **state)
{
	(void)state;
	static const struct { const char *in; bool ok; double want; } cases[] = {
		{ "0.52", true, 0.52 }, { "1.50 1.00", true, 1.5 }, { "-1", true, -1 },
		{ "42", true, 42 }, { ".5", true, 0.5 }, { "7.", true, 7 },
		{ ".", false, 0 }, { "", false, 0 }, { "x1", false, 0 }, { "-", false, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *p = cases[i].in;
		double v = NAN;
		bool ok = parse_double(&p, &v);
		assert_int_equal(ok, cases[i].ok);
		if (ok)
			assert_near(v, cases[i].want, 1e-12);
	}
}

static void test_lines_and_words(void **state)
{
	(void)state;
	const char *p = "first line\nsecond  word\n";
	char w[8];
	assert_true(parse_word(&p, w, sizeof w));
	assert_string_equal(w, "first");
	assert_true(parse_next_line(&p));
	assert_true(parse_starts(p, "second"));
	assert_true(parse_word(&p, w, sizeof w));
	assert_true(parse_word(&p, w, sizeof w));
	assert_string_equal(w, "word");
	assert_false(parse_next_line(&p));     /* nothing after the last newline */

	p = "averyveryverylongword";
	assert_true(parse_word(&p, w, sizeof w));
	assert_string_equal(w, "averyve");    /* truncated, NUL-terminated */
	assert_int_equal(*p, '\0');            /* but the whole word consumed */
	p = "   \n";
	assert_false(parse_word(&p, w, sizeof w));
}

/* A file larger than the initial buffer is read whole, and re-read in place. */
static void test_procfile_grows_and_rereads(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	size_t big = 20000;
	char *text = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		text[i] = (i % 80 == 79) ? '\n' : (char)('a' + i % 26);
	text[big] = '\0';
	tu_write(dir, "f", text);

	struct procfile pf;
	assert_int_equal(procfile_open(&pf, dir, "f"), 0);
	assert_int_equal(procfile_read(&pf), (long)big);
	assert_memory_equal(pf.buf, text, big);
	assert_int_equal(pf.buf[big], '\0');

	tu_write(dir, "f", "short\n");         /* same inode, new contents */
	assert_int_equal(procfile_read(&pf), 6);
	assert_string_equal(pf.buf, "short\n");
	procfile_close(&pf);
	procfile_close(&pf);                   /* idempotent */
	assert_int_equal(procfile_read(&pf), -EBADF);

	assert_int_equal(procfile_open(&pf, dir, "missing"), -ENOENT);
	assert_int_equal(pf.fd, -1);

	char buf[4];
	assert_int_equal(read_small_file(dir, "f", buf, sizeof buf), 3);
	assert_string_equal(buf, "sho");
	free(text);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_lines_and_words),
		cmocka_unit_test(test_procfile_grows_and_rereads),
	};
	return TU_RUN(tests);
}

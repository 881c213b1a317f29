/*
 * test_fuzz_regress: what the fuzzers found, one test each, stated plainly
 * (the inputs themselves are also in tests/fuzz-corpus/ and replayed by
 * test_fuzz_corpus).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "model.h"
#include "testutil.h"

/* fuzz_model: a meta value longer than 127 bytes was cut before blanks, so
 * the stored value ended in blanks, was written so, and read back without
 * them: a model did not survive model_write + model_parse. */
static void meta_value_truncated_before_blanks(void **state)
{
	(void)state;
	static struct model m, back;
	struct model_error err;
	char text[1024];
	char value[200];
	memset(value, 'v', 120);
	memset(value + 120, '\t', 40);
	memcpy(value + 160, "tail", 5);
	snprintf(text, sizeof text, "elim-rank-model 1\nmeta k %s\nintercept 1\n", value);
	assert_int_equal(model_parse(text, strlen(text), NULL, &m, &err), 0);
	const char *v = model_meta_get(&m, "k");
	assert_non_null(v);
	assert_int_equal(strlen(v), 120);   /* truncated, then trimmed */

	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_int_equal(model_write(&m, f), 0);
	fclose(f);
	assert_int_equal(model_parse(out, len, NULL, &back, &err), 0);
	assert_string_equal(model_meta_get(&back, "k"), v);
	free(out);

	/* model_meta_set stores what a write and a read give back */
	assert_int_equal(model_meta_set(&m, "k", "  padded\t "), 0);
	assert_string_equal(model_meta_get(&m, "k"), "padded");
}

/* fuzz_model: a subnormal coefficient (the smallest, 2^-1074) was written
 * as 4.94065645841247e-324, which strtod reads with ERANGE: refused, so the
 * written model did not read back.  Underflow is a number; overflow is not. */
static void subnormal_numbers_read_back(void **state)
{
	(void)state;
	static struct model m, back;
	struct model_error err;
	const char *text = "elim-rank-model 1\nintercept 1\n"
		"term cpu_busy mean 0 scale 1 coef 4.9406564584124654e-324\n"
		"term mem_used mean 1e-310 scale 1 coef 4.94065645841247e-324\n";
	assert_int_equal(model_parse(text, strlen(text), NULL, &m, &err), 0);
	assert_true(m.terms[0].coef > 0 && m.terms[0].coef < 1e-300);
	assert_true(m.terms[1].coef == m.terms[0].coef);

	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_int_equal(model_write(&m, f), 0);
	fclose(f);
	assert_int_equal(model_parse(out, len, NULL, &back, &err), 0);
	assert_true(back.terms[0].coef == m.terms[0].coef);
	assert_true(back.terms[1].mean == m.terms[1].mean);
	free(out);

	/* overflow is still refused */
	const char *huge = "elim-rank-model 1\nintercept 1e999\n";
	assert_int_equal(model_parse(huge, strlen(huge), NULL, &m, &err), -EINVAL);
	assert_int_equal(err.line, 2);
}

/* fuzz_acct: an accounting file with no jobs reached qsort(NULL, 0, ...),
 * undefined behaviour (UBSan stops there in the sanitizer build). */
static void acct_label_no_jobs(void **state)
{
	(void)state;
	struct acct_set set;
	memset(&set, 0, sizeof set);
	acct_label(&set);
	assert_int_equal(set.st.classes, 0);
	char *dir = tu_tmpdir();
	tu_write(dir, "lsb.acct", "");
	char path[4200];
	snprintf(path, sizeof path, "%s/lsb.acct", dir);
	char err[256];
	assert_int_equal(acct_read(path, &set, err, sizeof err), 0);
	assert_int_equal(set.n, 0);
	acct_label(&set);
	acct_free(&set);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(meta_value_truncated_before_blanks),
		cmocka_unit_test(subnormal_numbers_read_back),
		cmocka_unit_test(acct_label_no_jobs),
	};
	return TU_RUN(tests);
}

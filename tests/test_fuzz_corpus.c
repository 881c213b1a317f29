/*
 * test_fuzz_corpus: replay every file of tests/fuzz-corpus/<target>/ through the same
 * entry points the fuzzers use (tests/fuzz/fuzz_*.c), in a normal build.
 * A harness aborts on a broken invariant, and the sanitizer build catches
 * memory errors, so a passing replay means no input found so far regressed.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "testutil.h"

static char corpus_root[PATH_MAX];

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static void replay(void **state)
{
	const struct fuzz_target *t = *state;
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s/%s", corpus_root, t->name) >= (int)sizeof dir)
		fail_msg("path too long");
	struct dirent **names;
	int n = scandir(dir, &names, not_dot, cmp_names);
	if (n < 0)
		fail_msg("%s: no corpus for fuzz target '%s'", dir, t->name);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name) >= (int)sizeof path)
			fail_msg("path too long");
		int fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		/* exactly sized, as libFuzzer passes it: overreads show under ASan */
		uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
		assert_non_null(buf);
		assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
		close(fd);
		assert_int_equal(t->fn(buf, (size_t)st.st_size), 0);
		free(buf);
		free(names[i]);
	}
	free(names);
	printf("# %s: %d inputs replayed\n", t->name, n);
}

/* Every corpus directory belongs to a registered target. */
static void no_orphan_corpus(void **state)
{
	(void)state;
	DIR *d = opendir(corpus_root);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		bool found = false;
		for (const struct fuzz_target *t = fuzz_targets; t; t = t->next)
			found |= strcmp(t->name, e->d_name) == 0;
		if (!found)
			fail_msg("tests/fuzz-corpus/%s has no harness tests/fuzz/fuzz_%s.c in the build",
				 e->d_name, e->d_name);
	}
	closedir(d);
}

int main(void)
{
	snprintf(corpus_root, sizeof corpus_root, "%s/../fuzz-corpus", tu_data());
	size_t n = 0;
	for (const struct fuzz_target *t = fuzz_targets; t; t = t->next)
		n++;
	struct CMUnitTest *tests = calloc(n + 1, sizeof *tests);
	assert_non_null(tests);
	size_t i = 0;
	for (struct fuzz_target *t = fuzz_targets; t; t = t->next, i++) {
		tests[i].name = t->name;
		tests[i].test_func = replay;
		tests[i].initial_state = t;
	}
	tests[i].name = "no_orphan_corpus";
	tests[i].test_func = no_orphan_corpus;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	int rc = _cmocka_run_group_tests("fuzz_corpus", tests, n + 1, NULL, NULL);
	free(tests);
	return rc;
}

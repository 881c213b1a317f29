/*
 * fuzz: one entry point per parser, shared by libFuzzer and make check.
 *
 * A harness is one file tests/fuzz/fuzz_<name>.c holding
 *
 *     FUZZ_TARGET(name)
 *     {
 *             ... feed data[0..size) to the parser, abort() on a broken
 *             invariant, return 0 ...
 *     }
 *
 * plus its name in FUZZ_HARNESSES in Makefile.am.  Built by `make fuzz`
 * with clang -fsanitize=fuzzer (FUZZ_LIBFUZZER defined) the body becomes
 * LLVMFuzzerTestOneInput; built by gcc for make check it registers itself
 * (a constructor) and tests/test_fuzz_corpus replays every file of
 * tests/fuzz-corpus/<name>/ through it.  data is never NUL-terminated:
 * copy it (fuzz_strdup) for parsers that want a C string.
 */
#ifndef ELIM_RANK_FUZZ_H
#define ELIM_RANK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "sampler.h"

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

struct fuzz_target {
	const char *name;           /* also the corpus directory's name */
	fuzz_fn fn;
	struct fuzz_target *next;
};

/* Every registered target (gcc build only), in no particular order. */
extern struct fuzz_target *fuzz_targets;
void fuzz_register(struct fuzz_target *t);

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#define FUZZ_TARGET(name) \
	static int fuzz_one_##name(const uint8_t *data, size_t size); \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) \
	{ return fuzz_one_##name(data, size); } \
	static int fuzz_one_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name) \
	static int fuzz_one_##name(const uint8_t *data, size_t size); \
	static struct fuzz_target fuzz_target_##name = { #name, fuzz_one_##name, NULL }; \
	__attribute__((constructor)) static void fuzz_register_##name(void) \
	{ fuzz_register(&fuzz_target_##name); } \
	static int fuzz_one_##name(const uint8_t *data, size_t size)
#endif

/* abort() with a message when cond is false: a finding for the fuzzer. */
#define FUZZ_CHECK(cond) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* data[0..size) as a malloc'ed C string (the caller frees it). */
char *fuzz_strdup(const uint8_t *data, size_t size);

/*
 * A sampler fed fuzzed kernel files through a private procfs/sysfs tree.
 * dirs are created once (e.g. "sys/block/sda"); files are the fuzzed ones
 * ("proc/stat").  The input is cut at NUL bytes into parts: part k goes to
 * files[k % nfiles] in round k / nfiles (a file missing from round 0 is
 * empty; from later rounds keeps its content).  The sampler is started,
 * sampled once per round (at least two rounds, 1 s apart) and stopped.
 */
struct fuzz_tree {
	const char *const *dirs;    /* NULL-terminated; may be NULL */
	const char *const *files;   /* NULL-terminated, relative to the root */
};

int fuzz_sampler_run(const struct sampler *s, const struct fuzz_tree *tree,
		     const uint8_t *data, size_t size);

#endif

/* fuzz: the harnesses' shared parts (see fuzz.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

struct fuzz_target *fuzz_targets;

void fuzz_register(struct fuzz_target *t)
{
	t->next = fuzz_targets;
	fuzz_targets = t;
}

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
	abort();
}

char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* ---------------------------------------------------------------- trees */

#define FUZZ_MAX_TREES 8
#define FUZZ_MAX_ROUNDS 8

static struct {
	const struct fuzz_tree *tree;
	char root[PATH_MAX];
} trees[FUZZ_MAX_TREES];
static size_t n_trees;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(path);
	return 0;
}

static void remove_trees(void)
{
	for (size_t i = 0; i < n_trees; i++)
		nftw(trees[i].root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdir_p(const char *root, const char *rel)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", root, rel) >= (int)sizeof path)
		abort();
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

/* The private root for this tree, made on first use. */
static const char *tree_root(const struct fuzz_tree *tree)
{
	for (size_t i = 0; i < n_trees; i++)
		if (trees[i].tree == tree)
			return trees[i].root;
	if (n_trees == FUZZ_MAX_TREES)
		abort();
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char *root = trees[n_trees].root;
	snprintf(root, PATH_MAX, "%s/elim-rank-fuzz.XXXXXX", tmp);
	if (mkdtemp(root) == NULL)
		abort();
	if (n_trees == 0)
		atexit(remove_trees);
	trees[n_trees++].tree = tree;
	mkdir_p(root, "proc");
	mkdir_p(root, "sys");
	for (const char *const *d = tree->dirs; d && *d; d++)
		mkdir_p(root, *d);
	for (const char *const *f = tree->files; *f; f++) {
		const char *slash = strrchr(*f, '/');
		if (slash) {
			char dir[PATH_MAX];
			snprintf(dir, sizeof dir, "%.*s", (int)(slash - *f), *f);
			mkdir_p(root, dir);
		}
	}
	return root;
}

/* Replace the file's contents in place (same inode, as the kernel's). */
static void put_file(const char *root, const char *rel, const uint8_t *data, size_t size)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		abort();
	while (size > 0) {
		ssize_t n = write(fd, data, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

int fuzz_sampler_run(const struct sampler *s, const struct fuzz_tree *tree,
		     const uint8_t *data, size_t size)
{
	const char *root = tree_root(tree);
	size_t nfiles = 0;
	while (tree->files[nfiles])
		nfiles++;

	/* cut the input into parts at NUL bytes */
	const uint8_t *part[FUZZ_MAX_ROUNDS * 8];
	size_t len[FUZZ_MAX_ROUNDS * 8];
	size_t nparts = 0, max_parts = FUZZ_MAX_ROUNDS * nfiles;
	if (max_parts > sizeof part / sizeof part[0])
		max_parts = sizeof part / sizeof part[0];
	const uint8_t *p = data, *end = data + size;
	while (nparts < max_parts) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
		part[nparts] = p;
		len[nparts] = nul ? (size_t)(nul - p) : (size_t)(end - p);
		nparts++;
		if (nul == NULL)
			break;
		p = nul + 1;
	}
	size_t rounds = (nparts + nfiles - 1) / nfiles;
	if (rounds < 2)
		rounds = 2;

	for (size_t k = 0; k < nfiles; k++)
		put_file(root, tree->files[k], k < nparts ? part[k] : NULL, k < nparts ? len[k] : 0);

	char procfs[PATH_MAX], sysfs[PATH_MAX];
	snprintf(procfs, sizeof procfs, "%s/proc", root);
	snprintf(sysfs, sizeof sysfs, "%s/sys", root);
	struct sampler_env env = { .procfs = procfs, .sysfs = sysfs };
	void *state = NULL;
	if (s->init(&env, &state) < 0)
		return 0;
	double values[FEAT_VECTOR_LEN];
	for (size_t r = 0; r < rounds; r++) {
		if (r > 0)
			for (size_t k = 0; k < nfiles; k++) {
				size_t i = r * nfiles + k;
				if (i < nparts)
					put_file(root, tree->files[k], part[i], len[i]);
			}
		for (int f = 0; f < FEAT_VECTOR_LEN; f++)
			values[f] = -12345.0;   /* must be overwritten or left alone */
		s->sample(state, (uint64_t)(r + 1) * 1000000000ULL, values);
		for (const int *f = s->features; *f >= 0; f++)
			FUZZ_CHECK(isnan(values[*f]) || isfinite(values[*f]));
		for (int f = 0; f < FEAT_VECTOR_LEN; f++) {
			bool mine = false;
			for (const int *g = s->features; *g >= 0; g++)
				mine |= *g == f;
			FUZZ_CHECK(mine || values[f] == -12345.0);   /* writes only its own */
		}
	}
	s->fini(state);
	return 0;
}

#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "pidtab.h"

static size_t hash_u64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k;
}

/* After a shrink: the tables a burst went through on its way up (below the
 * mmap threshold, so in the sampling thread's malloc arena) are free but
 * still resident; give their pages back.  Rare: once per burst. */
static void give_back(void)
{
#ifdef M_TRIM_THRESHOLD
	malloc_trim(0);
#endif
}

/* The capacity to shrink to now, or 0 to keep the table (see pidtab.h). */
static size_t shrink_to(size_t cap, size_t n, unsigned *low)
{
	if (cap <= TAB_MIN_CAP || n * 8 >= cap) {
		*low = 0;
		return 0;
	}
	if (++*low < TAB_SHRINK_WALKS)
		return 0;
	*low = 0;
	size_t want = TAB_MIN_CAP;
	while (want < 4 * n)
		want *= 2;
	return want < cap ? want : 0;
}

/*
 * The two tables' shared parts, over arrays of *cap entries of esize bytes
 * whose key is read by key_of (0: an empty slot).  Each returns the array
 * to use from now on.
 */

/* Empty the table, or shrink it (see pidtab.h); *n and *low are its fields. */
static void *tab_clear(void *e, size_t *cap, size_t *n, unsigned *low, size_t esize)
{
	size_t want = shrink_to(*cap, *n, low);
	void *ne = want ? calloc(want, esize) : NULL;
	*n = 0;
	if (ne) {
		free(e);
		*cap = want;
		give_back();
		return ne;
	}
	if (e)
		memset(e, 0, *cap * esize);
	return e;
}

/* Double the capacity (or start at TAB_MIN_CAP), moving every entry;
 * NULL when out of memory (then e is unchanged). */
static void *tab_grow(void *e, size_t *cap, size_t esize, uint64_t (*key_of)(const void *))
{
	size_t want = *cap ? *cap * 2 : TAB_MIN_CAP;
	char *ne = calloc(want, esize);
	if (ne == NULL)
		return NULL;
	const char *old = e;
	for (size_t j = 0; j < *cap; j++) {
		uint64_t k = key_of(old + j * esize);
		if (k == 0)
			continue;
		size_t i = hash_u64(k) & (want - 1);
		while (key_of(ne + i * esize) != 0)
			i = (i + 1) & (want - 1);
		memcpy(ne + i * esize, old + j * esize, esize);
	}
	free(e);
	*cap = want;
	return ne;
}

static uint64_t pid_key(const void *ent)
{
	return (uint64_t)((const struct pid_ent *)ent)->pid;
}

static uint64_t group_key(const void *ent)
{
	return ((const struct group_ent *)ent)->key;
}

void pidtab_clear(struct pidtab *t)
{
	t->e = tab_clear(t->e, &t->cap, &t->n, &t->low, sizeof *t->e);
}

void pidtab_free(struct pidtab *t)
{
	free(t->e);
	memset(t, 0, sizeof *t);
}

struct pid_ent *pidtab_find(const struct pidtab *t, int32_t pid)
{
	if (t->cap == 0 || pid <= 0)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = hash_u64((uint64_t)pid) & mask;; i = (i + 1) & mask) {
		if (t->e[i].pid == pid)
			return &t->e[i];
		if (t->e[i].pid == 0)
			return NULL;
	}
}

struct pid_ent *pidtab_get(struct pidtab *t, int32_t pid)
{
	if (pid <= 0)
		return NULL;
	struct pid_ent *p = pidtab_find(t, pid);
	if (p)
		return p;
	if ((t->n + 1) * 2 > t->cap) {
		struct pid_ent *ne = tab_grow(t->e, &t->cap, sizeof *t->e, pid_key);
		if (ne == NULL)
			return NULL;
		t->e = ne;
	}
	size_t mask = t->cap - 1;
	size_t i = hash_u64((uint64_t)pid) & mask;
	while (t->e[i].pid != 0)
		i = (i + 1) & mask;
	t->e[i].pid = pid;
	t->n++;
	return &t->e[i];
}

void grouptab_clear(struct grouptab *t)
{
	t->e = tab_clear(t->e, &t->cap, &t->n, &t->low, sizeof *t->e);
}

void grouptab_free(struct grouptab *t)
{
	free(t->e);
	memset(t, 0, sizeof *t);
}

int grouptab_add(struct grouptab *t, uint64_t key, double ticks, double wait)
{
	if (key == 0)
		return -EINVAL;
	if ((t->n + 1) * 2 > t->cap) {
		struct group_ent *ne = tab_grow(t->e, &t->cap, sizeof *t->e, group_key);
		if (ne == NULL)
			return -ENOMEM;
		t->e = ne;
	}
	size_t mask = t->cap - 1;
	size_t i = hash_u64(key) & mask;
	while (t->e[i].key != 0 && t->e[i].key != key)
		i = (i + 1) & mask;
	if (t->e[i].key == 0) {
		t->e[i].key = key;
		t->n++;
	}
	t->e[i].ticks += ticks;
	t->e[i].wait += wait;
	return 0;
}

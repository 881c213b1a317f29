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

void pidtab_clear(struct pidtab *t)
{
	size_t cap = shrink_to(t->cap, t->n, &t->low);
	struct pid_ent *ne = cap ? calloc(cap, sizeof *ne) : NULL;
	t->n = 0;
	if (ne) {
		free(t->e);
		t->e = ne;
		t->cap = cap;
		give_back();
	} else if (t->e)
		memset(t->e, 0, t->cap * sizeof *t->e);
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

static int pidtab_grow(struct pidtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : TAB_MIN_CAP;
	struct pid_ent *ne = calloc(cap, sizeof *ne);
	if (ne == NULL)
		return -ENOMEM;
	for (size_t j = 0; j < t->cap; j++) {
		if (t->e[j].pid == 0)
			continue;
		size_t i = hash_u64((uint64_t)t->e[j].pid) & (cap - 1);
		while (ne[i].pid != 0)
			i = (i + 1) & (cap - 1);
		ne[i] = t->e[j];
	}
	free(t->e);
	t->e = ne;
	t->cap = cap;
	return 0;
}

struct pid_ent *pidtab_get(struct pidtab *t, int32_t pid)
{
	if (pid <= 0)
		return NULL;
	struct pid_ent *p = pidtab_find(t, pid);
	if (p)
		return p;
	if ((t->n + 1) * 2 > t->cap && pidtab_grow(t) < 0)
		return NULL;
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
	size_t cap = shrink_to(t->cap, t->n, &t->low);
	struct group_ent *ne = cap ? calloc(cap, sizeof *ne) : NULL;
	t->n = 0;
	if (ne) {
		free(t->e);
		t->e = ne;
		t->cap = cap;
		give_back();
	} else if (t->e)
		memset(t->e, 0, t->cap * sizeof *t->e);
}

void grouptab_free(struct grouptab *t)
{
	free(t->e);
	memset(t, 0, sizeof *t);
}

static int grouptab_grow(struct grouptab *t)
{
	size_t cap = t->cap ? t->cap * 2 : TAB_MIN_CAP;
	struct group_ent *ne = calloc(cap, sizeof *ne);
	if (ne == NULL)
		return -ENOMEM;
	for (size_t j = 0; j < t->cap; j++) {
		if (t->e[j].key == 0)
			continue;
		size_t i = hash_u64(t->e[j].key) & (cap - 1);
		while (ne[i].key != 0)
			i = (i + 1) & (cap - 1);
		ne[i] = t->e[j];
	}
	free(t->e);
	t->e = ne;
	t->cap = cap;
	return 0;
}

int grouptab_add(struct grouptab *t, uint64_t key, double ticks)
{
	if (key == 0)
		return -EINVAL;
	if ((t->n + 1) * 2 > t->cap && grouptab_grow(t) < 0)
		return -ENOMEM;
	size_t mask = t->cap - 1;
	size_t i = hash_u64(key) & mask;
	while (t->e[i].key != 0 && t->e[i].key != key)
		i = (i + 1) & mask;
	if (t->e[i].key == 0) {
		t->e[i].key = key;
		t->n++;
	}
	t->e[i].ticks += ticks;
	return 0;
}

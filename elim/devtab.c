#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "devtab.h"

void devtab_init(struct devtab *t, size_t elem_size)
{
	memset(t, 0, sizeof *t);
	t->elem_size = elem_size;
}

void devtab_free(struct devtab *t)
{
	free(t->items);
	t->items = NULL;
	t->n = t->cap = 0;
}

void devtab_begin(struct devtab *t)
{
	t->gen++;
}

struct dev_head *devtab_get(struct devtab *t, const char *name, size_t len, bool *is_new)
{
	*is_new = false;
	if (len == 0 || len >= DEV_NAME_MAX)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		struct dev_head *d = devtab_at(t, i);
		if (strncmp(d->name, name, len) == 0 && d->name[len] == '\0') {
			d->gen = t->gen;
			return d;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		unsigned char *ni = realloc(t->items, cap * t->elem_size);
		if (ni == NULL)
			return NULL;
		t->items = ni;
		t->cap = cap;
	}
	struct dev_head *d = devtab_at(t, t->n++);
	memset(d, 0, t->elem_size);
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->gen = t->gen;
	*is_new = true;
	return d;
}

void devtab_sweep(struct devtab *t)
{
	size_t w = 0;
	for (size_t r = 0; r < t->n; r++) {
		struct dev_head *d = devtab_at(t, r);
		if (d->gen != t->gen)
			continue;
		if (w != r)
			memcpy(devtab_at(t, w), d, t->elem_size);
		w++;
	}
	t->n = w;
}

/*
 * devtab: devices (disks, interfaces) tracked by name across samples.
 *
 * Entries are fixed-size records starting with struct dev_head.  Each
 * sample marks the devices it sees with the current generation; devtab_sweep
 * drops the ones that vanished (after collectd's poll_count).  The table
 * only allocates when a device appears.
 */
#ifndef ELIM_RANK_DEVTAB_H
#define ELIM_RANK_DEVTAB_H

#include <stdbool.h>
#include <stddef.h>

#define DEV_NAME_MAX 64

struct dev_head {
	char name[DEV_NAME_MAX];
	unsigned gen;      /* generation of the last sample that saw it */
	bool has_prev;     /* counters from an earlier sample are stored */
	bool selected;     /* decided once, when the device appears */
};

struct devtab {
	size_t elem_size;  /* >= sizeof(struct dev_head) */
	size_t n, cap;
	unsigned char *items;
	unsigned gen;
};

void devtab_init(struct devtab *t, size_t elem_size);
void devtab_free(struct devtab *t);

/* Start a new sample: bump the generation. */
void devtab_begin(struct devtab *t);

/*
 * Find name[0..len) and mark it seen.  *is_new tells whether it was just
 * added (zeroed apart from name).  Returns NULL on allocation failure or a
 * name too long.
 */
struct dev_head *devtab_get(struct devtab *t, const char *name, size_t len, bool *is_new);

/* Drop the devices not seen since devtab_begin. */
void devtab_sweep(struct devtab *t);

static inline struct dev_head *devtab_at(struct devtab *t, size_t i)
{
	return (struct dev_head *)(t->items + i * t->elem_size);
}

#endif

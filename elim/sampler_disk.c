/* disk: /proc/diskstats, whole devices per /sys/block. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devtab.h"
#include "parse.h"
#include "procfile.h"
#include "sampler.h"

struct disk_counters {
	uint64_t rd_ios, rd_sectors, rd_ticks, wr_ios, wr_sectors, wr_ticks, io_ticks;
};

struct disk_dev {
	struct dev_head h;
	bool leaf;                 /* no slaves: count its bytes */
	struct disk_counters prev;
};

struct disk_state {
	struct procfile diskstats;
	char sysfs[PATH_MAX];
	struct devtab devs;
	uint64_t prev_ns;
	bool have_prev;
};

static const int disk_features[] = {
	FEAT_disk_busy_max, FEAT_disk_read_bps, FEAT_disk_write_bps, FEAT_disk_await_ms, -1
};

/* Is this a whole disk worth counting?  Sets *leaf.  Called once per device. */
static bool disk_classify(const char *sysfs, const char *name, bool *leaf)
{
	if (strncmp(name, "loop", 4) == 0 || strncmp(name, "ram", 3) == 0 ||
	    strncmp(name, "zram", 4) == 0)
		return false;
	char sysname[DEV_NAME_MAX], rel[PATH_MAX], path[PATH_MAX];
	snprintf(sysname, sizeof sysname, "%s", name);
	for (char *c = sysname; *c; c++)
		if (*c == '/')
			*c = '!';
	snprintf(rel, sizeof rel, "block/%s", sysname);
	if (path_join(path, sizeof path, sysfs, rel) < 0)
		return false;
	struct stat st;
	if (stat(path, &st) < 0)
		return false;   /* a partition, or not a block device */
	*leaf = true;
	snprintf(rel, sizeof rel, "block/%s/slaves", sysname);
	if (path_join(path, sizeof path, sysfs, rel) == 0) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)) != NULL)
				if (e->d_name[0] != '.')
					*leaf = false;
			closedir(d);
		}
	}
	return true;
}

static int disk_init(const struct sampler_env *env, void **state)
{
	struct disk_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	int rc = procfile_open(&s->diskstats, env->procfs, "diskstats");
	if (rc < 0) {
		free(s);
		return rc;
	}
	snprintf(s->sysfs, sizeof s->sysfs, "%s", env->sysfs);
	devtab_init(&s->devs, sizeof(struct disk_dev));
	*state = s;
	return 0;
}

static bool delta_ok(const struct disk_counters *o, const struct disk_counters *c)
{
	return c->rd_ios >= o->rd_ios && c->rd_sectors >= o->rd_sectors &&
	       c->rd_ticks >= o->rd_ticks && c->wr_ios >= o->wr_ios &&
	       c->wr_sectors >= o->wr_sectors && c->wr_ticks >= o->wr_ticks &&
	       c->io_ticks >= o->io_ticks;
}

static int disk_sample(void *state, uint64_t now_ns, double *out)
{
	struct disk_state *s = state;
	double dt = (double)(now_ns - s->prev_ns) / 1e9;
	double busy_max = 0, await = 0, rd = 0, wr = 0;
	unsigned compared = 0, valid = 0;   /* devices with a previous sample; of them, without a reset */

	sampler_clear(&sampler_disk, out);
	long n = procfile_read(&s->diskstats);
	if (n < 0) {
		s->have_prev = false;
		return (int)n;
	}
	devtab_begin(&s->devs);
	const char *p = s->diskstats.buf;
	if (*p) do {
		uint64_t major, minor;
		char name[DEV_NAME_MAX];
		const char *q = p;
		if (!parse_u64(&q, &major) || !parse_u64(&q, &minor) || !parse_word(&q, name, sizeof name))
			continue;
		uint64_t f[11];
		int k = 0;
		while (k < 11 && parse_u64(&q, &f[k]))
			k++;
		if (k < 10)
			continue;
		struct disk_counters c = {
			.rd_ios = f[0], .rd_sectors = f[2], .rd_ticks = f[3],
			.wr_ios = f[4], .wr_sectors = f[6], .wr_ticks = f[7], .io_ticks = f[9],
		};
		bool is_new;
		struct disk_dev *d = (struct disk_dev *)devtab_get(&s->devs, name, strlen(name), &is_new);
		if (d == NULL)
			continue;
		if (is_new)
			d->h.selected = disk_classify(s->sysfs, name, &d->leaf);
		if (!d->h.selected)
			continue;
		if (d->h.has_prev && s->have_prev)
			compared++;
		if (d->h.has_prev && s->have_prev && dt > 0 && delta_ok(&d->prev, &c)) {
			valid++;
			double busy = (double)(c.io_ticks - d->prev.io_ticks) / (dt * 1000.0);
			if (busy > 1.0)
				busy = 1.0;
			uint64_t ios = (c.rd_ios - d->prev.rd_ios) + (c.wr_ios - d->prev.wr_ios);
			uint64_t ticks = (c.rd_ticks - d->prev.rd_ticks) + (c.wr_ticks - d->prev.wr_ticks);
			if (busy >= busy_max) {
				busy_max = busy;
				await = ios ? (double)ticks / (double)ios : 0.0;
			}
			if (d->leaf) {
				rd += (double)(c.rd_sectors - d->prev.rd_sectors) * 512.0 / dt;
				wr += (double)(c.wr_sectors - d->prev.wr_sectors) * 512.0 / dt;
			}
		}
		d->prev = c;
		d->h.has_prev = true;
	} while (parse_next_line(&p));
	devtab_sweep(&s->devs);

	/* no disks at all is a real 0 (diskless node); all reset is unknown */
	if (s->have_prev && dt > 0 && (compared == 0 || valid > 0)) {
		out[FEAT_disk_busy_max] = busy_max;
		out[FEAT_disk_await_ms] = await;
		out[FEAT_disk_read_bps] = rd;
		out[FEAT_disk_write_bps] = wr;
	}
	s->prev_ns = now_ns;
	s->have_prev = true;
	return 0;
}

static void disk_fini(void *state)
{
	struct disk_state *s = state;
	procfile_close(&s->diskstats);
	devtab_free(&s->devs);
	free(s);
}

const struct sampler sampler_disk = {
	.name = "disk",
	.features = disk_features,
	.init = disk_init,
	.sample = disk_sample,
	.fini = disk_fini,
};

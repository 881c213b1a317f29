/* net: /proc/net/dev, interfaces backed by a device unless configured. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
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

#define NET_SPEED_REFRESH 64   /* re-read link speed every this many samples */

struct net_counters {
	uint64_t rx_bytes, rx_errs, rx_drop, tx_bytes, tx_errs, tx_drop;
};

struct net_dev {
	struct dev_head h;
	double speed_bps;          /* bytes/s; NAN when unknown */
	unsigned speed_age;
	struct net_counters prev;
};

struct net_state {
	struct procfile netdev;
	char sysfs[PATH_MAX];
	const char *const *include;
	const char *const *exclude;
	struct devtab devs;
	uint64_t prev_ns;
	bool have_prev;
};

static const int net_features[] = {
	FEAT_net_rx_bps, FEAT_net_tx_bps, FEAT_net_errs_per_sec, FEAT_net_util_max, -1
};

static bool glob_any(const char *const *globs, const char *name)
{
	for (; globs && *globs; globs++)
		if (fnmatch(*globs, name, 0) == 0)
			return true;
	return false;
}

static bool net_select(const struct net_state *s, const char *name)
{
	if (glob_any(s->exclude, name))
		return false;
	if (s->include && s->include[0])
		return glob_any(s->include, name);
	char rel[PATH_MAX], path[PATH_MAX];
	struct stat st;
	snprintf(rel, sizeof rel, "class/net/%s/device", name);
	return path_join(path, sizeof path, s->sysfs, rel) == 0 && stat(path, &st) == 0;
}

/* Link speed in bytes/s from /sys/class/net/IF/speed (Mb/s); NAN if unknown. */
static double net_speed(const char *sysfs, const char *name)
{
	char rel[PATH_MAX], buf[32];
	snprintf(rel, sizeof rel, "class/net/%s/speed", name);
	if (read_small_file(sysfs, rel, buf, sizeof buf) <= 0)
		return NAN;   /* EINVAL on virtual NICs and links that are down */
	const char *p = buf;
	double mbps;
	if (!parse_double(&p, &mbps) || !(mbps > 0))
		return NAN;   /* -1: unknown */
	return mbps * 1e6 / 8.0;
}

static int net_init(const struct sampler_env *env, void **state)
{
	struct net_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	int rc = procfile_open(&s->netdev, env->procfs, "net/dev");
	if (rc < 0) {
		free(s);
		return rc;
	}
	snprintf(s->sysfs, sizeof s->sysfs, "%s", env->sysfs);
	s->include = env->net_include;
	s->exclude = env->net_exclude;
	devtab_init(&s->devs, sizeof(struct net_dev));
	*state = s;
	return 0;
}

static int net_sample(void *state, uint64_t now_ns, double *out)
{
	struct net_state *s = state;
	double dt = (double)(now_ns - s->prev_ns) / 1e9;
	double rx = 0, tx = 0, errs = 0, util = NAN;
	unsigned compared = 0, valid = 0;

	sampler_clear(&sampler_net, out);
	long n = procfile_read(&s->netdev);
	if (n < 0) {
		s->have_prev = false;
		return (int)n;
	}
	devtab_begin(&s->devs);
	const char *p = s->netdev.buf;
	if (*p) do {
		const char *colon = strchr(p, ':');
		const char *nl = strchr(p, '\n');
		if (colon == NULL || (nl && colon > nl))
			continue;   /* the two header lines */
		const char *name = p;
		while (*name == ' ')
			name++;
		size_t len = (size_t)(colon - name);
		const char *q = colon + 1;
		uint64_t f[16];
		int k = 0;
		while (k < 16 && parse_u64(&q, &f[k]))
			k++;
		if (k < 16)
			continue;
		struct net_counters c = {
			.rx_bytes = f[0], .rx_errs = f[2], .rx_drop = f[3],
			.tx_bytes = f[8], .tx_errs = f[10], .tx_drop = f[11],
		};
		bool is_new;
		struct net_dev *d = (struct net_dev *)devtab_get(&s->devs, name, len, &is_new);
		if (d == NULL)
			continue;
		if (is_new)
			d->h.selected = net_select(s, d->h.name);
		if (!d->h.selected)
			continue;
		if (is_new || ++d->speed_age >= NET_SPEED_REFRESH) {
			d->speed_bps = net_speed(s->sysfs, d->h.name);
			d->speed_age = 0;
		}
		if (d->h.has_prev && s->have_prev) {
			double r = counter_rate(d->prev.rx_bytes, c.rx_bytes, dt);
			double t = counter_rate(d->prev.tx_bytes, c.tx_bytes, dt);
			double e = counter_rate(d->prev.rx_errs + d->prev.rx_drop + d->prev.tx_errs + d->prev.tx_drop,
						c.rx_errs + c.rx_drop + c.tx_errs + c.tx_drop, dt);
			compared++;
			if (!isnan(r) && !isnan(t)) {
				valid++;
				rx += r;
				tx += t;
				if (d->speed_bps > 0) {
					double u = (r > t ? r : t) / d->speed_bps;
					if (isnan(util) || u > util)
						util = u;
				}
			}
			if (!isnan(e))
				errs += e;
		}
		d->prev = c;
		d->h.has_prev = true;
	} while (parse_next_line(&p));
	devtab_sweep(&s->devs);

	if (s->have_prev && dt > 0 && (compared == 0 || valid > 0)) {
		out[FEAT_net_rx_bps] = rx;
		out[FEAT_net_tx_bps] = tx;
		out[FEAT_net_errs_per_sec] = errs;
		out[FEAT_net_util_max] = util;
	}
	s->prev_ns = now_ns;
	s->have_prev = true;
	return 0;
}

static void net_fini(void *state)
{
	struct net_state *s = state;
	procfile_close(&s->netdev);
	devtab_free(&s->devs);
	free(s);
}

const struct sampler sampler_net = {
	.name = "net",
	.features = net_features,
	.init = net_init,
	.sample = net_sample,
	.fini = net_fini,
};

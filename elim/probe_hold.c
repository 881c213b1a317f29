#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "feature_set.h"
#include "probe_hold.h"

#define NSEC 1000000000LL

void probe_hold_init(struct probe_hold *h)
{
	memset(h, 0, sizeof *h);
}

bool probe_hold_check(struct probe_hold *h, const struct probe_hold_config *cfg,
		      uint64_t now_ns, int64_t wall_ns)
{
	if (h->held && h->last_ns != 0 && now_ns > h->last_ns)
		h->held_ns += now_ns - h->last_ns;
	h->last_ns = now_ns;
	bool was = h->held;
	h->held = false;
	if (cfg->path == NULL || cfg->path[0] == '\0')
		return false;
	struct stat st;
	if (stat(cfg->path, &st) < 0) {
		h->stale = false;
		complaint_clear(&h->old, "probe: hold file %s gone", cfg->path);
		return false;
	}
	int64_t mtime = (int64_t)st.st_mtim.tv_sec * NSEC + st.st_mtim.tv_nsec;
	double age = (double)(wall_ns - mtime) / 1e9;
	if (age > cfg->max_age || -age > cfg->max_age) {
		h->stale = true;
		complain(&h->old, LOG_WARNING, "probe: hold file %s is %.0f s %s (more than"
			 " --probe-hold-max-age %.0f s): ignored, probing goes on", cfg->path,
			 age > 0 ? age : -age, age > 0 ? "old" : "in the future", cfg->max_age);
		return false;
	}
	if (h->stale) {
		h->stale = false;
		complaint_clear(&h->old, "probe: hold file %s is fresh again", cfg->path);
	}
	h->held = true;
	if (!was)
		h->holds++;
	return true;
}

void probe_hold_skip(struct probe_hold *h, uint64_t now_ns, double interval_s)
{
	if (now_ns < h->skip_next_ns)
		return;
	h->skipped++;
	h->skip_next_ns = now_ns + (uint64_t)(interval_s * 1e9);
}

double probe_hold_seconds(const struct probe_hold *h)
{
	return (double)h->held_ns / 1e9;
}

void probe_hold_features(const struct probe_hold *h, bool on, double *values)
{
	values[FEAT_probe_held_total] = on ? probe_hold_seconds(h) : NAN;
	values[FEAT_probe_skipped_total] = on ? (double)h->skipped : NAN;
}

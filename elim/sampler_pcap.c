/* pcap: traffic classes (see traffic.h); off unless classes are configured. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sampler.h"
#include "traffic.h"

struct pcap_state {
	struct traffic *t;     /* NULL: no classes configured */
	size_t n;
	struct traffic_snapshot prev;
	uint64_t prev_ns;
	bool have_prev;
};

static const int pcap_features[] = {
	FEAT_PCAP_FIRST + 0, FEAT_PCAP_FIRST + 1, FEAT_PCAP_FIRST + 2, FEAT_PCAP_FIRST + 3,
	FEAT_PCAP_FIRST + 4, FEAT_PCAP_FIRST + 5, FEAT_PCAP_FIRST + 6, FEAT_PCAP_FIRST + 7,
	FEAT_pcap_drops_per_sec, -1
};
_Static_assert(FEAT_PCAP_SLOTS == 8, "update pcap_features");

static int pcap_init(const struct sampler_env *env, void **state)
{
	struct pcap_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	const struct traffic_config *cfg = env->traffic;
	if (cfg && cfg->n_classes > 0) {
		int rc = traffic_start(cfg, &s->t, env->msg, env->msg_len);
		if (rc < 0) {
			free(s);
			return rc;
		}
		s->n = cfg->n_classes;
	}
	*state = s;
	return 0;
}

static int pcap_sample(void *state, uint64_t now_ns, double *out)
{
	struct pcap_state *s = state;
	sampler_clear(&sampler_pcap, out);
	if (s->t == NULL)
		return 0;
	struct traffic_snapshot cur;
	traffic_snapshot(s->t, &cur);
	double dt = (double)(now_ns - s->prev_ns) / 1e9;
	if (s->have_prev) {
		for (size_t i = 0; i < s->n; i++)
			if (cur.active[i] && s->prev.active[i])
				out[FEAT_PCAP_FIRST + i] = counter_rate(s->prev.bytes[i], cur.bytes[i], dt);
		out[FEAT_pcap_drops_per_sec] = counter_rate(s->prev.drops, cur.drops, dt);
	}
	s->prev = cur;
	s->prev_ns = now_ns;
	s->have_prev = true;
	return cur.failed ? -EIO : 0;
}

static void pcap_fini(void *state)
{
	struct pcap_state *s = state;
	traffic_stop(s->t);
	free(s);
}

const struct sampler sampler_pcap = {
	.name = "pcap",
	.features = pcap_features,
	.init = pcap_init,
	.sample = pcap_sample,
	.fini = pcap_fini,
};

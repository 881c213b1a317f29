/*
 * traffic: libpcap captures in a thread of their own (see traffic.h).
 *
 * libpcap is not linked: it pulls in libdbus, libsystemd, libgcrypt and the
 * compressors, about 1 MB of mappings an elim without traffic classes never
 * uses.  traffic_start loads it with dlopen and takes the few functions
 * below from it; the headers still come from libpcap-dev, so the compiler
 * checks every pointer's type against the real prototype.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "caps.h"
#include "clock.h"
#include "traffic.h"

#define STATS_EVERY_NS 1000000000ULL

/* Debian's soname first (package libpcap0.8), then everybody else's. */
static const char *const pcap_sonames[] = { "libpcap.so.0.8", "libpcap.so.1" };

#define PCAP_FUNCS(X) \
	X(create) X(set_snaplen) X(set_promisc) X(set_timeout) X(set_buffer_size) \
	X(set_immediate_mode) X(activate) X(geterr) X(statustostr) X(close) \
	X(setnonblock) X(compile) X(setfilter) X(freecode) X(open_offline) \
	X(get_selectable_fd) X(dispatch) X(stats)

/* The functions we call, typed from <pcap/pcap.h>: api.create is pcap_create. */
struct pcap_api {
	void *dl;
#define PCAP_FIELD(f) __typeof__(&pcap_##f) f;
	PCAP_FUNCS(PCAP_FIELD)
#undef PCAP_FIELD
};

/*
 * Load libpcap into api.  Returns 0, or -ENOTSUP with msg saying what could
 * not be loaded.
 */
static int pcap_api_load(struct pcap_api *api, char *msg, size_t msglen);
static void pcap_api_unload(struct pcap_api *api);

struct tclass {
	pcap_t *p;
	int fd;                   /* selectable fd (live), -1 for files */
	bool active;
	bool eof;
	uint64_t bytes, packets;  /* thread-local since the last publish */
	uint64_t drops;           /* cumulative, from pcap_stats */
};

struct traffic {
	struct pcap_api api;
	size_t n;
	unsigned ifindex;         /* live: the interface, watched while capturing */
	char ifname[IF_NAMESIZE];
	bool file_mode;
	struct tclass c[TRAFFIC_MAX_CLASSES];
	int stop_fd;              /* eventfd: the thread exits when it is readable */
	pthread_t thread;
	bool thread_started;

	pthread_mutex_t lock;     /* guards shared */
	struct traffic_snapshot shared;
};

/* Append a message to msg ("; " between messages). */
static void add_msg(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	if (msg == NULL || msglen == 0)
		return;
	size_t used = strnlen(msg, msglen);
	if (used > 0 && used + 2 < msglen) {
		memcpy(msg + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= msglen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + used, msglen - used, fmt, ap);
	va_end(ap);
}

static int pcap_api_load(struct pcap_api *api, char *msg, size_t msglen)
{
	memset(api, 0, sizeof *api);
	const char *tried = pcap_sonames[0];
	char why[256] = "";
	for (size_t i = 0; i < sizeof pcap_sonames / sizeof pcap_sonames[0]; i++) {
		/* NODELETE: libdbus and libsystemd do not expect to be unloaded */
		api->dl = dlopen(pcap_sonames[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
		if (api->dl != NULL) {
			tried = pcap_sonames[i];
			break;
		}
		if (i == 0) {
			const char *e = dlerror();
			snprintf(why, sizeof why, "%s", e ? e : "not found");
		}
	}
	if (api->dl == NULL) {
		add_msg(msg, msglen, "pcap: traffic classes need libpcap, which cannot be"
			" loaded (%s; Debian package libpcap0.8): %s", tried, why);
		return -ENOTSUP;
	}
	dlerror();
#define PCAP_LOAD(f) \
	*(void **)&api->f = dlsym(api->dl, "pcap_" #f); \
	if (api->f == NULL) { \
		add_msg(msg, msglen, "pcap: the libpcap loaded (%s) lacks pcap_" #f, tried); \
		pcap_api_unload(api); \
		return -ENOTSUP; \
	}
	PCAP_FUNCS(PCAP_LOAD)
#undef PCAP_LOAD
	return 0;
}

static void pcap_api_unload(struct pcap_api *api)
{
	if (api->dl != NULL)
		dlclose(api->dl);
	memset(api, 0, sizeof *api);
}

static void count_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)bytes;
	struct tclass *c = (struct tclass *)user;
	c->bytes += h->len;   /* the length on the wire, not the snaplen */
	c->packets++;
}

/* Move the thread's counts into the shared snapshot. */
static void publish(struct traffic *t, const char *error)
{
	bool all_eof = t->file_mode;
	pthread_mutex_lock(&t->lock);
	uint64_t drops = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct tclass *c = &t->c[i];
		t->shared.bytes[i] += c->bytes;
		t->shared.packets[i] += c->packets;
		t->shared.active[i] = c->active;
		c->bytes = c->packets = 0;
		drops += c->drops;
		if (c->active && !c->eof)
			all_eof = false;
	}
	t->shared.drops = drops;
	t->shared.eof = all_eof;
	if (error && !t->shared.failed) {
		t->shared.failed = true;
		snprintf(t->shared.error, sizeof t->shared.error, "%s", error);
	}
	pthread_mutex_unlock(&t->lock);
}

static void read_stats(struct traffic *t)
{
	const struct pcap_api *api = &t->api;
	for (size_t i = 0; i < t->n; i++) {
		struct pcap_stat ps;
		if (t->c[i].active && t->c[i].fd >= 0 && api->stats(t->c[i].p, &ps) == 0)
			t->c[i].drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	}
}

static void *capture_main(void *arg)
{
	struct traffic *t = arg;
	const struct pcap_api *api = &t->api;
	char error[160] = "";

	/* the sockets are open: reading them needs no privilege at all */
	caps_limit_thread(0);

	uint64_t next_stats = 0;
	for (;;) {
		struct pollfd pfd[TRAFFIC_MAX_CLASSES + 1];
		size_t map[TRAFFIC_MAX_CLASSES];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = t->stop_fd, .events = POLLIN };
		bool busy_file = false;
		for (size_t i = 0; i < t->n; i++) {
			struct tclass *c = &t->c[i];
			if (!c->active || c->eof)
				continue;
			if (c->fd < 0) {
				busy_file = true;   /* a file is always readable */
				continue;
			}
			map[n - 1] = i;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		}
		int r = poll(pfd, n, busy_file ? 0 : 1000);
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		for (size_t i = 0; i < t->n; i++) {
			struct tclass *c = &t->c[i];
			if (!c->active || c->eof)
				continue;
			if (c->fd >= 0) {
				bool ready = false;
				for (nfds_t k = 1; k < n; k++)
					if (map[k - 1] == i && pfd[k].revents)
						ready = true;
				if (!ready)
					continue;
			}
			int got = api->dispatch(c->p, -1, count_packet, (u_char *)c);
			if (got == 0 && c->fd < 0)
				c->eof = true;
			else if (got == PCAP_ERROR) {
				if (!error[0])
					snprintf(error, sizeof error, "%s", api->geterr(c->p));
				c->active = false;
			}
		}
		uint64_t now = clock_now_ns();
		if (now >= next_stats) {
			read_stats(t);
			next_stats = now + STATS_EVERY_NS;
			/*
			 * libpcap reports a vanished interface once, as POLLERR,
			 * and only if it sees the interface gone (not just down)
			 * when it looks: deleting an interface takes it down
			 * first.  Look ourselves, by index (a rename is fine).
			 */
			char name[IF_NAMESIZE];
			if (t->ifindex > 0 && !error[0] && if_indextoname(t->ifindex, name) == NULL &&
			    errno == ENXIO) {
				snprintf(error, sizeof error, "interface '%s' disappeared", t->ifname);
				for (size_t i = 0; i < t->n; i++)
					t->c[i].active = false;
			}
		}
		publish(t, error[0] ? error : NULL);
	}
	read_stats(t);
	publish(t, error[0] ? error : NULL);
	return NULL;
}

static void close_all(struct traffic *t)
{
	const struct pcap_api *api = &t->api;
	for (size_t i = 0; i < t->n; i++)
		if (t->c[i].p) {
			api->close(t->c[i].p);
			t->c[i].p = NULL;
		}
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	t->stop_fd = -1;
}

/* Open one live handle.  Returns 0, or a negative errno with msg set. */
static int open_live(const struct pcap_api *api, const struct traffic_config *cfg, pcap_t **out,
		     char *msg, size_t msglen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const char *ifname = cfg->interface;
	pcap_t *p = api->create(ifname, errbuf);
	if (p == NULL) {
		add_msg(msg, msglen, "pcap: interface '%s': %s", ifname, errbuf);
		return -EIO;
	}
	api->set_snaplen(p, TRAFFIC_SNAPLEN);
	api->set_promisc(p, 0);
	api->set_timeout(p, cfg->timeout_ms > 0 ? cfg->timeout_ms : TRAFFIC_TIMEOUT_MS);
	api->set_buffer_size(p, TRAFFIC_BUFFER_BYTES);
	if (cfg->immediate)
		api->set_immediate_mode(p, 1);
	int rc = api->activate(p);
	if (rc < 0) {
		int e;
		switch (rc) {
		case PCAP_ERROR_PERM_DENIED:
			add_msg(msg, msglen, "pcap: capture on interface '%s' not permitted"
				" (needs root or CAP_NET_RAW): %s", ifname, api->geterr(p));
			e = -EPERM;
			break;
		case PCAP_ERROR_NO_SUCH_DEVICE:
			add_msg(msg, msglen, "pcap: no interface '%s' to capture on: %s", ifname,
				api->geterr(p));
			e = -ENODEV;
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			add_msg(msg, msglen, "pcap: interface '%s' is down", ifname);
			e = -ENETDOWN;
			break;
		default:
			add_msg(msg, msglen, "pcap: cannot capture on interface '%s': %s (%s)", ifname,
				api->statustostr(rc), api->geterr(p));
			e = -EIO;
			break;
		}
		api->close(p);
		return e;
	}
	if (api->setnonblock(p, 1, errbuf) < 0) {
		add_msg(msg, msglen, "pcap: interface '%s': %s", ifname, errbuf);
		api->close(p);
		return -EIO;
	}
	*out = p;
	return 0;
}

/* Compile and set a class's filter.  Returns 0 or -EINVAL with msg set. */
static int set_filter(const struct pcap_api *api, pcap_t *p, const struct traffic_class_spec *cls,
		      char *msg, size_t msglen)
{
	struct bpf_program prog;
	if (api->compile(p, &prog, cls->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		add_msg(msg, msglen, "pcap: class '%s': filter '%s' does not compile: %s;"
			" pcap_%s_bps is unknown", cls->name, cls->filter, api->geterr(p), cls->name);
		return -EINVAL;
	}
	int rc = api->setfilter(p, &prog);
	api->freecode(&prog);
	if (rc < 0) {
		add_msg(msg, msglen, "pcap: class '%s': filter '%s' cannot be set: %s;"
			" pcap_%s_bps is unknown", cls->name, cls->filter, api->geterr(p), cls->name);
		return -EINVAL;
	}
	return 0;
}

int traffic_start(const struct traffic_config *cfg, struct traffic **out,
		  char *msg, size_t msglen)
{
	*out = NULL;
	if (msg && msglen)
		msg[0] = '\0';
	if (cfg->n_classes == 0 || cfg->n_classes > TRAFFIC_MAX_CLASSES ||
	    (cfg->interface == NULL) == (cfg->file == NULL)) {
		add_msg(msg, msglen, "pcap: need 1 to %d classes and one interface", TRAFFIC_MAX_CLASSES);
		return -EINVAL;
	}
	struct traffic *t = calloc(1, sizeof *t);
	if (t == NULL)
		return -ENOMEM;
	int lrc = pcap_api_load(&t->api, msg, msglen);
	if (lrc < 0) {
		free(t);
		return lrc;
	}
	const struct pcap_api *api = &t->api;
	t->n = cfg->n_classes;
	t->file_mode = cfg->file != NULL;
	t->stop_fd = -1;
	pthread_mutex_init(&t->lock, NULL);

	int rc = 0;
	size_t active = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct tclass *c = &t->c[i];
		c->fd = -1;
		if (t->file_mode) {
			char errbuf[PCAP_ERRBUF_SIZE] = "";
			c->p = api->open_offline(cfg->file, errbuf);
			if (c->p == NULL) {
				add_msg(msg, msglen, "pcap: capture file '%s': %s", cfg->file, errbuf);
				rc = -EIO;
				break;
			}
		} else {
			rc = open_live(&t->api, cfg, &c->p, msg, msglen);
			if (rc < 0)
				break;   /* the interface is the problem: same for every class */
			c->fd = api->get_selectable_fd(c->p);
		}
		if (set_filter(&t->api, c->p, &cfg->classes[i], msg, msglen) < 0)
			continue;
		c->active = true;
		active++;
	}
	if (rc == 0 && active == 0)
		rc = -EINVAL;
	if (rc == 0 && !t->file_mode) {
		snprintf(t->ifname, sizeof t->ifname, "%s", cfg->interface);
		t->ifindex = if_nametoindex(cfg->interface);
	}
	if (rc == 0) {
		t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->stop_fd < 0)
			rc = -errno;
	}
	if (rc == 0) {
		for (size_t i = 0; i < t->n; i++)
			t->shared.active[i] = t->c[i].active;
		/* the thread takes no signals: they are the main loop's */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int e = pthread_create(&t->thread, NULL, capture_main, t);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (e != 0) {
			add_msg(msg, msglen, "pcap: cannot start the capture thread: %s", strerror(e));
			rc = -e;
		} else {
			t->thread_started = true;
		}
	}
	if (rc < 0) {
		close_all(t);
		pcap_api_unload(&t->api);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void traffic_snapshot(struct traffic *t, struct traffic_snapshot *out)
{
	pthread_mutex_lock(&t->lock);
	*out = t->shared;
	pthread_mutex_unlock(&t->lock);
}

void traffic_stop(struct traffic *t)
{
	if (t == NULL)
		return;
	if (t->thread_started) {
		uint64_t one = 1;
		if (write(t->stop_fd, &one, sizeof one) < 0) {
			/* an eventfd write cannot fail short of overflow */
		}
		pthread_join(t->thread, NULL);
	}
	close_all(t);
	pcap_api_unload(&t->api);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

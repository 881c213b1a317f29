/*
 * elim.rank: the main loop.  Everything else is in modules; this file owns
 * the process: file descriptors, signals, priority, the tick grid.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "explain.h"
#include "log.h"
#include "model_watch.h"
#include "options.h"
#include "record.h"
#include "recorder.h"
#include "sampling.h"
#include "traffic.h"

#define NSEC 1000000000ULL
#define LIM_MIN_INTERVAL 5.0      /* LIM reads one record per 5 s poll */
#define FIRST_RECORD_NS (NSEC)    /* first record about a second after start */
#define ONCE_WINDOW_NS (NSEC / 2)

static volatile sig_atomic_t got_stop, got_hup;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/* LIM closes every fd from 2 up: make 0-2 valid before anything opens a file. */
static void fix_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);
			if (n >= 0 && n != fd)
				close(n);   /* a lower fd was free: cannot happen, but never leak */
		}
}

/* LIM starts us with most signals blocked: start from a clean state. */
static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;          /* no SA_RESTART: sleeps wake up */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);    /* EPIPE from write() instead */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* Sleep until monotonic time t; returns early (EINTR) when a signal arrives. */
static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / NSEC), .tv_nsec = (long)(t % NSEC) };
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Does LSF_RESOURCES (space-separated names) ask for "rank"? */
static bool lim_wants_rank(const char *resources)
{
	const char *p = resources;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		if (e - p == 4 && strncmp(p, "rank", 4) == 0)
			return true;
		p = e;
	}
	return false;
}

static void log_model(enum model_watch_result r, const struct model_watch *w,
		      const struct model_error *err)
{
	if (r == MODEL_LOADED)
		log_msg(LOG_INFO, "model: using %s (id %s)", w->path, w->current.id);
	else if (r == MODEL_REJECTED)
		log_msg(LOG_ERR, "model: %s:%d: %s; keeping model %s", w->path, err->line, err->msg,
			w->current.id);
}

int main(int argc, char **argv)
{
	struct elim_options opt;
	char err[512];

	fix_std_fds();
	setup_signals();
	umask(027);

	if (options_parse(argc, argv, &opt, err, sizeof err) < 0) {
		fprintf(stderr, "elim.rank: %s\n", err);
		options_usage(stderr);
		return 2;
	}
	if (opt.help) {
		options_usage(stdout);
		return 0;
	}
	if (opt.version) {
		printf("elim.rank (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	/* runtime-named features: the traffic classes */
	static struct feature_binding names;
	struct traffic_config traffic;
	if (traffic_config_build(&traffic, &names, opt.pcap_interface, opt.pcap_class.v,
				 opt.pcap_class.n, err, sizeof err) < 0) {
		fprintf(stderr, "elim.rank: %s\n", err);
		return 2;
	}
	int facility = log_facility_from_name(opt.facility);
	if (facility < 0) {
		fprintf(stderr, "elim.rank: unknown syslog facility '%s'\n", opt.facility);
		return 2;
	}
	/* --explain is for a person reading stdout: only problems on stderr */
	int max_level = opt.verbose ? LOG_DEBUG : opt.explain ? LOG_WARNING : LOG_INFO;
	log_open("elim.rank", opt.foreground || opt.explain, max_level, facility);

	/* LIM may run at nice -20: our work is not that urgent */
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && prio < 0)
		setpriority(PRIO_PROCESS, 0, 0);

	const char *lsf_resources = getenv("LSF_RESOURCES");
	bool report = true;
	if (lsf_resources) {
		if (!lim_wants_rank(lsf_resources)) {
			log_msg(LOG_WARNING, "LSF_RESOURCES ('%s') does not include rank: reporting nothing"
				" (declare rank in lsf.shared for this host)", lsf_resources);
			report = false;
		}
		if (opt.interval < LIM_MIN_INTERVAL) {
			log_msg(LOG_NOTICE, "interval %.3g s raised to %.0f s: LIM reads one record per 5 s",
				opt.interval, LIM_MIN_INTERVAL);
			opt.interval = LIM_MIN_INTERVAL;
		}
	}

	/* the model */
	char default_model[PATH_MAX];
	snprintf(default_model, sizeof default_model, "%s/rank.model", PKGSYSCONFDIR);
	const char *model_path = opt.model_path ? opt.model_path : default_model;
	struct model_error merr;
	static struct model_watch mw;   /* large: keep it off the stack */
	if (opt.model_path && access(opt.model_path, R_OK) < 0) {
		log_msg(LOG_ERR, "model: %s: %s", opt.model_path, strerror(errno));
		return 1;
	}
	enum model_watch_result mr = model_watch_init_bound(&mw, model_path, &names, &merr);
	if (mr == MODEL_REJECTED && opt.model_path) {
		log_msg(LOG_ERR, "model: %s:%d: %s", opt.model_path, merr.line, merr.msg);
		return 1;
	}
	log_model(mr, &mw, &merr);
	if (!mw.from_file)
		log_msg(LOG_INFO, "model: using the embedded default model (id %s)", mw.current.id);

	/* the history */
	struct recorder rec;
	bool use_history = !opt.no_history && !opt.explain;
	if (use_history) {
		char hpath[PATH_MAX];
		if (opt.history_path)
			snprintf(hpath, sizeof hpath, "%s", opt.history_path);
		else
			snprintf(hpath, sizeof hpath, "%s/history.db", opt.state_dir);
		recorder_init(&rec, hpath, opt.history_path ? NULL : opt.state_dir);
		rec.names = &names;
	}

	/* the samplers */
	struct sampler_env env = {
		.procfs = opt.procfs, .sysfs = opt.sysfs,
		.net_include = opt.net_include.n ? opt.net_include.v : NULL,
		.net_exclude = opt.net_exclude.n ? opt.net_exclude.v : NULL,
		.traffic = &traffic,
	};
	static struct sampling sp;
	sampling_init(&sp, &env);
	for (size_t i = 0; i < sp.n; i++)
		if (sp.init_rc[i] < 0)
			log_msg(sp.init_rc[i] == -ENOENT ? LOG_INFO : LOG_WARNING,
				"sampler %s: off: %s (its features are unknown)",
				sp.s[i]->name, sp.msg[i][0] ? sp.msg[i] : strerror(-sp.init_rc[i]));
		else if (sp.msg[i][0])
			log_msg(LOG_WARNING, "sampler %s: %s", sp.s[i]->name, sp.msg[i]);

	char host[256] = "unknown";
	if (gethostname(host, sizeof host) < 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';

	double features[FEAT_VECTOR_LEN];
	uint64_t interval_ns = (uint64_t)llround(opt.interval * 1e9);
	uint64_t start = now_ns();
	sampling_tick_full(&sp, start, features);
	uint64_t window = opt.once ? ONCE_WINDOW_NS : FIRST_RECORD_NS;
	uint64_t first = start + (interval_ns < window ? interval_ns : window);
	uint64_t next = first;
	long ticks = 0;
	int status = 0;

	log_msg(LOG_INFO, "started: interval %.3g s, host %s", opt.interval, host);
	while (!got_stop) {
		sleep_until(next);
		if (got_stop)
			break;
		if (got_hup) {
			got_hup = 0;
			log_model(model_watch_check(&mw, true, &merr), &mw, &merr);
		}
		uint64_t t = now_ns();
		if (t < next)
			continue;    /* woken early by a signal */
		log_model(model_watch_check(&mw, false, &merr), &mw, &merr);

		sampling_tick_full(&sp, t, features);
		double rank = model_rank(model_score(&mw.current, features, NULL, NULL));

		if (opt.explain) {
			explain_write_bound(stdout, &mw.current, &names, features);
			fflush(stdout);
		} else if (report) {
			char rec_buf[RECORD_MAX];
			int len = record_format(rec_buf, sizeof rec_buf, "rank", rank);
			int rc = len < 0 ? len : record_write(STDOUT_FILENO, rec_buf, (size_t)len);
			if (rc == -EPIPE) {
				log_msg(LOG_INFO, "stdout closed: LIM is gone, exiting");
				break;
			} else if (rc == -EAGAIN) {
				log_msg(LOG_DEBUG, "LIM has not read the previous record: skipping this one");
			} else if (rc < 0) {
				log_msg(LOG_ERR, "writing to LIM: %s, exiting", strerror(-rc));
				status = 1;
				break;
			}
		}
		if (use_history) {
			struct history_row row = {
				.time = (int64_t)time(NULL), .host = host, .features = features,
				.rank = rank, .model_id = mw.current.id,
			};
			recorder_append(&rec, &row);
		}
		if (opt.count && ++ticks >= opt.count)
			break;
		/* the next point of the grid after now: no drift, no bursts after a stall */
		uint64_t after = now_ns();
		uint64_t k = (after - first) / interval_ns + 1;
		next = first + k * interval_ns;
	}
	if (got_stop)
		log_msg(LOG_INFO, "stopping on signal");
	sampling_fini(&sp);
	if (use_history)
		recorder_close(&rec);
	log_close();
	return status;
}

/*
 * elim.rank: the main loop.  Everything else is in modules; this file owns
 * the process: file descriptors, signals, priority, the tick grid.
 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "explain.h"
#include "log.h"
#include "model_watch.h"
#include "options.h"
#include "probe.h"
#include "probe_trigger.h"
#include "record.h"
#include "recorder.h"
#include "sampling.h"
#include "since_probe.h"
#include "trust.h"
#include "tick_worker.h"
#include "traffic.h"

#define NSEC 1000000000ULL
#define LIM_MIN_INTERVAL 5.0      /* LIM reads one record per 5 s poll */
#define FIRST_RECORD_NS (NSEC)    /* first record about a second after start */
#define ONCE_WINDOW_NS (NSEC / 2)
#define SAMPLE_BUDGET_NS (NSEC)   /* at most this late (or half an interval) */
#define STUCK_MIN_NS (30 * NSEC)  /* give up on a stuck source after this... */
#define STUCK_INTERVALS 3         /* ...or this many intervals, if longer */

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

/* "model: PATH:LINE: problem", or for a whole-file problem (line 0)
 * "model: PATH: problem", but the problem alone when it already names the
 * model file (a refusal does: "model PATH refused: ..."). */
static const char *model_problem(char *buf, size_t len, const char *path,
				 const struct model_error *err)
{
	if (err->line > 0)
		snprintf(buf, len, "model: %s:%d: %s", path, err->line, err->msg);
	else if (strncmp(err->msg, "model ", 6) == 0 && strstr(err->msg, path))
		snprintf(buf, len, "%s", err->msg);
	else
		snprintf(buf, len, "model: %s: %s", path, err->msg);
	return buf;
}

static void log_model(enum model_watch_result r, const struct model_watch *w,
		      const struct model_error *err)
{
	char buf[PATH_MAX + 300];
	if (r == MODEL_LOADED)
		log_msg(LOG_INFO, "model: using %s (id %s)", w->path, w->current.id);
	else if (r == MODEL_REJECTED)
		log_msg(LOG_ERR, "%s; keeping model %s",
			model_problem(buf, sizeof buf, w->path, err), w->current.id);
}

/* Exit status for a configuration problem at start: ELIM_ABORT_VALUE (IBM
 * LSF: "do not restart me") when LIM sets it, else 1. */
static int config_failure_status(void)
{
	const char *v = getenv("ELIM_ABORT_VALUE");
	if (v && *v) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end == '\0' && n > 0 && n < 256)
			return (int)n;
	}
	return 1;
}

/* Apply the interval rules of LIM to opt. */
static void lim_interval(struct elim_options *o, bool under_lim)
{
	if (under_lim && o->interval < LIM_MIN_INTERVAL) {
		log_msg(LOG_NOTICE, "interval %.3g s raised to %.0f s: LIM reads one record per 5 s",
			o->interval, LIM_MIN_INTERVAL);
		o->interval = LIM_MIN_INTERVAL;
	}
}

static void recorder_config_from(struct recorder_config *c, const struct elim_options *o,
				 const struct feature_binding *names)
{
	memset(c, 0, sizeof *c);
	if (o->history_path)
		snprintf(c->path, sizeof c->path, "%s", o->history_path);
	else {
		snprintf(c->path, sizeof c->path, "%s/history.db", o->state_dir);
		snprintf(c->dir, sizeof c->dir, "%s", o->state_dir);
	}
	c->days = o->history_days;
	c->max_mb = o->history_max_mb;
	c->retry_s = o->history_retry;
	c->commit_s = o->history_commit;
	c->lock_wait_s = o->lock_wait;
	c->names = names;
}

static void model_path_from(char *buf, size_t len, const struct elim_options *o)
{
	if (o->model_path)
		snprintf(buf, len, "%s", o->model_path);
	else
		snprintf(buf, len, "%s/rank.model", PKGSYSCONFDIR);
}

/* The sampling thread's work (tick_worker.h): sample, and log a sampler
 * that starts or stops failing, once each way (its features are unknown
 * meanwhile).  The complaints are this thread's own. */
struct sampling_job {
	struct sampling *sp;
	struct complaint fail[SAMPLING_MAX];
};

static void sample_all(void *arg, uint64_t now, double *values)
{
	struct sampling_job *job = arg;
	struct sampling *sp = job->sp;
	sampling_tick_full(sp, now, values);
	for (size_t i = 0; i < sp->n; i++) {
		if (sp->init_rc[i] < 0)
			continue;   /* off since start, logged then */
		if (sp->last_rc[i] < 0)
			complain(&job->fail[i], LOG_WARNING,
				 "sampler %s: %s; its features are unknown until it recovers",
				 sp->s[i]->name, strerror(-sp->last_rc[i]));
		else
			complaint_clear(&job->fail[i], "sampler %s: working again", sp->s[i]->name);
	}
}

/* Fixed malloc thresholds for a process that runs for months: glibc
 * otherwise raises its mmap threshold (up to 32 MiB) and trim threshold
 * (twice that) each time a large block is freed, after which large
 * transient blocks come from the heaps and their pages stay resident. */
static void pin_malloc_thresholds(void)
{
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
}

int main(int argc, char **argv)
{
	static struct elim_options opt;   /* the running configuration */
	char err[1024];

	pin_malloc_thresholds();
	fix_std_fds();
	setup_signals();
	umask(027);

	int lrc = options_load(argc, argv, &opt, err, sizeof err);
	if (lrc == OPTIONS_EUSAGE) {
		/* under LIM (ELIMARGS) a bad command line will not mend itself */
		fprintf(stderr, "elim.rank: %s\n", err);
		options_usage(stderr);
		options_free(&opt);
		return getenv("ELIM_ABORT_VALUE") ? config_failure_status() : 2;
	}
	if (lrc == OPTIONS_ECONFIG) {
		/* the command line alone says where to log it */
		struct elim_options cli;
		bool cli_ok = options_parse(argc, argv, &cli, NULL, 0) == 0;
		bool check = cli_ok && cli.check_config;
		if (cli_ok && !check && !cli.foreground) {
			log_open("elim.rank", false, LOG_INFO, log_facility_from_name(cli.facility));
			log_msg(LOG_ERR, "configuration: %s; exiting", err);
			log_close();
		}
		fprintf(stderr, "elim.rank: %s\n", err);
		options_free(&cli);
		options_free(&opt);
		return check ? 1 : config_failure_status();
	}
	if (opt.help) {
		options_usage(stdout);
		return 0;
	}
	if (opt.version) {
		printf("elim.rank (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (opt.check_config) {
		/* the model is part of the configuration: check it too */
		static struct model m;
		struct model_error me;
		char mp[PATH_MAX];
		int rc = 0;
		model_path_from(mp, sizeof mp, &opt);
		options_print(stdout, &opt);
		/* check as the running elim reads: without the capabilities it
		 * gives up (a file root could read only by CAP_DAC_OVERRIDE) */
		if (geteuid() == 0)
			caps_drop_process(0);
		if (opt.config_used[0] && access(opt.config_used, R_OK) < 0) {
			fprintf(stderr, "elim.rank: configuration %s: %s (a reload on SIGHUP would fail)\n",
				opt.config_used, strerror(errno));
			rc = 1;
		}
		if (opt.model_path || access(mp, F_OK) == 0) {
			/* as root, the elim would refuse what others could write */
			struct trust trust;
			trust_init(&trust, getenv("LSF_ENVDIR"));
			me.line = 0;
			if (opt.trusted_users &&
			    trust_add_users(&trust, opt.trusted_users, me.msg, sizeof me.msg) < 0) {
				fprintf(stderr, "elim.rank: --trusted-users: %s\n", me.msg);
				rc = 1;
			} else if (trust_check_file(&trust, mp, "model", me.msg, sizeof me.msg) < 0 ||
				   model_load_file(mp, &m, &me) < 0) {
				char buf[PATH_MAX + 300];
				fprintf(stderr, "elim.rank: %s\n",
					model_problem(buf, sizeof buf, mp, &me));
				rc = 1;
			} else {
				printf("# model: %s (id %s)\n", mp, m.id);
			}
		} else {
			printf("# model: embedded default (no %s)\n", mp);
		}
		options_free(&opt);
		return rc;
	}
	/* runtime-named features: the traffic classes (restart-only settings) */
	static struct feature_binding names;
	static struct traffic_config traffic;
	if (traffic_config_build(&traffic, &names, opt.pcap_interface, opt.pcap_class.v,
				 opt.pcap_class.n, err, sizeof err) < 0) {
		fprintf(stderr, "elim.rank: %s\n", err);
		return getenv("ELIM_ABORT_VALUE") ? config_failure_status() : 2;
	}
	int facility = log_facility_from_name(opt.facility);
	/* --explain is for a person reading stdout: only problems on stderr */
	int max_level = opt.verbose ? LOG_DEBUG : opt.explain ? LOG_WARNING : LOG_INFO;
	log_open("elim.rank", opt.foreground || opt.explain, max_level, facility);
	if (opt.config_used[0])
		log_msg(LOG_DEBUG, "configuration: %s", opt.config_used);

	/* LIM may run at nice -20: our work is not that urgent */
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && prio < 0)
		setpriority(PRIO_PROCESS, 0, 0);

	/* least privilege (caps.h): before any thread exists, so every thread
	 * and child inherits it.  Kept: what the probe needs, and CAP_NET_RAW
	 * until the capture sockets are open. */
	uint64_t keep = probe_caps_needed(&opt.probe);
	uint64_t keep_start = keep;
	if (traffic.n_classes && traffic.interface)
		keep_start |= CAPS_BIT(CAP_NET_RAW);
	int crc = caps_drop_process(keep_start);
	if (crc < 0)
		log_msg(LOG_WARNING, "capabilities: not every step of the drop worked: %s",
			strerror(-crc));

	const char *lsf_resources = getenv("LSF_RESOURCES");
	bool report = true;
	if (lsf_resources) {
		if (!lim_wants_rank(lsf_resources)) {
			log_msg(LOG_WARNING, "LSF_RESOURCES ('%s') does not include rank: reporting nothing"
				" (declare rank in lsf.shared for this host)", lsf_resources);
			report = false;
		}
	}
	lim_interval(&opt, lsf_resources != NULL);

	/* who may own the model file (lib/trust.h): enforced when run as root */
	struct trust trust;
	trust_init(&trust, getenv("LSF_ENVDIR"));
	if (opt.trusted_users && trust_add_users(&trust, opt.trusted_users, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "--trusted-users: %s", err);
		return 2;
	}

	/* the model */
	static char model_path[PATH_MAX];
	model_path_from(model_path, sizeof model_path, &opt);
	struct model_error merr;
	static struct model_watch mw;   /* large: keep it off the stack */
	if (opt.model_path && access(opt.model_path, R_OK) < 0) {
		log_msg(LOG_ERR, "model: %s: %s", opt.model_path, strerror(errno));
		return config_failure_status();
	}
	enum model_watch_result mr = model_watch_init_trusted(&mw, model_path, &names, &trust, &merr);
	if (mr == MODEL_REJECTED && opt.model_path) {
		char buf[PATH_MAX + 300];
		log_msg(LOG_ERR, "%s", model_problem(buf, sizeof buf, opt.model_path, &merr));
		return config_failure_status();
	}
	log_model(mr, &mw, &merr);
	if (!mw.from_file)
		log_msg(LOG_INFO, "model: using the embedded default model (id %s)", mw.current.id);

	char host[256] = "unknown";
	if (gethostname(host, sizeof host) < 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';

	/* the history, in its own thread */
	static struct recorder rec;
	struct recorder_config rcfg;
	bool use_history = !opt.no_history && !opt.explain;
	if (use_history) {
		recorder_config_from(&rcfg, &opt, &names);
		int rc = recorder_start(&rec, &rcfg, host);
		if (rc < 0) {
			log_msg(LOG_ERR, "history: cannot start its thread: %s; ranks go on without history",
				strerror(-rc));
			use_history = false;
		}
	}

	/* the samplers: they keep the first configuration's roots for life */
	static struct elim_options first_opt;
	first_opt = opt;
	struct sampler_env env = {
		.procfs = opt.procfs, .sysfs = opt.sysfs,
		.net_include = opt.net_include.n ? opt.net_include.v : NULL,
		.net_exclude = opt.net_exclude.n ? opt.net_exclude.v : NULL,
		.traffic = &traffic,
		.interval = opt.interval,
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
	if (keep_start != keep) {   /* the capture sockets are open */
		int drc = caps_limit_thread(keep);
		if (drc < 0)
			log_msg(LOG_WARNING, "capabilities: cannot give up CAP_NET_RAW: %s",
				strerror(-drc));
	}
	if (geteuid() == 0 && caps_procfs_hides_pids(opt.procfs))
		log_msg(LOG_WARNING, "%s is mounted with hidepid and a gid= the elim is not in:"
			" without CAP_SYS_PTRACE it does not see other users' processes, so"
			" cpu_groups_per_core counts too few; mount it with gid=0 or without gid=",
			opt.procfs);
	if (geteuid() == 0) {
		char kept[256];
		caps_names(caps_effective(), kept, sizeof kept);
		log_msg(LOG_INFO, "capabilities: keeping %s", kept);
	}

	/* sampling runs in a thread of its own, so a slow source cannot stop
	 * the records: see tick_worker.h */
	static struct tick_worker tw;
	static struct sampling_job job;
	job.sp = &sp;
	if (tick_worker_start(&tw, sample_all, &job) < 0) {
		log_msg(LOG_ERR, "cannot start the sampling thread: exiting");
		return 1;
	}

	static struct probe probe;
	if (probe_init(&probe, &opt.probe, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "%s", err);
		return 1;
	}
	struct since_probe since;
	since_probe_init(&since);
	static struct probe_trigger trigger;
	probe_trigger_init(&trigger, &opt.probe_trigger);
	double features[FEAT_VECTOR_LEN];
	double last_rank = NAN;
	struct complaint late = { false };
	uint64_t interval_ns = (uint64_t)llround(opt.interval * 1e9);
	uint64_t start = now_ns();
	uint64_t budget_ns = interval_ns / 2 < SAMPLE_BUDGET_NS ? interval_ns / 2 : SAMPLE_BUDGET_NS;
	uint64_t window = opt.once ? ONCE_WINDOW_NS : FIRST_RECORD_NS;
	uint64_t first = start + (interval_ns < window ? interval_ns : window);
	/* the counters' first values: nothing is due before the first record */
	tick_worker_sample(&tw, start, first, features);
	uint64_t next = first;
	long ticks = 0;
	int status = 0;
	struct complaint behind = { false };

	log_msg(LOG_INFO, "started: interval %.3g s, host %s", opt.interval, host);
	while (!got_stop) {
		sleep_until(next);
		if (got_stop)
			break;
		if (got_hup) {
			got_hup = 0;
			/* the configuration: a bad file keeps the running one */
			static struct elim_options fresh;
			int rc = options_load(argc, argv, &fresh, err, sizeof err);
			if (rc < 0) {
				log_msg(LOG_ERR, "configuration: %s; keeping the running configuration", err);
				options_free(&fresh);
			} else {
				lim_interval(&fresh, lsf_resources != NULL);
				char live[1024], restart[1024];
				options_diff(&opt, &fresh, live, sizeof live, restart, sizeof restart);
				if (live[0])
					log_msg(LOG_NOTICE, "configuration: reloaded; changed: %s", live);
				else
					log_msg(LOG_INFO, "configuration: reloaded; nothing changed");
				if (restart[0])
					log_msg(LOG_WARNING, "configuration: %s changed: takes effect when"
						" elim.rank restarts; keeping the running values", restart);
				if (fresh.verbose != opt.verbose)
					log_open("elim.rank", opt.foreground || opt.explain,
						 fresh.verbose ? LOG_DEBUG : LOG_INFO, facility);
				bool was_history = use_history;
				bool want_history = !fresh.no_history && !fresh.explain;
				/* restart-only settings keep their running values */
				for (size_t i = 0; i < options_table_len; i++) {
					const struct options_row *r = &options_table[i];
					if (!(r->flags & OPTF_LIVE))
						memcpy((char *)&fresh + r->offset, (char *)&first_opt + r->offset,
						       r->kind == OPTK_FLAG ? sizeof(bool) :
						       r->kind == OPTK_STRING ? sizeof(char *) :
						       r->kind == OPTK_DOUBLE ? sizeof(double) :
						       r->kind == OPTK_LONG ? sizeof(long) :
						       sizeof(struct options_list));
				}
				/* first_opt's strings stay valid: its store is never freed */
				void *old_store = opt.store_;
				bool old_is_first = old_store == first_opt.store_;
				struct elim_options old = opt;
				opt = fresh;
				memset(&fresh, 0, sizeof fresh);
				opt.count = old.count;
				opt.once = old.once;
				opt.explain = old.explain;
				if (!old_is_first)
					options_free(&old);
				if (was_history && want_history) {
					recorder_config_from(&rcfg, &opt, &names);
					recorder_reconfigure(&rec, &rcfg);
				} else if (was_history && !want_history) {
					recorder_stop(&rec, 2.0);
					use_history = false;
				} else if (!was_history && want_history) {
					recorder_config_from(&rcfg, &opt, &names);
					use_history = recorder_start(&rec, &rcfg, host) == 0;
				}
				model_path_from(model_path, sizeof model_path, &opt);
				uint64_t ni = (uint64_t)llround(opt.interval * 1e9);
				if (ni != interval_ns) {
					interval_ns = ni;
					first = now_ns();   /* a new grid from now */
					next = first + interval_ns;
				}
			}
			log_model(model_watch_check(&mw, true, &merr), &mw, &merr);
		}
		uint64_t t = now_ns();
		if (t < next)
			continue;    /* woken early by a signal */
		log_model(model_watch_check(&mw, false, &merr), &mw, &merr);

		budget_ns = interval_ns / 2 < SAMPLE_BUDGET_NS ? interval_ns / 2 : SAMPLE_BUDGET_NS;
		int src = tick_worker_sample(&tw, t, t + budget_ns, features);
		bool fresh = src == 0;
		double rank;
		if (fresh) {
			probe_features(&probe, t, features);
			struct since_probe before = since;
			since_probe_fill(&since, features);
			if (isfinite(features[FEAT_probe_result])) {
				/* a result far from what the levels say is checked first */
				double lv[FEAT_VECTOR_LEN];
				since_probe_levels(features, lv, FEAT_VECTOR_LEN);
				double levels = model_score(&mw.current, lv, NULL, NULL);
				if (probe_disagrees(features[FEAT_probe_result], levels) &&
				    probe_doubt(&probe, t)) {
					since = before;
				}
			}
			if (probe_trigger_record(&trigger, features, t, probe.started_ns))
				probe_request(&probe, t);   /* the load moved and stayed moved */
			rank = model_rank(model_score(&mw.current, features, NULL, NULL));
			last_rank = rank;
			complaint_clear(&late, "sampling: on time again");
		} else {
			uint64_t stuck = tick_worker_stuck_ns(&tw, now_ns());
			uint64_t limit = STUCK_INTERVALS * interval_ns > STUCK_MIN_NS ?
				STUCK_INTERVALS * interval_ns : STUCK_MIN_NS;
			if (stuck > limit) {
				/* better no rank than a stale one: while we are down LIM
				 * shows "-", and INCREASING Y puts this host last */
				log_msg(LOG_ERR, "sampling: a source has been stuck for %.0f s: exiting",
					(double)stuck / 1e9);
				status = 1;
				break;
			}
			complain(&late, LOG_WARNING, "sampling: a source is slow (%s): reporting the"
				 " last rank until it is back", src == -EBUSY ? "still reading" : "over budget");
			rank = last_rank;
		}

		bool emitted = !report;    /* --count counts records (ticks when not reporting) */
		if (opt.explain) {
			emitted = fresh;
			if (fresh) {
				explain_write_bound(stdout, &mw.current, &names, features);
				fflush(stdout);
			}
		} else if (report && isfinite(rank)) {
			emitted = true;
			char rec_buf[RECORD_MAX];
			int len = record_format(rec_buf, sizeof rec_buf, "rank", rank);
			int rc = len < 0 ? len : record_write(STDOUT_FILENO, rec_buf, (size_t)len);
			if (rc == -EPIPE) {
				log_msg(LOG_INFO, "stdout closed: LIM is gone, exiting");
				break;
			} else if (rc == -EAGAIN) {
				complain(&behind, LOG_INFO,
					 "LIM has not read the previous record: skipping records until it does");
			} else if (rc < 0) {
				log_msg(LOG_ERR, "writing to LIM: %s, exiting", strerror(-rc));
				status = 1;
				break;
			} else {
				complaint_clear(&behind, "LIM reads records again");
			}
		}
		if (use_history && fresh)
			recorder_append(&rec, (int64_t)time(NULL), features, rank, mw.current.id);
		probe_run(&probe, now_ns());   /* after the record: never delays one */
		if (opt.count && emitted && ++ticks >= opt.count)
			break;
		/* the next point of the grid after now: no drift, no bursts after a stall */
		uint64_t after = now_ns();
		uint64_t k = (after - first) / interval_ns + 1;
		next = first + k * interval_ns;
	}
	if (got_stop)
		log_msg(LOG_INFO, "stopping on signal");
	if (tick_worker_stop(&tw, NSEC / 2))
		sampling_fini(&sp);
	else
		log_msg(LOG_WARNING, "sampling: a source is still stuck: leaving it");
	probe_fini(&probe);
	if (use_history)
		recorder_stop(&rec, 2.0);
	log_close();
	return status;
}

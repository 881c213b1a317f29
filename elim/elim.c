#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "clock.h"
#include "elim.h"
#include "explain.h"
#include "explain_ask.h"
#include "explain_json.h"
#include "record.h"
#include "stateless.h"
#include "statedir.h"

#define NSEC 1000000000ULL
#define LIM_MIN_INTERVAL 5.0      /* LIM reads one record per 5 s poll */
#define FIRST_RECORD_NS (NSEC)    /* first record about a second after start */
#define ONCE_WINDOW_NS (NSEC / 2)
#define SAMPLE_BUDGET_NS (NSEC)   /* at most this late (or half an interval) */
#define STUCK_MIN_NS (30 * NSEC)  /* give up on a stuck source after this... */
#define STUCK_INTERVALS 3         /* ...or this many intervals, if longer */

/* ------------------------------------------------------------ exit status */

/* ELIM_ABORT_VALUE (IBM LSF: "do not restart me") when LIM sets it, else 1. */
static int abort_status(void)
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

/* For a bad command line: it will not mend itself under LIM either. */
static int usage_status(const struct elim *e)
{
	if (e->opt.check_config)
		return 1;        /* --check-config is for people */
	return getenv("ELIM_ABORT_VALUE") ? abort_status() : 2;
}

/* For a bad configuration or model at start. */
static int config_status(const struct elim *e)
{
	return e->opt.check_config ? 1 : abort_status();
}

static enum elim_step finish(struct elim *e, int status)
{
	e->status = status;
	return ELIM_EXIT;
}

/* ------------------------------------------------------------ messages */

/* Did LIM start us?  (It sets LSF_RESOURCES; IBM LSF also ELIM_ABORT_VALUE.) */
static bool started_by_lim(void)
{
	return getenv("LSF_RESOURCES") || getenv("ELIM_ABORT_VALUE");
}

/* Where messages go for these options (see elim.h). */
static enum log_to log_to_for(const struct elim_options *o)
{
	if (o->foreground || o->explain || o->check_config)
		return LOG_TO_STDERR;
	if (o->once || (isatty(STDERR_FILENO) && !started_by_lim()))
		return LOG_TO_BOTH;
	return LOG_TO_SYSLOG;
}

static void open_log(struct elim *e)
{
	const struct elim_options *o = &e->opt;
	e->log_to = log_to_for(o);
	e->facility = log_facility_from_name(o->facility);
	/* --explain is for a person reading stdout, --check-config's report
	 * too: only problems on stderr */
	int max_level = o->verbose ? LOG_DEBUG : o->explain || o->check_config ? LOG_WARNING : LOG_INFO;
	log_open("elim.rank", e->log_to, max_level, e->facility);
}

/* A problem with the command line or the configuration at start: logged,
 * and on stderr whatever the log's destination. */
static void refuse(const struct elim *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(const struct elim *e, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (e->log_to == LOG_TO_SYSLOG)
		fprintf(stderr, "elim.rank: %s\n", msg);
	log_msg(LOG_ERR, "%s", msg);
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
		log_msg(LOG_ERR, "%s; using %s (id %s)",
			model_problem(buf, sizeof buf, w->tried, err),
			w->from_file ? w->path : "the embedded model", w->current.id);
}

/* ------------------------------------------------------------ setup */

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

/* Apply the interval rules of LIM to o. */
static void lim_interval(struct elim_options *o, bool under_lim)
{
	if (under_lim && o->interval < LIM_MIN_INTERVAL) {
		log_msg(LOG_NOTICE, "interval %.3g s raised to %.0f s: LIM reads one record per 5 s",
			o->interval, LIM_MIN_INTERVAL);
		o->interval = LIM_MIN_INTERVAL;
	}
}

/* The model files this host reads (model_source.h) into e->msrc, kept as
 * they were when the settings do not give any: returns 0 or -1 (err). */
static int model_source_from(struct elim *e, const struct elim_options *o, char *err,
			     size_t errlen)
{
	static struct model_source fresh;
	const char *host = o->lsf_host_name ? o->lsf_host_name : e->host;
	if (model_source_resolve(&fresh, o->model_path, o->model_dir, o->group_map, host, err,
				 errlen) < 0)
		return -1;
	e->msrc = fresh;
	for (size_t i = 0; i < e->msrc.n; i++)
		e->msrc.list[i] = e->msrc.paths[i];
	return 0;
}

/* "PATH (id ID)" or "embedded default (no PATH)": the model in use. */
static const char *model_in_use(const struct elim *e, char *buf, size_t len)
{
	if (e->mw.from_file)
		snprintf(buf, len, "%s (id %s)", e->mw.path, e->mw.current.id);
	else if (e->msrc.n == 1)
		snprintf(buf, len, "embedded default (no %s)", e->msrc.paths[0]);
	else
		snprintf(buf, len, "embedded default (id %s; none of %s ... %s)", e->mw.current.id,
			 e->msrc.paths[0], e->msrc.paths[e->msrc.n - 1]);
	return buf;
}

/* The options: a bad command line or file ends it here, on stderr. */
static enum elim_step setup_options(struct elim *e, int argc, char **argv)
{
	char err[1024];
	int rc = options_load(argc, argv, &e->opt, err, sizeof err);
	if (rc == OPTIONS_EUSAGE) {
		fprintf(stderr, "elim.rank: %s\n", err);
		options_usage(stderr);
		options_free(&e->opt);   /* whatever was parsed: not --check-config */
		return finish(e, usage_status(e));
	}
	if (rc == OPTIONS_ECONFIG) {
		/* the command line alone says where to log it */
		options_free(&e->opt);
		if (options_parse(argc, argv, &e->opt, NULL, 0) == 0) {
			open_log(e);
		} else {
			options_free(&e->opt);
			e->log_to = LOG_TO_STDERR;
			log_open("elim.rank", e->log_to, LOG_INFO, LOG_DAEMON);
		}
		refuse(e, "configuration: %s; exiting", err);
		return finish(e, config_status(e));
	}
	if (e->opt.help) {
		options_usage(stdout);
		return finish(e, 0);
	}
	if (e->opt.version) {
		printf("elim.rank (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return finish(e, 0);
	}
	open_log(e);
	if (e->opt.config_used[0])
		log_msg(LOG_DEBUG, "configuration: %s", e->opt.config_used);
	if (e->opt.check_config)
		options_print(stdout, &e->opt);
	return ELIM_GO_ON;
}

/* Nice value and capabilities, before any thread exists (caps.h), so
 * that every thread and child inherits them; as the running elim reads
 * its files, --check-config reads them without what it gives up. */
static void setup_privileges(struct elim *e)
{
	/* LIM may run at nice -20: our work is not that urgent */
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && prio < 0)
		setpriority(PRIO_PROCESS, 0, 0);
	/* kept: what the probe needs, and CAP_NET_RAW until the capture
	 * sockets are open */
	e->keep_caps = probe_caps_needed(&e->opt.probe);
	e->net_raw_kept = e->traffic.n_classes && e->traffic.interface;
	int rc = caps_drop_process(e->keep_caps | (e->net_raw_kept ? CAPS_BIT(CAP_NET_RAW) : 0));
	if (rc < 0)
		log_msg(LOG_WARNING, "capabilities: not every step of the drop worked: %s",
			strerror(-rc));
}

/* The model, through the watch that the ticks use: the traffic classes'
 * features bound, refused as root when the trust policy refuses it. */
static enum elim_step setup_model(struct elim *e)
{
	const struct elim_options *o = &e->opt;
	char buf[PATH_MAX + 300];
	struct model_error merr;

	if (model_source_from(e, o, buf, sizeof buf) < 0) {
		refuse(e, "%s", buf);
		return finish(e, config_status(e));
	}
	if (o->model_path && access(o->model_path, R_OK) < 0) {
		log_msg(LOG_ERR, "model: %s: %s", o->model_path, strerror(errno));
		return finish(e, config_status(e));
	}
	enum model_watch_result mr = model_watch_init(&e->mw, e->msrc.list, e->msrc.n, &e->schema,
							      &e->trust, &merr);
	if (mr == MODEL_REJECTED && (o->model_path || o->check_config)) {
		/* the default path is optional: the running elim keeps the
		 * embedded model, but a check says what it would complain of */
		log_msg(LOG_ERR, "%s", model_problem(buf, sizeof buf, e->mw.tried, &merr));
		return finish(e, config_status(e));
	}
	if (o->model_dir)
		log_msg(LOG_INFO, "model: %s", e->msrc.why);
	log_model(mr, &e->mw, &merr);
	if (!e->mw.from_file)
		log_msg(LOG_INFO, "model: using the embedded default model (id %s)",
			e->mw.current.id);
	if (o->check_config) {
		if (o->model_dir)
			printf("# model source: %s\n", e->msrc.why);
		printf("# model: %s\n", model_in_use(e, buf, sizeof buf));
	}
	return ELIM_GO_ON;
}

/* What the host is (scope.h): decided once, said at start, by
 * --check-config and by --explain. */
static enum elim_step setup_scope(struct elim *e)
{
	char err[PATH_MAX + 200];
	const struct elim_options *o = &e->opt;
	if (scope_resolve(&e->scope, o->scope, o->procfs, o->sysfs, err, sizeof err) < 0) {
		log_msg(LOG_ERR, "%s", err);
		return finish(e, config_status(e));
	}
	log_msg(LOG_INFO, "scope: %s", e->scope.why);
	if (o->check_config)
		printf("# scope: %s\n", e->scope.why);
	return ELIM_GO_ON;
}

/* A history in RAM (a stateless node's tmpfs /var) with a cap that may take
 * more than STATELESS_RAM_SHARE of the memory: said at start and by
 * --check-config (stateless.h). */
static void check_history_in_ram(const struct elim *e)
{
	const struct elim_options *o = &e->opt;
	if (o->no_history || (!e->report && !o->check_config))
		return;
	char dir[PATH_MAX];
	if (o->history_path)
		statedir_dirname(o->history_path, dir, sizeof dir);
	else
		snprintf(dir, sizeof dir, "%s", o->state_dir);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	uint64_t ram = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
	const char *fs = "";
	double share = 0;
	if (stateless_ram_check(dir, o->history_max_mb, ram, &fs, &share) == 1)
		log_msg(LOG_WARNING, "history: %s is in RAM (%s): --history-max-mb %g may take %.1f %%"
			" of this host's memory (more than %.0f %%); on a stateless node use"
			" --history-max-mb %.0f or less, or --no-history (elim.rank(8), STATELESS NODES)",
			dir, fs, o->history_max_mb, 100 * share, 100 * STATELESS_RAM_SHARE,
			floor(STATELESS_RAM_SHARE * (double)ram / 1048576.0));
}

/* The rank basis and the sources of the speed factor (host_speed.h),
 * said once: what the first record will use. */
static enum elim_step setup_speed(struct elim *e)
{
	const struct elim_options *o = &e->opt;
	char err[1024];
	struct host_speed_config c = {
		.basis = o->rank_basis, .settings = o->host_speed.v, .n_settings = o->host_speed.n,
		.reference_model = o->speed_reference_model, .speed_reference = o->speed_reference,
		.envdir = o->lsf_envdir ? o->lsf_envdir : getenv("LSF_ENVDIR"),
		.host = o->lsf_host_name ? o->lsf_host_name : e->host,
	};
	if (host_speed_init(&e->speed, &c, err, sizeof err) < 0) {
		refuse(e, "%s", err);
		return finish(e, config_status(e));
	}
	if (e->speed.basis == RANK_BASIS_CLUSTER && e->speed.lsf_bad_file)
		log_msg(LOG_WARNING, "speed: %s; LSF's CPU factors not used", e->speed.lsf_from);
	double v[FEAT_VECTOR_LEN];
	for (int i = 0; i < FEAT_VECTOR_LEN; i++)
		v[i] = NAN;
	host_speed_fill(&e->speed, &e->mw.current, v);
	char buf[3 * PATH_MAX];
	host_speed_describe(&e->speed, &e->mw.current, v, buf, sizeof buf);
	/* a cluster basis without a factor is worth a person's notice */
	log_msg(e->speed.last == SPEED_FROM_NONE ? LOG_NOTICE : LOG_INFO, "%s", buf);
	if (o->check_config)
		printf("# %s\n", buf);
	return ELIM_GO_ON;
}

/* Where the instance's lock is, and so where --explain's answer goes: the
 * history's directory (the state directory unless --history says else). */
static void answer_dir(char *buf, size_t len, const struct elim_options *o)
{
	if (o->history_path)
		statedir_dirname(o->history_path, buf, len);
	else
		snprintf(buf, len, "%s", o->state_dir);
}

/* --explain without --once or --count: the running instance's latest
 * explanation (explain_ask.h); exit 3 when none runs. */
static enum elim_step ask_running(struct elim *e)
{
	char err[1024], dir[PATH_MAX];
	double wait = 3 * e->opt.interval + 10;
	answer_dir(dir, sizeof dir, &e->opt);
	int rc = explain_ask(dir, e->opt.json, wait, stdout, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "elim.rank: %s\n", err);
		return finish(e, rc == -ESRCH ? 3 : 1);
	}
	return finish(e, 0);
}

enum elim_step elim_setup(struct elim *e, int argc, char **argv)
{
	char err[1024];

	memset(e, 0, sizeof *e);
	e->last_rank = NAN;
	if (setup_options(e, argc, argv) == ELIM_EXIT)
		return ELIM_EXIT;
	struct elim_options *o = &e->opt;
	if (o->json && !o->explain) {
		refuse(e, "--json goes with --explain");
		return finish(e, usage_status(e));
	}
	if (o->explain && !o->once && !o->count && !o->check_config)
		return ask_running(e);

	/* the feature schema: the static features and the traffic classes'
	 * (restart-only settings), bound once for every mode */
	feature_schema_init(&e->schema);
	if (traffic_config_build(&e->traffic, &e->schema, o->pcap_interface, o->pcap_class.v,
				 o->pcap_class.n, err, sizeof err) < 0) {
		refuse(e, "%s", err);
		return finish(e, usage_status(e));
	}
	setup_privileges(e);
	if (o->config_used[0] && access(o->config_used, R_OK) < 0) {
		bool check = o->check_config;
		log_msg(check ? LOG_ERR : LOG_WARNING, "configuration %s: %s (a reload on SIGHUP would fail)",
			o->config_used, strerror(errno));
		if (check)
			e->status = 1;   /* reported at the end: the model is checked too */
	}

	e->lim_resources = getenv("LSF_RESOURCES");
	e->report = true;
	if (e->lim_resources && !lim_wants_rank(e->lim_resources)) {
		/* LIM does not want our index here: measure nothing (IBM LSF says
		 * "do not start me again" with ELIM_ABORT_VALUE) */
		e->report = false;
		if (getenv("ELIM_ABORT_VALUE") && !o->check_config) {
			log_msg(LOG_WARNING, "LSF_RESOURCES ('%s') does not include rank: exiting with"
				" ELIM_ABORT_VALUE so that LIM does not start elim.rank again (declare"
				" rank in lsf.shared for this host)", e->lim_resources);
			return finish(e, abort_status());
		}
		log_msg(LOG_WARNING, "LSF_RESOURCES ('%s') does not include rank: idle, no sampling,"
			" probing or history (declare rank in lsf.shared for this host)",
			e->lim_resources);
	}
	lim_interval(o, e->lim_resources != NULL);

	/* who may own the model file (lib/trust.h): enforced when run as root */
	trust_init(&e->trust, getenv("LSF_ENVDIR"));
	if (o->trusted_users && trust_add_users(&e->trust, o->trusted_users, err, sizeof err) < 0) {
		refuse(e, "--trusted-users: %s", err);
		return finish(e, usage_status(e));
	}
	if (gethostname(e->host, sizeof e->host) < 0)
		snprintf(e->host, sizeof e->host, "unknown");
	e->host[sizeof e->host - 1] = '\0';
	if (setup_model(e) == ELIM_EXIT)
		return ELIM_EXIT;

	if (setup_scope(e) == ELIM_EXIT)
		return ELIM_EXIT;

	/* the probe's user, command and cgroup (it starts nothing yet); an
	 * idle elim (LIM does not want rank here) runs none */
	if (e->report || o->check_config) {
		if (probe_init(&e->probe, &o->probe, err, sizeof err) < 0) {
			refuse(e, "%s", err);
			return finish(e, config_status(e));
		}
		e->probe_ready = true;
		const struct probe_cgroup *pc = &e->probe.place;
		if (pc->on && pc->leaf) {
			log_msg(LOG_INFO, "probe: cgroup auto: %s", pc->found);
			if (o->check_config)
				printf("# probe cgroup: auto: %s\n", pc->found);
		}
	}

	check_history_in_ram(e);
	if (setup_speed(e) == ELIM_EXIT)
		return ELIM_EXIT;
	if (o->textfile_dir && access(o->textfile_dir, W_OK) < 0) {
		log_msg(o->check_config ? LOG_ERR : LOG_WARNING, "textfile-dir %s: %s",
			o->textfile_dir, strerror(errno));
		if (o->check_config)
			e->status = 1;
	}
	if (o->check_config)
		return finish(e, e->status);   /* checked: report, do not run */
	return ELIM_GO_ON;
}

/* ------------------------------------------------------------ start */

static void recorder_config_from(struct recorder_config *c, const struct elim *e)
{
	const struct elim_options *o = &e->opt;
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
	c->schema = &e->schema;
}

static bool wants_history(const struct elim_options *o)
{
	return !o->no_history && !o->explain;
}

/* Start the history's thread; false (said) when it cannot start. */
static bool start_history(struct elim *e)
{
	struct recorder_config rcfg;
	recorder_config_from(&rcfg, e);
	int rc = recorder_start(&e->rec, &rcfg, e->host);
	if (rc < 0)
		log_msg(LOG_ERR, "history: cannot start its thread: %s; ranks go on without history",
			strerror(-rc));
	return rc == 0;
}

/* The sampling thread's work (tick_worker.h). */
static void sample_all(void *arg, uint64_t now, double *values)
{
	struct elim_sampling_job *job = arg;
	struct sampling *sp = job->sp;
	sampling_tick(sp, now, values);
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

/* The samplers: they keep the first configuration's roots for life. */
static void start_samplers(struct elim *e)
{
	const struct elim_options *o = &e->opt;
	struct sampling *sp = &e->sp;
	/* copies: a reload rewrites the options while the samplers read these */
	e->net_include = o->net_include;
	e->net_exclude = o->net_exclude;
	e->env = (struct sampler_env){
		.procfs = o->procfs, .sysfs = o->sysfs,
		.net_include = e->net_include.n ? e->net_include.v : NULL,
		.net_exclude = e->net_exclude.n ? e->net_exclude.v : NULL,
		.traffic = &e->traffic,
		.interval = o->interval,
		.scope = &e->scope,
	};
	sampling_init(sp, &e->env);
	e->sampling_on = true;
	for (size_t i = 0; i < sp->n; i++)
		if (sp->init_rc[i] < 0)
			log_msg(sp->init_rc[i] == -ENOENT ? LOG_INFO : LOG_WARNING,
				"sampler %s: off: %s (its features are unknown)",
				sp->s[i]->name, sp->msg[i][0] ? sp->msg[i] : strerror(-sp->init_rc[i]));
		else if (sp->msg[i][0])
			log_msg(LOG_WARNING, "sampler %s: %s", sp->s[i]->name, sp->msg[i]);
	if (e->net_raw_kept) {   /* the capture sockets are open */
		int rc = caps_limit_thread(e->keep_caps);
		if (rc < 0)
			log_msg(LOG_WARNING, "capabilities: cannot give up CAP_NET_RAW: %s",
				strerror(-rc));
		e->net_raw_kept = false;
	}
	if (geteuid() == 0 && caps_procfs_hides_pids(o->procfs))
		log_msg(LOG_WARNING, "%s is mounted with hidepid and a gid= the elim is not in:"
			" without CAP_SYS_PTRACE it does not see other users' processes, so"
			" cpu_groups_per_core counts too few; mount it with gid=0 or without gid=",
			o->procfs);
	if (geteuid() == 0) {
		char kept[256];
		caps_names(caps_effective(), kept, sizeof kept);
		log_msg(LOG_INFO, "capabilities: keeping %s", kept);
	}
}

/* The Prometheus textfile, when configured: said once when it cannot be. */
static void start_textfile(struct elim *e)
{
	const char *dir = e->opt.textfile_dir;
	if (dir == NULL || !*dir)
		return;
	if (textfile_init(&e->tf, dir) < 0) {
		log_msg(LOG_ERR, "textfile: %s: name too long; no textfile", dir);
		return;
	}
	e->textfile_on = true;   /* a directory that is not writable: said in the setup, and
				  * by the tick's complaint until it is */
}

/*
 * --once: one probe before the sampling window (after the calibration,
 * when STATE/probe.baseline has none), so that the record scores with a
 * probe result as a running instance's do; the result updates the same
 * baseline file.  Waits for it (at most twice the probe timeout); a failed
 * probe leaves the probe's features unknown.
 */
static void once_probe(struct elim *e)
{
	struct probe *p = &e->probe;
	if (!e->probe_ready || !p->cfg.enabled)
		return;
	int rc = statedir_make(e->opt.state_dir);   /* where probe.baseline lives */
	if (rc < 0)
		log_msg(LOG_WARNING, "probe: cannot create %s: %s", e->opt.state_dir, strerror(-rc));
	unsigned long failures = p->failures;
	uint64_t deadline = clock_now_ns() + (uint64_t)(2 * p->cfg.timeout * 1e9) + NSEC;
	struct timespec poll = { 0, 5 * 1000 * 1000 };
	for (;;) {
		uint64_t now = clock_now_ns();
		probe_run(p, now);   /* collects one that ended, starts one that is due */
		if (isfinite(p->fresh.slowdown) || p->failures != failures)
			break;
		if (now > deadline) {
			log_msg(LOG_WARNING, "probe: no result within %.0f s: scoring without one",
				2 * p->cfg.timeout + 1);
			break;
		}
		nanosleep(&poll, NULL);
	}
}

/*
 * --once's record: the probe ran just before its window, so the result
 * that arrives in it is the one in use (probe_slowdown, its age), and the
 * record is its own reference for the moves since the probe (all 0), as a
 * running instance's record right after a probe would be.
 */
static void once_use_probe(struct elim *e, uint64_t t)
{
	double *v = e->features;
	if (!isfinite(v[FEAT_probe_result]))
		return;
	v[FEAT_probe_slowdown] = v[FEAT_probe_result];
	v[FEAT_probe_age] = t >= e->probe.last_ns ? (double)(t - e->probe.last_ns) / 1e9 : 0;
	since_probe_fill(&e->since, v);   /* again: moves against this record */
}

enum elim_step elim_start(struct elim *e)
{
	const struct elim_options *o = &e->opt;

	e->interval_ns = (uint64_t)llround(o->interval * 1e9);
	if (!e->report) {
		/* LIM does not want rank here: no history, samplers or probe */
		e->first_ns = e->next_ns = clock_now_ns() + e->interval_ns;
		return ELIM_GO_ON;
	}
	e->use_history = wants_history(o) && start_history(e);
	start_textfile(e);
	start_samplers(e);
	/* sampling runs in a thread of its own, so a slow source cannot stop
	 * the records: see tick_worker.h */
	e->job.sp = &e->sp;
	if (tick_worker_start(&e->tw, sample_all, &e->job) < 0) {
		log_msg(LOG_ERR, "cannot start the sampling thread: exiting");
		return finish(e, 1);
	}
	e->worker_on = true;

	since_probe_init(&e->since);
	probe_trigger_init(&e->trigger, &o->probe_trigger);
	probe_hold_init(&e->hold);
	e->have_levels_at_result = false;   /* no result yet: the period's probes come first */
	if (o->once)
		once_probe(e);
	uint64_t start = clock_now_ns();
	uint64_t window = o->once ? ONCE_WINDOW_NS : FIRST_RECORD_NS;
	e->first_ns = start + (e->interval_ns < window ? e->interval_ns : window);
	/* the counters' first values: nothing is due before the first record */
	tick_worker_sample(&e->tw, start, e->first_ns, e->features);
	e->next_ns = e->first_ns;
	log_msg(LOG_INFO, "started: interval %.3g s, host %s", o->interval, e->host);
	return ELIM_GO_ON;
}

/* ------------------------------------------------------------ the tick */

/* Sample at t within the budget.  1: fresh values in features; 0: late
 * (report the last rank); -1: a source has been stuck too long. */
static int tick_sample(struct elim *e, uint64_t t)
{
	uint64_t budget = e->interval_ns / 2 < SAMPLE_BUDGET_NS ? e->interval_ns / 2 : SAMPLE_BUDGET_NS;
	int src = tick_worker_sample(&e->tw, t, t + budget, e->features);
	if (src == 0) {
		complaint_clear(&e->late, "sampling: on time again");
		return 1;
	}
	uint64_t stuck = tick_worker_stuck_ns(&e->tw, clock_now_ns());
	uint64_t limit = STUCK_INTERVALS * e->interval_ns > STUCK_MIN_NS ?
		STUCK_INTERVALS * e->interval_ns : STUCK_MIN_NS;
	if (stuck > limit) {
		/* better no rank than a stale one: while we are down LIM
		 * shows "-", and INCREASING Y puts this host last */
		log_msg(LOG_ERR, "sampling: a source has been stuck for %.0f s: exiting",
			(double)stuck / 1e9);
		return -1;
	}
	complain(&e->late, LOG_WARNING, "sampling: a source is slow (%s): reporting the"
		 " last rank until it is back", src == -EBUSY ? "still reading" : "over budget");
	return 0;
}

/* What --explain says before its account (explain.h): the scope (scope.h),
 * the model file, where model-dir found it, the cgroup the last probe ran
 * in, and the rank basis ("basis cluster: speed factor 2 from ..."). */
static void explain_notes_of(const struct elim *e, struct explain_notes *n)
{
	char d[3 * PATH_MAX], m[2 * PATH_MAX];
	n->n = 0;
	explain_note(n, "scope", true, "%s", e->scope.why);
	explain_note(n, "model", true, "%s", model_in_use(e, m, sizeof m));
	if (e->opt.model_dir)
		explain_note(n, "model source", true, "%s", e->msrc.why);
	if (e->probe.place.running[0])
		explain_note(n, "probe cgroup", true, "the last probe ran in %s",
			     e->probe.place.running);
	host_speed_describe(&e->speed, &e->mw.current, e->features, d, sizeof d);
	explain_note(n, "basis", false, "%s", d + strlen("rank basis "));
}

/* The record for LIM, or --explain's account.  *emitted: it counts
 * for --count (every tick does when not reporting). */
static enum elim_step tick_emit(struct elim *e, bool fresh, double rank, bool *emitted)
{
	*emitted = !e->report;
	if (e->opt.explain) {
		*emitted = fresh;
		if (fresh) {
			struct explain_notes notes;
			explain_notes_of(e, &notes);
			if (e->opt.json)
				explain_write_json(stdout, &e->mw.current, &e->schema, e->features,
						   &notes);
			else
				explain_write(stdout, &e->mw.current, &e->schema, e->features, &notes);
			fflush(stdout);
		}
		return ELIM_GO_ON;
	}
	if (!e->report || !isfinite(rank))
		return ELIM_GO_ON;
	*emitted = true;
	char buf[RECORD_MAX];
	int len = record_format(buf, sizeof buf, "rank", rank);
	int rc = len < 0 ? len : record_write(STDOUT_FILENO, buf, (size_t)len);
	if (rc == -EPIPE) {
		log_msg(LOG_INFO, "stdout closed: LIM is gone, exiting");
		return finish(e, 0);
	} else if (rc == -EAGAIN) {
		complain(&e->behind, LOG_INFO,
			 "LIM has not read the previous record: skipping records until it does");
	} else if (rc < 0) {
		log_msg(LOG_ERR, "writing to LIM: %s, exiting", strerror(-rc));
		return finish(e, 1);
	} else {
		complaint_clear(&e->behind, "LIM reads records again");
	}
	return ELIM_GO_ON;
}

/*
 * Derive what the samplers cannot give: the probe's features and the moves
 * since its result.  The model's levels form (the model as if there were
 * no probe, since_probe.h) says what the load alone predicts: a result far
 * from it is checked by another probe before it is used, and when it has
 * moved far from its value where the result in use arrived, and stays so,
 * a probe runs before the period is up (probe_trigger.h).
 */
static void tick_derive(struct elim *e, uint64_t t)
{
	double *v = e->features;
	probe_features(&e->probe, t, v);
	struct since_probe before = e->since;
	since_probe_fill(&e->since, v);
	double levels[FEAT_VECTOR_LEN];
	since_probe_levels(v, levels, FEAT_VECTOR_LEN);
	const struct model *m = &e->mw.current;
	double expect = model_score(m, levels, NULL, NULL);
	if (isfinite(v[FEAT_probe_result])) {
		/* a check probe counts against the same hourly budget */
		if (probe_disagrees(v[FEAT_probe_result], expect) && !e->probe.is_check &&
		    probe_trigger_take(&e->trigger, t) && probe_doubt(&e->probe, t)) {
			e->since = before;   /* the moves stay measured from the result in use */
			log_msg(LOG_DEBUG, "probe: result %.2f far from the levels' %.2f: checking it",
				v[FEAT_probe_result], expect);
		} else {
			/* where the result in use arrived, scored with the model of
			 * the moment (a reload changes what it predicts) */
			memcpy(e->levels_at_result, levels, sizeof levels);
			e->have_levels_at_result = true;
		}
	}
	if (e->probe.pid != 0 || !e->have_levels_at_result || e->hold.held)
		return;   /* a probe running already, none in use yet, or held */
	double then = model_score(m, e->levels_at_result, NULL, NULL);
	double moved = fabs(expect - then) / PROBE_TRIGGER_SLOWDOWN;
	if (probe_trigger_record(&e->trigger, moved, t, e->probe.started_ns))
		probe_request(&e->probe, t);   /* the load moved and stayed moved */
}

/*
 * The probe's hold (probe_hold.h): one stat(2) of --probe-hold-file, only
 * while the probe runs and the file is set.  Its counts are features, so
 * --explain shows them and the history keeps them (unknown without a file).
 */
static bool tick_hold(struct elim *e, uint64_t t)
{
	if (!e->probe.cfg.enabled)
		return false;
	struct timespec w;
	clock_gettime(CLOCK_REALTIME, &w);
	return probe_hold_check(&e->hold, &e->opt.probe_hold, t,
				(int64_t)w.tv_sec * (int64_t)NSEC + w.tv_nsec);
}

static void hold_features(const struct elim *e, double *v)
{
	probe_hold_features(&e->hold, e->probe.cfg.enabled && e->opt.probe_hold.path != NULL, v);
}

/* Run the probe (after the record), unless held: then a due probe waits. */
static void tick_probe(struct elim *e, bool held)
{
	uint64_t now = clock_now_ns();
	struct probe *p = &e->probe;
	if (!held)
		probe_run(p, now);
	else if (p->cfg.enabled && p->pid == 0 && now >= p->next_ns)
		probe_hold_skip(&e->hold, now, p->cfg.interval);
}

/* The speed factor's source changed (a model with a speed line, the
 * probe's first calibration): say so, once per change. */
static void tick_speed_changed(const struct elim *e)
{
	char buf[3 * PATH_MAX];
	log_msg(LOG_NOTICE, "%s", host_speed_describe(&e->speed, &e->mw.current, e->features, buf,
						      sizeof buf));
}

/* The textfile's values this tick (textfile.h). */
static void textfile_values_from(struct textfile_values *v, struct elim *e, uint64_t now_ns)
{
	const struct probe *p = &e->probe;
	const struct model *m = &e->mw.current;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	*v = (struct textfile_values){
		.rank = e->last_rank,
		.slowdown = model_score(m, e->features, NULL, NULL),
		.features = e->features,
		.schema = &e->schema,
		.model = m,
		.model_source = e->mw.from_file ? e->mw.path : "embedded",
		.probe_seconds = p->ntimes > 0 ? p->times[p->ntimes - 1] : NAN,
		.probe_baseline_seconds = probe_baseline(p->times, p->ntimes),
		.probe_age_seconds = isfinite(p->last.slowdown) && now_ns >= p->last_ns ?
			(double)(now_ns - p->last_ns) / 1e9 : NAN,
		.probe_runs = p->runs,
		.probe_failures = p->failures,
		.history_lag_seconds = e->use_history ?
			recorder_lag_s(&e->rec, (double)now_ns / 1e9) : NAN,
		.now = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9,
		.version = PACKAGE_VERSION,
	};
}

/* After the record and the history row: what others read (the textfile)
 * and what someone asked for (the explanation).  Never stops the elim. */
static void tick_observers(struct elim *e, bool fresh)
{
	char err[1024];
	if (e->textfile_on) {
		struct textfile_values v;
		textfile_values_from(&v, e, clock_now_ns());
		int rc = textfile_write(&e->tf, &v);
		if (rc < 0)
			complain(&e->tf_fail, LOG_WARNING, "textfile: cannot write %s: %s",
				 e->tf.path, strerror(-rc));
		else
			complaint_clear(&e->tf_fail, "textfile: writing %s again", e->tf.path);
	}
	if (e->explain_asked && fresh) {
		e->explain_asked = false;
		char dir[PATH_MAX];
		answer_dir(dir, sizeof dir, &e->opt);
		struct explain_notes notes;
		explain_notes_of(e, &notes);
		int rc = explain_answer(dir, &e->mw.current, &e->schema, e->features, &notes, err,
					sizeof err);
		if (rc < 0)
			complain(&e->answer_fail, LOG_WARNING, "explain: cannot answer: %s", err);
		else
			complaint_clear(&e->answer_fail, "explain: answering again");
	}
}

enum elim_step elim_tick(struct elim *e)
{
	uint64_t t = clock_now_ns();
	if (t < e->next_ns)
		return ELIM_GO_ON;    /* woken early by a signal */
	if (!e->report) {        /* idle: only --count's ticks */
		if (e->opt.count && ++e->ticks >= e->opt.count)
			return finish(e, 0);
		e->next_ns = e->first_ns + ((t - e->first_ns) / e->interval_ns + 1) * e->interval_ns;
		return ELIM_GO_ON;
	}
	struct model_error merr;
	log_model(model_watch_check(&e->mw, false, &merr), &e->mw, &merr);

	int got = tick_sample(e, t);
	if (got < 0)
		return finish(e, 1);
	bool fresh = got > 0;
	bool held = tick_hold(e, t);
	double rank = e->last_rank;
	if (fresh) {
		tick_derive(e, t);
		if (e->opt.once)
			once_use_probe(e, t);
		hold_features(e, e->features);
		if (host_speed_fill(&e->speed, &e->mw.current, e->features) > 0)
			tick_speed_changed(e);
		rank = host_speed_rank(model_rank(model_score(&e->mw.current, e->features, NULL, NULL)),
				       e->features[FEAT_host_speed_factor]);
		e->last_rank = rank;
	}
	bool emitted;
	if (tick_emit(e, fresh, rank, &emitted) == ELIM_EXIT)
		return ELIM_EXIT;
	if (e->use_history && fresh)
		recorder_append(&e->rec, (int64_t)time(NULL), e->features, rank, e->mw.current.id);
	tick_observers(e, fresh);
	tick_probe(e, held);   /* after the record: never delays one */
	if (e->opt.count && emitted && ++e->ticks >= e->opt.count)
		return finish(e, 0);
	/* the next point of the grid after now: no drift, no bursts after a stall */
	uint64_t k = (clock_now_ns() - e->first_ns) / e->interval_ns + 1;
	e->next_ns = e->first_ns + k * e->interval_ns;
	return ELIM_GO_ON;
}

/* ------------------------------------------------------------ reload */

void elim_reload(struct elim *e, int argc, char **argv)
{
	struct elim_options fresh;
	char err[1024], live[1024], restart[1024];
	struct model_error merr;

	int rc = options_load(argc, argv, &fresh, err, sizeof err);
	if (rc == 0) {
		lim_interval(&fresh, e->lim_resources != NULL);
		bool was_verbose = e->opt.verbose;
		rc = options_reload(&e->opt, &fresh, live, sizeof live, restart, sizeof restart);
		if (rc < 0)
			snprintf(err, sizeof err, "%s", strerror(-rc));
		else if (e->opt.verbose != was_verbose)
			open_log(e);
	}
	if (rc < 0) {
		/* a bad file keeps the running configuration */
		log_msg(LOG_ERR, "configuration: %s; keeping the running configuration", err);
		options_free(&fresh);
	} else {
		const struct elim_options *o = &e->opt;
		if (live[0])
			log_msg(LOG_NOTICE, "configuration: reloaded; changed: %s", live);
		else
			log_msg(LOG_INFO, "configuration: reloaded; nothing changed");
		if (restart[0])
			log_msg(LOG_WARNING, "configuration: %s changed: takes effect when"
				" elim.rank restarts; keeping the running values", restart);
		if (e->use_history && wants_history(o)) {
			struct recorder_config rcfg;
			recorder_config_from(&rcfg, e);
			recorder_reconfigure(&e->rec, &rcfg);
		} else if (e->use_history) {
			recorder_stop(&e->rec, 2.0);
			e->use_history = false;
		} else if (wants_history(o) && e->report) {
			e->use_history = start_history(e);
		}
		if (model_source_from(e, o, err, sizeof err) < 0)
			log_msg(LOG_ERR, "configuration: %s; keeping the model files read so far", err);
		else
			model_watch_set_paths(&e->mw, e->msrc.list, e->msrc.n);
		uint64_t ni = (uint64_t)llround(o->interval * 1e9);
		if (ni != e->interval_ns) {
			e->interval_ns = ni;
			e->first_ns = clock_now_ns();   /* a new grid from now */
			e->next_ns = e->first_ns + e->interval_ns;
		}
	}
	log_model(model_watch_check(&e->mw, true, &merr), &e->mw, &merr);
}

/* ------------------------------------------------------------ the end */

void elim_stop(struct elim *e)
{
	bool stuck = false;
	if (e->worker_on) {
		stuck = !tick_worker_stop(&e->tw, NSEC / 2);
		if (stuck)
			log_msg(LOG_WARNING, "sampling: a source is still stuck: leaving it");
		e->worker_on = false;
	}
	if (e->sampling_on && !stuck) {
		sampling_fini(&e->sp);
		e->sampling_on = false;
	}
	if (e->probe_ready) {
		probe_fini(&e->probe);
		e->probe_ready = false;
	}
	if (e->use_history) {
		recorder_stop(&e->rec, 2.0);
		e->use_history = false;
	}
	if (e->textfile_on) {
		textfile_free(&e->tf);   /* the file stays: its timestamp says how old it is */
		e->textfile_on = false;
	}
	log_close();
	/* a stuck sample may still read the roots it was given: leave them */
	if (!stuck)
		options_free(&e->opt);
}

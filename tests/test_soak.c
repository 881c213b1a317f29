/*
 * test_soak: the elim run for many ticks at a very short interval, read as
 * LIM reads it, with history and model reloads on, watching its memory and
 * file descriptors.
 *
 *   tests/test_soak                      the make check variant (TAP):
 *                                        1,500 ticks at 0.01 s
 *   tests/test_soak --ticks N [--interval S] [--reload-every K]
 *                   [--sample-every K] [--flat-from T] [--elim PATH]
 *                   [--elim-arg OPTION]...   (more elim options, one each)
 *                                        the benchmark (bench/soak): prints
 *                                        the figures, exit 1 on a failure
 *
 * Reading as LIM does (docs/design.md, behaviour under LIM): fscanf("%d") for the count, then
 * that many fscanf("%s %s") pairs, newlines meaning nothing.  A record is
 * malformed unless it is exactly "1 rank V" with V a finite number within
 * [10, 10000] written with one decimal.  Every reload-every ticks the model
 * file is replaced (rename, like rank-train does), alternating two models
 * whose ranks differ (150.x and 250.x), and every fifth time SIGHUP is sent
 * as well: the reader counts the switches it sees.  RSS (VmRSS) and the
 * number of open fds are sampled from /proc/PID every sample-every ticks;
 * from tick flat-from on, the lowest fd count of the last quarter of the
 * run must be no higher than the lowest before it and than the count at
 * flat-from (a model reload or a probe holds more for a while), and RSS at the end be at most 384 kB above flat-from's (what
 * fills once: the history's page cache, the configuration reload's buffer,
 * see RSS_SLACK_KB); over the second half of a run of 10,000 ticks or more
 * RSS must end where it was (8 kB of jitter); the maximum and the host's
 * process count are reported beside; RSS is not judged in a sanitizer
 * build.  The history must hold a row for at
 * least 90 % of the ticks (a tick whose sampling is late repeats the last
 * rank without a row).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "testutil.h"

/* RSS may grow after flat-from by at most what fills once and then stays:
 * the history's page cache (PRAGMA cache_size = -256 in lib/history.c: it
 * fills over the first few thousand rows), the configuration reload's
 * 96 kB row buffer (the first SIGHUP comes after flat-from) and SQLite's
 * scratch space; and not at all over the second half of a long run.
 * Both are judged on the last sample, the maximum is reported: the
 * process tables follow the number of processes on the host (a burst of
 * thousands grows them; elim/pidtab.h shrinks them once it has passed),
 * which on a shared machine is not the elim's doing. */
#define RSS_SLACK_KB 384
#ifndef SAN_BUILD
#define SAN_BUILD ""
#endif
#define RSS_JITTER_KB 8
#define SOAK_MAX_EXTRA 16

struct soak_opts {
	long ticks;
	double interval;
	long reload_every;
	long sample_every;
	long flat_from;
	const char *elim;
	bool verbose;
	const char *extra[SOAK_MAX_EXTRA + 1];   /* more elim options, NULL-terminated */
	int nextra;
};

struct soak_result {
	long records, malformed, switches, reloads_done;
	long rss_at_flat, rss_min, rss_max, rss_last;   /* kB, from flat_from on */
	long fd_at_flat, fd_min, fd_max, fd_last;
	long fd_min_early, fd_min_late;   /* lowest before and after 3/4 of the run */
	long rss_first;                                 /* kB at the first sample */
	long rss_at_half, rss_max_half;                 /* second half of the run */
	long procs_first, procs_max;                    /* processes on the host */
	long history_rows;
	int exit_status;
	double seconds;
	char first_bad[128];
};

static const char model_a[] =
	"elim-rank-model 1\nmeta source soak-a\nintercept 1.5\n"
	"term cpu_busy mean 0 scale 1 coef 0.0001 fill 0\n"
	"term hinge(runq_per_core,0.5) mean 0 scale 1 coef 0.0001 fill 0\n";
static const char model_b[] =
	"elim-rank-model 1\nmeta source soak-b\nintercept 2.5\n"
	"term mem_used mean 0 scale 1 coef 0.0001 fill 0\n";

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	long kb = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The number of processes on the host. */
static long proc_count(void)
{
	DIR *d = opendir("/proc");
	if (d == NULL)
		return -1;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return n;
}

static long fd_count(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (d == NULL)
		return -1;
	long n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Write the model to dir/rank.model atomically (a new inode each time). */
static int put_model(const char *dir, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/rank.model.tmp", dir);
	snprintf(path, sizeof path, "%s/rank.model", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	close(fd);
	if (n != (ssize_t)len)
		return -EIO;
	return rename(tmp, path) < 0 ? -errno : 0;
}

/* A record as LIM reads it; returns its rank or NAN if malformed. */
static double read_record(FILE *f, char *bad, size_t badlen, bool *eof)
{
	int count;
	char name[1100], value[1100];
	int rc = fscanf(f, "%d", &count);
	if (rc == EOF) {
		*eof = true;
		return NAN;
	}
	if (rc != 1) {
		snprintf(bad, badlen, "no count");
		int c = fgetc(f);   /* get past the junk */
		*eof = c == EOF;
		return NAN;
	}
	if (count != 1) {
		snprintf(bad, badlen, "count %d", count);
		for (int i = 0; i < count && i < 100; i++)
			if (fscanf(f, "%1023s %1023s", name, value) != 2)
				break;
		return NAN;
	}
	if (fscanf(f, "%1023s %1023s", name, value) != 2) {
		snprintf(bad, badlen, "count 1 but no pair");
		*eof = true;
		return NAN;
	}
	char *end;
	double v = strtod(value, &end);
	const char *dot = strchr(value, '.');
	if (strcmp(name, "rank") != 0 || *end || end == value || !isfinite(v) || v < 10 || v > 10000 ||
	    dot == NULL || strlen(dot) != 2) {
		snprintf(bad, badlen, "'%.40s %.40s'", name, value);
		return NAN;
	}
	return v;
}

static int soak_run(const struct soak_opts *o, struct soak_result *r, const char *dir)
{
	memset(r, 0, sizeof *r);
	r->rss_min = r->fd_min = r->fd_min_early = r->fd_min_late = LONG_MAX;
	r->rss_at_flat = r->fd_at_flat = r->rss_at_half = -1;
	char model[PATH_MAX], hist[PATH_MAX], log[PATH_MAX];
	snprintf(model, sizeof model, "%s/rank.model", dir);
	snprintf(hist, sizeof hist, "%s/history.db", dir);
	snprintf(log, sizeof log, "%s/elim.log", dir);
	if (put_model(dir, model_a) < 0)
		return -1;

	char ticks[32], interval[32];
	snprintf(ticks, sizeof ticks, "%ld", o->ticks);
	snprintf(interval, sizeof interval, "%g", o->interval);
	/* no LSF_RESOURCES: no 5 s minimum interval; the probe is on by
	 * default: its state goes to dir too */
	const char *av[16 + SOAK_MAX_EXTRA] = { "--interval", interval, "--count", ticks,
		"--model", model, "--history", hist, "--state-dir", dir };
	int n = 10;
	for (int i = 0; i < o->nextra; i++)
		av[n++] = o->extra[i];
	av[n] = NULL;
	struct th h;
	struct th_opts ho = { .bin = o->elim, .foreground = true, .err = TH_FILE, .err_file = log,
			      .env = { "LSF_RESOURCES" } };
	th_start(&h, &ho, av);
	pid_t pid = h.pid;
	FILE *f = h.f;
	double t0 = tu_now();
	int which = 0, seen = 0;   /* model in the file; model the ranks show */
	bool eof = false;
	while (!eof) {
		char bad[128] = "";
		double v = read_record(f, bad, sizeof bad, &eof);
		if (eof && isnan(v) && bad[0] == '\0')
			break;
		r->records++;
		if (isnan(v)) {
			r->malformed++;
			if (r->first_bad[0] == '\0')
				snprintf(r->first_bad, sizeof r->first_bad, "record %ld: %s", r->records, bad);
			continue;
		}
		int m = v >= 200 ? 1 : 0;
		if (m != seen) {
			r->switches++;
			seen = m;
		}
		long k = r->records;
		/* not at the last record: the elim is already shutting down then
		 * (threads joined, the history's last rows written) */
		if ((k % o->sample_every == 0 && k < o->ticks) || k == 1) {
			long rss = rss_kb(pid), fds = fd_count(pid), procs = proc_count();
			if (k == 1 || r->rss_first == 0) {
				r->rss_first = rss;
				r->procs_first = procs;
			}
			r->procs_max = procs > r->procs_max ? procs : r->procs_max;
			if (k >= o->flat_from && rss > 0 && fds > 0) {
				if (r->rss_at_flat < 0) {
					r->rss_at_flat = rss;
					r->fd_at_flat = fds;
				}
				r->rss_min = rss < r->rss_min ? rss : r->rss_min;
				r->rss_max = rss > r->rss_max ? rss : r->rss_max;
				r->fd_min = fds < r->fd_min ? fds : r->fd_min;
				long *lo = k < o->ticks * 3 / 4 ? &r->fd_min_early : &r->fd_min_late;
				*lo = fds < *lo ? fds : *lo;
				r->fd_max = fds > r->fd_max ? fds : r->fd_max;
				r->rss_last = rss;
				r->fd_last = fds;
			}
			if (k >= o->ticks / 2 && rss > 0) {
				if (r->rss_at_half < 0)
					r->rss_at_half = rss;
				r->rss_max_half = rss > r->rss_max_half ? rss : r->rss_max_half;
			}
			if (o->verbose && k % (o->sample_every * 100) == 0)
				fprintf(stderr, "soak: tick %ld rss %ld kB fds %ld switches %ld malformed %ld\n",
					k, rss, fds, r->switches, r->malformed);
		}
		if (o->reload_every > 0 && k % o->reload_every == 0) {
			which ^= 1;
			if (put_model(dir, which ? model_b : model_a) == 0)
				r->reloads_done++;
			if ((k / o->reload_every) % 5 == 0)
				th_kill(&h, SIGHUP);
		}
	}
	th_close(&h);
	r->exit_status = th_wait(&h, 600.0);
	r->seconds = tu_now() - t0;
	r->history_rows = th_rows(hist);
	return 0;
}

static void print_result(const struct soak_opts *o, const struct soak_result *r)
{
	printf("# soak: %ld ticks at %g s in %.1f s (%.1f ticks/s), elim exit %d\n", o->ticks,
	       o->interval, r->seconds, (double)o->ticks / r->seconds, r->exit_status);
	printf("# records: %ld, malformed: %ld%s%s\n", r->records, r->malformed,
	       r->first_bad[0] ? ", first: " : "", r->first_bad);
	printf("# model reloads: %ld written, %ld switches seen in the ranks\n", r->reloads_done, r->switches);
	printf("# history rows: %ld; records skipped while LIM had not read the previous: %ld\n",
	       r->history_rows, o->ticks - r->records);
	printf("# RSS kB: %ld at tick 1, %ld at tick %ld, min %ld max %ld last %ld (growth %+ld)\n",
	       r->rss_first, r->rss_at_flat, o->flat_from, r->rss_min, r->rss_max, r->rss_last,
	       r->rss_max - r->rss_at_flat);
	printf("# RSS kB over the second half: %ld at tick %ld, max %ld, last %ld (growth %+ld)\n",
	       r->rss_at_half, o->ticks / 2, r->rss_max_half, r->rss_last, r->rss_last - r->rss_at_half);
	printf("# processes on the host: %ld at tick 1, at most %ld\n", r->procs_first, r->procs_max);
	printf("# open fds: %ld at tick %ld, min %ld max %ld last %ld\n", r->fd_at_flat, o->flat_from,
	       r->fd_min, r->fd_max, r->fd_last);
}

/* 0 when every criterion holds; else prints why and returns 1. */
static int judge(const struct soak_opts *o, const struct soak_result *r)
{
	int bad = 0;
#define NEED(cond, ...) do { if (!(cond)) { printf("# FAILED: " __VA_ARGS__); printf("\n"); bad = 1; } } while (0)
	NEED(r->exit_status == 0, "elim exit status %d", r->exit_status);
	/* a record is skipped while the previous one is still in the pipe
	 * (elim/record.c): rows count ticks, records may be fewer */
	NEED(r->records <= o->ticks && r->records >= o->ticks / 2, "%ld records for %ld ticks",
	     r->records, o->ticks);
	NEED(r->malformed == 0, "%ld malformed records", r->malformed);
	/* a tick whose sampling is over its budget repeats the last rank and
	 * records no row (elim/tick_worker.c): most ticks have one */
	NEED(r->history_rows <= o->ticks && r->history_rows >= o->ticks - o->ticks / 10,
	     "history has %ld rows for %ld ticks", r->history_rows, o->ticks);
	NEED(o->reload_every == 0 || r->switches >= r->reloads_done / 2,
	     "%ld model switches seen for %ld reloads", r->switches, r->reloads_done);
	NEED(r->rss_at_flat > 0, "no RSS sample from tick %ld on", o->flat_from);
	/* a model reload or a probe holds more fds for a while (a sample may
	 * land on one, the last too): a leak is a floor that rises, so the
	 * lowest count of the last quarter must not be above the lowest
	 * before it, nor above the count at flat-from */
	NEED(r->fd_min_late != LONG_MAX && r->fd_min_late <= r->fd_min_early &&
	     r->fd_min_late <= r->fd_at_flat,
	     "open fds: %ld at tick %ld, lowest %ld before 3/4 of the run and %ld after"
	     " (between %ld and %ld, %ld at the end)",
	     r->fd_at_flat, o->flat_from, r->fd_min_early, r->fd_min_late, r->fd_min, r->fd_max,
	     r->fd_last);
	if (SAN_BUILD[0] != '\0') {
		/* ASan keeps freed memory in quarantine: RSS says nothing there */
		printf("# sanitizer build: RSS not judged\n");
		return bad;
	}
	NEED(r->rss_last - r->rss_at_flat <= RSS_SLACK_KB, "RSS grew %ld kB after tick %ld",
	     r->rss_last - r->rss_at_flat, o->flat_from);
	NEED(o->ticks < 10000 || r->rss_last - r->rss_at_half <= RSS_JITTER_KB,
	     "RSS grew %ld kB over the second half", r->rss_last - r->rss_at_half);
	return bad;
}

static struct soak_opts opts = {
	.ticks = 1500, .interval = 0.01, .reload_every = 100, .sample_every = 50, .flat_from = 500,
};

static void soak_short(void **state)
{
	(void)state;
	opts.elim = getenv("ELIM_BIN");
	assert_non_null(opts.elim);
	char *dir = tu_tmpdir();
	struct soak_result r;
	assert_int_equal(soak_run(&opts, &r, dir), 0);
	print_result(&opts, &r);
	if (judge(&opts, &r) != 0) {
		tu_system("tail -n 20 '%s/elim.log' | sed 's/^/# /'", dir);
		fail_msg("soak failed");
	}
	tu_rmtree(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		const struct CMUnitTest tests[] = { cmocka_unit_test(soak_short) };
		return TU_RUN(tests);
	}
	opts.elim = getenv("ELIM_BIN");
	opts.verbose = true;
	opts.flat_from = 1000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			goto usage;
		if (strcmp(a, "--ticks") == 0) opts.ticks = atol(v);
		else if (strcmp(a, "--interval") == 0) opts.interval = atof(v);
		else if (strcmp(a, "--reload-every") == 0) opts.reload_every = atol(v);
		else if (strcmp(a, "--sample-every") == 0) opts.sample_every = atol(v);
		else if (strcmp(a, "--flat-from") == 0) opts.flat_from = atol(v);
		else if (strcmp(a, "--elim") == 0) opts.elim = v;
		else if (strcmp(a, "--elim-arg") == 0 && opts.nextra < SOAK_MAX_EXTRA)
			opts.extra[opts.nextra++] = v;
		else goto usage;
		i++;
	}
	if (opts.elim == NULL || opts.ticks < 1 || opts.sample_every < 1)
		goto usage;
	char *dir = tu_tmpdir();
	struct soak_result r;
	if (soak_run(&opts, &r, dir) < 0)
		return 1;
	print_result(&opts, &r);
	int bad = judge(&opts, &r);
	printf("soak: %s (elim log and history kept in %s)\n", bad ? "FAILED" : "passed", dir);
	return bad;
usage:
	fprintf(stderr, "usage: %s [--ticks N] [--interval S] [--reload-every K] [--sample-every K]"
		" [--flat-from T] [--elim PATH] [--elim-arg OPTION]...\n", argv[0]);
	return 2;
}

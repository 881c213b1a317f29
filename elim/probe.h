/*
 * probe: the elim's self-measured label, a small job timed now and then.
 *
 * Every `interval` seconds the elim forks a child (never a thread) that
 * competes for the machine as a freshly started batch job does: it calls
 * setsid() (its own session, so its own autogroup), optionally moves itself
 * into a cgroup (writes its pid to DIR/cgroup.procs), takes the nice value
 * jobs get (default 0, not LIM's -20), resets the signal mask and
 * dispositions it inherited, and runs the built-in work in two parts, each
 * timed in two halves:
 *  - the speed part: the same work on every host (PROBE_SPEED_UNITS units
 *    of a fixed computation and a fixed walk over a fixed 1 MiB buffer),
 *    never sized by the host, so its idle seconds per unit
 *    (probe_unit_seconds) compare across hosts; about 0.4 s on a 2020s
 *    core, long enough for CPU quotas and scheduling periods to show;
 *  - the contention part: a scattered walk over a buffer at least twice
 *    the last-level cache the probe's CPUs share (llc.h; 32 MiB at least,
 *    PROBE_BUF_MAX at most), allocated and touched before anything is
 *    timed; its number of units is calibrated once to `duration` seconds;
 * optionally a small fsync'd write in the state directory.  The child times
 * itself and writes the times to a pipe.  Instead of the built-in work, an
 * administrator's command can be run: split into argv without a shell,
 * exec'd as a configured unprivileged user by a grandchild that the child
 * times (then only the whole time is known).
 *
 * The contention part's units are calibrated by the first probe ever and
 * then kept fixed; if a calibration made under load turns out too short
 * (after PROBE_RECALIBRATE_AFTER results the part's baseline is under half
 * the duration), it is made again.  Each part's result is its robust time,
 * twice the faster of its halves (a burst shorter than a half, another
 * job starting, slows one half only; a lasting load slows both), over this
 * host's idle baseline of that time: a low percentile of the last
 * PROBE_WINDOW probes, kept with the calibration and PROBE_WORK_VERSION in
 * STATE/probe.baseline (written atomically) so it survives restarts; a file
 * made with other work is not used (logged once, calibrated again).
 * probe_slowdown is both parts' robust times over both baselines.
 *
 * The elim never waits for a probe: probe_features and probe_run only poll
 * (non-blocking read, waitpid WNOHANG); a probe past its timeout is killed
 * with its whole process group.  Nothing here allocates after probe_init.
 * Problems are logged through complaints (once, and again when they clear).
 */
#ifndef ELIM_RANK_PROBE_H
#define ELIM_RANK_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "probe_cgroup.h"

#define PROBE_WINDOW 288            /* baseline: the last day at 300 s */
#define PROBE_PERCENTILE 0.10
#define PROBE_RECALIBRATE_AFTER 12  /* results before the baseline is trusted */
#define PROBE_MAX_ARGS 64
#define PROBE_MAX_GROUPS 64
#define PROBE_BUF_MAX (256u << 20)  /* the contention walk's buffer, at most */
#define PROBE_BUF_MIN (32u << 20)   /* ... and at least */
#define PROBE_WORK_VERSION 2        /* of the built-in work: a new one, a new baseline */
#define PROBE_SPEED_UNITS 768       /* the speed part: units, the same on every host */
#define PROBE_SPEED_BYTES (1u << 20) /* the speed part's buffer, the same on every host */

struct probe_config {
	bool enabled;
	double interval;        /* seconds between probe starts */
	double duration;        /* target seconds of built-in work at calibration */
	double timeout;         /* seconds before a probe is killed */
	int nice;               /* nice value of the probe */
	bool write;             /* add a small fsync'd write in the state dir */
	const char *cgroup;     /* "auto", a cgroup directory to join, or NULL (probe_cgroup.h) */
	const char *command;    /* administrator's command line, or NULL */
	const char *user;       /* user to run the command as (required with command) */
	const char *state_dir;  /* where probe.baseline lives */
	const char *sysfs;      /* root of sysfs (NULL: /sys): the cache sizes, and where
				 * --probe-cgroup auto looks for cgroup trees */
	const char *baseline_path; /* probe.baseline elsewhere ("%h": the host name), or NULL */
};

/* One probe's times (s): the whole, and each part's two halves (built-in
 * work only; NAN for a command). */
struct probe_times {
	double whole, cpu1, cpu2, mem1, mem2;
};

/* A probe result as slowdowns over this host's idle baselines (NAN:
 * unknown): the features probe_slowdown, probe_whole_slowdown,
 * probe_cpu_slowdown, probe_mem_slowdown. */
struct probe_reading {
	double slowdown;        /* robust: both parts' robust times over both baselines */
	double whole;           /* the whole wall time over its baseline */
	double cpu, mem;        /* each part's robust time over its own baseline */
};

struct probe_result {
	int ok;                 /* 1: a timing; 0: failed (see status) */
	double seconds;         /* wall time of the work */
	long units;             /* built-in: units of work done */
	int status;             /* command: its wait status */
};

struct probe {
	struct probe_config cfg;
	char state_path[4096];
	size_t buf_bytes;       /* built-in: contention walk size */
	int llc_rc;             /* 0: llc read from sysfs; else -errno (sysconf used) */
	char llc_msg[512];      /* where buf_bytes came from, for the log */
	long units;             /* built-in: contention units per probe; 0 = calibrate next */
	char key[4200];         /* what the baseline was measured with */

	/* the administrator's command, split once at init */
	char cmd_buf[4096];
	char *argv[PROBE_MAX_ARGS + 1];
	uid_t uid;
	gid_t gid;
	gid_t groups[PROBE_MAX_GROUPS];
	int ngroups;

	/* baseline window, oldest first: times[] the whole, halves[] the parts */
	double times[PROBE_WINDOW];
	struct probe_times halves[PROBE_WINDOW];
	int ntimes;
	double unit_seconds;    /* idle seconds per speed unit, NAN until known */

	/* the running probe */
	pid_t pid;              /* 0 if none */
	int fd;                 /* read end of its pipe, -1 if none */
	bool killed;            /* past its timeout: to be reaped, no result */
	bool calibrating;       /* it measures how much work fits in duration */
	uint64_t started_ns;

	uint64_t next_ns;       /* monotonic time of the next start; 0 = at once */

	/* results: the last one in use, and one that just arrived */
	struct probe_reading last;   /* slowdown NAN until the first result */
	uint64_t last_ns;       /* when it arrived */
	struct probe_reading fresh;  /* slowdown NAN unless a result arrived since probe_features */
	uint64_t fresh_ns;
	struct probe_reading before; /* the one in use before the last arrival */
	uint64_t before_ns;
	bool recheck;           /* the next result checks a doubted one */
	bool is_check;          /* the result that arrived last was such a check */

	unsigned long runs, failures, doubted;
	struct complaint fail, save_fail;
	struct probe_cgroup place;     /* where probes run (--probe-cgroup) */
	struct complaint place_fail;
};

/*
 * Set up: resolve the user, split the command, load the baseline file.
 * Starts nothing.  Returns 0, or a negative errno with a message in err
 * (an unknown user, a command that does not split, a bad cgroup directory).
 * A missing or unreadable baseline file is not an error: it is recreated.
 */
int probe_init(struct probe *p, const struct probe_config *cfg, char *err, size_t errlen);

/*
 * The capabilities (a caps.h mask) the elim's main thread must keep for
 * these settings: to start an administrator's command as another user
 * (CAP_SETUID, CAP_SETGID) and kill it and its children on timeout
 * (CAP_KILL: they no longer run as the elim's user), and to give the probe
 * a nice value below 0 or below the elim's own (CAP_SYS_NICE).  0 when the
 * probe is off, or runs built-in work at a nice value no lower than the
 * elim's and not below 0.  Call it after the elim has set its own nice.
 */
uint64_t probe_caps_needed(const struct probe_config *cfg);

/*
 * Collect a finished probe if there is one, then fill the probe features
 * of values[FEAT_VECTOR_LEN] for the record at monotonic time now_ns:
 * probe_slowdown, probe_whole_slowdown, probe_cpu_slowdown,
 * probe_mem_slowdown and probe_age from the result in use, probe_result
 * with a result that arrived since the last call (then it becomes the one
 * in use for the next record), probe_unit_seconds and probe_work_version
 * (built-in work) whenever known.  Never blocks.
 */
void probe_features(struct probe *p, uint64_t now_ns, double *values);

#define PROBE_OVERDUE_MIN 2.0   /* a probe this many idle times late is a reading */

/*
 * A lower bound of the slowdown a probe still running at now_ns shows: its
 * time so far over its idle baseline (the whole work's), when that is at
 * least PROBE_OVERDUE_MIN; NAN when none runs, it is a calibration, it was
 * killed, the baseline is unknown, or it is not late enough to tell.
 * probe_features uses it when it is above the result in use (probe_slowdown
 * and probe_whole_slowdown become it, probe_age 0: under heavy load, or at
 * a nice value that gets little CPU, a probe can take longer than the
 * interval, or never finish, and the result in use, taken before, would
 * say the host is as it was); and a probe killed at its timeout leaves it
 * as its result (probe_result: slowdown and whole only; never in the
 * baseline window; never doubted, as a check is not: probe_doubt).
 */
double probe_overdue(const struct probe *p, uint64_t now_ns);

/* Collect or kill a running probe, and start the next one if it is due.
 * Call after the record is written.  Never blocks. */
void probe_run(struct probe *p, uint64_t now_ns);

/*
 * Ask for a probe at the next probe_run, before the period is up (the load
 * moved: probe_trigger.h); nothing when one is running or the probe is off.
 * The period then counts from that probe.  Never blocks.
 */
void probe_request(struct probe *p, uint64_t now_ns);

#define PROBE_DOUBT_RATIO 1.5   /* a result this many times off the levels' ... */
#define PROBE_DOUBT_MIN 0.25    /* ... and off by this much slowdown is doubted */

/* Does a probe result (a slowdown) disagree with the slowdown the load's
 * levels predict by a wide margin?  False when either is unknown. */
bool probe_disagrees(double result, double levels);

/*
 * The result that arrived in this record (probe_features just put it in
 * use) disagrees too much with what the load's levels say: do not trust it
 * yet.  The one in use before it is restored, and a probe is asked for at
 * the next probe_run to check it; that probe's result is trusted as it is.
 * Returns false (nothing done) when the result was itself such a check.
 */
bool probe_doubt(struct probe *p, uint64_t now_ns);

/* Kill and reap a running probe (blocks for at most the reap of a killed child). */
void probe_fini(struct probe *p);

/*
 * Split a command line into argv without a shell: words separated by
 * blanks; '...' quotes literally, "..." quotes with \" and \\ escapes, a
 * backslash outside quotes escapes the next character.  buf (buflen bytes)
 * holds the words; argv gets at most max words and a NULL.  Returns the
 * number of words, or -EINVAL (unbalanced quote), -E2BIG (too many words
 * or too long).
 */
int probe_split_argv(const char *line, char *buf, size_t buflen, char **argv, int max);

/* The low percentile (PROBE_PERCENTILE) of n times; NAN if n == 0. */
double probe_baseline(const double *times, int n);

/* A part's robust time: twice the faster half (NAN if either is unknown). */
double probe_robust(double half1, double half2);

/* The contention walk's size for a last-level cache of llc bytes (0:
 * unknown): the power of two at least 2 x llc, within [PROBE_BUF_MIN,
 * PROBE_BUF_MAX]. */
size_t probe_walk_bytes(uint64_t llc);

/*
 * The reading of one probe's times t against the window w[0..n) (which
 * holds t already): each part's robust time over the low percentile of that
 * time in w.  For a command (t->cpu1 NAN) only whole and slowdown (=
 * whole) are known.
 */
struct probe_reading probe_read(const struct probe_times *t, const struct probe_times *w, int n);

#endif

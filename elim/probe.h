/*
 * probe: the elim's self-measured label, a small job timed now and then.
 *
 * Every `interval` seconds the elim forks a child (never a thread) that
 * competes for the machine as a freshly started batch job does: it calls
 * setsid() (its own session, so its own autogroup), optionally moves itself
 * into a cgroup (writes its pid to DIR/cgroup.procs), takes the nice value
 * jobs get (default 0, not LIM's -20), resets the signal mask and
 * dispositions it inherited, and runs a fixed amount of work: a CPU loop
 * plus a scattered walk over a buffer larger than a typical last-level
 * cache (capped at 64 MiB, allocated in the child), optionally a small
 * fsync'd write in the state directory.  The child times itself and writes
 * the result to a pipe.  Instead of the built-in work, an administrator's
 * command can be run: split into argv without a shell, exec'd as a
 * configured unprivileged user by a grandchild that the child times.
 *
 * The amount of built-in work is calibrated by the first probe ever (run
 * for `duration` seconds) and then kept fixed; if a calibration made under
 * load turns out too short (after PROBE_RECALIBRATE_AFTER results the
 * baseline is under half the duration), it is made again.  The label is the probe's
 * wall time over this host's idle baseline: a low percentile of the last
 * PROBE_WINDOW probe times, kept with the calibration in STATE/probe.baseline
 * (written atomically) so it survives restarts.
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

#define PROBE_WINDOW 288            /* baseline: the last day at 300 s */
#define PROBE_PERCENTILE 0.10
#define PROBE_RECALIBRATE_AFTER 12  /* results before the baseline is trusted */
#define PROBE_MAX_ARGS 64
#define PROBE_MAX_GROUPS 64
#define PROBE_BUF_MAX (64u << 20)   /* the memory walk's buffer, at most */
#define PROBE_BUF_MIN (32u << 20)

struct probe_config {
	bool enabled;
	double interval;        /* seconds between probe starts */
	double duration;        /* target seconds of built-in work at calibration */
	double timeout;         /* seconds before a probe is killed */
	int nice;               /* nice value of the probe */
	bool write;             /* add a small fsync'd write in the state dir */
	const char *cgroup;     /* cgroup directory to join, or NULL */
	const char *command;    /* administrator's command line, or NULL */
	const char *user;       /* user to run the command as (required with command) */
	const char *state_dir;  /* where probe.baseline lives */
	const char *baseline_path; /* probe.baseline elsewhere ("%h": the host name), or NULL */
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
	size_t buf_bytes;       /* built-in: memory walk size */
	long units;             /* built-in: work per probe; 0 = calibrate next */
	char key[4200];         /* what the baseline was measured with */

	/* the administrator's command, split once at init */
	char cmd_buf[4096];
	char *argv[PROBE_MAX_ARGS + 1];
	uid_t uid;
	gid_t gid;
	gid_t groups[PROBE_MAX_GROUPS];
	int ngroups;

	/* baseline window, oldest first */
	double times[PROBE_WINDOW];
	int ntimes;

	/* the running probe */
	pid_t pid;              /* 0 if none */
	int fd;                 /* read end of its pipe, -1 if none */
	bool killed;            /* past its timeout: to be reaped, no result */
	bool calibrating;       /* it measures how much work fits in duration */
	uint64_t started_ns;

	uint64_t next_ns;       /* monotonic time of the next start; 0 = at once */

	/* results: the last one in use, and one that just arrived */
	double last;            /* NAN until the first result */
	uint64_t last_ns;       /* when it arrived */
	double fresh;           /* NAN unless a result arrived since probe_features */
	uint64_t fresh_ns;
	double before;          /* the one in use before the last arrival */
	uint64_t before_ns;
	bool recheck;           /* the next result checks a doubted one */
	bool is_check;          /* the result that arrived last was such a check */

	unsigned long runs, failures, doubted;
	struct complaint fail, save_fail;
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
 * probe_slowdown and probe_age from the result in use, probe_result with a
 * result that arrived since the last call (then it becomes the one in use
 * for the next record).  Never blocks.
 */
void probe_features(struct probe *p, uint64_t now_ns, double *values);

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

#endif

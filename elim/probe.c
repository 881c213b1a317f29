#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "clock.h"
#include "errmsg.h"
#include "feature_set.h"
#include "fsutil.h"
#include "compat.h"
#include "llc.h"
#include "log.h"
#include "probe.h"
#include "stateless.h"

#define SPEED_CPU_ITERS 150000      /* a speed unit: fixed arithmetic ... */
#define SPEED_LINES 16384           /* ... and a fixed walk over PROBE_SPEED_BYTES */
#define MEM_LINES 32768             /* a contention unit: lines walked */
#define LINE 64
#define WALK_PRIME 2654435761u      /* odd: a permutation of the lines */
#define WRITE_BYTES 65536

/* ------------------------------------------------------------ pure helpers */

int probe_split_argv(const char *line, char *buf, size_t buflen, char **argv, int max)
{
	size_t o = 0;
	int n = 0;
	const char *s = line;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		if (n >= max)
			return -E2BIG;
		argv[n++] = buf + o;
		char q = 0;
		for (; *s && (q || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
			char c = *s;
			if (q == '\'') {
				if (c == '\'') {
					q = 0;
					continue;
				}
			} else if (c == '\'' || c == '"') {
				if (q == c) {
					q = 0;
					continue;
				}
				if (!q) {
					q = c;
					continue;
				}
			} else if (c == '\\' && (!q || s[1] == '"' || s[1] == '\\')) {
				if (!s[1])
					return -EINVAL;
				c = *++s;
			}
			if (o + 1 >= buflen)
				return -E2BIG;
			buf[o++] = c;
		}
		if (q)
			return -EINVAL;
		if (o + 1 >= buflen)
			return -E2BIG;
		buf[o++] = '\0';
	}
	argv[n] = NULL;
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double probe_baseline(const double *times, int n)
{
	double sorted[PROBE_WINDOW];
	if (n <= 0)
		return NAN;
	if (n > PROBE_WINDOW)
		n = PROBE_WINDOW;
	memcpy(sorted, times, (size_t)n * sizeof *sorted);
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
	return sorted[(int)floor(PROBE_PERCENTILE * (n - 1))];
}

double probe_robust(double half1, double half2)
{
	if (!isfinite(half1) || !isfinite(half2))
		return NAN;
	return 2 * (half1 < half2 ? half1 : half2);
}

size_t probe_walk_bytes(uint64_t llc)
{
	uint64_t want = 2 * llc;
	size_t b = PROBE_BUF_MIN;
	while (b < want && b < PROBE_BUF_MAX)
		b *= 2;
	return b;
}

struct probe_reading probe_read(const struct probe_times *t, const struct probe_times *w, int n)
{
	struct probe_reading r = { NAN, NAN, NAN, NAN };
	double whole[PROBE_WINDOW], cpu[PROBE_WINDOW], mem[PROBE_WINDOW];
	if (n > PROBE_WINDOW)
		n = PROBE_WINDOW;
	for (int i = 0; i < n; i++) {
		whole[i] = w[i].whole;
		cpu[i] = probe_robust(w[i].cpu1, w[i].cpu2);
		mem[i] = probe_robust(w[i].mem1, w[i].mem2);
	}
	r.whole = t->whole / probe_baseline(whole, n);
	double c = probe_robust(t->cpu1, t->cpu2), m = probe_robust(t->mem1, t->mem2);
	if (!isfinite(c) || !isfinite(m)) {
		r.slowdown = r.whole;   /* a command: only its whole time */
		return r;
	}
	double cb = probe_baseline(cpu, n), mb = probe_baseline(mem, n);
	r.cpu = c / cb;
	r.mem = m / mb;
	r.slowdown = (c + m) / (cb + mb);
	return r;
}

/* Idle seconds per speed unit: the low percentile of the speed part's whole
 * wall time (both halves) over its units; NAN without built-in results. */
static double unit_seconds(const struct probe *p)
{
	double t[PROBE_WINDOW];
	int n = 0;
	for (int i = 0; i < p->ntimes; i++)
		if (isfinite(p->halves[i].cpu1) && isfinite(p->halves[i].cpu2))
			t[n++] = p->halves[i].cpu1 + p->halves[i].cpu2;
	return n ? probe_baseline(t, n) / PROBE_SPEED_UNITS : NAN;
}

/* ------------------------------------------------------------ baseline file */

static void make_key(struct probe *p)
{
	if (p->cfg.command)
		snprintf(p->key, sizeof p->key, "command user=%s %s", p->cfg.user, p->cfg.command);
	else
		snprintf(p->key, sizeof p->key, "builtin work=%d duration=%g buffer=%zu write=%d",
			 PROBE_WORK_VERSION, p->cfg.duration, p->buf_bytes, p->cfg.write ? 1 : 0);
}

#define BASELINE_HEADER "elim-rank-probe-baseline 2"

/* Values of a line "NAME v v v ..." into out[PROBE_WINDOW] (the last ones
 * if more); returns how many, or -1 for a value that is not a positive
 * number. */
static int read_values(const char *s, double *out)
{
	int n = 0;
	char *end;
	for (;;) {
		double v = strtod(s, &end);
		if (end == s)
			break;
		if (!isfinite(v) || !(v > 0))
			return -1;
		if (n == PROBE_WINDOW) {
			memmove(out, out + 1, (PROBE_WINDOW - 1) * sizeof *out);
			n--;
		}
		out[n++] = v;
		s = end;
	}
	return n;
}

/* Read STATE/probe.baseline; anything that does not match the current
 * probe (other work, other format, a damaged window) is ignored.  A
 * built-in baseline made with another work version is said once. */
static void baseline_load(struct probe *p, bool quiet)
{
	FILE *f = fopen(p->state_path, "re");
	char line[8192];
	if (f == NULL)
		return;
	double v[5][PROBE_WINDOW];
	static const char *const names[5] = { "times", "cpu1", "cpu2", "mem1", "mem2" };
	int count[5] = { -2, -2, -2, -2, -2 };   /* -2: no such line */
	long units = 0;
	int format = 0, work = 0;
	bool key_ok = false;
	if (fgets(line, sizeof line, f) && sscanf(line, "elim-rank-probe-baseline %d", &format) == 1 &&
	    format == 1)
		work = 1;   /* the first format had no work line: work version 1 */
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "key ", 4) == 0)
			key_ok = strcmp(line + 4, p->key) == 0;
		else if (sscanf(line, "work %d", &work) == 1 || sscanf(line, "units %ld", &units) == 1)
			;
		else
			for (int k = 0; k < 5; k++) {
				size_t len = strlen(names[k]);
				if (strncmp(line, names[k], len) == 0 && (line[len] == ' ' || !line[len]))
					count[k] = read_values(line + len, v[k]);
			}
	}
	fclose(f);
	if (format < 1)
		return;
	if (!p->cfg.command && work != PROBE_WORK_VERSION) {
		if (!quiet)
			log_msg(LOG_NOTICE, "probe: %s was made with probe work version %d, not %d: not used, "
			"calibrating again", p->state_path, work, PROBE_WORK_VERSION);
		return;
	}
	/* a command's times are its own whatever the format: kept */
	if ((format != 2 && !(format == 1 && p->cfg.command)) || !key_ok || count[0] < 0)
		return;
	int n = count[0];
	if (!p->cfg.command)
		for (int k = 1; k < 5; k++)
			if (count[k] != n)
				return;   /* a damaged window: start a new one */
	for (int i = 0; i < n; i++) {
		p->times[i] = v[0][i];
		p->halves[i] = (struct probe_times){ v[0][i], NAN, NAN, NAN, NAN };
		if (!p->cfg.command)
			p->halves[i] = (struct probe_times){ v[0][i], v[1][i], v[2][i], v[3][i], v[4][i] };
	}
	p->ntimes = n;
	p->unit_seconds = unit_seconds(p);
	if (!p->cfg.command && units > 0)
		p->units = units;
}

/* Write the file atomically (lib/fsutil.h). */
static int baseline_save(struct probe *p)
{
	char buf[32768];   /* five lines of PROBE_WINDOW values: about 15 KiB */
	int off = snprintf(buf, sizeof buf, BASELINE_HEADER "\n"
			   "# written by elim.rank: the probe's calibration and recent times (s)\n"
			   "work %d\nkey %s\nunits %ld\n", p->cfg.command ? 0 : PROBE_WORK_VERSION,
			   p->key, p->units);
	static const char *const names[5] = { "times", "cpu1", "cpu2", "mem1", "mem2" };
	for (int k = 0; k < (p->cfg.command ? 1 : 5); k++) {
		off += snprintf(buf + off, sizeof buf - (size_t)off, "%s", names[k]);
		for (int i = 0; i < p->ntimes && off < (int)sizeof buf - 16; i++) {
			const struct probe_times *t = &p->halves[i];
			double x = k == 0 ? t->whole : k == 1 ? t->cpu1 : k == 2 ? t->cpu2 :
				   k == 3 ? t->mem1 : t->mem2;
			off += snprintf(buf + off, sizeof buf - (size_t)off, " %.6f", x);
		}
		off += snprintf(buf + off, sizeof buf - (size_t)off, "\n");
		if (off >= (int)sizeof buf)
			return -E2BIG;
	}
	int rc = fs_atomic_write(p->state_path, buf, (size_t)off, 0640);
	if (rc == -ENOENT && mkdir(p->cfg.state_dir, 0750) == 0)
		rc = fs_atomic_write(p->state_path, buf, (size_t)off, 0640);
	return rc;
}

/* ------------------------------------------------------------ setup */

/* The contention walk's size, from the largest last-level cache of the
 * CPUs the elim (so its probe) may run on; sysconf's L3 size if sysfs
 * lists none. */
static void size_walk(struct probe *p)
{
	cpu_set_t cpus;
	struct llc_info li;
	char e[200];
	if (sched_getaffinity(0, sizeof cpus, &cpus) < 0) {
		CPU_ZERO(&cpus);
		long n = sysconf(_SC_NPROCESSORS_CONF);
		for (long c = 0; c < n && c < CPU_SETSIZE; c++)
			CPU_SET((size_t)c, &cpus);
	}
	p->llc_rc = llc_largest(p->cfg.sysfs ? p->cfg.sysfs : "/sys", &cpus, &li, e, sizeof e);
	if (p->llc_rc == 0) {
		p->buf_bytes = probe_walk_bytes(li.bytes);
		snprintf(p->llc_msg, sizeof p->llc_msg,
			 "last-level cache L%d of CPU %d: %llu KiB shared by CPUs %s; contention walk %zu MiB",
			 li.level, li.cpu, (unsigned long long)(li.bytes >> 10), li.shared,
			 p->buf_bytes >> 20);
	} else {
		long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
		p->buf_bytes = probe_walk_bytes(l3 > 0 ? (uint64_t)l3 : 0);
		snprintf(p->llc_msg, sizeof p->llc_msg, "%s; sysconf's L3 %ld KiB: contention walk %zu MiB",
			 e, l3 > 0 ? l3 >> 10 : 0, p->buf_bytes >> 20);
	}
}

uint64_t probe_caps_needed(const struct probe_config *cfg)
{
	uint64_t keep = 0;
	if (!cfg->enabled)
		return 0;
	if (cfg->command)
		keep |= CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_KILL);
	/* lowering a nice value takes CAP_SYS_NICE: below 0, or below the
	 * elim's own (started at a positive nice value) */
	errno = 0;
	int own = getpriority(PRIO_PROCESS, 0);
	if (cfg->nice < 0 || (errno == 0 && cfg->nice < own))
		keep |= CAPS_BIT(CAP_SYS_NICE);
	return keep;
}

int probe_init(struct probe *p, const struct probe_config *cfg, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->cfg = *cfg;
	p->fd = -1;
	p->last = p->fresh = p->before = (struct probe_reading){ NAN, NAN, NAN, NAN };
	p->unit_seconds = NAN;
	if (!cfg->enabled) {
		/* no probe runs (--once, --no-probe), but the baseline a running
		 * instance keeps still says this host's idle seconds per speed
		 * unit: read it, quietly */
		if (!cfg->command && cfg->state_dir &&
		    snprintf(p->state_path, sizeof p->state_path, "%s/probe.baseline", cfg->state_dir) <
			    (int)sizeof p->state_path) {
			size_walk(p);
			make_key(p);
			baseline_load(p, true);
		}
		return 0;
	}
	if (!(cfg->interval > 0) || !(cfg->duration > 0) || !(cfg->timeout > 0))
		return errmsg(err, errlen, -EINVAL, "probe: interval, duration and timeout must be positive");
	if (cfg->command) {
		int n = probe_split_argv(cfg->command, p->cmd_buf, sizeof p->cmd_buf, p->argv, PROBE_MAX_ARGS);
		if (n < 0)
			return errmsg(err, errlen, n, "probe command '%s': %s", cfg->command,
				       n == -EINVAL ? "unbalanced quote or trailing backslash" : "too long");
		if (n == 0)
			return errmsg(err, errlen, -EINVAL, "probe command is empty");
		if (cfg->user == NULL)
			return errmsg(err, errlen, -EINVAL, "probe command needs --probe-user (an unprivileged user)");
		errno = 0;
		struct passwd *pw = getpwnam(cfg->user);
		if (pw == NULL)
			return errmsg(err, errlen, -ENOENT, "probe user '%s': %s", cfg->user,
				       errno ? strerror(errno) : "no such user");
		if (pw->pw_uid == 0)
			return errmsg(err, errlen, -EPERM, "probe user '%s' is root: give an unprivileged user",
				       cfg->user);
		p->uid = pw->pw_uid;
		p->gid = pw->pw_gid;
		p->ngroups = PROBE_MAX_GROUPS;
		if (getgrouplist(cfg->user, pw->pw_gid, p->groups, &p->ngroups) < 0)
			return errmsg(err, errlen, -E2BIG, "probe user '%s' has more than %d groups",
				       cfg->user, PROBE_MAX_GROUPS);
	}
	int prc = probe_cgroup_init(&p->place, cfg->cgroup, cfg->sysfs ? cfg->sysfs : "/sys", err,
				    errlen);
	if (prc < 0)
		return prc;
	if (cfg->baseline_path) {
		/* stateless nodes: kept where the administrator says (stateless.h) */
		char host[256] = "";
		gethostname(host, sizeof host - 1);
		int rc = stateless_path(cfg->baseline_path, host, p->state_path, sizeof p->state_path);
		if (rc < 0)
			return errmsg(err, errlen, rc, "probe-baseline-file '%s': %s", cfg->baseline_path,
				       rc == -EINVAL ? "only %h and %% may follow a %" : "too long");
	} else if (snprintf(p->state_path, sizeof p->state_path, "%s/probe.baseline", cfg->state_dir) >=
		   (int)sizeof p->state_path)
		return errmsg(err, errlen, -ENAMETOOLONG, "probe: state directory name too long");
	if (!cfg->command) {
		size_walk(p);
		log_msg(LOG_INFO, "probe: %s", p->llc_msg);
	}
	make_key(p);
	baseline_load(p, false);
	return 0;
}

/* ------------------------------------------------------------ the child */

static void child_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The child's pipe to the parent is fd 3. */
static void child_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdprintf(3, fmt, ap);
	va_end(ap);
}

static void child_fail(const char *what, int e)
{
	child_say("err %d %s\n", e, what);
	_exit(1);
}

/* Become a freshly started job: clean signals and fds, own session,
 * the configured cgroup and nice value. */
static void child_setup(const struct probe *p, int wfd)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (wfd != 3) {
		if (dup2(wfd, 3) < 0)
			_exit(1);
	}
	int nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
	}
	if (compat_close_from(4) < 0)
		for (int fd = 4; fd < 1024; fd++)
			close(fd);

	if (setsid() < 0)
		child_fail("setsid", errno);
	int crc = probe_cgroup_join(&p->place);
	if (crc < 0)
		child_fail("cgroup", -crc);
	if (setpriority(PRIO_PROCESS, 0, p->cfg.nice) < 0)
		child_fail("nice", errno);
	/* built-in work needs no privilege; a command's child drops to its
	 * user, and that needs CAP_SETUID and CAP_SETGID here */
	if (!p->cfg.command)
		caps_limit_thread(0);
}

/* A speed unit: fixed arithmetic and a fixed walk over the fixed buffer. */
static uint64_t speed_unit(volatile unsigned char *buf, uint64_t *pos, uint64_t acc)
{
	for (int i = 0; i < SPEED_CPU_ITERS; i++) {
		acc ^= acc << 13;
		acc ^= acc >> 7;
		acc ^= acc << 17;
		acc *= 0x9E3779B97F4A7C15ULL;
	}
	const size_t lines = PROBE_SPEED_BYTES / LINE;
	for (int i = 0; i < SPEED_LINES; i++) {
		size_t at = (size_t)((*pos)++ * WALK_PRIME) & (lines - 1);
		buf[at * LINE] = (unsigned char)(buf[at * LINE] + (acc & 0xff));
		acc += buf[at * LINE];
	}
	return acc;
}

/* A contention unit: a scattered walk over the cache-sized buffer. */
static uint64_t mem_unit(volatile unsigned char *buf, size_t lines, uint64_t *pos, uint64_t acc)
{
	for (int i = 0; i < MEM_LINES; i++) {
		size_t at = (size_t)((*pos)++ * WALK_PRIME) & (lines - 1);
		buf[at * LINE] = (unsigned char)(buf[at * LINE] + (acc & 0xff));
		acc += buf[at * LINE];
	}
	return acc;
}

static double secs(uint64_t a, uint64_t b)
{
	return (double)(b - a) / 1e9;
}

/*
 * The built-in work: both buffers are allocated and touched first (page
 * faults are not timed), then the speed part and the contention part run,
 * each in two timed halves.  Calibrating (p->units == 0), the contention
 * part runs until `duration` seconds and its units (even) are reported.
 */
static void child_builtin(const struct probe *p)
{
	unsigned char *sbuf = mmap(NULL, PROBE_SPEED_BYTES, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *buf = mmap(NULL, p->buf_bytes, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sbuf == MAP_FAILED || buf == MAP_FAILED)
		child_fail("mmap", errno);
	memset(sbuf, 1, PROBE_SPEED_BYTES);
	memset(buf, 1, p->buf_bytes);
	uint64_t acc = 88172645463325252ULL, pos = 0;
	size_t lines = p->buf_bytes / LINE;
	long done = 0;

	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < PROBE_SPEED_UNITS / 2; i++)
		acc = speed_unit(sbuf, &pos, acc);
	uint64_t t1 = clock_now_ns();
	for (int i = PROBE_SPEED_UNITS / 2; i < PROBE_SPEED_UNITS; i++)
		acc = speed_unit(sbuf, &pos, acc);
	uint64_t t2 = clock_now_ns(), t3 = t2;
	if (p->units) {
		for (; done < p->units / 2; done++)
			acc = mem_unit(buf, lines, &pos, acc);
		t3 = clock_now_ns();
		for (; done < p->units; done++)
			acc = mem_unit(buf, lines, &pos, acc);
	} else {
		uint64_t until = t2 + (uint64_t)(p->cfg.duration * 1e9);
		while (done < 2 || done % 2 || clock_now_ns() < until)
			acc = mem_unit(buf, lines, &pos, acc), done++;
	}
	uint64_t t4 = clock_now_ns();
	if (p->cfg.write) {
		char path[4200];
		snprintf(path, sizeof path, "%s/.probe-write.%d", p->cfg.state_dir, (int)getpid());
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			child_fail("write", errno);
		memset(buf, (int)(acc & 0xff), WRITE_BYTES);
		ssize_t w = write(fd, buf, WRITE_BYTES);
		int e = errno;
		if (w != WRITE_BYTES || fsync(fd) < 0) {
			unlink(path);
			child_fail("write", w < 0 ? e : errno ? errno : EIO);
		}
		close(fd);
		unlink(path);
	}
	uint64_t t5 = clock_now_ns();
	child_say("ok %.6f %ld %.6f %.6f %.6f %.6f %u\n", secs(t0, t5), done, secs(t0, t1), secs(t1, t2),
		  secs(t2, t3), secs(t3, t4), (unsigned)(acc & 1));
	_exit(0);
}

static void child_command(const struct probe *p)
{
	uint64_t t0 = clock_now_ns();
	pid_t g = fork();
	if (g < 0)
		child_fail("fork", errno);
	if (g == 0) {
		close(3);
		if (chdir("/") < 0)
			_exit(126);
		if (setgroups((size_t)p->ngroups, p->groups) < 0 || setgid(p->gid) < 0 ||
		    setuid(p->uid) < 0 || getuid() != p->uid || geteuid() != p->uid)
			_exit(126);
		execvp(p->argv[0], p->argv);
		_exit(127);
	}
	int st;
	while (waitpid(g, &st, 0) < 0)
		if (errno != EINTR)
			child_fail("waitpid", errno);
	uint64_t t1 = clock_now_ns();
	child_say("exit %d %.6f\n", st, (double)(t1 - t0) / 1e9);
	_exit(0);
}

/* ------------------------------------------------------------ the parent */

static void probe_start(struct probe *p, uint64_t now_ns)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
		complain(&p->fail, LOG_WARNING, "probe: pipe: %s; no probe this time", strerror(errno));
		return;
	}
	p->calibrating = !p->cfg.command && p->units == 0;
	char why[PATH_MAX + 200];
	if (probe_cgroup_prepare(&p->place, (int)getpid(), why, sizeof why) < 0)
		complain(&p->place_fail, LOG_WARNING, "probe: %s: probes run where the elim does"
			 " until it can be made", why);
	else if (p->place.nplaced)
		complaint_clear(&p->place_fail, "probe: runs in %s again", p->place.running);
	if (p->place.nplaced)
		log_msg(LOG_DEBUG, "probe: in cgroup %s", p->place.running);
	pid_t pid = fork();
	if (pid < 0) {
		complain(&p->fail, LOG_WARNING, "probe: fork: %s; no probe this time", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		/* the write end must not be non-blocking for the child's one write:
		 * it is tiny, the pipe is empty, so it never blocks anyway */
		child_setup(p, pfd[1]);
		if (p->cfg.command)
			child_command(p);
		child_builtin(p);
	}
	close(pfd[1]);
	p->pid = pid;
	p->fd = pfd[0];
	p->killed = false;
	p->started_ns = now_ns;
	p->runs++;
}

static void take_result(struct probe *p, const struct probe_times *t, uint64_t now_ns)
{
	if (p->ntimes == PROBE_WINDOW) {
		memmove(p->times, p->times + 1, (PROBE_WINDOW - 1) * sizeof *p->times);
		memmove(p->halves, p->halves + 1, (PROBE_WINDOW - 1) * sizeof *p->halves);
		p->ntimes--;
	}
	p->times[p->ntimes] = t->whole;
	p->halves[p->ntimes++] = *t;
	p->fresh = probe_read(t, p->halves, p->ntimes);
	p->fresh_ns = now_ns;
	if (p->cfg.command)
		return;
	p->unit_seconds = unit_seconds(p);
	/* calibrated under load, the contention part is too short to see
	 * contention (a probe of tens of milliseconds gets the CPU before fair
	 * sharing settles: docs/proof.md): once the baseline shows it,
	 * calibrate again */
	double mem[PROBE_WINDOW];
	for (int i = 0; i < p->ntimes; i++)
		mem[i] = p->halves[i].mem1 + p->halves[i].mem2;
	if (p->ntimes >= PROBE_RECALIBRATE_AFTER &&
	    probe_baseline(mem, p->ntimes) < 0.5 * p->cfg.duration) {
		p->units = 0;
		p->ntimes = 0;
	}
}

/* Interpret the child's message after it was reaped with wait status st. */
static void finish(struct probe *p, const char *msg, int st, uint64_t now_ns)
{
	double secs;
	long units;
	int code, e;
	char what[32];
	struct probe_times t;
	if (sscanf(msg, "ok %lf %ld %lf %lf %lf %lf", &t.whole, &units, &t.cpu1, &t.cpu2,
		   &t.mem1, &t.mem2) == 6 && t.whole > 0 && t.cpu1 > 0 && t.cpu2 > 0 &&
	    (p->calibrating || (t.mem1 > 0 && t.mem2 > 0))) {
		if (p->calibrating) {
			p->units = units > 1 ? units : 2;
			p->ntimes = 0;
			make_key(p);
		} else
			take_result(p, &t, now_ns);
	} else if (sscanf(msg, "exit %d %lf", &code, &secs) == 2) {
		if (!WIFEXITED(code) || WEXITSTATUS(code) != 0) {
			p->failures++;
			if (WIFEXITED(code))
				complain(&p->fail, LOG_WARNING, "probe: command %s exited with status %d%s",
					 p->argv[0], WEXITSTATUS(code),
					 WEXITSTATUS(code) == 126 ? " (could not become the probe user)" :
					 WEXITSTATUS(code) == 127 ? " (could not be executed)" : "");
			else
				complain(&p->fail, LOG_WARNING, "probe: command %s killed by signal %d",
					 p->argv[0], WTERMSIG(code));
			return;
		}
		t = (struct probe_times){ secs, NAN, NAN, NAN, NAN };
		take_result(p, &t, now_ns);
	} else {
		p->failures++;
		if (sscanf(msg, "err %d %31s", &e, what) == 2)
			complain(&p->fail, LOG_WARNING, "probe: %s: %s", what, strerror(e));
		else if (WIFSIGNALED(st))
			complain(&p->fail, LOG_WARNING, "probe: killed by signal %d", WTERMSIG(st));
		else
			complain(&p->fail, LOG_WARNING, "probe: no result (exit status %d)",
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return;
	}
	complaint_clear(&p->fail, "probe: working again");
	int rc = baseline_save(p);
	if (rc < 0)
		complain(&p->save_fail, LOG_WARNING, "probe: cannot save %s: %s", p->state_path,
			 strerror(-rc));
	else
		complaint_clear(&p->save_fail, "probe: %s saved again", p->state_path);
}

static void collect(struct probe *p, uint64_t now_ns)
{
	if (p->pid == 0)
		return;
	int st = 0;
	pid_t r = waitpid(p->pid, &st, WNOHANG);
	int wait_errno = errno;
	if (r == 0) {
		double timeout_ns = p->cfg.timeout * 1e9;
		if (!p->killed && (double)(now_ns - p->started_ns) > timeout_ns) {
			/* what it shows before it goes: a lower bound */
			double low = probe_overdue(p, now_ns);
			kill(-p->pid, SIGKILL);   /* the probe's session: a command's children too */
			kill(p->pid, SIGKILL);
			p->killed = true;
			p->failures++;
			if (isfinite(low)) {
				/* not a timing: never in the baseline window; a
				 * bound, not a noisy reading: trusted as a check is
				 * (probe_doubt would restore the result before it,
				 * taken before the load, while a check runs) */
				p->fresh = (struct probe_reading){ low, low, NAN, NAN };
				p->fresh_ns = now_ns;
				p->recheck = true;
				complain(&p->fail, LOG_WARNING,
					 "probe: still running after %g s: killed; slowdown at least %.3g",
					 p->cfg.timeout, low);
			} else
				complain(&p->fail, LOG_WARNING, "probe: still running after %g s: killed",
					 p->cfg.timeout);
		}
		return;
	}
	char msg[128];
	ssize_t n = read(p->fd, msg, sizeof msg - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p->fd);
	p->fd = -1;
	p->pid = 0;
	probe_cgroup_release(&p->place);
	if (r < 0) {
		p->failures++;
		complain(&p->fail, LOG_WARNING, "probe: waitpid: %s", strerror(wait_errno));
		return;
	}
	if (p->killed)
		return;
	finish(p, msg, st, now_ns);
}

double probe_overdue(const struct probe *p, uint64_t now_ns)
{
	if (p->pid == 0 || p->killed || p->calibrating || p->ntimes == 0 || now_ns < p->started_ns)
		return NAN;
	double base = probe_baseline(p->times, p->ntimes);
	double low = (double)(now_ns - p->started_ns) / 1e9 / base;
	return low >= PROBE_OVERDUE_MIN ? low : NAN;
}

void probe_features(struct probe *p, uint64_t now_ns, double *values)
{
	collect(p, now_ns);
	values[FEAT_probe_slowdown] = p->last.slowdown;
	values[FEAT_probe_whole_slowdown] = p->last.whole;
	values[FEAT_probe_cpu_slowdown] = p->last.cpu;
	values[FEAT_probe_mem_slowdown] = p->last.mem;
	values[FEAT_probe_age] = isfinite(p->last.slowdown) ? (double)(now_ns - p->last_ns) / 1e9 : NAN;
	/* a probe still running longer than the result in use says it would
	 * is a fresher, surer reading: at least that slowdown, now */
	double low = probe_overdue(p, now_ns);
	if (isfinite(low) && !(values[FEAT_probe_slowdown] >= low)) {
		values[FEAT_probe_slowdown] = low;
		values[FEAT_probe_whole_slowdown] = low;
		values[FEAT_probe_age] = 0;
	}
	values[FEAT_probe_result] = p->fresh.slowdown;
	values[FEAT_probe_unit_seconds] = p->unit_seconds;
	values[FEAT_probe_work_version] = !p->cfg.command && (p->cfg.enabled || isfinite(p->unit_seconds)) ?
		PROBE_WORK_VERSION : NAN;
	if (isfinite(p->fresh.slowdown)) {
		/* the next record uses it; this one pairs it with what came before */
		p->before = p->last;
		p->before_ns = p->last_ns;
		p->is_check = p->recheck;
		p->recheck = false;
		p->last = p->fresh;
		p->last_ns = p->fresh_ns;
		p->fresh = (struct probe_reading){ NAN, NAN, NAN, NAN };
	}
}

void probe_run(struct probe *p, uint64_t now_ns)
{
	if (!p->cfg.enabled)
		return;
	collect(p, now_ns);
	if (p->pid == 0 && now_ns >= p->next_ns) {
		probe_start(p, now_ns);
		p->next_ns = now_ns + (uint64_t)(p->cfg.interval * 1e9);
		if (p->calibrating)
			p->next_ns = now_ns;   /* the first real probe right after calibration */
	}
}

void probe_request(struct probe *p, uint64_t now_ns)
{
	if (p->cfg.enabled && p->pid == 0 && p->next_ns > now_ns)
		p->next_ns = now_ns;
}

bool probe_disagrees(double result, double levels)
{
	if (!isfinite(result) || !isfinite(levels) || !(result > 0) || !(levels > 0))
		return false;
	if (fabs(result - levels) < PROBE_DOUBT_MIN)
		return false;
	return result > PROBE_DOUBT_RATIO * levels || levels > PROBE_DOUBT_RATIO * result;
}

bool probe_doubt(struct probe *p, uint64_t now_ns)
{
	if (p->is_check)
		return false;   /* the check itself: trusted as it is */
	p->last = p->before;
	p->last_ns = p->before_ns;
	p->doubted++;
	p->recheck = true;
	probe_request(p, now_ns);
	return true;
}

void probe_fini(struct probe *p)
{
	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->pid = 0;
	}
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	probe_cgroup_release(&p->place);
}

/*
 * groups: cpu_groups_per_core, the scheduling groups that used at least
 * half a CPU over the interval, per online CPU; and cpu_demand_per_core,
 * the groups that wanted at least half a CPU (used it, or were runnable and
 * waited for it), per online CPU.
 *
 * The two part ways when CPUs are short: four CPU-bound groups on two CPUs
 * each get half a CPU, and n on two CPUs each get 2/n, so the busy count
 * falls as the pile grows, while each of them still wants a whole CPU and
 * the demand count grows with it.  A new job's share under fair sharing is
 * about CPUs / (wanting groups + 1).
 *
 * Linux shares CPU fairly between groups (sched(7)): a process's group is
 * its cpu cgroup when that is not the root one, else its session when
 * autogroup is on (a session id of 0, the kernel's own, is not an
 * autogroup: such a process is on its own), else the process itself.
 *
 * Per walk:
 *  - cgroup membership comes from the cgroup.procs file of each non-root
 *    cpu cgroup (one read per cgroup, not one /proc/PID/cgroup per
 *    process), read when the tree is scanned: every GROUPS_RESCAN_WALKS
 *    walks.  cgroup v1: every directory of the cpu hierarchy is a task
 *    group; v2: a cgroup is one when "cpu" is in its parent's
 *    cgroup.subtree_control, and a cgroup without it belongs to its nearest
 *    ancestor that is one.  Unlisted processes are in the root.  Between
 *    scans a process keeps its cgroup and a new process gets its parent's,
 *    as fork does; a process moved, or a new cgroup, shows at the next scan
 *    (an LSF job moved into its cgroup counts by its session until then:
 *    for a batch job, usually the same group).
 *  - CPU time comes from /proc/PID/stat (never cmdline): utime + stime +
 *    cutime + cstime, so children reaped during the interval are counted;
 *    a process that vanished is taken back out of its parent's group
 *    (whose cutime now holds it; its last interval is credited there), and
 *    a pid reused is told by its start time.  A process born during the
 *    interval counts whole.  A child reaped without wait (SIGCHLD ignored)
 *    loses its last interval.
 *  - Waiting comes from /proc/PID/schedstat's run delay (its second field,
 *    in ns), read for the processes that used CPU since the last walk or
 *    are runnable now (an idle one keeps the delay read before: it can
 *    only have grown by waits for runs of less than a tick, counted when
 *    it next runs); it is the main thread's alone: the other threads of a
 *    process add their CPU time (stat) but not their wait, and a process
 *    reaped during the interval loses its last wait.  Time a task is
 *    throttled by its cgroup's CPU quota is run delay too, so a capped job
 *    that wants more than its quota counts as wanting.  Without schedstat
 *    (a kernel without CONFIG_SCHED_INFO) the wait is 0 and the demand
 *    count equals the busy count.
 *  - /proc and the cgroup tree are listed with getdents64 into buffers
 *    that are ours (lib/dirscan.h), so a walk allocates nothing unless a
 *    table has to grow.
 *
 * In cgroup scope (scope.h) only the processes of the scope's cgroup tree
 * count (its cgroup.procs files, read every walk), and the busy threshold
 * and the division are by the scope's CPUs.
 *
 * The walk costs a few milliseconds per thousand processes: it runs at
 * most every walk_s seconds (GROUPS_WALK_S in the elim; the value is kept
 * in between), and always on the second sample, so a short --once window
 * still has a value.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirscan.h"
#include "parse.h"
#include "pidtab.h"
#include "procfile.h"
#include "sampler.h"
#include "sampler_groups.h"
#include "scope.h"

#define NSEC 1000000000ULL
#define GROUPS_MAX_CGROUPS 4096 /* task groups told apart, at most */
#define GROUPS_MAX_DEPTH 16
#define GROUPS_DIRBUF 4096   /* getdents buffer per cgroup level, on the stack */
#define GROUPS_PROCBUF 32768 /* getdents buffer for /proc */

/* group keys: the kind in the top bits, the id below */
#define KEY_CGROUP ((uint64_t)GROUPS_CGROUP << 62)
#define KEY_SESSION ((uint64_t)GROUPS_SESSION << 62)
#define KEY_PROCESS ((uint64_t)GROUPS_PROCESS << 62)

enum cg_mode { CG_NONE, CG_V1, CG_V2 };

struct groups_state {
	int procfd;                /* the procfs root, O_DIRECTORY */
	struct dirent64 *dirbuf;   /* GROUPS_PROCBUF bytes for listing it */
	struct procfile stat;      /* procfs/stat: online CPUs */
	struct procfile autogroup; /* procfs/sys/kernel/sched_autogroup_enabled */
	enum cg_mode mode;
	char cgroot[PATH_MAX]; /* the cpu hierarchy's root directory */
	char *buf;             /* scratch for cgroup.procs, grows */
	size_t bufcap;
	struct pidtab tab[2]; /* this walk's and the previous walk's */
	int cur;
	struct grouptab groups;
	double clk_tck;
	uint64_t walk_ns; /* minimum time between walks */
	uint64_t prev_ns;
	bool have_prev;
	double value;             /* the last walk's result */
	double demand;            /* and its demand count (per CPU) */
	unsigned ncgroups;        /* task groups found by the last scan */
	unsigned walks_to_rescan; /* walks left before the tree is scanned again */
	char members[PATH_MAX];   /* the scope's cgroup, or "": every process */
	double scope_ncpu;        /* its CPUs (0: the online CPUs) */
	int last_rc;
};

static const int groups_features[] = {FEAT_cpu_groups_per_core, FEAT_cpu_demand_per_core, -1};

/* Read a whole file from offset 0 into the state's growing buffer.
 * Returns the length or a negative errno. */
static long pread_grow(struct groups_state *s, int fd)
{
	size_t off = 0;
	for (;;) {
		if (off + 1 >= s->bufcap) {
			size_t cap = s->bufcap ? s->bufcap * 2 : 4096;
			char *nb = cap <= (16u << 20) ? realloc(s->buf, cap) : NULL;
			if (nb == NULL)
				return -ENOMEM;
			s->buf = nb;
			s->bufcap = cap;
		}
		ssize_t n = pread(fd, s->buf + off, s->bufcap - 1 - off, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		size_t asked = s->bufcap - 1 - off;
		off += (size_t)n;
		if ((size_t)n < asked)
			break; /* kernfs and regular files: a short read is the end */
	}
	s->buf[off] = '\0';
	return (long)off;
}

static long read_grow(struct groups_state *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	long n = pread_grow(s, fd);
	close(fd);
	return n;
}

/* Is word a blank-separated word of text? */
static bool has_word(const char *text, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = text; (p = strstr(p, word)) != NULL; p += len) {
		bool start = p == text || p[-1] == ' ' || p[-1] == '\n';
		bool end = p[len] == '\0' || p[len] == ' ' || p[len] == '\n';
		if (start && end)
			return true;
	}
	return false;
}

static bool file_exists(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	return path_join(path, sizeof path, root, rel) == 0 && stat(path, &st) == 0;
}

/* Find the cpu hierarchy under sysfs/fs/cgroup. */
static void find_cgroup_root(struct groups_state *s, const char *sysfs)
{
	char buf[512];
	s->mode = CG_NONE;
	if (read_small_file(sysfs, "fs/cgroup/cgroup.controllers", buf, sizeof buf) >= 0) {
		if (has_word(buf, "cpu") &&
		    path_join(s->cgroot, sizeof s->cgroot, sysfs, "fs/cgroup") == 0)
			s->mode = CG_V2;
		return;
	}
	static const char *const v1[] = {"fs/cgroup/cpu", "fs/cgroup/cpu,cpuacct"};
	for (size_t i = 0; i < 2; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "%s/cpu.shares", v1[i]);
		if (file_exists(sysfs, rel) &&
		    path_join(s->cgroot, sizeof s->cgroot, sysfs, v1[i]) == 0) {
			s->mode = CG_V1;
			return;
		}
	}
}

/* Mark every pid dir/cgroup.procs lists: a member of task group key, or
 * (in_scope) in the scope.  Opened and read once per scan: cgroup v1 serves
 * an open cgroup.procs the pid list it loaded first, whatever moved since. */
static int mark_procs(struct groups_state *s, char *dir, size_t len, bool in_scope, uint64_t key)
{
	if (len + sizeof "/cgroup.procs" > PATH_MAX)
		return 0;
	memcpy(dir + len, "/cgroup.procs", sizeof "/cgroup.procs");
	long n = read_grow(s, dir);
	dir[len] = '\0';
	if (n < 0)
		return n == -ENOMEM ? -ENOMEM : 0; /* removed under us */
	struct pidtab *t = &s->tab[s->cur];
	const char *p = s->buf;
	uint64_t pid;
	while (parse_u64(&p, &pid)) {
		struct pid_ent *e = pid <= INT32_MAX ? pidtab_get(t, (int32_t)pid) : NULL;
		if (e == NULL)
			return -ENOMEM;
		if (in_scope)
			e->in_scope = true;
		else
			e->group = key;
		if (*p == '\n')
			p++;
	}
	return 0;
}

/* Does the v2 cgroup dir pass the cpu controller to its children? */
static bool v2_delegates_cpu(struct groups_state *s, char *dir, size_t len)
{
	if (len + sizeof "/cgroup.subtree_control" > PATH_MAX)
		return false;
	memcpy(dir + len, "/cgroup.subtree_control", sizeof "/cgroup.subtree_control");
	long n = read_grow(s, dir);
	dir[len] = '\0';
	return n > 0 && has_word(s->buf, "cpu");
}

/*
 * Visit the cgroup at dir[0..len) (a NUL-terminated path buffer of
 * PATH_MAX, restored on return).  key: its task group's key, 0 for the root
 * task group.  children_are_groups: each child directory is a task group of
 * its own (v1 always; v2 where dir's cgroup.subtree_control has cpu), else
 * the children belong to key.
 */
static int visit_cgroup(struct groups_state *s, char *dir, size_t len, uint64_t key,
                        bool children_are_groups, int depth)
{
	int rc = 0;
	if (key != 0) {
		rc = mark_procs(s, dir, len, false, key);
		if (rc < 0)
			return rc;
	}
	if (depth >= GROUPS_MAX_DEPTH)
		return 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	union {
		struct dirent64 align;
		char b[GROUPS_DIRBUF];
	} buf; /* one per level */
	struct dirscan ds;
	rc = dirscan_start(&ds, dfd, &buf, sizeof buf);
	const char *name;
	unsigned char type;
	int more;
	while (rc == 0 && (more = dirscan_next(&ds, &name, &type)) != 0) {
		if (more < 0) {
			rc = more;
			break;
		}
		if (name[0] == '.')
			continue;
		if (type != DT_DIR && type != DT_UNKNOWN)
			continue;
		size_t nl = strlen(name);
		if (len + 1 + nl + 32 >= PATH_MAX)
			continue;
		dir[len] = '/';
		memcpy(dir + len + 1, name, nl + 1);
		size_t clen = len + 1 + nl;
		struct stat st;
		if (type == DT_UNKNOWN && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
			dir[len] = '\0';
			continue;
		}
		uint64_t ckey = key;
		bool cgroups = false;
		if (children_are_groups) {
			if (s->ncgroups >= GROUPS_MAX_CGROUPS) {
				dir[len] = '\0';
				break;
			}
			ckey = KEY_CGROUP | ++s->ncgroups;
			cgroups = s->mode == CG_V1 || v2_delegates_cpu(s, dir, clen);
		}
		/* a v2 cgroup below the root task group without cpu: skip it, its
		 * processes are in the root task group already */
		if (ckey != 0)
			rc = visit_cgroup(s, dir, clen, ckey, cgroups, depth + 1);
		dir[len] = '\0';
	}
	close(dfd);
	return rc;
}

/* Mark every process listed under dir[0..len) (PATH_MAX buffer, restored)
 * as in the scope. */
static int mark_scope(struct groups_state *s, char *dir, size_t len, int depth)
{
	int mrc = mark_procs(s, dir, len, true, 0);
	if (mrc < 0)
		return mrc;
	if (depth >= GROUPS_MAX_DEPTH)
		return 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	union {
		struct dirent64 align;
		char b[GROUPS_DIRBUF];
	} buf;
	struct dirscan ds;
	int rc = dirscan_start(&ds, dfd, &buf, sizeof buf);
	const char *name;
	unsigned char type;
	int more;
	while (rc == 0 && (more = dirscan_next(&ds, &name, &type)) != 0) {
		if (more < 0) {
			rc = more;
			break;
		}
		if (name[0] == '.' || (type != DT_DIR && type != DT_UNKNOWN))
			continue;
		size_t nl = strlen(name);
		if (len + 1 + nl + 32 >= PATH_MAX)
			continue;
		dir[len] = '/';
		memcpy(dir + len + 1, name, nl + 1);
		struct stat st;
		if (type == DT_DIR || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
			rc = mark_scope(s, dir, len + 1 + nl, depth + 1);
		dir[len] = '\0';
	}
	close(dfd);
	return rc;
}

int groups_parse_stat(const char *text, struct groups_stat *st)
{
	const char *p = strrchr(text, ')'); /* comm may hold spaces and ')' */
	if (p == NULL || p[1] != ' ')
		return -EINVAL;
	p += 2;
	if (*p == '\0' || p[1] != ' ')
		return -EINVAL;
	char state = *p; /* field 3 */
	p += 2;
	uint64_t f[20]; /* fields 4 .. 23 */
	int n = 0;
	while (n < 20) {
		parse_skip_blanks(&p);
		if (*p == '-') { /* tty_nr and tpgid may be -1 */
			p++;
		}
		if (!parse_u64(&p, &f[n]))
			break;
		n++;
	}
	if (n < 19) /* up to starttime, field 22 */
		return -EINVAL;
	if (f[0] > INT32_MAX || f[2] > INT32_MAX)
		return -EINVAL;
	st->ppid = (int32_t)f[0];                /* field 4 */
	st->sid = (int32_t)f[2];                 /* field 6 */
	st->cpu = f[10] + f[11] + f[12] + f[13]; /* fields 14-17: utime stime cutime cstime */
	st->start = f[18];                       /* field 22 */
	st->state = state;
	return 0;
}

int groups_parse_schedstat(const char *text, uint64_t *oncpu_ns, uint64_t *delay_ns)
{
	const char *p = text;
	uint64_t f[3];
	for (int i = 0; i < 3; i++) {
		if (!parse_u64(&p, &f[i]))
			return -EINVAL;
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\0')
			return -EINVAL; /* later kernels may add fields: those are fine */
	}
	*oncpu_ns = f[0];
	*delay_ns = f[1];
	return 0;
}

static unsigned count_cpus(const char *stat)
{
	unsigned n = 0;
	const char *p = stat;
	do {
		if (parse_starts(p, "cpu") && p[3] >= '0' && p[3] <= '9')
			n++;
	} while (parse_next_line(&p));
	return n ? n : 1;
}

/* Read /proc/PID/stat of every process into the current table, and
 * /proc/PID/schedstat of those that may have waited for a CPU. */
static int walk_procs(struct groups_state *s)
{
	struct pidtab *t = &s->tab[s->cur];
	struct dirscan ds;
	int rc = dirscan_start(&ds, s->procfd, s->dirbuf, GROUPS_PROCBUF);
	if (rc < 0)
		return rc;
	const char *name;
	unsigned char type;
	char rel[300], buf[2048];
	while ((rc = dirscan_next(&ds, &name, &type)) > 0) {
		const char *q = name;
		uint64_t pid;
		if (*q < '1' || *q > '9' || !parse_u64(&q, &pid) || *q || pid > INT32_MAX)
			continue;
		snprintf(rel, sizeof rel, "%s/stat", name);
		int fd = openat(s->procfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone already */
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		struct groups_stat st;
		if (groups_parse_stat(buf, &st) < 0)
			continue;
		struct pid_ent *e = pidtab_get(t, (int32_t)pid);
		if (e == NULL)
			return -ENOMEM;
		e->ppid = st.ppid;
		e->cpu = st.cpu;
		e->start = st.start;
		e->sid = st.sid;
		e->has_stat = true;
		/* The run delay grows only while a process is runnable: one that
		 * is not runnable now and used no CPU since the last walk keeps
		 * the delay read then (a wait of less than a tick's run is
		 * counted later, when it runs), and the walk saves an open and a
		 * read for every idle process, most of a host's. */
		const struct pid_ent *o = pidtab_find(&s->tab[!s->cur], e->pid);
		if (o && o->has_stat && o->has_delay && o->start == st.start && o->cpu == st.cpu &&
		    st.state != 'R') {
			e->has_delay = true;
			e->delay_ns = o->delay_ns;
			continue;
		}
		snprintf(rel, sizeof rel, "%s/schedstat", name);
		fd = openat(s->procfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		uint64_t oncpu;
		e->has_delay = groups_parse_schedstat(buf, &oncpu, &e->delay_ns) == 0;
	}
	return rc;
}

/*
 * The group of e, when the scan did not just say.  Between scans a process
 * keeps the cgroup it had, and a new one is in its parent's (as fork puts
 * it; a later move shows at the next scan); else the root task group's
 * session, or the process itself.
 */
static uint64_t resolve_group(struct groups_state *s, struct pid_ent *e, bool scanned,
                              bool autogroup, int depth)
{
	if (e->group != 0)
		return e->group;
	uint64_t g = 0;
	if (!scanned) {
		const struct pid_ent *o = pidtab_find(&s->tab[!s->cur], e->pid);
		if (o && o->has_stat && o->start == e->start) {
			if ((o->group >> 62) == GROUPS_CGROUP)
				g = o->group;
		} else if (depth < 16) {
			struct pid_ent *parent = pidtab_find(&s->tab[s->cur], e->ppid);
			if (parent && parent->has_stat && parent != e) {
				uint64_t pg =
				    resolve_group(s, parent, scanned, autogroup, depth + 1);
				if ((pg >> 62) == GROUPS_CGROUP)
					g = pg;
			}
		}
	}
	if (g == 0)
		g = autogroup && e->sid > 0 ? KEY_SESSION | (uint64_t)e->sid
		                            : KEY_PROCESS | (uint64_t)e->pid;
	e->group = g;
	return g;
}

static void assign_groups(struct groups_state *s, bool scanned, bool autogroup)
{
	struct pidtab *t = &s->tab[s->cur];
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].pid != 0 && t->e[i].has_stat)
			resolve_group(s, &t->e[i], scanned, autogroup, 0);
}

/* Sum the CPU each group used, and the time it waited for one, since the
 * previous walk. */
static int account(struct groups_state *s)
{
	const struct pidtab *cur = &s->tab[s->cur], *prev = &s->tab[!s->cur];
	int rc = 0;
	for (size_t i = 0; i < cur->cap && rc == 0; i++) {
		const struct pid_ent *e = &cur->e[i];
		if (e->pid == 0 || !e->has_stat || (s->members[0] && !e->in_scope))
			continue;
		const struct pid_ent *o = pidtab_find(prev, e->pid);
		uint64_t d, w = 0;
		if (o && o->has_stat && o->start == e->start) {
			d = e->cpu >= o->cpu ? e->cpu - o->cpu : 0;
			if (e->has_delay && o->has_delay && e->delay_ns > o->delay_ns)
				w = e->delay_ns - o->delay_ns;
		} else {
			d = e->cpu; /* born during the interval */
			w = e->has_delay ? e->delay_ns : 0;
		}
		if (d || w)
			rc = grouptab_add(&s->groups, e->group, (double)d,
			                  (double)w * s->clk_tck / (double)NSEC);
	}
	/* a process reaped during the interval is now in its parent's cutime */
	for (size_t i = 0; i < prev->cap && rc == 0; i++) {
		const struct pid_ent *o = &prev->e[i];
		if (o->pid == 0 || !o->has_stat || o->cpu == 0 || (s->members[0] && !o->in_scope))
			continue;
		const struct pid_ent *e = pidtab_find(cur, o->pid);
		if (e && e->has_stat && e->start == o->start)
			continue;
		const struct pid_ent *parent = pidtab_find(cur, o->ppid);
		if (parent == NULL || !parent->has_stat)
			parent = pidtab_find(cur, 1); /* reparented, then reaped */
		if (parent && parent->has_stat)
			rc = grouptab_add(&s->groups, parent->group, -(double)o->cpu, 0);
	}
	return rc;
}

static int groups_walk(struct groups_state *s, uint64_t now_ns)
{
	s->cur = !s->cur;
	pidtab_clear(&s->tab[s->cur]);
	grouptab_clear(&s->groups);

	bool autogroup = false;
	if (s->autogroup.fd >= 0 && procfile_read(&s->autogroup) > 0)
		autogroup = s->autogroup.buf[0] == '1';
	unsigned ncpu = 1;
	if (procfile_read(&s->stat) > 0)
		ncpu = count_cpus(s->stat.buf);

	int rc = 0;
	bool scanned = false;
	if (s->mode != CG_NONE && s->walks_to_rescan == 0) {
		scanned = true;
		/* new cgroups are found here only: between scans, processes of a
		 * new cgroup count as the root's (by session, usually the same) */
		s->ncgroups = 0;
		s->walks_to_rescan = GROUPS_RESCAN_WALKS;
		char dir[PATH_MAX];
		size_t len = strlen(s->cgroot);
		memcpy(dir, s->cgroot, len + 1);
		bool root_delegates = s->mode == CG_V1 || v2_delegates_cpu(s, dir, len);
		if (root_delegates)
			rc = visit_cgroup(s, dir, len, 0, true, 0);
	}
	if (s->walks_to_rescan > 0)
		s->walks_to_rescan--;
	if (rc == 0 && s->members[0]) {
		char dir[PATH_MAX];
		size_t len = strlen(s->members);
		memcpy(dir, s->members, len + 1);
		rc = mark_scope(s, dir, len, 0);
	}
	if (rc == 0)
		rc = walk_procs(s);
	if (rc == 0)
		assign_groups(s, scanned, autogroup);
	if (rc < 0) {
		s->have_prev = false;
		s->value = NAN;
		s->demand = NAN;
		return rc;
	}
	if (s->have_prev) {
		double dt = (double)(now_ns - s->prev_ns) / 1e9;
		rc = account(s);
		if (rc < 0 || !(dt > 0)) {
			s->value = NAN;
			s->demand = NAN;
		} else {
			double cpus = s->scope_ncpu > 0 ? s->scope_ncpu : (double)ncpu;
			double half = 0.5 * (cpus < 1.0 ? cpus : 1.0) * dt * s->clk_tck;
			unsigned busy = 0, wanting = 0;
			for (size_t i = 0; i < s->groups.cap; i++) {
				const struct group_ent *g = &s->groups.e[i];
				if (g->key == 0)
					continue;
				busy += g->ticks >= half;
				wanting += g->ticks + g->wait >= half;
			}
			s->value = (double)busy / cpus;
			s->demand = (double)wanting / cpus;
		}
	}
	s->prev_ns = now_ns;
	s->have_prev = rc == 0;
	return rc;
}

int groups_open(struct groups_state **out, const char *procfs, const char *sysfs, double walk_s)
{
	struct groups_state *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -ENOMEM;
	s->procfd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->autogroup.fd = -1;
	if (s->procfd < 0) {
		int e = -errno;
		free(s);
		return e;
	}
	int rc = procfile_open(&s->stat, procfs, "stat");
	if (rc < 0) {
		close(s->procfd);
		free(s);
		return rc;
	}
	procfile_open(&s->autogroup, procfs, "sys/kernel/sched_autogroup_enabled");
	find_cgroup_root(s, sysfs);
	s->dirbuf = malloc(GROUPS_PROCBUF);
	if (s->dirbuf == NULL) {
		groups_close(s);
		return -ENOMEM;
	}
	long tck = sysconf(_SC_CLK_TCK);
	s->clk_tck = tck > 0 ? (double)tck : 100.0;
	s->walk_ns = (uint64_t)(walk_s * 1e9);
	s->value = NAN;
	s->demand = NAN;
	*out = s;
	return 0;
}

int groups_sample(struct groups_state *s, uint64_t now_ns, double *value)
{
	int rc = 0;
	if (!s->have_prev || isnan(s->value) || now_ns - s->prev_ns >= s->walk_ns)
		rc = groups_walk(s, now_ns);
	s->last_rc = rc;
	*value = s->value;
	return rc;
}

double groups_demand(const struct groups_state *s)
{
	return s->demand;
}

int groups_group_of(const struct groups_state *s, int pid, enum groups_kind *kind, uint64_t *id)
{
	const struct pid_ent *e = pidtab_find(&s->tab[s->cur], pid);
	if (e == NULL || !e->has_stat || e->group == 0)
		return -ENOENT;
	*kind = (enum groups_kind)(e->group >> 62);
	*id = e->group & ~(3ULL << 62);
	return 0;
}

int groups_set_scope(struct groups_state *s, const char *members_dir, double ncpu)
{
	s->members[0] = '\0';
	s->scope_ncpu = 0;
	if (members_dir == NULL || members_dir[0] == '\0')
		return 0;
	if (strlen(members_dir) >= sizeof s->members - 64)
		return -ENAMETOOLONG;
	snprintf(s->members, sizeof s->members, "%s", members_dir);
	s->scope_ncpu = ncpu;
	return 0;
}

unsigned groups_cgroups_seen(const struct groups_state *s)
{
	return s->ncgroups;
}

void groups_close(struct groups_state *s)
{
	if (s == NULL)
		return;
	close(s->procfd);
	procfile_close(&s->stat);
	procfile_close(&s->autogroup);
	free(s->dirbuf);
	pidtab_free(&s->tab[0]);
	pidtab_free(&s->tab[1]);
	grouptab_free(&s->groups);
	free(s->buf);
	free(s);
}

static int groups_init(const struct sampler_env *env, void **state)
{
	struct groups_state *s;
	int rc = groups_open(&s, env->procfs, env->sysfs, GROUPS_WALK_S);
	if (rc == 0 && env->scope && env->scope->cgroup) {
		rc = groups_set_scope(s, env->scope->members_dir, env->scope->ncpu);
		if (rc < 0)
			groups_close(s);
	}
	if (rc == 0)
		*state = s;
	return rc;
}

static int groups_sample_cb(void *state, uint64_t now_ns, double *out)
{
	int rc = groups_sample(state, now_ns, &out[FEAT_cpu_groups_per_core]);
	out[FEAT_cpu_demand_per_core] = groups_demand(state);
	return rc;
}

static void groups_fini(void *state)
{
	groups_close(state);
}

const struct sampler sampler_groups = {
    .name = "groups",
    .features = groups_features,
    .init = groups_init,
    .sample = groups_sample_cb,
    .fini = groups_fini,
};

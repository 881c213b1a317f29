/* scope: the machine or a cgroup as the host (see scope.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"
#include "procfile.h"
#include "scope.h"

#define SMALL 8192   /* small cgroup files read at setup */

/* ------------------------------------------------------------ parsers */

/* Does the comma-separated list [p, end) hold name? */
static bool list_has(const char *p, const char *end, const char *name)
{
	size_t len = strlen(name);
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		if ((size_t)(e - p) == len && memcmp(p, name, len) == 0)
			return true;
		p = e + 1;
	}
	return false;
}

static void copy_path(char *dst, const char *p, const char *end)
{
	size_t n = (size_t)(end - p);
	if (n >= PATH_MAX)
		n = PATH_MAX - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

int scope_parse_proc_cgroup(const char *text, struct scope_cgpaths *cp)
{
	memset(cp, 0, sizeof *cp);
	bool any = false;
	const char *p = text;
	do {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *c1 = memchr(p, ':', (size_t)(end - p));
		if (c1 == NULL)
			continue;
		const char *c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
		if (c2 == NULL || c2 + 1 >= end || c2[1] != '/')
			continue;
		const char *path = c2 + 1;
		any = true;
		if (c2 == c1 + 1) {   /* "0::/path": the unified hierarchy */
			copy_path(cp->v2, path, end);
			continue;
		}
		static const struct { const char *name; size_t off; } ctl[] = {
			{ "cpuset", offsetof(struct scope_cgpaths, cpuset) },
			{ "cpu", offsetof(struct scope_cgpaths, cpu) },
			{ "cpuacct", offsetof(struct scope_cgpaths, cpuacct) },
			{ "memory", offsetof(struct scope_cgpaths, memory) },
		};
		for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
			if (list_has(c1 + 1, c2, ctl[i].name))
				copy_path((char *)cp + ctl[i].off, path, end);
	} while (parse_next_line(&p));
	return any ? 0 : -EINVAL;
}

int scope_parse_cpulist(const char *text, struct scope_cpus *c)
{
	memset(c, 0, sizeof *c);
	const char *p = text;
	parse_skip_blanks(&p);
	while (*p && *p != '\n') {
		uint64_t a, b;
		if (!parse_u64(&p, &a))
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (!parse_u64(&p, &b) || b < a)
				return -EINVAL;
		}
		if (b >= SCOPE_MAX_CPUS)
			return -EINVAL;
		for (uint64_t i = a; i <= b; i++) {
			if (!scope_has_cpu(c, (unsigned)i))
				c->n++;
			c->bits[i / 64] |= 1ULL << (i % 64);
		}
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return 0;
}

int scope_parse_cpu_max(const char *text, double *cpus)
{
	const char *p = text;
	uint64_t q, per;
	parse_skip_blanks(&p);
	bool max = parse_starts(p, "max");
	if (max)
		p += 3;
	else if (!parse_u64(&p, &q))
		return -EINVAL;
	if (!parse_u64(&p, &per) || per == 0)
		return -EINVAL;
	*cpus = max ? 0.0 : (double)q / (double)per;
	return 0;
}

int scope_parse_cfs_quota(const char *quota, const char *period, double *cpus)
{
	const char *p = quota, *r = period;
	uint64_t q, per;
	parse_skip_blanks(&p);
	if (!parse_u64(&r, &per) || per == 0)
		return -EINVAL;
	if (*p == '-') {
		p++;
		if (!parse_u64(&p, &q))
			return -EINVAL;
		*cpus = 0.0;   /* -1: no quota */
		return 0;
	}
	if (!parse_u64(&p, &q))
		return -EINVAL;
	*cpus = (double)q / (double)per;
	return 0;
}

int scope_parse_mem_limit(const char *text, uint64_t *bytes)
{
	const char *p = text;
	parse_skip_blanks(&p);
	if (parse_starts(p, "max")) {
		*bytes = 0;
		return 0;
	}
	uint64_t v;
	if (!parse_u64(&p, &v))
		return -EINVAL;
	*bytes = v >= SCOPE_V1_NO_LIMIT ? 0 : v;
	return 0;
}

int scope_parse_cpu_stat(const char *text, struct scope_cpu_stat *st)
{
	memset(st, 0, sizeof *st);
	bool any = false;
	const char *p = text;
	do {
		const char *q;
		uint64_t v;
		if (parse_starts(p, "nr_periods ")) {
			q = p + 11;
			any |= parse_u64(&q, &st->nr_periods);
		} else if (parse_starts(p, "nr_throttled ")) {
			q = p + 13;
			any |= parse_u64(&q, &st->nr_throttled);
		} else if (parse_starts(p, "throttled_time ")) {   /* v1, ns */
			q = p + 15;
			if (parse_u64(&q, &v)) {
				st->throttled_ns = v;
				st->have_throttled = any = true;
			}
		} else if (parse_starts(p, "throttled_usec ")) {   /* v2 */
			q = p + 15;
			if (parse_u64(&q, &v) && v <= UINT64_MAX / 1000) {
				st->throttled_ns = v * 1000;
				st->have_throttled = any = true;
			}
		} else if (parse_starts(p, "usage_usec ")) {   /* v2 */
			q = p + 11;
			if (parse_u64(&q, &v) && v <= UINT64_MAX / 1000) {
				st->usage_ns = v * 1000;
				st->have_usage = any = true;
			}
		}
	} while (parse_next_line(&p));
	return any ? 0 : -EINVAL;
}

int scope_parse_inactive_file(const char *text, uint64_t *bytes)
{
	bool have_total = false, have = false;
	uint64_t total = 0, local = 0;
	const char *p = text;
	do {
		const char *q;
		if (parse_starts(p, "total_inactive_file ")) {
			q = p + 20;
			have_total = parse_u64(&q, &total);
		} else if (parse_starts(p, "inactive_file ")) {
			q = p + 14;
			have = parse_u64(&q, &local);
		}
	} while (parse_next_line(&p));
	if (!have_total && !have)
		return -EINVAL;
	*bytes = have_total ? total : local;
	return 0;
}

int scope_parse_setting(const char *value, enum scope_mode *mode, char *path)
{
	path[0] = '\0';
	if (value == NULL || strcmp(value, "auto") == 0) {
		*mode = SCOPE_AUTO;
		return 0;
	}
	if (strcmp(value, "host") == 0) {
		*mode = SCOPE_HOST;
		return 0;
	}
	if (strncmp(value, "cgroup:", 7) == 0 && value[7] == '/' && strlen(value + 7) < PATH_MAX &&
	    strstr(value + 7, "/..") == NULL) {
		*mode = SCOPE_CGROUP;
		snprintf(path, PATH_MAX, "%s", value + 7);
		size_t n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			path[--n] = '\0';
		return 0;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------ the tree */

struct roots {
	int version;
	char v2[PATH_MAX];
	char cpuset[PATH_MAX], cpu[PATH_MAX], cpuacct[PATH_MAX], memory[PATH_MAX];
};

static bool exists(const char *dir, const char *file)
{
	char path[PATH_MAX];
	struct stat st;
	return path_join(path, sizeof path, dir, file) == 0 && stat(path, &st) == 0;
}

/* dir/file into buf; the length or a negative errno. */
static long read_in(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof path, dir, file) < 0)
		return -ENAMETOOLONG;
	return read_small_file(NULL, path, buf, size);
}

/* The v1 hierarchy holding controller ctl (marked by file), or "". */
static void find_v1(const char *cgfs, const char *ctl, const char *marker, char *out)
{
	char names[3][64];
	snprintf(names[0], sizeof names[0], "%s", ctl);
	snprintf(names[1], sizeof names[1], "cpu,cpuacct");
	snprintf(names[2], sizeof names[2], "cpuacct,cpu");
	out[0] = '\0';
	for (int i = 0; i < 3; i++) {
		char dir[PATH_MAX];
		if (path_join(dir, sizeof dir, cgfs, names[i]) == 0 && exists(dir, marker)) {
			snprintf(out, PATH_MAX, "%s", dir);
			return;
		}
	}
}

static void find_roots(struct roots *r, const char *sysfs)
{
	char cgfs[PATH_MAX];
	memset(r, 0, sizeof *r);
	if (path_join(cgfs, sizeof cgfs, sysfs, "fs/cgroup") < 0)
		return;
	if (exists(cgfs, "cgroup.controllers")) {
		r->version = 2;
		snprintf(r->v2, sizeof r->v2, "%s", cgfs);
		return;
	}
	find_v1(cgfs, "cpuset", "cpuset.cpus", r->cpuset);
	find_v1(cgfs, "cpu", "cpu.cfs_quota_us", r->cpu);
	find_v1(cgfs, "cpuacct", "cpuacct.usage", r->cpuacct);
	find_v1(cgfs, "memory", "memory.limit_in_bytes", r->memory);
	if (r->cpuset[0] || r->cpu[0] || r->cpuacct[0] || r->memory[0])
		r->version = 1;
}

/* root + rel into out ("" when either is empty or it does not fit). */
static void under(char *out, const char *root, const char *rel)
{
	out[0] = '\0';
	if (root[0] && rel[0] && strcmp(rel, "/") != 0) {
		if (path_join(out, PATH_MAX, root, rel + 1) < 0)
			out[0] = '\0';
	} else if (root[0] && rel[0]) {
		snprintf(out, PATH_MAX, "%s", root);
	}
}

/* Strip rel's last component: "/a/b" -> "/a", "/a" -> "/"; false at "/". */
static bool up(char *rel)
{
	char *s = strrchr(rel, '/');
	if (s == NULL || strcmp(rel, "/") == 0)
		return false;
	if (s == rel)
		s[1] = '\0';
	else
		*s = '\0';
	return true;
}

/* The CPU set of the cgroup dir (v1 cpuset.effective_cpus or
 * cpuset.cpus; v2 cpuset.cpus.effective).  Returns 0 or a negative errno. */
static int read_cpus(const char *dir, int version, struct scope_cpus *c)
{
	char buf[SMALL];
	static const char *const v1[] = { "cpuset.effective_cpus", "cpuset.cpus" };
	static const char *const v2[] = { "cpuset.cpus.effective", NULL };
	const char *const *names = version == 2 ? v2 : v1;
	for (int i = 0; i < 2 && names[i]; i++)
		if (read_in(dir, names[i], buf, sizeof buf) >= 0)
			return scope_parse_cpulist(buf, c);
	return -ENOENT;
}

/* The CPU quota of the cgroup dir in CPUs, 0 for none or unreadable. */
static double read_quota(const char *dir, int version)
{
	char q[128], per[128];
	double cpus = 0;
	if (version == 2) {
		if (read_in(dir, "cpu.max", q, sizeof q) >= 0 && scope_parse_cpu_max(q, &cpus) == 0)
			return cpus;
		return 0;
	}
	if (read_in(dir, "cpu.cfs_quota_us", q, sizeof q) >= 0 &&
	    read_in(dir, "cpu.cfs_period_us", per, sizeof per) >= 0 &&
	    scope_parse_cfs_quota(q, per, &cpus) == 0)
		return cpus;
	return 0;
}

static uint64_t read_limit(const char *dir, int version)
{
	char buf[128];
	uint64_t v = 0;
	if (read_in(dir, version == 2 ? "memory.max" : "memory.limit_in_bytes", buf, sizeof buf) >= 0 &&
	    scope_parse_mem_limit(buf, &v) == 0)
		return v;
	return 0;
}

/* The CPUs procfs/stat has per-CPU lines for. */
static int machine_cpus(const char *procfs, struct scope_cpus *c)
{
	char buf[65536];   /* the per-CPU lines come first: a longer file's tail is not needed */
	memset(c, 0, sizeof *c);
	long n = read_small_file(procfs, "stat", buf, sizeof buf);
	if (n < 0)
		return (int)n;
	const char *p = buf;
	do {
		if (parse_starts(p, "cpu") && p[3] >= '0' && p[3] <= '9') {
			const char *q = p + 3;
			uint64_t i;
			if (parse_u64(&q, &i) && i < SCOPE_MAX_CPUS && !scope_has_cpu(c, (unsigned)i)) {
				c->bits[i / 64] |= 1ULL << (i % 64);
				c->n++;
			}
		}
	} while (parse_next_line(&p));
	return c->n ? 0 : -EINVAL;
}

/*
 * Add the kernel's online CPUs (sysfs/devices/system/cpu/online) to c: a
 * container's /proc may be lxcfs's, which lists only the container's CPUs,
 * and a cpuset is then no smaller than "the machine".  Absent or unreadable
 * (a test tree without it): c stays as /proc/stat made it.
 */
static void add_online_cpus(const char *sysfs, struct scope_cpus *c)
{
	char buf[4096];
	struct scope_cpus online;
	if (read_small_file(sysfs, "devices/system/cpu/online", buf, sizeof buf) < 0 ||
	    scope_parse_cpulist(buf, &online) < 0)
		return;
	for (unsigned i = 0; i < SCOPE_MAX_CPUS; i++)
		if (scope_has_cpu(&online, i) && !scope_has_cpu(c, i)) {
			c->bits[i / 64] |= 1ULL << (i % 64);
			c->n++;
		}
}

/* What the tree says about the cgroup at rel paths (one per controller). */
struct found {
	struct scope_cpus cpus;
	bool have_cpus;
	char cpuset_top[PATH_MAX];  /* highest ancestor with the same set */
	double quota;
	char quota_rel[PATH_MAX];
	uint64_t limit;
	char limit_rel[PATH_MAX];
};

static void explore(struct found *f, const struct roots *r, const char *rel_cpuset,
		    const char *rel_cpu, const char *rel_mem)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	memset(f, 0, sizeof *f);
	const char *cs_root = r->version == 2 ? r->v2 : r->cpuset;
	const char *cpu_root = r->version == 2 ? r->v2 : r->cpu;
	const char *mem_root = r->version == 2 ? r->v2 : r->memory;

	/* the CPU set, and the highest ancestor that has the same */
	/* v2: a cgroup without the cpuset controller has the set of the
	 * nearest ancestor that has it */
	snprintf(rel, sizeof rel, "%s", rel_cpuset);
	under(dir, cs_root, rel);
	int rc = -ENOENT;
	while (dir[0] && (rc = read_cpus(dir, r->version, &f->cpus)) < 0 && up(rel))
		under(dir, cs_root, rel);
	if (rc == 0 && f->cpus.n > 0) {
		f->have_cpus = true;
		snprintf(f->cpuset_top, sizeof f->cpuset_top, "%s", rel);
		while (up(rel)) {
			struct scope_cpus pc;
			under(dir, cs_root, rel);
			if (read_cpus(dir, r->version, &pc) < 0 ||
			    memcmp(pc.bits, f->cpus.bits, sizeof pc.bits) != 0)
				break;
			snprintf(f->cpuset_top, sizeof f->cpuset_top, "%s", rel);
		}
	}
	/* the smallest quota on the path */
	if (cpu_root[0] && rel_cpu[0]) {
		snprintf(rel, sizeof rel, "%s", rel_cpu);
		do {
			under(dir, cpu_root, rel);
			double q = read_quota(dir, r->version);
			if (q > 0 && (f->quota == 0 || q < f->quota)) {
				f->quota = q;
				snprintf(f->quota_rel, sizeof f->quota_rel, "%s", rel);
			}
		} while (up(rel));
	}
	/* the smallest memory limit on the path */
	if (mem_root[0] && rel_mem[0]) {
		snprintf(rel, sizeof rel, "%s", rel_mem);
		do {
			under(dir, mem_root, rel);
			uint64_t l = read_limit(dir, r->version);
			if (l > 0 && (f->limit == 0 || l < f->limit)) {
				f->limit = l;
				snprintf(f->limit_rel, sizeof f->limit_rel, "%s", rel);
			}
		} while (up(rel));
	}
}

static void fmt_cpus(char *out, size_t size, const struct scope_cpus *c)
{
	size_t len = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < SCOPE_MAX_CPUS && len + 16 < size; i++) {
		if (!scope_has_cpu(c, i))
			continue;
		unsigned j = i;
		while (j + 1 < SCOPE_MAX_CPUS && scope_has_cpu(c, j + 1))
			j++;
		len += (size_t)snprintf(out + len, size - len, len ? ",%u" : "%u", i);
		if (j > i)
			len += (size_t)snprintf(out + len, size - len, "-%u", j);
		i = j;
	}
}

int scope_resolve(struct scope *s, const char *setting, const char *procfs, const char *sysfs,
		  char *err, size_t errlen)
{
	char want[PATH_MAX];
	memset(s, 0, sizeof *s);
	if (scope_parse_setting(setting, &s->mode, want) < 0) {
		snprintf(err, errlen, "scope '%s': expected auto, host or cgroup:/PATH",
			 setting ? setting : "");
		return -EINVAL;
	}
	struct scope_cpus all;
	if (machine_cpus(procfs, &all) < 0) {
		all.n = 1;
		memset(all.bits, 0, sizeof all.bits);
		all.bits[0] = 1;
	}
	add_online_cpus(sysfs, &all);
	s->cpus = all;
	s->machine_cpus = all.n;
	s->ncpu = all.n;
	if (s->mode == SCOPE_HOST) {
		snprintf(s->why, sizeof s->why, "host (as configured): the machine's %u CPUs",
			 all.n);
		return 0;
	}

	struct roots r;
	find_roots(&r, sysfs);
	s->version = r.version;
	struct scope_cgpaths own;
	if (s->mode == SCOPE_CGROUP) {
		snprintf(own.v2, sizeof own.v2, "%s", want);
		snprintf(own.cpuset, sizeof own.cpuset, "%s", want);
		snprintf(own.cpu, sizeof own.cpu, "%s", want);
		snprintf(own.cpuacct, sizeof own.cpuacct, "%s", want);
		snprintf(own.memory, sizeof own.memory, "%s", want);
	} else {
		char buf[SMALL];
		if (r.version == 0 || read_small_file(procfs, "self/cgroup", buf, sizeof buf) < 0 ||
		    scope_parse_proc_cgroup(buf, &own) < 0) {
			snprintf(s->why, sizeof s->why,
				 "host (auto): %s: the machine's %u CPUs",
				 r.version == 0 ? "no cgroup file system under the sysfs root"
						: "own cgroup unknown", all.n);
			return 0;
		}
	}
	const char *rel_cpuset = r.version == 2 ? own.v2 : own.cpuset;
	const char *rel_cpu = r.version == 2 ? own.v2 : own.cpu;
	const char *rel_mem = r.version == 2 ? own.v2 : own.memory;
	if (s->mode == SCOPE_CGROUP) {
		char dir[PATH_MAX];
		bool found = false;
		const char *roots[] = { r.v2, r.cpuset, r.cpu, r.cpuacct, r.memory };
		for (size_t i = 0; i < 5 && !found; i++) {
			under(dir, roots[i], want);
			struct stat st;
			found = dir[0] && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
		}
		if (!found) {
			snprintf(err, errlen, "scope cgroup:%s: no such cgroup under %s/fs/cgroup", want,
				 sysfs);
			return -ENOENT;
		}
	}

	struct found f;
	explore(&f, &r, rel_cpuset, rel_cpu, rel_mem);
	bool set_limited = f.have_cpus && f.cpus.n < all.n;
	s->quota_cpus = f.quota;
	s->cgroup = s->mode == SCOPE_CGROUP || set_limited || f.quota > 0;
	s->mem_limited = f.limit > 0;
	s->mem_limit = f.limit;
	const char *mem_root = r.version == 2 ? r.v2 : r.memory;
	const char *cpu_root = r.version == 2 ? r.v2 : r.cpu;
	const char *cs_root = r.version == 2 ? r.v2 : r.cpuset;
	if (s->mem_limited)
		under(s->mem_dir, mem_root, f.limit_rel);

	char limits[256], memtxt[400] = "";
	if (s->mem_limited)
		snprintf(memtxt, sizeof memtxt, "; memory against the limit of %.0f MiB on %.300s",
			 (double)f.limit / 1048576.0, f.limit_rel);
	if (!s->cgroup) {
		snprintf(s->why, sizeof s->why,
			 "host (auto): cgroup %.200s (v%d) limits no CPU: the machine's %u CPUs%s",
			 rel_cpu[0] ? rel_cpu : rel_cpuset, r.version, all.n, memtxt);
		return 0;
	}

	if (f.have_cpus && f.cpus.n > 0)
		s->cpus = f.cpus;
	s->ncpu = s->cpus.n;
	if (f.quota > 0 && f.quota < s->ncpu)
		s->ncpu = f.quota;
	/* whose processes are the scope's */
	if (s->mode == SCOPE_CGROUP)
		snprintf(s->path, sizeof s->path, "%s", want);
	else if (set_limited)
		snprintf(s->path, sizeof s->path, "%s", f.cpuset_top);
	else
		snprintf(s->path, sizeof s->path, "%s", f.quota_rel);
	if (strcmp(s->path, "/") == 0)
		s->members_dir[0] = '\0';   /* the root: every process (a container's own view) */
	else if (s->mode == SCOPE_CGROUP || set_limited)
		under(s->members_dir, cs_root[0] ? cs_root : cpu_root, s->path);
	else
		under(s->members_dir, cpu_root, s->path);
	if (f.quota > 0) {
		under(s->cpustat_dir, cpu_root, f.quota_rel);
		if (r.version == 2)
			snprintf(s->usage_dir, sizeof s->usage_dir, "%s", s->cpustat_dir);
		else {
			under(s->usage_dir, r.cpuacct, f.quota_rel);
			if (s->usage_dir[0] && !exists(s->usage_dir, "cpuacct.usage"))
				s->usage_dir[0] = '\0';
		}
	}
	if (r.version == 2) {
		under(s->psi_dir, r.v2, s->path);
		if (s->psi_dir[0] && !exists(s->psi_dir, "cpu.pressure"))
			s->psi_dir[0] = '\0';
	}

	char set[200];
	fmt_cpus(set, sizeof set, &s->cpus);
	if (f.quota > 0)
		snprintf(limits, sizeof limits, "CPUs %.100s, quota %.3g CPUs on %.80s", set, f.quota,
			 f.quota_rel);
	else
		snprintf(limits, sizeof limits, "CPUs %s", set);
	snprintf(s->why, sizeof s->why, "cgroup %.200s (v%d, %s): %s of the machine's %u: ncpu %.3g%s;"
		 " PSI %s", s->path, r.version,
		 s->mode == SCOPE_CGROUP ? "as configured" : "auto: it limits CPU", limits, all.n,
		 s->ncpu, memtxt, s->psi_dir[0] ? "the cgroup's own" : "unknown (no cgroup PSI)");
	return 0;
}

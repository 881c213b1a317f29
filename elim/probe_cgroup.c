/* probe_cgroup: where the probe runs (see probe_cgroup.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfile.h"
#include "probe_cgroup.h"

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool has_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* Is name a job's directory: LSF's job.ID..., or OpenLava's number? */
static bool job_name(const char *name)
{
	if (strncmp(name, "job.", 4) == 0)
		return true;
	if (*name < '0' || *name > '9')
		return false;
	for (; *name; name++)
		if ((*name < '0' || *name > '9') && *name != '.' && *name != '_')
			return false;
	return true;
}

/*
 * The jobs' parent under top (PATH_MAX in and out): the first directory
 * down that holds a job directory, else the only subdirectory, else top.
 */
static void jobs_parent(char *dir)
{
	for (int depth = 0; depth < 4; depth++) {
		DIR *d = opendir(dir);   /* setup and rare: a libc DIR is fine */
		if (d == NULL)
			return;
		struct dirent *e;
		char only[NAME_MAX + 1] = "";
		int subdirs = 0;
		bool jobs = false;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' || strncmp(e->d_name, "elim-rank-probe-", 16) == 0)
				continue;
			char sub[PATH_MAX + NAME_MAX + 2];
			snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
			if (!is_dir(sub))
				continue;
			subdirs++;
			snprintf(only, sizeof only, "%s", e->d_name);
			jobs |= job_name(e->d_name);
		}
		closedir(d);
		size_t len = strlen(dir);
		if (jobs || subdirs != 1 || len + 1 + strlen(only) >= PATH_MAX)
			return;
		dir[len] = '/';
		memcpy(dir + len + 1, only, strlen(only) + 1);
	}
}

/* Add the hierarchy at root (a directory) if it has a job tree. */
static void add_root(struct probe_cgroup *pc, const char *root, bool v1_cpuset)
{
	char real[PATH_MAX];
	if (pc->n >= PROBE_CG_MAX || realpath(root, real) == NULL)
		return;
	static const char *const tops[] = { "lsf", "openlava" };
	for (size_t i = 0; i < 2; i++) {
		char dir[PATH_MAX];
		if ((size_t)snprintf(dir, sizeof dir, "%s/%s", real, tops[i]) >= sizeof dir ||
		    !is_dir(dir))
			continue;
		jobs_parent(dir);
		for (int k = 0; k < pc->n; k++)
			if (strcmp(pc->parent[k], dir) == 0)
				return;   /* co-mounted: the same tree */
		snprintf(pc->parent[pc->n], PATH_MAX, "%s", dir);
		pc->v1_cpuset[pc->n] = v1_cpuset;
		pc->n++;
		size_t len = strlen(pc->found);
		snprintf(pc->found + len, sizeof pc->found - len, "%s%s", len ? ", " : "", dir);
		return;
	}
}

int probe_cgroup_init(struct probe_cgroup *pc, const char *setting, const char *sysfs, char *err,
		      size_t errlen)
{
	memset(pc, 0, sizeof *pc);
	if (setting == NULL)
		return 0;
	pc->on = true;
	if (strcmp(setting, "auto") != 0) {
		if (!has_file(setting, "cgroup.procs")) {
			snprintf(err, errlen, "probe cgroup: %s/cgroup.procs: %s", setting,
				 strerror(errno));
			return -ENOENT;
		}
		pc->n = 1;
		snprintf(pc->parent[0], PATH_MAX, "%s", setting);
		pc->v1_cpuset[0] = has_file(setting, "cpuset.cpus") && !has_file(setting, "cgroup.controllers");
		return 0;
	}
	pc->leaf = true;
	char cgfs[PATH_MAX];
	if (path_join(cgfs, sizeof cgfs, sysfs, "fs/cgroup") < 0)
		return 0;
	if (has_file(cgfs, "cgroup.controllers")) {
		add_root(pc, cgfs, false);   /* v2: one tree */
	} else {
		static const char *const ctl[] = { "cpu", "cpuacct", "cpu,cpuacct", "cpuacct,cpu",
						   "cpuset" };
		for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
			char root[PATH_MAX + 32];
			snprintf(root, sizeof root, "%s/%s", cgfs, ctl[i]);
			if (is_dir(root))
				add_root(pc, root, strcmp(ctl[i], "cpuset") == 0);
		}
	}
	if (pc->n == 0)
		snprintf(pc->found, sizeof pc->found,
			 "no LSF (lsf) or OpenLava (openlava) tree in a cpu, cpuacct or cpuset"
			 " hierarchy under %.700s: probes run where the elim does", cgfs);
	return 0;
}

/* Copy cpuset.cpus and cpuset.mems from dir's parent into dir. */
static int copy_cpuset(const char *dir)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (int i = 0; i < 2; i++) {
		char buf[4096], path[PATH_MAX + 32];
		snprintf(path, sizeof path, "%s/%s", parent, files[i]);
		long n = read_small_file(NULL, path, buf, sizeof buf);
		if (n < 0)
			return (int)n;
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ssize_t w = write(fd, buf, (size_t)n);
		int e = errno;
		close(fd);
		if (w != n)
			return w < 0 ? -e : -EIO;
	}
	return 0;
}

/* Make dir (a v1 cpuset copying its parent's); 0 or -errno. */
static int make_dir(const char *dir, bool v1_cpuset)
{
	if (mkdir(dir, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	if (v1_cpuset) {
		int rc = copy_cpuset(dir);
		if (rc < 0) {
			rmdir(dir);
			return rc;
		}
	}
	return 0;
}

void probe_cgroup_release(struct probe_cgroup *pc)
{
	for (int i = 0; i < PROBE_CG_MAX; i++)
		if (pc->made[i][0] && (rmdir(pc->made[i]) == 0 || errno == ENOENT))
			pc->made[i][0] = '\0';
	pc->nplaced = 0;
}

int probe_cgroup_prepare(struct probe_cgroup *pc, int id, char *err, size_t errlen)
{
	pc->nplaced = 0;
	pc->running[0] = '\0';
	if (!pc->on)
		return 0;
	probe_cgroup_release(pc);   /* what an earlier probe left */
	for (int i = 0; i < pc->n; i++) {
		char dir[PATH_MAX];
		int rc;
		if (pc->leaf) {
			if ((size_t)snprintf(dir, sizeof dir, "%s/elim-rank-probe-%d", pc->parent[i], id) >=
			    sizeof dir) {
				rc = -ENAMETOOLONG;
			} else {
				rc = make_dir(dir, pc->v1_cpuset[i]);
				if (rc == 0)
					snprintf(pc->made[i], PATH_MAX, "%s", dir);
			}
		} else {
			snprintf(dir, sizeof dir, "%s", pc->parent[i]);
			rc = has_file(dir, "cgroup.procs") ? 0 : make_dir(dir, pc->v1_cpuset[i]);
		}
		if (rc < 0) {
			snprintf(err, errlen, "cannot make %s: %s", dir, strerror(-rc));
			probe_cgroup_release(pc);
			pc->running[0] = '\0';
			return rc;
		}
		snprintf(pc->placed[pc->nplaced++], PATH_MAX, "%s", dir);
		size_t len = strlen(pc->running);
		snprintf(pc->running + len, sizeof pc->running - len, "%s%s", len ? ", " : "", dir);
	}
	return 0;
}

int probe_cgroup_join(const struct probe_cgroup *pc)
{
	for (int i = 0; i < pc->nplaced; i++) {
		char path[PATH_MAX + 32];
		snprintf(path, sizeof path, "%s/cgroup.procs", pc->placed[i]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || dprintf(fd, "%d\n", (int)getpid()) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return -e;
		}
		if (close(fd) < 0)
			return -errno;
	}
	return 0;
}

/*
 * walk: the process-table walk of the groups sampler against a bare walk
 * (list /proc, then open, read and close every /proc/PID/stat, nothing
 * parsed).  Interleaves the two, ROUNDS times each, and prints the CPU time
 * (user + system, CLOCK_PROCESS_CPUTIME_ID) per walk of each; in mode both,
 * also of a bare walk that reads every /proc/PID/cgroup too (the way the
 * groups sampler does not find cgroups).
 *
 * Usage: walk ROUNDS [SPAWN] [MODE] [CGROUPS]   SPAWN idle children first
 * (default 0); MODE bare|groups|both (default both; one mode alone is for
 * callgrind); CGROUPS: also make that many real cpu cgroups (v1 cpu
 * hierarchy at /sys/fs/cgroup/cpu, or v2 with cpu delegated) and spread
 * the children over them, as a host full of LSF job cgroups; removed at
 * the end.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dirscan.h"
#include "sampler_groups.h"

static union {
	struct dirent64 align;
	char b[32768];
} dirbuf;

/* List /proc the same way the sampler does (getdents64, no allocation),
 * then open, read and close every /proc/PID/stat; parse nothing. */
static int bare_walk(int procfd, bool cgroup_too)
{
	struct dirscan ds;
	if (dirscan_start(&ds, procfd, &dirbuf, sizeof dirbuf) < 0)
		return -1;
	const char *name;
	unsigned char type;
	char rel[300], buf[2048];
	int n = 0;
	while (dirscan_next(&ds, &name, &type) > 0) {
		if (name[0] < '1' || name[0] > '9')
			continue;
		snprintf(rel, sizeof rel, "%s/stat", name);
		int fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof buf - 1) > 0)
			n++;
		close(fd);
		if (!cgroup_too)
			continue;
		snprintf(rel, sizeof rel, "%s/cgroup", name);
		fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, buf, sizeof buf - 1) < 0)
				n--;
			close(fd);
		}
	}
	return n;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static char cg_base[256];

/* The cpu hierarchy's root, or NULL. */
static const char *cpu_root(void)
{
	struct stat st;
	if (stat("/sys/fs/cgroup/cpu/cpu.shares", &st) == 0)
		return "/sys/fs/cgroup/cpu";
	if (stat("/sys/fs/cgroup/cgroup.subtree_control", &st) == 0)
		return "/sys/fs/cgroup";
	return NULL;
}

static void cg_path(char *out, size_t size, int i, const char *file)
{
	snprintf(out, size, "%s/g%d%s%s", cg_base, i, file ? "/" : "", file ? file : "");
}

static int make_cgroups(int n)
{
	const char *root = cpu_root();
	if (root == NULL)
		return -1;
	snprintf(cg_base, sizeof cg_base, "%s/elim-rank-bench.%d", root, (int)getpid());
	if (mkdir(cg_base, 0755) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char p[512];
		cg_path(p, sizeof p, i, NULL);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	return 0;
}

static void join_cgroup(int i, pid_t pid)
{
	char p[512];
	cg_path(p, sizeof p, i, "cgroup.procs");
	FILE *f = fopen(p, "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
}

static void remove_cgroups(int n)
{
	for (int i = 0; i < n; i++) {
		char p[512];
		cg_path(p, sizeof p, i, NULL);
		for (int k = 0; k < 50 && rmdir(p) < 0 && errno == EBUSY; k++)
			usleep(20000);
	}
	rmdir(cg_base);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100;
	int spawn = argc > 2 ? atoi(argv[2]) : 0;
	const char *mode = argc > 3 ? argv[3] : "both";
	int ncg = argc > 4 ? atoi(argv[4]) : 0;
	if (ncg > 0 && make_cgroups(ncg) < 0) {
		perror("walk: making cgroups");
		return 1;
	}
	pid_t *kids = calloc((size_t)spawn + 1, sizeof *kids);
	for (int i = 0; i < spawn; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			alarm(120);
			pause();
			_exit(0);
		}
		if (ncg > 0 && kids[i] > 0)
			join_cgroup(i % ncg, kids[i]);
	}
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct groups_state *g = NULL;
	if (groups_open(&g, "/proc", "/sys", 0) < 0)
		return 1;
	double v;
	groups_sample(g, mono_ns(), &v); /* warm up both */
	int procs = bare_walk(procfd, false);
	double t_bare = 0, t_groups = 0, t_percg = 0;
	bool do_bare = strcmp(mode, "groups") != 0, do_groups = strcmp(mode, "bare") != 0;
	for (int r = 0; r < rounds; r++) {
		double t0 = cpu_now();
		if (do_bare)
			bare_walk(procfd, false);
		double t1 = cpu_now();
		if (do_groups)
			groups_sample(g, mono_ns(), &v);
		double t2 = cpu_now();
		if (do_bare && do_groups)
			bare_walk(procfd, true);
		double t3 = cpu_now();
		t_bare += t1 - t0;
		t_groups += t2 - t1;
		t_percg += t3 - t2;
	}
	printf("cgroups %u ", groups_cgroups_seen(g));
	printf("processes %d rounds %d bare_ms %.4f groups_ms %.4f ratio %.3f value %g", procs,
	       rounds, 1e3 * t_bare / rounds, 1e3 * t_groups / rounds,
	       t_bare > 0 ? t_groups / t_bare : 0.0, v);
	if (t_percg > 0) /* the alternative: /proc/PID/cgroup of every process */
		printf(" bare+pid_cgroup_ms %.4f ratio %.3f", 1e3 * t_percg / rounds,
		       t_percg / t_bare);
	printf("\n");
	groups_close(g);
	for (int i = 0; i < spawn; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	free(kids);
	if (ncg > 0)
		remove_cgroups(ncg);
	return 0;
}

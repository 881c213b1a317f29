/*
 * test_caps: least privilege, for real.  caps_drop_process in a forked
 * child (what it takes away must really be gone: root can no longer read
 * another user's 0600 file, nor chown, nor regain anything by exec), then
 * the real elim.rank under the LIM-like harness, its threads' sets read
 * from /proc/PID/task/TID/status: nothing in any thread by default; in the
 * main thread only what the probe command needs (and that command is still
 * started as nobody, and killed on timeout); CAP_NET_RAW gone once the
 * capture is open, with the capture still counting.  Needs root.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "harness.h"
#include "testutil.h"

/* ------------------------------------------------------------ unit */

static void *thread_caps(void *arg)
{
	*(uint64_t *)arg = caps_effective();
	return NULL;
}

/* The child's checks, one exit code each: 0 = all held. */
static int drop_and_check(const char *secret)
{
	if (caps_drop_process(CAPS_BIT(CAP_KILL)) != 0)
		return 10;
	if (caps_effective() != CAPS_BIT(CAP_KILL))
		return 11;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 12;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 0)
		return 13;
	/* no CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: another user's 0600 file */
	int fd = open(secret, O_RDONLY);
	if (fd >= 0 || errno != EACCES)
		return 14;
	/* no CAP_CHOWN */
	if (chown(secret, 0, 0) == 0 || errno != EPERM)
		return 15;
	/* threads created afterwards inherit the reduced set */
	uint64_t t = ~0ULL;
	pthread_t th;
	if (pthread_create(&th, NULL, thread_caps, &t) != 0 || pthread_join(th, NULL) != 0)
		return 16;
	if (t != CAPS_BIT(CAP_KILL))
		return 17;
	/* and what is dropped cannot be taken back */
	if (caps_limit_thread(CAPS_BIT(CAP_KILL) | CAPS_BIT(CAP_SYS_ADMIN)) != 0)
		return 18;
	if (caps_effective() != CAPS_BIT(CAP_KILL))
		return 19;
	if (caps_limit_thread(0) != 0 || caps_effective() != 0)
		return 20;
	return 0;
}

static void test_drop_process(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char secret[512];
	snprintf(secret, sizeof secret, "%s/secret", dir);
	tu_write(dir, "secret", "not for root without privileges\n");
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chown(secret, 12345, 12345), 0);
	assert_int_equal(chmod(secret, 0600), 0);
	/* with everything, root reads it */
	int fd = open(secret, O_RDONLY);
	assert_true(fd >= 0);
	close(fd);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(drop_and_check(secret));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("check %d failed in the child after caps_drop_process", WEXITSTATUS(st));
	/* this process keeps its own */
	assert_true(caps_effective() & CAPS_BIT(CAP_SYS_ADMIN));
	tu_rmtree(dir);
	free(dir);
}

static void test_names(void **state)
{
	(void)state;
	char buf[128];
	caps_names(0, buf, sizeof buf);
	assert_string_equal(buf, "none");
	caps_names(CAPS_BIT(CAP_KILL) | CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_NET_RAW), buf, sizeof buf);
	assert_string_equal(buf, "cap_kill,cap_setuid,cap_net_raw");
	caps_names(CAPS_BIT(62), buf, sizeof buf);
	assert_string_equal(buf, "cap_62");
	caps_names(~0ULL, buf, 16);   /* truncated, still a string */
	assert_true(strlen(buf) < 16);
}

/* ------------------------------------------------------------ the elim */

struct task_caps {
	int tid;
	uint64_t eff, prm, inh, bnd, amb;
	int nnp;
};

/* Read every thread's sets; returns the count (at most max). */
static int read_tasks(pid_t pid, struct task_caps *t, int max)
{
	char path[128];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		if (e->d_name[0] == '.')
			continue;
		char sp[512], line[256];
		snprintf(sp, sizeof sp, "%s/%s/status", path, e->d_name);
		FILE *f = fopen(sp, "r");
		if (f == NULL)
			continue;   /* a thread that just ended */
		struct task_caps *c = &t[n];
		memset(c, 0, sizeof *c);
		c->tid = atoi(e->d_name);
		c->nnp = -1;
		int seen = 0;
		while (fgets(line, sizeof line, f)) {
			unsigned long long v;
			if (sscanf(line, "CapEff: %llx", &v) == 1)
				c->eff = v, seen++;
			else if (sscanf(line, "CapPrm: %llx", &v) == 1)
				c->prm = v, seen++;
			else if (sscanf(line, "CapInh: %llx", &v) == 1)
				c->inh = v, seen++;
			else if (sscanf(line, "CapBnd: %llx", &v) == 1)
				c->bnd = v, seen++;
			else if (sscanf(line, "CapAmb: %llx", &v) == 1)
				c->amb = v, seen++;
			else if (sscanf(line, "NoNewPrivs: %d", &c->nnp) == 1)
				seen++;
		}
		fclose(f);
		if (seen == 6)
			n++;
	}
	closedir(d);
	return n;
}

/* Every thread: nothing but main_keep in the main thread, nothing elsewhere,
 * empty bounding and ambient sets, no_new_privs.  Returns the thread count. */
static int assert_threads(pid_t pid, uint64_t main_keep)
{
	struct task_caps t[32];
	int n = read_tasks(pid, t, 32);
	assert_true(n >= 1);
	bool main_seen = false;
	for (int i = 0; i < n; i++) {
		uint64_t want = t[i].tid == pid ? main_keep : 0;
		main_seen |= t[i].tid == pid;
		if (t[i].eff != want || t[i].prm != want)
			fail_msg("thread %d: effective %llx permitted %llx, expected %llx", t[i].tid,
				 (unsigned long long)t[i].eff, (unsigned long long)t[i].prm,
				 (unsigned long long)want);
		assert_int_equal(t[i].inh, 0);
		assert_int_equal(t[i].bnd, 0);
		assert_int_equal(t[i].amb, 0);
		assert_int_equal(t[i].nnp, 1);
	}
	assert_true(main_seen);
	return n;
}

struct run {
	char *dir;
	char db[600], log[600];
	struct th h;
};

static void run_start_nice(struct run *r, const char *const *extra, bool nice20)
{
	memset(r, 0, sizeof *r);
	r->dir = tu_tmpdir();
	snprintf(r->db, sizeof r->db, "%s/history.db", r->dir);
	snprintf(r->log, sizeof r->log, "%s/log", r->dir);
	const char *args[24] = { "--interval", "0.2", "--state-dir", r->dir, "--history", r->db,
				 "--verbose" };
	size_t n = 7;
	for (size_t i = 0; extra && extra[i] && n < 23; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	struct th_opts o = { .lim_like = true, .keep_nice = !nice20, .err = TH_FILE, .err_file = r->log, .foreground = true };
	th_start(&r->h, &o, args);
	/* a few records: every thread is up by then */
	double rank;
	int got = 0;
	while (got < 4) {
		int k = th_read_raw(&r->h, 5.0, &rank);
		assert_true(k > 0);
		got += k;
	}
}

/* As LIM starts it: at nice -20 (which the elim resets to 0). */
static void run_start(struct run *r, const char *const *extra)
{
	run_start_nice(r, extra, true);
}

static void run_stop(struct run *r)
{
	th_kill(&r->h, SIGTERM);
	double rank;
	while (th_read_raw(&r->h, 2.0, &rank) > 0)
		;
	int st = th_wait(&r->h, 5.0);
	assert_int_equal(st, 0);
	th_close(&r->h);
}

/* Read records until the history holds n probe results (10 s at most);
 * the history's count. */
static int wait_probe_results(struct run *r, int n)
{
	const char *q = "SELECT count(*) FROM samples WHERE probe_result IS NOT NULL";
	double end = th_now() + 10, rank;
	while (th_now() < end && tu_sql_int(r->db, q) < n)
		th_read_raw(&r->h, 1.0, &rank);
	return tu_sql_int(r->db, q);
}

static void run_done(struct run *r)
{
	tu_rmtree(r->dir);
	free(r->dir);
}

/* By default no thread keeps anything, and the elim still does its work:
 * records, and a history written under its state directory. */
static void test_elim_default(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, (const char *const[]){ "--probe-interval", "0.5", "--probe-duration", "0.05",
					     NULL });
	int n = assert_threads(r.h.pid, 0);
	assert_true(n >= 3);   /* main, sampling, history */
	/* the built-in probe ran, and its baseline was saved */
	assert_true(wait_probe_results(&r, 2) >= 2);
	run_stop(&r);
	assert_true(tu_file_has(r.log, "capabilities: keeping none"));
	char bl[700];
	snprintf(bl, sizeof bl, "%s/probe.baseline", r.dir);
	assert_int_equal(access(bl, R_OK), 0);
	run_done(&r);
}

/* sleep(1) processes of uid whose command line contains needle. */
static int count_procs(uid_t uid, const char *needle)
{
	DIR *d = opendir("/proc");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300], buf[256];
		struct stat st;
		snprintf(path, sizeof path, "/proc/%s", e->d_name);
		if (stat(path, &st) < 0 || st.st_uid != uid)
			continue;
		snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
		FILE *c = fopen(path, "r");
		if (c == NULL)
			continue;
		bool is_sleep = fgets(buf, sizeof buf, c) && strcmp(buf, "sleep\n") == 0;
		fclose(c);
		if (!is_sleep)
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t k = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (k <= 0)
			continue;
		for (ssize_t i = 0; i < k; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[k] = '\0';
		n += strstr(buf, needle) != NULL;
	}
	closedir(d);
	return n;
}

/* A probe command: the main thread keeps CAP_SETUID, CAP_SETGID and
 * CAP_KILL and nothing else; the command runs as nobody, and a hung one is
 * killed at its timeout (which takes CAP_KILL: it is no longer ours). */
static void test_elim_probe_command(void **state)
{
	(void)state;
	/* an odd duration to find our sleeps among anyone else's (other
	 * checkouts may run this very test at the same time: our pid in it) */
	char cmd[64], odd[32];
	snprintf(odd, sizeof odd, "97.%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "/bin/sleep %s", odd);
	struct run r;
	run_start(&r, (const char *const[]){ "--probe-command", cmd, "--probe-user", "nobody",
					     "--probe-interval", "1", "--probe-timeout", "1", NULL });
	assert_threads(r.h.pid, CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_KILL));
	/* the command starts as nobody (uid 65534 on Debian) ... */
	double end = th_now() + 30, rank;
	int seen = 0;
	while (th_now() < end && (seen = count_procs(65534, odd)) == 0)
		th_read_raw(&r.h, 0.2, &rank);
	assert_true(seen >= 1);
	assert_int_equal(count_procs(0, odd), 0);
	/* ... and the timeouts kill it: never more than one alive at a time,
	 * with a failed probe logged */
	end = th_now() + 4;
	while (th_now() < end) {
		assert_true(count_procs(65534, odd) <= 1);
		th_read_raw(&r.h, 0.3, &rank);
	}
	run_stop(&r);
	assert_int_equal(count_procs(65534, odd), 0);
	assert_true(tu_file_has(r.log, "capabilities: keeping cap_kill,cap_setgid,cap_setuid"));
	assert_true(tu_file_has(r.log, "timeout") || tu_file_has(r.log, "killed"));
	run_done(&r);
}

/* The main thread keeps CAP_SYS_NICE and nothing else, the other threads
 * nothing, and the probe gets its nice value (no failure logged). */
static void check_keeps_only_nice(struct run *r)
{
	assert_threads(r->h.pid, CAPS_BIT(CAP_SYS_NICE));
	assert_true(wait_probe_results(r, 1) >= 1);
	run_stop(r);
	assert_false(tu_file_has(r->log, "probe: nice"));
	run_done(r);
}

/* A nice value below 0 for the probe keeps CAP_SYS_NICE, and only that. */
static void test_elim_probe_nice(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, (const char *const[]){ "--probe-nice", "-5", "--probe-interval", "0.5",
					     "--probe-duration", "0.05", NULL });
	check_keeps_only_nice(&r);
}

/* Started at nice 5, the elim keeps CAP_SYS_NICE to give its probe nice 0
 * (a lower value than its own), and the probe does get it. */
static void test_elim_started_niced(void **state)
{
	(void)state;
	errno = 0;
	int was = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(errno, 0);
	assert_int_equal(setpriority(PRIO_PROCESS, 0, 5), 0);
	struct run r;
	run_start_nice(&r, (const char *const[]){ "--probe-interval", "0.5", "--probe-duration", "0.05",
						  NULL }, false);
	assert_int_equal(setpriority(PRIO_PROCESS, 0, was), 0);
	check_keeps_only_nice(&r);
}

/* A /proc mounted with hidepid and a gid= other than root's hides other
 * users' processes from an elim without CAP_SYS_PTRACE: it says so.  With
 * root's group (the default) root still sees them all: no warning. */
static void test_hidepid_warned(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	const char *elim = getenv("ELIM_BIN");
	assert_non_null(elim);
	static const struct { const char *opts; bool warned; } cases[] = {
		{ "hidepid=2,gid=5", true }, { "hidepid=2", false }, { "hidepid=2,gid=0", false },
		{ "hidepid=0,gid=5", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char script[2048], *err;
		snprintf(script, sizeof script, "mkdir -p %s/proc && mount -t proc -o %s proc %s/proc &&"
			 " exec %s --once --no-history --no-probe --foreground --procfs %s/proc",
			 dir, cases[i].opts, dir, elim, dir);
		int rc = th_run(&(struct th_opts){ .bin = "unshare", .out = TH_NULL },
				(const char *const[]){ "-m", "/bin/sh", "-c", script, NULL }, 60.0, NULL,
				&err);
		assert_int_equal(rc, 0);
		bool warned = strstr(err, "is mounted with hidepid and a gid=") != NULL;
		free(err);
		if (warned != cases[i].warned)
			fail_msg("-o %s: the warning was %s", cases[i].opts,
				 cases[i].warned ? "missing" : "given");
	}
	tu_rmtree(dir);
	free(dir);
}

#ifdef HAVE_LIBPCAP
/* Traffic classes: CAP_NET_RAW opens the capture and is then dropped from
 * every thread; the capture goes on counting. */
static void test_elim_pcap(void **state)
{
	(void)state;
	struct run r;
	run_start(&r, (const char *const[]){ "--pcap-interface", "lo", "--pcap-class",
					     "discard=udp port 9", "--no-probe", NULL });
	int n = assert_threads(r.h.pid, 0);
	assert_true(n >= 4);   /* and the capture thread */
	/* traffic the class matches, from this process: unprivileged sockets */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char payload[1000];
	memset(payload, 'x', sizeof payload);
	double end = th_now() + 10, rank;
	while (th_now() < end &&
	       tu_sql_int(r.db, "SELECT count(*) FROM samples WHERE pcap_discard_bps > 0") < 1) {
		for (int i = 0; i < 50; i++)
			sendto(s, payload, sizeof payload, 0, (struct sockaddr *)&to, sizeof to);
		th_read_raw(&r.h, 0.3, &rank);
	}
	close(s);
	assert_true(tu_sql_int(r.db, "SELECT count(*) FROM samples WHERE pcap_discard_bps > 0") >= 1);
	run_stop(&r);
	assert_true(tu_file_has(r.log, "capabilities: keeping none"));
	run_done(&r);
}
#endif

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (capabilities to drop)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_process),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_elim_default),
		cmocka_unit_test(test_elim_probe_command),
		cmocka_unit_test(test_elim_probe_nice),
		cmocka_unit_test(test_elim_started_niced),
		cmocka_unit_test(test_hidepid_warned),
#ifdef HAVE_LIBPCAP
		cmocka_unit_test(test_elim_pcap),
#endif
	};
	return TU_RUN(tests);
}

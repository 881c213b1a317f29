/*
 * test_crosscheck: elim.rank's numbers against sysstat's under real load.
 *
 * For each case a bounded load runs (stress-ng for CPU and disk; a paced
 * UDP sender in a private network namespace, over a veth pair, for the
 * network), and elim.rank and the sysstat tool measure the same window:
 * the elim runs with --explain --interval W --count 2, whose second record
 * covers [start + 1 s, start + 1 s + W]; the tool (mpstat, iostat -y, sar)
 * is started exactly 1 s after the elim and reports over W seconds.  Both
 * read the same kernel counters, so they must agree:
 *   cpu_busy       vs mpstat   (100 - %idle - %iowait) / 100, within 0.02
 *   disk_busy_max  vs iostat   max %util / 100 over whole disks, within 0.02
 *   net_rx_bps     vs sar -n DEV rxkB/s x 1024 on the veth, within 5 %
 * The machine is shared and noisy: a case is retried (at most
 * CC_ATTEMPTS times) and passes on the first attempt that agrees; every
 * attempt is printed.  A load too light to be a real test fails the attempt.
 *
 * Needs stress-ng, sysstat and iproute2; skipped (with the reason) without
 * them.  Runs as root (veth, network namespaces).
 */
#include "config.h"

#include "harness.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC 1000000000ULL
#define CC_WINDOW 2            /* seconds measured */
#define CC_ATTEMPTS 3
#define CC_LEAD_NS (NSEC)      /* the elim's first record comes 1 s after its start */
#define NET_RATE (8.0e6)       /* bytes/s sent over the veth */
#define NET_PAYLOAD 1400

static char *tmp;
static char ns_name[32], veth_host[16], veth_ns[16], addr_host[32], addr_ns[32];
static bool net_ready;

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / NSEC), .tv_nsec = (long)(t % NSEC) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static bool have(const char *prog)
{
	return tu_system("command -v %s >/dev/null 2>&1", prog) == 0;
}

/* fork + exec argv in a session of its own, stdout and stderr to out. */
/* Start argv (argv[0] searched in PATH) through the harness in a session
 * of its own, stdout and stderr to out, in the C locale; reap it with
 * wait_for. */
static pid_t spawn(char *const argv[], const char *out)
{
	struct th h;
	struct th_opts o = { .bin = argv[0], .new_session = true, .out = TH_FILE, .out_file = out,
			     .err = TH_STDOUT, .env = { "LC_ALL=C", "S_TIME_FORMAT=ISO" } };
	th_start(&h, &o, (const char *const *)argv + 1);
	th_close(&h);
	return h.pid;
}

/* Wait for pid until monotonic deadline; kill its session past it. */
static int wait_for(pid_t pid, uint64_t deadline)
{
	int st;
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (tu_mono_ns() > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -2;
		}
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	uint64_t deadline = tu_mono_ns() + 3 * NSEC;
	if (wait_for(pid, deadline) == -2)
		fprintf(stderr, "# load %d killed\n", (int)pid);
}

/* Split a line into at most max blank-separated tokens (in place). */
static int split(char *line, char **tok, int max)
{
	int n = 0;
	for (char *p = strtok(line, " \t"); p && n < max; p = strtok(NULL, " \t"))
		tok[n++] = p;
	return n;
}

/* The value of the last "name VALUE ..." line of an explain output, NAN if none. */
static double elim_value(const char *text, const char *name)
{
	double v = NAN;
	size_t nl = strlen(name);
	for (const char *p = text; *p; ) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ' ')
			v = strtod(p + nl + 1, NULL);   /* "nan" reads as NAN */
		const char *e = strchr(p, '\n');
		if (e == NULL)
			break;
		p = e + 1;
	}
	return v;
}

/*
 * In sysstat output, find the header line whose first token starts with
 * head_prefix and that has column col; then, among the following lines
 * starting with row_prefix, apply fn to each (tokens aligned with the
 * header).  Returns the number of rows seen.
 */
typedef void (*row_fn)(char **tok, int ntok, int col, void *ctx);

static int scan_table(const char *text, const char *head_prefix, const char *row_prefix,
		      const char *colname, row_fn fn, void *ctx)
{
	char *copy = strdup(text);
	assert_non_null(copy);
	int col = -1, rows = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char buf[2048], *tok[64];
		snprintf(buf, sizeof buf, "%s", line);
		int n = split(buf, tok, 64);
		if (n == 0)
			continue;
		bool is_header = false;
		for (int i = 0; i < n; i++)
			if (strcmp(tok[i], colname) == 0 && strncmp(tok[0], head_prefix, strlen(head_prefix)) == 0) {
				col = i;
				is_header = true;
			}
		if (is_header || col < 0)
			continue;
		if (strncmp(tok[0], row_prefix, strlen(row_prefix)) == 0 && n > col) {
			fn(tok, n, col, ctx);
			rows++;
		}
	}
	free(copy);
	return rows;
}

/* ------------------------------------------------------------ one window */

struct window {
	double elim;      /* the elim's feature */
	double tool;      /* sysstat's figure, in the same unit */
	bool ok;
};

/*
 * Run the elim and a sysstat tool over the same window and fill the two
 * outputs (malloc'd).  tool_argv ends with the interval and count, which
 * this fills in.
 */
static int measure(const char *feature_args, char **tool_argv, char **elim_out, char **tool_out)
{
	const char *bin = getenv("ELIM_BIN");
	char interval[16], eo[512], to[512];
	snprintf(interval, sizeof interval, "%d", CC_WINDOW);
	snprintf(eo, sizeof eo, "%s/elim.out", tmp);
	snprintf(to, sizeof to, "%s/tool.out", tmp);
	char *eargv[16];
	int n = 0;
	eargv[n++] = (char *)bin;
	eargv[n++] = "--explain";
	eargv[n++] = "--no-history";
	eargv[n++] = "--interval";
	eargv[n++] = interval;
	eargv[n++] = "--count";
	eargv[n++] = "2";
	char extra[128];
	snprintf(extra, sizeof extra, "%s", feature_args ? feature_args : "");
	char *xt[4];
	int nx = split(extra, xt, 4);
	for (int i = 0; i < nx; i++)
		eargv[n++] = xt[i];
	eargv[n] = NULL;

	uint64_t t0 = tu_mono_ns();
	pid_t pe = spawn(eargv, eo);
	sleep_until(t0 + CC_LEAD_NS);
	pid_t pt = spawn(tool_argv, to);
	uint64_t deadline = t0 + CC_LEAD_NS + (CC_WINDOW + 5) * NSEC;
	int re = wait_for(pe, deadline), rt = wait_for(pt, deadline);
	*elim_out = tu_slurp(eo);
	*tool_out = tu_slurp(to);
	if (re != 0 || rt != 0) {
		fprintf(stderr, "# elim exit %d, tool exit %d\n# elim: %.300s\n# tool: %.300s\n",
			re, rt, *elim_out, *tool_out);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ CPU */

struct mp { double idle, iowait; int idle_col, iowait_col; bool found; };

static void mp_row(char **tok, int n, int col, void *ctx)
{
	struct mp *m = ctx;
	(void)col;
	if (n > 1 && strcmp(tok[1], "all") == 0 && n > m->idle_col && n > m->iowait_col) {
		m->idle = strtod(tok[m->idle_col], NULL);
		m->iowait = strtod(tok[m->iowait_col], NULL);
		m->found = true;
	}
}

static int header_col(const char *text, const char *colname)
{
	/* the column index of colname in the first header line that has it */
	char *copy = strdup(text);
	int col = -1;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line && col < 0; line = strtok_r(NULL, "\n", &save)) {
		char *tok[64];
		int n = split(line, tok, 64);
		for (int i = 0; i < n; i++)
			if (strcmp(tok[i], colname) == 0)
				col = i;
	}
	free(copy);
	return col;
}

static struct window cpu_window(void)
{
	struct window w = { NAN, NAN, false };
	char iv[16];
	snprintf(iv, sizeof iv, "%d", CC_WINDOW);
	char *argv[] = { "mpstat", "-u", iv, "1", NULL };
	char *eout, *tout;
	if (measure(NULL, argv, &eout, &tout) == 0) {
		struct mp m = { .idle_col = header_col(tout, "%idle"), .iowait_col = header_col(tout, "%iowait") };
		scan_table(tout, "", "Average:", "%idle", mp_row, &m);
		w.elim = elim_value(eout, "cpu_busy");
		if (m.found)
			w.tool = (100.0 - m.idle - m.iowait) / 100.0;
		w.ok = isfinite(w.elim) && isfinite(w.tool);
	}
	free(eout);
	free(tout);
	return w;
}

/* ------------------------------------------------------------ disk */

struct io { double max_util; bool found; };

static void io_row(char **tok, int n, int col, void *ctx)
{
	struct io *io = ctx;
	const char *dev = tok[0];
	if (strncmp(dev, "loop", 4) == 0 || strncmp(dev, "ram", 3) == 0 || strncmp(dev, "zram", 4) == 0)
		return;
	char path[300];
	struct stat st;
	snprintf(path, sizeof path, "/sys/block/%s", dev);
	if (stat(path, &st) < 0)
		return;   /* a partition, not a whole disk */
	double u = strtod(tok[col], NULL) / 100.0;
	if (!io->found || u > io->max_util)
		io->max_util = u;
	io->found = true;
	(void)n;
}

static struct window disk_window(void)
{
	struct window w = { NAN, NAN, false };
	char iv[16];
	snprintf(iv, sizeof iv, "%d", CC_WINDOW);
	char *argv[] = { "iostat", "-d", "-x", "-y", iv, "1", NULL };
	char *eout, *tout;
	if (measure(NULL, argv, &eout, &tout) == 0) {
		struct io io = { 0, false };
		scan_table(tout, "Device", "", "%util", io_row, &io);
		w.elim = elim_value(eout, "disk_busy_max");
		if (io.found)
			w.tool = io.max_util;
		w.ok = isfinite(w.elim) && isfinite(w.tool);
	}
	free(eout);
	free(tout);
	return w;
}

/* ------------------------------------------------------------ network */

struct sar { double rx_kb; bool found; };

static void sar_row(char **tok, int n, int col, void *ctx)
{
	struct sar *s = ctx;
	(void)n;
	if (strcmp(tok[1], veth_host) == 0) {
		s->rx_kb = strtod(tok[col], NULL);
		s->found = true;
	}
}

static struct window net_window(void)
{
	struct window w = { NAN, NAN, false };
	char iv[16], inc[64];
	snprintf(iv, sizeof iv, "%d", CC_WINDOW);
	snprintf(inc, sizeof inc, "--net-include %s", veth_host);
	char *argv[] = { "sar", "-n", "DEV", iv, "1", NULL };
	char *eout, *tout;
	if (measure(inc, argv, &eout, &tout) == 0) {
		struct sar s = { 0, false };
		scan_table(tout, "Average:", "Average:", "rxkB/s", sar_row, &s);
		w.elim = elim_value(eout, "net_rx_bps");
		if (s.found)
			w.tool = s.rx_kb * 1024.0;
		w.ok = isfinite(w.elim) && isfinite(w.tool);
	}
	free(eout);
	free(tout);
	return w;
}

/* A paced UDP sender inside the namespace, towards the host's end of the veth. */
static pid_t start_sender(double seconds)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	setsid();
	char path[128];
	snprintf(path, sizeof path, "/run/netns/%s", ns_name);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0)
		_exit(3);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, addr_host, &to.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) < 0)
		_exit(4);
	static char buf[NET_PAYLOAD];
	memset(buf, 'n', sizeof buf);
	uint64_t start = tu_mono_ns(), end = start + (uint64_t)(seconds * 1e9);
	double sent = 0;
	for (uint64_t now = start; now < end; now = tu_mono_ns()) {
		double due = NET_RATE * (double)(now - start) / 1e9;
		while (sent < due) {
			if (send(fd, buf, sizeof buf, 0) < 0 && errno != ENOBUFS && errno != ECONNREFUSED)
				_exit(5);
			sent += NET_PAYLOAD + 42;
		}
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	_exit(0);
}

/* ------------------------------------------------------------ fixtures */

static int setup(void **state)
{
	(void)state;
	tmp = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (net_ready) {
		tu_system("ip link del %s 2>/dev/null; ip netns del %s 2>/dev/null", veth_host, ns_name);
		net_ready = false;
	}
	tu_rmtree(tmp);
	free(tmp);
	tmp = NULL;
	return 0;
}

static void need(const char *prog)
{
	if (!have(prog)) {
		fprintf(stderr, "# %s not installed: skipped\n", prog);
		skip();
	}
	if (getenv("ELIM_BIN") == NULL)
		skip();
}

/* Retry until the two agree; the load must show (elim >= min_load). */
static void check(const char *what, struct window (*one)(void), double tol, bool relative,
		  double min_load)
{
	for (int attempt = 1; attempt <= CC_ATTEMPTS; attempt++) {
		struct window w = one();
		double diff = fabs(w.elim - w.tool);
		double allowed = relative ? tol * fabs(w.tool) : tol;
		fprintf(stderr, "# %s attempt %d: elim %.6g, sysstat %.6g, |diff| %.4g (allowed %.4g)\n",
			what, attempt, w.elim, w.tool, diff, allowed);
		if (w.ok && diff <= allowed && w.tool >= min_load)
			return;
	}
	fail_msg("%s: elim.rank and sysstat disagree in every attempt (see above)", what);
}

static pid_t start_stress(char *const argv[])
{
	char out[512];
	snprintf(out, sizeof out, "%s/stress.out", tmp);
	pid_t pid = spawn(argv, out);
	struct timespec ts = { 0, 500000000 };   /* let it reach a steady state */
	nanosleep(&ts, NULL);
	return pid;
}

static struct window cpu_loaded(void)
{
	char *argv[] = { "stress-ng", "--cpu", "1", "--cpu-load", "50", "--timeout", "6s", "--quiet", NULL };
	pid_t p = start_stress(argv);
	struct window w = cpu_window();
	stop(p);
	return w;
}

static void test_cpu_busy(void **state)
{
	(void)state;
	need("stress-ng");
	need("mpstat");
	/* one busy worker on this machine: at least a fraction of a CPU */
	check("cpu_busy vs mpstat", cpu_loaded, 0.02, false, 0.3 / sysconf(_SC_NPROCESSORS_ONLN));
}

static struct window disk_loaded(void)
{
	char *argv[] = { "stress-ng", "--hdd", "1", "--hdd-opts", "direct,wr-seq",
			 "--hdd-bytes", "32m", "--hdd-write-size", "64k",
			 "--temp-path", tmp, "--timeout", "6s", "--quiet", NULL };
	pid_t p = start_stress(argv);
	struct window w = disk_window();
	stop(p);
	return w;
}

static void test_disk_busy_max(void **state)
{
	(void)state;
	need("stress-ng");
	need("iostat");
	check("disk_busy_max vs iostat", disk_loaded, 0.02, false, 0.05);
}

static struct window net_loaded(void)
{
	pid_t p = start_sender(CC_WINDOW + 3.0);
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	struct window w = net_window();
	stop(p);
	return w;
}

static void test_net_rx_bps(void **state)
{
	(void)state;
	need("sar");
	need("ip");
	int id = (int)getpid();
	snprintf(ns_name, sizeof ns_name, "elimxc%d", id);
	snprintf(veth_host, sizeof veth_host, "xch%d", id % 1000000);
	snprintf(veth_ns, sizeof veth_ns, "xcn%d", id % 1000000);
	snprintf(addr_host, sizeof addr_host, "10.%d.%d.1", 200 + id % 50, (id / 50) % 250);
	snprintf(addr_ns, sizeof addr_ns, "10.%d.%d.2", 200 + id % 50, (id / 50) % 250);
	int rc = tu_system("ip netns add %s && ip link add %s type veth peer name %s netns %s &&"
			   " ip addr add %s/30 dev %s && ip link set %s up &&"
			   " ip -n %s addr add %s/30 dev %s && ip -n %s link set %s up &&"
			   " ip -n %s link set lo up",
			   ns_name, veth_host, veth_ns, ns_name, addr_host, veth_host, veth_host,
			   ns_name, addr_ns, veth_ns, ns_name, veth_ns, ns_name);
	net_ready = true;
	assert_int_equal(rc, 0);
	/* a receiver, so the host answers with no ICMP */
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, addr_host, &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	check("net_rx_bps vs sar", net_loaded, 0.05, true, NET_RATE / 4);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpu_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_busy_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_rx_bps, setup, teardown),
	};
	return TU_RUN(tests);
}

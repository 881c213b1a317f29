/*
 * node_exporter: the elim's textfile read by the real Prometheus
 * node_exporter (Debian's prometheus-node-exporter), run as its own user
 * (prometheus) with only the textfile collector, on a loopback port, and
 * scraped over HTTP as Prometheus would.  The scraped elim_rank is the rank
 * the elim wrote for LIM in the same tick (the records are read through the
 * harness as LIM reads them), the collector reports no error for the file,
 * and the file is still served after the elim exits.
 *
 * Skipped (the whole program, the TAP way) when node_exporter or its user
 * is absent, or when the test cannot switch users (not root).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"

#define NODE_EXPORTER "/usr/bin/prometheus-node-exporter"
#define RECORDS 8

static int port;

/* A free loopback TCP port (there is a tiny window before node_exporter
 * takes it; a clash shows as node_exporter exiting, named in the failure). */
static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

/* GET /metrics from node_exporter: the body (malloc'd), or NULL when it
 * cannot connect. */
static char *scrape(void)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
		close(s);
		return NULL;
	}
	const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	assert_int_equal(write(s, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		ssize_t n = read(s, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(s);
	buf[len] = '\0';
	assert_int_equal(strncmp(buf, "HTTP/1.", 7), 0);
	assert_non_null(strstr(buf, " 200 "));
	return buf;
}

/* The value of the sample line "metric VALUE" in a scrape, or NAN. */
static double value_of(const char *text, const char *metric)
{
	size_t n = strlen(metric);
	for (const char *p = text; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, metric, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return NAN;
}

static void test_scraped_rank_is_the_record(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char tf[600], state_dir[600], listen[64], textdir[700];
	snprintf(tf, sizeof tf, "%s/textfile", dir);
	snprintf(state_dir, sizeof state_dir, "%s/state", dir);
	assert_int_equal(chmod(dir, 0755), 0);   /* node_exporter's user reads in there */
	assert_int_equal(mkdir(tf, 0755), 0);
	port = free_port();
	snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%d", port);
	snprintf(textdir, sizeof textdir, "--collector.textfile.directory=%s", tf);

	struct th ne;
	struct th_opts neo = { .bin = "setpriv", .out = TH_NULL, .err = TH_PIPE };
	th_start(&ne, &neo, (const char *const[]){ "--reuid", "prometheus", "--regid", "prometheus",
		 "--clear-groups", NODE_EXPORTER, "--collector.disable-defaults",
		 "--collector.textfile", textdir, listen, NULL });
	char *body = NULL;
	for (int i = 0; i < 300 && body == NULL; i++) {   /* up to 30 s to listen */
		body = scrape();
		if (body == NULL)
			tu_sleep_ms(100);
	}
	if (body == NULL)
		fail_msg("node_exporter does not answer on port %d: %s", port, th_err(&ne));
	assert_true(isnan(value_of(body, "elim_rank")));   /* no file yet */
	free(body);

	const char *argv[] = { "--no-probe", "--interval", "0.5", "--count", "8", "--state-dir",
			 state_dir, "--textfile-dir", tf, NULL };
	struct th e;
	struct th_opts eo = { .lim_like = true };
	th_start(&e, &eo, argv);
	double rec[RECORDS + 1];
	int n = 0, live = 0;
	while (n < RECORDS && th_read_lim(&e, 60.0, &rec[n]) == 1) {
		n++;
		if (n == 3 || n == 5) {
			/* while it runs: the tick just read, or the next one if it
			 * came meanwhile */
			body = scrape();
			assert_non_null(body);
			double got = value_of(body, "elim_rank");
			assert_true(th_read_lim(&e, 60.0, &rec[n]) == 1);
			n++;
			if (!(got == rec[n - 2] || got == rec[n - 1]))
				fail_msg("scraped elim_rank %.1f, records %.1f then %.1f", got,
					 rec[n - 2], rec[n - 1]);
			assert_float_equal(value_of(body, "node_textfile_scrape_error"), 0, 0);
			free(body);
			live++;
		}
	}
	assert_int_equal(n, RECORDS);
	assert_int_equal(live, 2);
	assert_int_equal(th_wait(&e, 60.0), 0);
	th_close(&e);

	/* the last tick: its record and its file, served after the elim exited */
	body = scrape();
	assert_non_null(body);
	assert_float_equal(value_of(body, "elim_rank"), rec[RECORDS - 1], 0);
	assert_float_equal(value_of(body, "node_textfile_scrape_error"), 0, 0);
	assert_true(value_of(body, "elim_rank_predicted_slowdown") > 0);
	assert_true(value_of(body, "elim_rank_last_update_timestamp_seconds") > 1.6e9);
	assert_float_equal(value_of(body, "elim_rank_probe_failures_total"), 0, 0);
	assert_non_null(strstr(body, "elim_rank_model_info{id=\""));
	assert_non_null(strstr(body, "elim_rank_feature{feature=\"cpu_busy\""));
	free(body);

	th_kill(&ne, SIGTERM);
	th_wait(&ne, 30.0);
	th_close(&ne);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const char *why = NULL;
	if (access(NODE_EXPORTER, X_OK) != 0)
		why = "no " NODE_EXPORTER " (apt-get install prometheus-node-exporter)";
	else if (getpwnam("prometheus") == NULL)
		why = "no user prometheus (the package creates it)";
	else if (geteuid() != 0)
		why = "not root: cannot run node_exporter as the user prometheus";
	else if (access("/usr/bin/setpriv", X_OK) != 0)
		why = "no setpriv (util-linux)";
	if (why) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scraped_rank_is_the_record),
	};
	signal(SIGPIPE, SIG_IGN);
	return TU_RUN(tests);
}

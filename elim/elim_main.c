/*
 * elim.rank: the process and its main loop.  The elim itself (setup, the
 * tick, reload, the end) is elim.h's; this file owns what belongs to the
 * process: file descriptors, signals, malloc's thresholds, the sleep.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "elim.h"
#include "explain_ask.h"
#include "log.h"

static volatile sig_atomic_t got_stop, got_hup, got_ask;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void on_ask(int sig)
{
	(void)sig;
	got_ask = 1;
}

/* LIM closes every fd from 2 up: make 0-2 valid before anything opens a file. */
static void fix_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);
			if (n >= 0 && n != fd)
				close(n);   /* a lower fd was free: cannot happen, but never leak */
		}
}

/* LIM starts us with most signals blocked: start from a clean state. */
static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;          /* no SA_RESTART: sleeps wake up */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_ask;           /* --explain asks for the explanation */
	sigaction(EXPLAIN_ASK_SIGNAL, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);    /* EPIPE from write() instead */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * The signals the loop acts on stay blocked except while it sleeps, and
 * ppoll unblocks them atomically with the wait: one that arrives while a
 * tick runs is pending, and ends the next sleep at once, instead of landing
 * between the loop's checks and the sleep and waiting out a whole interval.
 * (The threads block every signal when they start: these come to the main
 * thread.)
 */
static void block_loop_signals(sigset_t *wake)
{
	sigset_t loop;
	sigemptyset(&loop);
	sigaddset(&loop, SIGTERM);
	sigaddset(&loop, SIGINT);
	sigaddset(&loop, SIGHUP);
	sigaddset(&loop, EXPLAIN_ASK_SIGNAL);
	sigprocmask(SIG_BLOCK, &loop, wake);
}

/* Sleep until monotonic time t, or until one of the loop's signals arrives. */
static void sleep_until(uint64_t t, const sigset_t *wake)
{
	uint64_t now = clock_now_ns();
	struct timespec rel = clock_timespec(t > now ? t - now : 0);
	ppoll(NULL, 0, &rel, wake);
}

int main(int argc, char **argv)
{
	static struct elim e;   /* large: off the stack */

	/* fixed malloc thresholds for a process that runs for months: glibc
	 * otherwise raises them each time a large block is freed, after which
	 * large transient blocks come from the heaps and stay resident */
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
#endif
	fix_std_fds();
	setup_signals();
	umask(027);

	/* --help, --version and --check-config end in the setup */
	enum elim_step step = elim_setup(&e, argc, argv);
	if (step == ELIM_GO_ON)
		step = elim_start(&e);
	sigset_t wake;
	block_loop_signals(&wake);
	while (step == ELIM_GO_ON && !got_stop) {
		sleep_until(e.next_ns, &wake);
		if (got_stop)
			break;
		if (got_hup) {
			got_hup = 0;
			elim_reload(&e, argc, argv);
		}
		if (got_ask) {
			got_ask = 0;
			e.explain_asked = true;   /* answered at the next fresh tick */
		}
		step = elim_tick(&e);
	}
	if (got_stop)
		log_msg(LOG_INFO, "stopping on signal");
	elim_stop(&e);
	return e.status;
}

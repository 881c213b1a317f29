#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "explain.h"
#include "explain_ask.h"
#include "explain_json.h"
#include "fsutil.h"
#include "statedir.h"

#define ANSWER_MAX (1 << 20)
#define POLL_NS (20 * 1000 * 1000)

static int answer_one(const char *path, bool json, const struct model *m,
		      const struct feature_schema *schema, const double *features,
		      const struct explain_notes *notes)
{
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, 0640);
	if (rc < 0)
		return rc;
	rc = json ? explain_write_json(a.f, m, schema, features, notes)
		  : explain_write(a.f, m, schema, features, notes);
	if (rc < 0) {
		fs_atomic_abort(&a);
		return rc;
	}
	return fs_atomic_commit(&a);
}

int explain_answer(const char *state_dir, const struct model *m,
		   const struct feature_schema *schema, const double *features,
		   const struct explain_notes *notes, char *err, size_t errlen)
{
	static const char *const names[2] = { EXPLAIN_ANSWER_TEXT, EXPLAIN_ANSWER_JSON };
	for (int i = 0; i < 2; i++) {   /* JSON last: the asker waits for it */
		char path[4096];
		if (snprintf(path, sizeof path, "%s/%s", state_dir, names[i]) >= (int)sizeof path) {
			snprintf(err, errlen, "%s/%s: name too long", state_dir, names[i]);
			return -ENAMETOOLONG;
		}
		int rc = answer_one(path, i == 1, m, schema, features, notes);
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* The pid of the instance holding the lock, 0 when none holds it, or the
 * negative errno of opening it (other than ENOENT: no instance ever ran). */
static long running_pid(const char *lock)
{
	int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	long pid = 0;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		pid = statedir_lock_holder(lock);   /* held: the pid it wrote */
	close(fd);   /* a shared lock taken for the test goes with it */
	return pid;
}

/* Identity of path now: ino and dev, 0 when it does not exist. */
static void identity(const char *path, struct stat *st)
{
	if (stat(path, st) < 0)
		memset(st, 0, sizeof *st);
}

static int slurp(const char *path, char **text, size_t *len, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fstat(fd, st) < 0 ? -errno : fs_read_bounded(fd, ANSWER_MAX, text, len);
	close(fd);
	return rc;
}

int explain_ask(const char *state_dir, bool json, double timeout_s, FILE *out, char *err,
		size_t errlen)
{
	char lock[4096], jpath[4096], tpath[4096];
	if (snprintf(lock, sizeof lock, "%s/%s", state_dir, STATEDIR_LOCK_NAME) >= (int)sizeof lock ||
	    snprintf(jpath, sizeof jpath, "%s/%s", state_dir, EXPLAIN_ANSWER_JSON) >= (int)sizeof jpath ||
	    snprintf(tpath, sizeof tpath, "%s/%s", state_dir, EXPLAIN_ANSWER_TEXT) >= (int)sizeof tpath) {
		snprintf(err, errlen, "state directory %s: name too long", state_dir);
		return -ENAMETOOLONG;
	}
	long pid = running_pid(lock);
	if (pid < 0) {
		snprintf(err, errlen, "cannot read %s: %s (ask as root or as the elim's user)", lock,
			 strerror((int)-pid));
		return (int)pid;
	}
	if (pid == 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
		snprintf(err, errlen, "no elim.rank instance runs with state directory %s (nobody"
			 " holds %s); use --once --explain for a fresh explanation", state_dir, lock);
		return -ESRCH;
	}
	struct stat before, now;
	identity(jpath, &before);
	if (kill((pid_t)pid, EXPLAIN_ASK_SIGNAL) < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot ask elim.rank (pid %ld) for its explanation: %s", pid,
			 strerror(e));
		return -e;
	}
	uint64_t deadline = clock_now_ns() + (uint64_t)(timeout_s * 1e9);
	for (;;) {
		identity(jpath, &now);
		if (now.st_ino != 0 && (now.st_ino != before.st_ino || now.st_dev != before.st_dev))
			break;
		if (clock_now_ns() >= deadline) {
			snprintf(err, errlen, "elim.rank (pid %ld) did not answer within %.0f s (is it"
				 " idle, or stuck?)", pid, timeout_s);
			return -ETIMEDOUT;
		}
		struct timespec ts = { 0, POLL_NS };
		nanosleep(&ts, NULL);
	}
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	const char *path = json ? jpath : tpath;
	int rc = slurp(path, &text, &len, &st);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	double age = (double)(wall.tv_sec - st.st_mtim.tv_sec) +
		     (double)(wall.tv_nsec - st.st_mtim.tv_nsec) / 1e9;
	if (age < 0)
		age = 0;   /* file-system timestamps are coarser than the clock */
	if (json) {
		const char *brace = strchr(text, '{');
		if (brace == NULL) {
			free(text);
			snprintf(err, errlen, "%s: not a JSON object", path);
			return -EINVAL;
		}
		fprintf(out, "{\"pid\": %ld, \"age_seconds\": %.3f, %s", pid, age, brace + 1);
	} else {
		fprintf(out, "# elim.rank pid %ld: explanation of its tick %.1f s ago\n%s", pid, age,
			text);
	}
	free(text);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "writing the answer: %s", strerror(errno ? errno : EIO));
		return -EIO;
	}
	return 0;
}

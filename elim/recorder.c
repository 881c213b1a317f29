#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "recorder.h"

/* mkdir -p with mode 0750 for the components it creates. */
static int make_dirs(const char *dir)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return -ENAMETOOLONG;
	for (char *p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, 0750) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

void recorder_init(struct recorder *r, const char *path, const char *dir)
{
	memset(r, 0, sizeof *r);
	snprintf(r->path, sizeof r->path, "%s", path);
	if (dir)
		snprintf(r->dir, sizeof r->dir, "%s", dir);
}

static int recorder_open(struct recorder *r)
{
	char err[512];
	int rc = 0;
	if (r->dir[0])
		rc = make_dirs(r->dir);
	if (rc < 0) {
		complain(&r->open_fail, LOG_WARNING,
			 "history: cannot create state directory %s: %s; ranks go on without history",
			 r->dir, strerror(-rc));
		return rc;
	}
	rc = history_open_bound(r->path, r->names, &r->h, err, sizeof err);
	if (rc < 0) {
		complain(&r->open_fail, LOG_WARNING, "history: %s; ranks go on without history", err);
		return rc;
	}
	complaint_clear(&r->open_fail, "history: %s is open again", r->path);
	return 0;
}

int recorder_append(struct recorder *r, const struct history_row *row)
{
	if (r->h == NULL) {
		if (r->retry_in > 0) {
			r->retry_in--;
			return -EAGAIN;
		}
		int rc = recorder_open(r);
		if (rc < 0) {
			r->retry_in = RECORDER_RETRY_TICKS;
			return rc;
		}
	}
	char err[512];
	int rc = history_append(r->h, row, err, sizeof err);
	if (rc < 0) {
		complain(&r->append_fail, LOG_WARNING, "history: %s; ranks go on", err);
		if (rc != -EBUSY && rc != -ENOSPC) {
			/* start over with a fresh connection a little later */
			history_close(r->h);
			r->h = NULL;
			r->retry_in = RECORDER_RETRY_TICKS;
		}
		return rc;
	}
	complaint_clear(&r->append_fail, "history: appending to %s again", r->path);
	return 0;
}

void recorder_close(struct recorder *r)
{
	history_close(r->h);
	r->h = NULL;
}

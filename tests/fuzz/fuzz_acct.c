/*
 * lsb.acct (trainer/acct.c): any bytes read as an accounting file either
 * load or are refused with a message naming the line; what loads has
 * sane jobs, and labelling them stays finite or unknown.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct.h"
#include "acct_speed.h"
#include "fuzz.h"

FUZZ_TARGET(acct)
{
	static char path[PATH_MAX];
	if (path[0] == '\0') {
		const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof path, "%s/elim-rank-fuzz-acct.%d", tmp, (int)getpid());
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);

	struct acct_set set;
	memset(&set, 0, sizeof set);
	char err[512] = "";
	int rc = acct_read(path, &set, err, sizeof err);
	unlink(path);
	if (rc < 0) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(strstr(err, path) != NULL);
	} else {
		for (size_t i = 0; i < set.n; i++) {
			const struct acct_job *j = &set.jobs[i];
			FUZZ_CHECK(j->host != NULL && j->cls != NULL);
			FUZZ_CHECK(j->finish >= j->start);
		}
		size_t before = set.n;
		acct_dedupe(&set);
		FUZZ_CHECK(set.n + set.st.duplicates == before && set.st.jobs == set.n);
		acct_label(&set);
		for (size_t i = 0; i < set.n; i++)
			FUZZ_CHECK(isnan(set.jobs[i].slowdown) || (isfinite(set.jobs[i].slowdown) &&
								  set.jobs[i].slowdown >= 0));
		/* the learned speeds: finite factors of at least 1, positive labels */
		struct acct_speed sp;
		FUZZ_CHECK(acct_speed_fit(&set, NULL, NULL, &sp, err, sizeof err) == 0);
		for (size_t k = 0; k < sp.nkeys; k++)
			FUZZ_CHECK(isnan(sp.keys[k].factor) || sp.keys[k].factor >= 1 - 1e-9);
		for (size_t i = 0; i < set.n; i++)
			FUZZ_CHECK(isnan(set.jobs[i].slowdown) || set.jobs[i].slowdown >= 0);
		/* the refit, as if a model predicted each job's slowdown from its label */
		for (size_t i = 0; i < set.n; i++)
			set.jobs[i].pred = set.jobs[i].slowdown;
		FUZZ_CHECK(acct_speed_refit(&set, &sp, err, sizeof err) == 0);
		for (size_t k = 0; k < sp.nkeys; k++)
			FUZZ_CHECK(isnan(sp.keys[k].factor) || sp.keys[k].factor >= 1 - 1e-9);
		for (size_t i = 0; i < set.n; i++)
			FUZZ_CHECK(isnan(set.jobs[i].slowdown) || set.jobs[i].slowdown >= 0);
		acct_speed_free(&sp);
	}
	acct_free(&set);
	return 0;
}

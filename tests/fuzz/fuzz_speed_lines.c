/*
 * The speed lines rank-train carries from the model it replaces
 * (trainer/speed_lines.c): any bytes read as a model file give the good
 * speed lines, each a valid host and a factor within the model's limits,
 * and a bad one is reported as "PATH:LINE: problem"; what is read fits in
 * a model (speed_lines_set) and the model writes and parses back, its
 * speed-reference line too (speed_lines_reference: 0, or within the
 * model's limits).
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "hostmatch.h"
#include "model.h"
#include "speed_lines.h"

FUZZ_TARGET(speed_lines)
{
	static char path[PATH_MAX];
	if (path[0] == '\0') {
		const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof path, "%s/elim-rank-fuzz-speed.%d", tmp, (int)getpid());
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);

	static struct model_speed sp[MODEL_MAX_SPEED];
	static struct model m;
	size_t n;
	char err[512] = "";
	int rc = speed_lines_read(path, sp, &n, err, sizeof err);
	double sref;
	unsigned work;
	char from[128], rerr[512] = "";
	int rrc = speed_lines_reference(path, &sref, &work, from, sizeof from, rerr, sizeof rerr);
	unlink(path);
	if (rrc < 0)
		FUZZ_CHECK(strncmp(rerr, path, strlen(path)) == 0 && rerr[strlen(path)] == ':' &&
			   sref == 0);
	FUZZ_CHECK(sref == 0 || (sref > 0 && sref <= MODEL_SPEED_REF_MAX));
	FUZZ_CHECK(work <= MODEL_SPEED_REF_WORK_MAX && strlen(from) < sizeof from);
	if (rc < 0)
		FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':');
	FUZZ_CHECK(n <= MODEL_MAX_SPEED);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(hostmatch_valid(sp[i].host));
		FUZZ_CHECK(sp[i].factor >= MODEL_SPEED_MIN && sp[i].factor <= MODEL_SPEED_MAX);
	}
	/* into a model, which writes and parses back with the same lines */
	size_t dropped, left;
	memset(&m, 0, sizeof m);
	m.intercept = 1;
	speed_lines_set(&m, NULL, 0, sp, n, &dropped, &left);
	m.speed_reference = sref;
	m.speed_reference_work = sref > 0 ? work : 0;
	if (sref > 0 && from[0] && strchr(from, '\n') == NULL)
		model_meta_set(&m, "speed-reference-from", from);
	FUZZ_CHECK(dropped == 0 && left == 0 && m.n_speed == n);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(model_write(&m, f) == 0);
	fclose(f);
	static struct model back;
	struct model_error merr;
	FUZZ_CHECK(model_parse(text, len, NULL, &back, &merr) == 0);
	FUZZ_CHECK(back.n_speed == n);
	FUZZ_CHECK(back.speed_reference == m.speed_reference);
	FUZZ_CHECK(back.speed_reference_work == m.speed_reference_work);
	free(text);
	return 0;
}

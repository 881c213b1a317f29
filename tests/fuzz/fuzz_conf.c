/*
 * elim.rank.conf (elim/options.c options_load): any bytes as the
 * configuration file either load or are refused as "FILE:LINE: problem";
 * nothing leaks (options_free) and --check-config's printing works on
 * whatever loaded.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "options.h"

FUZZ_TARGET(conf)
{
	static char path[PATH_MAX];
	if (path[0] == '\0') {
		const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof path, "%s/elim-rank-fuzz-conf.%d", tmp, (int)getpid());
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, data, size) == (ssize_t)size);
	close(fd);

	char *argv[] = { (char *)"elim.rank", (char *)"--config", path, NULL };
	struct elim_options o;
	char err[1024] = "";
	int rc = options_load(3, argv, &o, err, sizeof err);
	if (rc == 0) {
		FILE *f = fopen("/dev/null", "w");
		FUZZ_CHECK(f != NULL);
		options_print(f, &o);
		fclose(f);
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	options_free(&o);
	unlink(path);
	return 0;
}

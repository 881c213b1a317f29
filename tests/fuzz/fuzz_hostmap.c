/*
 * host-map files (lib/hostmap.c: rank-train --host-map, --speed-groups,
 * --group-by, the elim's group-map): any bytes either parse or are refused with
 * "PATH:LINE: problem"; what parses has valid, distinct patterns and
 * names, and every lookup of a pattern that is a name gives its own entry.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "hostmap.h"
#include "hostmatch.h"

FUZZ_TARGET(hostmap)
{
	struct hostmap m = { 0 };
	char err[512] = "";
	int rc = hostmap_parse((const char *)data, size, "map", &m, err, sizeof err);
	if (rc < 0) {
		FUZZ_CHECK(strncmp(err, "map:", 4) == 0);
		hostmap_free(&m);
		return 0;
	}
	for (size_t i = 0; i < m.n; i++) {
		FUZZ_CHECK(hostmatch_valid(m.e[i].pattern));
		FUZZ_CHECK(m.e[i].name[0] != '\0' && strlen(m.e[i].name) <= 63);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcasecmp(m.e[i].pattern, m.e[j].pattern) != 0);
		if (!hostmatch_is_glob(m.e[i].pattern))
			FUZZ_CHECK(hostmap_lookup(&m, m.e[i].pattern) != NULL);
	}
	hostmap_free(&m);
	return 0;
}

/*
 * the group line of a canary model (trainer/promote.c, rank-train
 * --promote): any bytes give either no group ("", -ENOENT) or a name of
 * 1-63 letters, digits, '.', '-', '_' not starting with '.' (never a path:
 * it becomes DIR/GROUP.model), found after "meta group " at a line's start.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "promote.h"

FUZZ_TARGET(canary_group)
{
	char group[64];
	int rc = promote_group_of((const char *)data, size, group, sizeof group);
	if (rc < 0) {
		FUZZ_CHECK(group[0] == '\0');
		return 0;
	}
	size_t n = strlen(group);
	FUZZ_CHECK(n >= 1 && n <= 63 && group[0] != '.');
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(isalnum((unsigned char)group[i]) || strchr("._-", group[i]));
	/* it is there, whole, after "meta group " at a line's start */
	const char *p = (const char *)data;
	int found = 0;
	for (size_t i = 0; i + 11 + n <= size && !found; i++)
		found = (i == 0 || p[i - 1] == '\n') && memcmp(p + i, "meta group ", 11) == 0 &&
			memcmp(p + i + 11, group, n) == 0 && (i + 11 + n == size || p[i + 11 + n] == '\n');
	FUZZ_CHECK(found);
	return 0;
}

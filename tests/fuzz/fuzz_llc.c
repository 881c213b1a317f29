/*
 * elim/llc.c: the sysfs cache files the probe sizes its contention walk
 * from.  The input is cut at NUL bytes: the first part goes to
 * llc_parse_size, the second to llc_parse_cpulist, and all four parts, as
 * type, level, size and shared_cpu_list of one cache index in a private
 * sysfs tree, through llc_read.  A size that parses is positive; a CPU
 * list's count matches its set; a read that succeeds has a level and a size.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "llc.h"

static char root[64];
static char dir[200];

static const char *const names[] = { "type", "level", "size", "shared_cpu_list" };

static void remove_tree(void)
{
	char p[300];
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	for (char *s; (s = strrchr(dir, '/')) != NULL && strlen(dir) > strlen(root); *s = '\0')
		rmdir(dir);
	rmdir(root);
}

static void make_tree(void)
{
	if (root[0])
		return;
	snprintf(root, sizeof root, "/dev/shm/fuzz-llc.%d", (int)getpid());
	char p[200];
	static const char *const parts[] = { "", "/devices", "/devices/system", "/devices/system/cpu",
					     "/devices/system/cpu/cpu0", "/devices/system/cpu/cpu0/cache",
					     "/devices/system/cpu/cpu0/cache/index0" };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		snprintf(p, sizeof p, "%s%s", root, parts[i]);
		mkdir(p, 0700);
	}
	snprintf(dir, sizeof dir, "%s%s", root, parts[6]);
	atexit(remove_tree);
}

static void put(const char *name, const char *text)
{
	char p[300];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

FUZZ_TARGET(llc)
{
	const char *part[4] = { "", "", "", "" };
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	size_t at = 0;
	for (int k = 0; k < 4 && at <= size; k++) {
		part[k] = copy + at;
		at += strlen(copy + at) + 1;
	}

	uint64_t b = 0;
	if (llc_parse_size(part[0], &b) == 0)
		FUZZ_CHECK(b > 0);
	cpu_set_t set;
	int n = llc_parse_cpulist(part[1], &set);
	FUZZ_CHECK(n >= 0 || n == -EINVAL);
	if (n >= 0)
		FUZZ_CHECK(n == CPU_COUNT(&set));

	make_tree();
	for (size_t i = 0; i < 4; i++)
		put(names[i], part[i]);
	struct llc_info li;
	char err[512];
	err[0] = '\0';
	int rc = llc_read(root, 0, &li, err, sizeof err);
	if (rc == 0) {
		FUZZ_CHECK(li.level >= 1 && li.level <= 64);
		FUZZ_CHECK(li.bytes > 0);
		FUZZ_CHECK(li.nshared >= 0 && memchr(li.shared, '\0', sizeof li.shared) != NULL);
	} else
		FUZZ_CHECK(err[0] != '\0');
	free(copy);
	return 0;
}

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "llc.h"

/* ------------------------------------------------------------ parsers */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Only blanks and at most one final newline are left at s. */
static bool only_end(const char *s)
{
	while (is_blank(*s))
		s++;
	if (*s == '\n')
		s++;
	return *s == '\0';
}

/* An unsigned decimal at *s (no sign, no blanks), at most limit. */
static bool read_uint(const char **s, uint64_t limit, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*s = p;
	*out = v;
	return true;
}

int llc_parse_size(const char *text, uint64_t *bytes)
{
	const char *s = text;
	uint64_t v;
	while (is_blank(*s))
		s++;
	if (!read_uint(&s, UINT64_MAX, &v) || v == 0)
		return -EINVAL;
	unsigned shift = 0;
	switch (*s) {
	case 'K': shift = 10; s++; break;
	case 'M': shift = 20; s++; break;
	case 'G': shift = 30; s++; break;
	default: break;
	}
	if (v > (UINT64_MAX >> shift) || !only_end(s))
		return -EINVAL;
	*bytes = v << shift;
	return 0;
}

int llc_parse_cpulist(const char *text, cpu_set_t *set)
{
	const char *s = text;
	CPU_ZERO(set);
	while (is_blank(*s))
		s++;
	if (only_end(s))
		return 0;   /* an empty list */
	for (;;) {
		uint64_t a, b;
		if (!read_uint(&s, CPU_SETSIZE - 1, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (!read_uint(&s, CPU_SETSIZE - 1, &b) || b < a)
				return -EINVAL;
		}
		for (uint64_t c = a; c <= b; c++)
			CPU_SET((size_t)c, set);
		if (*s != ',')
			break;
		s++;
	}
	if (!only_end(s))
		return -EINVAL;
	return CPU_COUNT(set);
}

/* ------------------------------------------------------------ sysfs */

/* Read a small file into buf; -errno, or -EINVAL when it does not fit. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	if ((size_t)n == size - 1)
		return -EINVAL;   /* longer than any such file */
	buf[n] = '\0';
	return 0;
}

int llc_read(const char *sysfs, int cpu, struct llc_info *out, char *err, size_t errlen)
{
	char path[4200], buf[1024];
	bool found = false, any_dir = false;
	memset(out, 0, sizeof *out);
	out->cpu = cpu;
	for (int i = 0; i < LLC_MAX_INDEX; i++) {
		int n = snprintf(path, sizeof path, "%s/devices/system/cpu/cpu%d/cache/index%d/",
				 sysfs, cpu, i);
		if (n >= (int)sizeof path - 32)
			return errmsg(err, errlen, -ENAMETOOLONG, "cache: %s: name too long", sysfs);
		char *leaf = path + n;
		uint64_t level, bytes;
		cpu_set_t set;

		strcpy(leaf, "type");
		int rc = read_small(path, buf, sizeof buf);
		if (rc == -ENOENT)
			continue;   /* numbering may have gaps */
		any_dir = true;
		if (rc < 0)
			return errmsg(err, errlen, rc, "cache: %s: %s", path,
				      rc == -EINVAL ? "too long" : strerror(-rc));
		if (strncmp(buf, "Instruction", 11) == 0)
			continue;
		if (strncmp(buf, "Data", 4) != 0 && strncmp(buf, "Unified", 7) != 0)
			return errmsg(err, errlen, -EINVAL, "cache: %s: unknown cache type", path);

		strcpy(leaf, "level");
		const char *s = buf;
		if ((rc = read_small(path, buf, sizeof buf)) < 0)
			return errmsg(err, errlen, rc, "cache: %s: %s", path,
				      rc == -EINVAL ? "too long" : strerror(-rc));
		if (!read_uint(&s, 64, &level) || level == 0 || !only_end(s))
			return errmsg(err, errlen, -EINVAL, "cache: %s: not a cache level (1-64)", path);
		if ((int)level <= out->level)
			continue;

		strcpy(leaf, "size");
		if ((rc = read_small(path, buf, sizeof buf)) < 0)
			return errmsg(err, errlen, rc, "cache: %s: %s", path,
				      rc == -EINVAL ? "too long" : strerror(-rc));
		if (llc_parse_size(buf, &bytes) < 0)
			return errmsg(err, errlen, -EINVAL, "cache: %s: not a size (e.g. 32768K)", path);

		strcpy(leaf, "shared_cpu_list");
		if ((rc = read_small(path, buf, sizeof buf)) < 0)
			return errmsg(err, errlen, rc, "cache: %s: %s", path,
				      rc == -EINVAL ? "too long" : strerror(-rc));
		int ns = llc_parse_cpulist(buf, &set);
		if (ns < 0)
			return errmsg(err, errlen, -EINVAL, "cache: %s: not a CPU list (e.g. 0-7,16)", path);

		out->level = (int)level;
		out->bytes = bytes;
		out->nshared = ns;
		buf[strcspn(buf, "\n")] = '\0';
		size_t len = strlen(buf);
		if (len >= sizeof out->shared)
			len = sizeof out->shared - 1;   /* kept short: it is only shown */
		memcpy(out->shared, buf, len);
		out->shared[len] = '\0';
		found = true;
	}
	if (!found)
		return errmsg(err, errlen, -ENOENT, "cache: %s/devices/system/cpu/cpu%d/cache: %s",
			      sysfs, cpu, any_dir ? "no data or unified cache" : "no cache listed");
	return 0;
}

int llc_largest(const char *sysfs, const cpu_set_t *cpus, struct llc_info *out,
		char *err, size_t errlen)
{
	int first = 0;   /* the first error, a parse error before a missing file */
	bool found = false;
	struct llc_info one;
	char e1[512];
	memset(out, 0, sizeof *out);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, cpus))
			continue;
		int rc = llc_read(sysfs, c, &one, e1, sizeof e1);
		if (rc < 0) {
			if (first == 0 || (first == -ENOENT && rc != -ENOENT)) {
				first = rc;
				if (err && errlen)
					snprintf(err, errlen, "%s", e1);
			}
			continue;
		}
		if (!found || one.bytes > out->bytes)
			*out = one;
		found = true;
	}
	if (found)
		return 0;
	if (first == 0)
		return errmsg(err, errlen, -ENOENT, "cache: no CPU given");
	return first;
}

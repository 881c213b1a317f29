#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "promote.h"

#define PROMOTE_MAX_MODEL (1 << 20)

struct canary {
	char name[NAME_MAX + 1];  /* HOST.model */
	char group[64];
	char *text;
	size_t len;
};

static void say(char *done, size_t donelen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *done, size_t donelen, const char *fmt, ...)
{
	if (done == NULL)
		return;
	size_t n = strlen(done);
	va_list ap;
	va_start(ap, fmt);
	if (n < donelen)
		vsnprintf(done + n, donelen - n, fmt, ap);
	va_end(ap);
}

int promote_group_of(const char *text, size_t len, char *group, size_t size)
{
	static const char key[] = "meta group ";
	const size_t klen = sizeof key - 1;
	group[0] = '\0';
	for (const char *l = text, *end = text + len; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t n = nl ? (size_t)(nl - l) : (size_t)(end - l);
		if (n > klen && strncmp(l, key, klen) == 0) {
			const char *v = l + klen;
			size_t vn = n - klen;
			if (vn >= 64 || vn >= size || v[0] == '.')
				return -ENOENT;
			for (size_t i = 0; i < vn; i++)
				if (!isalnum((unsigned char)v[i]) && v[i] != '.' && v[i] != '-' &&
				    v[i] != '_')
					return -ENOENT;
			memcpy(group, v, vn);
			group[vn] = '\0';
			return 0;
		}
		l = nl ? nl + 1 : end;
	}
	return -ENOENT;
}

/* The model at path, and the group its "meta group NAME" line names ("" none). */
static int read_canary(const char *path, struct canary *c, char *err, size_t errlen)
{
	int rc = fs_read_path(path, PROMOTE_MAX_MODEL, "model file", &c->text, &c->len, err,
			      errlen);
	if (rc < 0)
		return rc;
	promote_group_of(c->text, c->len, c->group, sizeof c->group);
	return 0;
}

static void free_canaries(struct canary *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].text);
	free(c);
}

/* The *.model files of dir/canary into *out (*n of them). */
static int read_all(const char *dir, struct canary **out, size_t *n, char *err, size_t errlen)
{
	char cdir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	snprintf(cdir, sizeof cdir, "%s/canary", dir);
	*out = NULL;
	*n = 0;
	DIR *d = opendir(cdir);
	if (d == NULL) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", cdir, strerror(e));
		return -e;
	}
	struct canary *c = calloc(PROMOTE_MAX_FILES, sizeof *c);
	if (c == NULL) {
		closedir(d);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 7 || strcmp(de->d_name + len - 6, ".model") != 0)
			continue;
		if (*n == PROMOTE_MAX_FILES) {
			snprintf(err, errlen, "%s: more than %d models", cdir, PROMOTE_MAX_FILES);
			rc = -E2BIG;
			break;
		}
		snprintf(path, sizeof path, "%s/%s", cdir, de->d_name);
		snprintf(c[*n].name, sizeof c[*n].name, "%s", de->d_name);
		rc = read_canary(path, &c[*n], err, errlen);
		if (rc == 0)
			(*n)++;
	}
	closedir(d);
	if (rc < 0) {
		free_canaries(c, *n);
		return rc;
	}
	/* readdir's order is the file system's: sort by name, for a stable choice */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && strcmp(c[j - 1].name, c[j].name) > 0; j--) {
			struct canary t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	*out = c;
	return 0;
}

static int promote_one(const char *dir, const char *group, struct canary *c, size_t n,
		       char *done, size_t donelen, char *err, size_t errlen)
{
	char live[PATH_MAX], prev[PATH_MAX + 8], tmp[PATH_MAX + 16], src[PATH_MAX + NAME_MAX + 10];
	size_t first = n, copies = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(c[i].group, group) != 0)
			continue;
		if (first == n) {
			first = i;
		} else if (c[i].len != c[first].len || memcmp(c[i].text, c[first].text, c[i].len)) {
			snprintf(err, errlen, "%s/canary: %s and %s are different models of group %s:"
				 " promote one by hand (mv), or write the canary again", dir,
				 c[first].name, c[i].name, group);
			return -EINVAL;
		}
		copies++;
	}
	if (first == n) {
		snprintf(err, errlen, "%s/canary: no canary model of group %s (none has the line"
			 " 'meta group %s')", dir, group, group);
		return -ENOENT;
	}
	if (snprintf(live, sizeof live, "%s/%s.model", dir, group) >= (int)sizeof live) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	snprintf(prev, sizeof prev, "%s.prev", live);
	snprintf(tmp, sizeof tmp, "%s/.%s.model.prev.tmp", dir, group);
	if (link(live, tmp) == 0) {
		if (rename(tmp, prev) < 0) {
			int e = errno;
			unlink(tmp);
			snprintf(err, errlen, "%s: %s", prev, strerror(e));
			return -e;
		}
		say(done, donelen, "kept: %s as %s\n", live, prev);
	} else if (errno != ENOENT) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot keep it as %s: %s", live, prev, strerror(e));
		return -e;
	}
	snprintf(src, sizeof src, "%s/canary/%s", dir, c[first].name);
	if (rename(src, live) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot rename it to %s: %s", src, live, strerror(e));
		return -e;
	}
	say(done, donelen, "promoted: %s to %s\n", src, live);
	for (size_t i = first + 1; i < n; i++) {
		if (strcmp(c[i].group, group) != 0)
			continue;
		snprintf(src, sizeof src, "%s/canary/%s", dir, c[i].name);
		if (unlink(src) < 0 && errno != ENOENT) {
			int e = errno;
			snprintf(err, errlen, "%s: cannot remove it (the same model as %s): %s", src,
				 live, strerror(e));
			return -e;
		}
		say(done, donelen, "removed: %s (the same model)\n", src);
	}
	return 0;
}

int promote_run(const char *dir, const char *group, char *done, size_t donelen, char *err,
		size_t errlen)
{
	struct canary *c;
	size_t n;
	if (done && donelen)
		done[0] = '\0';
	if (group) {
		char line[128], check[64];
		int ln = snprintf(line, sizeof line, "meta group %s", group);
		if (ln < 0 || (size_t)ln >= sizeof line ||
		    promote_group_of(line, (size_t)ln, check, sizeof check) < 0) {
			snprintf(err, errlen, "'%s' is not a group name (1-63 letters, digits, '.', '-',"
				 " '_', not starting with '.')", group);
			return -EINVAL;
		}
	}
	int rc = read_all(dir, &c, &n, err, errlen);
	if (rc < 0)
		return rc;
	int promoted = 0;
	if (group) {
		rc = promote_one(dir, group, c, n, done, donelen, err, errlen);
		promoted = rc == 0;
	} else {
		for (size_t i = 0; rc == 0 && i < n; i++) {
			bool seen = c[i].group[0] == '\0';   /* not made by --canary: left alone */
			for (size_t j = 0; !seen && j < i; j++)
				seen = strcmp(c[j].group, c[i].group) == 0;
			if (seen)
				continue;
			rc = promote_one(dir, c[i].group, c, n, done, donelen, err, errlen);
			promoted += rc == 0;
		}
		if (rc == 0 && promoted == 0) {
			snprintf(err, errlen, "%s/canary: no canary model to promote", dir);
			rc = -ENOENT;
		}
	}
	free_canaries(c, n);
	return rc < 0 ? rc : promoted;
}

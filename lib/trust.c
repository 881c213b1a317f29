#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "trust.h"

static int add_uid(struct trust *t, uid_t uid)
{
	if (trust_uid(t, uid))
		return 0;
	if (t->n == TRUST_MAX_USERS)
		return -ENOSPC;
	t->uid[t->n++] = uid;
	return 0;
}

void trust_init(struct trust *t, const char *lsf_envdir)
{
	memset(t, 0, sizeof *t);
	t->enforce = geteuid() == 0;
	add_uid(t, 0);
	add_uid(t, geteuid());
	add_uid(t, getuid());
	char conf[PATH_MAX];
	struct stat st;
	if (lsf_envdir == NULL || lsf_envdir[0] == '\0')
		lsf_envdir = "/etc";
	if (snprintf(conf, sizeof conf, "%s/lsf.conf", lsf_envdir) < (int)sizeof conf &&
	    stat(conf, &st) == 0) {
		t->have_admin = true;
		t->admin = st.st_uid;
		add_uid(t, st.st_uid);
	}
}

bool trust_uid(const struct trust *t, uid_t uid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->uid[i] == uid)
			return true;
	return false;
}

static int lookup_user(const char *name, uid_t *uid)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(name, &end, 10);
	if (isdigit((unsigned char)name[0]) && *end == '\0' && errno == 0 && v < (uid_t)-1) {
		*uid = (uid_t)v;
		return 0;
	}
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwnam_r(name, &pw, buf, sizeof buf, &res) != 0 || res == NULL)
		return -EINVAL;
	*uid = pw.pw_uid;
	return 0;
}

int trust_add_users(struct trust *t, const char *list, char *err, size_t errlen)
{
	const char *p = list;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		char name[256];
		if ((size_t)(e - p) >= sizeof name)
			return errmsg(err, errlen, -EINVAL, "trusted user name too long: '%.*s...'", 32, p);
		memcpy(name, p, (size_t)(e - p));
		name[e - p] = '\0';
		uid_t uid;
		if (lookup_user(name, &uid) < 0)
			return errmsg(err, errlen, -EINVAL, "trusted user '%s': no such user", name);
		if (add_uid(t, uid) < 0)
			return errmsg(err, errlen, -ENOSPC, "more than %d trusted users", TRUST_MAX_USERS);
		p = e;
	}
	return 0;
}

/* "uid 1000 (alice)" or "uid 1000" */
static void describe_uid(uid_t uid, char *out, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL)
		snprintf(out, size, "uid %u (%s)", (unsigned)uid, pw.pw_name);
	else
		snprintf(out, size, "uid %u", (unsigned)uid);
}

static int refuse_owner(const char *what, const char *path, const char *kind, uid_t uid,
			char *err, size_t errlen)
{
	char who[160];
	describe_uid(uid, who, sizeof who);
	return errmsg(err, errlen, -EPERM,
		       "%s %s refused: %s owned by %s, not root, this elim's user, the LSF"
		       " administrator or a trusted user",
		       what, path, kind, who);
}

int trust_check_file(const struct trust *t, const char *path, const char *what,
		     char *err, size_t errlen)
{
	if (what == NULL)
		what = "file";
	if (!t->enforce)
		return 0;
	char real[PATH_MAX];
	if (realpath(path, real) == NULL) {
		int e = errno;
		return errmsg(err, errlen, -e, "%s %s: %s", what, path, strerror(e));
	}
	struct stat st;
	if (stat(real, &st) < 0) {
		int e = errno;
		return errmsg(err, errlen, -e, "%s %s: %s", what, path, strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return errmsg(err, errlen, -EPERM, "%s %s refused: not a regular file", what, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return errmsg(err, errlen, -EPERM,
			       "%s %s refused: %s-writable (mode %04o); chmod go-w it",
			       what, path, (st.st_mode & S_IWOTH) ? "world" : "group",
			       (unsigned)(st.st_mode & 07777));
	if (!trust_uid(t, st.st_uid))
		return refuse_owner(what, path, "file", st.st_uid, err, errlen);

	/* every directory above it, from the file's own up to / */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", real);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (slash == NULL)
			break;
		if (slash == dir)
			slash[1] = '\0';   /* "/" itself */
		else
			*slash = '\0';
		if (stat(dir, &st) < 0) {
			int e = errno;
			return errmsg(err, errlen, -e, "%s %s: directory %s: %s", what, path, dir, strerror(e));
		}
		if (!trust_uid(t, st.st_uid)) {
			char kind[PATH_MAX + 32];
			if (snprintf(kind, sizeof kind, "its directory %s is", dir) >= (int)sizeof kind)
				kind[0] = '\0';
			return refuse_owner(what, path, kind, st.st_uid, err, errlen);
		}
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
			return errmsg(err, errlen, -EPERM,
				       "%s %s refused: its directory %s is %s-writable (mode %04o)"
				       " without the sticky bit",
				       what, path, dir, (st.st_mode & S_IWOTH) ? "world" : "group",
				       (unsigned)(st.st_mode & 07777));
		if (dir[1] == '\0')
			break;
	}
	return 0;
}

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testutil.h"

char *tu_tmpdir(void)
{
	char tmpl[] = "/tmp/elim-rank-test.XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

int tu_system(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int st = system(cmd);
	if (st < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

void tu_rmtree(const char *dir)
{
	if (dir && strncmp(dir, "/tmp/elim-rank-test.", 20) == 0)
		tu_system("rm -rf '%s'", dir);
}

static void mkparents(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
}

void tu_write(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	mkparents(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	size_t len = strlen(text);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

void tu_copy_tree(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char s[PATH_MAX], t[PATH_MAX];
		snprintf(s, sizeof s, "%s/%s", src, e->d_name);
		snprintf(t, sizeof t, "%s/%s", dst, e->d_name);
		struct stat st;
		assert_int_equal(lstat(s, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			mkdir(t, 0755);
			tu_copy_tree(s, t);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(s, target, sizeof target - 1);
			assert_true(n > 0);
			target[n] = '\0';
			unlink(t);
			assert_int_equal(symlink(target, t), 0);
		} else {
			FILE *f = fopen(s, "r");
			assert_non_null(f);
			static char buf[1 << 16];
			size_t n = fread(buf, 1, sizeof buf - 1, f);
			fclose(f);
			buf[n] = '\0';
			tu_write(dst, e->d_name, buf);
		}
	}
	closedir(d);
}

const char *tu_data(void)
{
	const char *d = getenv("TEST_DATA");
	return d ? d : "tests/data";
}

long long tu_sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("%s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 2000);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s: %s", path, sql, sqlite3_errmsg(db));
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		fail_msg("%s: %s: no row (%s)", path, sql, sqlite3_errstr(rc));
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

bool tu_file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

char *tu_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		char *empty = strdup("");
		assert_non_null(empty);
		return empty;
	}
	size_t cap = 65536, len = 0, n;
	char *buf = malloc(cap);
	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

uint64_t tu_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

double tu_now(void)
{
	return (double)tu_mono_ns() / 1e9;
}

void tu_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool tu_skip_heavy(const char *what)
{
	const char *v = getenv("ELIM_RANK_SKIP_HEAVY");
	if (v == NULL || v[0] == '\0' || strcmp(v, "0") == 0)
		return false;
	printf("1..0 # SKIP %s: a heavy test, and ELIM_RANK_SKIP_HEAVY=%s "
	       "(set by the sanitizer pass and distcheck)\n", what, v);
	fflush(stdout);
	return true;
}

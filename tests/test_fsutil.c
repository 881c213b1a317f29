/*
 * test_fsutil: lib/fsutil.c on real files.
 *
 * The one list of network file systems (the union of the lists the elim and
 * the trainer kept before), the atomic writer (whole file or old file, the
 * mode, nothing left beside it, a full disk: a real 64 KiB tmpfs mounted in
 * a private mount namespace, skipped where that cannot be made) and the
 * bounded reader (regular files at and over the limit, pipes, offsets).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "testutil.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

/* The file's contents (NUL-terminated, malloc'd), or NULL. */
static char *contents(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	char *buf;
	size_t len;
	int rc = fs_read_bounded(fd, 1 << 20, &buf, &len);
	close(fd);
	return rc == 0 ? buf : NULL;
}

/* How many entries of d hold ".tmp" in their name. */
static int count_tmp(const char *d)
{
	DIR *dd = opendir(d);
	assert_non_null(dd);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dd)) != NULL)
		if (strstr(e->d_name, ".tmp"))
			n++;
	closedir(dd);
	return n;
}

/* ------------------------------------------------------------ network file systems */

static void network_list_is_the_union(void **state)
{
	(void)state;
	static const struct { unsigned long magic; const char *name; } want[] = {
		/* the trainer's list */
		{ 0x6969, "nfs" }, { 0xFF534D42UL, "cifs" }, { 0xFE534D42UL, "smb2" },
		{ 0x517B, "smb" }, { 0x65735546UL, "fuse" }, { 0x47504653UL, "gpfs" },
		{ 0x0BD00BD0UL, "lustre" }, { 0x19830326UL, "fhgfs/beegfs" },
		{ 0x00C36400UL, "ceph" }, { 0x6B414653UL, "kafs" },
		/* and the rest of the elim's */
		{ 0x5346414FUL, "afs" }, { 0x01021997UL, "9p" }, { 0x73757245UL, "coda" },
		{ 0x564C, "ncp" }, { 0x7461636FUL, "ocfs2" }, { 0x01161970UL, "gfs2" },
		{ 0x013111A8UL, "ibrix" }, { 0xAAD7AAEAUL, "panfs" },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const char *n = fs_network_name(want[i].magic);
		if (n == NULL || strcmp(n, want[i].name) != 0)
			fail_msg("0x%lx: %s, expected %s", want[i].magic, n ? n : "(local)", want[i].name);
	}
	/* a signed f_type: the magic sign-extended */
	assert_string_equal(fs_network_name((unsigned long)(long)(int)0xFF534D42U), "cifs");
	/* local ones */
	assert_null(fs_network_name(0xEF53));        /* ext4 */
	assert_null(fs_network_name(0x58465342));    /* xfs */
	assert_null(fs_network_name(0x01021994));    /* tmpfs */
	assert_null(fs_network_name(0x9123683EUL));  /* btrfs */
	assert_null(fs_network_name(0));
}

static void network_by_path(void **state)
{
	(void)state;
	const char *name = "untouched";
	/* the test directory is local (/tmp); /proc surely is */
	assert_int_equal(fs_is_network(dir, &name), 0);
	assert_string_equal(name, "untouched");
	assert_int_equal(fs_is_network("/proc", NULL), 0);
	char missing[4200];
	snprintf(missing, sizeof missing, "%s/nonexistent/x", dir);
	assert_int_equal(fs_is_network(missing, &name), -ENOENT);
}

/* ------------------------------------------------------------ atomic write */

static void atomic_write_replaces_whole(void **state)
{
	(void)state;
	char path[4200];
	snprintf(path, sizeof path, "%s/target", dir);
	assert_int_equal(fs_atomic_write(path, "old\n", 4, 0600), 0);
	assert_int_equal(fs_atomic_write(path, "new contents\n", 13, 0640), 0);
	char *t = contents(path);
	assert_string_equal(t, "new contents\n");
	free(t);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_tmp(dir), 0);
	/* an empty file is a file */
	assert_int_equal(fs_atomic_write(path, "", 0, 0644), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

static void atomic_two_steps(void **state)
{
	(void)state;
	char path[4200];
	snprintf(path, sizeof path, "%s/model", dir);
	assert_int_equal(fs_atomic_write(path, "old\n", 4, 0644), 0);

	struct fs_atomic a;
	assert_int_equal(fs_atomic_open(&a, path, 0644), 0);
	assert_non_null(a.f);
	/* beside the target, in the same directory */
	assert_int_equal(strncmp(a.tmp, path, strlen(path)), 0);
	fputs("new\n", a.f);
	assert_int_equal(fs_atomic_sync(&a), 0);
	assert_null(a.f);
	/* synced: the whole new contents in the temporary file, the target old */
	char *t = contents(a.tmp);
	assert_string_equal(t, "new\n");
	free(t);
	t = contents(path);
	assert_string_equal(t, "old\n");
	free(t);
	assert_int_equal(count_tmp(dir), 1);
	assert_int_equal(fs_atomic_commit(&a), 0);
	t = contents(path);
	assert_string_equal(t, "new\n");
	free(t);
	assert_int_equal(count_tmp(dir), 0);

	/* abort after sync (a check that failed): the target stays */
	assert_int_equal(fs_atomic_open(&a, path, 0644), 0);
	fputs("rejected\n", a.f);
	assert_int_equal(fs_atomic_sync(&a), 0);
	fs_atomic_abort(&a);
	t = contents(path);
	assert_string_equal(t, "new\n");
	free(t);
	assert_int_equal(count_tmp(dir), 0);

	/* abort while writing, and on a zeroed struct */
	assert_int_equal(fs_atomic_open(&a, path, 0644), 0);
	fputs("half", a.f);
	fs_atomic_abort(&a);
	fs_atomic_abort(&a);
	struct fs_atomic z;
	memset(&z, 0, sizeof z);
	fs_atomic_abort(&z);
	assert_int_equal(count_tmp(dir), 0);
}

static void atomic_failures_leave_nothing(void **state)
{
	(void)state;
	char path[4200];
	/* no such directory: nothing created */
	snprintf(path, sizeof path, "%s/missing/x", dir);
	assert_int_equal(fs_atomic_write(path, "x", 1, 0644), -ENOENT);
	/* the rename fails (a non-empty directory stands at the target): the
	 * temporary file goes, the directory stays */
	snprintf(path, sizeof path, "%s/busy", dir);
	tu_write(dir, "busy/inside", "keep\n");
	int rc = fs_atomic_write(path, "x", 1, 0644);
	assert_true(rc == -EISDIR || rc == -ENOTEMPTY || rc == -EEXIST);
	assert_int_equal(count_tmp(dir), 0);
	char inside[4300];
	snprintf(inside, sizeof inside, "%s/inside", path);
	char *t = contents(inside);
	assert_string_equal(t, "keep\n");
	free(t);
	/* a name too long for the buffer */
	char longp[5000];
	memset(longp, 'a', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	assert_int_equal(fs_atomic_write(longp, "x", 1, 0644), -ENAMETOOLONG);
}

/* In a child: a 64 KiB tmpfs over a fresh directory in a private mount
 * namespace; a 256 KiB write must fail with ENOSPC and leave the old file. */
static int full_disk_child(const char *d)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", d, "tmpfs", 0, "size=64k") < 0)
		return 77;
	char path[4300];
	snprintf(path, sizeof path, "%s/state", d);
	if (fs_atomic_write(path, "old\n", 4, 0644) != 0)
		return 1;
	size_t big = 256 * 1024;
	char *buf = malloc(big);
	if (buf == NULL)
		return 2;
	memset(buf, 'x', big);
	int rc = fs_atomic_write(path, buf, big, 0644);
	free(buf);
	if (rc != -ENOSPC)
		return 3;
	char *t = contents(path);
	if (t == NULL || strcmp(t, "old\n") != 0)
		return 4;
	free(t);
	DIR *dd = opendir(d);
	struct dirent *e;
	int n = 0;
	while (dd && (e = readdir(dd)) != NULL)
		n += e->d_name[0] != '.';
	if (dd)
		closedir(dd);
	if (n != 1)
		return 5;   /* a temporary file was left */
	umount(d);
	return 0;
}

static void atomic_full_disk(void **state)
{
	(void)state;
	char d[4200];
	snprintf(d, sizeof d, "%s/small", dir);
	assert_int_equal(mkdir(d, 0700), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(full_disk_child(d));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();   /* no mount namespace here (not root, or a container) */
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ------------------------------------------------------------ bounded read */

static void bounded_regular_file(void **state)
{
	(void)state;
	char path[4200];
	snprintf(path, sizeof path, "%s/f", dir);
	tu_write(dir, "f", "0123456789");
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	char *buf;
	size_t len;
	assert_int_equal(fs_read_bounded(fd, 10, &buf, &len), 0);   /* exactly the limit */
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);
	/* from the current offset */
	assert_int_equal(lseek(fd, 4, SEEK_SET), 4);
	assert_int_equal(fs_read_bounded(fd, 10, &buf, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "456789");
	free(buf);
	/* one byte over */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	buf = (char *)1;
	assert_int_equal(fs_read_bounded(fd, 9, &buf, &len), -EFBIG);
	assert_null(buf);
	close(fd);
	/* empty */
	tu_write(dir, "e", "");
	snprintf(path, sizeof path, "%s/e", dir);
	fd = open(path, O_RDONLY);
	assert_int_equal(fs_read_bounded(fd, 10, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	close(fd);
	/* a file larger than fstat says (a /proc file reports size 0): the
	 * buffer grows from one byte, up to the limit */
	fd = open("/proc/self/status", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fs_read_bounded(fd, 1 << 20, &buf, &len), 0);
	assert_true(len > 100);
	assert_int_equal(strlen(buf), len);
	assert_int_equal(strncmp(buf, "Name:", 5), 0);
	free(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(fs_read_bounded(fd, 20, &buf, &len), -EFBIG);
	assert_null(buf);
	close(fd);
	/* a directory */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(fs_read_bounded(fd, 10, &buf, &len), -EISDIR);
	assert_null(buf);
	close(fd);
}

/* A pipe holding n bytes of 'p' and then its end. */
static int pipe_with(size_t n)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	char chunk[1000];
	memset(chunk, 'p', sizeof chunk);
	for (size_t done = 0; done < n; ) {
		size_t k = n - done < sizeof chunk ? n - done : sizeof chunk;
		assert_int_equal(write(p[1], chunk, k), (ssize_t)k);
		done += k;
	}
	close(p[1]);
	return p[0];
}

static void bounded_pipe(void **state)
{
	(void)state;
	char *buf;
	size_t len;
	/* more than the first 4 KiB block: the buffer grows */
	int fd = pipe_with(10000);
	assert_int_equal(fs_read_bounded(fd, 20000, &buf, &len), 0);
	assert_int_equal(len, 10000);
	assert_int_equal(strspn(buf, "p"), 10000);
	assert_int_equal(buf[10000], '\0');
	free(buf);
	close(fd);
	/* exactly the limit, then over it */
	fd = pipe_with(10000);
	assert_int_equal(fs_read_bounded(fd, 10000, &buf, &len), 0);
	assert_int_equal(len, 10000);
	free(buf);
	close(fd);
	fd = pipe_with(10000);
	assert_int_equal(fs_read_bounded(fd, 9999, &buf, &len), -EFBIG);
	assert_null(buf);
	close(fd);
	/* a small limit below the first block */
	fd = pipe_with(100);
	assert_int_equal(fs_read_bounded(fd, 50, &buf, &len), -EFBIG);
	close(fd);
	fd = pipe_with(50);
	assert_int_equal(fs_read_bounded(fd, 50, &buf, &len), 0);
	assert_int_equal(len, 50);
	free(buf);
	close(fd);
}

/* A file by path: whole, or an error that names the file and the problem. */
static void read_path_names_the_file(void **state)
{
	(void)state;
	char path[4200], err[4400];
	char *buf;
	size_t len;
	snprintf(path, sizeof path, "%s/p", dir);
	tu_write(dir, "p", "model text\n");
	assert_int_equal(fs_read_path(path, 100, "model file", &buf, &len, err, sizeof err), 0);
	assert_int_equal(len, 11);
	assert_string_equal(buf, "model text\n");
	free(buf);
	assert_int_equal(fs_read_path(path, 5, "model file", &buf, &len, err, sizeof err), -EFBIG);
	assert_null(buf);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ": larger than any model file"));
	snprintf(path, sizeof path, "%s/absent", dir);
	assert_int_equal(fs_read_path(path, 100, "model file", &buf, &len, err, sizeof err), -ENOENT);
	assert_null(buf);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, strerror(ENOENT)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(network_list_is_the_union),
		cmocka_unit_test_setup_teardown(network_by_path, setup, teardown),
		cmocka_unit_test_setup_teardown(atomic_write_replaces_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(atomic_two_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(atomic_failures_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(atomic_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(bounded_regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(bounded_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(read_path_names_the_file, setup, teardown),
	};
	return TU_RUN(tests);
}

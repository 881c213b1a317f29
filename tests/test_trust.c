/*
 * test_trust: lib/trust.c refusals, their wiring into model reloading, the
 * elim's --model and --trusted-users, and the modes of the files the elim
 * creates.  Runs as root (files are chown'ed to made-up uids); skips the
 * ownership tests otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model_watch.h"
#include "harness.h"
#include "testutil.h"
#include "trust.h"

#define OTHER_UID 54321
#define ADMIN_UID 54322
#define STRANGER_UID 54323

static const char model_a[] =
	"elim-rank-model 1\nintercept 1.0\nterm cpu_busy mean 0 scale 1 coef 1\n";
static const char model_b[] =
	"elim-rank-model 1\nintercept 2.0\nterm cpu_busy mean 0 scale 1 coef 1\n";

struct fx {
	char *dir;
	char path[PATH_MAX];
	struct trust trust;
	char err[512];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof f->path, "%s/rank.model", f->dir);
	tu_write(f->dir, "rank.model", model_a);
	chmod(f->path, 0644);
	trust_init(&f->trust, f->dir);   /* no lsf.conf there yet */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void accepts_root_owned(void **state)
{
	struct fx *f = *state;
	need_root();
	assert_true(f->trust.enforce);
	assert_int_equal(trust_check_file(&f->trust, f->path, "model", f->err, sizeof f->err), 0);
}

static void refuses_group_writable(void **state)
{
	struct fx *f = *state;
	need_root();
	chmod(f->path, 0664);
	assert_int_equal(trust_check_file(&f->trust, f->path, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "group-writable"));
}

static void refuses_world_writable(void **state)
{
	struct fx *f = *state;
	need_root();
	chmod(f->path, 0646);
	assert_int_equal(trust_check_file(&f->trust, f->path, "configuration", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, "configuration"));
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "world-writable"));
}

static void refuses_other_owner(void **state)
{
	struct fx *f = *state;
	need_root();
	assert_int_equal(chown(f->path, OTHER_UID, 0), 0);
	assert_int_equal(trust_check_file(&f->trust, f->path, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, f->path));
	assert_non_null(strstr(f->err, "uid 54321"));
}

static void accepts_configured_users(void **state)
{
	struct fx *f = *state;
	need_root();
	assert_int_equal(chown(f->path, OTHER_UID, 0), 0);
	assert_int_equal(trust_add_users(&f->trust, "54321", f->err, sizeof f->err), 0);
	assert_int_equal(trust_check_file(&f->trust, f->path, "model", f->err, sizeof f->err), 0);
	/* by name, in a list */
	assert_int_equal(chown(f->path, 65534, 0), 0);
	assert_int_equal(trust_check_file(&f->trust, f->path, "model", f->err, sizeof f->err), -EPERM);
	assert_int_equal(trust_add_users(&f->trust, "daemon, nobody", f->err, sizeof f->err), 0);
	assert_int_equal(trust_check_file(&f->trust, f->path, "model", f->err, sizeof f->err), 0);
	assert_int_equal(trust_add_users(&f->trust, "no-such-user-here", f->err, sizeof f->err), -EINVAL);
	assert_non_null(strstr(f->err, "no-such-user-here"));
}

static void accepts_lsf_administrator(void **state)
{
	struct fx *f = *state;
	need_root();
	tu_write(f->dir, "envdir/lsf.conf", "LSF_SERVERDIR=/nowhere\n");
	char envdir[PATH_MAX], conf[PATH_MAX + 16];
	snprintf(envdir, sizeof envdir, "%s/envdir", f->dir);
	snprintf(conf, sizeof conf, "%s/lsf.conf", envdir);
	assert_int_equal(chown(conf, ADMIN_UID, 0), 0);
	struct trust t;
	trust_init(&t, envdir);
	assert_true(t.have_admin);
	assert_int_equal(chown(f->path, ADMIN_UID, 0), 0);
	assert_int_equal(trust_check_file(&t, f->path, "model", f->err, sizeof f->err), 0);
	assert_int_equal(chown(f->path, STRANGER_UID, 0), 0);
	assert_int_equal(trust_check_file(&t, f->path, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, "uid 54323"));
}

static void refuses_writable_directory(void **state)
{
	struct fx *f = *state;
	need_root();
	tu_write(f->dir, "open/rank.model", model_a);
	char dir[PATH_MAX], path[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/open", f->dir);
	snprintf(path, sizeof path, "%s/rank.model", dir);
	chmod(path, 0644);
	chmod(dir, 0777);
	assert_int_equal(trust_check_file(&f->trust, path, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, "its directory"));
	assert_non_null(strstr(f->err, "world-writable"));
	chmod(dir, 0775);
	assert_int_equal(trust_check_file(&f->trust, path, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, "group-writable"));
	/* sticky, like /tmp: others cannot replace a file they do not own */
	chmod(dir, 01777);
	assert_int_equal(trust_check_file(&f->trust, path, "model", f->err, sizeof f->err), 0);
}

static void refuses_directory_of_other_owner(void **state)
{
	struct fx *f = *state;
	need_root();
	tu_write(f->dir, "theirs/rank.model", model_a);
	char dir[PATH_MAX], path[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/theirs", f->dir);
	snprintf(path, sizeof path, "%s/rank.model", dir);
	chmod(path, 0644);
	assert_int_equal(chown(dir, OTHER_UID, 0), 0);
	assert_int_equal(trust_check_file(&f->trust, path, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, dir));
	assert_non_null(strstr(f->err, "uid 54321"));

	/* a symlink from a trusted place does not launder it */
	char link[PATH_MAX];
	snprintf(link, sizeof link, "%s/link.model", f->dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(trust_check_file(&f->trust, link, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, "uid 54321"));
}

static void refuses_non_regular_and_missing(void **state)
{
	struct fx *f = *state;
	need_root();
	assert_int_equal(trust_check_file(&f->trust, f->dir, "model", f->err, sizeof f->err), -EPERM);
	assert_non_null(strstr(f->err, "not a regular file"));
	char missing[PATH_MAX];
	snprintf(missing, sizeof missing, "%s/nope", f->dir);
	assert_int_equal(trust_check_file(&f->trust, missing, "model", f->err, sizeof f->err), -ENOENT);
	assert_non_null(strstr(f->err, missing));
}

static void not_root_checks_nothing(void **state)
{
	struct fx *f = *state;
	chmod(f->path, 0666);
	f->trust.enforce = false;
	assert_int_equal(trust_check_file(&f->trust, f->path, "model", f->err, sizeof f->err), 0);
}

/* model_watch: a refused file is handled like an unparsable one */
static void model_watch_keeps_previous(void **state)
{
	struct fx *f = *state;
	need_root();
	static struct model_watch w;
	struct model_error err;
	assert_int_equal(model_watch_init(&w, (const char *const[]){ f->path }, 1, NULL, &f->trust, &err), MODEL_LOADED);
	char id_a[sizeof w.current.id];
	memcpy(id_a, w.current.id, sizeof id_a);
	assert_true(w.current.intercept == 1.0);

	/* someone else's file, new content: rejected, model A kept */
	tu_write(f->dir, "rank.model", model_b);
	assert_int_equal(chown(f->path, OTHER_UID, 0), 0);
	assert_int_equal(model_watch_check(&w, false, &err), MODEL_REJECTED);
	assert_non_null(strstr(err.msg, f->path));
	assert_non_null(strstr(err.msg, "uid 54321"));
	assert_string_equal(w.current.id, id_a);
	assert_true(w.current.intercept == 1.0);
	/* reported once per change */
	assert_int_equal(model_watch_check(&w, false, &err), MODEL_UNCHANGED);

	/* world-writable, owner fixed: still rejected */
	assert_int_equal(chown(f->path, 0, 0), 0);
	chmod(f->path, 0666);
	assert_int_equal(model_watch_check(&w, false, &err), MODEL_REJECTED);
	assert_non_null(strstr(err.msg, "world-writable"));

	/* fixed with chmod alone (only ctime changes): B is loaded */
	chmod(f->path, 0644);
	assert_int_equal(model_watch_check(&w, false, &err), MODEL_LOADED);
	assert_true(w.current.intercept == 2.0);
}

/* How many times needle is in text. */
static int occurrences(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Run the elim to its end: --once on the fixture's tree with model (and
 * up to two more arguments), or with args as they are when model is NULL.
 * Returns its exit code; *out and *err (may be NULL) get what it wrote. */
static int elim_once(const char *model, const char *more1, const char *more2, char **out,
		     char **err)
{
	char procfs[PATH_MAX], sysfs[PATH_MAX];
	snprintf(procfs, sizeof procfs, "%s/basic/t0/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	const char *args[] = { "--once", "--no-probe", "--no-history", "--procfs", procfs,
			       "--sysfs", sysfs,
			       "--model", model, more1, more2, NULL };
	return th_run(&(struct th_opts){ .foreground = true }, args, 60.0, out, err);
}

static int elim_args(const char *const *args, char **err)
{
	return th_run(NULL, args, 60.0, NULL, err);
}

/* The elim itself: --model refused at start, and --trusted-users */
static void elim_refuses_model(void **state)
{
	struct fx *f = *state;
	need_root();
	char want[PATH_MAX + 64], *out, *err;
	snprintf(want, sizeof want, "model %s refused: world-writable", f->path);

	chmod(f->path, 0666);
	assert_int_equal(elim_once(f->path, NULL, NULL, NULL, &err), 1);
	assert_non_null(strstr(err, want));
	assert_int_equal(occurrences(err, f->path), 1);   /* the message names the file once */
	free(err);
	/* --check-config refuses it as the running elim would */
	assert_int_equal(elim_args((const char *const[]){ "--check-config", "--model", f->path, NULL },
				   &err), 1);
	assert_non_null(strstr(err, want));
	free(err);

	chmod(f->path, 0644);
	assert_int_equal(chown(f->path, OTHER_UID, 0), 0);
	assert_int_equal(elim_once(f->path, NULL, NULL, NULL, &err), 1);
	assert_non_null(strstr(err, "uid 54321"));
	free(err);
	assert_int_equal(elim_once(f->path, "--trusted-users", "54321", &out, NULL), 0);
	assert_true(strncmp(out, "1 rank ", 7) == 0);
	free(out);
	assert_int_equal(elim_args((const char *const[]){ "--check-config", "--model", f->path, NULL },
				   NULL), 1);
	assert_int_equal(elim_args((const char *const[]){ "--check-config", "--model", f->path,
							  "--trusted-users", "54321", NULL }, NULL), 0);
	/* trusted, but 0600: root reads it only with CAP_DAC_OVERRIDE, which the
	 * elim gives up; --check-config says so, as the elim would fail */
	chmod(f->path, 0600);
	assert_int_equal(elim_args((const char *const[]){ "--check-config", "--model", f->path,
							  "--trusted-users", "54321", NULL }, &err), 1);
	assert_non_null(strstr(err, "Permission denied"));
	free(err);
	assert_int_equal(elim_once(f->path, "--trusted-users", "54321", NULL, NULL), 1);
	chmod(f->path, 0644);
	assert_int_equal(elim_once(f->path, "--trusted-users", "no-such-user-here", NULL, NULL), 2);
}

/* The configuration file: refused the same way, before anything runs */
static void elim_refuses_configuration(void **state)
{
	struct fx *f = *state;
	tu_write(f->dir, "elim.rank.conf", "interval = 7\n");
	char conf[PATH_MAX + 16], want[PATH_MAX + 64], *err;
	snprintf(conf, sizeof conf, "%s/elim.rank.conf", f->dir);
	const char *const args[] = { "--config", conf, "--check-config", NULL };
	chmod(conf, 0644);
	assert_int_equal(elim_args(args, NULL), 0);
	chmod(conf, 0620);
	assert_int_equal(elim_args(args, &err), 1);
	snprintf(want, sizeof want, "configuration %s refused: group-writable", conf);
	assert_non_null(strstr(err, want));
	free(err);
	chmod(conf, 0644);
	assert_int_equal(chown(conf, OTHER_UID, 0), 0);
	assert_int_equal(elim_args(args, &err), 1);
	assert_non_null(strstr(err, "uid 54321"));
	free(err);
}

/* The state directory, the history and its -wal and -shm: 0750 / 0640 at most */
static void elim_creates_private_files(void **state)
{
	struct fx *f = *state;
	char statedir[PATH_MAX], procfs[PATH_MAX], sysfs[PATH_MAX];
	snprintf(statedir, sizeof statedir, "%s/state/sub", f->dir);
	snprintf(procfs, sizeof procfs, "%s/basic/t0/proc", tu_data());
	snprintf(sysfs, sizeof sysfs, "%s/basic/sys", tu_data());
	umask(0);   /* the elim must not rely on its parent's umask */
	struct th h;
	th_start(&h, &(struct th_opts){ .out = TH_NULL, .err = TH_NULL, .foreground = true },
		 (const char *const[]){ "--interval", "0.05", "--count", "200", "--state-dir",
					statedir, "--procfs", procfs, "--sysfs", sysfs, NULL });
	umask(022);
	char db[PATH_MAX + 16], wal[PATH_MAX + 32], shm[PATH_MAX + 32];
	snprintf(db, sizeof db, "%s/history.db", statedir);
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	struct stat st;
	int tries;
	for (tries = 0; tries < 3000 && (stat(wal, &st) < 0 || stat(shm, &st) < 0); tries++)
		tu_sleep_ms(20);
	assert_true(tries < 3000);
	const char *files[] = { db, wal, shm };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(stat(files[i], &st), 0);
		if (st.st_mode & 027)
			fail_msg("%s has mode %04o: group-writable or world-accessible", files[i],
				 (unsigned)(st.st_mode & 07777));
	}
	assert_int_equal(stat(statedir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	snprintf(statedir, sizeof statedir, "%s/state", f->dir);
	assert_int_equal(stat(statedir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	th_kill(&h, SIGTERM);
	assert_int_equal(th_wait(&h, 60.0), 0);
	th_close(&h);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (files are chown'ed to other users)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(accepts_root_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_group_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_world_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_other_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(accepts_configured_users, setup, teardown),
		cmocka_unit_test_setup_teardown(accepts_lsf_administrator, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_writable_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_directory_of_other_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_non_regular_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(not_root_checks_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(model_watch_keeps_previous, setup, teardown),
		cmocka_unit_test_setup_teardown(elim_refuses_model, setup, teardown),
		cmocka_unit_test_setup_teardown(elim_refuses_configuration, setup, teardown),
		cmocka_unit_test_setup_teardown(elim_creates_private_files, setup, teardown),
	};
	return TU_RUN(tests);
}

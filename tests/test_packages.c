/*
 * test_packages: the RPM and the Debian package, built from the dist
 * tarball as an administrator would, outside this build tree.
 *
 * The tarball is made with `make distdir distdir=TMP/...` (no recursion
 * into make check), then:
 *   - `rpmbuild -ta --nodeps --nocheck` (Debian's rpm has rpmbuild but an
 *     empty rpm database): the RPM holds the binaries under
 *     /usr/libexec/elim-rank and /usr/sbin, the man pages, the snippets
 *     and the wrapper, and no file elsewhere that LIM could run;
 *   - `DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b` in a scratch
 *     copy of the unpacked tarball: the same contents;
 *   - the .deb installed, upgraded (the same package repacked with a later
 *     version), removed and purged with `dpkg --root` in a throwaway root,
 *     each step in a private mount namespace where / is read-only and only
 *     the throwaway root is writable, so nothing can land on this machine.
 *     The installed elim writes a history there; it survives the upgrade
 *     and the remove, and the purge deletes it.  The installed wrapper runs
 *     the installed elim, and once the package is removed exits with
 *     ELIM_ABORT_VALUE, silent.  The history directory is mode 0750 in both.
 * Heavy (minutes of compiling): skipped under ELIM_RANK_SKIP_HEAVY.
 */
#include "config.h"

#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *tmp;              /* everything this test makes */
static char tarball[1024];     /* TMP/elim-rank-VERSION.tar.gz */
static char deb[1024];

/* The environment for a build outside make check: make's variables (e.g.
 * TESTS=... from `make check TESTS=`) must not reach the package's make. */
#define CLEAN_ENV "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES "

static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
	char path[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Does the command's output (stdout) contain line as a whole line (a
 * directory: with or without a trailing slash)? */
static bool output_has_line(const char *cmd, const char *line)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/out.txt", tmp);
	if (tu_system("%s > '%s' 2>/dev/null", cmd, path) != 0)
		return false;
	char *text = tu_slurp(path);
	bool found = false;
	size_t len = strlen(line);
	for (char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') &&
		    (p[len] == '\n' || p[len] == '\0' || (p[len] == '/' && p[len + 1] == '\n')))
			found = true;
	free(text);
	return found;
}

/* Lines of the command's output matching the extended regex re. */
static int output_count(const char *cmd, const char *re)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/count.txt", tmp);
	tu_system("%s 2>/dev/null | grep -c -E '%s' > '%s'", cmd, re, path);
	char *text = tu_slurp(path);
	int n = atoi(text);
	free(text);
	return n;
}

static void t_dist(void **state)
{
	(void)state;
	const char *b = getenv("top_builddir");
	assert_int_equal(tu_system(CLEAN_ENV "make -s -C '%s' distdir distdir='%s/%s-%s' >'%s/dist.log' 2>&1",
				   b ? b : ".", tmp, PACKAGE, VERSION, tmp), 0);
	assert_int_equal(tu_system("cd '%s' && tar czf '%s-%s.tar.gz' '%s-%s' && rm -rf '%s-%s'", tmp,
				   PACKAGE, VERSION, PACKAGE, VERSION, PACKAGE, VERSION), 0);
	snprintf(tarball, sizeof tarball, "%s/%s-%s.tar.gz", tmp, PACKAGE, VERSION);
	assert_true(exists("%s", tarball));
	/* the spec (made by configure) and debian/ are in it */
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "tar tzf '%s'", tarball);
	assert_true(output_has_line(cmd, PACKAGE "-" VERSION "/elim-rank.spec"));
	assert_true(output_has_line(cmd, PACKAGE "-" VERSION "/debian/rules"));
}

/* How many section-5 man pages the project has: man/*.5.in beside the
 * test data (tu_data() is SRCDIR/tests/data). */
static size_t man5_pages(void)
{
	char pat[1200];
	snprintf(pat, sizeof pat, "%s/../../man/*.5.in", tu_data());
	glob_t g;
	assert_int_equal(glob(pat, 0, NULL, &g), 0);
	size_t n = g.gl_pathc;
	globfree(&g);
	return n;
}

/* The paths a package installs: the binaries, man pages, snippets, wrapper. */
static void check_listing(const char *cmd, const char *strip)
{
	static const char *const want[] = {
		"/usr/libexec/elim-rank/elim.rank", "/usr/libexec/elim-rank/elim",
		"/usr/sbin/rank-train", "/usr/share/elim-rank/elim-wrapper",
		"/usr/share/elim-rank/default.model",
		"/usr/share/elim-rank/conf-snippets/lsf.shared.openlava-3-4",
		"/var/lib/elim-rank",
	};
	char full[1400];
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		snprintf(full, sizeof full, "%s%s", strip, want[i]);
		if (!output_has_line(cmd, full))
			fail_msg("%s: no %s", cmd, want[i]);
	}
	/* man pages (compressed or not) */
	assert_int_equal(output_count(cmd, "/usr/share/man/man8/(elim\\.rank|rank-train)\\.8"), 2);
	assert_int_equal(output_count(cmd, "/usr/share/man/man5/[^/]+\\.5"), man5_pages());
	/* nothing LIM could run but in the package's own directory: every
	 * "elim" or "elim.*" is under /usr/libexec/elim-rank */
	char runnable[1500];
	snprintf(runnable, sizeof runnable, "%s | grep -v /usr/share/", cmd);
	assert_int_equal(output_count(runnable, "/elim(\\.[^/]*)?$"), 2);
	assert_int_equal(output_count(runnable, "^[^ ]*/usr/libexec/elim-rank/elim(\\.rank)?$"), 2);
	/* and nothing in an LSF or OpenLava directory */
	assert_int_equal(output_count(cmd, "/(lsf|openlava)(/|$)"), 0);
}

static void t_rpm(void **state)
{
	(void)state;
	assert_true(tarball[0]);
	int rc = tu_system(CLEAN_ENV "rpmbuild -ta --nodeps --nocheck --define '_topdir %s/rpm' '%s'"
			   " >'%s/rpmbuild.log' 2>&1", tmp, tarball, tmp);
	if (rc != 0)
		tu_system("tail -30 '%s/rpmbuild.log' >&2", tmp);
	assert_int_equal(rc, 0);
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "ls %s/rpm/RPMS/*/%s-%s-1*.rpm", tmp, PACKAGE, VERSION);
	assert_int_equal(output_count(cmd, "\\.rpm$"), 1);
	snprintf(cmd, sizeof cmd, "rpm -qlp %s/rpm/RPMS/*/%s-%s-1*.rpm", tmp, PACKAGE, VERSION);
	check_listing(cmd, "");
	snprintf(cmd, sizeof cmd, "rpm -qlvp %s/rpm/RPMS/*/%s-%s-1*.rpm", tmp, PACKAGE, VERSION);
	assert_int_equal(output_count(cmd, "^drwxr-x--- .* /var/lib/elim-rank$"), 1); /* the histories: root's */
	/* the spec has no scriptlet deleting the histories on erase */
	snprintf(cmd, sizeof cmd, "rpm -qp --scripts %s/rpm/RPMS/*/*.rpm", tmp);
	assert_int_equal(output_count(cmd, "rm "), 0);
}

static void t_deb_build(void **state)
{
	(void)state;
	assert_true(tarball[0]);
	assert_int_equal(tu_system("mkdir -p '%s/deb' && tar xzf '%s' -C '%s/deb'", tmp, tarball, tmp), 0);
	int rc = tu_system("cd '%s/deb/%s-%s' && " CLEAN_ENV "DEB_BUILD_OPTIONS=nocheck"
			   " dpkg-buildpackage -us -uc -b >'%s/dpkg-buildpackage.log' 2>&1",
			   tmp, PACKAGE, VERSION, tmp);
	if (rc != 0)
		tu_system("tail -30 '%s/dpkg-buildpackage.log' >&2", tmp);
	assert_int_equal(rc, 0);
	snprintf(deb, sizeof deb, "%s/deb/%s_%s_amd64.deb", tmp, PACKAGE, VERSION);
	if (!exists("%s", deb)) {  /* another architecture */
		char cmd[1200];
		snprintf(cmd, sizeof cmd, "ls %s/deb/%s_%s_*.deb", tmp, PACKAGE, VERSION);
		assert_int_equal(output_count(cmd, "\\.deb$"), 1);
		snprintf(deb, sizeof deb, "%s/deb/the.deb", tmp);
		assert_int_equal(tu_system("cp %s/deb/%s_%s_*.deb '%s'", tmp, PACKAGE, VERSION, deb), 0);
	}
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "dpkg-deb --fsys-tarfile '%s' | tar t", deb);
	check_listing(cmd, ".");
	snprintf(cmd, sizeof cmd, "dpkg-deb -c '%s'", deb);
	assert_int_equal(output_count(cmd, "^drwxr-x--- .* \\./var/lib/elim-rank/$"), 1);
}

/* Run cmd (with $R the throwaway root) in a private mount namespace where
 * / is read-only and only R is writable. */
static int in_root(const char *root, const char *cmd)
{
	setenv("R", root, 1);
	return tu_system("unshare -m sh -ec 'mount --bind \"$R\" \"$R\" &&"
			 " mount -o remount,bind,ro / && TMPDIR=\"$R/tmp\" && export TMPDIR && %s'"
			 " >>'%s/dpkg.log' 2>&1", cmd, tmp);
}

#define DPKG "dpkg --root=\"$R\" --log=\"$R/var/log/dpkg.log\" --force-depends --force-script-chrootless"

static void t_deb_root_cycle(void **state)
{
	(void)state;
	assert_true(deb[0]);
	char root[1100], up[1200], cmd[2600];
	snprintf(root, sizeof root, "%s/root", tmp);
	assert_int_equal(tu_system("mkdir -p '%s/var/lib/dpkg/info' '%s/var/lib/dpkg/updates' '%s/tmp'"
				   " '%s/var/log' && : > '%s/var/lib/dpkg/status'",
				   root, root, root, root, root), 0);
	/* an elim of the administrator's in a (fake) LSF_SERVERDIR in the root */
	tu_write(root, "opt/lsf/etc/elim", "#!/bin/sh\n# the administrator's elim\n");

	/* the namespace really is read-only outside the root */
	assert_int_not_equal(in_root(root, "touch /elim-rank-test-must-fail"), 0);
	assert_false(exists("/elim-rank-test-must-fail"));

	/* install */
	snprintf(cmd, sizeof cmd, DPKG " -i \"%s\"", deb);
	assert_int_equal(in_root(root, cmd), 0);
	assert_true(exists("%s/usr/libexec/elim-rank/elim.rank", root));
	assert_true(exists("%s/usr/sbin/rank-train", root));
	assert_true(exists("%s/usr/share/elim-rank/elim-wrapper", root));
	char *admins = tu_slurp(strcat(strcpy(cmd, root), "/opt/lsf/etc/elim"));
	assert_string_equal(admins, "#!/bin/sh\n# the administrator's elim\n");
	free(admins);

	/* the installed elim runs and writes a history where the package says */
	assert_int_equal(tu_system("'%s/usr/libexec/elim-rank/elim.rank' --once --state-dir"
				   " '%s/var/lib/elim-rank' >/dev/null 2>&1", root, root), 0);
	snprintf(cmd, sizeof cmd, "%s/var/lib/elim-rank/history.db", root);
	long rows = tu_sql_int(cmd, "SELECT count(*) FROM samples");
	assert_true(rows >= 1);

	/* the installed wrapper runs the installed elim (one record), and
	 * exits with ELIM_ABORT_VALUE, silent, once the elim is gone */
	snprintf(cmd, sizeof cmd, "ELIM_RANK_ELIM='%s/usr/libexec/elim-rank/elim.rank'"
		 " '%s/usr/share/elim-rank/elim-wrapper' --once --no-history --no-probe", root, root);
	assert_int_equal(output_count(cmd, "^1 rank [0-9]+\\.[0-9]$"), 1);

	/* upgrade: the same package with a later version */
	snprintf(up, sizeof up, "%s/up.deb", tmp);
	assert_int_equal(tu_system("cd '%s' && dpkg-deb -R '%s' up && sed -i 's/^Version: .*/Version: %s+up1/'"
				   " up/DEBIAN/control && dpkg-deb -b up '%s' >/dev/null", tmp, deb, VERSION, up), 0);
	snprintf(cmd, sizeof cmd, DPKG " -i \"%s\"", up);
	assert_int_equal(in_root(root, cmd), 0);
	assert_int_equal(tu_system("grep -q '^Version: %s+up1$' '%s/var/lib/dpkg/status'", VERSION, root), 0);
	assert_true(exists("%s/usr/libexec/elim-rank/elim.rank", root));
	snprintf(cmd, sizeof cmd, "%s/var/lib/elim-rank/history.db", root);
	assert_int_equal(tu_sql_int(cmd, "SELECT count(*) FROM samples"), rows);

	/* remove: the programs go, the history stays (the wrapper, as if in a
	 * shared LSF_SERVERDIR, kept aside first) */
	assert_int_equal(tu_system("cp '%s/usr/share/elim-rank/elim-wrapper' '%s/elim-wrapper'", root, tmp), 0);
	assert_int_equal(in_root(root, DPKG " -r elim-rank"), 0);
	assert_false(exists("%s/usr/libexec/elim-rank/elim.rank", root));
	assert_false(exists("%s/usr/sbin/rank-train", root));
	assert_true(exists("%s/var/lib/elim-rank/history.db", root));
	assert_int_equal(tu_sql_int(cmd, "SELECT count(*) FROM samples"), rows);
	assert_true(exists("%s/opt/lsf/etc/elim", root));
	assert_int_equal(tu_system("ELIM_RANK_ELIM='%s/usr/libexec/elim-rank/elim.rank' ELIM_ABORT_VALUE=97"
				   " sh '%s/elim-wrapper' > '%s/w.out' 2>&1", root, tmp, tmp), 97);
	char *said = tu_slurp(strcat(strcpy(cmd, tmp), "/w.out"));
	assert_string_equal(said, "");
	free(said);

	/* purge: the history goes too */
	assert_int_equal(in_root(root, DPKG " -P elim-rank"), 0);
	assert_false(exists("%s/var/lib/elim-rank", root));
	assert_true(exists("%s/opt/lsf/etc/elim", root));
}

int main(void)
{
	test_heavy_or_skip("building the RPM and the Debian package");
	tmp = tu_tmpdir();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_dist),
		cmocka_unit_test(t_rpm),
		cmocka_unit_test(t_deb_build),
		cmocka_unit_test(t_deb_root_cycle),
	};
	int rc = TU_RUN(tests);
	if (rc == 0)
		tu_rmtree(tmp);
	else
		fprintf(stderr, "test_packages: logs kept in %s\n", tmp);
	free(tmp);
	return rc;
}

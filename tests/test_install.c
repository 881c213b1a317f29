/*
 * test_install: the tree "make install DESTDIR=..." produces: elim.rank in
 * LSF_SERVERDIR with an elim link for OpenLava, an administrator's own elim
 * left alone, the snippets and man pages in place, nothing in sysconfdir.
 */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	if (v == NULL)
		fail_msg("$%s not set (run through make check)", name);
	return v;
}

static int install_into(const char *destdir, const char *out)
{
	return tu_system("cd '%s' && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "
			 "${MAKE:-make} -s install DESTDIR='%s' > '%s' 2>&1",
			 env("top_builddir"), destdir, out);
}

static bool exists2(const char *a, const char *b, const char *c)
{
	char p[4096];
	snprintf(p, sizeof p, "%s%s%s", a, b, c);
	return access(p, F_OK) == 0;
}

static void t_fresh_tree(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char dest[600], out[600], p[4096], link[256];
	snprintf(dest, sizeof dest, "%s/root", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	if (install_into(dest, out) != 0) {
		tu_system("cat '%s' >&2", out);
		fail_msg("make install failed");
	}
	const char *elimdir = env("INST_ELIMDIR");
	snprintf(p, sizeof p, "%s%s/elim.rank", dest, elimdir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode) && (st.st_mode & 0111));
	snprintf(p, sizeof p, "%s%s/elim", dest, elimdir);
	ssize_t n = readlink(p, link, sizeof link - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "elim.rank");          /* relative: survives DESTDIR */
	assert_true(tu_file_has(out, "linked"));

	const char *data = env("INST_PKGDATADIR");
	static const char *const snippets[] = {
		"README", "lsf.shared.openlava-3-4", "lsf.shared.lsf-openlava-2",
		"lsf.cluster.lsf-openlava-2", "lsb.queues.special", "elim.rank.conf.example",
		"lsb.queues.probe-hold",
	};
	for (size_t i = 0; i < sizeof snippets / sizeof snippets[0]; i++) {
		snprintf(p, sizeof p, "%s%s/conf-snippets/%s", dest, data, snippets[i]);
		if (access(p, F_OK) != 0)
			fail_msg("missing %s", p);
	}
	snprintf(p, sizeof p, "%s%s/conf-snippets/lsf.shared.openlava-3-4", dest, data);
	assert_true(tu_file_has(p, "Begin NewIndex"));
	assert_true(tu_file_has(p, "rank    10        Y"));
	snprintf(p, sizeof p, "%s%s/conf-snippets/lsb.queues.special", dest, data);
	assert_true(tu_file_has(p, "RES_REQ             = order[rank]"));
	assert_true(tu_file_has(p, "JOB_ACCEPT_INTERVAL"));

	const char *man = env("INST_MANDIR");
	assert_true(exists2(dest, man, "/man5/elim.rank.conf.5"));
	assert_true(exists2(dest, man, "/man8/elim.rank.8"));
	/* no @substitution@ left in the installed page */
	snprintf(p, sizeof p, "%s%s/man5/elim.rank.conf.5", dest, man);
	assert_false(tu_file_has(p, "@pkgsysconfdir@"));

	/* nothing goes into sysconfdir: the administrator's files stay theirs */
	snprintf(p, sizeof p, "%s%s", dest, env("INST_SYSCONFDIR"));
	DIR *d = opendir(p);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				fail_msg("installed into sysconfdir: %s", e->d_name);
		closedir(d);
	}
	/* the installed program runs */
	snprintf(p, sizeof p, "%s%s/elim.rank", dest, elimdir);
	assert_int_equal(tu_system("'%s' --version > /dev/null", p), 0);

	/* installing again keeps our own link */
	assert_int_equal(install_into(dest, out), 0);
	assert_true(tu_file_has(out, "already links to elim.rank"));
	tu_rmtree(dir);
	free(dir);
}

/* An administrator's own elim (OpenLava runs only that one) is never replaced. */
static void t_existing_elim_left_alone(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char dest[600], out[600], p[4200], sub[4096];
	snprintf(dest, sizeof dest, "%s/root", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(sub, sizeof sub, "%s%s", dest, env("INST_ELIMDIR"));
	assert_int_equal(tu_system("mkdir -p '%s'", sub), 0);
	tu_write(sub, "elim", "#!/bin/sh\n# the site's own elim\n");
	assert_int_equal(install_into(dest, out), 0);
	snprintf(p, sizeof p, "%s/elim", sub);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_true(tu_file_has(p, "the site's own elim"));
	assert_true(tu_file_has(out, "already exists: left alone"));
	snprintf(p, sizeof p, "%s/elim.rank", sub);
	assert_int_equal(access(p, X_OK), 0);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_fresh_tree),
		cmocka_unit_test(t_existing_elim_left_alone),
	};
	return TU_RUN(tests);
}

/*
 * LSF's configuration files (lib/lsfconf.h): the input, cut at its first
 * NUL byte, is an lsf.shared and an lsf.cluster.<name>.  Each either parses
 * or is refused as "PATH:LINE: problem" (or "PATH: problem"); what parses
 * holds only names that fit and positive, finite CPU factors, and a host
 * found has a line within the file.  lsf.conf's LSF_CONFDIR is read from
 * the whole input.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lsfconf.h"

/* A refusal names the file first. */
static void check_refusal(int rc, const char *err, const char *path)
{
	FUZZ_CHECK(rc == -EINVAL);
	size_t n = strlen(path);
	FUZZ_CHECK(strncmp(err, path, n) == 0 && err[n] == ':');
}

FUZZ_TARGET(lsfconf)
{
	static struct lsf_shared sh;
	char *text = fuzz_strdup(data, size);
	size_t n1 = strlen(text);
	const char *cl = n1 < size ? text + n1 + 1 : "";
	size_t n2 = n1 < size ? size - n1 - 1 : 0;
	char err[512];

	int rc = lsf_shared_parse(text, n1, "lsf.shared", &sh, err, sizeof err);
	if (rc < 0) {
		check_refusal(rc, err, "lsf.shared");
		memset(&sh, 0, sizeof sh);
	} else {
		FUZZ_CHECK(sh.n_models <= LSFCONF_MAX_MODELS && sh.n_clusters <= LSFCONF_MAX_CLUSTERS);
		for (size_t i = 0; i < sh.n_models; i++) {
			FUZZ_CHECK(sh.models[i].cpuf > 0 && isfinite(sh.models[i].cpuf));
			FUZZ_CHECK(memchr(sh.models[i].name, '\0', LSFCONF_NAME_MAX) != NULL);
			FUZZ_CHECK(!sh.models[i].used);
		}
		for (size_t i = 0; i < sh.n_clusters; i++)
			FUZZ_CHECK(sh.clusters[i][0] && strchr(sh.clusters[i], '/') == NULL);
	}

	/* the cluster file: its NULs cut the text short, as a C string would */
	size_t l2 = strnlen(cl, n2);
	struct lsf_cluster_host h;
	rc = lsf_cluster_parse(cl, l2, "lsf.cluster.c", "fasthost", &h, &sh, err, sizeof err);
	if (rc < 0) {
		check_refusal(rc, err, "lsf.cluster.c");
	} else if (h.found) {
		FUZZ_CHECK(h.line >= 1 && (size_t)h.line <= l2 + 1);
		FUZZ_CHECK(memchr(h.model, '\0', sizeof h.model) != NULL);
	}

	char dir[64];
	rc = lsf_conf_confdir((const char *)data, size, dir, sizeof dir);
	FUZZ_CHECK(rc == 0 || rc == -ENAMETOOLONG || (rc == 1 && dir[0] && strlen(dir) < sizeof dir));
	free(text);
	return 0;
}

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "replace.h"

const char *replace_load_installed(const char *path, const struct feature_schema *schema,
				   struct model *m, bool *have, char *warn, size_t warnlen)
{
	struct model_error merr;
	*have = false;
	warn[0] = '\0';
	int rc = model_load_file(path, schema, m, &merr);
	if (rc == 0) {
		*have = true;
		return path;
	}
	if (rc == -ENOENT) {
		if (model_load_default(m, &merr) == 0) {
			*have = true;
			return "none installed: embedded default";
		}
		return NULL;
	}
	if (merr.line)
		snprintf(warn, warnlen, "installed model %s: line %d: %s: not compared, will be"
			 " replaced", path, merr.line, merr.msg);
	else
		snprintf(warn, warnlen, "installed model %s: %s: not compared, will be replaced",
			 path, merr.msg);
	return NULL;
}

void replace_decide(const struct train_result *r, const struct model *installed,
		    const char *label, bool force, struct replace_decision *d)
{
	const char *inc_label = installed ? model_meta_get(installed, "label") : NULL;
	const struct train_eval *ie = train_incumbent_error(r);
	memset(d, 0, sizeof *d);
	d->installed = ie;
	d->comparable = ie && (inc_label == NULL || strcmp(inc_label, label) == 0);
	if (ie && !d->comparable)
		snprintf(d->note, sizeof d->note, "installed model predicts '%s', not '%s': its"
			 " error is not comparable", inc_label, label);
	d->keep = d->comparable && ie->cv_rmse < r->fit.cv_rmse && !force;
	if (d->keep)
		snprintf(d->why, sizeof d->why, "the installed model's error on the same rows (%.6g,"
			 " %s) is below the new model's cross-validated error (%.6g); --force"
			 " replaces it anyway", ie->cv_rmse, ie == &r->incumbent_cv
			 ? "its terms refitted, as it was trained on these rows"
			 : "as it is, not trained on these rows", r->fit.cv_rmse);
}

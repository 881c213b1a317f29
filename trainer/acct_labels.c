#include "config.h"

#include "acct_labels.h"

int acct_labels_attach(const char *path, char *const *files, size_t nfiles,
		       struct dataset_spec *spec, struct acct_set *set, struct acct_speed *sp,
		       acct_speed_group_fn group, void *group_ctx, char *err, size_t errlen)
{
	int rc = acct_read(path, set, err, errlen);
	if (rc < 0)
		return rc;
	if (sp)
		rc = acct_speed_fit(set, group, group_ctx, sp, err, errlen);
	else
		acct_label(set);
	if (rc < 0)
		return rc;
	return acct_join(set, files, nfiles, spec, err, errlen);
}

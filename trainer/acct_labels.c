#include "config.h"

#include "acct_labels.h"

int acct_labels_attach(const struct acct_labels_opts *o, char *const *files, size_t nfiles,
		       struct dataset_spec *spec, struct acct_set *set, struct acct_speed *sp,
		       char *err, size_t errlen)
{
	int rc = 0;
	set->key = o->key;
	for (size_t i = 0; i < o->npaths && rc == 0; i++)
		rc = acct_read(o->paths[i], set, err, errlen);
	if (rc < 0)
		return rc;
	if (sp)
		rc = acct_speed_fit(set, o->group, o->group_ctx, sp, err, errlen);
	else
		acct_label(set);
	if (rc < 0)
		return rc;
	return acct_join(set, files, nfiles, spec, err, errlen);
}

#include "config.h"

#include "acct_labels.h"

int acct_labels_attach(const char *path, char *const *files, size_t nfiles,
		       struct dataset_spec *spec, struct acct_set *set, char *err, size_t errlen)
{
	int rc = acct_read(path, set, err, errlen);
	if (rc < 0)
		return rc;
	acct_label(set);
	return acct_join(set, files, nfiles, spec, err, errlen);
}

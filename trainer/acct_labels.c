#include "config.h"

#include <errno.h>

#include "acct_labels.h"
#include "errmsg.h"

/* acct_speed's group hook: the host's group in the map, or NULL */
static const char *group_of(void *ctx, const char *host)
{
	return hostmap_lookup(ctx, host);
}

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
	acct_dedupe(set);
	if (o->refs) {
		if (o->refs->keyed && o->refs->key != o->key)
			return errmsg(err, errlen, -EINVAL, "the class references were made with"
				      " --class %s, not --class %s", acct_class_name(o->refs->key),
				      acct_class_name(o->key));
		acct_refs_label(set, o->refs);
	} else if (sp)
		rc = acct_speed_fit(set, o->groups ? group_of : NULL, (void *)o->groups, sp, err,
				    errlen);
	else if (acct_label(set) < 0)
		rc = errmsg(err, errlen, -ENOMEM, "labelling jobs: out of memory");
	if (rc < 0)
		return rc;
	return acct_join_map(set, files, nfiles, o->host_map, spec, err, errlen);
}

/*
 * report_html: rank-train --report FILE.html, one self-contained page
 * (inline CSS and SVG, no script, no network) with the summary, the term
 * table, the comparison on the same rows, and three plots drawn from the
 * run's bounded plot sample: predicted against measured, residuals over
 * time, and coefficients with +-2 standard error bars.  Written to a
 * temporary file and renamed into place.
 */
#ifndef ELIM_RANK_REPORT_HTML_H
#define ELIM_RANK_REPORT_HTML_H

#include <stddef.h>

#include "report.h"
#include "train.h"

/* Returns 0 or a negative errno with a message naming the file in err. */
int report_html_write(const char *path, const struct train_result *r,
		      const struct report_info *info, char *err, size_t errlen);

#endif

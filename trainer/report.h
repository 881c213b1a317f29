/*
 * report: the plain-text report of a training run (stdout of rank-train).
 *
 * Lines "rows:", "hosts:", "label:", "method:", "r2:", "rmse:" and
 * "cv_rmse:" start with those words so scripts can pick them out; the term
 * table and the comparison on the same rows follow, then the speed
 * reference and the hosts' probe speeds (speed_ref_report).
 */
#ifndef ELIM_RANK_REPORT_H
#define ELIM_RANK_REPORT_H

#include <stdio.h>

#include "speed_ref.h"
#include "train.h"

struct report_info {
	const char *label;
	size_t nfiles;
	const char *incumbent_name;   /* "FILE" or "embedded default"; NULL = none */
	const struct speed_ref *speed;   /* the cluster's speed reference, or NULL */
};

void report_text(FILE *f, const struct train_result *r, const struct report_info *info);

/* "YYYY-MM-DDTHH:MM:SSZ" for a Unix time. */
void report_time(char *buf, size_t size, int64_t t);

/* A one-line description of the method ("ridge (lambda 3.2, by blocked CV)"). */
void report_method(char *buf, size_t size, const struct train_result *r);

#endif

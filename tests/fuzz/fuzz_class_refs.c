/*
 * Class references files (trainer/acct_refs.c: rank-train --class-refs,
 * elim-rank.classrefs(5)): any bytes either parse or are refused with
 * "NAME:..." and leave the summary they were merged into as it was; what
 * parses is consistent (classes in order and distinct, buckets ascending
 * and within range, counts adding up to the runs), writes back as text
 * that parses to the same text, and merged into itself counts twice.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "acct_refs.h"
#include "fuzz.h"

FUZZ_TARGET(class_refs)
{
	struct acct_refs r = { 0 };
	char err[512] = "";
	int rc = acct_refs_parse((const char *)data, size, "refs", &r, err, sizeof err);
	if (rc < 0) {
		FUZZ_CHECK(strncmp(err, "refs", 4) == 0);
		FUZZ_CHECK(r.n == 0);
		acct_refs_free(&r);
		return 0;
	}
	FUZZ_CHECK(r.keyed);
	for (size_t i = 0; i < r.n; i++) {
		const struct acct_refs_class *c = &r.c[i];
		FUZZ_CHECK(c->name[0] != '\0');
		FUZZ_CHECK(i == 0 || strcmp(r.c[i - 1].name, c->name) < 0);
		uint64_t sum = 0;
		for (size_t k = 0; k < c->nb; k++) {
			FUZZ_CHECK(c->b[k].n > 0);
			FUZZ_CHECK(k == 0 || c->b[k - 1].idx < c->b[k].idx);
			FUZZ_CHECK(abs(c->b[k].idx) <= ACCT_REFS_MAX_INDEX);
			sum += c->b[k].n;
		}
		FUZZ_CHECK(sum == c->runs);
		double ref = acct_refs_ref(&r, c->name);
		FUZZ_CHECK(c->runs < ACCT_MIN_RUNS ? isnan(ref) : ref > 0);
	}
	char *text = NULL;
	long len = acct_refs_format(&r, &text);
	FUZZ_CHECK(len > 0);
	struct acct_refs back = { 0 };
	FUZZ_CHECK(acct_refs_parse(text, (size_t)len, "back", &back, err, sizeof err) == 0);
	char *text2 = NULL;
	FUZZ_CHECK(acct_refs_format(&back, &text2) == len && memcmp(text, text2, (size_t)len) == 0);
	FUZZ_CHECK(acct_refs_id(&back) == acct_refs_id(&r));
	/* merged into itself: every count doubles */
	FUZZ_CHECK(acct_refs_parse(text, (size_t)len, "again", &back, err, sizeof err) == 0);
	FUZZ_CHECK(back.n == r.n);
	for (size_t i = 0; i < r.n; i++)
		FUZZ_CHECK(back.c[i].runs == 2 * r.c[i].runs && back.c[i].nb == r.c[i].nb);
	free(text);
	free(text2);
	acct_refs_free(&back);
	acct_refs_free(&r);
	return 0;
}

/*
 * factor files (trainer/factor.c): any bytes either decode or are refused
 * with a message; what decodes has its counts and numbers in range, and
 * encodes back to the same bytes.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "factor.h"
#include "fuzz.h"

FUZZ_TARGET(factor)
{
	static struct factor f;
	char err[512] = "";
	int rc = factor_decode(data, size, &f, err, sizeof err);
	if (rc < 0) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(f.k >= 2 && f.k <= ACCUM_MAX_FOLDS);
	FUZZ_CHECK(f.p >= 1 && f.p <= ACCUM_MAX_COLS && f.p_req <= f.p);
	FUZZ_CHECK(f.nhosts <= FACTOR_MAX_HOSTS && f.rows_used <= f.rows_read);
	uint64_t sum = 0;
	for (unsigned k = 0; k < f.k; k++) {
		sum += f.n[k];
		FUZZ_CHECK(f.inc_sse[k] >= 0 && isfinite(f.inc_sse[k]));
	}
	FUZZ_CHECK(sum == f.rows_used);
	FUZZ_CHECK(factor_size(&f) == size);
	unsigned char *back = malloc(size);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(factor_encode(&f, back, size) == (long)size);
	FUZZ_CHECK(memcmp(back, data, size) == 0);
	free(back);
	return 0;
}

/*
 * factor files (trainer/factor.c): any bytes either decode or are refused
 * with a message; what decodes has its counts and numbers in range, and
 * encodes back to the same bytes.  Each input is tried as it is and with
 * its last 4 bytes made its checksum, so that the fields behind the
 * checksum are reached too.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "factor.h"
#include "fuzz.h"

static void one(const uint8_t *data, size_t size)
{
	static struct factor f;
	char err[512] = "";
	int rc = factor_decode(data, size, &f, err, sizeof err);
	if (rc < 0) {
		FUZZ_CHECK(err[0] != '\0');
		return;
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
	FUZZ_CHECK(f.nunit <= FACTOR_MAX_HOSTS);
	for (size_t i = 0; i < f.nunit; i++)
		FUZZ_CHECK(f.unit[i].host[0] && f.unit[i].seconds > 0 && isfinite(f.unit[i].seconds) &&
			   f.unit[i].work >= 1 && f.unit[i].rows >= 1);
	FUZZ_CHECK(factor_size(&f) == size);
	unsigned char *back = malloc(size);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(factor_encode(&f, back, size) == (long)size);
	FUZZ_CHECK(memcmp(back, data, size) == 0);
	free(back);
}

FUZZ_TARGET(factor)
{
	one(data, size);
	if (size < 4)
		return 0;
	uint8_t *fixed = malloc(size);
	FUZZ_CHECK(fixed != NULL);
	memcpy(fixed, data, size);
	uint32_t c = factor_crc32(fixed, size - 4);
	for (int i = 0; i < 4; i++)
		fixed[size - 4 + i] = (uint8_t)(c >> (8 * i));
	one(fixed, size);
	free(fixed);
	return 0;
}

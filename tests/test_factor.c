/*
 * factor: the factor file's layout, and every way a file can be bad
 * (elim-rank.factor(5)): a round trip of every field, the byte order and
 * floating-point layout on disk, the size bound (64 columns, 5 folds under
 * 96 KiB, whatever the rows), and refusals naming the file and the
 * problem for a foreign file, another version, truncation at every
 * length, bytes after the end, any byte changed (the checksum), fields out
 * of range under a valid checksum, a missing file and a failed write.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "factor.h"
#include "testutil.h"

static struct factor *sample(size_t p, unsigned k)
{
	struct factor *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->since = 0x0102030405060708LL;
	f->until = f->since + 86400;
	f->k = k;
	f->p = p;
	f->p_req = p > 1 ? p - 1 : 1;
	f->baseline_col = 0;
	f->baseline_added = true;
	f->incumbent = 0xfeedfacecafebeefULL;
	f->tmin = f->since + 10;
	f->tmax = f->until - 10;
	f->rows_read = 1000;
	f->rows_used = 990;
	f->rows_skipped = 10;
	snprintf(f->label, sizeof f->label, "rank");
	for (size_t j = 0; j < p; j++) {
		snprintf(f->cols[j], sizeof f->cols[j], "hinge(cpu_busy,0.%zu)", j);
		f->mean[j] = 0.5 + (double)j;
		f->sd[j] = j == 1 ? 0 : 0.25 * (double)(j + 1);
		if (j < f->p_req)
			f->unknown[j] = j;
	}
	f->nhosts = 2;
	snprintf(f->hosts[0], sizeof f->hosts[0], "node17");
	snprintf(f->hosts[1], sizeof f->hosts[1], "node18.example.org");
	f->ymean = 123.25;
	f->ysst = 4567.5;
	uint64_t left = f->rows_used;
	for (unsigned i = 0; i < k; i++) {
		f->n[i] = i + 1 < k ? left / k : left - (k - 1) * (left / k);
		f->inc_sse[i] = 1.5 * i;
		for (size_t t = 0; t < (p + 2) * (p + 3) / 2; t++)
			f->R[i][t] = (double)t / 7.0 - (double)i;
	}
	return f;
}

static unsigned char *encode(const struct factor *f, size_t *len)
{
	*len = factor_size(f);
	unsigned char *b = malloc(*len + 16);
	assert_non_null(b);
	assert_int_equal(factor_encode(f, b, *len + 16), (long)*len);
	return b;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct factor *f = sample(6, 5), *g = malloc(sizeof *g);
	size_t len;
	unsigned char *b = encode(f, &len);
	char err[256] = "";
	assert_int_equal(factor_decode(b, len, g, err, sizeof err), 0);
	assert_memory_equal(f, g, sizeof *f);
	/* too small a buffer */
	assert_int_equal(factor_encode(f, b, len - 1), -ENOSPC);
	/* out of range: not encoded */
	f->k = 1;
	assert_int_equal(factor_encode(f, b, len), -EINVAL);
	free(b);
	free(f);
	free(g);
}

/* Little-endian integers and IEEE-754 binary64, whatever the host. */
static void test_layout(void **state)
{
	(void)state;
	struct factor *f = sample(1, 2);
	size_t len;
	unsigned char *b = encode(f, &len);
	assert_memory_equal(b, "ELRKFACT", 8);
	assert_memory_equal(b + 8, "\x01\x00\x00\x00", 4);                  /* version 1 */
	assert_int_equal(b[16] | b[17] << 8 | b[18] << 16 | (size_t)b[19] << 24, len);
	assert_memory_equal(b + 24, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);  /* since */
	/* the first mean, 0.5, follows the names: 0x3FE0000000000000 */
	size_t names = 2 + 4 + 2 + strlen(f->cols[0]) + 2 + 6 + 2 + 18;
	assert_memory_equal(b + 120 + names, "\x00\x00\x00\x00\x00\x00\xe0\x3f", 8);
	uint32_t crc = factor_crc32(b, len - 4);
	assert_int_equal(b[len - 4] | b[len - 3] << 8 | b[len - 2] << 16 | (uint32_t)b[len - 1] << 24,
			 crc);
	assert_int_equal(factor_crc32((const unsigned char *)"123456789", 9), 0xcbf43926u);
	free(b);
	free(f);
}

/* 64 columns and 5 folds: under 96 KiB, and the rows never count. */
static void test_size(void **state)
{
	(void)state;
	struct factor *f = sample(ACCUM_MAX_COLS, 5);
	size_t a = factor_size(f);
	assert_true(a < 96 * 1024);
	f->rows_read *= 1000000;
	f->rows_used *= 1000000;
	f->n[4] += f->rows_used - 990;
	assert_int_equal(factor_size(f), a);
	free(f);
}

static void expect_bad(const unsigned char *b, size_t len, const char *needle)
{
	static struct factor g;
	char err[256] = "";
	int rc = factor_decode(b, len, &g, err, sizeof err);
	if (rc != -EINVAL || strstr(err, needle) == NULL)
		fail_msg("decode of %zu bytes: %d '%s', expected '%s'", len, rc, err, needle);
}

static void test_damage(void **state)
{
	(void)state;
	struct factor *f = sample(3, 3);
	size_t len;
	unsigned char *b = encode(f, &len);
	for (size_t n = 0; n < len; n++)
		expect_bad(b, n, n < 8 ? "not an elim-rank factor file" : "truncated");
	b[len] = 0;
	expect_bad(b, len + 1, "bytes after its end");
	for (size_t i = 0; i < len; i++) {
		b[i] ^= 0x10;
		expect_bad(b, len, i < 8 ? "not an elim-rank factor file" : i < 12 ? "version"
			   : i >= 16 && i < 24 ? "header says" : "checksum mismatch");
		b[i] ^= 0x10;
	}
	free(b);
	free(f);
}

/* Fields out of range under a valid checksum: what a buggy writer makes. */
static void resum_and_expect(unsigned char *b, size_t len, const char *needle)
{
	uint32_t c = factor_crc32(b, len - 4);
	for (int i = 0; i < 4; i++)
		b[len - 4 + i] = (unsigned char)(c >> (8 * i));
	expect_bad(b, len, needle);
}

static void test_fields(void **state)
{
	(void)state;
	struct factor *f = sample(3, 3);
	size_t len;
	unsigned char *b = encode(f, &len), *c = malloc(len);
	assert_non_null(c);
#define MUTATE(off, byte, needle) do { \
	memcpy(c, b, len); \
	c[(off)] = (byte); \
	resum_and_expect(c, len, needle); \
} while (0)
	MUTATE(12, 2, "flags 0x2: only 0x1 (probe speeds) is defined");
	MUTATE(12, 1, "truncated in the probe speeds");   /* the flag without its section */
	MUTATE(40, 1, "1 folds");
	MUTATE(40, 21, "21 folds");
	MUTATE(44, 0, "0 columns");
	MUTATE(44, 65, "65 columns");
	MUTATE(48, 4, "(4 of them terms)");
	MUTATE(52, 2, "baseline column 2");
	MUTATE(61, 1, "258 hosts: more than");
	MUTATE(39, 0x80, "not a window");          /* until < 0 */
	MUTATE(96, 0xff, "row counts disagree");   /* rows used */
	MUTATE(72, 0, "outside the window");       /* tmin */
	MUTATE(120, 200, "the label: 200 bytes");  /* its length */
	MUTATE(122, 0, "holds a NUL byte");        /* its first byte */
	size_t fold0 = len - 4 - 3 * (16 + 8 * 15);
	MUTATE(fold0 + 7, 0x7f, "more than the file's");
	MUTATE(fold0 + 15, 0xff, "the installed model's error");   /* NaN */
	memcpy(c, b, len);
	c[fold0 + 16 + 7] = 0x7f;                  /* R[0][0] = +inf */
	c[fold0 + 16 + 6] = 0xf0;
	resum_and_expect(c, len, "a factor entry is inf");
	free(c);
	free(b);
	free(f);
}

/* The probe speeds section (FACTOR_FLAG_UNIT): only when there are some,
 * after the blocks; read back; each way it can be bad refused. */
static void test_units(void **state)
{
	(void)state;
	struct factor *f = sample(2, 2), *g = malloc(sizeof *g);
	assert_non_null(g);
	size_t plain;
	unsigned char *b = encode(f, &plain);
	assert_int_equal(b[12], 0);   /* no speeds: no flag, the layout without them */
	free(b);
	f->nunit = 2;
	f->unit[0] = (struct factor_unit){ "node17", 2, 0.000500736, 5000 };
	f->unit[1] = (struct factor_unit){ "node18", 2, 0.001, 7 };
	size_t len;
	b = encode(f, &len);
	assert_int_equal(len, plain + 4 + 2 * (2 + 6 + 20));
	assert_memory_equal(b + 12, "\x01\x00\x00\x00", 4);   /* the flag */
	/* after the last block: the count, then the first host */
	size_t at = plain - 4;
	assert_memory_equal(b + at, "\x02\x00\x00\x00\x06\x00node17\x02\x00\x00\x00", 16);
	char err[256] = "";
	assert_int_equal(factor_decode(b, len, g, err, sizeof err), 0);
	assert_memory_equal(f, g, sizeof *f);
	unsigned char *c = malloc(len);
	assert_non_null(c);
	size_t u1 = at + 4;                          /* the first speed's host string */
	size_t w1 = u1 + 2 + 6, s1 = w1 + 4, r1 = s1 + 8;
#define MUTATE_U(off, byte, needle) do { \
	memcpy(c, b, len); \
	c[(off)] = (byte); \
	resum_and_expect(c, len, needle); \
} while (0)
	MUTATE_U(at, 0, "0 probe speeds: not 1..256");
	MUTATE_U(at + 1, 1, "probe speeds: not 1..256");
	MUTATE_U(w1, 0, "work version 0");
	MUTATE_U(s1 + 7, 0xff, "out of range");          /* NaN seconds */
	MUTATE_U(s1 + 7, 0xbf, "out of range");          /* negative */
	memcpy(c, b, len);
	memset(c + r1, 0, 8);                             /* no rows */
	resum_and_expect(c, len, "over 0 rows: out of range");
	MUTATE_U(u1 + 2 + 5, '8', "probe speeds: host 'node18' twice");
	free(c);
	/* the same host twice is not encoded, nor out of range values */
	snprintf(f->unit[1].host, sizeof f->unit[1].host, "node17");
	assert_int_equal(factor_encode(f, b, len), -EINVAL);
	snprintf(f->unit[1].host, sizeof f->unit[1].host, "node18");
	f->unit[1].seconds = 0;
	assert_int_equal(factor_encode(f, b, len), -EINVAL);
	free(b);
	free(f);
	free(g);
}

static void test_files(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), path[600], err[1024];
	struct factor *f = sample(4, 5), *g = malloc(sizeof *g);
	snprintf(path, sizeof path, "%s/node17.factor", dir);
	assert_int_equal(factor_write(path, f, err, sizeof err), 0);
	assert_int_equal(factor_read(path, g, err, sizeof err), 0);
	assert_memory_equal(f, g, sizeof *f);

	/* a corrupt file: refused naming it; a good one is not replaced by a bad write */
	char *text = tu_slurp(path);
	free(text);
	tu_system("printf 'X' | dd of='%s' bs=1 seek=200 conv=notrunc 2>/dev/null", path);
	assert_int_equal(factor_read(path, g, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "checksum mismatch"));
	tu_system("head -c 100 '%s' > '%s.cut'", path, path);
	char cut[700];
	snprintf(cut, sizeof cut, "%s.cut", path);
	assert_int_equal(factor_read(cut, g, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, cut));
	assert_non_null(strstr(err, "truncated"));

	snprintf(path, sizeof path, "%s/none.factor", dir);
	assert_int_equal(factor_read(path, g, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, path));
	snprintf(path, sizeof path, "%s/no/such/dir/x.factor", dir);
	assert_true(factor_write(path, f, err, sizeof err) < 0);
	assert_non_null(strstr(err, path));
	f->k = 0;
	snprintf(path, sizeof path, "%s/bad.factor", dir);
	assert_int_equal(factor_write(path, f, err, sizeof err), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
	tu_rmtree(dir);
	free(dir);
	free(f);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_units),
	};
	return TU_RUN(tests);
}

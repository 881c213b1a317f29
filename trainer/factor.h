/*
 * factor: the factor file, one host's (or a few hosts') partial fit as
 * rank-train --partial writes it and --merge reads it (elim-rank.factor(5)).
 *
 * A binary file of fixed layout: integers unsigned little-endian (times
 * two's complement), reals IEEE-754 binary64 little-endian, strings a
 * 16-bit length and that many bytes; the header says the version and the
 * whole length, and a CRC-32 (the one of zlib and IEEE 802.3) of every
 * byte before it ends the file.  The hosts' probe speeds (nunit > 0) are
 * an optional section after the blocks, announced by the header's flag
 * FACTOR_FLAG_UNIT: a file without them is laid out as before it.  Its size depends on the columns and the
 * folds, never on the rows: at most 16 + 8 k + 4 (p + 2)(p + 3) k bytes of
 * fold data plus the names.
 *
 * This module only encodes and decodes: what the numbers mean and whether
 * two files may be merged is partial.h's.  struct factor is large
 * (about 400 KiB): allocate it.  Errors: a negative errno and a message
 * in the caller's buffer (factor_read's names the file).
 */
#ifndef ELIM_RANK_FACTOR_H
#define ELIM_RANK_FACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accum.h"
#include "model.h"

#define FACTOR_MAGIC "ELRKFACT"
#define FACTOR_VERSION 1
#define FACTOR_MAX_HOSTS 256
#define FACTOR_HOST_MAX 64         /* a host name with its NUL */
#define FACTOR_LABEL_MAX 128       /* the label's name with its NUL */
#define FACTOR_TRI_MAX ((ACCUM_MAX_COLS + 2) * (ACCUM_MAX_COLS + 3) / 2)
#define FACTOR_MAX_BYTES (4u << 20)   /* no valid file is larger */
#define FACTOR_FLAG_UNIT 0x1u      /* the probe speeds section follows the blocks */

struct factor {
	int64_t since, until;          /* the window, and so the fold grid */
	unsigned k;                    /* folds, 2..ACCUM_MAX_FOLDS */
	size_t p, p_req;               /* columns; the first p_req are the terms
					  (and the baseline's), the rest the
					  installed model's others */
	size_t baseline_col;
	bool baseline_added;           /* load1_per_core added for the baseline */
	uint64_t incumbent;            /* identity of the installed model compared
					  with (partial_model_id), 0: none */
	int64_t tmin, tmax;            /* first and last labelled row; tmin > tmax: none */
	uint64_t rows_read, rows_used, rows_skipped;
	char label[FACTOR_LABEL_MAX];
	char cols[ACCUM_MAX_COLS][MODEL_EXPR_MAX];   /* the columns' expressions */
	size_t nhosts;
	char hosts[FACTOR_MAX_HOSTS][FACTOR_HOST_MAX];
	uint64_t unknown[ACCUM_MAX_COLS];            /* rows skipped for column j < p_req */
	double mean[ACCUM_MAX_COLS];   /* the columns' mean over the rows used ... */
	double sd[ACCUM_MAX_COLS];     /* ... and standard deviation (n - 1; 0: constant
					  or fewer than 2 rows) */
	double ymean, ysst;            /* the label's mean and sum of squares about it */
	uint64_t n[ACCUM_MAX_FOLDS];   /* rows per fold */
	double inc_sse[ACCUM_MAX_FOLDS];   /* installed model's squared error per fold */
	/* per fold, the upper triangle, row by row, of the (p+2) x (p+2) factor R
	 * over columns [1, (x - mean) / sd', y - ymean] (sd' = sd, or 1 when 0):
	 * R'R = X'X of the fold's rows.  Zero for a fold without rows. */
	double R[ACCUM_MAX_FOLDS][FACTOR_TRI_MAX];
	/* ---- probe speeds (speed_ref.h): flag FACTOR_FLAG_UNIT ---- */
	size_t nunit;                  /* hosts with a probe_unit_seconds value, 0: none */
	struct factor_unit {
		char host[FACTOR_HOST_MAX];
		uint32_t work;             /* the probe_work_version of its value */
		double seconds;            /* the lower median of its probe_unit_seconds */
		uint64_t rows;             /* the rows it is over */
	} unit[FACTOR_MAX_HOSTS];
	/* ---- end of probe speeds ---- */
};

/* The encoded size of f (its fields in range). */
size_t factor_size(const struct factor *f);

/*
 * Encode f into buf[0..len).  Returns the bytes written, or -EINVAL when
 * a field is out of range (a count, a string too long) or -ENOSPC when
 * len is short.
 */
long factor_encode(const struct factor *f, unsigned char *buf, size_t len);

/*
 * Decode buf[0..len) into f.  Returns 0, or -EINVAL with the problem in
 * err: not a factor file, another version, truncated or with bytes after
 * its end, a checksum mismatch (corrupt), a field out of range.  Never
 * reads outside buf.
 */
int factor_decode(const unsigned char *buf, size_t len, struct factor *f, char *err,
		  size_t errlen);

/* The checksum the file ends with: CRC-32 of p[0..n) (zlib's crc32(0, p, n)). */
uint32_t factor_crc32(const unsigned char *p, size_t n);

/* Write f to path atomically (a bad file never replaces a good one), mode 0644. */
int factor_write(const char *path, const struct factor *f, char *err, size_t errlen);

/* Read and decode path; err names the file. */
int factor_read(const char *path, struct factor *f, char *err, size_t errlen);

#endif

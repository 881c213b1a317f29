#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "factor.h"
#include "fsutil.h"

/* CRC-32, reflected polynomial 0xEDB88320 (zlib's crc32, IEEE 802.3). */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t factor_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* ------------------------------------------------------------ writing */

struct out {
	unsigned char *p;
	size_t len, off;
	bool full;
};

static void put_bytes(struct out *o, const void *b, size_t n)
{
	if (o->full || n > o->len - o->off) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->off, b, n);
	o->off += n;
}

static void put_u(struct out *o, uint64_t v, unsigned bytes)
{
	unsigned char b[8];
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put_bytes(o, b, bytes);
}

static void put_f64(struct out *o, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);   /* binary64 on every platform we build for */
	put_u(o, v, 8);
}

static void put_str(struct out *o, const char *s)
{
	size_t n = strlen(s);
	put_u(o, n, 2);
	put_bytes(o, s, n);
}

static size_t tri(size_t p)
{
	return (p + 2) * (p + 3) / 2;
}

/* ---- probe speeds (FACTOR_FLAG_UNIT): u32 n, then per host: string host,
 * u32 work, f64 seconds, u64 rows; after the blocks, before the checksum */

static bool unit_ok(const struct factor_unit *u)
{
	return u->host[0] && strnlen(u->host, FACTOR_HOST_MAX) < FACTOR_HOST_MAX && u->work >= 1 &&
	       u->work <= MODEL_SPEED_REF_WORK_MAX && isfinite(u->seconds) && u->seconds > 0 &&
	       u->seconds <= MODEL_SPEED_REF_MAX && u->rows >= 1;
}

static bool unit_in_range(const struct factor *f)
{
	if (f->nunit > FACTOR_MAX_HOSTS)
		return false;
	for (size_t i = 0; i < f->nunit; i++) {
		if (!unit_ok(&f->unit[i]))
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(f->unit[j].host, f->unit[i].host) == 0)
				return false;
	}
	return true;
}

static size_t unit_size(const struct factor *f)
{
	size_t n = f->nunit ? 4 : 0;
	for (size_t i = 0; i < f->nunit; i++)
		n += 2 + strlen(f->unit[i].host) + 4 + 8 + 8;
	return n;
}

static void put_units(struct out *o, const struct factor *f)
{
	if (f->nunit == 0)
		return;
	put_u(o, f->nunit, 4);
	for (size_t i = 0; i < f->nunit; i++) {
		put_str(o, f->unit[i].host);
		put_u(o, f->unit[i].work, 4);
		put_f64(o, f->unit[i].seconds);
		put_u(o, f->unit[i].rows, 8);
	}
}
/* ---- end of probe speeds (writing) */

static bool in_range(const struct factor *f)
{
	if (f->k < 2 || f->k > ACCUM_MAX_FOLDS || f->p < 1 || f->p > ACCUM_MAX_COLS ||
	    f->p_req > f->p || f->baseline_col >= f->p || f->nhosts > FACTOR_MAX_HOSTS)
		return false;
	if (strnlen(f->label, FACTOR_LABEL_MAX) == FACTOR_LABEL_MAX)
		return false;
	for (size_t j = 0; j < f->p; j++)
		if (strnlen(f->cols[j], MODEL_EXPR_MAX) == MODEL_EXPR_MAX)
			return false;
	for (size_t h = 0; h < f->nhosts; h++)
		if (strnlen(f->hosts[h], FACTOR_HOST_MAX) == FACTOR_HOST_MAX)
			return false;
	return unit_in_range(f);
}

size_t factor_size(const struct factor *f)
{
	size_t n = 8 + 4 + 4 + 8 + 8 * 2 + 4 * 6 + 8 * 7;   /* the header */
	n += 2 + strlen(f->label);
	for (size_t j = 0; j < f->p; j++)
		n += 2 + strlen(f->cols[j]);
	for (size_t h = 0; h < f->nhosts; h++)
		n += 2 + strlen(f->hosts[h]);
	n += f->p * 16 + f->p_req * 8 + 16;
	n += f->k * (16 + 8 * tri(f->p));
	n += unit_size(f);
	return n + 4;
}

long factor_encode(const struct factor *f, unsigned char *buf, size_t len)
{
	if (!in_range(f))
		return -EINVAL;
	size_t total = factor_size(f);
	if (total > len)
		return -ENOSPC;
	struct out o = { .p = buf, .len = len };
	put_bytes(&o, FACTOR_MAGIC, 8);
	put_u(&o, FACTOR_VERSION, 4);
	put_u(&o, f->nunit ? FACTOR_FLAG_UNIT : 0, 4);   /* flags */
	put_u(&o, total, 8);
	put_u(&o, (uint64_t)f->since, 8);
	put_u(&o, (uint64_t)f->until, 8);
	put_u(&o, f->k, 4);
	put_u(&o, f->p, 4);
	put_u(&o, f->p_req, 4);
	put_u(&o, f->baseline_col, 4);
	put_u(&o, f->baseline_added, 4);
	put_u(&o, f->nhosts, 4);
	put_u(&o, f->incumbent, 8);
	put_u(&o, (uint64_t)f->tmin, 8);
	put_u(&o, (uint64_t)f->tmax, 8);
	put_u(&o, f->rows_read, 8);
	put_u(&o, f->rows_used, 8);
	put_u(&o, f->rows_skipped, 8);
	uint64_t n_total = 0;
	for (unsigned i = 0; i < f->k; i++)
		n_total += f->n[i];
	put_u(&o, n_total, 8);
	put_str(&o, f->label);
	for (size_t j = 0; j < f->p; j++)
		put_str(&o, f->cols[j]);
	for (size_t h = 0; h < f->nhosts; h++)
		put_str(&o, f->hosts[h]);
	for (size_t j = 0; j < f->p; j++) {
		put_f64(&o, f->mean[j]);
		put_f64(&o, f->sd[j]);
	}
	for (size_t j = 0; j < f->p_req; j++)
		put_u(&o, f->unknown[j], 8);
	put_f64(&o, f->ymean);
	put_f64(&o, f->ysst);
	for (unsigned i = 0; i < f->k; i++) {
		put_u(&o, f->n[i], 8);
		put_f64(&o, f->inc_sse[i]);
		for (size_t t = 0; t < tri(f->p); t++)
			put_f64(&o, f->R[i][t]);
	}
	put_units(&o, f);
	if (o.full || o.off + 4 != total)
		return -ENOSPC;
	put_u(&o, factor_crc32(buf, o.off), 4);
	return (long)o.off;
}

/* ------------------------------------------------------------ reading */

struct in {
	const unsigned char *p;
	size_t len, off;
	const char *what;    /* the first thing that did not fit */
};

static bool get_u(struct in *i, unsigned bytes, uint64_t *v, const char *what)
{
	if (i->what || bytes > i->len - i->off) {
		if (!i->what)
			i->what = what;
		*v = 0;
		return false;
	}
	uint64_t r = 0;
	for (unsigned b = 0; b < bytes; b++)
		r |= (uint64_t)i->p[i->off + b] << (8 * b);
	i->off += bytes;
	*v = r;
	return true;
}

static double get_f64(struct in *i, const char *what)
{
	uint64_t v;
	double d;
	get_u(i, 8, &v, what);
	memcpy(&d, &v, sizeof d);
	return d;
}

/* A string into dst[0..size): no NUL inside, shorter than size. */
static int get_str(struct in *i, char *dst, size_t size, const char *what, char *err, size_t errlen)
{
	uint64_t n;
	if (!get_u(i, 2, &n, what))
		return -EINVAL;
	if (n >= size || n > i->len - i->off)
		return errmsg(err, errlen, -EINVAL, "%s: %llu bytes, more than %s", what,
			      (unsigned long long)n, n >= size ? "allowed" : "the file holds");
	if (memchr(i->p + i->off, '\0', n))
		return errmsg(err, errlen, -EINVAL, "%s: holds a NUL byte", what);
	memcpy(dst, i->p + i->off, n);
	dst[n] = '\0';
	i->off += n;
	return 0;
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- probe speeds (reading): the section FACTOR_FLAG_UNIT announces */
static int get_units(struct in *i, struct factor *f, char *err, size_t errlen)
{
	uint64_t n, v;
	get_u(i, 4, &n, "the probe speeds' count");
	if (i->what)
		return bad(err, errlen, "truncated in the probe speeds (%s)", i->what);
	if (n < 1 || n > FACTOR_MAX_HOSTS)
		return bad(err, errlen, "%llu probe speeds: not 1..%d (the flag says there are some)",
			   (unsigned long long)n, FACTOR_MAX_HOSTS);
	f->nunit = (size_t)n;
	for (size_t k = 0; k < f->nunit; k++) {
		struct factor_unit *u = &f->unit[k];
		int rc = get_str(i, u->host, sizeof u->host, "a probe speed's host", err, errlen);
		if (rc < 0)
			return i->what ? bad(err, errlen, "truncated in the probe speeds (%s)", i->what)
				       : rc;
		get_u(i, 4, &v, "a probe speed's work version");
		u->work = (uint32_t)v;
		u->seconds = get_f64(i, "a probe speed's seconds");
		get_u(i, 8, &u->rows, "a probe speed's rows");
		if (i->what)
			return bad(err, errlen, "truncated in the probe speeds (%s)", i->what);
		if (!unit_ok(u))
			return bad(err, errlen, "probe speed %zu ('%s'): work version %u, %g s per unit"
				   " over %llu rows: out of range", k + 1, u->host, u->work, u->seconds,
				   (unsigned long long)u->rows);
		for (size_t j = 0; j < k; j++)
			if (strcmp(f->unit[j].host, u->host) == 0)
				return bad(err, errlen, "probe speeds: host '%s' twice", u->host);
	}
	return 0;
}
/* ---- end of probe speeds (reading) */

int factor_decode(const unsigned char *buf, size_t len, struct factor *f, char *err,
		  size_t errlen)
{
	memset(f, 0, sizeof *f);
	if (len < 8 || memcmp(buf, FACTOR_MAGIC, 8) != 0)
		return bad(err, errlen, "not an elim-rank factor file (no '" FACTOR_MAGIC "' at its start)");
	struct in i = { .p = buf, .len = len, .off = 8 };
	uint64_t version, flags, total, v;
	get_u(&i, 4, &version, "the version");
	get_u(&i, 4, &flags, "the flags");
	get_u(&i, 8, &total, "the length");
	if (i.what)
		return bad(err, errlen, "truncated: %zu bytes, not even a header", len);
	if (version != FACTOR_VERSION)
		return bad(err, errlen, "format version %llu; this rank-train reads version %d",
			   (unsigned long long)version, FACTOR_VERSION);
	if (total != len)
		return bad(err, errlen, total > len ? "truncated: %zu bytes, its header says %llu"
			   : "%zu bytes, its header says %llu: bytes after its end", len,
			   (unsigned long long)total);
	if (len < i.off + 4)
		return bad(err, errlen, "truncated: %zu bytes", len);
	uint64_t crc = 0;
	for (unsigned b = 0; b < 4; b++)
		crc |= (uint64_t)buf[len - 4 + b] << (8 * b);
	if (crc != factor_crc32(buf, len - 4))
		return bad(err, errlen, "checksum mismatch: the file is corrupt");
	if (flags & ~(uint64_t)FACTOR_FLAG_UNIT)
		return bad(err, errlen, "flags 0x%llx: only 0x%x (probe speeds) is defined in"
			   " version %d", (unsigned long long)flags, FACTOR_FLAG_UNIT, FACTOR_VERSION);
	i.len = len - 4;
	get_u(&i, 8, &v, "since"); f->since = (int64_t)v;
	get_u(&i, 8, &v, "until"); f->until = (int64_t)v;
	get_u(&i, 4, &v, "folds"); f->k = (unsigned)v;
	get_u(&i, 4, &v, "columns"); f->p = (size_t)v;
	get_u(&i, 4, &v, "term columns"); f->p_req = (size_t)v;
	get_u(&i, 4, &v, "the baseline column"); f->baseline_col = (size_t)v;
	get_u(&i, 4, &v, "the baseline flag"); f->baseline_added = v != 0;
	uint64_t added = v;
	get_u(&i, 4, &v, "hosts"); f->nhosts = (size_t)v;
	get_u(&i, 8, &f->incumbent, "the installed model's identity");
	get_u(&i, 8, &v, "tmin"); f->tmin = (int64_t)v;
	get_u(&i, 8, &v, "tmax"); f->tmax = (int64_t)v;
	get_u(&i, 8, &f->rows_read, "rows read");
	get_u(&i, 8, &f->rows_used, "rows used");
	get_u(&i, 8, &f->rows_skipped, "rows skipped");
	uint64_t n_total;
	get_u(&i, 8, &n_total, "rows in folds");
	if (i.what)
		return bad(err, errlen, "truncated in the header (%s)", i.what);
	if (f->k < 2 || f->k > ACCUM_MAX_FOLDS)
		return bad(err, errlen, "%u folds: not 2..%d", f->k, ACCUM_MAX_FOLDS);
	if (f->p < 1 || f->p > ACCUM_MAX_COLS || f->p_req < 1 || f->p_req > f->p)
		return bad(err, errlen, "%zu columns (%zu of them terms): not 1..%d", f->p, f->p_req,
			   ACCUM_MAX_COLS);
	if (f->baseline_col >= f->p_req || added > 1)
		return bad(err, errlen, "baseline column %zu (flag %llu): not a term column",
			   f->baseline_col, (unsigned long long)added);
	if (f->nhosts > FACTOR_MAX_HOSTS)
		return bad(err, errlen, "%zu hosts: more than %d", f->nhosts, FACTOR_MAX_HOSTS);
	if (f->since < 0 || f->until < f->since)
		return bad(err, errlen, "window %lld..%lld: not a window", (long long)f->since,
			   (long long)f->until);
	if (f->rows_used > f->rows_read || f->rows_skipped > f->rows_read ||
	    f->rows_used != n_total)
		return bad(err, errlen, "row counts disagree: %llu read, %llu used, %llu skipped,"
			   " %llu in folds", (unsigned long long)f->rows_read,
			   (unsigned long long)f->rows_used, (unsigned long long)f->rows_skipped,
			   (unsigned long long)n_total);
	if (f->rows_used > 0 && (f->tmin > f->tmax || f->tmin < f->since || f->tmax > f->until))
		return bad(err, errlen, "rows at %lld..%lld: outside the window %lld..%lld",
			   (long long)f->tmin, (long long)f->tmax, (long long)f->since,
			   (long long)f->until);
	int rc = get_str(&i, f->label, sizeof f->label, "the label", err, errlen);
	for (size_t j = 0; j < f->p && rc == 0; j++)
		rc = get_str(&i, f->cols[j], sizeof f->cols[j], "a column's expression", err, errlen);
	for (size_t h = 0; h < f->nhosts && rc == 0; h++)
		rc = get_str(&i, f->hosts[h], sizeof f->hosts[h], "a host name", err, errlen);
	if (rc < 0)
		return i.what ? bad(err, errlen, "truncated in the names (%s)", i.what) : rc;
	for (size_t j = 0; j < f->p; j++) {
		f->mean[j] = get_f64(&i, "the means");
		f->sd[j] = get_f64(&i, "the deviations");
		if (!isfinite(f->mean[j]) || !(f->sd[j] >= 0) || !isfinite(f->sd[j]))
			return bad(err, errlen, "column %zu: mean %g, deviation %g", j + 1, f->mean[j],
				   f->sd[j]);
	}
	for (size_t j = 0; j < f->p_req; j++)
		get_u(&i, 8, &f->unknown[j], "the unknown counts");
	f->ymean = get_f64(&i, "the label's mean");
	f->ysst = get_f64(&i, "the label's sum of squares");
	if (!isfinite(f->ymean) || !(f->ysst >= 0) || !isfinite(f->ysst))
		return bad(err, errlen, "the label's mean %g, sum of squares %g", f->ymean, f->ysst);
	uint64_t sum = 0;
	for (unsigned k = 0; k < f->k; k++) {
		get_u(&i, 8, &f->n[k], "a fold's rows");
		f->inc_sse[k] = get_f64(&i, "a fold's error");
		if (i.what)
			break;
		if (!(f->inc_sse[k] >= 0) || !isfinite(f->inc_sse[k]))
			return bad(err, errlen, "fold %u: the installed model's error %g", k + 1,
				   f->inc_sse[k]);
		if (f->n[k] > n_total - sum)
			return bad(err, errlen, "fold %u: %llu rows, more than the file's %llu", k + 1,
				   (unsigned long long)f->n[k], (unsigned long long)n_total);
		sum += f->n[k];
		for (size_t t = 0; t < tri(f->p); t++) {
			f->R[k][t] = get_f64(&i, "a fold's factor");
			if (!isfinite(f->R[k][t]) && !i.what)
				return bad(err, errlen, "fold %u: a factor entry is %g", k + 1, f->R[k][t]);
		}
	}
	if (i.what)
		return bad(err, errlen, "truncated in the numbers (%s)", i.what);
	if (sum != n_total)
		return bad(err, errlen, "the folds hold %llu rows, the header says %llu",
			   (unsigned long long)sum, (unsigned long long)n_total);
	if ((flags & FACTOR_FLAG_UNIT) && get_units(&i, f, err, errlen) < 0)
		return -EINVAL;
	if (i.off != i.len)
		return bad(err, errlen, "%zu bytes after the last fold", i.len - i.off);
	return 0;
}

/* ------------------------------------------------------------ files */

int factor_write(const char *path, const struct factor *f, char *err, size_t errlen)
{
	if (!in_range(f))
		return errmsg(err, errlen, -EINVAL, "%s: a field out of range (internal)", path);
	size_t n = factor_size(f);
	unsigned char *buf = malloc(n);
	if (buf == NULL)
		return errmsg(err, errlen, -ENOMEM, "%s: out of memory", path);
	long len = factor_encode(f, buf, n);
	int rc = len < 0 ? (int)len : fs_atomic_write(path, buf, (size_t)len, 0644);
	free(buf);
	if (rc < 0)
		return errmsg(err, errlen, rc, "%s: %s", path, strerror(-rc));
	return 0;
}

int factor_read(const char *path, struct factor *f, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rc = fs_read_path(path, FACTOR_MAX_BYTES, "factor file", &buf, &len, err, errlen);
	if (rc < 0)
		return rc;
	char why[512];
	rc = factor_decode((const unsigned char *)buf, len, f, why, sizeof why);
	free(buf);
	if (rc < 0)
		return errmsg(err, errlen, rc, "%s: %s", path, why);
	return 0;
}

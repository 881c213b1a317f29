#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "feature_set.h"
#include "history.h"
#include "trainer_fixture.h"

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static double unif(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(uint64_t *s)
{
	double u = unif(s), v = unif(s);
	return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

int fixture_history(const char *path, const struct fixture_opts *o)
{
	char err[512];
	struct history *h;
	if (history_open(path, NULL, 0, &h, err, sizeof err) < 0) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
	history_close(h);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	if (o->slowdown_col)
		sqlite3_exec(db, "ALTER TABLE samples ADD COLUMN slowdown REAL", NULL, NULL, NULL);
	char sql[4096];
	size_t off = (size_t)snprintf(sql, sizeof sql, "INSERT INTO samples (time, host");
	for (int i = 0; i < FEAT_COUNT; i++)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ", %s", feature_info(i)->name);
	off += (size_t)snprintf(sql + off, sizeof sql - off, ", rank%s) VALUES (?, ?",
				o->slowdown_col ? ", slowdown" : "");
	for (int i = 0; i < FEAT_COUNT + 1 + (o->slowdown_col ? 1 : 0); i++)
		off += (size_t)snprintf(sql + off, sizeof sql - off, ", ?");
	snprintf(sql + off, sizeof sql - off, ")");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "fixture: %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	unsigned hosts = o->hosts ? o->hosts : 1;
	uint64_t s = o->seed ? o->seed : 42;
	double state[64][FEAT_VECTOR_LEN];
	for (unsigned hh = 0; hh < hosts && hh < 64; hh++)
		for (int f = 0; f < FEAT_COUNT; f++)
			state[hh][f] = unif(&s);
	int rc = 0;
	for (uint64_t i = 0; i < o->rows; i++) {
		unsigned hi = (unsigned)(i % hosts) % 64;
		double *x = state[hi];
		double feat[FEAT_VECTOR_LEN];
		for (int f = 0; f < FEAT_COUNT; f++) {
			x[f] = 0.95 * x[f] + 0.05 * unif(&s) + 0.05 * gauss(&s);
			feat[f] = clamp01(x[f]);
		}
		feat[FEAT_runq_per_core] = 2.0 * feat[FEAT_runq_per_core];
		feat[FEAT_load1_per_core] = 0.7 * feat[FEAT_runq_per_core] + 0.3 * feat[FEAT_load1_per_core];
		feat[FEAT_ctxt_per_sec] *= 20000;
		feat[FEAT_disk_read_bps] *= 2e8;
		feat[FEAT_disk_write_bps] *= 2e8;
		feat[FEAT_net_rx_bps] *= 1e8;
		feat[FEAT_net_tx_bps] *= 1e8;
		feat[FEAT_disk_await_ms] *= 20;
		if (o->constant_steal)
			feat[FEAT_cpu_steal] = 0;
		if (o->collinear)
			feat[FEAT_psi_cpu_some] = 0.5 * feat[FEAT_cpu_busy];
		double slow;
		if (o->probe_form) {
			feat[FEAT_probe_slowdown] = 1.0 + 0.5 * feat[FEAT_probe_slowdown];
			slow = 1.0 + 0.9 * fmax(0, feat[FEAT_probe_slowdown] - 1.0)
				+ 0.6 * feat[FEAT_cpu_demand_since_probe] + 0.3 * feat[FEAT_psi_cpu_since_probe]
				+ 0.5 * feat[FEAT_psi_mem_since_probe] + 0.2 * feat[FEAT_disk_busy_since_probe]
				+ 0.4 * feat[FEAT_cpu_steal] + 2.0 * fmax(0, feat[FEAT_mem_used] - 0.85);
		} else {
			slow = 1.0 + 0.8 * fmax(0, feat[FEAT_runq_per_core] - 0.5)
				+ 0.5 * feat[FEAT_psi_cpu_some] + 2.0 * fmax(0, feat[FEAT_mem_used] - 0.85)
				+ 0.3 * feat[FEAT_cpu_iowait];
		}
		slow += o->noise * gauss(&s);
		if (o->speed > 0)
			slow *= o->speed;
		if (o->unit_seconds > 0) {
			uint64_t k = i / hosts, per = (o->rows + hosts - 1) / hosts;
			bool old = o->old_frac > 0 && (double)k < o->old_frac * (double)per;
			double u = old ? o->old_unit_seconds
				: o->unit_seconds * (1.0 + o->unit_spread * (double)hi);
			if (o->unit_outlier_frac > 0 && unif(&s) < o->unit_outlier_frac)
				u *= 10;
			unsigned w = old ? o->old_work : o->unit_work;
			feat[FEAT_probe_unit_seconds] = u;
			feat[FEAT_probe_work_version] = w ? (double)w : NAN;
		}
		bool null_label = o->null_label_frac > 0 && unif(&s) < o->null_label_frac;
		bool null_feat = o->null_frac > 0 && unif(&s) < o->null_frac;
		char host[64];
		snprintf(host, sizeof host, "%s%u", o->host_prefix ? o->host_prefix : "host", hi);
		int col = 1;
		sqlite3_bind_int64(st, col++, o->t0 + (int64_t)(i / hosts) * (o->step ? o->step : 10));
		sqlite3_bind_text(st, col++, host, -1, SQLITE_TRANSIENT);
		for (int f = 0; f < FEAT_COUNT; f++, col++)
			if ((null_feat && f == FEAT_psi_io_full) || isnan(feat[f]))
				sqlite3_bind_null(st, col);
			else
				sqlite3_bind_double(st, col, feat[f]);
		if (null_label)
			sqlite3_bind_null(st, col++);
		else
			sqlite3_bind_double(st, col++, 100.0 * slow);
		if (o->slowdown_col) {
			if (null_label)
				sqlite3_bind_null(st, col++);
			else
				sqlite3_bind_double(st, col++, slow);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "fixture: insert: %s\n", sqlite3_errmsg(db));
			rc = -1;
			break;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		rc = -1;
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

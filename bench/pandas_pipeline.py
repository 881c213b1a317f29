#!/usr/bin/python3
"""The pandas + numpy equivalent of `rank-train --label rank --dry-run`
with the default terms: read the same columns, drop rows with an unknown
value, build the terms, standardise, 5-fold CV by contiguous time blocks
(an OLS refit per training set, error on the held-out block), the full fit
with standard errors, and the load1_per_core baseline's CV.
Usage: pandas_pipeline.py HISTORY.db [FOLDS]"""
import sqlite3
import sys

import numpy as np
import pandas as pd

FEATURES = ['runq_per_core', 'psi_cpu_some', 'cpu_steal', 'mem_used',
            'psi_mem_some', 'cpu_iowait', 'disk_busy_max', 'load1_per_core']


def cv_ols(X, y, fold, k):
    sse = 0.0
    for f in range(k):
        tr, te = fold != f, fold == f
        c, *_ = np.linalg.lstsq(X[tr], y[tr], rcond=None)
        r = y[te] - X[te] @ c
        sse += float(r @ r)
    return np.sqrt(sse / len(y))


def main():
    path = sys.argv[1]
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    con = sqlite3.connect('file:%s?mode=ro' % path, uri=True)
    df = pd.read_sql_query('SELECT time, host, rank, %s FROM samples WHERE rank IS NOT NULL'
                           % ', '.join(FEATURES), con)
    con.close()
    read = len(df)
    df = df.dropna()
    terms = pd.DataFrame({
        'hinge(runq_per_core,0.5)': np.maximum(0, df.runq_per_core - 0.5),
        'psi_cpu_some': df.psi_cpu_some,
        'cpu_steal': df.cpu_steal,
        'hinge(mem_used,0.85)': np.maximum(0, df.mem_used - 0.85),
        'psi_mem_some': df.psi_mem_some,
        'cpu_iowait': df.cpu_iowait,
        'disk_busy_max': df.disk_busy_max,
    })
    z = (terms - terms.mean()) / terms.std()
    X = np.column_stack([np.ones(len(z)), z.to_numpy()])
    y = df['rank'].to_numpy()
    t = df['time'].to_numpy()
    tmin, tmax = t.min(), t.max()
    fold = np.minimum(((t - tmin) / (tmax - tmin + 1.0) * k).astype(int), k - 1)
    cv = cv_ols(X, y, fold, k)
    c, *_ = np.linalg.lstsq(X, y, rcond=None)
    res = y - X @ c
    sigma2 = float(res @ res) / (len(y) - X.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))
    r2 = 1 - float(res @ res) / float(((y - y.mean()) ** 2).sum())
    lz = (df.load1_per_core - df.load1_per_core.mean()) / df.load1_per_core.std()
    base = cv_ols(np.column_stack([np.ones(len(lz)), lz.to_numpy()]), y, fold, k)
    print('rows %d read %d used, hosts %d' % (read, len(y), df.host.nunique()))
    print('r2 %.4f cv_rmse %.6g baseline %.6g' % (r2, cv, base))
    for name, ci, s in zip(['intercept'] + list(terms.columns), c, se):
        print('%-28s %14.6g %12.4g' % (name, ci, s))


if __name__ == '__main__':
    main()

"""Section 3: an epoch of SGD against the physical limit, one streaming pass over X.

Any epoch must at least read the training matrix X (N, D) once; computing ``X @ W`` for all N
rows at once is such a pass at the speed BLAS reaches. The ratio epoch / pass says how far
the minibatch loop is from that floor (each minibatch step reads its rows twice: ``X_b W`` and
``X_b^T G``, so about 2 is the floor for a plain loop).
"""

from __future__ import annotations

import mnistlib
import numpy as np
from threadpoolctl import threadpool_limits

from ._common import repeat

TITLE = "3. Against the physical limit: one epoch / one streaming pass X @ W"
COLUMNS = [("what", "measurement", "{}"), ("time_s", "time [s]", "{:.4f}"),
           ("gb_per_s", "GB/s of X read", "{:.1f}"), ("ratio", "/ streaming pass", "{:.1f}x")]


def run(data, settings, epoch_batch_size=100):
    """Time the fastest streaming pass (1 or all BLAS threads) and epochs in order / shuffled."""
    s = settings
    X, y = data.standard.X_train, data.standard.y_train
    W = np.zeros((X.shape[1], 10), dtype=X.dtype)
    nbytes = X.nbytes
    passes = {}
    for threads in (1, None):
        with threadpool_limits(limits=threads, user_api="blas"):
            timing, _ = repeat(lambda: X @ W, s.pass_repeats)
        passes["1 BLAS thread" if threads == 1 else "all BLAS threads"] = timing
    label, best = min(passes.items(), key=lambda kv: kv[1]["median_s"])
    rows = [{"what": f"X @ W, X {X.shape[0]:,} x {X.shape[1]} {X.dtype} ({label})",
             "time_s": best["median_s"], "timing": best, "gb_per_s": nbytes / best["median_s"] / 1e9,
             "ratio": 1.0}]
    for shuffle in (False, True):
        def one_epoch():
            mnistlib.train_sgd(mnistlib.SoftmaxRegression(), X, y, lr=0.5,
                               batch_size=epoch_batch_size, n_epochs=1, shuffle=shuffle, seed=0)
        timing, _ = repeat(one_epoch, s.repeats)
        rows.append({"what": f"SGD epoch, batch {epoch_batch_size}, "
                             + ("shuffled" if shuffle else "in order"),
                     "time_s": timing["median_s"], "timing": timing,
                     "gb_per_s": nbytes / timing["median_s"] / 1e9,
                     "ratio": timing["median_s"] / best["median_s"]})
    notes = ["streaming pass: " + ", ".join(f"{k} {v['median_s'] * 1e3:.1f} ms"
                                             for k, v in passes.items())]
    return {"title": TITLE, "columns": COLUMNS, "rows": rows, "passes": passes, "targets": [],
            "notes": notes}

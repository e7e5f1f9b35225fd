"""Section 3: an epoch of SGD against the physical limits of this machine.

Any epoch of softmax regression must read the training matrix X (N, D) and do the two products
of every step, ``X_b W`` and ``(P - T)^T X_b``: 2 N D C multiply-adds. Two floors follow:

* memory: one read of X, as fast as numpy reduces it (``np.add.reduce``);
* compute: those multiply-adds at the best speed BLAS reaches on one core, timed on 64-row
  blocks of a 1,024-row slice of X that stays in cache (what ``sgd_step`` does), scaled to N rows.

The larger floor is the limit an epoch on one core is compared with. A single ``X @ W`` over all
N rows is shown for scale: BLAS is slow on that tall, thin product, so it is not a floor.
"""

from __future__ import annotations

import mnistlib
import numpy as np
from mnistlib.models.softmax_regression import BLOCK_ROWS  # the blocks sgd_step multiplies
from threadpoolctl import threadpool_limits

from ._common import repeat, target

TITLE = "3. Against the physical limits: one epoch / the larger of the memory and compute floors"
COLUMNS = [("what", "measurement", "{}"), ("time_s", "time [s]", "{:.4f}"),
           ("ratio", "/ floor", "{:.1f}x")]
CACHED_ROWS = 1024     # rows the compute floor is timed on (3 MB of float32: stays in cache)


def memory_floor(X, repeats):
    """Timing of one read of X (N, D): ``np.add.reduce`` over the rows."""
    timing, _ = repeat(lambda: np.add.reduce(X, axis=0), repeats)
    return timing


def compute_floor(X, n_classes, repeats):
    """Timing of an epoch's products ``W^T X_b^T`` and ``Z X_b`` at BLAS's best speed.

    Timed on the 64-row blocks of the first ``CACHED_ROWS`` rows (in cache after the first
    repetition) and scaled to all N rows of X (N, D).
    """
    rows = min(CACHED_ROWS, X.shape[0])
    X_cached = np.ascontiguousarray(X[:rows])
    W_T = np.ones((n_classes, X.shape[1]), dtype=X.dtype)
    Z = np.empty((n_classes, BLOCK_ROWS), dtype=X.dtype)
    step_T = np.empty_like(W_T)

    def products():
        for lo in range(0, rows - BLOCK_ROWS + 1, BLOCK_ROWS):
            block = X_cached[lo:lo + BLOCK_ROWS]
            np.matmul(W_T, block.T, out=Z)
            np.matmul(Z, block, out=step_T)

    timing, _ = repeat(products, repeats)
    timed_rows = (rows // BLOCK_ROWS) * BLOCK_ROWS
    scale = X.shape[0] / timed_rows
    for key in ("median_s", "min_s", "max_s"):
        timing[key] *= scale
    timing["times_s"] = [t * scale for t in timing["times_s"]]
    timing["scaled_from_rows"] = timed_rows
    return timing


def call_cost(batch_size, n_classes, repeats):
    """Timing of one small numpy call, ``np.add(Z, 1, out=Z)`` on a (C, B) array, the size of
    the arrays of an SGD step's elementwise work (its arithmetic takes well under its cost)."""
    Z = np.zeros((n_classes, batch_size), dtype=np.float32)
    calls = 1000

    def many():
        for _ in range(calls):
            np.add(Z, 1, out=Z)

    timing, _ = repeat(many, repeats)
    return {key: timing[key] / calls for key in ("median_s", "min_s", "max_s")}


def steps_in_cache(X, y, batch_size, repeats):
    """Timing of an epoch's ``sgd_step`` calls alone, on the rows of a cached slice of X (no
    trainer, no batch gather, no reading X from memory), scaled to all N rows."""
    rows = min(CACHED_ROWS, X.shape[0])
    rows -= rows % batch_size
    X_cached, y_cached = np.ascontiguousarray(X[:rows]), y[:rows]
    model = mnistlib.SoftmaxRegression()

    def steps():
        for lo in range(0, rows, batch_size):
            model.sgd_step(X_cached[lo:lo + batch_size], y_cached[lo:lo + batch_size], 0.1)

    timing, _ = repeat(steps, repeats)
    scale = X.shape[0] / rows
    return {key: timing[key] * scale for key in ("median_s", "min_s", "max_s")}


def step_breakdown(X, y, n_classes, batch_size, compute, floor, repeats):
    """Rows saying where an epoch's time goes at ``batch_size`` beyond the compute floor:
    the ``sgd_step`` calls alone on cached rows, what they spend besides the two products
    (that time minus the ``compute`` floor, seconds), and that time per step in units of one
    small numpy call's fixed cost. Ratios are to ``floor`` (seconds), as the section's.
    The second row is a difference of two timings ("difference": noise can make it negative).
    """
    n_steps = -(-X.shape[0] // batch_size)
    cost = call_cost(batch_size, n_classes, repeats)
    in_cache = steps_in_cache(X, y, batch_size, repeats)
    besides = in_cache["median_s"] - compute
    per_step = besides / n_steps
    return [
        {"what": f"batch {batch_size}: the sgd_step calls alone, rows in cache "
                 f"({n_steps:,} steps; no trainer, gather or memory traffic)",
         "time_s": in_cache["median_s"], "timing": in_cache,
         "ratio": in_cache["median_s"] / floor},
        {"what": f"batch {batch_size}: of which besides the two products: "
                 f"{per_step * 1e6:.1f} us a step = {per_step / cost['median_s']:.0f} small "
                 f"numpy calls of {cost['median_s'] * 1e6:.2f} us",
         "time_s": besides, "ratio": besides / floor, "per_step_s": per_step, "difference": True,
         "call_s": cost["median_s"], "call_timing": cost, "n_steps": n_steps},
    ]


def run(data, settings):
    """Time both floors, one ``X @ W`` call, and epochs at the section-1 batch sizes.

    Every timing runs with one BLAS thread, as ``train_sgd`` does.
    """
    s = settings
    X, y = data.standard.X_train, data.standard.y_train
    n_classes = 10
    N, D = X.shape
    flops = 2 * 2 * N * D * n_classes
    with threadpool_limits(limits=1, user_api="blas"):
        memory = memory_floor(X, s.pass_repeats)
        compute = compute_floor(X, n_classes, s.pass_repeats)
        W = np.zeros((D, n_classes), dtype=X.dtype)
        one_call, _ = repeat(lambda: X @ W, s.pass_repeats)
    floor = max(memory["median_s"], compute["median_s"])
    rows = [
        {"what": f"memory floor: read X once ({N:,} x {D} {X.dtype}, "
                 f"{X.nbytes / memory['median_s'] / 1e9:.0f} GB/s)",
         "time_s": memory["median_s"], "timing": memory, "ratio": memory["median_s"] / floor},
        {"what": f"compute floor: an epoch's two products at BLAS's best speed "
                 f"({flops / compute['median_s'] / 1e9:.0f} GFLOP/s)",
         "time_s": compute["median_s"], "timing": compute, "ratio": compute["median_s"] / floor},
        {"what": "for scale: X @ W in one BLAS call (slow on a tall, thin product)",
         "time_s": one_call["median_s"], "timing": one_call,
         "ratio": one_call["median_s"] / floor},
    ]
    for batch_size in s.epoch_batch_sizes:
        for shuffle in (False, True):
            def one_epoch():
                mnistlib.train_sgd(mnistlib.SoftmaxRegression(), X, y, lr=0.5,
                                   batch_size=batch_size, n_epochs=1, shuffle=shuffle, seed=0)
            timing, _ = repeat(one_epoch, s.repeats)
            rows.append({"what": f"SGD epoch, batch {batch_size}, "
                                 + ("shuffled" if shuffle else "in order"),
                         "time_s": timing["median_s"], "timing": timing,
                         "ratio": timing["median_s"] / floor})
    with threadpool_limits(limits=1, user_api="blas"):
        for batch_size in s.epoch_batch_sizes:
            rows += step_breakdown(X, y, n_classes, batch_size, compute["median_s"], floor,
                                   s.pass_repeats)
    notes = [f"floor = {floor * 1e3:.1f} ms, the larger of the two; an epoch's products are "
             f"2 x {N:,} x {D} x {n_classes} multiply-adds ({flops / 1e9:.2f} GFLOP)",
             "train_sgd gathers the next rows on a second thread while the first computes",
             "'besides the two products': the elementwise softmax, the label gather and the "
             "updates, a few dozen numpy operations a step, each with a fixed dispatch cost "
             "whatever the size of its arrays (see benchmarks/README.md, section 3)"]
    full = data.subset == "full"
    targets = []
    for batch_size, factor in s.floor_factors:
        epochs = [r for r in rows if r["what"].startswith(f"SGD epoch, batch {batch_size},")]
        if not epochs:
            continue
        worst = max(r["time_s"] / compute["median_s"] for r in epochs)
        targets.append(target(f"SGD epoch at batch {batch_size} within {factor:g}x the compute "
                              f"floor", f"<= {factor:g}x",
                              f"{worst:.2f}x (slower of in order / shuffled)",
                              worst <= factor, applies=full))
    return {"title": TITLE, "columns": COLUMNS, "rows": rows, "floor_s": floor, "targets": targets,
            "notes": notes}

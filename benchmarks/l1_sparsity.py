"""Section 5: L1-penalised softmax regression at scikit-learn's example configuration.

scikit-learn's example "MNIST classification using multinomial logistic + L1" trains on
5,000 standardised images with ``C = 50 / 5000``, the saga solver and ``tol=0.1``, and
tests on 10,000. Both systems get the example's own rows, from the recipe the book runs
(`mnistlib.reproductions.sklearn_l1`): all images shuffled with seed 0, split, and
standardised with the training rows' mean and standard deviation.

scikit-learn's objective is ``C * sum_n loss_n + ||W||_1``; divided by ``C * N`` it is
mnistlib's ``mean_n loss_n + l1 ||W||_1`` with ``l1 = 1 / (C * N)`` (0.02 here).
"""

from __future__ import annotations

import numpy as np

import mnistlib
from mnistlib.reproductions import sklearn_l1

from ._common import epochs, repeat
from .baselines import sklearn_logistic

TITLE = "5. L1 at scikit-learn's example configuration ({n_train:,} standardised training images)"
COLUMNS = [("system", "system", "{}"), ("recipe", "recipe", "{}"), ("time_s", "wall time [s]", "{:.2f}"),
           ("sparsity", "zero weights", "{:.1%}"), ("test_accuracy", "test acc.", "{:.2%}"),
           ("objective", "train objective", "{:.4f}")]


def example_rows(data, settings):
    """The example's rows from its recipe: (X, X_test, y, y_test, C), pixels as float32."""
    split = sklearn_l1.example_split(data.standard, n_train=settings.l1_train_samples)
    return (split.X_train.astype(np.float32), split.X_test.astype(np.float32),
            split.y_train, split.y_test, split.C)


def objective(W, b, X, y, l1):
    """The L1 problem both systems minimise: mean cross-entropy + l1 ||W||_1 (W of shape (D, C))."""
    return mnistlib.cross_entropy(X @ W + b, y) + l1 * float(np.abs(W).sum())


def run(data, settings):
    """Fit both systems ``settings.repeats`` times (medians) and compare."""
    s = settings
    X, Xt, y, yt, C = example_rows(data, s)
    n = len(y)
    l1 = 1.0 / (C * n)

    timing, (skl, converged) = repeat(
        lambda: sklearn_logistic(X, y, C=C, l1=True, solver="saga", tol=sklearn_l1.TOL),
        s.repeats)
    W_sk = skl.coef_.T.astype(np.float32)
    b_sk = skl.intercept_.astype(np.float32)
    sk = {"system": "scikit-learn", "recipe": f"saga, C={C:g}, tol {sklearn_l1.TOL:g}, "
          f"{epochs(int(np.max(skl.n_iter_)))}" + ("" if converged else " (stopped by max_iter)"),
          "time_s": timing["median_s"], "timing": timing, "sparsity": float(np.mean(W_sk == 0)),
          "test_accuracy": float(skl.score(Xt, yt)), "objective": objective(W_sk, b_sk, X, y, l1)}

    def fit():
        model = mnistlib.SoftmaxRegression(l1=l1)
        mnistlib.train_sgd(model, X, y, lr=s.l1_lr, batch_size=s.l1_batch_size,
                           n_epochs=s.l1_epochs, shuffle=True, seed=0)
        return model

    timing, model = repeat(fit, s.repeats)
    mine = {"system": "mnistlib", "recipe": f"proximal SGD, l1={l1:g}, lr {s.l1_lr:g}, batch "
            f"{s.l1_batch_size}, {epochs(s.l1_epochs)}", "time_s": timing["median_s"],
            "timing": timing, "sparsity": model.sparsity(), "test_accuracy": model.score(Xt, yt),
            "objective": objective(model.W, model.b, X, y, l1)}
    notes = [f"{n:,} training rows, {Xt.shape[0]:,} test rows; 'train objective' is mean "
             f"cross-entropy + {l1:g} ||W||_1 on the training rows (lower is a better fit of the "
             "same problem)"]
    return {"title": TITLE.format(n_train=n), "columns": COLUMNS, "rows": [mine, sk], "targets": [], "notes": notes}

"""Section 4: mnistlib's MLP, test error and wall time.

The recipe (architecture, L2, learning rate and its linear decay, batch size, epochs) was
chosen on the classic split's validation set (train 50,000 / valid 10,000; see
``benchmarks/README.md``); here it is trained once on all 60,000 training images and
tested once.
"""

from __future__ import annotations

import time

import mnistlib

from ._common import epochs, target

TITLE = "4. MLP (ReLU), trained on {n_train:,}, tested on {n_test:,}"
COLUMNS = [("recipe", "recipe", "{}"), ("test_error", "test error", "{:.2%}"),
           ("time_s", "wall time [s]", "{:.1f}"), ("s_per_epoch", "s / epoch", "{:.2f}")]


def recipe_name(settings):
    s = settings
    arch = "-".join(str(n) for n in s.mlp_layers)
    return (f"{arch} ReLU, L2 {s.mlp_l2:g}, lr {s.mlp_lr:g} decayed linearly to 0, "
            f"batch {s.mlp_batch_size}, {epochs(s.mlp_epochs)}, float32")


def fit(X, y, settings, seed=0):
    """Train the section's MLP recipe on (X (N, D), y (N,)); return the model."""
    s = settings
    model = mnistlib.MLP(s.mlp_layers, activation="relu", l2=s.mlp_l2, seed=seed)
    total = -(-X.shape[0] // s.mlp_batch_size) * s.mlp_epochs
    lr0 = s.mlp_lr
    mnistlib.train_sgd(model, X, y, lr=lambda step: lr0 * (1.0 - step / total),
                       batch_size=s.mlp_batch_size, n_epochs=s.mlp_epochs, shuffle=True,
                       seed=seed)
    return model


def run(data, settings):
    """Train once (about 1.5 minutes on full MNIST) and test once."""
    s = settings
    d = data.standard
    start = time.perf_counter()
    model = fit(d.X_train, d.y_train, s)
    seconds = time.perf_counter() - start
    err = model.error_rate(d.X_test, d.y_test)
    row = {"recipe": recipe_name(s), "test_error": err, "time_s": seconds,
           "s_per_epoch": seconds / s.mlp_epochs, "config": {
               "layer_sizes": list(s.mlp_layers), "activation": "relu", "l2": s.mlp_l2,
               "lr": s.mlp_lr, "schedule": "linear decay to 0", "batch_size": s.mlp_batch_size,
               "epochs": s.mlp_epochs}}
    targets = [target("MLP test error within 3 minutes", "<= 1.80 % in <= 180 s",
                      f"{err:.2%} in {seconds:.0f} s", err <= 0.018 and seconds <= 180,
                      applies=data.subset == "full")]
    notes = ["one training run (no repetitions); wall time of training only, data loading excluded"]
    return {"title": TITLE.format(n_train=d.X_train.shape[0], n_test=d.X_test.shape[0]), "columns": COLUMNS, "rows": [row], "targets": targets, "notes": notes}

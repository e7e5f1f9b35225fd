"""Code that a reviewer's hostile notebooks run on the verdict path (tests/test_verdict_review_
attacks.py): each function is pasted into an answer cell with its call, so it must be
self-contained (imports inside).

These attacks do not touch the verdict (it is taken in the grader's process on plain data):
they try to get the *right numbers* without writing the graded code, by getting around the
"own code" rule (mnistlib's functions switched off during the call), or to carry hidden inputs
out. None of them uses a name the static scan (grading.scan) looks for, unless it says so:
each returns the functions it defines, and the cell assigns them (no ``globals()``).
"""


def off_switch_disabled():
    """Replace the kernel side's switch (the grader's one line calls it through _core), then
    answer with mnistlib's own functions."""
    import contextlib

    import mnistlib
    import mnistlib.assignment_checks._core as core

    core.switched_off = lambda names: contextlib.nullcontext()

    def softmax(Z):
        return mnistlib.softmax(Z)

    def cross_entropy(Z, y):
        return mnistlib.cross_entropy(Z, y)

    def softmax_loss_and_grad(W, b, X, y):
        return mnistlib.softmax_loss_and_grad(W, b, X, y)

    return softmax, cross_entropy, softmax_loss_and_grad


def serve_without_off():
    """Replace the served function: the grader's line then runs the student's serve, which asks
    the real one to switch nothing off, and answers with mnistlib's own functions."""
    import json
    import os

    import mnistlib
    import mnistlib.assignment_checks.compute as compute

    real = compute.serve

    def serve(folder, namespace):
        path = os.path.join(folder, "request.json")
        with open(path, encoding="utf-8") as f:
            request = json.load(f)
        request["off"] = []
        with open(path, "w", encoding="utf-8") as f:
            json.dump(request, f)
        real(folder, namespace)

    compute.serve = serve

    def softmax(Z):
        return mnistlib.softmax(Z)

    def cross_entropy(Z, y):
        return mnistlib.cross_entropy(Z, y)

    def softmax_loss_and_grad(W, b, X, y):
        return mnistlib.softmax_loss_and_grad(W, b, X, y)

    return softmax, cross_entropy, softmax_loss_and_grad


def fresh_copy_of_mnistlib():
    """A second copy of mnistlib's losses module (runpy runs its file again): new function
    objects, which the switch (it changes the code of the imported ones) does not reach."""
    import runpy

    copy = runpy.run_module("mnistlib.losses")
    return copy["softmax"], copy["cross_entropy"], copy["softmax_loss_and_grad"]


def mnistlib_in_a_subprocess():
    """Each call is answered by a fresh Python process, where nothing is switched off."""
    import os
    import subprocess
    import sys
    import tempfile

    import numpy as np

    # One line for the child: load the inputs, call mnistlib's function, save the result.
    child = ("import sys, numpy as np, mnistlib; a = np.load(sys.argv[1]); "
             "f = getattr(mnistlib, sys.argv[3]); "
             "r = f(*[a[k] for k in sorted(a.files)]); "
             "r = r if isinstance(r, tuple) else (r,); "
             "np.savez(sys.argv[2], *[np.asarray(v) for v in r])")

    def ask(name, *arrays):
        with tempfile.TemporaryDirectory() as folder:
            inputs, outputs = os.path.join(folder, "in.npz"), os.path.join(folder, "out.npz")
            np.savez(inputs, **{f"x{k}": np.asarray(a) for k, a in enumerate(arrays)})
            subprocess.run([sys.executable, "-c", child, inputs, outputs, name], check=True,
                           capture_output=True)
            with np.load(outputs) as out:
                values = [out[f"arr_{k}"] for k in range(len(out.files))]
        return values[0] if len(values) == 1 else tuple(values)

    def softmax(Z):
        return ask("softmax", Z)

    def cross_entropy(Z, y):
        return ask("cross_entropy", Z, y)

    def softmax_loss_and_grad(W, b, X, y):
        return ask("softmax_loss_and_grad", W, b, X, y)

    return softmax, cross_entropy, softmax_loss_and_grad


def stash_inputs():
    """A right softmax that keeps every input it is given; a later cell prints them (the
    hidden checks' inputs would then be in the feedback)."""
    import numpy as np

    seen = []

    def softmax(Z):
        seen.append(np.array(Z, copy=True))
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    return softmax, seen


def print_stash(seen):
    """What a last cell prints of the stashed inputs: their shapes and first values."""
    for Z in seen:
        print("STASHED", Z.shape, Z.ravel()[:3].round(6).tolist())


def mlp_from_the_checks_module():
    """05_mlp's sigmoid and forward taken from the visible checks' reference functions."""
    from mnistlib.assignment_checks.mlp import forward_reference, sigmoid_reference

    def sigmoid(A):
        return sigmoid_reference(A)

    def forward(params, X):
        return forward_reference(params, X)

    return sigmoid, forward


def minibatches_from_the_driver():
    """02_sgd's minibatch_indices answered by the reference the training driver puts into the
    notebook's namespace while it runs (a helper that looks the name up runs inside it)."""
    from mnistlib.assignment_checks.sgd import train_reference_batches

    def through_the_driver(N, batch_size, rng):
        global minibatch_indices  # the notebook's name, which the driver replaces meanwhile
        return minibatch_indices(N, batch_size, rng)

    def minibatch_indices(N, batch_size, rng=None):
        return train_reference_batches(through_the_driver, N, batch_size, rng)

    return through_the_driver, minibatch_indices


def another_library():
    """01_softmax's softmax and cross_entropy from scipy (the notebook asks for plain numpy;
    the switch only knows mnistlib's functions)."""
    import numpy as np
    from scipy.special import logsumexp
    from scipy.special import softmax as scipy_softmax

    def softmax(Z):
        return scipy_softmax(Z, axis=1)

    def cross_entropy(Z, y):
        Z = np.asarray(Z, dtype=np.float64)
        return float(np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]))

    def softmax_loss_and_grad(W, b, X, y):
        raise NotImplementedError

    return softmax, cross_entropy, softmax_loss_and_grad


def answers_made_when_read():
    """A gradient computed by mnistlib only when the returned tuple is read (a list subclass's
    ``__len__`` and ``__iter__``), which the kernel side used to do after the graded call,
    when mnistlib's functions were already switched on again."""
    import mnistlib

    class Later(list):
        def __init__(self, compute):
            super().__init__()
            self.compute = compute

        def __len__(self):
            return len(self.compute())

        def __iter__(self):
            return iter(self.compute())

    def softmax_loss_and_grad(W, b, X, y):
        return Later(lambda: mnistlib.softmax_loss_and_grad(W, b, X, y))

    return softmax_loss_and_grad


def gradient_from_a_training_step():
    """01_softmax's cross_entropy and softmax_loss_and_grad from mnistlib's SoftmaxRegression
    .sgd_step, which computes softmax, the loss and the step inline (it calls none of the
    functions switched off): the loss it returns, and the gradient as the step it took with
    lr = 1. cross_entropy is the loss of a model whose weights are the identity."""
    import numpy as np

    import mnistlib

    def step(W, b, X, y):
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        model = mnistlib.SoftmaxRegression(n_features=W.shape[0], n_classes=W.shape[1],
                                           dtype=np.float64)
        model.params[0][...] = W
        model.params[1][...] = b
        loss = model.sgd_step(np.asarray(X, dtype=np.float64), np.asarray(y), 1.0)
        return loss, W - model.params[0], b - model.params[1]

    def cross_entropy(Z, y):
        C = np.shape(Z)[1]
        return step(np.eye(C), np.zeros(C), Z, y)[0]

    def softmax_loss_and_grad(W, b, X, y):
        return step(W, b, X, y)

    return cross_entropy, softmax_loss_and_grad


def templates_from_the_influence_plot():
    """04_weights' plot_templates drawn by mnistlib.plots.plot_influence_maps (the same grid
    of panels on the book's diverging colormap, one shared symmetric scale, no ticks): only
    plot_weight_templates is switched off."""
    import numpy as np

    import mnistlib.plots

    def plot_templates(W):
        W = np.asarray(W)
        side = int(round(np.sqrt(W.shape[0])))  # 28 for MNIST, other sizes in hidden checks
        maps = W.T.reshape(W.shape[1], side, side)
        return mnistlib.plots.plot_influence_maps(maps, titles=[str(c) for c in range(len(maps))],
                                                  n_cols=5, shared_scale=True)

    return plot_templates

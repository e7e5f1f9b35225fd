"""The systems mnistlib is compared with: scikit-learn and (optional) PyTorch CPU.

Every function trains from scratch and returns the fitted object; the callers time them.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["sklearn_logistic", "torch_softmax_sgd", "torch_accuracy"]


def sklearn_logistic(X, y, *, C=1.0, l1=False, solver="lbfgs", tol=1e-4, max_iter=100,
                     random_state=0):
    """scikit-learn ``LogisticRegression`` (multinomial), default settings unless given.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    C : float
        Inverse penalty strength, on the *summed* loss: the objective is
        ``C * sum_n loss_n + penalty``.
    l1 : bool
        L1 penalty (``l1_ratio=1``, needs ``solver="saga"``) instead of the default L2.

    Returns
    -------
    model : LogisticRegression
    converged : bool
        False when scikit-learn warned that ``max_iter`` was reached.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    kwargs = dict(C=C, solver=solver, tol=tol, max_iter=max_iter)
    if l1:
        kwargs["l1_ratio"] = 1.0
        kwargs["random_state"] = random_state
    model = LogisticRegression(**kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model, converged


def torch_softmax_sgd(torch, X, y, *, lr, batch_size, n_epochs, loader="dataloader", threads=None,
                      seed=0):
    """Softmax regression in PyTorch CPU: ``nn.Linear`` + ``CrossEntropyLoss`` + ``optim.SGD``.

    Zero initialisation and a new shuffle every epoch, as mnistlib's recipe.

    Parameters
    ----------
    torch : module
        The imported ``torch``.
    X : ndarray of shape (N, D), float32
    y : ndarray of shape (N,), int64
    loader : {"dataloader", "slicing"}
        ``"dataloader"``: the idiomatic ``DataLoader(TensorDataset(X, y), shuffle=True)``;
        ``"slicing"``: index the tensors with slices of ``torch.randperm`` (less overhead).
    threads : int, optional
        ``torch.set_num_threads`` during training (restored after); None: PyTorch's default.

    Returns
    -------
    torch.nn.Linear
    """
    if loader not in ("dataloader", "slicing"):
        raise ValueError(f"loader must be 'dataloader' or 'slicing', got {loader!r}")
    if threads is None:
        return _torch_softmax_sgd(torch, X, y, lr, batch_size, n_epochs, loader, seed)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _torch_softmax_sgd(torch, X, y, lr, batch_size, n_epochs, loader, seed)
    finally:
        torch.set_num_threads(previous)


def _torch_softmax_sgd(torch, X, y, lr, batch_size, n_epochs, loader, seed):
    torch.manual_seed(seed)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    yt = torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64))
    N, D = Xt.shape
    C = int(yt.max()) + 1
    model = torch.nn.Linear(D, C)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    if loader == "dataloader":
        batches = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xt, yt),
                                              batch_size=batch_size, shuffle=True)
        for _ in range(n_epochs):
            for xb, yb in batches:
                step(xb, yb)
    else:
        for _ in range(n_epochs):
            order = torch.randperm(N)
            for lo in range(0, N, batch_size):
                idx = order[lo:lo + batch_size]
                step(Xt[idx], yt[idx])
    return model


def torch_accuracy(torch, model, X, y):
    """Fraction of rows of X (N, D) that ``model`` classifies as y (N,)."""
    with torch.no_grad():
        pred = model(torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))).argmax(1)
    return float((pred.numpy() == y).mean())

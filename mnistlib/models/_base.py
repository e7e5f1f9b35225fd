"""What every classifier in mnistlib shares: the scikit-learn estimator API, prediction,
parameter copies, saving.

Two ways to use a model, on the same parameters:

- the teaching API of the book: ``W``, ``loss_and_grad``, ``sgd_step``, ``train_sgd(model, ...)``,
  with labels as class indices 0..C-1; ``loss`` and ``error_rate`` take such labels;
- scikit-learn's: ``fit(X, y)``, ``partial_fit``, ``predict``, ``predict_proba``, ``score``,
  with any labels (strings, non-contiguous integers) mapped through ``classes_``, so that
  ``clone``, ``Pipeline``, ``GridSearchCV`` and ``cross_val_score`` work.

The parameters are created lazily: from the constructor's sizes the first time the teaching API
needs them (``model.W``, ``train_sgd``), or from the data by ``fit`` and the first
``partial_fit``. Until then the model is unfitted for scikit-learn.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from .._checks import as_features, as_labels

__all__ = ["Classifier"]

_NOT_FITTED = ("This %(name)s instance is not fitted yet: call fit, partial_fit or "
               "train_sgd first (the teaching API starts from the initialisation: model.W)")


class Classifier(ClassifierMixin, BaseEstimator):
    """Base class: subclasses define ``param_names``, ``_init_params``, ``logits``, ``sgd_step``.

    ``params`` is a list of the model's arrays (updated in place by training), in the
    order of ``param_names``.
    """

    param_names: Any = ()

    # -- parameters ---------------------------------------------------------------------
    def _has_params(self) -> bool:
        return "_params" in self.__dict__

    def _ensure_params(self) -> list[np.ndarray]:
        """The parameter arrays, created from the constructor's sizes on first use."""
        if not self._has_params():
            D, C = self._default_sizes()
            self._init_params(D, C)
        return self.__dict__["_params"]

    def _default_sizes(self) -> tuple[int, int]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _init_params(self, D: int, C: int) -> None:  # pragma: no cover
        raise NotImplementedError

    @property
    def params(self) -> list[np.ndarray]:
        return list(self._ensure_params())

    @property
    def _np_dtype(self) -> np.dtype:
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype!r}") from None
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {self.dtype!r}")
        return dtype

    def __sklearn_is_fitted__(self) -> bool:
        return self._has_params()

    @property
    def classes_(self) -> np.ndarray:
        """Class labels, ndarray of shape (C,): from ``fit``'s y, else ``0..C-1``."""
        if not self._has_params():
            raise AttributeError("classes_: the model is not fitted yet (call fit)")
        classes = self.__dict__.get("_classes")
        return classes if classes is not None else np.arange(self.params[-1].shape[0])

    @property
    def n_features_in_(self) -> int:
        """D, the number of features (columns of X) the model takes."""
        if not self._has_params():
            raise AttributeError("n_features_in_: the model is not fitted yet (call fit)")
        return int(self.params[0].shape[0])

    # -- the teaching API (labels are class indices 0..C-1) -------------------------------
    def logits(self, X: Any) -> np.ndarray:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _X(self, X: Any) -> np.ndarray:
        """X checked against the parameters' D (shape only; no pass over the values)."""
        return as_features(X, D=self.params[0].shape[0])

    def loss(self, X: Any, y: Any) -> float:
        """Mean cross-entropy on (X (N, D), y (N,) class indices), without the penalty terms."""
        from ..losses import cross_entropy

        X = self._X(X)
        return cross_entropy(self.logits(X), y)

    def error_rate(self, X: Any, y: Any) -> float:
        """Fraction of rows of X (N, D) whose most probable class index differs from y (N,)."""
        X = self._X(X)
        y = as_labels(y, X.shape[0])
        return float(np.mean(np.argmax(self.logits(X), axis=1) != y))

    def get_state(self) -> Any:
        """A copy of the parameters (to keep the best model during training)."""
        return [p.copy() for p in self.params]

    def set_state(self, state: Any) -> None:
        """Restore parameters from ``get_state()``'s copy (in place)."""
        for p, saved in zip(self.params, state):
            p[...] = saved

    # -- scikit-learn's API ---------------------------------------------------------------
    def _check_predict_X(self, X: Any) -> np.ndarray:
        check_is_fitted(self, msg=_NOT_FITTED)
        X = check_array(X, dtype=[np.float64, np.float32])
        D = self.n_features_in_
        if X.shape[1] != D:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {D} features as input")
        return np.asarray(X, dtype=self._np_dtype)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, ndarray of shape (N, C) whose rows sum to 1 (order: classes_)."""
        from ..losses import softmax

        return softmax(self.logits(self._check_predict_X(X)))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class of each row of X (N, D): ndarray of shape (N,) of ``classes_``."""
        index = np.argmax(self.logits(self._check_predict_X(X)), axis=1)
        return self.classes_[index]

    def _fit_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Check (X, y) as scikit-learn does; return X, y as class indices, the classes.

        X is not scanned for NaN here (a pass over 60,000 x 784 values costs a sixth of an
        epoch): the training loop names NaN or infinity in X when the loss stops being finite.
        """
        X = check_array(X, dtype=[self._np_dtype.type, np.float64, np.float32],
                        ensure_all_finite=False, ensure_min_samples=1)
        X = np.ascontiguousarray(X, dtype=self._np_dtype)
        y = column_or_1d(y, warn=True)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X and y have different numbers of rows: {X.shape[0]} and "
                             f"{y.shape[0]}")
        if y.dtype.kind in "iu" and y.size and int(y.min()) >= 0 and int(y.max()) < 2 ** 20:
            # Fast path for integer labels: counts instead of a sort.
            present = np.flatnonzero(np.bincount(y))
            classes = present.astype(y.dtype)
            y_index = y if present.size == present[-1] + 1 else np.searchsorted(classes, y)
        else:
            check_classification_targets(y)
            classes, y_index = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError(f"{type(self).__name__} needs at least two classes in y, "
                             f"got one class: {classes[0]!r}")
        return X, np.asarray(y_index, dtype=np.int64), classes

    def _train(self, X: np.ndarray, y_index: np.ndarray, n_epochs: int) -> Any:
        from ..training import train_sgd

        if "_rng" not in self.__dict__:
            self._rng = np.random.default_rng(self.seed)
        return train_sgd(self, X, y_index, lr=self.lr, batch_size=self.batch_size,
                         n_epochs=n_epochs, shuffle=self.shuffle, seed=self._rng,
                         keep_best=False)

    def fit(self, X: Any, y: Any) -> "Classifier":
        """Train from the initialisation with the default recipe (``lr``, ``batch_size``,
        ``n_epochs``, ``shuffle``, ``seed``) on X (N, D) and labels y (N,) of any kind.

        Sizes the input and output from the data (D columns, C distinct labels). Returns self.
        """
        X, y_index, classes = self._fit_data(X, y)
        self.__dict__.pop("_params", None)
        self._rng = np.random.default_rng(self.seed)
        self._init_params(X.shape[1], classes.size)
        self._classes = classes
        history = self._train(X, y_index, self.n_epochs)
        self.n_iter_ = history.n_epochs
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "Classifier":
        """One SGD pass (epoch) over (X, y), from the current parameters. Returns self.

        ``classes`` (all labels that will ever be seen) is needed on the first call unless the
        model already has its parameters (then they are ``0..C-1``).
        """
        first = not self._has_params()
        if first and classes is None:
            raise ValueError("the first partial_fit needs classes= (every label that will "
                             "occur, e.g. classes=np.arange(10))")
        X = check_array(X, dtype=[self._np_dtype.type, np.float64, np.float32],
                        ensure_all_finite=False)
        y = column_or_1d(y, warn=True)
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(f"classes={classes!r} differ from the first call's "
                                 f"{self.classes_!r}")
        if first:
            self._init_params(X.shape[1], classes.size)
            self._classes = classes
        known = self.classes_
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input")
        y_index = np.searchsorted(known, y)
        y_index = np.minimum(y_index, known.size - 1)
        unknown = known[y_index] != y
        if np.any(unknown):
            raise ValueError(f"y holds labels outside classes_ {known!r}: "
                             f"{np.asarray(y)[unknown][0]!r}")
        history = self._train(np.ascontiguousarray(X, dtype=self._np_dtype),
                              y_index.astype(np.int64), 1)
        self.n_iter_ = self.__dict__.get("n_iter_", 0) + history.n_epochs
        return self

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy: fraction of rows of X whose predicted label equals y, in [0, 1]."""
        return float(super().score(X, y, sample_weight=sample_weight))

    # -- saving ---------------------------------------------------------------------------
    def _config(self) -> dict:
        """Constructor arguments stored with the weights by ``save``."""
        return {}

    def save(self, path: Any) -> None:
        """Write the parameters and the configuration as one ``.npz`` file."""
        arrays: dict[str, Any] = {name: p for name, p in zip(self.param_names, self.params)}
        config = dict(self._config(), model=type(self).__name__)
        np.savez(path, __config__=np.array(json.dumps(config)), **arrays)

    @staticmethod
    def load(path: Any) -> "Classifier":
        """Read a model written by ``save`` (any mnistlib classifier)."""
        from . import MLP, SoftmaxRegression

        with np.load(path, allow_pickle=False) as f:
            config = json.loads(str(f["__config__"]))
            arrays = {k: f[k] for k in f.files if k != "__config__"}
        kind = config.pop("model")
        model: Classifier
        if kind == "SoftmaxRegression":
            model = SoftmaxRegression(**config)
        elif kind == "MLP":
            model = MLP(**config)
        else:
            raise ValueError(f"{path}: unknown model kind {kind!r}")
        model.set_state([arrays[name] for name in model.param_names])
        return model


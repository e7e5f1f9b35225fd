"""Iterate averaging (Polyak-Ruppert) for minibatch SGD.

With a constant learning rate, SGD's iterates keep jumping around the optimum; their running
mean does not: averaging the iterates from some step on gives (for convex losses such as
softmax regression's) an estimate as good as a carefully decayed learning rate would, with
no schedule to tune (Polyak and Juditsky 1992; "tail averaging" when the average starts late).

:class:`AveragedModel` wraps any mnistlib classifier so that :func:`~mnistlib.train_sgd`
trains the wrapped model as usual while every evaluation (validation, test, ``score``)
uses the averaged parameters::

    avg = AveragedModel(SoftmaxRegression(), start=5 * 500)   # average from epoch 6 on
    train_sgd(avg, X_train, y_train, lr=0.5, batch_size=100, n_epochs=10, shuffle=True,
              valid=(X_valid, y_valid))
    avg.average.score(X_test, y_test)                         # a plain SoftmaxRegression
"""

import copy

import numpy as np

from ..models._base import Classifier

__all__ = ["AveragedModel"]


class AveragedModel(Classifier):
    """A classifier whose parameters are the running mean of another one's SGD iterates.

    ``sgd_step`` takes one step of the wrapped model, then updates the average
    ``avg_k = avg_{k-1} + (theta_k - avg_{k-1}) / k`` over the iterates ``theta`` after the
    first ``start`` updates. Until then the average simply follows the iterate.
    Prediction, ``loss``, ``score``, ``params``, ``save`` use the average.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
        The model SGD updates (its ``sgd_step`` does the step). It is trained in place.
    start : int
        Updates done before averaging begins (0: average every iterate from the first
        update on). A good choice is about half of the run ("tail averaging"): early
        iterates, far from the optimum, only slow the average down.

    Attributes
    ----------
    model : Classifier
        The current SGD iterate.
    average : Classifier
        A model of the same kind holding the averaged parameters; use it as any model
        (``score``, ``save``, ``W`` ...).
    n_steps : int
        Updates done through this wrapper.
    n_averaged : int
        Iterates in the average (``max(0, n_steps - start)``).
    """

    def __init__(self, model, start=0):
        if not hasattr(model, "sgd_step") or not hasattr(model, "params"):
            raise TypeError(f"AveragedModel wraps an mnistlib classifier (SoftmaxRegression, "
                            f"MLP), got {type(model).__name__}")
        if int(start) != start or start < 0:
            raise ValueError(f"start must be a number of updates >= 0, got {start}")
        self.model = model
        self.average = copy.deepcopy(model)
        self.start = int(start)
        self.n_steps = 0
        self.n_averaged = 0
        self._buffers = [np.empty_like(p) for p in model.params]

    @property
    def dtype(self) -> np.dtype:
        """Float dtype of the parameters (that of the wrapped model)."""
        return self.model.params[0].dtype

    def _has_params(self) -> bool:
        return True

    @property
    def classes_(self) -> np.ndarray:
        """The wrapped model's labels."""
        return self.average.classes_

    @property
    def param_names(self):
        return self.average.param_names

    @property
    def params(self):
        """The averaged parameters, in the order of ``param_names``."""
        return self.average.params

    def logits(self, X):
        """Scores of the averaged model: X of shape (N, D) -> ndarray of shape (N, C)."""
        return self.average.logits(X)

    def sgd_step(self, X, y, lr):
        """One SGD step of the wrapped model, then update the average.

        Parameters
        ----------
        X : ndarray of shape (N, D)
        y : ndarray of shape (N,)
        lr : float

        Returns
        -------
        float
            What the wrapped model's ``sgd_step`` returns (the minibatch loss before the step).
        """
        cost = self.model.sgd_step(X, y, lr)
        self.n_steps += 1
        if self.n_steps <= self.start:
            for avg, p in zip(self.average.params, self.model.params):
                avg[...] = p
            return cost
        self.n_averaged += 1
        weight = self.dtype.type(1.0 / self.n_averaged)
        for avg, p, buf in zip(self.average.params, self.model.params, self._buffers):
            np.subtract(p, avg, out=buf)
            buf *= weight
            avg += buf
        return cost

    def get_state(self):
        """Copies of the iterate, the average and the counters (for ``set_state``)."""
        return (self.model.get_state(), self.average.get_state(), self.n_steps, self.n_averaged)

    def set_state(self, state):
        """Restore what ``get_state`` returned (in place)."""
        model_state, average_state, self.n_steps, self.n_averaged = state
        self.model.set_state(model_state)
        self.average.set_state(average_state)

    def _config(self):
        return self.average._config()

    def save(self, path):
        """Write the averaged model (a plain SoftmaxRegression / MLP file; see ``Classifier.load``)."""
        self.average.save(path)

"""What every classifier in mnistlib shares: prediction, scores, parameter copies, saving."""

import numpy as np

__all__ = ["Classifier"]


class Classifier:
    """Base class: subclasses define ``params``, ``param_names``, ``logits`` and ``sgd_step``.

    ``params`` is a list of the model's arrays (updated in place by training), in the
    order of ``param_names``.
    """

    param_names = ()

    @property
    def params(self):
        return [getattr(self, name) for name in self.param_names]

    def logits(self, X):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def predict_proba(self, X):
        """Class probabilities, ndarray of shape (N, C) whose rows sum to 1."""
        from ..losses import softmax

        return softmax(self.logits(X))

    def predict(self, X):
        """Most probable class of each row of X (N, D); ndarray of shape (N,), int64."""
        return np.argmax(self.logits(X), axis=1).astype(np.int64)

    def loss(self, X, y):
        """Mean cross-entropy on (X (N, D), y (N,)), without the penalty terms."""
        from ..losses import cross_entropy

        return cross_entropy(self.logits(X), y)

    def error_rate(self, X, y):
        """Fraction of rows of X (N, D) whose predicted class differs from y (N,)."""
        return float(np.mean(self.predict(X) != y))

    def score(self, X, y):
        """Accuracy: fraction of rows classified correctly, in [0, 1]."""
        return 1.0 - self.error_rate(X, y)

    def get_state(self):
        """A copy of the parameters (to keep the best model during training)."""
        return [p.copy() for p in self.params]

    def set_state(self, state):
        """Restore parameters from ``get_state()``'s copy (in place)."""
        for p, saved in zip(self.params, state):
            p[...] = saved

    def _config(self):
        """Constructor arguments stored with the weights by ``save``."""
        return {}

    def save(self, path):
        """Write the parameters and the configuration as one ``.npz`` file."""
        import json

        arrays = {name: p for name, p in zip(self.param_names, self.params)}
        config = dict(self._config(), model=type(self).__name__)
        np.savez(path, __config__=np.array(json.dumps(config)), **arrays)

    @staticmethod
    def load(path):
        """Read a model written by ``save`` (any mnistlib classifier)."""
        import json

        from . import MLP, SoftmaxRegression

        with np.load(path, allow_pickle=False) as f:
            config = json.loads(str(f["__config__"]))
            arrays = {k: f[k] for k in f.files if k != "__config__"}
        kind = config.pop("model")
        if kind == "SoftmaxRegression":
            model = SoftmaxRegression(**config)
        elif kind == "MLP":
            model = MLP(**config)
        else:
            raise ValueError(f"{path}: unknown model kind {kind!r}")
        model.set_state([arrays[name] for name in model.param_names])
        return model

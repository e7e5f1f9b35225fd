"""The TensorFlow softmax-regression article's setting, and its weight images.

Its recipe: softmax regression from zero weights, gradient descent with learning rate 0.5
on shuffled minibatches of 64, 1000 steps, the test set evaluated along the way; then the
ten weight columns drawn as 28x28 images. Here the training set is the classic 50,000
images (TensorFlow's loader used 55,000) and the test set is evaluated every 10 steps.

Shown in chapter 3, :doc:`/book/03_sgd`, and chapter 8, :doc:`/book/08_classics`.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.figure import Figure

from ..data import MNISTSplits
from ..models import SoftmaxRegression
from ..plots import plot_weight_templates
from ..training import History, train_sgd

__all__ = ["TensorFlowSoftmaxRun", "reproduce", "N_STEPS"]

#: Steps of the article's training loop.
N_STEPS = 1000


@dataclass(frozen=True)
class TensorFlowSoftmaxRun:
    """The article's run.

    Attributes
    ----------
    model : SoftmaxRegression
        After the last step, W of shape (D, C) = (784, 10).
    history : History
        One record every ``eval_every`` steps, with the test loss and error.
    test_accuracy : float
        Accuracy on the whole test set after the last step.
    n_epochs_of_data : float
        Images seen, in passes over the training set.
    """

    model: SoftmaxRegression
    history: History
    test_accuracy: float
    n_epochs_of_data: float

    def figure(self) -> Figure:
        """The article's picture: the ten weight templates."""
        return plot_weight_templates(
            self.model.W, title=f"weights after {N_STEPS} steps (blue > 0, red < 0)")


def reproduce(data: MNISTSplits, seed: int = 0,
              eval_every: int = 10) -> TensorFlowSoftmaxRun:
    """Train with the article's setting on ``data``'s training set.

    Parameters
    ----------
    data : MNISTSplits
        Training images (N, D) and the test set.
    seed : int
        Seed of the batch order.
    eval_every : int
        Steps between evaluations of the test set (they do not change the
        training).

    Returns
    -------
    TensorFlowSoftmaxRun
    """
    model = SoftmaxRegression()
    history = train_sgd(model, data.X_train, data.y_train, lr=0.5,
                        batch_size=64, max_steps=N_STEPS, shuffle=True,
                        seed=seed, test=data.test, eval_every=eval_every)
    return TensorFlowSoftmaxRun(
        model=model, history=history,
        test_accuracy=model.score(data.X_test, data.y_test),
        n_epochs_of_data=N_STEPS * 64 / len(data.y_train))

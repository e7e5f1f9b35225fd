"""The deeplearning.net Theano tutorial's logistic regression on a tenth of MNIST.

Its recipe: the first 5,000 / 500 / 500 rows of the classic split, zero weights, SGD with
learning rate 0.13 on batches of 60 in file order, whole batches only, and the patience
rule (patience 500, increase 2, threshold 0.995). The document prints its validation log
and the (class, probability) predictions of the best model for the first 25 test images.

Shown in chapter 4, :doc:`/book/04_early_stopping`, and chapter 8,
:doc:`/book/08_classics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from ..data import load_mnist
from ..models import SoftmaxRegression
from ..plots import plot_digit_grid, plot_weight_templates
from ..training import EarlyStopping, History, train_sgd
from .published import SOURCES

__all__ = ["TheanoTutorialRun", "Comparison", "reproduce", "compare", "PIXEL_SCALES"]

#: Rows of the tutorial's mini_mnist.pkl.gz: train / valid / test.
ROWS = (5000, 500, 500)
#: How pixels become floats: the tutorial's mnist.pkl.gz stores x / 256 (its largest
#: value is 255/256), mnistlib's loader x / 255.
PIXEL_SCALES = {"tutorial": 256.0, "mnistlib": 255.0}
#: Test images whose predictions the tutorial prints.
N_PREDICTIONS = 25


@dataclass(frozen=True)
class TheanoTutorialRun:
    """What one run of the tutorial's recipe gives.

    Attributes
    ----------
    model : SoftmaxRegression
        The best model (lowest validation error), W of shape (D, C) = (784, 10).
    history : History
        One record per validation (once per epoch).
    log : tuple of str
        The log in the tutorial's format, without its timings.
    predictions : tuple of str
        ``"(class, probability)"`` of the best model for the first 25 test images,
        probability to three decimals, as the tutorial prints them.
    proba : ndarray of shape (25, C)
        The probabilities behind ``predictions``.
    X_test_shown : ndarray of shape (25, D)
        The 25 test images, at the run's pixel scale.
    y_test_shown : ndarray of shape (25,)
        Their labels.
    pixel_scale : str
        ``"tutorial"`` (x / 256) or ``"mnistlib"`` (x / 255).
    """

    model: SoftmaxRegression
    history: History
    log: tuple
    predictions: tuple
    proba: np.ndarray
    X_test_shown: np.ndarray
    y_test_shown: np.ndarray
    pixel_scale: str

    def predictions_figure(self) -> Figure:
        """The 25 test images with the predicted class and its probability."""
        return plot_digit_grid(self.X_test_shown, y_true=self.y_test_shown,
                               y_pred=self.proba.argmax(axis=1), proba=self.proba,
                               n_cols=5, title="the best model on the first 25 test images")

    def weights_figure(self) -> Figure:
        """The ten weight templates of the best model."""
        return plot_weight_templates(self.model.W, title="the tutorial's weights "
                                     "(blue > 0, red < 0)")


@dataclass(frozen=True)
class Comparison:
    """A run set line by line beside the document's printed log and predictions.

    Attributes
    ----------
    log_matches : int
        Lines equal to the document's, character for character.
    n_log : int
        Lines of the document's log.
    n_log_ours : int
        Lines of the run's log (a longer or shorter log is not a reproduction).
    prediction_matches : int
        Predictions equal to the document's at its printed precision.
    n_predictions : int
    first_log_difference : tuple of (str, str) or None
        (ours, theirs) at the first line that differs.
    """

    log_matches: int
    n_log: int
    n_log_ours: int
    prediction_matches: int
    n_predictions: int
    first_log_difference: tuple | None

    @property
    def reproduced(self) -> bool:
        """True only when every line and every prediction match."""
        return (self.log_matches == self.n_log == self.n_log_ours
                and self.prediction_matches == self.n_predictions)


def _tutorial_log(history: History, n_batches: int) -> tuple:
    """The tutorial's print statements, fed with a History."""
    lines = []
    assert history.best_valid_error is not None and history.test_error_at_best is not None  # valid and test given
    where = f"minibatch {n_batches}/{n_batches}"
    for r in history.records:
        lines.append(f"epoch {r['epoch']}, {where}, validation error "
                     f"{100 * r['valid_error']:f} %")
        if r["is_best"]:
            lines.append(f"     epoch {r['epoch']}, {where}, test error of best model "
                         f"{100 * r['test_error']:f} %")
    lines.append(f"Optimization complete with best validation score of "
                 f"{100 * history.best_valid_error:f} %,with test performance "
                 f"{100 * history.test_error_at_best:f} %")
    lines.append(f"The code run for {history.n_epochs} epochs")
    return tuple(lines)


def reproduce(pixel_scale: str = "tutorial", dtype=np.float64,
              patience: int = 500) -> TheanoTutorialRun:
    """Run the tutorial's recipe on its 5,000 / 500 / 500 images.

    Parameters
    ----------
    pixel_scale : {"tutorial", "mnistlib"}
        ``"tutorial"``: pixels x / 256, as in the tutorial's mnist.pkl.gz;
        ``"mnistlib"``: x / 255, as `mnistlib.load_mnist` gives them.
    dtype : float64 or float32
        Arithmetic of the model (Theano's default floatX on CPU was float64).
    patience : int
        Initial patience in updates (the tutorial's 1/10 run uses 500).

    Returns
    -------
    TheanoTutorialRun
    """
    if pixel_scale not in PIXEL_SCALES:
        raise ValueError(f"pixel_scale must be one of {sorted(PIXEL_SCALES)}, "
                         f"not {pixel_scale!r}")
    data = load_mnist(split="classic", subset="mini", dtype=np.float64)
    # The classic split has a validation set (the assert narrows the type).
    assert data.X_valid is not None and data.y_valid is not None
    n_train, n_valid, n_test = ROWS

    def pixels(X):
        # Back to the stored bytes 0..255 (exact), then the chosen division.
        return np.rint(X * 255) / PIXEL_SCALES[pixel_scale]

    batch_size = 60
    X_test = pixels(data.X_test[:n_test])
    model = SoftmaxRegression(dtype=dtype)
    history = train_sgd(
        model, pixels(data.X_train[:n_train]), data.y_train[:n_train], lr=0.13,
        batch_size=batch_size, n_epochs=100, shuffle=False, drop_last=True,
        valid=(pixels(data.X_valid[:n_valid]), data.y_valid[:n_valid]),
        test=(X_test, data.y_test[:n_test]),
        early_stopping=EarlyStopping(patience=patience, patience_increase=2,
                                     improvement_threshold=0.995),
        eval_whole_batches=True)
    proba = model.predict_proba(X_test[:N_PREDICTIONS])
    predictions = tuple(f"({int(np.argmax(p))}, {p.max():.3f})" for p in proba)
    return TheanoTutorialRun(
        model=model, history=history,
        log=_tutorial_log(history, n_train // batch_size),
        predictions=predictions, proba=proba,
        X_test_shown=X_test[:N_PREDICTIONS],
        y_test_shown=data.y_test[:N_PREDICTIONS], pixel_scale=pixel_scale)


def compare(run: TheanoTutorialRun,
            published: dict | None = None) -> Comparison:
    """Set a run's log and predictions line by line beside the document's.

    Parameters
    ----------
    run : TheanoTutorialRun
    published : dict, optional
        With ``"log"`` and ``"predictions"`` (sequences of str); default the document's,
        ``SOURCES["theano_tutorial"]``.

    Returns
    -------
    Comparison
    """
    published = SOURCES["theano_tutorial"] if published is None else published
    theirs_log, theirs_pred = tuple(published["log"]), tuple(published["predictions"])
    differences = [(ours, theirs) for ours, theirs in zip(run.log, theirs_log)
                   if ours != theirs]
    if not differences and len(run.log) != len(theirs_log):
        shorter = min(len(run.log), len(theirs_log))
        differences = [((run.log + ("",))[shorter], (theirs_log + ("",))[shorter])]
    return Comparison(
        log_matches=sum(o == t for o, t in zip(run.log, theirs_log)),
        n_log=len(theirs_log), n_log_ours=len(run.log),
        prediction_matches=sum(o == t for o, t in zip(run.predictions, theirs_pred)),
        n_predictions=len(theirs_pred),
        first_log_difference=differences[0] if differences else None)

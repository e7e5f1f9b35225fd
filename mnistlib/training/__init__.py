"""Training: minibatch SGD and patience-based early stopping."""

from .averaging import AveragedModel
from .early_stopping import EarlyStopping
from .sgd import History, evaluate_error, train_sgd

__all__ = ["AveragedModel", "EarlyStopping", "History", "evaluate_error", "train_sgd"]

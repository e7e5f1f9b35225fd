"""Training: minibatch SGD and patience-based early stopping."""

from .early_stopping import EarlyStopping
from .sgd import History, evaluate_error, train_sgd

__all__ = ["EarlyStopping", "History", "evaluate_error", "train_sgd"]

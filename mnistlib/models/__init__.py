"""The classifiers: softmax regression and the multilayer perceptron."""

from ._base import Classifier
from .mlp import MLP, Forward, relu, sigmoid
from .softmax_regression import SoftmaxRegression

__all__ = ["Classifier", "SoftmaxRegression", "MLP", "Forward", "sigmoid", "relu"]

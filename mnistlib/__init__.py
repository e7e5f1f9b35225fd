"""mnistlib: MNIST data and a numpy softmax-regression / MLP toolkit for the course.

Dimensions are named once: N samples, D features (784 pixels), C classes (10 digits).
"""

from .data import MNISTSplits, describe_data, fetch_mnist, iterate_minibatches, load_mnist, read_idx
from .gradcheck import check_gradient, numerical_gradient, relative_error
from .influence import additivity_gap, gradient_maps, layer_values, pixel_influence
from .losses import cross_entropy, log_softmax, one_hot, softmax, softmax_loss_and_grad
from .models import MLP, Classifier, SoftmaxRegression
from .training import AveragedModel, EarlyStopping, History, evaluate_error, train_sgd

__version__ = "0.1.0"

__all__ = [
    "MNISTSplits", "describe_data", "fetch_mnist", "iterate_minibatches", "load_mnist", "read_idx",
    "check_gradient", "numerical_gradient", "relative_error",
    "additivity_gap", "gradient_maps", "layer_values", "pixel_influence",
    "cross_entropy", "log_softmax", "one_hot", "softmax", "softmax_loss_and_grad",
    "MLP", "Classifier", "SoftmaxRegression",
    "AveragedModel", "EarlyStopping", "History", "evaluate_error", "train_sgd",
]

"""The source documents' recipes, one module each, and what the documents published.

Each ``reproduce`` function reruns one document's configuration and returns its figures;
the chapters call them and show their code, the benchmarks import them, and the
published figures they are compared with live in `published`.

Shown in chapter 8, :doc:`/book/08_classics`.
"""

from .published import SOURCES, agree_as_printed
from .sklearn_l1 import reproduce as reproduce_sklearn_l1
from .tensorflow_softmax import reproduce as reproduce_tensorflow_softmax
from .theano_tutorial import compare as compare_theano_tutorial
from .theano_tutorial import reproduce as reproduce_theano_tutorial

from .dlfs_network import compare as compare_dlfs_network, reproduce as reproduce_dlfs_network

__all__ = [
    "SOURCES", "agree_as_printed", "compare_theano_tutorial", "reproduce_sklearn_l1",
    "reproduce_tensorflow_softmax", "reproduce_theano_tutorial",
    "compare_dlfs_network", "reproduce_dlfs_network",
]

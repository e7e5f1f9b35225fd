"""What the four source documents publish, in one place (quotations, not runs of ours).

Every figure here is copied from the document it cites; the recipes beside this module
rerun each document's configuration, and the book sets the two side by side. Empty
``reported`` fields mean the document prints no figure.

Shown in chapter 8, :doc:`/book/08_classics`.
"""

#: The Theano tutorial's log as its document prints it, one line per entry, from the first
#: validation to the epoch count. Left out: "... building/training the model" and the
#: machine's timings (", with 7.298651 epochs/sec" and "Ran for 3.3s").
_THEANO_LOG = (
    "epoch 1, minibatch 83/83, validation error 16.458333 %",
    "     epoch 1, minibatch 83/83, test error of best model 15.833333 %",
    "epoch 2, minibatch 83/83, validation error 14.375000 %",
    "     epoch 2, minibatch 83/83, test error of best model 12.916667 %",
    "epoch 3, minibatch 83/83, validation error 13.333333 %",
    "     epoch 3, minibatch 83/83, test error of best model 11.666667 %",
    "epoch 4, minibatch 83/83, validation error 13.541667 %",
    "epoch 5, minibatch 83/83, validation error 13.750000 %",
    "epoch 6, minibatch 83/83, validation error 13.125000 %",
    "     epoch 6, minibatch 83/83, test error of best model 10.833333 %",
    "epoch 7, minibatch 83/83, validation error 12.916667 %",
    "     epoch 7, minibatch 83/83, test error of best model 10.208333 %",
    "epoch 8, minibatch 83/83, validation error 13.125000 %",
    "epoch 9, minibatch 83/83, validation error 13.125000 %",
    "epoch 10, minibatch 83/83, validation error 12.916667 %",
    "epoch 11, minibatch 83/83, validation error 12.916667 %",
    "epoch 12, minibatch 83/83, validation error 12.291667 %",
    "     epoch 12, minibatch 83/83, test error of best model 8.750000 %",
    "epoch 13, minibatch 83/83, validation error 12.291667 %",
    "epoch 14, minibatch 83/83, validation error 12.500000 %",
    "epoch 15, minibatch 83/83, validation error 12.500000 %",
    "epoch 16, minibatch 83/83, validation error 12.500000 %",
    "epoch 17, minibatch 83/83, validation error 12.500000 %",
    "epoch 18, minibatch 83/83, validation error 12.500000 %",
    "epoch 19, minibatch 83/83, validation error 12.708333 %",
    "epoch 20, minibatch 83/83, validation error 12.708333 %",
    "epoch 21, minibatch 83/83, validation error 12.708333 %",
    "epoch 22, minibatch 83/83, validation error 12.708333 %",
    "epoch 23, minibatch 83/83, validation error 13.125000 %",
    "Optimization complete with best validation score of 12.291667 %,"
    "with test performance 8.750000 %",
    "The code run for 24 epochs",
)

#: The (class, probability) pairs the tutorial prints for the first 25 test images.
_THEANO_PREDICTIONS = (
    "(7, 0.988)", "(2, 0.733)", "(1, 0.951)", "(0, 0.995)", "(4, 0.936)",
    "(1, 0.979)", "(4, 0.957)", "(9, 0.912)", "(6, 0.912)", "(9, 0.844)",
    "(0, 0.904)", "(6, 0.668)", "(9, 0.917)", "(0, 0.983)", "(1, 0.991)",
    "(5, 0.832)", "(9, 0.790)", "(7, 0.986)", "(3, 0.659)", "(4, 0.979)",
    "(9, 0.775)", "(6, 0.952)", "(6, 0.801)", "(5, 0.955)", "(4, 0.862)",
)

SOURCES = {
    "tensorflow_softmax": {
        "title": "Question-and-answer post: TensorFlow softmax regression and its "
                 "weight images",
        "setting": "gradient descent on minibatches: lr 0.5, batch 64, 1000 steps, "
                   "zero init",
        # The post shows the weight images but prints no accuracy in its text.
        "reported": {},
    },
    "sklearn_l1": {
        "title": "scikit-learn example: MNIST classification using multinomial "
                 "logistic + L1",
        "setting": "5,000 training / 10,000 test images (shuffled, standardised), "
                   "LogisticRegression(C=50/5000, penalty='l1', solver='saga', tol=0.1)",
        # The example's text says only that the test accuracy exceeds 0.8 with sparse
        # weights.
        "reported": {"score_above": 0.8},
    },
    "theano_tutorial": {
        "title": "Notebook running the deeplearning.net Theano logistic-regression "
                 "tutorial on a tenth of MNIST",
        "setting": "5,000 / 500 / 500 rows of the classic split, lr 0.13, batch 60, "
                   "patience 500, patience increase 2, improvement threshold 0.995",
        "reported": {
            "epoch1_valid_error": 0.16458333,
            "best_valid_error": 0.12291667,
            "test_error_at_best": 0.08750000,
            "n_epochs": 24,
        },
        "log": _THEANO_LOG,
        "predictions": _THEANO_PREDICTIONS,
    },
    "dlfs_network": {
        "title": "Article imaging each node of a 784-50-100-10 sigmoid network per pixel "
                 "(the sample network of Deep Learning from Scratch, chapter 3)",
        "setting": "784-50-100-10 network with sigmoid hidden layers and a softmax output",
        "reported": {"accuracy": 0.9352},
    },
}


def agree_as_printed(published: float, ours: float, fmt: str) -> bool:
    """True when two figures print the same at the document's precision.

    Parameters
    ----------
    published, ours : float
    fmt : str
        The document's format, e.g. ``".4f"`` for an accuracy printed as 0.9352 or
        ``".6%"`` for an error rate printed as 16.458333 %.

    Returns
    -------
    bool
        ``format(published, fmt) == format(ours, fmt)``.
    """
    return format(published, fmt) == format(ours, fmt)

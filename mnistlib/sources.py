"""What the four source documents report, in one place (citations, not runs of ours).

Every figure here is copied from the document it cites; the book prints them beside its own
runs, which are computed when the book is built. Empty fields mean the document does not report
that figure.
"""

SOURCES = {
    "tensorflow": {
        "title": "Question-and-answer post: TensorFlow softmax regression and its weight images",
        "setting": "gradient descent on minibatches: lr 0.5, batch 64, 1000 steps, zero init",
        "reported": {},  # the post shows the weight images but prints no accuracy in its text
    },
    "sklearn_l1": {
        "title": "scikit-learn example: MNIST classification using multinomial logistic + L1",
        "setting": "5,000 training / 10,000 test images (shuffled, standardised), "
                   "LogisticRegression(C=50/5000, penalty='l1', solver='saga', tol=0.1)",
        # The example's text says only that the test accuracy exceeds 0.8 with sparse weights.
        "reported": {"score_above": 0.8},
    },
    "theano_tutorial": {
        "title": "Notebook running the deeplearning.net Theano logistic-regression tutorial "
                 "on a tenth of MNIST",
        "setting": "5,000 / 500 / 500 rows of the classic split, lr 0.13, batch 60, "
                   "patience 500, patience increase 2, improvement threshold 0.995",
        "reported": {
            "epoch1_valid_error": 0.16458333,
            "best_valid_error": 0.12291667,
            "test_error_at_best": 0.08750000,
            "n_epochs": 24,
        },
    },
    "dlfs_network": {
        "title": "Article imaging each node of a 784-50-100-10 sigmoid network per pixel "
                 "(the sample network of Deep Learning from Scratch, chapter 3)",
        "setting": "784-50-100-10 network with sigmoid hidden layers and a softmax output",
        "reported": {"accuracy": 0.9352},
    },
}

"""The trainer behind train_sgd: the stepping loop, the Evaluation and EarlyStopping callbacks,
and every option of train_sgd."""

import sys

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from mnistlib import EarlyStopping, SoftmaxRegression, iterate_minibatches, train_sgd
from mnistlib.training.trainer import Callback, Evaluation, Trainer
from tests._blobs import gaussian_blobs

X, Y = gaussian_blobs(230, 8, 3, seed=0, spread=1.0, dtype=np.float32)
XV, YV = gaussian_blobs(90, 8, 3, seed=1, spread=1.0, dtype=np.float32)


def plain_loop(X, y, lr, batch_size, n_epochs, max_steps=None, shuffle=False, seed=None,
               drop_last=False):
    """The reference: SGD written out, one sgd_step per batch; returns the model and the
    rates used."""
    model, rng, rates, step = SoftmaxRegression(8, 3), np.random.default_rng(seed), [], 0
    for _ in range(n_epochs):
        for Xb, yb in iterate_minibatches(X, y, batch_size, shuffle=shuffle, seed=rng,
                                          drop_last=drop_last):
            if max_steps is not None and step >= max_steps:
                return model, rates
            rate = lr(step) if callable(lr) else lr
            rates.append(rate)
            model.sgd_step(Xb, yb, rate)
            step += 1
    return model, rates


@pytest.mark.parametrize("options", [
    dict(batch_size=32, n_epochs=3),
    dict(batch_size=32, n_epochs=3, shuffle=True, seed=4),
    dict(batch_size=50, n_epochs=4, max_steps=7),
    dict(batch_size=50, n_epochs=2, drop_last=True),
    dict(batch_size=20, n_epochs=2, lr=lambda step: 0.5 / (1 + step)),
])
def test_train_sgd_is_the_plain_loop(options):
    """Does train_sgd make exactly the updates of a plain loop over the same batches
    (batch size, epochs, max_steps, shuffle and seed, drop_last, a callable lr)?"""
    options = dict(dict(lr=0.3), **options)
    model = SoftmaxRegression(8, 3)
    history = train_sgd(model, X, Y, **options)
    reference, rates = plain_loop(X, Y, **options)
    np.testing.assert_array_equal(model.W, reference.W)
    np.testing.assert_array_equal(model.b, reference.b)
    assert history.n_steps == len(rates)


def test_a_callable_lr_gets_the_update_count_and_is_recorded():
    """Is lr(step) called with 0, 1, 2 ... and is each record's lr the rate of its last update?"""
    seen = []
    history = train_sgd(SoftmaxRegression(8, 3), X, Y, lr=lambda s: seen.append(s) or 0.1 + s,
                        batch_size=50, n_epochs=2, eval_every=3)
    assert seen == list(range(10))
    assert [r["lr"] for r in history.records] == [2.1, 5.1, 8.1, 9.1]


def test_eval_every_records_at_its_multiples_and_at_the_last_update():
    """With eval_every=4 over 10 updates, are there records at steps 4, 8 and 10, each with the
    mean minibatch loss since the previous one?"""
    history = train_sgd(SoftmaxRegression(8, 3), X, Y, lr=0.1, batch_size=50, n_epochs=2,
                        eval_every=4, valid=(XV, YV))
    assert [r["step"] for r in history.records] == [4, 8, 10]
    assert [r["epoch"] for r in history.records] == [1, 2, 2]
    assert history.records[-1]["epoch_float"] == 2.0
    default = train_sgd(SoftmaxRegression(8, 3), X, Y, lr=0.1, batch_size=50, n_epochs=2)
    assert [r["step"] for r in default.records] == [5, 10]  # once per epoch


def test_train_metrics_measure_the_whole_training_set():
    """With train_metrics=True, is each record's train_error the error on all of X at that
    moment (and absent without it)?"""
    model = SoftmaxRegression(8, 3)
    history = train_sgd(model, X, Y, lr=0.1, batch_size=50, n_epochs=2, train_metrics=True)
    assert history.records[-1]["train_error"] == model.error_rate(X, Y)
    assert history.records[-1]["train_loss_full"] == pytest.approx(model.loss(X, Y))
    plain = train_sgd(SoftmaxRegression(8, 3), X, Y, lr=0.1, batch_size=50, n_epochs=2)
    assert "train_error" not in plain.records[-1]


@pytest.mark.parametrize("keep_best", [True, False])
def test_keep_best_restores_the_parameters_of_the_lowest_validation_error(keep_best):
    """Are the final parameters those of the best record with keep_best, the last without?"""
    snapshots = []

    class Snapshot(Callback):
        def on_evaluate(self, state, record):
            snapshots.append((record["valid_error"], state.model.W.copy()))

    model = SoftmaxRegression(8, 3)
    trainer = Trainer(lambda s: 2.0, 10, 3, shuffle=True, seed=0)
    trainer.callbacks += [Evaluation(5, valid=(XV, YV), keep_best=keep_best), Snapshot()]
    history = trainer.fit(model, X, Y)
    errors = [e for e, _ in snapshots]
    best = int(np.argmin(errors))
    assert history.best_valid_error == errors[best]
    assert history.best_step == history.records[best]["step"]
    expected = snapshots[best][1] if keep_best else snapshots[-1][1]
    np.testing.assert_array_equal(model.W, expected)


def test_early_stopping_is_a_callback_of_the_trainer():
    """Used directly as a Trainer callback, does EarlyStopping end the run once the patience
    is used up, and does a custom callback see every update?"""
    steps = []

    class Count(Callback):
        def on_step_end(self, state):
            steps.append(state.step)

    rule = EarlyStopping(patience=6)
    trainer = Trainer(lambda s: 0.01, 10, 50,
                      callbacks=[Evaluation(3, valid=(XV, YV)), rule, Count()])
    history = trainer.fit(SoftmaxRegression(8, 3), X, Y)
    assert history.stopped_early and history.n_steps == steps[-1] < 50 * 23
    assert steps == list(range(1, history.n_steps + 1))
    assert rule.should_stop(history.n_steps - 1) and not rule.should_stop(history.n_steps - 2)


def test_a_callback_can_stop_the_run():
    """Does setting state.stop end the run after that update?"""

    class StopAt(Callback):
        def on_step_end(self, state):
            state.stop = state.step == 4

    history = Trainer(lambda s: 0.1, 10, 5, callbacks=[StopAt()]).fit(
        SoftmaxRegression(8, 3), X, Y)
    assert history.n_steps == 4 and history.n_epochs == 1


@pytest.mark.parametrize("threads", [1, None])
def test_blas_threads_sets_the_blas_thread_count_during_training(threads):
    """Does blas_threads=1 run the steps with one BLAS thread, and None leave it alone?"""
    outside = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    during = []

    class Spy(SoftmaxRegression):
        def sgd_step(self, X, y, lr):
            during.append([i["num_threads"] for i in threadpool_info()
                           if i["user_api"] == "blas"])
            return super().sgd_step(X, y, lr)

    train_sgd(Spy(8, 3), X, Y, lr=0.1, batch_size=100, n_epochs=1, blas_threads=threads)
    assert during[0] == ([1] * len(outside) if threads == 1 else outside)
    assert [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] == outside


def test_the_progress_bar_is_off_when_output_is_not_a_terminal(capfd):
    """With progress=True and stderr not a terminal (as in a log file), is nothing written?"""
    assert not sys.stderr.isatty()
    train_sgd(SoftmaxRegression(8, 3), X, Y, lr=0.1, batch_size=10, n_epochs=2, progress=True)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("name, value", [("batch_size", 0), ("n_epochs", 0), ("max_steps", -1),
                                         ("eval_every", 0), ("blas_threads", 0),
                                         ("batch_size", 2.5)])
def test_bad_counts_are_refused_before_training(name, value):
    """Are non-positive or non-integer counts refused, naming the option?"""
    with pytest.raises((ValueError, TypeError), match=name):
        train_sgd(SoftmaxRegression(8, 3), X, Y, lr=0.1, **{name: value})

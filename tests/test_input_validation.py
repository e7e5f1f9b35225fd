"""Bad input gets a one-line error or warning that says what to do, before any work starts;
never an IndexError or AxisError from inside numpy."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mnistlib
from mnistlib import (MLP, SoftmaxRegression, cross_entropy, log_softmax, one_hot, softmax,
                      softmax_loss_and_grad, train_sgd)
from mnistlib._checks import PixelScaleWarning

RNG = np.random.default_rng(0)
X = RNG.random((40, 6), dtype=np.float32)
Y = RNG.integers(0, 3, 40)


def small():
    return SoftmaxRegression(6, 3)


def test_raw_0_255_pixels_are_warned_about():
    """Do uint8 pixels (and floats 0..255) warn "divide by 255", and [0, 1] pixels not?"""
    raw = (X * 255).astype(np.uint8)
    for pixels in (raw, raw.astype(np.float32)):
        with pytest.warns(PixelScaleWarning, match="divide by 255"):
            train_sgd(small(), pixels, Y, lr=0.1, batch_size=10, n_epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train_sgd(small(), X, Y, lr=0.1, batch_size=10, n_epochs=1)


def test_a_huge_learning_rate_is_warned_about():
    """Does lr=1e6 warn, while the book's largest rate (50) does not?"""
    with pytest.warns(UserWarning, match="far above"):
        train_sgd(small(), X, Y, lr=1e6, batch_size=10, n_epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train_sgd(small(), X, Y, lr=50.0, batch_size=10, n_epochs=1)


@pytest.mark.parametrize("labels", [np.full(40, 3), np.full(40, -1)])
def test_labels_outside_0_to_C_minus_1_are_refused_before_any_update(labels):
    """Are label 3 with 3 classes (an IndexError before) and label -1 (trained as the last class
    before) refused, naming the range, with the model untouched?"""
    model = small()
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2"):
        train_sgd(model, X, labels, lr=0.1, batch_size=10, n_epochs=1)
    assert not model.W.any()
    with pytest.raises(ValueError, match=r"0\.\.2"):
        cross_entropy(np.zeros((40, 3)), labels)


def test_valid_must_be_a_pair():
    """Does valid=X_valid without labels say that valid must be (X, y)?"""
    with pytest.raises(TypeError, match=r"pair \(X, y\)"):
        train_sgd(small(), X, Y, lr=0.1, batch_size=10, n_epochs=1, valid=X)


@pytest.mark.parametrize("dtype", ["int32", "float16", object])
def test_a_non_float_model_dtype_is_refused_at_first_use(dtype):
    """Is dtype="int32" refused with a TypeError naming float32 / float64 before training?"""
    with pytest.raises(TypeError, match="float32 or float64"):
        train_sgd(SoftmaxRegression(6, 3, dtype=dtype), X, Y, lr=0.1, batch_size=10)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "logits"])
def test_one_image_is_told_to_reshape(method):
    """Does predict on one image of shape (D,) say to reshape (no AxisError)?"""
    model = small().fit(X, Y)
    with pytest.raises(ValueError, match=r"(?i)reshape"):
        getattr(model, method)(X[0])


def test_y_as_a_column_is_refused_by_the_teaching_api():
    """Is y of shape (N, 1) refused (it broadcast into a wrong loss before), saying ravel()?"""
    with pytest.raises(ValueError, match=r"ravel"):
        train_sgd(small(), X, Y[:, None], lr=0.1, batch_size=10)
    with pytest.raises(ValueError, match=r"ravel"):
        softmax_loss_and_grad(np.zeros((6, 3)), np.zeros(3), X, Y[:, None])


def test_nan_in_x_is_named_not_blamed_on_the_learning_rate():
    """Is NaN / infinity in X reported as such (not as "learning rate too large"), the model
    left as it was before the run?"""
    for bad in (np.nan, np.inf):
        Xbad = X.copy()
        Xbad[17, 2] = bad
        model = small()
        with pytest.raises(ValueError, match="NaN or infinity .*row 17"):
            train_sgd(model, Xbad, Y, lr=0.1, batch_size=10, n_epochs=2)
        assert not model.W.any() and not model.b.any()
        with pytest.raises(ValueError, match="NaN or infinity"):
            train_sgd(small(), X, Y, lr=0.1, batch_size=10, valid=(Xbad, Y))
        with pytest.raises(ValueError, match="NaN|infinity"):
            SoftmaxRegression().fit(Xbad, Y)


def test_max_steps_zero_makes_no_update():
    """Does max_steps=0 leave the parameters at their initialisation?"""
    model = small()
    history = train_sgd(model, X, Y, lr=0.1, batch_size=10, max_steps=0)
    assert history.n_steps == 0 and not model.W.any() and not model.b.any()


def test_a_schedule_turning_negative_is_stopped():
    """Does a callable lr that returns a negative rate stop with an error (it trained by
    ascent before), naming the step, and restore the model?"""
    model = small()
    with pytest.raises(ValueError, match="step 3.*positive"):
        train_sgd(model, X, Y, lr=lambda step: 0.1 - 0.04 * step, batch_size=10, n_epochs=2)
    assert not model.W.any()


@pytest.mark.parametrize("lr, error", [("0.1", TypeError), (0.0, ValueError),
                                       (-1.0, ValueError), (float("nan"), ValueError),
                                       (None, TypeError)])
def test_a_learning_rate_that_is_not_a_positive_number_is_refused(lr, error):
    """Is lr='0.1' a TypeError saying to write a number (not one about '>'), and 0, -1, NaN
    ValueErrors?"""
    with pytest.raises(error, match="learning rate"):
        train_sgd(small(), X, Y, lr=lr, batch_size=10)


def test_divergence_names_the_step_and_says_lower_the_learning_rate():
    """Does a diverging run end in "divergence detected at step k: lower the learning rate",
    the model restored to its state before the run?"""
    model = small()
    with pytest.raises(FloatingPointError, match=r"divergence detected at step \d+.*lower the "
                                                 r"learning rate"):
        with pytest.warns(UserWarning, match="far above"):
            train_sgd(model, X * 1e6, Y, lr=1e30, batch_size=10, n_epochs=5)
    assert not model.W.any()


# -- property test: random shapes, dtypes, NaN and inf into the public functions -----------

def _arrays(draw, max_dims=3):
    shape = draw(st.lists(st.integers(0, 5), min_size=0, max_size=max_dims))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, np.uint8, bool,
                                  np.complex64, object]))
    A = np.asarray(draw(st.lists(st.sampled_from([0.0, 1.0, 0.5, -2.0, np.nan, np.inf]),
                                 min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))))
    A = A.reshape(shape)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return A.astype(dtype)


@st.composite
def calls(draw):
    X = _arrays(draw)
    y = draw(st.one_of(
        st.builds(lambda n, c: np.random.default_rng(0).integers(-1, c + 1, n),
                  st.integers(0, 5), st.integers(1, 4)),
        st.builds(lambda: _arrays(draw, 2))))
    what = draw(st.sampled_from(["softmax", "log_softmax", "one_hot", "cross_entropy",
                                 "loss_and_grad_fn", "fit", "predict", "predict_proba", "score",
                                 "loss_and_grad", "train_sgd", "mlp_fit", "mlp_loss_and_grad"]))
    return what, X, y


def _call(what, X, y):
    fitted = SoftmaxRegression(3, 3).fit(np.eye(3), [0, 1, 2])
    if what == "softmax":
        return softmax(X)
    if what == "log_softmax":
        return log_softmax(X)
    if what == "one_hot":
        return one_hot(y, 3)
    if what == "cross_entropy":
        return cross_entropy(X, y)
    if what == "loss_and_grad_fn":
        return softmax_loss_and_grad(np.zeros((3, 3)), np.zeros(3), X, y)
    if what == "fit":
        return SoftmaxRegression(n_epochs=1).fit(X, y)
    if what in ("predict", "predict_proba"):
        return getattr(fitted, what)(X)
    if what == "score":
        return fitted.score(X, y)
    if what == "loss_and_grad":
        return SoftmaxRegression(3, 3).loss_and_grad(X, y)
    if what == "train_sgd":
        return train_sgd(SoftmaxRegression(3, 3), X, y, lr=0.1, batch_size=2, n_epochs=1)
    if what == "mlp_fit":
        return MLP((3, 4, 3), n_epochs=1).fit(X, y)
    return MLP((3, 4, 3)).loss_and_grad(X, y)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls())
def test_public_functions_work_or_raise_a_clear_error(call):
    """Does every public function, fed random shapes, dtypes, NaN and inf, either work or
    raise ValueError / TypeError with a message, never IndexError / AxisError from inside?"""
    what, X, y = call
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            _call(what, X, y)
        except (ValueError, TypeError, FloatingPointError) as e:
            assert str(e), f"{what}: {type(e).__name__} without a message"
            assert not isinstance(e, (IndexError, np.exceptions.AxisError))

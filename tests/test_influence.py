"""Per-pixel influence maps: exact for affine layers, only an approximation beyond."""

import numpy as np
import pytest

from mnistlib import MLP, SoftmaxRegression, additivity_gap, gradient_maps, pixel_influence
from mnistlib.gradcheck import numerical_gradient


@pytest.fixture
def net():
    return MLP((784, 50, 100, 10), activation="sigmoid", dtype=np.float64, seed=0)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    X = np.zeros((3, 784))
    X[:, 300:400] = rng.random((3, 100))  # a band of lit pixels, as in a digit
    return X


def test_linear_model_maps_are_its_weight_columns():
    """For softmax regression, is the single-pixel map of score k exactly W[:, k] (times the intensity)?"""
    model = SoftmaxRegression(dtype=np.float64, init="normal", seed=0)
    maps = pixel_influence(model, "a1")
    assert maps.shape == (10, 28, 28)
    np.testing.assert_allclose(maps.reshape(10, 784).T, model.W, atol=1e-12)
    np.testing.assert_allclose(gradient_maps(model, "a1").reshape(10, 784).T, model.W)


@pytest.mark.parametrize("layer", ["a1"])
def test_maps_add_up_exactly_for_the_first_pre_activation(net, images, layer):
    """Do the single-pixel responses of the first pre-activation sum to the whole image's response?"""
    assert additivity_gap(net, layer, images) < 1e-10


def test_maps_add_up_exactly_for_the_linear_model(images):
    """Do the single-pixel responses of softmax regression's scores sum to the image's scores?"""
    model = SoftmaxRegression(dtype=np.float64, init="normal", seed=1)
    assert additivity_gap(model, "a1", images) < 1e-10


@pytest.mark.parametrize("layer", ["z1", "a2", "z2", "a3", "z3"])
def test_maps_do_not_add_up_beyond_the_first_layer(net, images, layer):
    """After the first non-linearity, is the sum of single-pixel responses measurably off?"""
    assert additivity_gap(net, layer, images) > 1e-3


@pytest.mark.parametrize("layer", ["a1", "z1", "a2", "z3"])
def test_gradient_maps_match_finite_differences(net, layer):
    """Is gradient_maps the derivative of each node w.r.t. each pixel at the zero image?"""
    x = np.zeros((1, 784))
    maps = gradient_maps(net, layer).reshape(-1, 784)
    for k in (0, 7):
        f = lambda: float(net.forward(x)[layer][0, k])  # noqa: E731
        numeric = numerical_gradient(f, x, h=1e-6, indices=[(0, p) for p in range(0, 784, 37)])
        np.testing.assert_allclose(maps[k, ::37], numeric[0, ::37], rtol=1e-5, atol=1e-9)


def test_influence_of_the_first_layer_is_the_scaled_weight(net):
    """Is the a1 map of node j equal to value * W1[:, j] for any pixel intensity?"""
    maps = pixel_influence(net, "a1", value=0.5)
    np.testing.assert_allclose(maps.reshape(50, 784).T, 0.5 * net.weights[0], atol=1e-12)


def test_bad_layer_names_are_refused(net):
    """Are unknown layer names refused with a message listing the valid ones?"""
    with pytest.raises(ValueError, match="a1"):
        gradient_maps(net, "a9")
    with pytest.raises(KeyError):
        pixel_influence(net, "q1")


def test_image_influence_keeps_each_pixel_at_its_value(net, images):
    """Is pixel p of a per-image map node(x_p e_p) - node(0), and 0 where x_p = 0?"""
    from mnistlib.influence import image_influence

    x = images[0]
    maps = image_influence(net, "z1", x).reshape(50, 784)
    for p in (0, 310, 399):  # unlit, lit, lit
        probe = np.zeros((1, 784))
        probe[0, p] = x[p]
        expected = net.forward(probe)["z1"][0] - net.forward(np.zeros((1, 784)))["z1"][0]
        np.testing.assert_allclose(maps[:, p], expected, atol=1e-12)
    assert np.all(maps[:, x == 0] == 0)


def test_additivity_table_finds_only_a1_exact(net, images):
    """Does the table call a1 exact and every later layer not, with gap <= scale sizes?"""
    from mnistlib.influence import additivity_table

    rows = additivity_table(net, images)
    assert [r.layer for r in rows] == ["a1", "z1", "a2", "z2", "a3", "z3"]
    assert [r.exact for r in rows] == [True] + [False] * 5
    assert [r.n_nodes for r in rows] == [50, 50, 100, 100, 10, 10]
    assert all(r.scale > 0 for r in rows)


def test_additivity_table_of_a_wrong_probe_would_not_be_exact(net, images, monkeypatch):
    """If the probes lit pixels at 1 instead of at x_p, would a1 stop looking exact?"""
    import mnistlib.influence as influence

    right = influence.image_influence
    monkeypatch.setattr(influence, "image_influence", lambda m, layer, x, image_shape:
                        right(m, layer, (x > 0).astype(x.dtype), image_shape))
    assert not influence.additivity_table(net, images, layers=["a1"])[0].exact


def test_never_lit_pixels_get_no_first_layer_gradient(net, images):
    """Are the pixels 0 in every image exactly the rows of W1 with zero gradient?"""
    from mnistlib.influence import never_lit_pixels

    mask = never_lit_pixels(images)
    assert mask.shape == (784,) and mask.sum() == 784 - 100
    _, grads = net.loss_and_grad(images, np.array([0, 1, 2]))
    lit_rows = np.abs(grads[0]).sum(axis=1) > 0
    np.testing.assert_array_equal(~mask, lit_rows)

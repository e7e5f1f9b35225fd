"""The fourth source document reproduced: Deep Learning from Scratch's network and its maps.

The maps are checked against a direct recomputation written out layer by layer, and every
check is run against plausible wrong implementations kept here as fixtures (baseline not
subtracted, maps transposed, the pixel set to 255 instead of 1): each must be rejected.
"""

import hashlib
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest

from mnistlib.influence import additivity_table, image_influence, pixel_influence
from mnistlib.models.mlp import sigmoid
from mnistlib.reproductions import dlfs_network as dlfs

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def net():
    return dlfs.dlfs_network()


@pytest.fixture(scope="module")
def weights():
    return dlfs.load_weights()


# --- the shipped file -------------------------------------------------------------------

def test_shipped_file_is_the_articles_with_its_licence():
    """Is the shipped file the one pinned by the SHA-256, with its MIT notice beside it?"""
    path = dlfs.weights_path()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == dlfs.WEIGHTS_SHA256
    licence = (path.parent / "LICENSE-dlfs-weights.txt").read_text()
    assert "Copyright (c) 2016 Koki Saitoh" in licence
    assert "Permission is hereby granted, free of charge" in licence
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in licence


def test_weights_and_licence_are_package_data():
    """Does pyproject.toml install the .npz and its licence with mnistlib.reproductions?"""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["mnistlib.reproductions"]
    names = [dlfs.WEIGHTS_FILE, "LICENSE-dlfs-weights.txt"]
    assert all(any(Path(n).match(p) for p in patterns) for n in names)


def test_arrays_have_the_articles_names_shapes_and_dtypes(weights, net):
    """Does the loader give W1 (784, 50) ... b3 (10,), float32, in a 784-50-100-10 MLP?"""
    assert {k: (v.shape, v.dtype.name) for k, v in weights.items()} == dlfs.ARRAYS
    assert net.layer_sizes == (784, 50, 100, 10) and net.activation == "sigmoid"
    np.testing.assert_array_equal(net.weights[1], weights["W2"])
    np.testing.assert_array_equal(net.biases[2], weights["b3"])


def _copy(tmp_path):
    target = tmp_path / dlfs.WEIGHTS_FILE
    shutil.copyfile(dlfs.weights_path(), target)
    return target


def test_flipped_bytes_are_refused(tmp_path):
    """Does a copy with a few bytes flipped inside an array give the clear error?"""
    path = _copy(tmp_path)
    content = bytearray(path.read_bytes())
    for i in range(len(content) // 2, len(content) // 2 + 4):
        content[i] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(dlfs.WeightsFileError, match=r"(?s)corrupted.*reinstall") as err:
        dlfs.load_weights(path)
    assert str(path) in str(err.value)


def test_truncated_file_is_refused(tmp_path):
    """Does a file cut in half give the clear error with its size, not a zipfile error?"""
    path = _copy(tmp_path)
    path.write_bytes(path.read_bytes()[:50_000])
    with pytest.raises(dlfs.WeightsFileError, match=r"50,000 bytes.*truncated"):
        dlfs.dlfs_network(path)


def test_missing_file_is_refused(tmp_path):
    """Does a missing file give FileNotFoundError naming it and what to do?"""
    path = tmp_path / "nowhere" / dlfs.WEIGHTS_FILE
    with pytest.raises(FileNotFoundError, match=r"(?s)missing.*reinstall") as err:
        dlfs.load_weights(path)
    assert str(path) in str(err.value)


def test_wrong_arrays_are_refused_even_with_a_matching_checksum(tmp_path, weights,
                                                               monkeypatch):
    """If the pinned checksum were updated to a file with a transposed W1, is it refused?"""
    bad = dict(weights, W1=weights["W1"].T.copy())
    path = tmp_path / "bad.npz"
    np.savez(path, **bad)
    monkeypatch.setattr(dlfs, "WEIGHTS_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.raises(dlfs.WeightsFileError, match=r"holds arrays.*\(50, 784\)"):
        dlfs.load_weights(path)


# --- the accuracy -----------------------------------------------------------------------

@pytest.mark.full_data
def test_accuracy_is_exactly_the_articles(mnist_data_dir):
    """On the 10,000 test images, pixels / 255, is the accuracy 0.9352 exactly (9352 right)?"""
    run = dlfs.reproduce(data_dir=mnist_data_dir)
    assert (run.n_correct, run.n_test) == (9352, 10_000)
    assert dlfs.compare(run).verdict == "reproduced"


@pytest.mark.full_data
def test_accuracy_depends_on_the_pixel_scale(mnist_data_dir, net):
    """Would the unscaled pixels 0..255 (a plausible slip) miss the article's figure?"""
    from mnistlib import load_mnist

    data = load_mnist(split="standard", data_dir=mnist_data_dir, progress=False)
    wrong = int(np.sum(net.predict(data.X_test * 255) == data.y_test))
    assert wrong != 9352


@pytest.mark.parametrize("ours, n_test, verdict", [
    (0.9352, 10_000, "reproduced"),
    (0.9351, 10_000, "not reproduced"),
    (0.9353, 10_000, "not reproduced"),
    (0.9352, 1_000, "not comparable: 1,000 test images, not 10,000"),
])
def test_verdict_says_reproduced_only_when_equal(ours, n_test, verdict):
    """Is the verdict "reproduced" only for 0.9352 on 10,000 images?"""
    comparison = dlfs.Comparison(published=0.9352, ours=ours, n_test=n_test)
    assert comparison.verdict == verdict
    assert comparison.reproduced == (verdict == "reproduced")


def test_published_figure_comes_from_the_one_table():
    """Is the article's 0.9352 read from mnistlib.reproductions.published?"""
    run = dlfs.DLFSArticleRun(network=None, n_correct=1, n_test=2, maps={},
                              white_probabilities=np.zeros(10), data_source="")
    assert dlfs.compare(run).published == 0.9352
    other = {"reported": {"accuracy": 0.5}}
    assert dlfs.compare(run, published=other).published == 0.5


# --- the maps, against a direct recomputation ------------------------------------------

def _direct(weights, layer, p, value=1.0):
    """Node values on the image with only pixel p at `value`, minus those on 0, by hand."""
    W1, b1, W2, b2, W3, b3 = (weights[k].astype(np.float64)
                              for k in ("W1", "b1", "W2", "b2", "W3", "b3"))

    def nodes(x):
        z1 = sigmoid(x @ W1 + b1)  # the article: z1 = sigmoid(a1), a1 = x W1 + b1
        z2 = sigmoid(z1 @ W2 + b2)
        a3 = z2 @ W3 + b3
        return {"a1": x @ W1 + b1, "z1": z1, "z2": z2, "a3": a3}[layer]

    x = np.zeros(784)
    x[p] = value
    return nodes(x) - nodes(np.zeros(784))


def right(net, layer):
    return pixel_influence(net, layer)


def baseline_not_subtracted(net, layer):
    return pixel_influence(net, layer) + net.forward(np.zeros((1, 784), np.float32))[
        layer][0][:, None, None]


def transposed(net, layer):
    return pixel_influence(net, layer).transpose(0, 2, 1)


def pixel_at_255(net, layer):
    return pixel_influence(net, layer, value=255.0)


WRONG = [baseline_not_subtracted, transposed, pixel_at_255]
PIXELS = list(range(0, 784, 13)) + [14 * 28 + 14]  # a spread, including the centre


def _largest_difference(maps_fn, net, weights, layer):
    maps = maps_fn(net, layer).reshape(len(_direct(weights, layer, 0)), 784)
    return max(float(np.abs(maps[:, p] - _direct(weights, layer, p)).max()) for p in PIXELS)


@pytest.mark.parametrize("layer, n_nodes", [("z1", 50), ("z2", 100), ("a3", 10)])
def test_maps_have_one_28x28_image_per_node(net, layer, n_nodes):
    """Does the article's method give 50, 100 and 10 maps of 28 x 28?"""
    assert pixel_influence(net, layer).shape == (n_nodes, 28, 28)


@pytest.mark.parametrize("layer", dlfs.ARTICLE_LAYERS)
def test_maps_match_a_direct_recomputation(net, weights, layer):
    """Is each map pixel node(e_p) - node(0), as recomputed by hand in float64?"""
    assert _largest_difference(right, net, weights, layer) < 1e-5


@pytest.mark.parametrize("wrong", WRONG, ids=lambda f: f.__name__)
@pytest.mark.parametrize("layer", dlfs.ARTICLE_LAYERS)
def test_the_recomputation_rejects_wrong_maps(net, weights, layer, wrong):
    """Would the check catch a missing baseline, transposed maps or a pixel set to 255?"""
    assert _largest_difference(wrong, net, weights, layer) > 1e-3


def test_the_baseline_is_the_all_zero_image(net, weights):
    """Is the map taken against the network's values on the all-zero image?"""
    maps = pixel_influence(net, "z1").reshape(50, 784)
    blank = sigmoid(weights["b1"].astype(np.float64))
    lit = sigmoid(weights["W1"].astype(np.float64) + weights["b1"])  # row p: pixel p lit
    np.testing.assert_allclose(maps, (lit - blank).T, atol=1e-6)


def test_white_image_maps_are_the_single_pixel_maps(net):
    """For the all-white image, does the per-image method give the single-pixel maps?"""
    np.testing.assert_array_equal(image_influence(net, "a3", np.ones(784, np.float32)),
                                  pixel_influence(net, "a3"))


@pytest.fixture(scope="module")
def mini_run():
    """The recipe on the embedded 1,000 test images (the maps do not depend on them)."""
    return dlfs.reproduce(subset="mini")


@pytest.mark.parametrize("layer", dlfs.ARTICLE_LAYERS)
def test_the_recipe_returns_the_articles_maps(mini_run, weights, layer):
    """Are the recipe's maps those of the direct recomputation, pixel set to 1?"""
    maps = mini_run.maps[layer]
    assert maps.shape[1:] == (28, 28)
    recomputed = np.stack([_direct(weights, layer, p) for p in PIXELS], axis=1)
    np.testing.assert_allclose(maps.reshape(len(maps), 784)[:, PIXELS], recomputed,
                               atol=1e-5)


def test_white_image_probabilities(mini_run, weights):
    """Are the all-white image's probabilities the softmax of its a3, recomputed by hand?"""
    p = mini_run.white_probabilities
    assert p.shape == (10,) and abs(p.sum() - 1) < 1e-5
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    z2 = sigmoid(sigmoid(np.ones(784) @ w["W1"] + w["b1"]) @ w["W2"] + w["b2"])
    a3 = z2 @ w["W3"] + w["b3"]
    np.testing.assert_allclose(p, np.exp(a3) / np.exp(a3).sum(), atol=1e-6)


def test_the_mini_run_is_not_called_a_reproduction(mini_run):
    """On 1,000 test images, does the verdict refuse to compare with the article?"""
    assert mini_run.n_test == 1000
    assert dlfs.compare(mini_run).verdict.startswith("not comparable")


# --- additivity over pixels: exact where the math says so ------------------------------

@pytest.fixture(scope="module")
def strokes():
    """Three stroke-like images: a bar, a ring and a diagonal, intensities in (0, 1]."""
    rng = np.random.default_rng(0)
    images = np.zeros((3, 28, 28))
    images[0, 6:22, 13:15] = 1.0
    yy, xx = np.mgrid[:28, :28]
    images[1][np.abs(np.hypot(yy - 14, xx - 14) - 7) < 1.2] = 0.8
    images[2][np.abs(yy - xx) < 1] = rng.uniform(0.2, 1.0, 28)
    return images.reshape(3, 784)


def test_only_the_first_pre_activation_is_exactly_additive(net, strokes):
    """Is a1 = X W1 + b1 additive over pixels to rounding, and z1 = sigmoid(a1) already not?"""
    rows = {r.layer: r for r in additivity_table(net, strokes)}
    assert rows["a1"].exact and rows["a1"].relative < 1e-12
    for layer in ("z1", "a2", "z2", "a3", "z3"):
        assert not rows[layer].exact and rows[layer].relative > 1e-2, layer


def test_additivity_of_a1_against_a_direct_sum(net, weights, strokes):
    """Does a1(x) - a1(0) equal the sum over lit pixels of x_p W1[p], the by-hand formula?"""
    x = strokes[1]
    summed = image_influence(net, "a1", x).reshape(50, 784).sum(axis=1)
    np.testing.assert_allclose(summed, x @ weights["W1"].astype(np.float64), atol=1e-4)
    wrong = pixel_influence(net, "a1").reshape(50, 784)[:, x > 0].sum(axis=1)
    assert np.abs(wrong - x @ weights["W1"]).max() > 1e-2  # probes at 1, not at x_p

"""Tests of ``load_mnist``: splits, dtypes, ranges, the embedded mini subset and its generator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mnistlib.data import MNISTSplits, load_mnist
from mnistlib.data._decoded import load_raw
from mnistlib.data._splits import MINI_SOURCE, load_mini_raw

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory):
    """One decoded-array cache for the full-data tests of this module (decode once, then warm)."""
    return tmp_path_factory.mktemp("mnist-cache")


@pytest.fixture
def full_env(monkeypatch, session_cache, mnist_data_dir):
    monkeypatch.setenv("MNISTLIB_CACHE", str(session_cache))
    monkeypatch.setenv("MNISTLIB_DATA", str(mnist_data_dir))
    monkeypatch.setenv("MNISTLIB_MIRRORS", "http://127.0.0.1:9/")  # never used: files are local


def check_common(data: MNISTSplits, dtype=np.float32, image_shape=(784,)):
    parts = [(data.X_train, data.y_train), (data.X_test, data.y_test)]
    if data.X_valid is not None:
        parts.append((data.X_valid, data.y_valid))
    for X, y in parts:
        assert X.dtype == dtype and X.shape == (len(y),) + image_shape
        assert y.dtype == np.int64 and y.ndim == 1
        assert X.min() == 0.0 and X.max() == 1.0
        assert set(np.unique(y)) == set(range(10))


# ---------------------------------------------------------------- mini subset (always available)


def test_mini_classic(isolated_data_env):
    """Does the mini classic split have 5,000 / 1,000 / 1,000 float32 rows of 784 pixels in [0, 1]?"""
    data = load_mnist(subset="mini")
    assert (len(data.y_train), len(data.y_valid), len(data.y_test)) == (5000, 1000, 1000)
    check_common(data)
    assert (data.split, data.subset, data.source) == ("classic", "mini", MINI_SOURCE)
    assert data.valid == (data.X_valid, data.y_valid)


def test_mini_standard_is_mini_train_and_test(isolated_data_env):
    """Is the mini standard split the mini classic train (5,000) and test (1,000), with no validation set?"""
    classic = load_mnist(subset="mini")
    standard = load_mnist(subset="mini", split="standard")
    assert standard.X_valid is None and standard.y_valid is None and standard.valid is None
    np.testing.assert_array_equal(standard.X_train, classic.X_train)
    np.testing.assert_array_equal(standard.y_test, classic.y_test)
    assert "5,000 train and 1,000 test" in standard.source
    check_common(standard)


def test_values_are_exactly_pixel_over_255():
    """Is every value exactly pixel / 255 correctly rounded, in float32 and in float64?"""
    raw = load_mini_raw()
    for dtype in (np.float32, np.float64):
        data = load_mnist(subset="mini", dtype=dtype)
        expected = (raw["X_train"].reshape(5000, 784) / 255.0).astype(dtype)  # float64 quotient, rounded once
        assert data.X_train.dtype == dtype
        np.testing.assert_array_equal(data.X_train, expected)
        np.testing.assert_array_equal(data.y_valid, raw["y_valid"])
    # All 256 pixel values occur in the subset, so the check above covers them all.
    assert len(np.unique(raw["X_train"])) == 256


def test_unflattened_images():
    """Does flatten=False give (N, 28, 28) images equal to the flat rows?"""
    flat = load_mnist(subset="mini")
    square = load_mnist(subset="mini", flatten=False)
    assert square.X_test.shape == (1000, 28, 28)
    np.testing.assert_array_equal(square.X_test.reshape(1000, 784), flat.X_test)


def test_repr_is_short():
    """Does the repr show shapes and the source rather than printing arrays?"""
    text = repr(load_mnist(subset="mini"))
    assert "X_train=(5000, 784)" in text and "embedded mini subset" in text and len(text) < 400


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"split": "tutorial"}, "split must be"),
        ({"subset": "tiny"}, "subset must be"),
        ({"dtype": np.int32}, "dtype must be"),
        ({"dtype": "float16"}, "dtype must be"),
        ({"dtype": "no such dtype"}, "dtype must be"),
        ({"dtype": None}, "dtype must be"),
        ({"subset": "mini", "data_dir": "."}, "data_dir has no effect"),
    ],
)
def test_bad_arguments(kwargs, message):
    """Are unknown splits, subsets, non-float dtypes and data_dir with the mini subset rejected?"""
    with pytest.raises(ValueError, match=message):
        load_mnist(**kwargs)


# ---------------------------------------------------------------- full data


@pytest.mark.full_data
def test_full_standard_and_classic(full_env, mnist_data_dir):
    """Are the standard (60,000 / 10,000) and classic (50,000 / 10,000 / 10,000) splits right, the
    classic one being rows of the standard one?"""
    standard = load_mnist(split="standard")
    assert standard.X_train.shape == (60000, 784) and standard.X_test.shape == (10000, 784)
    assert standard.X_valid is None and standard.y_valid is None
    check_common(standard)
    assert standard.source == f"full MNIST (files in {mnist_data_dir})"
    assert (standard.split, standard.subset) == ("standard", "full")

    classic = load_mnist(split="classic")
    assert [len(y) for y in (classic.y_train, classic.y_valid, classic.y_test)] == [50000, 10000, 10000]
    check_common(classic)
    np.testing.assert_array_equal(classic.X_train, standard.X_train[:50000])
    np.testing.assert_array_equal(classic.y_valid, standard.y_train[50000:])
    np.testing.assert_array_equal(classic.X_valid, standard.X_train[50000:])
    np.testing.assert_array_equal(classic.X_test, standard.X_test)
    assert classic.X_train.flags.c_contiguous and classic.X_valid.flags.c_contiguous


@pytest.mark.full_data
def test_full_data_known_facts(full_env):
    """Do the full data match well-known facts: first labels 5 0 4 1 9 2 1 3 1 4 and 7 2 1 0 4,
    training pixel mean 0.1307, 6,742 ones among the 60,000 training labels?"""
    data = load_mnist(split="standard", dtype=np.float64)
    assert data.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert data.y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert round(float(data.X_train.mean()), 4) == 0.1307
    assert np.bincount(data.y_train)[1] == 6742


@pytest.mark.full_data
def test_mini_subset_equals_rows_of_the_full_data(full_env):
    """Is the embedded mini subset exactly the first 5,000 / 1,000 / 1,000 rows of classic
    train / valid / test, as uint8?"""
    full, _ = load_raw()
    mini = load_mini_raw()
    assert all(a.dtype == np.uint8 for a in mini.values())
    np.testing.assert_array_equal(mini["X_train"], full["train_images"][:5000])
    np.testing.assert_array_equal(mini["y_train"], full["train_labels"][:5000])
    np.testing.assert_array_equal(mini["X_valid"], full["train_images"][50000:51000])
    np.testing.assert_array_equal(mini["y_valid"], full["train_labels"][50000:51000])
    np.testing.assert_array_equal(mini["X_test"], full["test_images"][:1000])
    np.testing.assert_array_equal(mini["y_test"], full["test_labels"][:1000])


@pytest.mark.full_data
def test_generator_script_reproduces_the_embedded_file(full_env, tmp_path, capsys):
    """Does scripts/make_mini_subset.py write a compressed file with the same arrays as the shipped one?"""
    spec = importlib.util.spec_from_file_location("make_mini_subset", ROOT / "scripts" / "make_mini_subset.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = tmp_path / "mini.npz"
    script.main(["--output", str(out)])
    assert "Wrote" in capsys.readouterr().out
    shipped = load_mini_raw()
    with np.load(out) as made:
        for key, array in shipped.items():
            assert made[key].dtype == np.uint8
            np.testing.assert_array_equal(made[key], array)
    assert out.stat().st_size < 1.5e6  # compressed: the raw arrays take 5.5 MB


@pytest.mark.full_data
def test_summary_names_the_data_and_its_sizes_without_a_folder(full_env, mnist_data_dir):
    """Does summary() say which data and how many rows per set, and never where the files are?"""
    mini = load_mnist(split="classic", subset="mini")
    assert mini.summary() == ("the embedded mini subset of MNIST shipped with mnistlib, classic "
                              "split: 5,000 training / 1,000 validation / 1,000 test images")
    full = load_mnist(split="standard")
    assert full.summary().startswith("full MNIST (the four original files")
    assert full.summary().endswith("standard split: 60,000 training / 10,000 test images")
    assert str(mnist_data_dir) not in full.summary() and str(mnist_data_dir) in full.source

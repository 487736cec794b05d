"""Datasets: seeded, split as asked, labelled as their task says; the shipped digits file."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

import engine
from engine import datasets, registry

TOYS = [n for n in datasets.names() if n != "digits"]
DIGITS = (pathlib.Path(engine.__file__).parent / datasets.DIGITS_FILE).read_bytes()


def make(name, seed=0, **params):
    return datasets.make(name, rng=np.random.default_rng(seed), **params)


@pytest.mark.parametrize("name", TOYS)
def test_shapes_split_and_labels(name):
    d = make(name, n_samples=200, val_fraction=0.25)
    info = registry.get("dataset", name).info
    assert d.task == info["task"] and d.n_features == info["n_features"]
    assert len(d.X_train) == 150 and len(d.X_val) == 50
    assert d.X_train.shape[1] == d.X_val.shape[1] == len(d.feature_names)
    y = np.concatenate([d.y_train, d.y_val])
    if d.task == "regression":
        assert d.n_classes == 0 and y.dtype == np.float64
    else:
        assert y.dtype == np.int64 and set(np.unique(y)) == set(range(d.n_classes))
        assert len(d.class_names) == d.n_classes


@pytest.mark.parametrize("name", TOYS)
def test_same_seed_same_bits_other_seed_other_points(name):
    a, b, c = make(name, 1), make(name, 1), make(name, 2)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", ["circle", "moons", "xor", "plane", "sine"])
def test_noise_moves_the_points(name):
    quiet, loud = make(name, 3, noise=0.0), make(name, 3, noise=0.5)
    if quiet.task == "regression":
        assert np.std(loud.y_train - quiet.y_train) > 0.3
    else:
        assert np.abs(loud.X_train - quiet.X_train).mean() > 0.2


def test_circles_lie_on_two_radii_without_noise():
    d = make("circle", noise=0.0)
    r = np.hypot(*np.concatenate([d.X_train, d.X_val]).T)
    labels = np.concatenate([d.y_train, d.y_val])
    np.testing.assert_allclose(r[labels == 1], 0.5)
    np.testing.assert_allclose(r[labels == 0], 1.0)


def test_val_fraction_zero_keeps_every_point_for_training():
    d = make("moons", n_samples=100, val_fraction=0.0)
    assert len(d.X_train) == 100 and len(d.X_val) == 0


def test_outliers_go_to_the_training_set_only():
    dirty, clean = make("sine", 4, outliers=5), make("sine", 4)
    shift = dirty.y_train - clean.y_train
    assert np.isclose(shift, datasets.OUTLIER_SHIFT).sum() == 5
    assert np.isclose(shift, 0).sum() == len(shift) - 5
    np.testing.assert_array_equal(clean.y_val, dirty.y_val)


@pytest.mark.parametrize(
    ("params", "match"),
    [({"n_samples": 5}, "n_samples"), ({"noise": -1}, "noise"), ({"n_samples": 2.5}, "n_samples")],
)
def test_out_of_bounds_parameters_name_the_field(params, match):
    with pytest.raises(ValueError, match=match):
        make("moons", **params)


def test_unknown_parameter_or_dataset_is_refused():
    with pytest.raises(TypeError, match="n_classes"):
        make("moons", n_classes=3)
    with pytest.raises(KeyError, match="unknown dataset"):
        make("mnist")


def test_shipped_digits_file_is_the_uci_test_set():
    assert len(DIGITS) < 100_000
    pixels, labels = datasets.load_digits_arrays(DIGITS)
    assert pixels.shape == (1797, 64) and pixels.dtype == np.uint8
    assert pixels.max() == 16 and pixels.min() == 0
    counts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    np.testing.assert_array_equal(np.bincount(labels), counts)
    first = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]  # sklearn's digits.data[0]
    np.testing.assert_array_equal(pixels[0, :16], first)
    np.testing.assert_array_equal(labels[:10], np.arange(10))


def test_digits_dataset_needs_the_bytes_and_scales_to_unit_range():
    with pytest.raises(ValueError, match="raw="):
        make("digits")
    d = make("digits", raw=DIGITS, n_samples=500)
    assert d.task == "multiclass" and d.n_classes == 10 and d.n_features == 64
    assert len(d.X_train) + len(d.X_val) == 500 and len(d.X_val) == 100
    assert d.X_train.min() >= 0.0 and d.X_train.max() <= 1.0
    assert d.feature_names[9] == "pixel_1_1"


def test_a_corrupt_digits_file_is_refused():
    with pytest.raises(ValueError, match="digits"):
        datasets.load_digits_arrays(b"not the file")


def test_domain_covers_every_point_with_a_margin():
    d = make("spiral")
    (x0, x1), (y0, y1) = d.domain()
    X = np.concatenate([d.X_train, d.X_val])
    assert x0 < X[:, 0].min() and X[:, 0].max() < x1
    assert y0 < X[:, 1].min() and X[:, 1].max() < y1

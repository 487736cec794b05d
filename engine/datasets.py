"""Datasets for the MLP: seeded toy problems and one real set (handwritten digits 8×8).

    data = datasets.make("moons", rng=np.random.default_rng(0), n_samples=400, noise=0.2)
    data.X_train, data.y_train, data.X_val, data.y_val, data.task, data.n_classes

A dataset's registry entry may carry `suggested`: model or training settings (activation,
init, loss, epochs ...) that the UI applies when the dataset is picked, because the
general defaults do not train well on it (the catalog sends them to the front end).

Classification sets have two features and integer labels 0..k−1; `plane` (two features)
and `sine` (one feature) are regressions with a real target. `val_fraction` of the points,
chosen by the Generator, form the validation set; regression `outliers` are added to the
training set only, so the validation loss shows how far they pull each loss.

Digits are the UCI "Optical Recognition of Handwritten Digits" test set as shipped by
scikit-learn's load_digits (1797 images, pixels 0..16, scaled here to 0..1). The engine does
no I/O: the caller reads the file and passes its bytes, e.g.

    raw = (Path(engine.__file__).parent / datasets.DIGITS_FILE).read_bytes()
    data = datasets.make("digits", rng=rng, raw=raw)

The file is `DIGITS_MAGIC` followed by zlib(labels as 1797 uint8 ‖ pixels as 1797×64 uint8).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from engine import registry
from engine.registry import Param

# Registration tables: one parameter a line or two, as written (not reformatted).
# fmt: off

Array = np.ndarray
DIGITS_FILE = "data/digits.bin"  # relative to the engine package
DIGITS_MAGIC = b"DLDIGITS8x8\n"
OUTLIER_SHIFT = 5.0


@dataclass(frozen=True)
class Dataset:
    """A train/validation split with what the trainer and the plots need to know."""

    name: str
    X_train: Array
    y_train: Array
    X_val: Array
    y_val: Array
    task: str  # "binary", "multiclass" or "regression"
    n_classes: int  # 0 for regression
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    def domain(self, margin: float = 0.1) -> list[tuple[float, float]]:
        """Each feature's range over all points, widened by `margin` on both sides."""
        X = np.concatenate([self.X_train, self.X_val])
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = margin * np.maximum(hi - lo, 1e-9)
        return [(float(a), float(b)) for a, b in zip(lo - pad, hi + pad, strict=True)]


def _p(name, type_, default, low, high, en, ko, log=False):
    return Param(name, type_, default, low, high, log, (), en, ko)


def _n(default=400):
    return _p("n_samples", "int", default, 20, 5000, "Number of points.", "데이터 개수.")


def _noise(default, high=2.0, en="Standard deviation of the noise.", ko="잡음의 표준편차."):
    return _p("noise", "float", default, 0.0, high, en, ko)


_VAL = _p("val_fraction", "float", 0.2, 0.0, 0.9, "Share of points held out for validation.",
           "검증용으로 떼어 두는 데이터의 비율.")
_CLASSES = _p("n_classes", "int", 3, 2, 6, "Number of classes.", "클래스 개수.")
_OUTLIERS = _p("outliers", "int", 0, 0, 50,
                f"Training points whose target is shifted up by {OUTLIER_SHIFT:g} (outliers).",
                f"목표값을 {OUTLIER_SHIFT:g}만큼 올린 훈련 데이터 개수 (이상치).")
_GENERATORS: dict[str, Any] = {}


def _register(name, task, params, **info):
    def deco(fn):
        registry.add("dataset", name, *registry.texts("dataset", name), params, task=task, **info)
        _GENERATORS[name] = fn
        return fn

    return deco


@_register("circle", "binary", [_n(), _noise(0.1), _VAL], n_features=2)
def _circle(rng, n_samples, noise):
    inner = np.arange(n_samples) % 2
    theta = rng.uniform(0, 2 * np.pi, n_samples)
    r = np.where(inner == 1, 0.5, 1.0)
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return X + rng.normal(0, noise, X.shape), inner


@_register("xor", "binary", [_n(), _noise(0.05), _VAL], n_features=2)
def _xor(rng, n_samples, noise):
    X = rng.uniform(-1, 1, (n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + rng.normal(0, noise, X.shape), y


@_register("gaussians", "multiclass", [_n(), _noise(0.4), _CLASSES, _VAL], n_features=2)
def _gaussians(rng, n_samples, noise, n_classes):
    y = np.arange(n_samples) % n_classes
    angle = 2 * np.pi * y / n_classes
    centres = 1.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centres + rng.normal(0, noise, (n_samples, 2)), y


@_register("spiral", "multiclass", [ _n(), _noise(0.2, 1.0, "Noise on the angle (radians).",
    "각도에 더하는 잡음 (라디안)."), _CLASSES, _VAL, ], n_features=2)
def _spiral(rng, n_samples, noise, n_classes):
    y = np.arange(n_samples) % n_classes
    r = rng.uniform(0.05, 1.0, n_samples)
    t = 4.0 * r + 2 * np.pi * y / n_classes + rng.normal(0, noise, n_samples)
    return np.stack([r * np.sin(t), r * np.cos(t)], axis=1), y


@_register("moons", "binary", [_n(), _noise(0.2), _VAL], n_features=2)
def _moons(rng, n_samples, noise):
    n_out = n_samples // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_samples - n_out)
    X = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], 1),
            np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1),
        ]
    )
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_samples - n_out, np.int64)])
    return X + rng.normal(0, noise, X.shape), y


@_register("plane", "regression", [_n(), _noise(0.1), _OUTLIERS, _VAL], n_features=2)
def _plane(rng, n_samples, noise):
    X = rng.uniform(-1, 1, (n_samples, 2))
    return X, 2 * X[:, 0] - X[:, 1] + 0.5 + rng.normal(0, noise, n_samples)


@_register("sine", "regression", [_n(200), _noise(0.1), _OUTLIERS, _VAL], n_features=1,
    suggested={"activation": "tanh", "init": "xavier_uniform"})
def _sine(rng, n_samples, noise):
    x = rng.uniform(-np.pi, np.pi, n_samples)
    return x[:, None], np.sin(x) + rng.normal(0, noise, n_samples)


registry.add(
    "dataset",
    "digits",
    "Handwritten digits 8×8",
    "손글씨 숫자 8×8",
    "1797 real 8×8 images of the digits 0–9 (UCI optdigits, as in scikit-learn's "
    "load_digits): 64 features, 10 classes.",
    "0–9 숫자를 손으로 쓴 실제 8×8 이미지 1797장 (UCI optdigits, scikit-learn의 "
    "load_digits와 같은 데이터): 특성 64개, 클래스 10개.",
    (
        _p("n_samples", "int", 1797, 100, 1797, "Images used (a random subset if fewer).",
            "사용할 이미지 수 (적으면 무작위 일부)."),
        _VAL,
    ),
    task="multiclass",
    n_features=64,
    real=True,
    file=DIGITS_FILE,
)


def names() -> list[str]:
    return registry.names("dataset")


def load_digits_arrays(raw: bytes) -> tuple[Array, Array]:
    """The shipped digits file's bytes → (pixels (1797, 64) uint8 0..16, labels (1797,))."""
    if not raw.startswith(DIGITS_MAGIC):
        raise ValueError("not a DescentLab digits file")
    body = np.frombuffer(zlib.decompress(raw[len(DIGITS_MAGIC) :]), dtype=np.uint8)
    if body.size % 65:
        raise ValueError("digits file has the wrong length")
    n = body.size // 65
    return body[n:].reshape(n, 64).copy(), body[:n].copy()


def make(name: str, rng: np.random.Generator, raw: bytes | None = None, **params: Any) -> Dataset:
    """Dataset `name` drawn from `rng`; unknown or out-of-bounds parameters raise."""
    entry = registry.get("dataset", name)
    values = registry.resolve("dataset", name, params)
    for p in entry.params:
        v = values[p.name]
        if isinstance(v, bool) or not np.isfinite(v) or (p.type == "int" and int(v) != v):
            raise ValueError(f"dataset {name!r}: {p.name} must be a {p.type}")
        if v < p.low or v > p.high:
            raise ValueError(f"dataset {name!r}: {p.name} must be in [{p.low}, {p.high}]")
    val_fraction = values.pop("val_fraction")
    outliers = values.pop("outliers", 0)
    if name == "digits":
        if raw is None:
            raise ValueError(f"dataset 'digits' needs the bytes of engine/{DIGITS_FILE}: raw=")
        pixels, labels = load_digits_arrays(raw)
        keep = np.sort(rng.permutation(len(labels))[: values["n_samples"]])
        X, y = pixels[keep] / 16.0, labels[keep].astype(np.int64)
    else:
        X, y = _GENERATORS[name](rng, **values)
    order = rng.permutation(len(y))
    n_val = int(round(val_fraction * len(y))) if val_fraction > 0 else 0
    n_val = min(max(n_val, 1 if val_fraction > 0 else 0), len(y) - 1)
    val, train = order[:n_val], order[n_val:]
    X_train, y_train = X[train], y[train]
    if outliers:
        y_train = y_train.astype(np.float64)
        y_train[rng.choice(len(y_train), min(outliers, len(y_train)), replace=False)] += (
            OUTLIER_SHIFT
        )
    task = entry.info["task"]
    k = 0 if task == "regression" else int(values.get("n_classes", 10 if name == "digits" else 2))
    features = (
        tuple(f"pixel_{i // 8}_{i % 8}" for i in range(64))
        if name == "digits"
        else tuple(f"x{i + 1}" for i in range(X.shape[1]))
    )
    return Dataset(
        name,
        X_train,
        y_train,
        X[val],
        y[val],
        task,
        k,
        features,
        tuple(str(c) for c in range(k)),
        MappingProxyType(dict(params)),
    )


def from_spec(spec: dict[str, Any], seed: int, raw: bytes | None = None) -> Dataset:
    """A run request's `dataset` object ({"name", ...parameters}) drawn from `seed`, as the
    service draws it (`raw`: the digits file's bytes, for "digits")."""
    params = {k: v for k, v in spec.items() if k != "name"}
    return make(spec["name"], rng=np.random.default_rng(seed), raw=raw, **params)


# fmt: on

"""A user's own arrays as an engine Dataset, split as the engine splits its own sets.

    data = from_arrays(X, y, val_fraction=0.2, seed=0)     # task detected from y's dtype

Labels that are integers, booleans or strings are classes (sorted, numbered 0..k−1, their
names kept); floats are a regression target. `task=` overrides the detection. The split is
`datasets.make`'s: a permutation from `numpy.random.default_rng(seed)`, the first
round(val_fraction × n) points (at least one when val_fraction > 0) held out.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from engine.datasets import Dataset

TASKS = ("classification", "regression")


class DataError(ValueError):
    """Arrays that cannot be a dataset; the message names the argument (`X`, `y`, ...)."""


def from_arrays(
    X: Any,
    y: Any,
    *,
    val_fraction: float = 0.2,
    seed: int = 0,
    task: str | None = None,
    feature_names: Sequence[str] | None = None,
    name: str = "arrays",
) -> Dataset:
    """An engine Dataset from a feature matrix `X` (n, d) and labels or targets `y` (n,)."""
    X = _features(X)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != len(X):
        raise DataError(f"y: expected {len(X)} labels (one per row of X), got shape {y.shape}")
    if not 0 <= val_fraction <= 0.9:
        raise DataError("val_fraction: must be in [0, 0.9]")
    if task is None:
        task = "regression" if y.dtype.kind in "fc" else "classification"
    if task not in TASKS:
        raise DataError(f"task: expected one of {TASKS}, got {task!r}")
    if task == "regression":
        target, classes = _real(y, "y"), ()
    else:
        target, classes = _classes(y)
    names = _names(feature_names, X.shape[1])
    order = np.random.default_rng(seed).permutation(len(X))
    n_val = int(round(val_fraction * len(X))) if val_fraction > 0 else 0
    n_val = min(max(n_val, 1 if val_fraction > 0 else 0), len(X) - 1)
    val, train = order[:n_val], order[n_val:]
    k = len(classes)
    return Dataset(
        name,
        X[train],
        target[train],
        X[val],
        target[val],
        "regression" if task == "regression" else ("binary" if k == 2 else "multiclass"),
        k,
        names,
        classes,
        MappingProxyType({"n_samples": len(X), "val_fraction": val_fraction}),
    )


def _features(X: Any) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise DataError(f"X: expected a 2D array of at least 2 rows, got shape {X.shape}")
    return _real(X, "X")


def _real(a: np.ndarray, what: str) -> np.ndarray:
    if a.dtype.kind not in "biuf":
        raise DataError(f"{what}: expected numbers, got dtype {a.dtype}")
    out = a.astype(np.float64)
    bad = np.argwhere(~np.isfinite(out))
    if len(bad):
        where = ", ".join(str(int(i)) for i in bad[0])
        raise DataError(f"{what}: a value that is not finite at index [{where}]")
    return out


def _classes(y: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise DataError("y: float labels that are not whole numbers; pass task='regression'")
        y = y.astype(np.int64)
    values, codes = np.unique(y, return_inverse=True)
    if len(values) < 2:
        raise DataError(f"y: a single class ({values[0]!r}); classification needs two or more")
    return codes.astype(np.int64), tuple(str(v) for v in values)


def _names(given: Sequence[str] | None, d: int) -> tuple[str, ...]:
    if given is None:
        return tuple(f"x{i + 1}" for i in range(d))
    names = tuple(str(n) for n in given)
    if len(names) != d:
        raise DataError(f"feature_names: expected {d} names (one per column of X)")
    return names

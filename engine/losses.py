"""Loss functions on the last layer's raw outputs z (logits), each applying its own link.

    loss = losses.get("cross_entropy")            # or {"name": "huber", "params": {"delta": 1}}
    value, dz = loss(z, t)                        # z: (..., batch, k); value: (...)

Leading axes are lanes (independent networks); `value` is one number per lane. Targets `t`
come in the loss's own format (see `targets`): real values for the regression losses,
0/1 for binary cross-entropy, ±1 (or 0/1) for the hinges, integer labels for
`cross_entropy` (Keras' sparse categorical cross-entropy, torch's CrossEntropyLoss) and
one-hot rows for `categorical_cross_entropy`. Every loss is a mean over the batch except
`sse`, the sum ½Σ(ŷ − y)² of Korean course notes (오차제곱합), whose gradient is ŷ − y.
Log-sigmoid and log-softmax are computed stably (logaddexp, log-sum-exp).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from engine import registry
from engine.activations import _check, _sigmoid, _spec
from engine.registry import Param

Array = np.ndarray
TASKS = ("regression", "binary", "multiclass")


@dataclass(frozen=True)
class Loss:
    """A loss with its parameters bound. Calling it gives (value per lane, dvalue/dz or None).

    `parts(z, t, grad)` gives the loss's terms (one per example, or per example and output)
    and dvalue/dz; `finish(terms)` reduces them to the value. Terms of row or lane blocks
    gathered into one array finish to the same bits as one call on the whole (the trainer
    evaluates big sets in blocks)."""

    name: str
    link: str  # "identity", "sigmoid" or "softmax"
    parts: Callable[..., tuple[Array, Array | None]]
    finish: Callable[[Array], Array]

    def __call__(self, z: Array, t: Array, grad: bool = True) -> tuple[Array, Array | None]:
        terms, dz = self.parts(z, t, grad)
        return self.finish(terms), dz


def _n(z: Array) -> int:
    return z.shape[-2]


@lru_cache(maxsize=64)
def ones(n: int) -> Array:
    """A read-only vector of n ones: `a @ ones(k)` sums the last axis as one BLAS call, which
    is many times faster than `a.sum(-1)` when that axis is short (2 classes, 16 units)."""
    v = np.ones(n)
    v.flags.writeable = False
    return v


def _total(a: Array) -> Array:
    """Sum over the last two axes (batch and outputs): one number per lane."""
    flat = a.reshape(a.shape[:-2] + (-1,))
    return flat @ ones(flat.shape[-1])


def _max_last(z: Array) -> Array:
    """max over a short last axis, column by column (np.max is slow on short axes)."""
    if z.shape[-1] > 8:
        return z.max(axis=-1)
    m = z[..., 0]
    for j in range(1, z.shape[-1]):
        m = np.maximum(m, z[..., j])
    return m


def _fit(z: Array, t: Array) -> Array:
    """Targets (batch,) for a one-unit output become (batch, 1)."""
    t = np.asarray(t)
    return t[..., None] if z.shape[-1] == 1 and (t.ndim == 1 or t.shape[-1] != 1) else t


def _mean_all(terms: Array) -> Array:
    return _total(terms) * (1.0 / (terms.shape[-1] * terms.shape[-2]))


def _sum_all(terms: Array) -> Array:
    return _total(terms) * 1.0


def _mean_cells(terms: Array) -> Array:
    return _total(terms) / (terms.shape[-2] * terms.shape[-1])


def _mean_of_rows(terms: Array) -> Array:
    """Terms (..., batch): one per example."""
    return (terms @ ones(terms.shape[-1])) / terms.shape[-1]


def _elementwise(value: Callable, slope: Callable, total: bool = False) -> tuple:
    def parts(z, t, grad):
        r = z - _fit(z, t)
        scale = 1.0 if total else 1.0 / (r.shape[-1] * r.shape[-2])
        return value(r), (slope(r) * scale if grad else None)

    return parts, (_sum_all if total else _mean_all)


def _mse():
    return _elementwise(lambda r: r * r, lambda r: 2.0 * r)


def _mae():
    return _elementwise(np.abs, np.sign)


def _sse():
    return _elementwise(lambda r: 0.5 * r * r, lambda r: r, total=True)


def _huber(delta):
    def value(r):
        a = np.abs(r)
        return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))

    return _elementwise(value, lambda r: np.clip(r, -delta, delta))


def _bce():
    """Mean over examples and output units, as torch's BCEWithLogitsLoss and Keras'
    binary_crossentropy (one unit: the mean over examples)."""

    def parts(z, t, grad):
        t = _fit(z, t)
        cells = z.shape[-1] * z.shape[-2]
        return np.logaddexp(0.0, z) - t * z, ((_sigmoid(z) - t) / cells if grad else None)

    return parts, _mean_cells


def _softmax_parts(z):
    """(log-sum-exp (..., N), exp(z − max) (..., N, k), its row sums (..., N))."""
    m = _max_last(z)
    e = np.exp(z - m[..., None])
    s = e @ ones(z.shape[-1])
    return m + np.log(s), e, s


def _sparse_ce():
    def parts(z, t, grad):
        t = np.asarray(t)
        n = _n(z)
        rows = np.arange(n)
        lse, e, s = _softmax_parts(z)
        terms = lse - z[..., rows, t]
        if not grad:
            return terms, None
        d = e * (1.0 / (n * s))[..., None]
        d[..., rows, t] -= 1.0 / n
        return terms, d

    return parts, _mean_of_rows


def _categorical_ce():
    def parts(z, t, grad):
        n, k = _n(z), z.shape[-1]
        lse, e, s = _softmax_parts(z)
        mass = t @ ones(k)
        terms = lse * mass - (t * z) @ ones(k)
        if not grad:
            return terms, None
        return terms, (e * (mass / s)[..., None] - t) / n

    return parts, _mean_of_rows


def _hinge(power):
    """Keras' hinge and squared_hinge: labels that are all 0 or 1 become −1/+1 (2y − 1);
    any other labels (±1 included) are used as they are. Decided per call, as Keras
    decides per batch."""

    def parts(z, t, grad):
        t = np.asarray(_fit(z, t), dtype=np.float64)
        pm = 2.0 * t - 1.0 if np.all((t == 0.0) | (t == 1.0)) else t
        gap = np.maximum(1.0 - pm * z, 0.0)
        terms = gap if power == 1 else gap * gap
        if not grad:
            return terms, None
        n = _n(z) * z.shape[-1]
        return terms, (-pm * (gap > 0) if power == 1 else -2.0 * pm * gap) / n

    return parts, _mean_cells


_RULES: dict[str, Callable[..., tuple]] = {
    "mse": _mse,
    "mae": _mae,
    "huber": _huber,
    "sse": _sse,
    "binary_cross_entropy": _bce,
    "cross_entropy": _sparse_ce,
    "categorical_cross_entropy": _categorical_ce,
    "hinge": lambda: _hinge(1),
    "squared_hinge": lambda: _hinge(2),
}


def _loss(name, en, ko, help_en, help_ko, link, tasks, labels, params=()):
    info = {"link": link, "tasks": list(tasks), "labels": labels}
    registry.add("loss", name, en, ko, help_en, help_ko, params, **info)


_ANY = TASKS
_loss(
    "mse",
    "Mean squared error (MSE)",
    "평균 제곱 오차 (MSE)",
    "mean((ŷ − y)²): big errors count quadratically, so outliers pull hard.",
    "mean((ŷ − y)²): 오차를 제곱하므로 큰 오차(이상치)의 영향이 큽니다.",
    "identity",
    _ANY,
    "real",
)
_loss(
    "mae",
    "Mean absolute error (MAE)",
    "평균 절대 오차 (MAE)",
    "mean|ŷ − y|: every error "
    "counts linearly, robust to outliers; its slope is ±1 even near the optimum.",
    "mean|ŷ − y|: 오차를 선형으로 세어 이상치에 강합니다; 최적점 근처에서도 기울기가 ±1입니다.",
    "identity",
    _ANY,
    "real",
)
_loss(
    "huber",
    "Huber",
    "후버 손실 (Huber)",
    "Squared for |ŷ − y| ≤ δ, linear beyond: MSE near "
    "the target, MAE for outliers (torch HuberLoss, Keras Huber).",
    "|ŷ − y| ≤ δ에서는 제곱, 그 밖에서는 선형: 가까운 곳은 MSE, 이상치는 MAE처럼 다룹니다.",
    "identity",
    _ANY,
    "real",
    [
        Param(
            "delta",
            "float",
            1.0,
            1e-3,
            100.0,
            True,
            (),
            "Where the quadratic part ends.",
            "제곱 구간이 끝나는 지점 δ.",
        )
    ],
)
_loss(
    "sse",
    "Sum of squared errors (SSE)",
    "오차제곱합 (SSE)",
    "½Σ(ŷ − y)² over the batch: "
    "like MSE but summed, so its size (and the right learning rate) depends on the batch "
    "size.",
    "배치 전체에 대한 ½Σ(ŷ − y)²: MSE와 비슷하지만 합이므로 크기(와 알맞은 학습률)가 "
    "배치 크기에 따라 달라집니다.",
    "identity",
    _ANY,
    "real",
)
_loss(
    "binary_cross_entropy",
    "Binary cross-entropy",
    "이진 크로스 엔트로피",
    "One output unit "
    "with a sigmoid: −[y log p + (1−y) log(1−p)], labels 0/1 (torch BCEWithLogitsLoss).",
    "출력 뉴런 하나에 시그모이드: −[y log p + (1−y) log(1−p)], 레이블 0/1.",
    "sigmoid",
    ("binary",),
    "0/1",
)
_loss(
    "cross_entropy",
    "Sparse categorical cross-entropy",
    "희소 카테고리칼 크로스 엔트로피",
    "Softmax over the classes, −log p(true class), with integer labels (torch "
    "CrossEntropyLoss, Keras sparse_categorical_crossentropy).",
    "클래스에 소프트맥스를 적용한 뒤 −log p(정답 클래스); 레이블은 정수입니다.",
    "softmax",
    ("binary", "multiclass"),
    "integer",
)
_loss(
    "categorical_cross_entropy",
    "Categorical cross-entropy",
    "카테고리칼 크로스 엔트로피",
    "Softmax with one-hot labels: −Σ y log p. The same numbers as the sparse version.",
    "원-핫 레이블과 소프트맥스: −Σ y log p. 희소 버전과 같은 값을 냅니다.",
    "softmax",
    ("binary", "multiclass"),
    "one_hot",
)
_loss(
    "hinge",
    "Hinge",
    "힌지 손실",
    "One output unit, mean max(0, 1 − y·ŷ) with y = ±1: the margin loss of SVMs (Keras hinge).",
    "출력 뉴런 하나, y = ±1일 때 mean max(0, 1 − y·ŷ): SVM의 마진 손실입니다.",
    "identity",
    ("binary",),
    "±1",
)
_loss(
    "squared_hinge",
    "Squared hinge",
    "제곱 힌지 손실",
    "mean max(0, 1 − y·ŷ)²: a smooth hinge (Keras squared_hinge).",
    "mean max(0, 1 − y·ŷ)²: 매끄러운 힌지 (Keras squared_hinge).",
    "identity",
    ("binary",),
    "±1",
)


def names() -> list[str]:
    return registry.names("loss")


def get(spec: str | Mapping[str, Any] | Loss) -> Loss:
    """A loss from a name or {"name", "params"} (parameters checked against their bounds)."""
    if isinstance(spec, Loss):
        return spec
    name, given = _spec(spec)
    entry = registry.get("loss", name)
    values = registry.resolve("loss", name, given)
    _check("loss", entry, values)
    return Loss(name, entry.info["link"], *_RULES[name](**values))


def units(loss: str, task: str, n_classes: int = 0, n_targets: int = 1) -> int:
    """Output units for `loss` on a task; raises ValueError if the pair does not fit."""
    entry = registry.get("loss", loss)
    if task not in entry.info["tasks"]:
        raise ValueError(f"loss {loss!r} does not fit a {task} task")
    if task == "regression":
        return n_targets
    if loss in ("cross_entropy", "categorical_cross_entropy") or task == "multiclass":
        return n_classes
    return 1


def targets(loss: str, y: Array, task: str, n_classes: int = 0) -> Array:
    """Dataset labels (integers, or reals for regression) in the loss's target format."""
    y = np.asarray(y)
    if task == "regression":
        return y.astype(np.float64)
    if loss == "cross_entropy":
        return y.astype(np.int64)
    if loss == "categorical_cross_entropy" or task == "multiclass":
        return (y[:, None] == np.arange(n_classes)).astype(np.float64)
    if loss in ("hinge", "squared_hinge"):
        return np.where(y > 0, 1.0, -1.0)
    return y.astype(np.float64)


def predict(loss: str, z: Array) -> Array:
    """Class labels from raw outputs: argmax, or a threshold for one output unit."""
    k = z.shape[-1]
    if k > 4:
        return z.argmax(axis=-1)
    if k > 1:  # column by column: argmax is slow on a short axis
        best, idx = z[..., 0], np.zeros(z.shape[:-1], dtype=np.int64)
        for j in range(1, k):
            better = z[..., j] > best
            best, idx = np.where(better, z[..., j], best), np.where(better, j, idx)
        return idx
    threshold = 0.5 if registry.get("loss", loss).info["labels"] == "real" else 0.0
    return (z[..., 0] > threshold).astype(np.int64)


def output(loss: str, z: Array) -> Array:
    """The loss's link applied to raw outputs: probabilities (sigmoid/softmax) or z itself."""
    link = registry.get("loss", loss).info["link"]
    if link == "sigmoid":
        return _sigmoid(z)
    if link == "softmax":
        _, e, s = _softmax_parts(z)
        return e / s[..., None]
    return z

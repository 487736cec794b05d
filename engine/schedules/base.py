"""How a schedule is registered: its registry entry (parameters, texts in English and Korean)
and its builder; the parameters several schedules share."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import registry

Schedule = Callable[[Any], np.ndarray]


param = registry.param


GAMMA = param(
    "gamma",
    "float",
    0.1,
    0.0,
    1.0,
    en="Multiplicative factor γ of each decay.",
    ko="감쇠할 때 곱하는 비율 γ.",
)


ETA_MIN = param(
    "eta_min",
    "float",
    0.0,
    0.0,
    10.0,
    en="Lowest learning rate η_min.",
    ko="가장 작은 학습률 η_min.",
)


T_MAX = param(
    "T_max",
    "int",
    None,
    1,
    1_000_000,
    en="Half-period of the cosine, in steps (default: the run's length).",
    ko="코사인 반주기(스텝 수, 기본값: 전체 길이).",
    nullable=True,
)


CYCLE_MOMENTUM = param(
    "cycle_momentum",
    "bool",
    True,
    en="Also cycle the momentum (SGD, RMSprop) or Adam's β₁, opposite to the rate, as torch "
    "does by default (it sets the optimizer's momentum); off for optimizers with neither.",
    ko="학습률과 반대로 모멘텀(SGD, RMSprop)이나 아담의 β₁도 주기적으로 바꿉니다 (torch의 "
    "기본값이며, 옵티마이저의 모멘텀을 덮어씁니다). 둘 다 없는 옵티마이저에서는 끕니다.",
)


# What SequentialLR may chain: schedules that torch restarts cleanly at a milestone (its
# `_update_lr(0)`: the closed form at 0, then its own steps). CyclicLR and OneCycleLR set the
# optimizer's momentum and initial rate when built, and ReduceLROnPlateau needs a metric.
COMPOSABLE = (
    "constant", "step", "multistep", "exponential", "multiplicative", "cosine", "cosine_restarts",
    "linear", "constant_factor", "polynomial",
)  # fmt: skip


BUILDERS: dict[str, Callable[..., Schedule]] = {}


def register(name, params, info=None):
    """Register a schedule's builder with its parameters; its name and help come from
    engine/texts.py."""

    def deco(builder):
        registry.add("schedule", name, *registry.texts("schedule", name), params, **(info or {}))
        BUILDERS[name] = builder
        return builder

    return deco


def cos_anneal(lr, eta_min, t_cur, t_i):
    return eta_min + (lr - eta_min) * (1.0 + np.cos(np.pi * t_cur / t_i)) / 2.0


def torch_cosine(lr, eta_min, T_max, t, cache=None):
    """CosineAnnealingLR as torch's step() computes it: the recursion
    ηₖ = (1 + cos(πk/T))/(1 + cos(π(k−1)/T))·(ηₖ₋₁ − η_min) + η_min, with its own step at
    each trough. Near a trough 1 + cos(·) cancels, so the closed form drifts 1e-11 from
    torch's rates; this follows torch's sequence of operations instead (cos from `math`, as
    torch's). `t` (steps, any shape) broadcasts against `lr` (per-lane rates) as the closed
    forms do. `cache` (a dict the caller keeps) holds the curve so far: a trainer asking
    epoch after epoch extends it instead of replaying it from step 0."""
    t = np.asarray(t, dtype=np.float64)
    base = np.asarray(lr, dtype=np.float64)
    n = int(np.max(t, initial=0)) + 1
    have = cache.get("curve") if cache is not None else None
    if have is not None and len(have) >= n:
        return pick(have, t, base.shape)
    curve = np.empty((max(n, 2 * len(have)) if have is not None else n,) + base.shape)
    if have is not None:
        curve[: len(have)] = have
        first, cur = len(have), have[-1].copy() if base.ndim else float(have[-1])
    else:
        first, cur = 1, base.copy() if base.ndim else float(base)
        curve[0] = cur
    for k in range(first, len(curve)):
        if (k - 1 - T_max) % (2 * T_max) == 0:
            cur = cur + (base - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            ratio = (1 + math.cos(math.pi * k / T_max)) / (1 + math.cos(math.pi * (k - 1) / T_max))
            cur = ratio * (cur - eta_min) + eta_min
        curve[k] = cur
    if cache is not None:
        cache["curve"] = curve
    return pick(curve, t, base.shape)


def pick(curve: np.ndarray, t: np.ndarray, lanes: tuple[int, ...]) -> np.ndarray:
    """curve[t] (curve: (n, *lanes)) broadcast as a closed form of t and per-lane rates is."""
    k = t.astype(np.int64)
    if not lanes:
        return curve[k]
    flat = curve.reshape(curve.shape[0], -1)
    lane = np.arange(flat.shape[1]).reshape(lanes)
    k, lane = np.broadcast_arrays(k, lane)
    return flat[k, lane]

"""How a schedule is registered: its registry entry (parameters, texts in English and Korean)
and its builder; the parameters several schedules share."""

from __future__ import annotations

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

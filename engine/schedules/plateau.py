"""ReduceLROnPlateau: a schedule that reacts to a metric (MLP runs), stepped per epoch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from engine import registry
from engine.schedules.base import param

# Registration tables: one parameter a line or two, as written (not reformatted).
# fmt: off

# reduce_on_plateau is registered for the catalog; it is driven by a metric, not by t.
registry.add(
    "schedule",
    "reduce_on_plateau",
    *registry.texts("schedule", "reduce_on_plateau"),
    (
        param("factor", "float", 0.1, 1e-6, 0.999999, en="Factor applied on a plateau.",
            ko="정체 시 곱하는 비율."),
        param("patience", "int", 10, 0, 10_000, en="Epochs without improvement before reducing.",
            ko="감소 전 기다리는 에포크 수."),
        param("threshold", "float", 1e-4, 0.0, 1.0, True, en="Relative improvement that counts.",
            ko="개선으로 인정하는 상대 변화."),
        param("cooldown", "int", 0, 0, 10_000, en="Epochs to wait after a reduction.",
            ko="감소 후 대기 에포크 수."),
        param("min_lr", "float", 0.0, 0.0, 10.0, en="Lowest rate.", ko="최소 학습률."),
        param("mode", "choice", "min", choices=("min", "max"),
            en="min: watch the loss (lower is better); max: the validation accuracy (higher).",
            ko="min: 손실을 봅니다 (작을수록 좋음); max: 검증 정확도를 봅니다 (클수록 좋음)."),
        param("threshold_mode", "choice", "rel", choices=("rel", "abs"),
            en="rel: improve by threshold × best; abs: by threshold itself.",
            ko="rel: 최고값의 threshold배만큼 개선; abs: threshold만큼 개선."),
    ),
    mlp_only=True,
)


class PlateauState(NamedTuple):
    lr: np.ndarray
    best: np.ndarray
    bad_epochs: np.ndarray
    cooldown: np.ndarray


@dataclass(frozen=True)
class ReduceLROnPlateau:
    """torch's ReduceLROnPlateau (eps=1e-8), per lane."""

    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    cooldown: int = 0
    min_lr: float = 0.0
    mode: str = "min"
    threshold_mode: str = "rel"
    eps: float = 1e-8

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max") or self.threshold_mode not in ("rel", "abs"):
            raise ValueError("mode must be 'min' or 'max', threshold_mode 'rel' or 'abs'")

    def init(self, lr: Any) -> PlateauState:
        lr = np.asarray(lr, dtype=np.float64)
        zeros = np.zeros(lr.shape, dtype=np.int64)
        worst = np.inf if self.mode == "min" else -np.inf
        return PlateauState(lr, np.full(lr.shape, worst), zeros, zeros)

    def _better(self, a: np.ndarray, best: np.ndarray) -> np.ndarray:
        """torch's `is_better` for the mode and threshold mode."""
        th = self.threshold
        if self.mode == "min":
            return a < (best * (1.0 - th) if self.threshold_mode == "rel" else best - th)
        return a > (best * (th + 1.0) if self.threshold_mode == "rel" else best + th)

    def update(self, state: PlateauState, metric: Any) -> PlateauState:
        """One epoch's metric (per lane) in, the new state (with the rate to use) out."""
        metric = np.asarray(metric, dtype=np.float64)
        better = self._better(metric, state.best)
        best = np.where(better, metric, state.best)
        bad = np.where(better, 0, state.bad_epochs + 1)
        cooling = state.cooldown > 0
        cooldown = np.where(cooling, state.cooldown - 1, state.cooldown)
        bad = np.where(cooling, 0, bad)
        reduce = bad > self.patience
        new_lr = np.maximum(state.lr * self.factor, self.min_lr)
        apply = reduce & (state.lr - new_lr > self.eps)
        lr = np.where(apply, new_lr, state.lr)
        cooldown = np.where(reduce, self.cooldown, cooldown)
        bad = np.where(reduce, 0, bad)
        return PlateauState(lr, best, bad, cooldown)


# fmt: on

"""What a race is made of: its fields, chunks and result, and the lane configs (one per
optimizer, with defaults, labels and groups of lanes that share an update rule)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import optimizers, registry, schedules

BOUND = 1e6


# A lane whose loss falls more than UNBOUNDED times the domain's range of values below the
# domain's lowest value is falling without end (x² − y², x³ − 3xy², many formulas): diverged.
UNBOUNDED = 100.0


FIELDS = ("xy", "loss", "grad_norm", "dist_min", "lr", "grad", "update", "m", "v")


VECTOR_FIELDS = ("xy", "grad", "update", "m", "v")


KERNELS = ("auto", "array", "float")


# Rough cost of one step (µs) for the kernel choice: a float lane, an optimizer group of the
# array kernel, and the array kernel's fixed part (gradient, noise, recording).
_FLOAT_LANE_US, _GROUP_US, _ARRAY_BASE_US = 6.5, 24.0, 50.0  # measured on Himmelblau


Configs = Sequence[Mapping[str, Any]]  # one optimizer config per lane group


@dataclass(frozen=True)
class Chunk:
    """Consecutive rows of a race, for every lane; fields not recorded are None."""

    start: int
    steps: np.ndarray
    xy: np.ndarray | None
    loss: np.ndarray | None
    grad_norm: np.ndarray | None
    dist_min: np.ndarray | None
    lr: np.ndarray | None
    grad: np.ndarray | None
    update: np.ndarray | None
    m: np.ndarray | None
    v: np.ndarray | None
    diverged: tuple[dict[str, Any], ...] = ()
    summary: tuple[dict[str, Any], ...] | None = None

    @property
    def rows(self) -> int:
        return len(self.steps)


class RaceResult:
    """A whole race: the recorded arrays (one row per recorded step), the divergence events
    and the per-lane summary (built on first use: for 10⁵ lanes it is 10⁵ dicts)."""

    def __init__(
        self,
        arrays: Mapping[str, np.ndarray],
        diverged: tuple[dict[str, Any], ...],
        summary: tuple[dict[str, Any], ...] | Callable[[], tuple[dict[str, Any], ...]],
        steps: np.ndarray | None = None,
    ):
        self.arrays = arrays
        self.diverged = diverged
        self.steps = steps  # the step of each row (0, stride, 2·stride, ..., steps)
        self._summary = summary

    @property
    def summary(self) -> tuple[dict[str, Any], ...]:
        if callable(self._summary):
            self._summary = self._summary()
        return self._summary


def lane_specs(configs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Normalize optimizer configs ({"name", "params", "schedule", "clip_norm"})."""
    out = []
    for i, c in enumerate(configs):
        sched = c.get("schedule") or {"name": "constant", "params": {}}
        out.append(
            {
                "name": c["name"],
                "params": dict(c.get("params") or {}),
                "schedule": {"name": sched["name"], "params": dict(sched.get("params") or {})},
                "clip_norm": c.get("clip_norm"),
                "label": c.get("label") or lane_label(c, i),
            }
        )
    return out


def lane_label(c: Mapping[str, Any], i: int) -> str:
    params = c.get("params") or {}
    parts = [c["name"]]
    if "lr" in params:
        parts.append(f"lr={params['lr']:g}")
    if params.get("momentum"):
        parts.append(f"μ={params['momentum']:g}")
    return " ".join(parts)


class Group:
    """Optimizer configs sharing one update rule, stacked on a leading axis."""

    def __init__(self, name: str, members: list[int], specs: list[dict], steps: int):
        self.members = np.asarray(members)
        rows = [specs[i] for i in members]
        full = [registry.resolve("optimizer", name, r["params"]) for r in rows]
        clips = [r["clip_norm"] for r in rows]
        clip = (
            None
            if all(c is None for c in clips)
            else np.array([np.inf if c is None else c for c in clips], dtype=np.float64)
        )
        self.opt = optimizers.create(name, clip_norm=clip, **stack_hyperparams(full))
        t = np.arange(steps, dtype=np.float64)
        rules = [
            schedules.create(r["schedule"]["name"], f["lr"], steps=steps, **r["schedule"]["params"])
            for r, f in zip(rows, full, strict=True)
        ]
        self.lrs = np.stack([np.broadcast_to(rule(t), (steps,)) for rule in rules])
        # (k, steps): lrs[:, t] is the rate of update t + 1
        self.lr_cols = np.ascontiguousarray(self.lrs.T)[:, :, None, None]  # aligned per step
        self.cycled = cycled_momentum(name, rules, full, t)  # None, or (key, (k, steps))
        self.over_cols = (
            None
            if self.cycled is None
            else np.ascontiguousarray(self.cycled[1].T)[:, :, None, None]
        )
        self.m_name, self.v_name = self.opt.moments
        # torch keeps no momentum buffer when momentum is 0: show no first moment there
        mu = np.asarray(self.opt.hyper.get("momentum", 1.0), dtype=np.float64)
        if self.cycled is not None and self.cycled[0] == "momentum":
            mu = np.max(self.cycled[1], axis=1)
        self.m_lanes = np.broadcast_to(mu != 0, (len(members),))[:, None, None]
        if not self.m_lanes.any():
            self.m_name = None

    def over(self, k: int) -> dict[str, Any] | None:
        """The hyperparameter a schedule sets for update k (a cycled momentum or β₁), or None:
        aligned with the group's stacked lanes."""
        if self.over_cols is None:
            return None
        return {self.cycled[0]: self.over_cols[k - 1]}


def cycled_momentum(name: str, rules: list, full: list[dict], t: np.ndarray):
    """(the hyperparameter, its value per lane and step) where a lane's schedule cycles the
    momentum (torch's cycle_momentum); lanes that do not keep their own value. None if no
    lane cycles. An optimizer with neither momentum nor betas cannot: ValueError, as torch."""
    curves = [getattr(rule, "momentum", None) for rule in rules]
    if all(c is None for c in curves):
        return None
    optimizers.check_cycle(name, rules[[c is not None for c in curves].index(True)])
    key = optimizers.momentum_key(name)
    rows = []
    for c, f in zip(curves, full, strict=True):
        own = f["betas"][0] if key == "beta1" else f.get("momentum", 0.0)
        rows.append(np.broadcast_to(c(t) if c is not None else own, t.shape))
    return key, np.stack(rows).astype(np.float64)


def stack_hyperparams(dicts: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-lane parameter dicts (same keys) → one dict; values that differ become arrays."""
    out: dict[str, Any] = {}
    for k in dicts[0]:
        values = [d[k] for d in dicts]
        if all(np.array_equal(np.asarray(v), np.asarray(values[0])) for v in values):
            out[k] = values[0]
        elif isinstance(values[0], list | tuple):  # betas: a pair of per-lane arrays
            out[k] = tuple(np.array([v[j] for v in values], dtype=np.float64) for j in range(2))
        else:
            out[k] = np.array(values)
    return out


NAN = float("nan")

"""Learning-rate schedules: the closed forms of torch.optim.lr_scheduler as plain functions.

    lr_at = schedules.create("cosine", lr=0.1, T_max=100)
    lr_at(0)              # 0.1: the rate of the first update
    lr_at(np.arange(200)) # the whole curve in one call (the UI's preview)

`lr_at(t)` is the rate after t calls of torch's `scheduler.step()`, so update k (1-based)
uses `lr_at(k - 1)`. Everything broadcasts: `lr` may be an array of per-lane base rates
(then pass a scalar t, or `t[:, None]` for per-lane curves).

Where torch needs the run's length (CosineAnnealingLR's T_max, OneCycleLR's total_steps)
and none is given, `create(..., steps=N)` fills it in. CyclicLR and OneCycleLR are the
learning-rate part only (torch's `cycle_momentum=False`); OneCycleLR holds its final rate
after `total_steps` where torch raises an error. `reduce_on_plateau` reacts to a metric, so
it is not a function of t: see `ReduceLROnPlateau` (MLP runs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from engine import registry
from engine.registry import Param

Schedule = Callable[[Any], np.ndarray]


_p = registry.param


_GAMMA = _p(
    "gamma",
    "float",
    0.1,
    0.0,
    1.0,
    en="Multiplicative factor γ of each decay.",
    ko="감쇠할 때 곱하는 비율 γ.",
)
_ETA_MIN = _p(
    "eta_min",
    "float",
    0.0,
    0.0,
    10.0,
    en="Lowest learning rate η_min.",
    ko="가장 작은 학습률 η_min.",
)
_T_MAX = _p(
    "T_max",
    "int",
    None,
    1,
    1_000_000,
    en="Half-period of the cosine, in steps (default: the run's length).",
    ko="코사인 반주기(스텝 수, 기본값: 전체 길이).",
    nullable=True,
)

_BUILDERS: dict[str, Callable[..., Schedule]] = {}


def _register(name, label_en, label_ko, help_en, help_ko, params, info=None):
    def deco(builder):
        registry.register(
            registry.Entry(
                "schedule",
                name,
                label_en,
                label_ko,
                help_en,
                help_ko,
                tuple(params),
                MappingProxyType(info or {}),
            )
        )
        _BUILDERS[name] = builder
        return builder

    return deco


def _cos_anneal(lr, eta_min, t_cur, t_i):
    return eta_min + (lr - eta_min) * (1.0 + np.cos(np.pi * t_cur / t_i)) / 2.0


@_register(
    "constant",
    "Constant",
    "고정 학습률",
    "The same learning rate at every step.",
    "모든 스텝에서 같은 학습률을 씁니다.",
    [],
)
def _constant(lr):
    return lambda t: lr * np.ones_like(np.asarray(t, dtype=np.float64))


@_register(
    "step",
    "Step decay (StepLR)",
    "계단식 감쇠 (StepLR)",
    "Multiply the rate by γ every step_size steps: lr·γ^⌊t/step_size⌋.",
    "step_size 스텝마다 학습률에 γ를 곱합니다: lr·γ^⌊t/step_size⌋.",
    [
        _p(
            "step_size",
            "int",
            100,
            1,
            1_000_000,
            en="Steps between decays.",
            ko="감쇠 사이의 스텝 수.",
        ),
        _GAMMA,
    ],
)
def _step(lr, step_size, gamma):
    return lambda t: lr * gamma ** np.floor_divide(np.asarray(t), step_size)


@_register(
    "multistep",
    "Multi-step decay (MultiStepLR)",
    "다중 계단식 감쇠 (MultiStepLR)",
    "Multiply the rate by γ at each milestone step.",
    "지정한 마일스톤 스텝마다 학습률에 γ를 곱합니다.",
    [
        _p(
            "milestones",
            "int_list",
            (100, 200),
            0,
            1_000_000,
            en="Steps at which the rate drops (increasing).",
            ko="학습률이 떨어지는 스텝들 (증가하는 순서).",
        ),
        _GAMMA,
    ],
)
def _multistep(lr, milestones, gamma):
    ms = np.sort(np.asarray(milestones, dtype=np.float64))
    return lambda t: lr * gamma ** np.searchsorted(ms, np.asarray(t), side="right")


@_register(
    "exponential",
    "Exponential decay (ExponentialLR)",
    "지수 감쇠 (ExponentialLR)",
    "Multiply the rate by γ at every step: lr·γᵗ.",
    "매 스텝 학습률에 γ를 곱합니다: lr·γᵗ.",
    [_p("gamma", "float", 0.99, 0.0, 1.0, en="Factor γ per step.", ko="스텝마다 곱하는 γ.")],
)
def _exponential(lr, gamma):
    return lambda t: lr * gamma ** np.asarray(t, dtype=np.float64)


@_register(
    "cosine",
    "Cosine annealing (CosineAnnealingLR)",
    "코사인 감쇠 (CosineAnnealingLR)",
    "Half a cosine from lr down to η_min over T_max steps (it rises again after, as "
    "torch's closed form does).",
    "T_max 스텝 동안 lr에서 η_min까지 코사인 곡선으로 줄어듭니다 (이후 다시 올라갑니다).",
    [_T_MAX, _ETA_MIN],
)
def _cosine(lr, T_max, eta_min):
    return lambda t: _cos_anneal(lr, eta_min, np.asarray(t, dtype=np.float64), T_max)


@_register(
    "cosine_restarts",
    "Cosine with warm restarts (SGDR)",
    "웜 리스타트 코사인 (SGDR)",
    "Cosine annealing that restarts at lr after T_0 steps; each cycle T_mult times longer.",
    "T_0 스텝마다 학습률을 다시 lr로 올리는 코사인 감쇠; 주기는 T_mult배씩 길어집니다.",
    [
        _p("T_0", "int", 100, 1, 1_000_000, en="Length of the first cycle.", ko="첫 주기의 길이."),
        _p(
            "T_mult",
            "int",
            1,
            1,
            10,
            en="Factor by which each cycle grows.",
            ko="주기가 길어지는 배수.",
        ),
        _ETA_MIN,
    ],
)
def _cosine_restarts(lr, T_0, T_mult, eta_min):
    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        if T_mult == 1:
            return _cos_anneal(lr, eta_min, np.mod(t, T_0), T_0)
        n = np.floor(np.log(t / T_0 * (T_mult - 1) + 1) / np.log(T_mult))
        t_cur = t - T_0 * (T_mult**n - 1) / (T_mult - 1)
        return _cos_anneal(lr, eta_min, t_cur, T_0 * T_mult**n)

    return lr_at


@_register(
    "cyclic",
    "Cyclic (CyclicLR)",
    "주기적 학습률 (CyclicLR)",
    "The rate cycles between base_lr and max_lr (triangular, triangular2 halving each "
    "cycle, or exp_range decaying by γᵗ).",
    "학습률이 base_lr과 max_lr 사이를 오갑니다 (triangular, 매 주기 절반인 triangular2, "
    "γᵗ로 줄어드는 exp_range).",
    [
        _p(
            "base_lr",
            "float",
            None,
            1e-6,
            10.0,
            True,
            "Lower bound (default: lr).",
            "하한 (기본값: lr).",
            nullable=True,
        ),
        _p(
            "max_lr",
            "float",
            None,
            1e-6,
            10.0,
            True,
            "Upper bound (default: 10 × base_lr).",
            "상한 (기본값: 10 × base_lr).",
            nullable=True,
        ),
        _p(
            "step_size_up",
            "int",
            50,
            1,
            1_000_000,
            en="Steps of the rising half.",
            ko="올라가는 구간의 스텝 수.",
        ),
        _p(
            "step_size_down",
            "int",
            None,
            1,
            1_000_000,
            en="Steps of the falling half (default: step_size_up).",
            ko="내려가는 구간의 스텝 수 (기본값: step_size_up).",
            nullable=True,
        ),
        _p(
            "mode",
            "choice",
            "triangular",
            choices=("triangular", "triangular2", "exp_range"),
            en="Shape of the cycle.",
            ko="주기의 모양.",
        ),
        _p("gamma", "float", 1.0, 0.0, 1.0, en="Decay γᵗ of exp_range.", ko="exp_range의 감쇠 γᵗ."),
    ],
)
def _cyclic(lr, base_lr, max_lr, step_size_up, step_size_down, mode, gamma):
    lo = lr if base_lr is None else base_lr
    hi = 10.0 * np.asarray(lo) if max_lr is None else max_lr
    down = step_size_up if step_size_down is None else step_size_down
    total = float(step_size_up + down)
    ratio = step_size_up / total

    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        cycle = np.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        scale = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        height = (hi - lo) * scale
        if mode == "triangular2":
            height = height / 2.0 ** (cycle - 1)
        elif mode == "exp_range":
            height = height * gamma**t
        return lo + height

    return lr_at


@_register(
    "one_cycle",
    "One-cycle (OneCycleLR)",
    "원 사이클 (OneCycleLR)",
    "Warm up from max_lr/div_factor to max_lr, then anneal to a tiny final rate.",
    "max_lr/div_factor에서 max_lr까지 올린 뒤 아주 작은 학습률까지 내립니다.",
    [
        _p(
            "max_lr",
            "float",
            None,
            1e-6,
            10.0,
            True,
            "Peak rate (default: lr).",
            "최대 학습률 (기본값: lr).",
            nullable=True,
        ),
        _p(
            "total_steps",
            "int",
            None,
            2,
            1_000_000,
            en="Length of the cycle (default: the run's length).",
            ko="주기 길이 (기본값: 전체 길이).",
            nullable=True,
        ),
        _p(
            "pct_start",
            "float",
            0.3,
            0.0,
            1.0,
            en="Fraction of the cycle spent rising.",
            ko="올라가는 구간의 비율.",
        ),
        _p(
            "anneal_strategy",
            "choice",
            "cos",
            choices=("cos", "linear"),
            en="Shape of each phase.",
            ko="각 구간의 곡선 모양.",
        ),
        _p(
            "div_factor",
            "float",
            25.0,
            1.0,
            1e6,
            True,
            en="initial_lr = max_lr/div_factor.",
            ko="initial_lr = max_lr/div_factor.",
        ),
        _p(
            "final_div_factor",
            "float",
            1e4,
            1.0,
            1e9,
            True,
            en="min_lr = initial_lr/final_div_factor.",
            ko="min_lr = initial_lr/final_div_factor.",
        ),
    ],
)
def _one_cycle(lr, max_lr, total_steps, pct_start, anneal_strategy, div_factor, final_div_factor):
    peak = lr if max_lr is None else max_lr
    initial = np.asarray(peak) / div_factor
    final = initial / final_div_factor
    end1 = float(pct_start * total_steps) - 1.0
    end2 = float(total_steps) - 1.0

    def anneal(start, end, pct):
        if anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1.0)
        return (end - start) * pct + start

    def lr_at(t):
        t = np.minimum(np.asarray(t, dtype=np.float64), end2)
        rising = anneal(initial, peak, t / end1) if end1 > 0 else peak
        falling = anneal(peak, final, (t - end1) / (end2 - end1))
        return np.where(t <= end1, rising, falling)

    return lr_at


@_register(
    "linear",
    "Linear (LinearLR, warm-up)",
    "선형 (LinearLR, 웜업)",
    "Scale the rate linearly from start_factor to end_factor over total_iters steps; "
    "the usual linear warm-up.",
    "total_iters 스텝 동안 학습률 배율을 start_factor에서 end_factor로 선형으로 바꿉니다; "
    "흔히 쓰는 선형 웜업입니다.",
    [
        _p(
            "start_factor",
            "float",
            1.0 / 3.0,
            1e-8,
            1.0,
            en="Factor at step 0.",
            ko="0번째 스텝의 배율.",
        ),
        _p(
            "end_factor",
            "float",
            1.0,
            0.0,
            1.0,
            en="Factor from total_iters on.",
            ko="total_iters 이후의 배율.",
        ),
        _p(
            "total_iters",
            "int",
            5,
            1,
            1_000_000,
            en="Steps of the linear change.",
            ko="선형으로 바뀌는 스텝 수.",
        ),
    ],
)
def _linear(lr, start_factor, end_factor, total_iters):
    def lr_at(t):
        frac = np.minimum(np.asarray(t, dtype=np.float64), total_iters) / total_iters
        return lr * (start_factor + (end_factor - start_factor) * frac)

    return lr_at


@_register(
    "warmup_cosine",
    "Warm-up then cosine",
    "웜업 후 코사인",
    "Linear warm-up (LinearLR) for total_iters steps, then cosine annealing over T_max "
    "steps: torch's SequentialLR of the two.",
    "total_iters 스텝 동안 선형 웜업(LinearLR)한 뒤 T_max 스텝 동안 코사인 감쇠합니다: "
    "torch의 SequentialLR 조합.",
    [
        _p(
            "start_factor",
            "float",
            0.01,
            1e-8,
            1.0,
            en="Warm-up factor at step 0.",
            ko="0번째 스텝의 웜업 배율.",
        ),
        _p("total_iters", "int", 50, 1, 1_000_000, en="Warm-up steps.", ko="웜업 스텝 수."),
        _p(
            "T_max",
            "int",
            None,
            1,
            1_000_000,
            en="Cosine steps after the warm-up (default: the rest of the run).",
            ko="웜업 이후 코사인 스텝 수 (기본값: 남은 길이).",
            nullable=True,
        ),
        _ETA_MIN,
    ],
)
def _warmup_cosine(lr, start_factor, total_iters, T_max, eta_min):
    warm = _linear(lr, start_factor, 1.0, total_iters)
    cos = _cosine(lr, T_max, eta_min)

    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        return np.where(t < total_iters, warm(t), cos(np.maximum(t - total_iters, 0.0)))

    return lr_at


# reduce_on_plateau is registered for the catalog; it is driven by a metric, not by t.
registry.register(
    registry.Entry(
        "schedule",
        "reduce_on_plateau",
        "Reduce on plateau (ReduceLROnPlateau)",
        "정체 시 감소 (ReduceLROnPlateau)",
        "Multiply the rate by factor when the validation loss has not improved for patience "
        "epochs (MLP runs only).",
        "검증 손실이 patience 에포크 동안 나아지지 않으면 학습률에 factor를 곱합니다 (MLP 전용).",
        (
            _p(
                "factor",
                "float",
                0.1,
                1e-6,
                0.999999,
                en="Factor applied on a plateau.",
                ko="정체 시 곱하는 비율.",
            ),
            _p(
                "patience",
                "int",
                10,
                0,
                10_000,
                en="Epochs without improvement before reducing.",
                ko="감소 전 기다리는 에포크 수.",
            ),
            _p(
                "threshold",
                "float",
                1e-4,
                0.0,
                1.0,
                True,
                en="Relative improvement that counts.",
                ko="개선으로 인정하는 상대 변화.",
            ),
            _p(
                "cooldown",
                "int",
                0,
                0,
                10_000,
                en="Epochs to wait after a reduction.",
                ko="감소 후 대기 에포크 수.",
            ),
            _p("min_lr", "float", 0.0, 0.0, 10.0, en="Lowest rate.", ko="최소 학습률."),
        ),
        MappingProxyType({"mlp_only": True}),
    )
)


class PlateauState(NamedTuple):
    lr: np.ndarray
    best: np.ndarray
    bad_epochs: np.ndarray
    cooldown: np.ndarray


@dataclass(frozen=True)
class ReduceLROnPlateau:
    """torch's ReduceLROnPlateau (mode="min", threshold_mode="rel", eps=1e-8), per lane."""

    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    cooldown: int = 0
    min_lr: float = 0.0
    eps: float = 1e-8

    def init(self, lr: Any) -> PlateauState:
        lr = np.asarray(lr, dtype=np.float64)
        zeros = np.zeros(lr.shape, dtype=np.int64)
        return PlateauState(lr, np.full(lr.shape, np.inf), zeros, zeros)

    def update(self, state: PlateauState, metric: Any) -> PlateauState:
        """One epoch's metric (per lane) in, the new state (with the rate to use) out."""
        metric = np.asarray(metric, dtype=np.float64)
        better = metric < state.best * (1.0 - self.threshold)
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


def names(*, include_mlp_only: bool = True) -> list[str]:
    return [
        e.name
        for e in registry.entries("schedule")
        if include_mlp_only or not e.info.get("mlp_only")
    ]


def create(name: str, lr: Any = 1e-3, *, steps: int | None = None, **params: Any) -> Schedule:
    """`lr_at(t)` for schedule `name` with base rate `lr`; `steps` fills run-length defaults."""
    if name == "reduce_on_plateau":
        raise ValueError(
            "reduce_on_plateau follows a validation metric: use ReduceLROnPlateau (MLP runs)"
        )
    entry = registry.get("schedule", name)
    values = registry.resolve("schedule", name, params)
    for key in ("T_max", "total_steps"):
        if key in values and values[key] is None:
            if steps is None:
                raise ValueError(f"schedule {name!r} needs {key} (or the run's steps)")
            rest = steps - values.get("total_iters", 0) if name == "warmup_cosine" else steps
            values[key] = max(int(rest), 1 if key == "T_max" else 2)
    for p in entry.params:
        _check(name, p, values[p.name])
    if name == "multistep" and list(values["milestones"]) != sorted(values["milestones"]):
        raise ValueError("schedule 'multistep': milestones must be increasing")
    return _BUILDERS[name](lr, **values)


def _check(schedule: str, p: Param, value: Any) -> None:
    if value is None:
        if not p.nullable:
            raise ValueError(f"schedule {schedule!r}: {p.name} is required")
        return
    if p.type == "choice":
        if value not in p.choices:
            raise ValueError(f"schedule {schedule!r}: {p.name} must be one of {list(p.choices)}")
        return
    values = list(value) if p.type == "int_list" else [value]
    for v in values:
        if p.type in ("int", "int_list") and (isinstance(v, bool) or int(v) != v):
            raise ValueError(f"schedule {schedule!r}: {p.name} must be an integer")
        if (
            not np.isfinite(v)
            or (p.low is not None and v < p.low)
            or (p.high is not None and v > p.high)
        ):
            raise ValueError(f"schedule {schedule!r}: {p.name} must be in [{p.low}, {p.high}]")

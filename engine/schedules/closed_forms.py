"""The schedules that are functions of the step t, in torch's closed forms."""

from __future__ import annotations

import numpy as np

from engine.schedules.base import (
    COMPOSABLE,
    CYCLE_MOMENTUM,
    ETA_MIN,
    GAMMA,
    T_MAX,
    cos_anneal,
    param,
    register,
    torch_cosine,
)

# Registration tables: one parameter a line or two, as written (not reformatted).
# fmt: off


@register(
    "constant",
    [],
)
def _constant(lr):
    return lambda t: lr * np.ones_like(np.asarray(t, dtype=np.float64))


@register(
    "step",
    [
        param("step_size", "int", 100, 1, 1_000_000, en="Steps between decays.",
            ko="감쇠 사이의 스텝 수."),
        GAMMA,
    ],
)
def _step(lr, step_size, gamma):
    return lambda t: lr * gamma ** np.floor_divide(np.asarray(t), step_size)


@register(
    "multistep",
    [
        param("milestones", "int_list", (100, 200), 0, 1_000_000,
            en="Steps at which the rate drops (increasing).",
            ko="학습률이 떨어지는 스텝들 (증가하는 순서)."),
        GAMMA,
    ],
)
def _multistep(lr, milestones, gamma):
    ms = np.sort(np.asarray(milestones, dtype=np.float64))
    return lambda t: lr * gamma ** np.searchsorted(ms, np.asarray(t), side="right")


@register(
    "exponential",
    [param("gamma", "float", 0.99, 0.0, 1.0, en="Factor γ per step.", ko="스텝마다 곱하는 γ.")],
)
def _exponential(lr, gamma):
    return lambda t: lr * gamma ** np.asarray(t, dtype=np.float64)


@register(
    "cosine",
    [T_MAX, ETA_MIN],
)
def _cosine(lr, T_max, eta_min):
    cache: dict = {}  # the recursion so far (a trainer asks for it epoch after epoch)
    return lambda t: torch_cosine(lr, eta_min, T_max, t, cache)


@register(
    "cosine_restarts",
    [
        param("T_0", "int", 100, 1, 1_000_000, en="Length of the first cycle.",
              ko="첫 주기의 길이."),
        param("T_mult", "int", 1, 1, 10, en="Factor by which each cycle grows.",
            ko="주기가 길어지는 배수."),
        ETA_MIN,
    ],
)
def _cosine_restarts(lr, T_0, T_mult, eta_min):
    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        if T_mult == 1:
            return cos_anneal(lr, eta_min, np.mod(t, T_0), T_0)
        # cycle n starts at T_0(T_mult^n − 1)/(T_mult − 1): the logarithm finds n, and one
        # exact comparison either way fixes its rounding at a restart (t = 121 with T_0 = 1,
        # T_mult = 3 gives log₃ 243 = 4.9999…: a full rate, not the cycle's end)
        start = lambda k: T_0 * (T_mult**k - 1) / (T_mult - 1)  # noqa: E731
        n = np.floor(np.log(t / T_0 * (T_mult - 1) + 1) / np.log(T_mult))
        n = np.where(t >= start(n + 1), n + 1, n)
        n = np.where(t < start(n), n - 1, n)
        return cos_anneal(lr, eta_min, t - start(n), T_0 * T_mult**n)

    return lr_at


@register(
    "cyclic",
    [
        param("base_lr", "float", None, 1e-6, 10.0, True, "Lower bound (default: lr).",
            "하한 (기본값: lr).", nullable=True),
        param("max_lr", "float", None, 1e-6, 10.0, True, "Upper bound (default: 10 × base_lr).",
            "상한 (기본값: 10 × base_lr).", nullable=True),
        param("step_size_up", "int", 50, 1, 1_000_000, en="Steps of the rising half.",
            ko="올라가는 구간의 스텝 수."),
        param("step_size_down", "int", None, 1, 1_000_000,
            en="Steps of the falling half (default: step_size_up).",
            ko="내려가는 구간의 스텝 수 (기본값: step_size_up).", nullable=True),
        param("mode", "choice", "triangular", choices=("triangular", "triangular2", "exp_range"),
            en="Shape of the cycle.", ko="주기의 모양."),
        param("gamma", "float", 1.0, 0.0, 1.0, en="Decay γᵗ of exp_range.",
            ko="exp_range의 감쇠 γᵗ."),
        CYCLE_MOMENTUM,
        param("base_momentum", "float", 0.8, 0.0, 0.999, en="Momentum at the rate's peak.",
            ko="학습률이 가장 높을 때의 모멘텀."),
        param("max_momentum", "float", 0.9, 0.0, 0.999, en="Momentum at the rate's low.",
            ko="학습률이 가장 낮을 때의 모멘텀."),
    ],
)
def _cyclic(lr, base_lr, max_lr, step_size_up, step_size_down, mode, gamma, cycle_momentum,
            base_momentum, max_momentum):  # fmt: skip
    lo = lr if base_lr is None else base_lr
    hi = 10.0 * np.asarray(lo) if max_lr is None else max_lr
    down = step_size_up if step_size_down is None else step_size_down
    total = float(step_size_up + down)
    ratio = step_size_up / total

    def shape(t):  # torch's scale factor, and its scale_fn of the cycle or of t
        cycle = np.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        scale = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        if mode == "triangular2":
            return scale, 1 / (2.0 ** (cycle - 1))
        return scale, (gamma**t if mode == "exp_range" else 1.0)

    def lr_at(t):
        scale, fn = shape(np.asarray(t, dtype=np.float64))
        return lo + (hi - lo) * scale * fn

    def momentum_at(t):  # inversely: max_momentum at the rate's low
        scale, fn = shape(np.asarray(t, dtype=np.float64))
        return max_momentum - (max_momentum - base_momentum) * scale * fn

    if cycle_momentum:
        lr_at.momentum = momentum_at  # type: ignore[attr-defined]
    return lr_at


@register(
    "one_cycle",
    [
        param("max_lr", "float", None, 1e-6, 10.0, True, "Peak rate (default: lr).",
            "최대 학습률 (기본값: lr).", nullable=True),
        param("total_steps", "int", None, 2, 1_000_000,
            en="Length of the cycle (default: the run's length).",
            ko="주기 길이 (기본값: 전체 길이).", nullable=True),
        param("pct_start", "float", 0.3, 0.0, 1.0, en="Fraction of the cycle spent rising.",
            ko="올라가는 구간의 비율."),
        param("anneal_strategy", "choice", "cos", choices=("cos", "linear"),
            en="Shape of each phase.", ko="각 구간의 곡선 모양."),
        CYCLE_MOMENTUM,
        param("base_momentum", "float", 0.85, 0.0, 0.999, en="Momentum at the peak rate.",
            ko="학습률이 최대일 때의 모멘텀."),
        param("max_momentum", "float", 0.95, 0.0, 0.999, en="Momentum at the start and the end.",
            ko="처음과 끝의 모멘텀."),
        param("div_factor", "float", 25.0, 1.0, 1e6, True, en="initial_lr = max_lr/div_factor.",
            ko="initial_lr = max_lr/div_factor."),
        param("final_div_factor", "float", 1e4, 1.0, 1e9, True,
            en="min_lr = initial_lr/final_div_factor.",
            ko="min_lr = initial_lr/final_div_factor."),
        param("three_phase", "bool", False,
            en="Three phases (Smith's paper): up, back down to initial_lr, then to min_lr.",
            ko="세 구간 (Smith의 논문): 올라갔다가 initial_lr로 내려온 뒤 min_lr까지 내려갑니다."),
    ],
)
def _one_cycle(lr, max_lr, total_steps, pct_start, anneal_strategy, cycle_momentum,
               base_momentum, max_momentum, div_factor, final_div_factor, three_phase):  # fmt: skip
    if float(pct_start * total_steps) - 1 == 0:  # torch divides 0 by 0 at step 0 (and raises)
        raise ValueError("pct_start: pct_start × total_steps is 1, a rising phase of no steps")
    peak = np.asarray(lr if max_lr is None else max_lr, dtype=np.float64)
    initial = peak / div_factor
    final = initial / final_div_factor
    hi_m, lo_m = max_momentum, base_momentum
    if three_phase:  # (end step, lr from, lr to, momentum from, momentum to), as torch's
        phases = [(float(pct_start * total_steps) - 1, initial, peak, hi_m, lo_m),
                  (float(2 * pct_start * total_steps) - 2, peak, initial, lo_m, hi_m),
                  (total_steps - 1, initial, final, hi_m, hi_m)]  # fmt: skip
    else:
        phases = [(float(pct_start * total_steps) - 1, initial, peak, hi_m, lo_m),
                  (total_steps - 1, peak, final, lo_m, hi_m)]  # fmt: skip

    def anneal(start, end, pct):
        if anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)
        return (end - start) * pct + start

    def along(t, which):
        """torch's get_lr: the first phase whose end is not passed (the last one past it,
        held at its end after total_steps, where torch raises)."""
        t = np.minimum(np.asarray(t, dtype=np.float64), total_steps - 1)
        out = np.zeros(np.broadcast_shapes(t.shape, peak.shape if which == 1 else ()))
        done = np.zeros(t.shape, dtype=bool)
        start_step = 0.0
        for i, phase in enumerate(phases):
            end_step = phase[0]
            here = ~done & ((t <= end_step) | (i == len(phases) - 1))
            if np.any(here):
                with np.errstate(divide="ignore", invalid="ignore"):
                    pct = (t - start_step) / (end_step - start_step)
                    value = anneal(phase[which], phase[which + 1], pct)
                out = np.where(here, value, out)
            done |= here
            start_step = end_step
        return out

    def lr_at(t):
        return along(t, 1)

    if cycle_momentum:
        lr_at.momentum = lambda t: along(t, 3)  # type: ignore[attr-defined]
    return lr_at


@register(
    "linear",
    [
        param("start_factor", "float", 1.0 / 3.0, 1e-8, 1.0, en="Factor at step 0.",
            ko="0번째 스텝의 배율."),
        param("end_factor", "float", 1.0, 0.0, 1.0, en="Factor from total_iters on.",
            ko="total_iters 이후의 배율."),
        param("total_iters", "int", 5, 1, 1_000_000, en="Steps of the linear change.",
            ko="선형으로 바뀌는 스텝 수."),
    ],
)
def _linear(lr, start_factor, end_factor, total_iters):
    def lr_at(t):
        frac = np.minimum(np.asarray(t, dtype=np.float64), total_iters) / total_iters
        return lr * (start_factor + (end_factor - start_factor) * frac)

    return lr_at


@register(
    "warmup_cosine",
    [
        param("start_factor", "float", 0.01, 1e-8, 1.0, en="Warm-up factor at step 0.",
            ko="0번째 스텝의 웜업 배율."),
        param("total_iters", "int", 50, 1, 1_000_000, en="Warm-up steps.", ko="웜업 스텝 수."),
        param("T_max", "int", None, 1, 1_000_000,
            en="Cosine steps after the warm-up (default: the rest of the run).",
            ko="웜업 이후 코사인 스텝 수 (기본값: 남은 길이).", nullable=True),
        ETA_MIN,
    ],
)
def _warmup_cosine(lr, start_factor, total_iters, T_max, eta_min):
    warm = _linear(lr, start_factor, 1.0, total_iters)
    cos = _cosine(lr, T_max, eta_min)

    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        return np.where(t < total_iters, warm(t), cos(np.maximum(t - total_iters, 0.0)))

    return lr_at


@register(
    "constant_factor",
    [
        param("factor", "float", 1.0 / 3.0, 0.0, 1.0, en="Factor of the rate until total_iters.",
            ko="total_iters 전까지 학습률에 곱하는 배율."),
        param("total_iters", "int", 5, 0, 1_000_000, en="Steps at the lowered rate.",
            ko="낮춘 학습률로 가는 스텝 수."),
    ],
)
def _constant_factor(lr, factor, total_iters):
    # torch's recursion: lr·factor, then at total_iters (lr·factor)·(1/factor); with
    # total_iters 0 torch's step 0 applies the factor and no step ever undoes it
    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        low = np.asarray(lr) * factor
        if total_iters == 0:
            return low + 0.0 * t
        back = low * (1.0 / factor) if factor != 0 else np.asarray(lr) * 1.0
        return np.where(t < total_iters, low, back)

    return lr_at


@register(
    "polynomial",
    [
        param("total_iters", "int", 5, 1, 1_000_000, en="Steps until the rate reaches 0.",
            ko="학습률이 0이 될 때까지의 스텝 수."),
        param("power", "float", 1.0, 0.0, 10.0, en="Power of the decay (1: linear).",
            ko="감쇠의 지수 (1이면 선형)."),
    ],
)
def _polynomial(lr, total_iters, power):
    def lr_at(t):
        frac = np.minimum(np.asarray(t, dtype=np.float64), total_iters) / total_iters
        return lr * (1.0 - frac) ** power

    return lr_at


@register(
    "multiplicative",
    [param("factor", "float", 0.99, 0.0, 1.0,
           en="Factor applied at every step (torch's lr_lambda returning a constant).",
           ko="스텝마다 곱하는 배율 (상수를 돌려주는 torch의 lr_lambda).")],
)
def _multiplicative(lr, factor):
    return lambda t: lr * factor ** np.asarray(t, dtype=np.float64)


# SequentialLR: registered here for its parameters; `create` builds it from its parts.
register(
    "sequential",
    [
        param("schedulers", "schedule_list",
              ({"name": "linear", "params": {"start_factor": 0.1, "total_iters": 50}},
               {"name": "cosine", "params": {}}),
              en="The schedules in turn, each restarted at its milestone (warm-up, then decay).",
              ko="차례로 쓰는 스케줄들, 각각 마일스톤에서 새로 시작합니다 (웜업 뒤 감쇠 등)."),
        param("milestones", "int_list", (50,), 1, 1_000_000,
              en="Steps at which the next schedule takes over (one fewer than the schedules).",
              ko="다음 스케줄로 넘어가는 스텝들 (스케줄 수보다 하나 적게)."),
    ],
    {"composite": True, "parts": list(COMPOSABLE)},  # a list of schedules, of these names
)(lambda lr, **_: None)  # built by schedules.create


# fmt: on

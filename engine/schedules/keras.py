"""Keras' learning-rate schedules (keras.optimizers.schedules, Keras 3) under their own
names and parameters, for students who meet them in `model.compile(optimizer=...)`.

Keras calls the schedule with the optimizer's iteration count, 0 for the first update, the
same indexing as torch's schedulers here: lr_at(t) is the rate of update t + 1. The lane's
learning rate is Keras' `initial_learning_rate`. Each docstring says how the form differs
from torch's nearest scheduler.
"""

from __future__ import annotations

import math

import numpy as np

from engine.schedules.base import param, register

# Registration tables: one parameter a line or two, as written (not reformatted).
# fmt: off

_DECAY_STEPS = param("decay_steps", "int", 100, 1, 1_000_000, en="Steps per decay period.",
                     ko="감쇠 주기의 스텝 수.")
_STAIRCASE = param("staircase", "bool", False,
                   en="Decay in whole periods (floor of t/decay_steps).",
                   ko="주기 단위로 계단식 감쇠 (t/decay_steps의 내림).")
_ALPHA = param("alpha", "float", 0.0, 0.0, 1.0, en="Lowest rate as a fraction α of the peak.",
               ko="최저 학습률 (최고값에 대한 비율 α).")


def _periods(t, decay_steps, staircase):
    p = np.asarray(t, dtype=np.float64) / float(decay_steps)
    return np.floor(p) if staircase else p


@register(
    "keras_exponential_decay",
    [_DECAY_STEPS,
     param("decay_rate", "float", 0.96, 0.0, 1.0, en="Factor per decay_steps.",
           ko="decay_steps마다 곱하는 비율."),
     _STAIRCASE],
)
def _exponential_decay(lr, decay_steps, decay_rate, staircase):
    """lr·decay_rate^(t/decay_steps): torch's ExponentialLR with γ = decay_rate^(1/decay_steps)
    (a factor per period, not per step); staircase is StepLR(step_size=decay_steps)."""
    return lambda t: lr * decay_rate ** _periods(t, decay_steps, staircase)


@register(
    "keras_piecewise_constant_decay",
    [
        param("boundaries", "int_list", (100, 200), 0, 1_000_000,
              en="Steps after which the rate changes (increasing).",
              ko="학습률이 바뀌는 스텝들 (증가하는 순서)."),
        param("values", "float_list", None, 0.0, 10.0, nullable=True,
              en="The rates, one more than the boundaries (auto: lr, lr/10, lr/100, ...).",
              ko="학습률 값들, 경계보다 하나 많게 (자동: lr, lr/10, lr/100, ...)."),
    ],
)
def _piecewise_constant_decay(lr, boundaries, values):
    """values[i] while boundaries[i−1] < t ≤ boundaries[i]: any rates, where torch's
    MultiStepLR multiplies by one γ, and a boundary step still has the old rate (MultiStepLR
    changes at the milestone itself)."""
    bounds = np.asarray(boundaries, dtype=np.float64)
    if values is None:
        rates = [np.asarray(lr) * 0.1**i for i in range(len(bounds) + 1)]
    else:
        if len(values) != len(bounds) + 1:
            raise ValueError("values: give one more value than there are boundaries")
        rates = [np.asarray(v, dtype=np.float64) for v in values]

    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        out = rates[0] + 0.0 * t
        for b, rate in zip(bounds, rates[1:], strict=True):
            out = np.where(t > b, rate, out)
        return out

    return lr_at


@register(
    "keras_cosine_decay",
    [
        param("decay_steps", "int", None, 1, 1_000_000, nullable=True,
              en="Steps of the cosine (auto: the rest of the run after the warm-up).",
              ko="코사인 구간의 스텝 수 (자동: 웜업 뒤 남은 길이)."),
        _ALPHA,
        param("warmup_target", "float", None, 1e-6, 10.0, True, nullable=True,
              en="Rate reached by a linear warm-up from lr (auto: no warm-up).",
              ko="lr에서 선형 웜업으로 올라갈 학습률 (자동: 웜업 없음)."),
        param("warmup_steps", "int", 0, 0, 1_000_000, en="Steps of the warm-up.",
              ko="웜업 스텝 수."),
    ],
)
def _cosine_decay(lr, decay_steps, alpha, warmup_target, warmup_steps):
    """A linear warm-up from lr to warmup_target, then peak·((1−α)·½(1 + cos(πt/T)) + α), held
    at α·peak after decay_steps: torch's CosineAnnealingLR has an absolute η_min and rises
    again after T_max; Keras' warm-up and decay are one schedule (torch: SequentialLR)."""
    base = np.asarray(lr, dtype=np.float64)

    def decay(t, peak):
        cosine = 0.5 * (1.0 + np.cos(math.pi * (t / decay_steps)))
        return peak * ((1 - alpha) * cosine + alpha)

    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        if warmup_target is None:
            return decay(np.minimum(t, decay_steps), base)
        t = np.minimum(t, decay_steps + warmup_steps)
        with np.errstate(divide="ignore", invalid="ignore"):
            warm = (warmup_target - base) * (t / warmup_steps) + base
        return np.where(t < warmup_steps, warm, decay(t - warmup_steps, warmup_target))

    return lr_at


@register(
    "keras_cosine_decay_restarts",
    [
        param("first_decay_steps", "int", 100, 1, 1_000_000, en="Length of the first cycle.",
              ko="첫 주기의 길이."),
        param("t_mul", "float", 2.0, 1.0, 10.0, en="Factor by which each cycle grows.",
              ko="주기가 길어지는 배수."),
        param("m_mul", "float", 1.0, 0.0, 1.0, en="Factor of each restart's peak.",
              ko="다시 시작할 때마다 최고값에 곱하는 배수."),
        _ALPHA,
    ],
)
def _cosine_decay_restarts(lr, first_decay_steps, t_mul, m_mul, alpha):
    """SGDR: each cycle t_mul times longer and its peak m_mul times lower, down to α·peak:
    torch's CosineAnnealingWarmRestarts has an integer T_mult, no m_mul, and an absolute
    η_min."""

    def lr_at(t):
        frac = np.asarray(t, dtype=np.float64) / first_decay_steps
        if t_mul == 1.0:
            i = np.floor(frac)
            frac = frac - i
        else:
            i = np.floor(np.log(1.0 - frac * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul**i) / (1.0 - t_mul)
            frac = (frac - sum_r) / t_mul**i
        cosine = 0.5 * m_mul**i * (1.0 + np.cos(math.pi * frac))
        return lr * ((1 - alpha) * cosine + alpha)

    return lr_at


@register(
    "keras_polynomial_decay",
    [
        param("decay_steps", "int", None, 1, 1_000_000, nullable=True,
              en="Steps to reach the end rate (auto: the run's length).",
              ko="끝 학습률에 도달하는 스텝 수 (자동: 전체 길이)."),
        param("end_learning_rate", "float", 1e-4, 0.0, 10.0, en="Rate at the end.",
              ko="끝 학습률."),
        param("power", "float", 1.0, 0.0, 10.0, en="Power of the decay (1: linear).",
              ko="감쇠의 지수 (1이면 선형)."),
        param("cycle", "bool", False, en="Start again (decay_steps × ⌈t/decay_steps⌉).",
              ko="다시 시작 (decay_steps × ⌈t/decay_steps⌉)."),
    ],
)
def _polynomial_decay(lr, decay_steps, end_learning_rate, power, cycle):
    """(lr − end)·(1 − t/T)^power + end: torch's PolynomialLR decays to 0, not to an end rate,
    and cannot cycle."""

    def lr_at(t):
        t = np.asarray(t, dtype=np.float64)
        steps = float(decay_steps)
        if cycle:
            steps = steps * np.where(t == 0, 1.0, np.ceil(t / decay_steps))
        else:
            t = np.minimum(t, steps)
        return (lr - end_learning_rate) * (1 - t / steps) ** power + end_learning_rate

    return lr_at


@register(
    "keras_inverse_time_decay",
    [_DECAY_STEPS, param("decay_rate", "float", 0.5, 0.0, 100.0, en="Rate of the 1/t decay.",
                         ko="1/t 감쇠의 비율."), _STAIRCASE],
)
def _inverse_time_decay(lr, decay_steps, decay_rate, staircase):
    """lr/(1 + decay_rate·t/decay_steps): torch has no such scheduler (a LambdaLR would be)."""
    return lambda t: lr / (1.0 + decay_rate * _periods(t, decay_steps, staircase))


# fmt: on

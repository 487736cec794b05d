"""Optimizers with torch.optim's names, defaults and update rules, as pure functions.

    opt = optimizers.create("adam", lr=1e-3)
    state = opt.init(params)                            # params: (..., d)
    params, state = opt.step(params, grads, state)      # pure: nothing is mutated

An optimizer is a rule `(p, g, slots, t, h, lr) -> (p', slots')` plus the names of its state
slots, which are torch's own (`momentum_buffer`, `exp_avg`, `exp_avg_sq`, ...), so a student
can compare with `torch.optim.Optimizer.state`. The state is an immutable `OptState`; its
arrays are read-only.

Hyperparameters may be scalars or arrays: an array of shape `S` is aligned with the leading
axes of `params` (shape `S + rest`), so `lr=np.array([0.1, 0.01])` with params `(2, d)` runs
a two-lane learning-rate sweep in one call. `betas` is a pair whose members may be arrays.

Every rule's docstring gives its update in one line and says where Keras differs in *form*;
`keras_defaults(name)` gives Keras' default values under torch's parameter names.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from engine import registry
from engine.registry import Param

Array = np.ndarray


class OptState(NamedTuple):
    """Optimizer state: the number of steps taken and torch-named slot arrays."""

    step: int
    slots: Mapping[str, Array]


def _frozen(a: Any) -> Array:
    """A read-only view (the caller's own array is never touched)."""
    v = (a if type(a) is np.ndarray and a.dtype == np.float64 else np.asarray(a, np.float64)).view()
    v.flags.writeable = False
    return v


_PLAIN = (int, float)


def _l2(g: Array, p: Array, wd: Any) -> Array:
    """g + λp: torch's L2 penalty (skipped when λ is a plain 0, as torch skips it)."""
    if isinstance(wd, _PLAIN) and wd == 0:
        return g
    return g + wd * p


def _fit(a: Array, shape: tuple[int, ...]) -> Array:
    """`a` broadcast to `shape` (a per-lane hyperparameter can widen a result's shape)."""
    return a if a.shape == shape else np.broadcast_to(a, shape)


def _sel(flag: Any, a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    """np.where for a per-lane flag; a plain branch (only one side computed) for a bool."""
    if isinstance(flag, bool | np.bool_):
        return a() if flag else b()
    with np.errstate(divide="ignore", invalid="ignore"):  # the side not taken may be invalid
        return np.where(flag, a(), b())


# --------------------------------------------------------------------------- namespaces
# Every rule is written once, against a namespace `xp` of the few functions it needs beyond
# arithmetic: ARRAY runs it on NumPy arrays (any number of lanes, hyperparameters per lane),
# FLOAT on plain Python floats (one coordinate of one lane: the race kernel's fast path for
# a few lanes, where NumPy's per-call overhead would dominate). Both give the same bits:
# IEEE arithmetic, correctly rounded square roots, and the same order of operations.


class _ArrayOps:
    sqrt = staticmethod(np.sqrt)
    maximum = staticmethod(np.maximum)
    abs = staticmethod(np.abs)
    sel = staticmethod(_sel)

    @staticmethod
    def scalar(v: Any) -> bool:
        return np.ndim(v) == 0


NAN = float("nan")


def _fmax(a: float, b: float) -> float:
    """np.maximum for two floats: NaN if either is NaN."""
    if a >= b:
        return a
    return b if b >= a else NAN


class _FloatOps:
    """Plain floats. Where NumPy answers inf or NaN, Python raises (math.sqrt of a negative,
    an overflowing power, a division by zero): a caller catches ArithmeticError and
    ValueError and redoes that step with ARRAY on NumPy scalars, which answer as NumPy does."""

    sqrt = staticmethod(math.sqrt)
    maximum = staticmethod(_fmax)
    abs = staticmethod(abs)

    @staticmethod
    def sel(flag: Any, a: Callable[[], Any], b: Callable[[], Any]) -> Any:
        return a() if flag else b()

    @staticmethod
    def scalar(v: Any) -> bool:
        return True


ARRAY = _ArrayOps()
FLOAT = _FloatOps()


# --------------------------------------------------------------------------- update rules
# Each rule gets params p, gradient g, the slot dict, the new step count t (1-based, as in
# torch after `step += 1`), hyperparameters h (already aligned with p) and the learning rate.


def _sgd(p, g, s, t, h, lr, xp=ARRAY):
    """g ← g + λp; b ← μb + (1−τ)g (b₁ = g); g ← g + μb if nesterov else b; p ← p − ηg.

    Keras SGD keeps v ← μv − ηg and adds v: the same path for a constant η, but Keras folds η
    into the buffer, so the two differ once a schedule changes η.
    """
    g = _l2(g, p, h["weight_decay"])
    mu = h["momentum"]
    if t == 1:
        buf = g
    else:
        buf = mu * s["momentum_buffer"] + (1.0 - h["dampening"]) * g
    # torch skips the buffer entirely when momentum == 0 (then dampening has no effect)
    nesterov = h["nesterov"]
    d = buf if nesterov is False else xp.sel(nesterov, lambda: g + mu * buf, lambda: buf)
    if xp.scalar(mu):
        return p - lr * (d if mu != 0 else g), {"momentum_buffer": buf}
    d = np.where(mu != 0, d, g)
    return p - lr * d, {"momentum_buffer": buf}


def _adagrad(p, g, s, t, h, lr, xp=ARRAY):
    """Σ ← Σ + g²; p ← p − η/(1+(t−1)·decay) · g/(√Σ + ε).

    Keras puts ε inside the square root (g/√(Σ+ε)) and starts Σ at 0.1.
    """
    g = _l2(g, p, h["weight_decay"])
    clr = lr / (1.0 + (t - 1) * h["lr_decay"])
    acc = s["sum"] + g * g
    return p - clr * g / (xp.sqrt(acc) + h["eps"]), {"sum": acc}


def _rmsprop(p, g, s, t, h, lr, xp=ARRAY):
    """v ← αv + (1−α)g²; d = g/(√(v − ḡ²·centered) + ε); b ← μb + d; p ← p − η·(b or d).

    Keras puts ε inside the square root and defaults to ρ=0.9 (torch's α), ε=1e-7.
    """
    g = _l2(g, p, h["weight_decay"])
    a = h["alpha"]
    sq = a * s["square_avg"] + (1.0 - a) * g * g
    gavg = a * s["grad_avg"] + (1.0 - a) * g
    centered = h["centered"]
    var = sq if centered is False else xp.sel(centered, lambda: sq - gavg * gavg, lambda: sq)
    d = g / (xp.sqrt(var) + h["eps"])
    buf = h["momentum"] * s["momentum_buffer"] + d  # with momentum 0 this is just d
    return p - lr * buf, {"square_avg": sq, "grad_avg": gavg, "momentum_buffer": buf}


def _adadelta(p, g, s, t, h, lr, xp=ARRAY):
    """v ← ρv + (1−ρ)g²; Δ = √(u+ε)/√(v+ε)·g; u ← ρu + (1−ρ)Δ²; p ← p − ηΔ.

    Same form in Keras, whose defaults are η=0.001, ρ=0.95, ε=1e-7.
    """
    g = _l2(g, p, h["weight_decay"])
    rho = h["rho"]
    sq = rho * s["square_avg"] + (1.0 - rho) * g * g
    delta = xp.sqrt(s["acc_delta"] + h["eps"]) / xp.sqrt(sq + h["eps"]) * g
    acc = rho * s["acc_delta"] + (1.0 - rho) * delta * delta
    return p - lr * delta, {"square_avg": sq, "acc_delta": acc}


def _adam_core(p, g, s, t, h, lr, xp=ARRAY):
    b1, b2 = h["beta1"], h["beta2"]
    m = s["exp_avg"] + (1.0 - b1) * (g - s["exp_avg"])  # torch's lerp
    v = b2 * s["exp_avg_sq"] + (1.0 - b2) * g * g
    bc1 = 1.0 - b1**t
    bc2_sqrt = xp.sqrt(1.0 - b2**t)
    ams = h["amsgrad"]  # (a plain False, the default, skips the closures)
    vmax = v if ams is False else xp.sel(ams, lambda: xp.maximum(s["max_exp_avg_sq"], v), lambda: v)
    denom = xp.sqrt(vmax) / bc2_sqrt + h["eps"]
    slots = {"exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": vmax}
    return p - (lr / bc1) * m / denom, slots


def _adam(p, g, s, t, h, lr, xp=ARRAY):
    """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − η·m̂/(√v̂ + ε) (v̂ ← max under amsgrad).

    L2 penalty: g ← g + λp before the moments. Keras adds ε to √v before the √(1−β₂ᵗ)
    correction (its "epsilon hat") and defaults to ε=1e-7.
    """
    return _adam_core(p, _l2(g, p, h["weight_decay"]), s, t, h, lr, xp)


def _adamw(p, g, s, t, h, lr, xp=ARRAY):
    """p ← p(1 − ηλ), then the Adam step without L2: decay decoupled from the gradient.

    Keras AdamW decays the same way; its default weight_decay is 0.004 (torch: 0.01).
    """
    return _adam_core(p * (1.0 - lr * h["weight_decay"]), g, s, t, h, lr, xp)


def _decay(p, g, h, lr, xp):
    """Weight decay as L2 (into g) or decoupled (into p), as NAdam and RAdam offer."""
    wd = h["weight_decay"]
    dec = h["decoupled_weight_decay"]
    if dec is False:
        return p, _l2(g, p, wd)
    return (
        xp.sel(dec, lambda: p * (1.0 - lr * wd), lambda: p),
        xp.sel(dec, lambda: g, lambda: g + wd * p),
    )


def _nadam(p, g, s, t, h, lr, xp=ARRAY):
    """μₜ = β₁(1 − ½·0.96^(tψ)); p ← p − η(1−μₜ)/(1−Πμ)·g/d − ημₜ₊₁/(1−Πμ·μₜ₊₁)·m/d.

    d = √(v/(1−β₂ᵗ)) + ε. Keras Nadam uses the same momentum schedule (ψ = 0.004).
    """
    p, g = _decay(p, g, h, lr, xp)
    b1, b2, psi = h["beta1"], h["beta2"], h["momentum_decay"]
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
    mu_prod = s["mu_product"] * mu
    m = s["exp_avg"] + (1.0 - b1) * (g - s["exp_avg"])
    v = b2 * s["exp_avg_sq"] + (1.0 - b2) * g * g
    denom = xp.sqrt(v / (1.0 - b2**t)) + h["eps"]
    p = p - lr * (1.0 - mu) / (1.0 - mu_prod) * g / denom
    p = p - lr * mu_next / (1.0 - mu_prod * mu_next) * m / denom
    return p, {"exp_avg": m, "exp_avg_sq": v, "mu_product": mu_prod}


def _radam(p, g, s, t, h, lr, xp=ARRAY):
    """ρₜ = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ); if ρₜ > 5: p ← p − η·m̂·r·√(1−β₂ᵗ)/(√v + ε), else p ← p − η·m̂.

    r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ)). Keras core has no RAdam.
    """
    p, g = _decay(p, g, h, lr, xp)
    b1, b2 = h["beta1"], h["beta2"]
    m = s["exp_avg"] + (1.0 - b1) * (g - s["exp_avg"])
    v = b2 * s["exp_avg_sq"] + (1.0 - b2) * g * g
    bc2 = 1.0 - b2**t
    m_hat = m / (1.0 - b1**t)
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    rho_t = rho_inf - 2.0 * t * b2**t / bc2

    def rectified():  # computed (for all lanes) only when some lane has ρₜ > 5
        r = xp.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = xp.sqrt(bc2) / (xp.sqrt(v) + h["eps"])
        return m_hat * lr * adaptive * r

    step = xp.sel(rho_t > 5.0, rectified, lambda: m_hat * lr)
    return p - step, {"exp_avg": m, "exp_avg_sq": v}


def _adamax(p, g, s, t, h, lr, xp=ARRAY):
    """m ← β₁m + (1−β₁)g; u ← max(β₂u, |g| + ε); p ← p − η/(1−β₁ᵗ) · m/u.

    Keras adds ε to u in the denominator instead of inside the max.
    """
    g = _l2(g, p, h["weight_decay"])
    b1 = h["beta1"]
    m = s["exp_avg"] + (1.0 - b1) * (g - s["exp_avg"])
    u = xp.maximum(h["beta2"] * s["exp_inf"], xp.abs(g) + h["eps"])
    return p - lr / (1.0 - b1**t) * m / u, {"exp_avg": m, "exp_inf": u}


# --------------------------------------------------------------------------- the registry


_p = registry.param


_LR_HELP = ("Learning rate η: the size of each step.", "학습률 η: 한 번에 움직이는 보폭.")
_WD = _p(
    "weight_decay",
    "float",
    0.0,
    0.0,
    1.0,
    en="L2 penalty λ added to the gradient (λp).",
    ko="기울기에 더하는 L2 규제 λp.",
)
_EPS_HELP = (
    "ε added to the denominator for numerical stability.",
    "분모가 0이 되지 않도록 더하는 작은 값 ε.",
)
_BETAS = _p(
    "betas",
    "pair",
    (0.9, 0.999),
    0.0,
    0.999999,
    en="β₁, β₂: decay rates of the running mean of g and of g².",
    ko="β₁, β₂: 기울기와 기울기 제곱의 이동 평균 감쇠율.",
)
_AMSGRAD = _p(
    "amsgrad",
    "bool",
    False,
    en="AMSGrad: use the running maximum of v.",
    ko="AMSGrad: v의 최댓값을 사용합니다.",
)
_DECOUPLED = _p(
    "decoupled_weight_decay",
    "bool",
    False,
    en="Decay the weights directly (AdamW style) instead of adding λp to g.",
    ko="λp를 기울기에 더하는 대신 가중치를 직접 줄입니다 (AdamW 방식).",
)


def _lr(default, high=10.0):
    return _p("lr", "float", default, 1e-6, high, True, *_LR_HELP)


def _eps(default):
    return _p("eps", "float", default, 1e-12, 1.0, True, *_EPS_HELP)


@dataclass(frozen=True)
class _Spec:
    rule: Callable
    slots: tuple[str, ...]
    moments: tuple[str | None, str | None]  # which slots the inspector shows as m and v
    keras: Mapping[str, Any] | None


_SPECS: dict[str, _Spec] = {}


def _register(name, label_en, label_ko, help_en, help_ko, params, rule, slots, moments, keras):
    info = {"keras_defaults": dict(keras) if keras is not None else None, "slots": list(slots)}
    registry.register(
        registry.Entry(
            "optimizer",
            name,
            label_en,
            label_ko,
            help_en,
            help_ko,
            tuple(params),
            MappingProxyType(info),
        )
    )
    _SPECS[name] = _Spec(rule, tuple(slots), moments, keras)


_register(
    "gd",
    "Gradient descent",
    "경사 하강법",
    "Plain gradient descent: p ← p − η∇f. torch.optim.SGD without momentum.",
    "기본 경사 하강법: p ← p − η∇f. 모멘텀 없는 torch.optim.SGD.",
    [_lr(1e-3), _WD],
    _sgd,
    ("momentum_buffer",),
    (None, None),
    {"lr": 0.01},
)
_register(
    "sgd",
    "SGD",
    "SGD",
    "torch.optim.SGD: a velocity that accumulates past gradients (momentum), optional "
    "dampening and Nesterov look-ahead.",
    "torch.optim.SGD: 과거 기울기를 누적하는 속도(모멘텀), 선택적인 감쇠와 네스테로프 방식.",
    [
        _lr(1e-3),
        _p(
            "momentum",
            "float",
            0.0,
            0.0,
            0.999,
            en="Momentum μ: how much of the velocity is kept.",
            ko="모멘텀 μ: 이전 속도를 얼마나 유지할지.",
        ),
        _p(
            "dampening",
            "float",
            0.0,
            0.0,
            1.0,
            en="Dampening τ of the new gradient in the buffer.",
            ko="버퍼에 더하는 새 기울기의 감쇠 τ.",
        ),
        _WD,
        _p(
            "nesterov",
            "bool",
            False,
            en="Nesterov momentum: look ahead along the velocity.",
            ko="네스테로프 모멘텀: 속도 방향으로 미리 내다봅니다.",
        ),
    ],
    _sgd,
    ("momentum_buffer",),
    ("momentum_buffer", None),
    {"lr": 0.01, "momentum": 0.0},
)
_register(
    "adagrad",
    "Adagrad",
    "아다그라드",
    "Per-parameter steps η/√Σg²: large for rarely-moving coordinates, shrinking over time.",
    "파라미터마다 η/√Σg² 크기로 이동: 누적된 기울기가 클수록 보폭이 줄어듭니다.",
    [
        _lr(1e-2),
        _p(
            "lr_decay",
            "float",
            0.0,
            0.0,
            1.0,
            en="Learning-rate decay per step.",
            ko="스텝마다 학습률 감쇠.",
        ),
        _WD,
        _p(
            "initial_accumulator_value",
            "float",
            0.0,
            0.0,
            10.0,
            en="Starting value of the sum of squared gradients Σ.",
            ko="기울기 제곱 합 Σ의 초깃값.",
        ),
        _eps(1e-10),
    ],
    _adagrad,
    ("sum",),
    (None, "sum"),
    {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7},
)
_register(
    "rmsprop",
    "RMSprop",
    "알엠에스프롭",
    "Divides by a running RMS of recent gradients, so the step does not decay like Adagrad's.",
    "최근 기울기의 이동 평균 제곱근으로 나누어, 아다그라드처럼 보폭이 계속 줄지 않습니다.",
    [
        _lr(1e-2),
        _p(
            "alpha",
            "float",
            0.99,
            0.0,
            0.999999,
            en="Smoothing constant α (Keras: rho).",
            ko="평활 상수 α (Keras의 rho).",
        ),
        _eps(1e-8),
        _WD,
        _p(
            "momentum",
            "float",
            0.0,
            0.0,
            0.999,
            en="Momentum μ on the scaled step.",
            ko="조정된 스텝에 대한 모멘텀 μ.",
        ),
        _p(
            "centered",
            "bool",
            False,
            en="Centered: divide by the estimated variance of g.",
            ko="중심화: 기울기의 분산 추정값으로 나눕니다.",
        ),
    ],
    _rmsprop,
    ("square_avg", "grad_avg", "momentum_buffer"),
    ("momentum_buffer", "square_avg"),
    {"lr": 0.001, "alpha": 0.9, "eps": 1e-7},
)
_register(
    "adadelta",
    "Adadelta",
    "아다델타",
    "Adagrad's fix without a hand-set step size: units of the update match the parameters.",
    "학습률 없이도 동작하도록 아다그라드를 고친 방법: 갱신량의 단위가 파라미터와 같습니다.",
    [
        _lr(1.0),
        _p(
            "rho",
            "float",
            0.9,
            0.0,
            0.999999,
            en="Decay rate ρ of the running averages.",
            ko="이동 평균의 감쇠율 ρ.",
        ),
        _eps(1e-6),
        _WD,
    ],
    _adadelta,
    ("square_avg", "acc_delta"),
    ("acc_delta", "square_avg"),
    {"lr": 0.001, "rho": 0.95, "eps": 1e-7},
)
_register(
    "adam",
    "Adam",
    "아담",
    "Momentum (first moment m) plus RMSprop scaling (second moment v), both bias-corrected.",
    "모멘텀(1차 모멘트 m)과 RMSprop 방식 스케일링(2차 모멘트 v)을 합치고 편향을 보정합니다.",
    [_lr(1e-3), _BETAS, _eps(1e-8), _WD, _AMSGRAD],
    _adam,
    ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    ("exp_avg", "exp_avg_sq"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "amsgrad": False},
)
_register(
    "adamw",
    "AdamW",
    "AdamW",
    "Adam with decoupled weight decay: the weights shrink directly, not through the gradient.",
    "가중치 감쇠를 분리한 아담: 기울기가 아니라 가중치를 직접 줄입니다.",
    [
        _lr(1e-3),
        _BETAS,
        _eps(1e-8),
        _p(
            "weight_decay",
            "float",
            1e-2,
            0.0,
            1.0,
            en="Decoupled weight decay λ: p ← p(1 − ηλ).",
            ko="분리된 가중치 감쇠 λ: p ← p(1 − ηλ).",
        ),
        _AMSGRAD,
    ],
    _adamw,
    ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    ("exp_avg", "exp_avg_sq"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.004},
)
_register(
    "nadam",
    "NAdam",
    "NAdam",
    "Adam with Nesterov momentum: the step uses the next momentum value (a look-ahead).",
    "네스테로프 모멘텀을 쓰는 아담: 다음 모멘텀 값을 미리 사용합니다.",
    [
        _lr(2e-3),
        _BETAS,
        _eps(1e-8),
        _WD,
        _p(
            "momentum_decay",
            "float",
            4e-3,
            0.0,
            1.0,
            en="Momentum decay ψ of the μ schedule.",
            ko="모멘텀 스케줄의 감쇠 ψ.",
        ),
        _DECOUPLED,
    ],
    _nadam,
    ("exp_avg", "exp_avg_sq", "mu_product"),
    ("exp_avg", "exp_avg_sq"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7},
)
_register(
    "radam",
    "RAdam",
    "RAdam",
    "Rectified Adam: behaves like SGD with momentum until the variance estimate is reliable.",
    "보정된 아담: 분산 추정이 믿을 만해질 때까지 모멘텀 SGD처럼 움직입니다.",
    [_lr(1e-3), _BETAS, _eps(1e-8), _WD, _DECOUPLED],
    _radam,
    ("exp_avg", "exp_avg_sq"),
    ("exp_avg", "exp_avg_sq"),
    None,
)
_register(
    "adamax",
    "Adamax",
    "Adamax",
    "Adam with the infinity norm: divides by a decaying maximum of |g|.",
    "무한 노름을 쓰는 아담: |g|의 감쇠 최댓값으로 나눕니다.",
    [_lr(2e-3), _BETAS, _eps(1e-8), _WD],
    _adamax,
    ("exp_avg", "exp_inf"),
    ("exp_avg", "exp_inf"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7},
)

# Parameters every rule reads, fixed where an optimizer does not expose them (gd has no
# momentum; adam's L2 weight decay has no decoupled switch).
_FIXED = {
    "gd": {"momentum": 0.0, "dampening": 0.0, "nesterov": False},
    "nadam": {"amsgrad": False},
}


# --------------------------------------------------------------------------- the object


def _align(value: Any, ndim: int) -> Any:
    """Align a hyperparameter array with the leading axes of an `ndim`-dimensional params."""
    a = np.asarray(value)
    if a.ndim == 0:
        return a.item() if a.dtype != object else value
    if a.ndim > ndim:
        raise ValueError(f"hyperparameter of shape {a.shape} has more axes than params")
    return a.reshape(a.shape + (1,) * (ndim - a.ndim))


def clip_by_norm(grads: Array, max_norm: Any) -> Array:
    """Scale each lane's gradient so its norm over the last axis is at most `max_norm`."""
    norm = np.sqrt(np.sum(grads * grads, axis=-1, keepdims=True))
    scale = np.minimum(1.0, np.asarray(max_norm) / np.maximum(norm, 1e-300))
    return grads * scale


@dataclass(frozen=True)
class Optimizer:
    """A torch.optim rule with fixed hyperparameters; `init` and `step` are pure."""

    name: str
    hyper: Mapping[str, Any]
    clip_norm: Any = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def slot_names(self) -> tuple[str, ...]:
        return _SPECS[self.name].slots

    @property
    def moments(self) -> tuple[str | None, str | None]:
        """Slot names shown as the first moment m and second moment v (or None)."""
        return _SPECS[self.name].moments

    def init(self, params: Array) -> OptState:
        params = np.asarray(params, dtype=np.float64)
        h = self.hyper
        slots = {}
        for slot in self.slot_names:
            if slot == "sum":
                fill = np.broadcast_to(
                    _align(h["initial_accumulator_value"], params.ndim), params.shape
                )
                slots[slot] = _frozen(np.array(fill, dtype=np.float64))
            elif slot == "mu_product":
                slots[slot] = _frozen(np.ones(params.shape[:-1] + (1,)))
            else:
                slots[slot] = _frozen(np.zeros_like(params))
        return OptState(0, MappingProxyType(slots))

    def step(
        self, params: Array, grads: Array, state: OptState, lr: Any = None
    ) -> tuple[Array, OptState]:
        """One update. `lr` overrides the learning rate (a schedule's value, per lane)."""
        params = np.asarray(params, dtype=np.float64)
        grads = np.asarray(grads, dtype=np.float64)
        rate = None if lr is None else _align(lr, params.ndim)
        new_p, slots = self.advance(params, grads, state.slots, state.step + 1, rate)
        frozen = {k: _frozen(_fit(v, state.slots[k].shape)) for k, v in slots.items()}
        return _frozen(_fit(new_p, params.shape)), OptState(
            state.step + 1, MappingProxyType(frozen)
        )

    def advance(
        self, params: Array, grads: Array, slots: Mapping[str, Array], t: int, lr: Any = None
    ) -> tuple[Array, dict[str, Array]]:
        """The raw rule for update t (1-based): new params and slots, no checks or copies.

        For loops that own their arrays (the simulation); `lr`, if given, must already be
        aligned with params. Inputs are still never written to.
        """
        if self.clip_norm is not None:
            grads = clip_by_norm(grads, _align(self.clip_norm, grads.ndim))
        h = self._aligned(params.ndim)
        return _SPECS[self.name].rule(params, grads, slots, t, h, h["lr"] if lr is None else lr)

    def _aligned(self, ndim: int) -> dict[str, Any]:
        """Hyperparameters aligned with params of `ndim` axes (cached: they never change)."""
        if ndim not in self._cache:
            self._cache[ndim] = self._align_all(ndim)
        return self._cache[ndim]

    def _align_all(self, ndim: int) -> dict[str, Any]:
        h = {**_FIXED.get(self.name, {}), **self.hyper}
        out = {k: _align(v, ndim) for k, v in h.items() if k != "betas"}
        if "betas" in h:
            b1, b2 = h["betas"]
            out["beta1"], out["beta2"] = _align(b1, ndim), _align(b2, ndim)
        for flag in ("nesterov", "centered", "amsgrad", "decoupled_weight_decay"):
            out.setdefault(flag, False)
        return out

    # ---------------------------------------------------------------- one lane, plain floats

    @property
    def rule(self) -> Callable:
        """The update rule `(p, g, slots, t, h, lr, xp) -> (p', slots')` (see ARRAY, FLOAT)."""
        return _SPECS[self.name].rule

    def lane_hyper(self, j: int) -> dict[str, Any]:
        """Lane j's hyperparameters as plain floats and bools (lane j of stacked arrays)."""
        out = {}
        for k, v in self._aligned(1).items():
            a = np.asarray(v)
            x = a.reshape(-1)[j] if a.ndim else a[()]
            out[k] = bool(x) if a.dtype == bool else float(x)
        return out

    def lane_slots(self, j: int) -> dict[str, float]:
        """Lane j's starting state for one coordinate, as plain floats (as `init` sets it)."""
        h = self.lane_hyper(j)
        fill = {"sum": h.get("initial_accumulator_value", 0.0), "mu_product": 1.0}
        return {slot: fill.get(slot, 0.0) for slot in self.slot_names}

    def lane_clip(self, j: int) -> float | None:
        """Lane j's gradient-norm clip (None: no clipping)."""
        if self.clip_norm is None:
            return None
        a = np.asarray(self.clip_norm, dtype=np.float64)
        c = float(a.reshape(-1)[j] if a.ndim else a)
        return None if c == math.inf else c


def names() -> list[str]:
    return registry.names("optimizer")


def keras_defaults(name: str) -> dict[str, Any] | None:
    """Keras' default values for `name`, under torch's parameter names (None: not in Keras)."""
    registry.get("optimizer", name)
    keras = _SPECS[name].keras
    return dict(keras) if keras is not None else None


def create(name: str, *, preset: str = "torch", clip_norm: Any = None, **params: Any) -> Optimizer:
    """An optimizer by torch name; `preset="keras"` starts from Keras' defaults instead.

    Unknown parameter names raise TypeError; values outside the registry's bounds raise
    ValueError naming the parameter. `clip_norm` (off by default) clips each lane's gradient
    norm before the update: an explicit, visible option, never a hidden one.
    """
    entry = registry.get("optimizer", name)
    if preset == "keras":
        base = keras_defaults(name)
        if base is None:
            raise ValueError(f"optimizer {name!r} has no Keras counterpart")
        params = {**base, **params}
    elif preset != "torch":
        raise ValueError(f"unknown preset {preset!r}; use 'torch' or 'keras'")
    hyper = registry.resolve("optimizer", name, params)
    for p in entry.params:
        _check(name, p, hyper[p.name])
    if clip_norm is not None and np.any(np.asarray(clip_norm) <= 0):
        raise ValueError("clip_norm must be positive")
    return Optimizer(name, MappingProxyType(hyper), clip_norm)


def _check(opt: str, p: Param, value: Any) -> None:
    if type(value) in (int, float, bool) and p.type != "pair":  # the common case, no NumPy
        _check_plain(opt, p, value)
        return
    if p.type == "bool":
        if not np.all(np.isin(np.asarray(value), (True, False))):
            raise ValueError(f"{opt}: {p.name} must be true or false")
        return
    values = [value] if p.type != "pair" else list(value)
    if p.type == "pair" and len(values) != 2:
        raise ValueError(f"{opt}: {p.name} must be a pair of numbers")
    for v in values:
        a = np.asarray(v, dtype=np.float64)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{opt}: {p.name} must be finite")
        if (p.low is not None and np.any(a < p.low)) or (p.high is not None and np.any(a > p.high)):
            raise ValueError(f"{opt}: {p.name} must be in [{p.low}, {p.high}]")


def _check_plain(opt: str, p: Param, v: int | float | bool) -> None:
    """`_check` of one Python scalar (the same rules and messages)."""
    if p.type == "bool":
        if v not in (True, False):
            raise ValueError(f"{opt}: {p.name} must be true or false")
        return
    if not math.isfinite(v):
        raise ValueError(f"{opt}: {p.name} must be finite")
    if (p.low is not None and v < p.low) or (p.high is not None and v > p.high):
        raise ValueError(f"{opt}: {p.name} must be in [{p.low}, {p.high}]")

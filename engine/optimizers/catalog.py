"""Every optimizer's registry entry: its parameters (torch's names, defaults and bounds, help
in English and Korean), its rule, its state slots and Keras' defaults."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine import registry
from engine.optimizers.rules import (
    adadelta_rule,
    adagrad_rule,
    adam_rule,
    adamax_rule,
    adamw_rule,
    nadam_rule,
    radam_rule,
    rmsprop_rule,
    sgd_rule,
)

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
class Spec:
    rule: Callable
    slots: tuple[str, ...]
    moments: tuple[str | None, str | None]  # which slots the inspector shows as m and v
    keras: Mapping[str, Any] | None


SPECS: dict[str, Spec] = {}


def register(name, label_en, label_ko, help_en, help_ko, params, rule, slots, moments, keras):
    keras_defaults = dict(keras) if keras is not None else None
    registry.add(
        "optimizer", name, label_en, label_ko, help_en, help_ko, params,
        keras_defaults=keras_defaults, slots=list(slots),
    )  # fmt: skip
    SPECS[name] = Spec(rule, tuple(slots), moments, keras)


register(
    "gd",
    "Gradient descent",
    "경사 하강법",
    "Plain gradient descent: p ← p − η∇f. torch.optim.SGD without momentum.",
    "기본 경사 하강법: p ← p − η∇f. 모멘텀 없는 torch.optim.SGD.",
    [_lr(1e-3), _WD],
    sgd_rule,
    ("momentum_buffer",),
    (None, None),
    {"lr": 0.01},
)


register(
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
    sgd_rule,
    ("momentum_buffer",),
    ("momentum_buffer", None),
    {"lr": 0.01, "momentum": 0.0},
)


register(
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
    adagrad_rule,
    ("sum",),
    (None, "sum"),
    {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7},
)


register(
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
    rmsprop_rule,
    ("square_avg", "grad_avg", "momentum_buffer"),
    ("momentum_buffer", "square_avg"),
    {"lr": 0.001, "alpha": 0.9, "eps": 1e-7},
)


register(
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
    adadelta_rule,
    ("square_avg", "acc_delta"),
    ("acc_delta", "square_avg"),
    {"lr": 0.001, "rho": 0.95, "eps": 1e-7},
)


register(
    "adam",
    "Adam",
    "아담",
    "Momentum (first moment m) plus RMSprop scaling (second moment v), both bias-corrected.",
    "모멘텀(1차 모멘트 m)과 RMSprop 방식 스케일링(2차 모멘트 v)을 합치고 편향을 보정합니다.",
    [_lr(1e-3), _BETAS, _eps(1e-8), _WD, _AMSGRAD],
    adam_rule,
    ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    ("exp_avg", "exp_avg_sq"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "amsgrad": False},
)


register(
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
    adamw_rule,
    ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
    ("exp_avg", "exp_avg_sq"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.004},
)


register(
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
    nadam_rule,
    ("exp_avg", "exp_avg_sq", "mu_product"),
    ("exp_avg", "exp_avg_sq"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7},
)


register(
    "radam",
    "RAdam",
    "RAdam",
    "Rectified Adam: behaves like SGD with momentum until the variance estimate is reliable.",
    "보정된 아담: 분산 추정이 믿을 만해질 때까지 모멘텀 SGD처럼 움직입니다.",
    [_lr(1e-3), _BETAS, _eps(1e-8), _WD, _DECOUPLED],
    radam_rule,
    ("exp_avg", "exp_avg_sq"),
    ("exp_avg", "exp_avg_sq"),
    None,
)


register(
    "adamax",
    "Adamax",
    "Adamax",
    "Adam with the infinity norm: divides by a decaying maximum of |g|.",
    "무한 노름을 쓰는 아담: |g|의 감쇠 최댓값으로 나눕니다.",
    [_lr(2e-3), _BETAS, _eps(1e-8), _WD],
    adamax_rule,
    ("exp_avg", "exp_inf"),
    ("exp_avg", "exp_inf"),
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7},
)


# Parameters every rule reads, fixed where an optimizer does not expose them (gd has no
# momentum; adam's L2 weight decay has no decoupled switch).
FIXED = {
    "gd": {"momentum": 0.0, "dampening": 0.0, "nesterov": False},
    "nadam": {"amsgrad": False},
}

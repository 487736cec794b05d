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

# Registration tables: one parameter a line or two, as written (not reformatted).
# fmt: off

_p = registry.param


_LR_HELP = ("Learning rate η: the size of each step.", "학습률 η: 한 번에 움직이는 보폭.")


_WD = _p("weight_decay", "float", 0.0, 0.0, 1.0, en="L2 penalty λ added to the gradient (λp).",
          ko="기울기에 더하는 L2 규제 λp.")


_EPS_HELP = (
    "ε added to the denominator for numerical stability.",
    "분모가 0이 되지 않도록 더하는 작은 값 ε.",
)


_BETAS = _p("betas", "pair", (0.9, 0.999), 0.0, 0.999999,
             en="β₁, β₂: decay rates of the running mean of g and of g².",
             ko="β₁, β₂: 기울기와 기울기 제곱의 이동 평균 감쇠율.")


_AMSGRAD = _p("amsgrad", "bool", False, en="AMSGrad: use the running maximum of v.",
               ko="AMSGrad: v의 최댓값을 사용합니다.")


_DECOUPLED = _p("decoupled_weight_decay", "bool", False,
                 en="Decay the weights directly (AdamW style) instead of adding λp to g.",
                 ko="λp를 기울기에 더하는 대신 가중치를 직접 줄입니다 (AdamW 방식).")


def _lr(default, high=10.0):
    return _p("lr", "float", default, 1e-6, high, True, *_LR_HELP)


_ADAM_SLOTS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")  # torch's state names
_M_V = ("exp_avg", "exp_avg_sq")  # the slots the inspector shows as m and v
_DECOUPLED_WD = _p("weight_decay", "float", 1e-2, 0.0, 1.0,
                   en="Decoupled weight decay λ: p ← p(1 − ηλ).",
                   ko="분리된 가중치 감쇠 λ: p ← p(1 − ηλ).")  # AdamW's
_MOMENTUM_DECAY = _p("momentum_decay", "float", 4e-3, 0.0, 1.0,
                     en="Momentum decay ψ of the μ schedule.",
                     ko="모멘텀 스케줄의 감쇠 ψ.")  # NAdam's


def _adam_family(lr):
    """The parameters every Adam variant starts with: lr, betas and eps (1e-8)."""
    return [_lr(lr), _BETAS, _eps(1e-8)]


def _eps(default):
    return _p("eps", "float", default, 1e-12, 1.0, True, *_EPS_HELP)


@dataclass(frozen=True)
class Spec:
    rule: Callable
    slots: tuple[str, ...]
    moments: tuple[str | None, str | None]  # which slots the inspector shows as m and v
    keras: Mapping[str, Any] | None


SPECS: dict[str, Spec] = {}


def register(name, params, rule, slots, moments, keras):
    """One optimizer: its parameters, rule, state slots (the two shown as m and v) and Keras'
    defaults; its name and help come from engine/texts.py."""
    keras_defaults = dict(keras) if keras is not None else None
    registry.add(
        "optimizer", name, *registry.texts("optimizer", name), params,
        keras_defaults=keras_defaults, slots=list(slots),
    )  # fmt: skip
    SPECS[name] = Spec(rule, tuple(slots), moments, keras)


register(
    "gd",
    [_lr(1e-3), _WD],
    sgd_rule,
    ("momentum_buffer",),
    (None, None),
    {"lr": 0.01},
)


register(
    "sgd",
    [
        _lr(1e-3),
        _p("momentum", "float", 0.0, 0.0, 0.999,
            en="Momentum μ: how much of the velocity is kept.",
            ko="모멘텀 μ: 이전 속도를 얼마나 유지할지."),
        _p("dampening", "float", 0.0, 0.0, 1.0,
            en="Dampening τ of the new gradient in the buffer.",
            ko="버퍼에 더하는 새 기울기의 감쇠 τ."),
        _WD,
        _p("nesterov", "bool", False, en="Nesterov momentum: look ahead along the velocity.",
            ko="네스테로프 모멘텀: 속도 방향으로 미리 내다봅니다."),
    ],
    sgd_rule,
    ("momentum_buffer",),
    ("momentum_buffer", None),
    {"lr": 0.01, "momentum": 0.0},
)


register(
    "adagrad",
    [
        _lr(1e-2),
        _p("lr_decay", "float", 0.0, 0.0, 1.0, en="Learning-rate decay per step.",
            ko="스텝마다 학습률 감쇠."),
        _WD,
        _p("initial_accumulator_value", "float", 0.0, 0.0, 10.0,
            en="Starting value of the sum of squared gradients Σ.",
            ko="기울기 제곱 합 Σ의 초깃값."),
        _eps(1e-10),
    ],
    adagrad_rule,
    ("sum",),
    (None, "sum"),
    {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7},
)


register(
    "rmsprop",
    [
        _lr(1e-2),
        _p("alpha", "float", 0.99, 0.0, 0.999999, en="Smoothing constant α (Keras: rho).",
            ko="평활 상수 α (Keras의 rho)."),
        _eps(1e-8),
        _WD,
        _p("momentum", "float", 0.0, 0.0, 0.999, en="Momentum μ on the scaled step.",
            ko="조정된 스텝에 대한 모멘텀 μ."),
        _p("centered", "bool", False, en="Centered: divide by the estimated variance of g.",
            ko="중심화: 기울기의 분산 추정값으로 나눕니다."),
    ],
    rmsprop_rule,
    ("square_avg", "grad_avg", "momentum_buffer"),
    ("momentum_buffer", "square_avg"),
    {"lr": 0.001, "alpha": 0.9, "eps": 1e-7},
)


register(
    "adadelta",
    [
        _lr(1.0),
        _p("rho", "float", 0.9, 0.0, 0.999999, en="Decay rate ρ of the running averages.",
            ko="이동 평균의 감쇠율 ρ."),
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
    [*_adam_family(1e-3), _WD, _AMSGRAD],
    adam_rule,
    _ADAM_SLOTS,
    _M_V,
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "amsgrad": False},
)


register(
    "adamw",
    [*_adam_family(1e-3), _DECOUPLED_WD, _AMSGRAD],
    adamw_rule,
    _ADAM_SLOTS,
    _M_V,
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.004},
)


register(
    "nadam",
    [*_adam_family(2e-3), _WD, _MOMENTUM_DECAY, _DECOUPLED],
    nadam_rule,
    ("exp_avg", "exp_avg_sq", "mu_product"),
    _M_V,
    # Keras 3's schedule is 0.96^t: torch's 0.96^(tψ) with ψ = 1
    {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7, "momentum_decay": 1.0},
)


register(
    "radam",
    [*_adam_family(1e-3), _WD, _DECOUPLED],
    radam_rule,
    ("exp_avg", "exp_avg_sq"),
    _M_V,
    None,
)


register(
    "adamax",
    [*_adam_family(2e-3), _WD],
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
# fmt: on

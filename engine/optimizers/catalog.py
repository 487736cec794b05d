"""Every optimizer's registry entry: its parameters (torch's names, defaults and bounds, help
in English and Korean), its rule, its state slots and Keras' defaults."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine import registry
from engine.optimizers.lbfgs import lbfgs_rule
from engine.optimizers.rules import (
    adadelta_rule,
    adagrad_rule,
    adam_rule,
    adamax_rule,
    adamw_rule,
    asgd_rule,
    nadam_rule,
    radam_rule,
    rmsprop_rule,
    rprop_rule,
    sgd_rule,
)
from engine.optimizers.vector import adafactor_rule, newton_rule, saddle_free_newton_rule

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


_MAX = _p("maximize", "bool", False,
          en="Maximize: climb the surface (torch negates g before the rule).",
          ko="최대화: 기울기의 부호를 바꿔 표면을 올라갑니다.")


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
    vector: bool = False  # reads a lane's whole vector (and the oracle): see vector.py
    closure: bool = False  # a step is a loop of loss evaluations (L-BFGS: torch's closure)


SPECS: dict[str, Spec] = {}


def register(
    name, params, rule, slots, moments, keras, vector=False, maximize=True, mlp=None, closure=False
):
    """One optimizer: its parameters, rule, state slots (the two shown as m and v) and Keras'
    defaults; its name and help come from engine/texts.py. A `vector` rule sees each lane's
    whole vector and the surface (second-order methods): races only, not the MLP trainer.
    Every optimizer but L-BFGS takes torch's `maximize` (torch's LBFGS has none); L-BFGS
    also trains MLPs on the full batch (`mlp=True`: the trainer gives it the loss)."""
    keras_defaults = dict(keras) if keras is not None else None
    info = {"race_only": True} if (vector if mlp is None else not mlp) else {}
    if closure:
        info["closure"] = True
    registry.add(
        "optimizer", name, *registry.texts("optimizer", name), [*params, *[_MAX][:maximize]],
        keras_defaults=keras_defaults, slots=list(slots), **info,
    )  # fmt: skip
    SPECS[name] = Spec(rule, tuple(slots), moments, keras, vector, closure)


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
    [*_adam_family(1e-3), _WD, _AMSGRAD, _DECOUPLED],
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


register(
    "rprop",
    [
        _lr(1e-2),
        _p("etas", "pair", (0.5, 1.2), 0.0, 10.0,
            en="η₋, η₊: the step size Δ shrinks by η₋ when g changes sign, grows by η₊ "
               "when it keeps it (0 < η₋ < 1 < η₊).",
            ko="η₋, η₊: 기울기 부호가 바뀌면 보폭 Δ를 η₋배로 줄이고, 유지되면 η₊배로 "
               "늘립니다 (0 < η₋ < 1 < η₊)."),
        _p("step_sizes", "pair", (1e-6, 50), 0.0, 1e6,
            en="Smallest and largest step size Δ (each coordinate moves by exactly Δ).",
            ko="보폭 Δ의 최솟값과 최댓값 (각 좌표는 정확히 Δ만큼 움직입니다)."),
    ],
    rprop_rule,
    ("prev", "step_size"),
    (None, None),
    None,
)


register(
    "asgd",
    [
        _lr(1e-2),
        _p("lambd", "float", 1e-4, 0.0, 1.0,
            en="Decay term λ: the rate η shrinks as lr/(1 + λ·lr·t)^α.",
            ko="감쇠 항 λ: 학습률이 lr/(1 + λ·lr·t)^α로 줄어듭니다."),
        _p("alpha", "float", 0.75, 0.0, 10.0, en="Power α of the rate's decay.",
            ko="학습률 감쇠의 지수 α."),
        _p("t0", "float", 1e6, 0.0, 1e9,
            en="Step from which the average ax of the iterates starts.",
            ko="반복값의 평균 ax를 내기 시작하는 스텝."),
        _WD,
    ],
    asgd_rule,
    ("eta", "mu", "ax"),
    (None, None),
    None,
)


register(
    "adafactor",
    [
        _lr(1e-2),
        _p("beta2_decay", "float", -0.8, -10.0, 0.0,
            en="Decay of β₂: the second moment takes weight t^β₂decay of each new g².",
            ko="β₂ 감쇠: 새 g²에 t^β₂decay만큼의 가중치를 둡니다."),
        _p("eps", "pair", (2.220446049250313e-16, 1e-3), 0.0, 1.0,
            en="ε₁ (floor of the second moment; torch's None is float64's machine ε, "
               "2.2e-16) and ε₂ (floor of the parameter scale).",
            ko="ε₁ (2차 모멘트의 하한; torch의 None은 float64 기계 엡실론 2.2e-16)과 "
               "ε₂ (파라미터 크기의 하한)."),
        _p("d", "float", 1.0, 1.0, 100.0, en="Clipping threshold d of the update's RMS.",
            ko="업데이트 RMS의 클리핑 임계값 d."),
        _p("weight_decay", "float", 0.0, 0.0, 1.0, en="Decoupled weight decay λ: p ← p(1 − lr·λ).",
            ko="분리된 가중치 감쇠 λ: p ← p(1 − lr·λ)."),
    ],
    adafactor_rule,
    ("variance",),
    (None, "variance"),
    # Keras 3's Adafactor: relative step as torch's, but ε₁ = 1e-30 added to g² (torch clamps v)
    {"lr": 0.001, "eps": (1e-30, 1e-3)},
    vector=True,
)


register(
    "lbfgs",
    [
        _p("lr", "float", 1.0, 1e-6, 10.0, True, *_LR_HELP),
        _p("max_iter", "int", 20, 1, 1000, en="Iterations within one step (torch's step(closure)).",
            ko="한 스텝(torch의 step(closure)) 안의 반복 횟수."),
        _p("max_eval", "int", None, 1, 10000, nullable=True,
            en="Most evaluations of the loss per step (auto: max_iter × 1.25).",
            ko="스텝마다 손실을 계산하는 최대 횟수 (자동: max_iter × 1.25)."),
        _p("tolerance_grad", "float", 1e-7, 0.0, 1.0, en="Stop when every |∂f| is at most this.",
            ko="모든 |∂f|가 이 값 이하이면 멈춥니다."),
        _p("tolerance_change", "float", 1e-9, 0.0, 1.0,
            en="Stop when the step or the change of the loss is below this.",
            ko="스텝이나 손실 변화가 이 값보다 작으면 멈춥니다."),
        _p("history_size", "int", 100, 1, 1000, en="Curvature pairs (s, y) kept for H⁻¹g.",
            ko="H⁻¹g 추정에 쓰는 곡률 쌍 (s, y)의 수."),
        _p("line_search_fn", "choice", None, choices=("strong_wolfe",), nullable=True,
            en="None: a fixed step lr; strong_wolfe: torch's line search.",
            ko="없음: 고정 보폭 lr; strong_wolfe: torch의 선 탐색."),
    ],
    lbfgs_rule,
    ("lbfgs",),
    (None, None),
    None,
    vector=True,
    maximize=False,
    mlp=True,
    closure=True,
)


_DAMPING_HELP = ("Damping δ added to the curvature: (H + δI)⁻¹ (0: the pure step).",
                 "곡률에 더하는 감쇠 δ: (H + δI)⁻¹ (0이면 순수한 뉴턴 스텝).")


register(
    "newton",
    [
        _p("lr", "float", 1.0, 1e-6, 10.0, True, *_LR_HELP),
        _p("damping", "float", 0.0, 0.0, 100.0, False, *_DAMPING_HELP),
        _WD,
    ],
    newton_rule,
    (),
    (None, None),
    None,
    vector=True,
    maximize=False,  # the step is the same for −f: Newton seeks any critical point
)


register(
    "saddle_free_newton",
    [
        _p("lr", "float", 1.0, 1e-6, 10.0, True, *_LR_HELP),
        _p("damping", "float", 1e-1, 1e-12, 100.0, True, *_DAMPING_HELP),
        _WD,
    ],
    saddle_free_newton_rule,
    (),
    (None, None),
    None,
    vector=True,
)


# Parameters every rule reads, fixed where an optimizer does not expose them (gd has no
# momentum; adamw always decouples).
FIXED = {
    "gd": {"momentum": 0.0, "dampening": 0.0, "nesterov": False},
    "nadam": {"amsgrad": False},
}
# fmt: on

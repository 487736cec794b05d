"""Activation functions and weight initializers for the MLP, registered with bilingual help.

    act = activations.get("leaky_relu")                 # or {"name": ..., "params": {...}}
    a = act.fn(z); da_dz = act.grad(z, a)               # the derivative, from z and a = fn(z)
    W = activations.initialize("he_normal", (fan_in, fan_out), rng)

Initializers follow torch.nn.init (gain 1 for Xavier, the ReLU gain √2 for He, fan_in mode),
which match Keras' glorot_uniform and he_uniform exactly. Keras' glorot_normal and he_normal
draw from a normal truncated at ±2σ and rescaled; we use torch's plain normal. Biases start
at zero (as in Keras; torch's nn.Linear draws them from U(±1/√fan_in)).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import registry
from engine.registry import Param

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """An elementwise activation with its parameters bound: `fn(z)` and `grad(z, a)`."""

    name: str
    fn: Callable[[Array], Array]
    grad: Callable[[Array, Array], Array]
    inplace: bool = False  # grad is a 0/1 mask: backward may scale `da` in place

    def into(self, z: Array, out: Array) -> Array:
        """fn(z) written into `out` (without a temporary for relu, tanh and linear)."""
        if self.name == "relu":
            return np.maximum(z, 0.0, out=out)
        if self.name == "tanh":
            return np.tanh(z, out=out)
        out[...] = z if self.name == "linear" else self.fn(z)
        return out

    def backward(self, da: Array, z: Array, a: Array) -> Array:
        """da · act'(z), given a = fn(z). With `inplace`, `da` (the caller's scratch) is
        overwritten: multiplying by a boolean mask in place saves a float copy."""
        if self.inplace:
            return np.multiply(da, self.grad(z, a), out=da)
        return da * self.grad(z, a)


def _sigmoid(z):
    return 0.5 + 0.5 * np.tanh(0.5 * z)  # stable for any z, one transcendental call


_RULES: dict[str, Callable[..., Activation]] = {
    "linear": lambda: Activation("linear", lambda z: z, lambda z, a: np.ones_like(z)),
    "sigmoid": lambda: Activation("sigmoid", _sigmoid, lambda z, a: a * (1.0 - a)),
    "tanh": lambda: Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a),
    "relu": lambda: Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a: z > 0, True),
    # np.where is slow on small arrays; these forms compute the same values with plain ufuncs
    "leaky_relu": lambda negative_slope: Activation(
        "leaky_relu",
        lambda z: np.maximum(z, 0.0) + negative_slope * np.minimum(z, 0.0),
        lambda z, a: negative_slope + (1.0 - negative_slope) * (z > 0),
    ),
    "elu": lambda alpha: Activation(
        "elu",
        lambda z: np.maximum(z, 0.0) + alpha * np.expm1(np.minimum(z, 0.0)),
        lambda z, a: (z > 0) + (z <= 0) * (a + alpha),
    ),
}


def _p(name, type_, default, low=None, high=None, log=False, en="", ko="", choices=()):
    return Param(name, type_, default, low, high, log, tuple(choices), en, ko)


def _act(name, en, ko, help_en, help_ko, params=(), **info):
    registry.add("activation", name, en, ko, help_en, help_ko, params, **info)


_act(
    "linear",
    "Linear (identity)",
    "선형 (항등 함수)",
    "a = z: no non-linearity; a deep linear net is still a linear model.",
    "a = z: 비선형성이 없어, 층을 깊게 쌓아도 선형 모델입니다.",
)
_act(
    "sigmoid",
    "Sigmoid",
    "시그모이드",
    "a = 1/(1+e⁻ᶻ), in (0, 1); its slope is at most 0.25, "
    "so deep sigmoid nets suffer vanishing gradients.",
    "a = 1/(1+e⁻ᶻ), 0과 1 사이; 기울기가 "
    "최대 0.25라서 깊은 시그모이드 신경망에서는 기울기 소실이 생깁니다.",
)
_act(
    "tanh",
    "Tanh",
    "하이퍼볼릭 탄젠트 (tanh)",
    "a = tanh z, in (−1, 1), zero-centred; slope at most 1.",
    "a = tanh z, −1과 1 사이이며 0을 중심으로 합니다; 기울기는 최대 1.",
)
_act(
    "relu",
    "ReLU",
    "렐루 (ReLU)",
    "a = max(0, z): slope 1 for z > 0, so gradients do not "
    "vanish; units with z < 0 pass no gradient.",
    "a = max(0, z): z > 0에서 기울기가 1이라 "
    "기울기 소실이 적습니다; z < 0인 뉴런은 기울기를 전달하지 않습니다.",
)
_act(
    "leaky_relu",
    "Leaky ReLU",
    "리키 렐루 (Leaky ReLU)",
    "a = z for z > 0, else slope·z: a small slope keeps negative units learning.",
    "z > 0이면 a = z, 아니면 기울기·z: 음수 쪽에도 작은 기울기를 남겨 뉴런이 계속 학습합니다.",
    [
        _p(
            "negative_slope",
            "float",
            0.01,
            0.0,
            1.0,
            en="Slope for z < 0 (torch's default 0.01; Keras' LeakyReLU uses 0.3).",
            ko="z < 0일 때의 기울기 (torch 기본값 0.01, Keras는 0.3).",
        )
    ],
)
_act(
    "elu",
    "ELU",
    "ELU",
    "a = z for z > 0, else α(eᶻ − 1): smooth, negative outputs near −α.",
    "z > 0이면 a = z, 아니면 α(eᶻ − 1): 매끄럽고 음수 출력은 −α 근처로 포화됩니다.",
    [
        _p(
            "alpha",
            "float",
            1.0,
            0.0,
            10.0,
            en="Saturation value α for z < 0.",
            ko="z < 0에서 포화되는 값 α.",
        )
    ],
)
_act(
    "softmax",
    "Softmax (output)",
    "소프트맥스 (출력층)",
    "Turns the last layer's scores into class probabilities; applied by the cross-entropy "
    "losses, never in a hidden layer.",
    "마지막 층의 점수를 클래스 확률로 바꿉니다; 크로스 엔트로피 손실이 출력층에 적용하며 "
    "은닉층에는 쓰지 않습니다.",
    output_only=True,
)


def names(*, hidden_only: bool = False) -> list[str]:
    return [
        e.name
        for e in registry.entries("activation")
        if not (hidden_only and e.info.get("output_only"))
    ]


def _spec(spec: str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(spec, str):
        return spec, {}
    return spec["name"], dict(spec.get("params") or {})


def get(spec: str | Mapping[str, Any] | Activation) -> Activation:
    """A hidden-layer activation from a name or {"name", "params"} (checked against bounds)."""
    if isinstance(spec, Activation):
        return spec
    name, given = _spec(spec)
    entry = registry.get("activation", name)
    if entry.info.get("output_only"):
        raise ValueError(f"activation {name!r} is an output link: the loss applies it")
    values = registry.resolve("activation", name, given)
    _check("activation", entry, values)
    return _RULES[name](**values)


def _check(kind: str, entry: registry.Entry, values: Mapping[str, Any]) -> None:
    for p in entry.params:
        v = values[p.name]
        if p.type == "choice":
            if v not in p.choices:
                raise ValueError(
                    f"{kind} {entry.name!r}: {p.name} must be one of {list(p.choices)}"
                )
            continue
        ok = isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
        if not ok or (p.low is not None and v < p.low) or (p.high is not None and v > p.high):
            raise ValueError(f"{kind} {entry.name!r}: {p.name} must be in [{p.low}, {p.high}]")


# --------------------------------------------------------------------------- initializers


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain: the factor that keeps a layer's variance for an
    activation (linear and sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1 + a²)), selu ¾)."""
    if nonlinearity in ("linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _bound(kind: str, fan_in: int, fan_out: int, **p: Any) -> float:
    """The uniform limit or the normal σ of each initializer, as torch.nn.init computes it
    (xavier_*: gain·√(2/(fan_in + fan_out)); kaiming_*: gain/√fan, fan by `mode`; a uniform
    limit is √3 σ)."""
    if kind == "zeros":
        return 0.0
    if kind in ("uniform", "normal"):
        return p["limit"] if kind == "uniform" else p["std"]
    if kind.startswith("xavier"):
        std = p["gain"] * math.sqrt(2.0 / float(fan_in + fan_out))
    else:
        fan = fan_in if p["mode"] == "fan_in" else fan_out
        std = calculate_gain(p["nonlinearity"], p["a"]) / math.sqrt(fan)
    return math.sqrt(3.0) * std if kind.endswith("uniform") else std


_GAIN = _p("gain", "float", 1.0, 0.0, 10.0, False,
           "Scale factor gain (torch's; calculate_gain('tanh') is 5/3).",
           "배율 gain (torch의 인자; tanh에는 calculate_gain('tanh') = 5/3).")  # fmt: skip
_KAIMING = [
    _p("a", "float", 0.0, 0.0, 10.0, False,
       "Negative slope of the leaky ReLU the layer feeds (torch's a; 0 for ReLU).",
       "다음 리키 렐루의 음수 기울기 (torch의 a; 렐루는 0)."),
    _p("mode", "choice", "fan_in", None, None, False,
       "fan_in keeps the forward signal's variance, fan_out the backward gradient's.",
       "fan_in은 순전파 신호의 분산을, fan_out은 역전파 기울기의 분산을 유지합니다.",
       choices=("fan_in", "fan_out")),
    _p("nonlinearity", "choice", "leaky_relu", None, None, False,
       "The activation the gain is for (torch's default leaky_relu with a = 0: ReLU's √2).",
       "gain을 정하는 활성화 함수 (torch 기본값 leaky_relu, a = 0이면 렐루의 √2).",
       choices=("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu")),
]  # fmt: skip


def _init(name, en, ko, help_en, help_ko, formula, params=()):
    registry.add("initializer", name, en, ko, help_en, help_ko, params, formula=formula)


_init(
    "zeros",
    "Zeros",
    "0으로 초기화",
    "Every weight 0: all hidden units compute the same thing "
    "and get the same update, so they stay identical (symmetry is never broken).",
    "모든 가중치를 0으로: 은닉 뉴런이 모두 같은 값을 계산하고 같은 갱신을 받아 영원히 똑같이 "
    "남습니다 (대칭성이 깨지지 않음).",
    "W = 0",
)
_init(
    "uniform",
    "Small uniform",
    "작은 균등 분포",
    "W ~ U(−limit, limit), limit 0.05 (Keras' RandomUniform).",
    "W ~ U(−limit, limit), limit 0.05 (Keras의 RandomUniform).",
    "U(−limit, limit)",
    [_p("limit", "float", 0.05, 1e-6, 10.0, True, "Half-width of the range.", "범위의 절반 폭.")],
)
_init(
    "normal",
    "Small normal",
    "작은 정규 분포",
    "W ~ N(0, σ²) with σ = 0.01, the 'small random numbers' of many course notes.",
    "W ~ N(0, σ²), σ = 0.01: 많은 교재의 '작은 난수' 초기화.",
    "N(0, std²)",
    [_p("std", "float", 0.01, 1e-6, 10.0, True, "Standard deviation σ.", "표준편차 σ.")],
)
_init(
    "xavier_uniform",
    "Xavier (Glorot) uniform",
    "자비에르 초기화 (균등)",
    "U(±√(6/(fan_in + "
    "fan_out))): keeps the variance of signals steady through sigmoid/tanh layers "
    "(torch xavier_uniform_, Keras glorot_uniform).",
    "U(±√(6/(fan_in + fan_out))): 시그모이드"
    "·tanh 층을 지나도 신호의 분산을 유지합니다 (torch xavier_uniform_, Keras glorot_uniform).",
    "U(±√(6/(fan_in+fan_out)))",
    [_GAIN],
)
_init(
    "xavier_normal",
    "Xavier (Glorot) normal",
    "자비에르 초기화 (정규)",
    "N(0, 2/(fan_in + fan_out)) (torch xavier_normal_; Keras glorot_normal truncates at 2σ).",
    "N(0, 2/(fan_in + fan_out)) (torch xavier_normal_; Keras glorot_normal은 2σ에서 자른 분포).",
    "N(0, 2/(fan_in+fan_out))",
    [_GAIN],
)
_init(
    "he_uniform",
    "He (Kaiming) uniform",
    "He 초기화 (균등)",
    "U(±√(6/fan_in)): twice Xavier's "
    "variance, made for ReLU, which zeroes half the signal (torch kaiming_uniform_ with "
    "ReLU gain, Keras he_uniform).",
    "U(±√(6/fan_in)): 렐루가 신호의 절반을 0으로 만드는 것을 "
    "보상하도록 자비에르의 두 배 분산 (torch kaiming_uniform_, Keras he_uniform).",
    "U(±√(6/fan_in))",
    _KAIMING,
)
_init(
    "he_normal",
    "He (Kaiming) normal",
    "He 초기화 (정규)",
    "N(0, 2/fan_in), for ReLU (torch kaiming_normal_; Keras he_normal truncates at 2σ).",
    "N(0, 2/fan_in), 렐루용 (torch kaiming_normal_; Keras he_normal은 2σ에서 자른 분포).",
    "N(0, 2/fan_in)",
    _KAIMING,
)


def initialize(
    spec: str | Mapping[str, Any], shape: tuple[int, int], rng: np.random.Generator
) -> Array:
    """A (fan_in, fan_out) weight matrix drawn from `rng`."""
    name, given = _spec(spec)
    entry = registry.get("initializer", name)
    values = registry.resolve("initializer", name, given)
    _check("initializer", entry, values)
    fan_in, fan_out = shape
    b = _bound(name, fan_in, fan_out, **values)
    if name == "zeros":
        return np.zeros(shape)
    if name in ("uniform", "xavier_uniform", "he_uniform"):
        return rng.uniform(-b, b, size=shape)
    return rng.normal(0.0, b, size=shape)

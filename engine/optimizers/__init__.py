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

The package: rules.py (the update rules, written once against an array or a float
namespace), catalog.py (each optimizer's parameters, texts and state slots, registered); here
the `Optimizer` object and `create`. A new optimizer is a rule in rules.py and one
`register(...)` in catalog.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from engine import registry
from engine.optimizers.catalog import FIXED, SPECS  # registers every optimizer
from engine.optimizers.rules import ARRAY, FLOAT, Array, fit, read_only
from engine.optimizers.vector import Oracle
from engine.registry import Param

__all__ = [
    "ARRAY",
    "FLOAT",
    "OptState",
    "Oracle",
    "check_cycle",
    "Optimizer",
    "clip_by_norm",
    "create",
    "keras_defaults",
    "evaluations_per_step",
    "momentum_key",
    "needs_closure",
    "names",
]


class OptState(NamedTuple):
    """Optimizer state: the number of steps taken and torch-named slot arrays."""

    step: int
    slots: Mapping[str, Array]


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
        return SPECS[self.name].slots

    @property
    def vector(self) -> bool:
        """Whether the rule reads each lane's whole vector and the surface (vector.py)."""
        return SPECS[self.name].vector

    @property
    def moments(self) -> tuple[str | None, str | None]:
        """Slot names shown as the first moment m and second moment v (or None)."""
        return SPECS[self.name].moments

    def init(self, params: Array) -> OptState:
        params = np.asarray(params, dtype=np.float64)
        h = self.hyper
        slots = {}
        for slot in self.slot_names:
            if slot == "lbfgs":  # one state dict per lane (lbfgs.py)
                slots[slot] = tuple({} for _ in range(int(np.prod(params.shape[:-1]))))
            elif slot == "sum":
                fill = np.broadcast_to(
                    _align(h["initial_accumulator_value"], params.ndim), params.shape
                )
                slots[slot] = read_only(np.array(fill, dtype=np.float64))
            elif slot in ("mu_product", "mu"):
                slots[slot] = read_only(np.ones(params.shape[:-1] + (1,)))
            else:
                slots[slot] = read_only(np.zeros_like(params))
        return OptState(0, MappingProxyType(slots))

    def step(
        self, params: Array, grads: Array, state: OptState, lr: Any = None, oracle: Any = None
    ) -> tuple[Array, OptState]:
        """One update. `lr` overrides the learning rate (a schedule's value, per lane);
        `oracle` (a vector.Oracle) is the surface, for the second-order rules."""
        params = np.asarray(params, dtype=np.float64)
        grads = np.asarray(grads, dtype=np.float64)
        rate = None if lr is None else _align(lr, params.ndim)
        new_p, slots = self.advance(params, grads, state.slots, state.step + 1, rate, oracle)
        new_slots = {
            k: read_only(fit(np.asarray(v, dtype=np.float64), state.slots[k].shape))
            if k in state.slots and isinstance(state.slots[k], np.ndarray)
            else v
            for k, v in slots.items()
        }
        new_p = read_only(fit(new_p, params.shape))
        return new_p, OptState(state.step + 1, MappingProxyType(new_slots))

    def advance(
        self,
        params: Array,
        grads: Array,
        slots: Mapping[str, Array],
        t: int,
        lr: Any = None,
        oracle: Any = None,
        over: Mapping[str, Any] | None = None,
    ) -> tuple[Array, dict[str, Array]]:
        """The raw rule for update t (1-based): new params and slots, no checks or copies.

        For loops that own their arrays (the simulation); `lr`, if given, must already be
        aligned with params, and so must `over` (hyperparameters a schedule sets this step:
        a cycled momentum or β₁). Inputs are still never written to.
        """
        if self.clip_norm is not None:
            grads = clip_by_norm(grads, _align(self.clip_norm, grads.ndim))
        h = self._aligned(params.ndim)
        if over:
            h = {**h, **over}
        maximize = h["maximize"]
        if maximize is not False:  # torch's first line: g ← −g
            grads = -grads if maximize is True else np.where(maximize, -grads, grads)
        spec = SPECS[self.name]
        rate = h["lr"] if lr is None else lr
        if spec.vector:
            return spec.rule(params, grads, slots, t, h, rate, oracle)
        return spec.rule(params, grads, slots, t, h, rate)

    def _aligned(self, ndim: int) -> dict[str, Any]:
        """Hyperparameters aligned with params of `ndim` axes (cached: they never change)."""
        if ndim not in self._cache:
            self._cache[ndim] = self._align_all(ndim)
        return self._cache[ndim]

    def _align_all(self, ndim: int) -> dict[str, Any]:
        h = {**FIXED.get(self.name, {}), **self.hyper}
        entry = registry.get("optimizer", self.name)
        pairs = {p.name for p in entry.params if p.type == "pair"}
        out = {k: _align(v, ndim) for k, v in h.items() if k not in pairs}
        for k in pairs:  # a pair's members under the names the rule reads (betas: beta1, beta2)
            first, second = PAIR_NAMES[k]
            out[first], out[second] = _align(h[k][0], ndim), _align(h[k][1], ndim)
        for flag in ("nesterov", "centered", "amsgrad", "decoupled_weight_decay", "maximize"):
            out.setdefault(flag, False)
            if isinstance(out[flag], np.bool_):
                out[flag] = bool(out[flag])
        return out

    # ---------------------------------------------------------------- one lane, plain floats

    @property
    def rule(self) -> Callable:
        """The update rule `(p, g, slots, t, h, lr, xp) -> (p', slots')` (see ARRAY, FLOAT)."""
        return SPECS[self.name].rule

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
        fill = {"sum": h.get("initial_accumulator_value", 0.0), "mu_product": 1.0, "mu": 1.0}
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


def needs_closure(name: str) -> bool:
    """Whether a step of `name` is a loop of loss evaluations (torch's `step(closure)`, as
    L-BFGS): it needs one deterministic full-batch loss, no gradient clipping, and costs
    `evaluations_per_step` evaluations."""
    registry.get("optimizer", name)
    return SPECS[name].closure


def evaluations_per_step(name: str, params: Mapping[str, Any] | None = None) -> int:
    """Loss and gradient evaluations one step may take (for a server's work budget): 1, or
    L-BFGS' max_eval (default max_iter × 1.25), whose step is a loop of iterations."""
    if not needs_closure(name):
        return 1
    p = params or {}
    return int(p.get("max_eval") or int(p.get("max_iter") or 20) * 5 // 4)


def momentum_key(name: str) -> str | None:
    """What a schedule's cycle_momentum cycles in optimizer `name`, as torch decides: β₁
    (the rule's "beta1") where there are betas, else the momentum (gd is torch's SGD, whose
    momentum is 0 until a scheduler sets it); None where there is neither."""
    params = {p.name for p in registry.get("optimizer", name).params}
    if "betas" in params:
        return "beta1"
    if "momentum" in params or name == "gd":
        return "momentum"
    return None


def check_cycle(name: str, schedule: Any) -> None:
    """A schedule that cycles the momentum (torch's cycle_momentum) needs an optimizer with a
    momentum or betas: ValueError naming cycle_momentum otherwise, as torch raises."""
    if getattr(schedule, "momentum", None) is not None and momentum_key(name) is None:
        raise ValueError(
            f"cycle_momentum: {name} has no momentum or betas to cycle (torch raises too); "
            "set cycle_momentum to false"
        )


def keras_defaults(name: str) -> dict[str, Any] | None:
    """Keras' default values for `name`, under torch's parameter names (None: not in Keras)."""
    registry.get("optimizer", name)
    keras = SPECS[name].keras
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
    _check_nesterov(name, hyper)
    _check_pairs(name, hyper)
    if clip_norm is not None and np.any(np.asarray(clip_norm) <= 0):
        raise ValueError("clip_norm must be positive")
    return Optimizer(name, MappingProxyType(hyper), clip_norm)


def _check_nesterov(name: str, hyper: Mapping[str, Any]) -> None:
    """torch.optim.SGD's rule: Nesterov momentum requires a momentum and zero dampening."""
    if name != "sgd":
        return
    nesterov = np.asarray(hyper.get("nesterov", False), dtype=bool)  # per lane when stacked
    if np.any(nesterov & (np.asarray(hyper["momentum"]) <= 0)):
        raise ValueError("nesterov: Nesterov momentum needs a momentum above 0 (as in torch)")
    if np.any(nesterov & (np.asarray(hyper["dampening"]) != 0)):
        raise ValueError("nesterov: Nesterov momentum needs zero dampening (as in torch)")


def _check_pairs(name: str, hyper: Mapping[str, Any]) -> None:
    """torch.optim.Rprop's rule 0 < η₋ < 1 < η₊, and step sizes that are a range."""
    if name != "rprop":
        return
    lo, hi = (np.asarray(v, dtype=np.float64) for v in hyper["etas"])
    if np.any(lo <= 0) or np.any(lo >= 1) or np.any(hi <= 1):
        raise ValueError("etas: need 0 < η₋ < 1 < η₊ (as in torch)")
    smin, smax = (np.asarray(v, dtype=np.float64) for v in hyper["step_sizes"])
    if np.any(smin > smax):
        raise ValueError("step_sizes: the smallest step size must not exceed the largest")


# The names a rule reads for the two members of each pair parameter.
PAIR_NAMES = {
    "betas": ("beta1", "beta2"),
    "etas": ("etaminus", "etaplus"),
    "step_sizes": ("step_size_min", "step_size_max"),
    "eps": ("eps1", "eps2"),  # Adafactor's pair (elsewhere eps is one number)
}


def _check(opt: str, p: Param, value: Any) -> None:
    if value is None and p.nullable:
        return
    if p.nullable and isinstance(value, np.ndarray) and value.dtype == object:  # lanes, some None
        value = [v for v in value.ravel() if v is not None]
        if p.type != "choice":
            value = np.asarray(value, dtype=np.float64)
    if p.type == "choice":
        if not all(v in p.choices or (v is None and p.nullable) for v in np.ravel(value)):
            raise ValueError(f"{opt}: {p.name} must be one of {', '.join(p.choices)}")
        return
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

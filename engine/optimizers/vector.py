"""Rules that read a lane's whole parameter vector, not one coordinate at a time: Adafactor
(norms over the vector), Newton's method and its saddle-free variant (the Hessian). They
run on arrays (..., d) with lanes on the leading axes, as `rule(p, g, s, t, h, lr, oracle)`:
`oracle` answers the surface's value, gradient and Hessian at any point (lbfgs.py also
asks it at the points of its line search)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.optimizers.rules import _l2, sel

Array = np.ndarray


@dataclass(frozen=True)
class Oracle:
    """The loss surface as a second-order method sees it, at any points (..., d): its value,
    its gradient plus the step's gradient noise (`noise`, broadcast against the stacked
    lanes: the same noise the other lanes get) and its Hessian (None: not known)."""

    value: Callable[[Array], Array]
    clean_grad: Callable[[Array], Array]
    hessian: Callable[[Array], Array] | None = None
    noise: Array | None = None

    def grad(self, p: Array) -> Array:
        g = self.clean_grad(p)
        return g if self.noise is None else g + self.noise

    def value_and_grad(self, p: Array) -> tuple[Array, Array]:
        return self.value(p), self.grad(p)

    def lane(self, i: int, shape: tuple[int, ...]) -> Oracle:
        """Lane i (of lanes stacked as `shape`, flattened) alone: its own noise."""
        if self.noise is None:
            return self
        noise = np.broadcast_to(self.noise, shape).reshape(-1, shape[-1])[i]
        return Oracle(self.value, self.clean_grad, self.hessian, noise)


def _lane_norm(a: Array) -> Array:
    """‖a‖₂ over the last axis, kept as an axis of 1."""
    return np.sqrt(np.sum(a * a, axis=-1, keepdims=True))


def _lerp(a: Array, b: Array, w: Any) -> Array:
    """torch.lerp(a, b, w) as its CPU kernel computes it (two forms around w = ½); `w` a
    number or one per lane."""
    return sel(w < 0.5, lambda: a + w * (b - a), lambda: b - (b - a) * (1.0 - w))


def adafactor_rule(p, g, s, t, h, lr, oracle=None):
    """v ← lerp(v, g², t^β₂decay); u = g/√max(v, ε₁²); p ← p − α·u/max(1, RMS(u)/d),
    α = max(ε₂, RMS(p))·min(lr, 1/√t).

    A lane's two coordinates are one vector parameter, so torch keeps an unfactored v (the
    row/column factoring applies to matrices). Weight decay: p ← p(1 − lr·λ) after α is
    taken. Keras' Adafactor clips with its own RMS threshold and relative step in another form.
    """
    n = p.shape[-1]
    one_minus_beta2 = float(t) ** h["beta2_decay"]
    rho = np.minimum(lr, 1.0 / float(t) ** 0.5)
    alpha = np.maximum(h["eps2"], _lane_norm(p) / n**0.5) * rho
    wd = h["weight_decay"]
    if not (np.ndim(wd) == 0 and wd == 0):
        p = p * (1.0 - lr * wd)
    v = _lerp(s["variance"], g * g, one_minus_beta2)  # per lane if β₂ decay is
    update = (1.0 / np.sqrt(np.maximum(v, h["eps1"] * h["eps1"]))) * g
    denom = np.maximum(1.0, _lane_norm(update) / (n**0.5 * h["d"]))
    return p + (-alpha / denom) * update, {"variance": v}


def _per_lane(v) -> Array:
    """A hyperparameter aligned with p (a trailing axis of 1), aligned with p[..., 0]."""
    a = np.asarray(v)
    return a[..., 0] if a.ndim else a


def _hessian(oracle: Oracle | None, p: Array, name: str) -> Array:
    if oracle is None or oracle.hessian is None:
        raise ValueError(f"{name} needs the surface's Hessian: run it in a race on a surface")
    return oracle.hessian(p)


def newton_rule(p, g, s, t, h, lr, oracle=None):
    """p ← p − η·(H + δI)⁻¹g with the exact Hessian H (δ = 0: Newton's pure step).

    It jumps to the critical point of the local quadratic model, whatever its kind: near a
    saddle it is attracted to the saddle (so there is no `maximize`: the step for −f is the
    same). Where H + δI is singular the step is infinite and the lane stops. Weight decay λ
    is the penalty ½λ‖p‖²: g + λp and H + λI. Neither torch nor Keras has it.
    """
    g = _l2(g, p, h["weight_decay"])
    H = _hessian(oracle, p, "newton")
    # the L2 penalty ½λ‖p‖² adds λp to g and λI to H: Newton's step on the penalised loss
    shift = _per_lane(h["damping"]) + _per_lane(h["weight_decay"])
    a, b, c = H[..., 0, 0] + shift, H[..., 0, 1], H[..., 1, 1] + shift
    det = a * c - b * b
    gx, gy = g[..., 0], g[..., 1]
    step = np.stack([(c * gx - b * gy) / det, (a * gy - b * gx) / det], axis=-1)
    return p - lr * step, {}


def saddle_free_newton_rule(p, g, s, t, h, lr, oracle=None):
    """p ← p − η·(|H| + δI)⁻¹g, |H| = V|Λ|Vᵀ (Dauphin et al. 2014).

    The eigenvalues' signs are dropped: along a direction of negative curvature the step goes
    downhill instead of towards the saddle, and δ bounds the step where the curvature
    vanishes. Neither torch nor Keras has it.
    """
    g = _l2(g, p, h["weight_decay"])
    H = _hessian(oracle, p, "saddle_free_newton")
    wd = _per_lane(h["weight_decay"])  # the L2 penalty's λI, before the signs are dropped
    H = H + np.asarray(wd)[..., None, None] * np.eye(2)
    finite = np.isfinite(H).all(axis=(-2, -1))
    lam, vec = np.linalg.eigh(np.where(finite[..., None, None], H, 0.0))
    lam = np.where(finite[..., None], lam, np.nan)  # a lane off the surface's domain stops
    scale = 1.0 / (np.abs(lam) + h["damping"])  # (..., 2)
    coords = np.einsum("...ji,...j->...i", vec, g)  # g in the eigenbasis
    step = np.einsum("...ij,...j->...i", vec, coords * scale)
    return p - lr * step, {}

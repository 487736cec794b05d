"""The update rules, pure functions `(p, g, slots, t, h, lr, xp) -> (p', slots')` written
once against a namespace `xp`: ARRAY (NumPy, lanes stacked) or FLOAT (plain Python floats, one
coordinate at a time). Each docstring gives the update in one line and says where Keras
differs in form."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray


def read_only(a: Any) -> Array:
    """A read-only view (the caller's own array is never touched)."""
    v = (a if type(a) is np.ndarray and a.dtype == np.float64 else np.asarray(a, np.float64)).view()
    v.flags.writeable = False
    return v


PLAIN = (int, float)


def _l2(g: Array, p: Array, wd: Any) -> Array:
    """g + λp: torch's L2 penalty (skipped when λ is a plain 0, as torch skips it)."""
    if isinstance(wd, PLAIN) and wd == 0:
        return g
    return g + wd * p


def fit(a: Array, shape: tuple[int, ...]) -> Array:
    """`a` broadcast to `shape` (a per-lane hyperparameter can widen a result's shape)."""
    return a if a.shape == shape else np.broadcast_to(a, shape)


def sel(flag: Any, a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    """np.where for a per-lane flag; a plain branch (only one side computed) for a bool."""
    if isinstance(flag, bool | np.bool_):
        return a() if flag else b()
    with np.errstate(divide="ignore", invalid="ignore"):  # the side not taken may be invalid
        return np.where(flag, a(), b())


# Every rule is written once, against a namespace `xp` of the few functions it needs beyond
# arithmetic: ARRAY runs it on NumPy arrays (any number of lanes, hyperparameters per lane),
# FLOAT on plain Python floats (one coordinate of one lane: the race kernel's fast path for
# a few lanes, where NumPy's per-call overhead would dominate). Both give the same bits:
# IEEE arithmetic, correctly rounded square roots, and the same order of operations.


class _ArrayOps:
    sqrt = staticmethod(np.sqrt)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    abs = staticmethod(np.abs)
    sign = staticmethod(np.sign)
    sel = staticmethod(sel)

    @staticmethod
    def scalar(v: Any) -> bool:
        return np.ndim(v) == 0


NAN = float("nan")


def _fmax(a: float, b: float) -> float:
    """np.maximum for two floats: NaN if either is NaN."""
    if a >= b:
        return a
    return b if b >= a else NAN


def _fmin(a: float, b: float) -> float:
    """np.minimum for two floats: NaN if either is NaN."""
    if a <= b:
        return a
    return b if b <= a else NAN


def _fsign(a: float) -> float:
    """np.sign of a float (NaN stays NaN)."""
    if a > 0:
        return 1.0
    if a < 0:
        return -1.0
    return 0.0 if a == 0 else NAN


class _FloatOps:
    """Plain floats. Where NumPy answers inf or NaN, Python raises (math.sqrt of a negative,
    an overflowing power, a division by zero): a caller catches ArithmeticError and
    ValueError and redoes that step with ARRAY on NumPy scalars, which answer as NumPy does."""

    sqrt = staticmethod(math.sqrt)
    maximum = staticmethod(_fmax)
    minimum = staticmethod(_fmin)
    abs = staticmethod(abs)
    sign = staticmethod(_fsign)

    @staticmethod
    def sel(flag: Any, a: Callable[[], Any], b: Callable[[], Any]) -> Any:
        return a() if flag else b()

    @staticmethod
    def scalar(v: Any) -> bool:
        return True


ARRAY = _ArrayOps()


FLOAT = _FloatOps()


# Each rule gets params p, gradient g, the slot dict, the new step count t (1-based, as in
# torch after `step += 1`), hyperparameters h (already aligned with p) and the learning rate.
# The gradient is already negated under `maximize` (torch's first line in every rule), by
# the caller: Optimizer.advance for arrays, the race's float kernel for floats.


def sgd_rule(p, g, s, t, h, lr, xp=ARRAY):
    """g ← g + λp; b ← μb + (1−τ)g (b₁ = g); g ← g + μb if nesterov else b; p ← p − ηg.

    Keras SGD keeps v ← μv − ηg and adds v: the same path for a constant η, but Keras folds η
    into the buffer, so the two differ once a schedule changes η.
    """
    g = _l2(g, p, h["weight_decay"])
    mu = h["momentum"]
    # torch skips the buffer entirely when momentum == 0 (then dampening has no effect): a
    # momentum that a schedule cycles down to 0 leaves the buffer as it was
    if t == 1:
        buf = g
    else:  # (plain branches, not xp.sel: its closures cost the float kernel 30% here)
        old = s["momentum_buffer"]
        if xp.scalar(mu):
            buf = old if mu == 0 else mu * old + (1.0 - h["dampening"]) * g
        else:
            buf = np.where(mu != 0, mu * old + (1.0 - h["dampening"]) * g, old)
    nesterov = h["nesterov"]
    d = buf if nesterov is False else xp.sel(nesterov, lambda: g + mu * buf, lambda: buf)
    if xp.scalar(mu):
        return p - lr * (d if mu != 0 else g), {"momentum_buffer": buf}
    d = np.where(mu != 0, d, g)
    return p - lr * d, {"momentum_buffer": buf}


def adagrad_rule(p, g, s, t, h, lr, xp=ARRAY):
    """Σ ← Σ + g²; p ← p − η/(1+(t−1)·decay) · g/(√Σ + ε).

    Keras puts ε inside the square root (g/√(Σ+ε)) and starts Σ at 0.1.
    """
    g = _l2(g, p, h["weight_decay"])
    clr = lr / (1.0 + (t - 1) * h["lr_decay"])
    acc = s["sum"] + g * g
    return p - clr * g / (xp.sqrt(acc) + h["eps"]), {"sum": acc}


def rmsprop_rule(p, g, s, t, h, lr, xp=ARRAY):
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
    mu, old = h["momentum"], s["momentum_buffer"]
    # torch steps by d at momentum 0 and leaves the buffer (a cycled momentum finds it there);
    # plain branches, not xp.sel: its closures cost the float kernel 30% here
    if xp.scalar(mu):
        buf, step = (mu * old + d,) * 2 if mu > 0 else (old, d)
    else:
        buf = np.where(mu > 0, mu * old + d, old)
        step = np.where(mu > 0, buf, d)
    return p - lr * step, {"square_avg": sq, "grad_avg": gavg, "momentum_buffer": buf}


def adadelta_rule(p, g, s, t, h, lr, xp=ARRAY):
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


def adam_rule(p, g, s, t, h, lr, xp=ARRAY):
    """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − η·m̂/(√v̂ + ε) (v̂ ← max under amsgrad).

    L2 penalty: g ← g + λp before the moments, or with decoupled_weight_decay p ← p(1 − ηλ)
    (then it is AdamW). Keras adds ε to √v before the √(1−β₂ᵗ) correction (its "epsilon
    hat") and defaults to ε=1e-7.
    """
    if h["decoupled_weight_decay"] is False:  # the common case: one call less per coordinate
        return _adam_core(p, _l2(g, p, h["weight_decay"]), s, t, h, lr, xp)
    p, g = _decay(p, g, h, lr, xp)
    return _adam_core(p, g, s, t, h, lr, xp)


def adamw_rule(p, g, s, t, h, lr, xp=ARRAY):
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


def nadam_rule(p, g, s, t, h, lr, xp=ARRAY):
    """μₜ = β₁(1 − ½·0.96^(tψ)); p ← p − η(1−μₜ)/(1−Πμ)·g/d − ημₜ₊₁/(1−Πμ·μₜ₊₁)·m/d.

    d = √(v/(1−β₂ᵗ)) + ε. Keras 3's Nadam has the same form with μₜ = β₁(1 − ½·0.96ᵗ), that
    is ψ = 1 (its preset); torch's default ψ = 0.004 makes the schedule 250 times slower.
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


def radam_rule(p, g, s, t, h, lr, xp=ARRAY):
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


def adamax_rule(p, g, s, t, h, lr, xp=ARRAY):
    """m ← β₁m + (1−β₁)g; u ← max(β₂u, |g| + ε); p ← p − η/(1−β₁ᵗ) · m/u.

    Keras adds ε to u in the denominator instead of inside the max.
    """
    g = _l2(g, p, h["weight_decay"])
    b1 = h["beta1"]
    m = s["exp_avg"] + (1.0 - b1) * (g - s["exp_avg"])
    u = xp.maximum(h["beta2"] * s["exp_inf"], xp.abs(g) + h["eps"])
    return p - lr / (1.0 - b1**t) * m / u, {"exp_avg": m, "exp_inf": u}


def rprop_rule(p, g, s, t, h, lr, xp=ARRAY):
    """σ = sign(g·g₋₁); Δ ← clamp(Δ·(η₊ if σ>0, η₋ if σ<0, else 1), Δmin, Δmax);
    g ← 0 where σ<0; p ← p − sign(g)·Δ; g₋₁ ← g.

    Only the sign of the gradient is used. Δ starts at lr on the first step (torch sets the
    step sizes from the group's rate once; a schedule changes only that start). Not in Keras.
    """
    etaminus, etaplus = h["etaminus"], h["etaplus"]
    sg = xp.sign(g * s["prev"])
    factor = xp.sel(
        sg > 0,
        lambda: etaplus,
        lambda: xp.sel(sg < 0, lambda: etaminus, lambda: xp.sel(sg == 0, lambda: 1.0, lambda: sg)),
    )
    size = (lr if t == 1 else s["step_size"]) * factor
    size = xp.minimum(xp.maximum(size, h["step_size_min"]), h["step_size_max"])
    g = xp.sel(factor == etaminus, lambda: 0.0, lambda: g)
    return p - xp.sign(g) * size, {"prev": g, "step_size": size}


def asgd_rule(p, g, s, t, h, lr, xp=ARRAY):
    """p ← p(1 − λη) − ηg; ax ← p if μ = 1 else ax + μ(p − ax);
    then η ← lr/(1 + λ·lr·t)^α and μ ← 1/max(1, t − t0).

    The path is p; ax is the running average a student would use as the answer once t > t0
    (torch's default t0 = 10⁶: no averaging in a short race). η starts at lr. Not in Keras.
    """
    g = _l2(g, p, h["weight_decay"])
    lambd = h["lambd"]
    eta = lr if t == 1 else s["eta"]
    p = p * (1.0 - lambd * eta) - eta * g
    mu = s["mu"]
    ax = xp.sel(mu != 1, lambda: s["ax"] + (p - s["ax"]) * mu, lambda: p)
    new_eta = lr / (1.0 + lambd * lr * t) ** h["alpha"]
    new_mu = 1.0 / xp.maximum(1.0, t - h["t0"])
    return p, {"eta": new_eta, "mu": new_mu, "ax": ax}

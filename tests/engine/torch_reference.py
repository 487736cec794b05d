"""A written-out reference of torch.optim's update rules, one scalar at a time.

Transcribed from the algorithm boxes of the torch.optim documentation and the
single-tensor code paths of torch 2.x (foreach=False), in plain Python floats,
deliberately unlike the engine's vectorized code. `step(name, h, p, g, state)` updates one
scalar parameter `p` with gradient `g`; `state` is a dict this function owns. Every rule
starts as torch's does: with maximize, the gradient is negated first.

The rules that read a lane's whole vector (Adafactor, Newton, saddle-free Newton) are
written out in `vector_step`, on a list of floats.
"""

from __future__ import annotations

import math


def step(name: str, h: dict, p: float, g: float, st: dict) -> float:
    st["t"] = st.get("t", 0) + 1
    if h.get("maximize"):
        g = -g
    return _RULES[name](h, p, g, st, st["t"])


def _sgd(h, p, g, st, t):
    lr, mom, damp, wd, nest = (
        h["lr"],
        h.get("momentum", 0.0),
        h.get("dampening", 0.0),
        h["weight_decay"],
        h.get("nesterov", False),
    )
    if wd != 0:
        g = g + wd * p
    if mom != 0:
        if "buf" not in st:
            st["buf"] = g
        else:
            st["buf"] = mom * st["buf"] + (1 - damp) * g
        g = g + mom * st["buf"] if nest else st["buf"]
    return p - lr * g


def _adagrad(h, p, g, st, t):
    st.setdefault("sum", h["initial_accumulator_value"])
    if h["weight_decay"] != 0:
        g = g + h["weight_decay"] * p
    clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
    st["sum"] += g * g
    return p - clr * g / (math.sqrt(st["sum"]) + h["eps"])


def _rmsprop(h, p, g, st, t):
    alpha, eps, mom = h["alpha"], h["eps"], h["momentum"]
    if h["weight_decay"] != 0:
        g = g + h["weight_decay"] * p
    st["sq"] = alpha * st.get("sq", 0.0) + (1 - alpha) * g * g
    if h["centered"]:
        st["gavg"] = st.get("gavg", 0.0) * alpha + (1 - alpha) * g
        avg = math.sqrt(st["sq"] - st["gavg"] ** 2) + eps
    else:
        avg = math.sqrt(st["sq"]) + eps
    if mom > 0:
        st["buf"] = mom * st.get("buf", 0.0) + g / avg
        return p - h["lr"] * st["buf"]
    return p - h["lr"] * g / avg


def _adadelta(h, p, g, st, t):
    rho, eps = h["rho"], h["eps"]
    if h["weight_decay"] != 0:
        g = g + h["weight_decay"] * p
    st["sq"] = rho * st.get("sq", 0.0) + (1 - rho) * g * g
    std = math.sqrt(st["sq"] + eps)
    delta = math.sqrt(st.get("acc", 0.0) + eps) / std * g
    st["acc"] = rho * st.get("acc", 0.0) + (1 - rho) * delta * delta
    return p - h["lr"] * delta


def _adam(h, p, g, st, t, decoupled=False):
    b1, b2 = h["betas"]
    lr, eps, wd = h["lr"], h["eps"], h["weight_decay"]
    if decoupled:
        p = p * (1 - lr * wd)
    elif wd != 0:
        g = g + wd * p
    st["m"] = st.get("m", 0.0) + (g - st.get("m", 0.0)) * (1 - b1)
    st["v"] = st.get("v", 0.0) * b2 + (1 - b2) * g * g
    bc1 = 1 - b1**t
    bc2 = 1 - b2**t
    if h["amsgrad"]:
        st["vmax"] = max(st.get("vmax", 0.0), st["v"])
        denom = math.sqrt(st["vmax"]) / math.sqrt(bc2) + eps
    else:
        denom = math.sqrt(st["v"]) / math.sqrt(bc2) + eps
    return p - (lr / bc1) * st["m"] / denom


def _adam_l2_or_decoupled(h, p, g, st, t):
    return _adam(h, p, g, st, t, decoupled=h.get("decoupled_weight_decay", False))


def _adamw(h, p, g, st, t):
    return _adam(h, p, g, st, t, decoupled=True)


def _decay(h, p, g):
    if h["weight_decay"] != 0:
        if h["decoupled_weight_decay"]:
            p = p * (1 - h["lr"] * h["weight_decay"])
        else:
            g = g + h["weight_decay"] * p
    return p, g


def _nadam(h, p, g, st, t):
    b1, b2 = h["betas"]
    lr, eps, psi = h["lr"], h["eps"], h["momentum_decay"]
    p, g = _decay(h, p, g)
    bc2 = 1 - b2**t
    mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
    st["mu_product"] = st.get("mu_product", 1.0) * mu
    st["m"] = st.get("m", 0.0) + (g - st.get("m", 0.0)) * (1 - b1)
    st["v"] = st.get("v", 0.0) * b2 + (1 - b2) * g * g
    denom = math.sqrt(st["v"] / bc2) + eps
    p = p - lr * (1 - mu) / (1 - st["mu_product"]) * g / denom
    return p - lr * mu_next / (1 - st["mu_product"] * mu_next) * st["m"] / denom


def _radam(h, p, g, st, t):
    b1, b2 = h["betas"]
    lr, eps = h["lr"], h["eps"]
    p, g = _decay(h, p, g)
    st["m"] = st.get("m", 0.0) + (g - st.get("m", 0.0)) * (1 - b1)
    st["v"] = st.get("v", 0.0) * b2 + (1 - b2) * g * g
    bc1 = 1 - b1**t
    bc2 = 1 - b2**t
    m_hat = st["m"] / bc1
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * (b2**t) / bc2
    if rho_t > 5.0:
        rect = math.sqrt(
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )
        adaptive = math.sqrt(bc2) / (math.sqrt(st["v"]) + eps)
        return p - m_hat * lr * adaptive * rect
    return p - m_hat * lr


def _adamax(h, p, g, st, t):
    b1, b2 = h["betas"]
    if h["weight_decay"] != 0:
        g = g + h["weight_decay"] * p
    st["m"] = st.get("m", 0.0) + (g - st.get("m", 0.0)) * (1 - b1)
    st["u"] = max(st.get("u", 0.0) * b2, abs(g) + h["eps"])
    clr = h["lr"] / (1 - b1**t)
    return p - clr * st["m"] / st["u"]


def _rprop(h, p, g, st, t):
    etaminus, etaplus = h["etas"]
    lo, hi = h["step_sizes"]
    if t == 1:
        st["prev"], st["size"] = 0.0, h["lr"]
    prod = g * st["prev"]
    if prod > 0:
        st["size"] = min(st["size"] * etaplus, hi)
    elif prod < 0:
        st["size"] = max(st["size"] * etaminus, lo)
        g = 0.0  # the sign flipped: skip this coordinate's step, forget the gradient
    else:
        st["size"] = min(max(st["size"], lo), hi)
    sign = int(g > 0) - int(g < 0)
    st["prev"] = g
    return p - sign * st["size"]


def _asgd(h, p, g, st, t):
    if t == 1:
        st["eta"], st["mu"], st["ax"] = h["lr"], 1.0, 0.0
    if h["weight_decay"] != 0:
        g = g + h["weight_decay"] * p
    eta = st["eta"]
    p = p * (1 - h["lambd"] * eta) - eta * g
    st["ax"] = p if st["mu"] == 1 else st["ax"] + st["mu"] * (p - st["ax"])
    st["eta"] = h["lr"] / (1 + h["lambd"] * h["lr"] * t) ** h["alpha"]
    st["mu"] = 1 / max(1, t - h["t0"])
    return p


_RULES = {
    "gd": _sgd,
    "sgd": _sgd,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adadelta": _adadelta,
    "adam": _adam_l2_or_decoupled,
    "adamw": _adamw,
    "nadam": _nadam,
    "radam": _radam,
    "adamax": _adamax,
    "rprop": _rprop,
    "asgd": _asgd,
}


def vector_step(name: str, h: dict, p: list, g: list, st: dict, hess=None) -> list:
    """One step of a rule that reads the whole vector p (a list of floats); `hess(p)` gives
    the 2 × 2 Hessian as nested lists (Newton's methods)."""
    st["t"] = st.get("t", 0) + 1
    if h.get("maximize"):
        g = [-x for x in g]
    return _VECTOR[name](h, p, g, st, st["t"], hess)


def _rms(v):
    return math.sqrt(sum(x * x for x in v) / len(v))


def _adafactor(h, p, g, st, t, hess):
    eps1, eps2 = h["eps"]
    lr = h["lr"]
    beta2_t = 1 - t ** h["beta2_decay"]  # the weight of the old second moment
    rho = min(lr, 1 / math.sqrt(t))
    alpha = max(eps2, _rms(p)) * rho
    if h["weight_decay"] != 0:
        p = [x * (1 - lr * h["weight_decay"]) for x in p]
    v = st.get("v", [0.0] * len(p))
    v = [beta2_t * vi + (1 - beta2_t) * gi * gi for vi, gi in zip(v, g, strict=True)]
    st["v"] = v
    u = [gi / math.sqrt(max(vi, eps1 * eps1)) for vi, gi in zip(v, g, strict=True)]
    scale = alpha / max(1.0, _rms(u) / h["d"])
    return [x - scale * ui for x, ui in zip(p, u, strict=True)]


def _inverse_times(m, g):
    (a, b), (c, d) = m
    det = a * d - b * c
    return [(d * g[0] - b * g[1]) / det, (a * g[1] - c * g[0]) / det]


def _newton(h, p, g, st, t, hess):
    if h["weight_decay"] != 0:
        g = [gi + h["weight_decay"] * x for gi, x in zip(g, p, strict=True)]
    (a, b), (c, d) = hess(p)
    lam = h["damping"] + h["weight_decay"]  # the penalty ½λ‖p‖² adds λI to H
    step = _inverse_times([[a + lam, b], [c, d + lam]], g)
    return [x - h["lr"] * s for x, s in zip(p, step, strict=True)]


def _saddle_free_newton(h, p, g, st, t, hess):
    """|H| from the eigenvalues in closed form: λ = m ± r with m the mean of the diagonal."""
    if h["weight_decay"] != 0:
        g = [gi + h["weight_decay"] * x for gi, x in zip(g, p, strict=True)]
    (a, b), (_, d) = hess(p)
    a, d = a + h["weight_decay"], d + h["weight_decay"]  # the penalty's λI
    m, r = (a + d) / 2, math.hypot((a - d) / 2, b)
    out = [0.0, 0.0]
    for lam in (m - r, m + r):
        # an eigenvector of [[a, b], [b, d]] for λ (either form; pick the better scaled)
        vx, vy = (b, lam - a) if abs(lam - a) + abs(b) > abs(lam - d) + abs(b) else (lam - d, b)
        n = math.hypot(vx, vy)
        if n == 0:  # a diagonal H with equal entries: any basis
            vx, vy, n = (1.0, 0.0, 1.0) if lam == m - r else (0.0, 1.0, 1.0)
        vx, vy = vx / n, vy / n
        k = (vx * g[0] + vy * g[1]) / (abs(lam) + h["damping"])
        out = [out[0] + k * vx, out[1] + k * vy]
    return [x - h["lr"] * s for x, s in zip(p, out, strict=True)]


_VECTOR = {
    "adafactor": _adafactor,
    "newton": _newton,
    "saddle_free_newton": _saddle_free_newton,
}

# torch.optim's documented defaults (torch 2.x), under the engine's names.
TORCH_DEFAULTS = {
    "sgd": {
        "lr": 1e-3,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
        "maximize": False,
    },
    "adagrad": {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    },
    "rmsprop": {
        "lr": 1e-2,
        "alpha": 0.99,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum": 0.0,
        "centered": False,
    },
    "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "adam": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "decoupled_weight_decay": False,
        "maximize": False,
    },
    "adamw": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 1e-2,
        "amsgrad": False,
    },
    "nadam": {
        "lr": 2e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum_decay": 4e-3,
        "decoupled_weight_decay": False,
    },
    "radam": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "decoupled_weight_decay": False,
    },
    "adamax": {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "rprop": {"lr": 1e-2, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50)},
    "asgd": {"lr": 1e-2, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0.0},
    # torch's eps[0] default None means torch.finfo(float64).eps: the registry writes it out
    "adafactor": {
        "lr": 1e-2,
        "beta2_decay": -0.8,
        "eps": (None, 1e-3),
        "d": 1.0,
        "weight_decay": 0.0,
    },
    "lbfgs": {
        "lr": 1,
        "max_iter": 20,
        "max_eval": None,
        "tolerance_grad": 1e-7,
        "tolerance_change": 1e-9,
        "history_size": 100,
        "line_search_fn": None,
    },
}
for _d in TORCH_DEFAULTS.values():
    _d.setdefault("maximize", False)
TORCH_DEFAULTS["lbfgs"].pop("maximize")  # torch's LBFGS has no maximize
FLOAT64_EPS = 2.220446049250313e-16  # torch.finfo(torch.float64).eps

"""A written-out reference of torch.optim's update rules, one scalar at a time.

Transcribed from the algorithm boxes of the torch.optim documentation and the
single-tensor code paths of torch 2.x (maximize=False, foreach=False), in plain Python
floats, deliberately unlike the engine's vectorized code. `step(name, h, p, g, state)`
updates one scalar parameter `p` with gradient `g`; `state` is a dict this function owns.
"""

from __future__ import annotations

import math


def step(name: str, h: dict, p: float, g: float, st: dict) -> float:
    st["t"] = st.get("t", 0) + 1
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


_RULES = {
    "gd": _sgd,
    "sgd": _sgd,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adadelta": _adadelta,
    "adam": _adam,
    "adamw": _adamw,
    "nadam": _nadam,
    "radam": _radam,
    "adamax": _adamax,
}

# torch.optim's documented defaults (torch 2.x), under the engine's names.
TORCH_DEFAULTS = {
    "sgd": {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
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
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
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
}

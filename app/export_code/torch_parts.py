"""torch.optim and torch.optim.lr_scheduler lines for one lane: the engine's optimizers and
schedules follow torch exactly, so each is its torch class with the same arguments (those
that differ from torch's defaults, and always lr). Newton's two methods are not in
torch.optim: the script writes their step out (NEWTON_CLASS)."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.export_code.common import CodeRefused, differs, kwargs, num, resolved
from engine import schedules

# fmt: off
OPTIMIZERS = {
    "gd": "SGD", "sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
    "adadelta": "Adadelta", "adam": "Adam", "adamw": "AdamW", "nadam": "NAdam",
    "radam": "RAdam", "adamax": "Adamax", "rprop": "Rprop", "asgd": "ASGD",
    "adafactor": "Adafactor", "lbfgs": "LBFGS",
}

SCHEDULERS = {
    "step": "StepLR", "multistep": "MultiStepLR", "exponential": "ExponentialLR",
    "cosine": "CosineAnnealingLR", "cosine_restarts": "CosineAnnealingWarmRestarts",
    "cyclic": "CyclicLR", "one_cycle": "OneCycleLR", "linear": "LinearLR",
    "constant_factor": "ConstantLR", "polynomial": "PolynomialLR",
}
# fmt: on

NEWTON = ("newton", "saddle_free_newton")
ALWAYS = ("lr", "betas")  # written even at their defaults: the lines a student knows


def optimizer_call(name: str, params: dict[str, Any], where: str) -> str:
    """`torch.optim.Adam(params, lr=0.05, betas=(0.9, 0.999))` (or the written-out Newton)."""
    values = resolved("optimizer", name, params)
    given = differs("optimizer", name, params)
    shown = {k: values[k] for k in values if k in given or k in ALWAYS}
    if name in NEWTON:  # every argument: the written-out class has its own defaults
        return f"Newton(params, saddle_free={num(name != 'newton')}, {kwargs(values)})"
    if name not in OPTIMIZERS:
        raise CodeRefused(where, f"{name} has no torch.optim class")
    return f"torch.optim.{OPTIMIZERS[name]}(params, {kwargs(shown)})"


def schedule_parts(
    spec: dict[str, Any] | None, lr: float, steps: int, table_name: str
) -> tuple[str | None, str | None]:
    """(the scheduler's construction on `opt`, or None; an embedded table of rates, or None).

    A schedule with a torch class is that class; Keras' schedules (keras_*) have none, so
    the script sets each update's rate from a table (`Rates`)."""
    if spec is None or spec["name"] == "constant":
        return None, None
    name, params = spec["name"], dict(spec.get("params") or {})
    if name == "reduce_on_plateau":
        shown = differs("schedule", name, params)
        return f"torch.optim.lr_scheduler.ReduceLROnPlateau(opt, {kwargs(shown)})", None
    if name.startswith("keras_"):
        rates = np.broadcast_to(
            schedules.create(name, lr, steps=steps, **params)(np.arange(steps)), (steps,)
        )
        table = f"{table_name} = {num([float(r) for r in rates])}"
        return f"Rates(opt, {table_name})  # Keras' {name[6:]}: no torch class", table
    return scheduler(name, params, lr, steps), None


def scheduler(name: str, params: dict[str, Any], lr: float, steps: int) -> str:
    """One torch scheduler on `opt` (SequentialLR of its parts, warm-up + cosine as one)."""
    values = resolved("schedule", name, params)
    if name == "sequential":
        parts, milestones = list(values["schedulers"]), [int(m) for m in values["milestones"]]
        edges = [0, *milestones, steps]
        inner = []
        for i, part in enumerate(parts):
            span = max(edges[i + 1] - edges[i], 1)
            inner.append(scheduler(part["name"], part.get("params") or {}, lr, span))
        body = ",\n            ".join(inner)
        return (
            f"torch.optim.lr_scheduler.SequentialLR(opt, [\n            {body},\n        ], "
            f"milestones={num(milestones)})"
        )
    if name == "multiplicative":
        f = num(values["factor"])
        return f"torch.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: {f})"
    if name == "warmup_cosine":
        warm = values["total_iters"]
        t_max = values["T_max"] if values["T_max"] is not None else max(steps - warm, 1)
        lin = kwargs({"start_factor": values["start_factor"], "total_iters": warm})
        cos = kwargs({"T_max": t_max, "eta_min": values["eta_min"]})
        return (
            "torch.optim.lr_scheduler.SequentialLR(opt, [\n"
            f"            torch.optim.lr_scheduler.LinearLR(opt, {lin}),\n"
            f"            torch.optim.lr_scheduler.CosineAnnealingLR(opt, {cos}),\n"
            f"        ], milestones=[{warm}])"
        )
    shown = differs("schedule", name, params)
    if name == "cosine":
        shown = {"T_max": values["T_max"] or max(steps, 1), **shown}
    if name == "one_cycle":
        shown = {
            "max_lr": values["max_lr"] if values["max_lr"] is not None else lr,
            "total_steps": values["total_steps"] or max(steps, 2),
            **{k: v for k, v in shown.items() if k not in ("max_lr", "total_steps")},
        }
    if name == "cyclic":
        lo = values["base_lr"] if values["base_lr"] is not None else lr
        hi = values["max_lr"] if values["max_lr"] is not None else 10.0 * lo
        rest = {k: v for k, v in shown.items() if k not in ("base_lr", "max_lr")}
        shown = {"base_lr": lo, "max_lr": hi, **rest}
    if name not in SCHEDULERS:
        raise CodeRefused("schedule", f"{name} has no torch scheduler")
    return f"torch.optim.lr_scheduler.{SCHEDULERS[name]}(opt, {kwargs(shown)})"


NEWTON_CLASS = '''
class Newton:
    """Newton's method p <- p - lr*(H + damping*I)^-1 g with the exact Hessian (torch.optim
    has none; written out for a 2-vector). saddle_free: |H| instead of H (Dauphin et al.
    2014: eigenvalues without their signs). weight_decay: the penalty weight_decay/2*|p|^2,
    so g + weight_decay*p and H + weight_decay*I."""

    def __init__(self, params, saddle_free=False, lr=1.0, damping=0.0, weight_decay=0.0,
                 maximize=False):
        self.params = list(params)
        self.param_groups = [{"params": self.params, "lr": lr}]
        self.saddle_free, self.damping, self.weight_decay = saddle_free, damping, weight_decay
        self.maximize = maximize  # saddle-free Newton climbs with -g (torch's maximize)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        (p,) = self.params
        lr, wd = self.param_groups[0]["lr"], self.weight_decay
        g = -p.grad if self.maximize else p.grad
        g = g if wd == 0 else g + wd * p
        with torch.enable_grad():
            H = torch.autograd.functional.hessian(lambda q: f(q[0], q[1]), p.detach())
        if self.saddle_free:
            H = H + wd * torch.eye(2)
            lam, vec = torch.linalg.eigh(H)
            coords = vec.T @ g
            p -= lr * (vec @ (coords / (lam.abs() + self.damping)))
            return
        shift = self.damping + wd
        a, b, c = H[0, 0] + shift, H[0, 1], H[1, 1] + shift
        det = a * c - b * b
        p -= lr * torch.stack([(c * g[0] - b * g[1]) / det, (a * g[1] - b * g[0]) / det])
'''


RATES_CLASS = '''
class Rates:
    """Each update's rate from a table (a schedule torch.optim.lr_scheduler has no class
    for): update k uses rates[k - 1], as a scheduler stepped after every update."""

    def __init__(self, opt, rates):
        self.opt, self.rates, self.last_epoch = opt, rates, 0
        self._set()

    def step(self):
        self.last_epoch += 1
        if self.last_epoch < len(self.rates):
            self._set()

    def _set(self):
        for group in self.opt.param_groups:
            group["lr"] = self.rates[self.last_epoch]
'''

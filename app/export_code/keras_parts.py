"""keras.optimizers lines for one lane, with a comment wherever Keras' rule differs in form
from torch's (the engine's rule). The engine's Keras preset gives Keras' default values
under torch's names; the forms below are Keras' own, so a Keras script agrees with the
engine to about 1e-3, not to the last bit."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.export_code.common import CodeRefused, comment, kwargs, num, resolved
from engine import registry, schedules

# fmt: off
CLASSES = {
    "gd": "SGD", "sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
    "adadelta": "Adadelta", "adam": "Adam", "adamw": "AdamW", "nadam": "Nadam",
    "adamax": "Adamax", "adafactor": "Adafactor",
}

# torch's name → Keras' name of each hyperparameter
RENAME = {
    "lr": "learning_rate", "eps": "epsilon", "momentum": "momentum", "nesterov": "nesterov",
    "centered": "centered", "initial_accumulator_value": "initial_accumulator_value",
    "amsgrad": "amsgrad", "beta2_decay": "beta_2_decay", "d": "clip_threshold",
}

NOTES = {
    "sgd": "Keras' momentum form v <- m*v - lr*g, p <- p + v is torch's b <- m*b + g, "
           "p <- p - lr*b at a constant rate (they part when the rate changes)",
    "gd": "plain gradient descent: SGD without momentum, the same in both",
    "adagrad": "Keras adds epsilon inside the square root, p <- p - lr*g/sqrt(acc + eps); "
               "torch outside, lr*g/(sqrt(acc) + eps); Keras' accumulator starts at 0.1 "
               "(the Keras preset), torch's at 0",
    "rmsprop": "Keras' rho is torch's alpha; Keras adds epsilon inside the square root, "
               "lr*g/sqrt(v + eps), torch outside, lr*g/(sqrt(v) + eps); with momentum Keras' "
               "buffer holds lr*g/sqrt(...), torch's g/(...)",
    "adadelta": "the same rule; Keras' defaults are rho 0.95, eps 1e-7, lr 0.001",
    "adam": "Keras folds the bias corrections into the rate, lr*sqrt(1 - b2^t)/(1 - b1^t), "
            "and adds epsilon to sqrt(v) uncorrected: epsilon sits in another place",
    "adamw": "as Adam (epsilon in another place); the decoupled decay is p <- p - lr*wd*p "
             "in both",
    "nadam": "Keras' momentum schedule is b1*(1 - 0.5*0.96^t): torch's momentum_decay "
             "form with momentum_decay = 1 (the Keras preset)",
    "adamax": "Keras adds epsilon to the infinity norm after the max: u <- max(b2*u, |g|), "
              "p <- p - lr_t*m/(u + eps); torch takes max(b2*u, |g| + eps)",
    "adafactor": "a 2-vector is one unfactored moment in both; Keras clips the update's RMS "
                 "with clip_threshold (torch's d) and floors g^2 with epsilon_1 added",
}
# fmt: on

L2_FORM = ("sgd", "gd", "adagrad", "rmsprop", "adadelta", "adam", "nadam", "adamax")


def optimizer_call(name: str, params: dict[str, Any], where: str) -> tuple[str, str, float]:
    """(`keras.optimizers.Adam(...)`, a comment on how Keras' rule differs, the torch-form
    L2 weight decay λ the script adds to the loss as λ/2·|p|² (Keras' own weight_decay
    is decoupled))."""
    if name not in CLASSES:
        raise CodeRefused(f"{where}.name", f"Keras has no {name}: use the PyTorch script")
    v = resolved("optimizer", name, params)
    for flag, why in (("dampening", "dampening"), ("lr_decay", "a per-step lr_decay")):
        if v.get(flag):
            raise CodeRefused(f"{where}.params.{flag}", f"Keras' {CLASSES[name]} has no {why}")
    args: dict[str, Any] = {}
    l2 = 0.0
    for k, value in v.items():
        if k == "betas":
            args["beta_1"], args["beta_2"] = float(value[0]), float(value[1])
        elif k == "rho" or (k == "alpha" and name == "rmsprop"):
            args["rho"] = value
        elif k == "eps" and name == "adafactor":
            args["epsilon_1"], args["epsilon_2"] = float(value[0]), float(value[1])
        elif k == "weight_decay":
            if name in L2_FORM and not (name == "adam" and v.get("decoupled_weight_decay")):
                l2 = float(value)
            elif value:
                args["weight_decay"] = value
        elif k == "momentum" and name == "gd":
            continue
        elif k in RENAME and (k not in ("momentum", "nesterov", "centered", "amsgrad") or value):
            args[RENAME[k]] = value
    if name == "adafactor":
        args["relative_step"] = True
    return f"keras.optimizers.{CLASSES[name]}({kwargs(args)})", NOTES[name], l2


def schedule_arg(
    spec: dict[str, Any] | None, lr: float, steps: int, table_name: str, where: str
) -> tuple[str | None, str | None]:
    """(the learning_rate argument, an embedded table of rates or None). Keras' schedules
    are their own classes; a torch schedule has no Keras class, so its rates are a table
    (`Rates`). A schedule that cycles the momentum (torch's cycle_momentum) is refused."""
    if spec is None or spec["name"] == "constant":
        return None, None
    name, params = spec["name"], dict(spec.get("params") or {})
    if name == "reduce_on_plateau":
        return None, None  # stepped per epoch by the script (torch's rule, written out)
    rule = schedules.create(name, lr, steps=steps, **params)
    if getattr(rule, "momentum", None) is not None:
        raise CodeRefused(
            f"{where}.schedule.params.cycle_momentum",
            "Keras has no momentum schedule: set cycle_momentum to false",
        )
    if name.startswith("keras_"):
        return _keras_schedule(name, params, lr, steps), None
    rates = np.broadcast_to(rule(np.arange(steps)), (steps,))
    table = f"{table_name} = {num([float(r) for r in rates])}"
    return f"Rates({table_name})  # torch's {name}: no Keras class", table


def lane_function(
    i: int, spec: dict[str, Any], steps: int, notes: tuple[str, ...] = ()
) -> tuple[str, str | None, float]:
    """(`def optimizer_i(): return keras.optimizers...`, its table of rates or None, torch's
    L2 weight decay λ for the loss): lane i's optimizer with its schedule as the learning
    rate and its clipping as global_clipnorm; `notes` are extra comment lines."""
    where = f"optimizers.{i}"
    call, note, wd = optimizer_call(spec["name"], spec["params"], where)
    lr = registry.resolve("optimizer", spec["name"], spec["params"])["lr"]
    rate, table = schedule_arg(spec["schedule"], lr, steps, f"RATES_{i}", where)
    if rate is not None:
        call = call.replace(f"learning_rate={num(lr)}", f"learning_rate={rate.split('  #')[0]}")
    if spec.get("clip_norm") is not None:
        if wd:
            raise CodeRefused(
                f"{where}.clip_norm",
                "the engine clips before weight decay; Keras clips the whole gradient: "
                "use the PyTorch script (or no weight decay)",
            )
        call = call[:-1] + f", global_clipnorm={num(float(spec['clip_norm']))})"
    lines = [f"def optimizer_{i}():", f"    # {comment(spec['label'])}"]
    lines.append(f"    # Keras' rule: {note}")
    lines += [f"    # {n}" for n in notes]
    if wd:
        lines.append(
            "    # torch's weight_decay adds wd*p to the gradient: the loss gets wd/2*|p|^2"
        )
    if rate is not None and "Rates(" in rate:
        lines.append(f"    # learning_rate: {rate.split('  # ')[1]}, its rates per update")
    lines.append(f"    return {call}")
    return "\n".join(lines) + "\n", table, wd


def _keras_schedule(name: str, params: dict[str, Any], lr: float, steps: int) -> str:
    v = resolved("schedule", name, params)
    cls = {
        "keras_exponential_decay": "ExponentialDecay",
        "keras_piecewise_constant_decay": "PiecewiseConstantDecay",
        "keras_cosine_decay": "CosineDecay",
        "keras_cosine_decay_restarts": "CosineDecayRestarts",
        "keras_polynomial_decay": "PolynomialDecay",
        "keras_inverse_time_decay": "InverseTimeDecay",
    }[name]
    if name == "keras_piecewise_constant_decay":
        values = v["values"] or tuple(lr * 0.1**i for i in range(len(v["boundaries"]) + 1))
        args = {"boundaries": list(v["boundaries"]), "values": [float(x) for x in values]}
    else:
        args = {"initial_learning_rate": lr, **v}
        if args.get("decay_steps", 0) is None:
            warm = v.get("warmup_steps", 0) if v.get("warmup_target") is not None else 0
            args["decay_steps"] = max(steps - warm, 1)
    return f"keras.optimizers.schedules.{cls}({kwargs(args)})"


RATES_CLASS = '''
class Rates(keras.optimizers.schedules.LearningRateSchedule):
    """Each update's rate from a table (a torch schedule Keras has no class for): update k
    uses rates[k - 1], as Keras asks a schedule for the rate at optimizer.iterations."""

    def __init__(self, rates):
        self.rates = rates

    def __call__(self, step):
        last = len(self.rates) - 1
        index = ops.minimum(ops.cast(step, "int32"), last)
        return ops.take(ops.convert_to_tensor(self.rates, dtype="float64"), index)
'''

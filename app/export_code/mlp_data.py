"""What both MLP scripts (PyTorch and Keras) take from a run: the dataset after its split
(built by the service's one dataset function, so every dataset source works), the
targets as the loss reads them, the initial weights, and the checked training plan."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.export_code.common import CodeRefused, array
from app.kinds import training
from engine import losses, registry, train


def spec(value: Any) -> tuple[str, dict[str, Any]]:
    """A registry choice given as a name or as {"name", "params"}."""
    if isinstance(value, dict):
        return value["name"], dict(value.get("params") or {})
    return str(value), {}


def prepare(config: dict[str, Any]) -> dict[str, Any]:
    """The plan (train.check), the arrays and the initial weights of an MLP request."""
    try:
        data = training.make_data(config["dataset"], config["seed"])
    except KeyError:  # an uploaded dataset deleted since the run
        raise CodeRefused("dataset.id", "this uploaded dataset is no longer stored") from None
    cfg = training.engine_config(config, data)
    plan = train.check(cfg)
    p0 = train.initial_params(cfg, config["seed"])
    loss_name, loss_params = spec(config["loss"])
    act_name, act_params = spec(config["model"]["activation"])
    k = plan["n_classes"]
    T = losses.targets(loss_name, plan["y"], plan["task"], k)
    Tv = losses.targets(loss_name, plan["yv"], plan["task"], k)
    if plan["sizes"][-1] == 1 and loss_name != "cross_entropy":  # one output unit: (n, 1)
        T, Tv = T.reshape(-1, 1), Tv.reshape(-1, 1)
    for i, s in enumerate(plan["specs"]):
        sched = s["schedule"]
        if sched["name"] == "reduce_on_plateau" and sched["params"].get("mode") == "max":
            raise CodeRefused(
                f"optimizers.{i}.schedule.params.mode",
                "the script watches the loss; mode max (the validation accuracy) is not "
                "exported: use mode min",
            )
    sizes = plan["sizes"]
    arrow = " → ".join(str(n) for n in sizes)
    title = f"{data.name} · {arrow} · {act_name} · {loss_name} · {len(plan['specs'])} lanes"
    settings = {
        "SEED": int(config["seed"]),
        "SIZES": list(sizes),
        "EPOCHS": plan["epochs"],
        "BATCH_SIZE": plan["batch_size"],
        "L1": float(plan["l1"]),
        "L2": float(plan["l2"]),
        "DROPOUT": float(plan["dropout"]),
        "BATCH_NORM": bool(plan["batch_norm"]),
        "BN_MOMENTUM": float(plan["bn_momentum"]),
        "BN_EPS": float(plan["bn_eps"]),
    }
    return {
        "title": title,
        "arrow": arrow,
        "settings": settings,
        "plan": plan,
        "p0": p0,
        "X": plan["X"],
        "Xv": plan["Xv"],
        "T": T,
        "Tv": Tv,
        "loss": (loss_name, registry.resolve("loss", loss_name, loss_params)),
        "activation": (act_name, registry.resolve("activation", act_name, act_params)),
        "iters": -(-len(plan["X"]) // plan["batch_size"]),
        "dataset": data,
    }


def target_dtype(T: np.ndarray) -> str:
    return "int64" if T.dtype.kind in "iu" else "float64"


def data_block(d: dict[str, Any]) -> str:
    """The arrays of a run (what `prepare` returned) as Python: the split dataset, its
    targets as the loss reads them, and the initial weights (W as (in, out))."""
    out = [
        "# ---------------------------------------------------------------- the run's data\n"
        "# The dataset after its split, as the engine trained on it (targets as the loss "
        "reads them)\n",
        array("X_train", d["X"]) + "\n",
        array("y_train", d["T"], target_dtype(d["T"])) + "\n",
        array("X_val", d["Xv"]) + "\n",
        array("y_val", d["Tv"], target_dtype(d["Tv"])) + "\n",
        "\n# The initial weights every lane starts from: (W, b) per layer, W as (in, out)\n",
    ]
    names = []
    for i in range(1, len(d["plan"]["sizes"])):
        out.append(array(f"W{i}", d["p0"][f"W{i}"]) + "\n")
        out.append(array(f"b{i}", d["p0"][f"b{i}"]) + "\n")
        names.append(f"(W{i}, b{i})")
    out.append(f"INITIAL_WEIGHTS = [{', '.join(names)}]\n")
    return "".join(out)

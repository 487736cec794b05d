"""The training kind ("mlp"): small MLPs trained by several optimizers, from request to CSV.

request (validated `MlpRun` dict) → `check` (the server's limits and the trainer's own
checks, 422s naming the field) → `make_data` + `engine_config` (the trainer's config) →
`job` (the stream) → `csv_rows` (one row per lane and epoch). The run manager, the CLI, the
lessons and the tests all go through here.

Events: `meta` (lanes, task, layer sizes, iterations per epoch, histogram edges, the
dataset's points for 2-feature sets), `frame` (finished epochs: losses, accuracies, learning
rate, per-layer gradient norms, weight histograms, per-iteration losses, boundary grids),
`stopped` (a lane's early stop, with its best epoch), `diverged`, and `done` with the summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

import engine
from app import uploads
from app.kinds.race import engine_params
from app.kinds.stream import Checkpoint, Config, Emit, color, stream_chunks
from app.settings import Settings
from app.validation import at_most, fail, field_path
from engine import datasets, optimizers, tabular, train

NAME = "mlp"
ROW_FIELDS, IT_FIELDS = train.ROW_FIELDS, train.IT_FIELDS
FIELDS = ROW_FIELDS + IT_FIELDS
CSV_FIELDS = ("epochs", "iteration", "train_loss", "val_loss", "train_acc", "val_acc",
              "batch_loss", "lr")  # fmt: skip
CSV_COLUMNS = ("lane", "optimizer", "label", "epoch", *CSV_FIELDS[1:])
PER_RUN = ("epochs", "iteration")  # one value per row; the rest one per lane


@lru_cache(maxsize=1)
def digits_bytes() -> bytes:
    """The digits file (the engine does no I/O), read once."""
    return (Path(engine.__file__).parent / datasets.DIGITS_FILE).read_bytes()


def make_data(spec: dict[str, Any], seed: int) -> datasets.Dataset:
    """The request's dataset (the digits file read here: the engine does no I/O); an uploaded
    CSV ({"name": "uploaded", "id", "val_fraction", "standardize"}) from the store, split by
    `seed`. The one place a run's dataset is made: runs, reports and code export use it."""
    if spec["name"] == uploads.NAME:
        try:
            table = uploads.table(spec["id"])
        except KeyError:
            raise UnknownDataset(spec["id"]) from None
        return tabular.to_dataset(
            table, spec.get("val_fraction", 0.2), seed, bool(spec.get("standardize", False))
        )
    return datasets.from_spec(spec, seed, digits_bytes() if spec["name"] == "digits" else None)


class UnknownDataset(KeyError):
    """A run names an uploaded dataset this server does not have (422 naming dataset.id)."""


def grid_pick(config: dict[str, Any]) -> list[int] | None:
    """The request's `reporting.grid_features`: a wider set's two boundary features."""
    return (config.get("reporting") or {}).get("grid_features")


def engine_config(config: dict[str, Any], data: datasets.Dataset) -> dict[str, Any]:
    optimizers = [{**o, "params": engine_params(o["params"])} for o in config["optimizers"]]
    return {
        "data": data,
        "model": config["model"],
        "loss": config["loss"],
        "optimizers": optimizers,
        "batch_size": config["batch_size"],
        "epochs": config["epochs"],
        "l1": config["l1"],
        "l2": config["l2"],
        "early_stopping": config["early_stopping"],
        "grid_size": config.get("grid_size", 40),
        **({"grid_features": pick} if (pick := grid_pick(config)) else {}),
        **({"grid_every": config["grid_every"]} if config.get("grid_every") else {}),
    }


def work(config: dict[str, Any], rows: int, features: int) -> float:
    """A run's work in the unit of `max_mlp_work`: optimizers × epochs × samples × weights."""
    sizes = [features, *config["model"]["hidden"], 10]
    n_params = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
    # lane-passes per iteration: one per lane, and every evaluation of an L-BFGS lane's step
    # is a pass of all the lanes (the trainer is its closure)
    lanes = len(config["optimizers"])
    extra = sum(
        optimizers.evaluations_per_step(o["name"], o.get("params"))
        for o in config["optimizers"]
        if optimizers.needs_closure(o["name"])
    )
    return float(lanes * (1 + extra) * config["epochs"] * rows * n_params)


def check(config: dict[str, Any], s: Settings, data: datasets.Dataset | None = None) -> None:
    """The server's limits and the trainer's own checks, as 422s naming the field.

    `data`: a Dataset built by the caller (the notebook API's own arrays) instead of the
    request's `dataset` spec."""
    hidden = config["model"]["hidden"]
    at_most(["model", "hidden"], len(hidden), s.max_layers, "hidden layers")
    at_most(["model", "hidden"], max(hidden, default=0), s.max_width, "units per layer")
    at_most(["epochs"], config["epochs"], s.max_epochs, "epochs")
    try:
        if data is None:
            data = make_data(config["dataset"], config["seed"])
    except UnknownDataset:
        raise fail(
            ["dataset", "id"], "no uploaded dataset with this id (see GET /api/datasets)"
        ) from None
    except (ValueError, TypeError, KeyError) as e:
        raise fail(["dataset"], str(e.args[0]) if e.args else "invalid dataset") from None
    amount = work(config, len(data.X_train), data.X_train.shape[1])
    if amount > s.max_mlp_work:
        raise fail(
            ["epochs"],
            f"optimizers × epochs × samples × weights is about {amount:,.0f}; "
            f"at most {s.max_mlp_work:,.0f} on this server",
        )
    try:
        plan = train.check(engine_config(config, data))
    except ValueError as e:
        field, _, msg = str(e).partition(": ")
        field = "reporting.grid_features" if field == "grid_features" else field
        raise fail(field_path(field), msg or str(e)) from None
    out = train.output_numbers(plan)
    if sum(out.values()) > s.max_output_values:
        # the biggest part names the settings that shrink it
        part = max(out, key=out.get)
        fields = {
            "iterations": (["batch_size"], "a larger batch_size or fewer epochs"),
            "epochs": (["epochs"], "fewer epochs or optimizers"),
            "grids": (["grid_every"], "a larger grid_every or a smaller grid_size"),
        }[part]
        raise fail(
            fields[0],
            f"this run would record about {sum(out.values()):,.0f} numbers "
            f"({out['iterations']:,} per-iteration, {out['epochs']:,} per-epoch, "
            f"{out['grids']:,} in boundary grids); at most {s.max_output_values:,.0f} on "
            f"this server: use {fields[1]}",
        )


def job(
    run_id: str,
    config: Config,
    emit: Emit,
    check: Checkpoint,
    interval: float,
    meta_sent=False,
    data: datasets.Dataset | None = None,
) -> dict[str, Any]:
    """Train; emit meta, frames (≤ ~30/s), stopped/diverged events; return the summary.

    `data`: as in `check`, a caller's own Dataset instead of the request's spec."""
    if data is None:
        data = make_data(config["dataset"], config["seed"])

    def with_meta(chunks):
        for chunk in chunks:
            if chunk.meta is not None:
                emit("meta", meta(run_id, config, data, chunk.meta))
            yield chunk

    def events_of(chunk):
        return [
            ("stopped" if e.get("type") == "early_stop" else "diverged", e) for e in chunk.events
        ]

    chunks = train.train(engine_config(config, data), rng_seed=config["seed"])
    return stream_chunks(with_meta(chunks), emit, check, interval, frame_payload, events_of)


def meta(
    run_id: str, config: dict[str, Any], data: datasets.Dataset, train_meta: dict[str, Any]
) -> dict[str, Any]:
    lanes = [
        {**lane, "name": lane["optimizer"], "color": color(i)}
        for i, lane in enumerate(train_meta["lanes"])
    ]
    points = None
    pick = grid_pick(config)
    if data.X_train.shape[1] <= 2 or pick:
        cols = list(pick) if pick and data.X_train.shape[1] > 2 else slice(None)
        points = {  # a wider set's points over the two features its boundary is drawn on
            "X_train": data.X_train[:, cols],
            "y_train": data.y_train,
            "X_val": data.X_val[:, cols],
            "y_val": data.y_val,
        }
    return {
        **train_meta,
        "run_id": run_id,
        "kind": NAME,
        "lanes": lanes,
        "n_lanes": len(lanes),
        "dataset": config["dataset"],
        "points": points,
        "optimizers": config["optimizers"],
    }


def frame_payload(chunks: list[train.Chunk]) -> dict[str, Any]:
    """Consecutive trainer chunks as one frame; grids rounded to 3 decimals (size)."""
    out: dict[str, Any] = {
        f: np.concatenate([getattr(c, f) for c in chunks]) for f in ROW_FIELDS + IT_FIELDS
    }
    grids = []
    for c in chunks:
        for g in c.grids:
            g = dict(g)
            for key in ("values", "confidence"):
                if g.get(key) is not None:
                    g[key] = np.round(np.asarray(g[key], dtype=np.float64), 3)
            grids.append(g)
    out["grids"] = grids
    return out


def last_step(frame: dict[str, Any]) -> int | None:
    """The last epoch a frame holds (for a progress bar); None for an empty frame."""
    return int(frame["epochs"][-1]) if len(frame["epochs"]) else None


def csv_rows(result: dict[str, Any]) -> Iterator[list[Any]]:
    """One row per lane and epoch, in CSV_COLUMNS' order."""
    arrays = result["arrays"]
    for lane in result["meta"].get("lanes", []):
        i = lane["lane"]
        for r in range(len(arrays.get("epochs", []))):
            row = [lane["lane"], lane["name"], lane["label"]]
            row.extend(arrays[f][r] if f in PER_RUN else arrays[f][r][i] for f in CSV_FIELDS)
            yield row

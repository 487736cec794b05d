"""The race kind ("surface"): optimizers racing on a 2D surface, from request to CSV.

request (validated `SurfaceRun` dict) → `check` (the server's limits and a dry build of every
engine object, 422s naming the field) → `engine_args` (simulate's arguments) → `job` (the
stream: `meta`, `frame`s of arrays [row][lane](...), `diverged`, the summary) → `csv_rows`
(one row per lane and step). The run manager, the CLI, the basin map, the lessons and the
tests all go through here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from app import formulas
from app.kinds.stream import Checkpoint, Config, Emit, color, stream_chunks
from app.settings import Settings
from app.validation import at_most, check_formula_length, error_text, fail, field_path
from engine import critical, formula, optimizers, schedules, simulate, surfaces
from engine import noise as noise_mod
from engine.surface import Surface

NAME = "surface"
FIELDS = simulate.FIELDS
ENGINE_CHUNK = 50  # rows per engine block: a few ms of compute, frames coalesce to ~30/s
CSV_COLUMNS = (
    "lane", "optimizer", "label", "start", "step", "x", "y", "loss", "grad_norm", "dist_min",
    "lr", "grad_x", "grad_y", "update_x", "update_y", "m_x", "m_y", "v_x", "v_y",
)  # fmt: skip
CSV_FIELDS = ("xy", "loss", "grad_norm", "dist_min", "lr", "grad", "update", "m", "v")


def build_surface(ref: dict[str, Any]) -> Surface:
    """The engine surface of a request's `surface` object (formula surfaces are cached)."""
    if ref.get("formula") is not None:
        return formulas.surface(ref["formula"], ref.get("domain"))
    return surfaces.get(ref["name"], **(ref.get("params") or {}))


def engine_configs(optimizers_: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Request optimizer specs → the engine's lane configs (betas as tuples, etc.)."""
    return [
        {
            "name": o["name"],
            "params": engine_params(o.get("params") or {}),
            "schedule": o.get("schedule"),
            "clip_norm": o.get("clip_norm"),
            "label": o.get("label"),
        }
        for o in optimizers_
    ]


def engine_params(params: dict[str, Any]) -> dict[str, Any]:
    """JSON hyperparameters → the engine's (a pair such as `betas` or `etas` as a tuple)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


def engine_args(config: dict[str, Any]) -> tuple[Surface, list[dict], np.ndarray, int, dict]:
    """A validated request → simulate.run's (surface, configs, starts, steps, keywords)."""
    kw = {"noise": noise_mod.from_config(config.get("noise")), "seed": config.get("seed", 0)}
    return (
        build_surface(config["surface"]),
        engine_configs(config["optimizers"]),
        np.asarray(config["starts"], np.float64),
        config["steps"],
        kw,
    )


def check(config: dict[str, Any], s: Settings) -> None:
    """The server's limits and a dry build of the surface, optimizers and schedules."""
    n_opt, n_start, steps = len(config["optimizers"]), len(config["starts"]), config["steps"]
    at_most(["optimizers"], n_opt, s.max_optimizers, "optimizers")
    at_most(["starts"], n_start, s.max_starts, "start points")
    at_most(["steps"], steps, s.max_steps, "steps")
    per_step = _evaluations(config)
    if per_step * n_start * steps > s.max_lane_steps:
        counted = (
            " (an L-BFGS lane counted by its evaluations per step)" if per_step > n_opt else ""
        )
        raise fail(
            ["steps"],
            f"optimizers × starts × steps is {per_step * n_start * steps:,}{counted}; "
            f"at most {s.max_lane_steps:,} on this server",
        )
    ref = config["surface"]
    if ref.get("formula") is not None:
        check_formula_length(ref["formula"], s)
    try:
        build_surface(ref)
    except formula.FormulaError as e:
        where = ["surface", "domain"] if str(e).startswith("domain") else ["surface", "formula"]
        raise fail(where, str(e)) from None
    except (ValueError, TypeError, KeyError) as e:
        raise fail(["surface", "params"], error_text(e)) from None
    for i, spec in enumerate(engine_configs(config["optimizers"])):
        if optimizers.needs_closure(spec["name"]) and spec["clip_norm"] is not None:
            msg = "L-BFGS evaluates its own gradients in its line search: no clipping"
            raise fail(["optimizers", i, "clip_norm"], msg)
        try:
            opt = optimizers.create(spec["name"], **spec["params"])
        except (ValueError, TypeError, KeyError) as e:
            raise _named(["optimizers", i, "params"], e, spec["params"]) from None
        sched = spec["schedule"]
        if sched is not None:
            where = ["optimizers", i, "schedule", "params"]
            try:
                rule = schedules.create(
                    sched["name"], opt.hyper["lr"], steps=steps, **(sched.get("params") or {})
                )
            except (ValueError, TypeError, KeyError) as e:
                raise _named(where, e, sched.get("params") or {}) from None
            try:
                optimizers.check_cycle(spec["name"], rule)
            except ValueError as e:
                raise fail([*where, "cycle_momentum"], error_text(e)) from None


def _evaluations(config: dict[str, Any]) -> int:
    """Evaluations per step of all the optimizers: an L-BFGS step is up to max_eval of them."""
    return sum(
        optimizers.evaluations_per_step(o["name"], o.get("params")) for o in config["optimizers"]
    )


def lane_steps(config: dict[str, Any]) -> int:
    """A race's work in the unit of `max_lane_steps`: evaluations × starts × steps."""
    return _evaluations(config) * len(config["starts"]) * config["steps"]


def _named(where: list[Any], e: Exception, given: dict[str, Any]):
    """The 422 of an engine error: at the parameter it names ("nesterov: ...",
    "schedulers.0: ...") when the request gave that parameter, else at `where`."""
    msg = error_text(e)
    name, sep, rest = msg.partition(": ")
    if sep and name.split(".")[0] in given:
        return fail([*where, *field_path(name)], rest)
    return fail(where, msg)


def meta(run_id: str, config: dict[str, Any], surface: Surface) -> dict[str, Any]:
    """The stream's first event: lanes (optimizer × start, with colours), the surface."""
    specs = simulate.lane_specs(engine_configs(config["optimizers"]))
    starts = config["starts"]
    lanes = [
        {
            "lane": o * len(starts) + s,
            "optimizer": o,
            "start": s,
            "name": spec["name"],
            "label": spec["label"],
            "color": color(o),
        }
        for o, spec in enumerate(specs)
        for s in range(len(starts))
    ]
    return {
        "run_id": run_id,
        "kind": NAME,
        "steps": config["steps"],
        "n_lanes": len(lanes),
        "lanes": lanes,
        "starts": starts,
        "optimizers": config["optimizers"],
        "surface": surface.info(),
        "fields": list(FIELDS),
    }


def job(
    run_id: str, config: Config, emit: Emit, check: Checkpoint, interval: float, meta_sent=False
) -> dict[str, Any]:
    """Run the race; returns the summary (also sent in the `done` event).

    The `meta` event is emitted first unless the caller already sent it (the service sends
    it at admission, so a queued run's stream starts at once).
    """
    surface, configs, starts, steps, kw = engine_args(config)
    if not meta_sent:
        emit("meta", meta(run_id, config, surface))
    chunks = simulate.simulate(surface, configs, starts, steps, chunk=ENGINE_CHUNK, **kw)
    return stream_chunks(
        chunks,
        emit,
        check,
        interval,
        frame_payload,
        lambda c: [("diverged", e) for e in c.diverged],
    )


def frame_payload(chunks: list[simulate.Chunk]) -> dict[str, Any]:
    """Consecutive engine chunks as one frame: arrays indexed [row][lane](...)."""
    payload: dict[str, Any] = {"start": chunks[0].start, "rows": sum(c.rows for c in chunks)}
    for f in FIELDS:
        payload[f] = np.concatenate([getattr(c, f) for c in chunks])
    return payload


def last_step(frame: dict[str, Any]) -> int | None:
    """The last step a frame holds (for a progress bar)."""
    return frame["start"] + frame["rows"] - 1


def csv_rows(result: dict[str, Any]) -> Iterator[list[Any]]:
    """One row per lane and step, in CSV_COLUMNS' order (pairs split into x and y)."""
    arrays = result["arrays"]
    for lane in result["meta"].get("lanes", []):
        i = lane["lane"]
        for step in range(len(arrays.get("xy", []))):
            row = [lane["lane"], lane["name"], lane["label"], lane["start"], step]
            for f in CSV_FIELDS:
                v = arrays[f][step][i]
                row.extend(v if isinstance(v, list) else [v])
            yield row


def contour_grid(surface: Surface, n: int) -> dict[str, Any]:
    """The n×n grid for the contour. Values no colour scale can show next to the rest (a
    formula that overflows, as exp(exp(x*y)) does) are clipped (`clipped`: the fraction of
    cells, `zclip`: the caps); undefined cells (NaN) stay null."""
    (x0, x1), (y0, y1) = surface.domain
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    raw = surface.value(np.stack([X, Y], axis=-1))
    z, clipped = critical.clip_for_display(raw)
    finite = z[np.isfinite(z)]
    return {
        "name": surface.name,
        "n": n,
        "x": xs,
        "y": ys,
        "z": z,
        "zmin": float(finite.min()) if finite.size else None,
        "zmax": float(finite.max()) if finite.size else None,
        "log_scale": surface.log_scale,
        "domain": surface.info()["domain"],
        "finite_fraction": float(np.isfinite(raw).mean()),
        "clipped": clipped,
        "zclip": list(critical.display_clip(raw)),
    }

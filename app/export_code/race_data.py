"""What both race scripts (PyTorch and Keras) take from a run: the engine's arguments, the
title, the constants block (steps, starts, the divergence bound and floor) and the
gradient noise, regenerated with NumPy's Generator exactly as the engine draws it."""

from __future__ import annotations

from typing import Any

from app.export_code.common import num
from app.kinds import race
from engine import noise as noise_mod
from engine.simulate.base import BOUND, lane_specs
from engine.simulate.tracker import value_floor


def prepare(config: dict[str, Any]) -> dict[str, Any]:
    """The surface, lanes, starts and steps of a validated race request, its title, and the
    script's constants and noise as Python lines."""
    surface, configs, starts, steps, kw = race.engine_args(config)
    specs = lane_specs(configs)
    noise = noise_mod.from_config(config.get("noise"))
    constants = (
        f"\n\nSTEPS = {steps}\n"
        f"STARTS = {num([[float(a), float(b)] for a, b in starts])}\n"
        f"BOUND = {num(BOUND)}  # |x| past this: diverged\n"
        f"FLOOR = {num(value_floor(surface))}  # the loss under which a lane falls without end\n"
    )
    return {
        "surface": surface,
        "specs": specs,
        "steps": steps,
        "title": _title(surface, len(specs), len(starts)),
        "constants": constants + _noise_lines(noise, kw["seed"], len(starts)),
    }


def _title(surface: Any, n_opt: int, n_start: int) -> str:
    starts = f"{n_start} start" + ("s" if n_start > 1 else "")
    optimizers = f"{n_opt} optimizer" + ("s" if n_opt > 1 else "")
    return f"{surface.formula or surface.name} · {optimizers} × {starts}"


def _noise_lines(noise: noise_mod.Noise, seed: int, n_starts: int) -> str:
    if not noise.active:
        return "NOISE = None  # no gradient noise\n"
    how = (
        f"sigma {noise.sigma:g} / sqrt(batch_size {noise.batch_size})"
        if noise.batch_size is not None
        else f"sigma {noise.sigma:g}"
    )
    return (
        f"# Gradient noise ({how}): one draw per step and start, the same for every\n"
        "# optimizer (common random numbers), from NumPy's Generator as the engine draws it\n"
        f"NOISE = {num(noise.scale)} * np.random.default_rng({int(seed)}).standard_normal(\n"
        f"    (STEPS, {n_starts}, 2)\n)\n"
    )

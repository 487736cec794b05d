"""Optimizer races on a 2D surface: several optimizers × several starts × a step budget.

    for chunk in simulate(surface, lanes, starts, steps=500, noise=Noise(0.1), seed=0):
        chunk.xy          # (T, L, 2) positions for rows chunk.start ... chunk.start + T - 1
        chunk.summary     # None until the last chunk
    result = run(surface, lanes, starts, 10_000, record=("xy", "loss"), stride=10)

Lane l = o * S + s races optimizer config o from start s (S starts). Row k of the arrays is
the state after k updates: row 0 is the start. For k >= 1, `grad` is the (noisy) gradient
that update k used, `update` is x_k − x_{k−1}, `m` and `v` the optimizer's first and second
moment after it, `lr` the rate it used; row 0 holds NaN there. With `stride` n only every
n-th step is recorded (and the last): row i is step `steps_of_rows[i]`. `record` names the
fields to keep (all by default); the others are None and cost nothing.

A lane whose loss or position becomes non-finite, that leaves |x| > 1e6, or whose loss falls
far below anything in the domain (an unbounded fall, see UNBOUNDED) is diverged at that step
(with a stride: at the first recorded step that shows it): its later rows are NaN and the
others go on. `dist_min` is the distance to the nearest of *every* minimum in the domain
(engine.surface_catalog.critical_set), and the summary's nearest points come from that set.
The comparison is fair by default: same starts, same budget, the same noise for every
optimizer, and no clipping unless a lane asks for it.

How it is fast at both ends of the lane count. The loop only moves the lanes: loss, gradient
norm, distance to the minima, divergence and convergence are computed afterwards from the
recorded rows, a block of rows at a time, in whole-array calls. The loop itself has two
kernels that run the same update rules (`engine.optimizers`, written once against a
namespace) and give the same bits:
- ArrayKernel: lanes with the same optimizer stepped together, their hyperparameters
  stacked as arrays (a learning-rate sweep costs one update call per step); the choice for
  many lanes, where NumPy's per-call cost is spread over thousands of them;
- FloatKernel: each lane on plain Python floats, one coordinate at a time; the choice for a
  few lanes of several optimizers, where a NumPy call would cost more than its arithmetic.
`kernel="auto"` picks the cheaper by a cost estimate; "array" and "float" force one.

The package: base.py (fields, chunks, results, lane configs), race.py (the race: lanes,
rows, the choice of kernel), kernels.py (ArrayKernel, FloatKernel), tracker.py (loss, distances,
divergence and convergence from the recorded rows).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypedDict, Unpack

import numpy as np

from engine.noise import Noise
from engine.simulate.base import (
    BOUND,
    FIELDS,
    KERNELS,
    UNBOUNDED,
    VECTOR_FIELDS,
    Chunk,
    Configs,
    RaceResult,
    lane_specs,
    stack_hyperparams,
)
from engine.simulate.race import Race
from engine.surfaces import Surface

__all__ = [
    "BOUND",
    "FIELDS",
    "RACE_DEFAULTS",
    "KERNELS",
    "RaceOptions",
    "UNBOUNDED",
    "VECTOR_FIELDS",
    "Chunk",
    "RaceResult",
    "lane_specs",
    "run",
    "simulate",
    "stack_hyperparams",
]


class RaceOptions(TypedDict, total=False):
    """How a race runs, beyond what races (defaults: RACE_DEFAULTS)."""

    noise: Noise | None  # gradient noise, the same sequence for every optimizer
    seed: int
    tol: float | None  # the convergence tolerance (None: the surface's own)
    record: Sequence[str]  # the fields to keep
    stride: int  # record every n-th step (and the last)
    kernel: str  # "auto", "array" or "float"


RACE_DEFAULTS: RaceOptions = {
    "noise": None,
    "seed": 0,
    "tol": None,
    "record": FIELDS,
    "stride": 1,
    "kernel": "auto",
}


def _race(surface: Surface, configs: Configs, starts: Any, steps: int, opts: Any) -> Race:
    unknown = sorted(set(opts) - set(RACE_DEFAULTS))
    if unknown:
        raise TypeError(f"unexpected keyword argument {unknown[0]!r}")
    o = {**RACE_DEFAULTS, **opts}
    return Race(
        surface, configs, starts, steps,
        o["noise"], o["seed"], o["tol"], o["record"], o["stride"], o["kernel"],
    )  # fmt: skip


def simulate(
    surface: Surface, configs: Configs, starts: Any, steps: int, *, chunk: int = 50,
    **opts: Unpack[RaceOptions],
) -> Iterator[Chunk]:  # fmt: skip
    """Run the race and yield it in chunks of at most `chunk` rows (the first holds row 0)."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    race = _race(surface, configs, starts, steps, opts)
    for r0, r1 in race.spans(chunk):
        out = race.alloc(r1 - r0)
        events = race.block(r0, r1, out)
        last = r1 == race.n_rows
        yield Chunk(
            r0,
            race.row_steps[r0:r1],
            **{f: out.get(f) for f in FIELDS},
            diverged=events,
            summary=race.tracker.summary() if last else None,
        )


def run(
    surface: Surface, configs: Configs, starts: Any, steps: int, *, chunk: int | None = None,
    **opts: Unpack[RaceOptions],
) -> RaceResult:  # fmt: skip
    """The whole race at once: the recorded arrays, preallocated and filled in place.

    `chunk` is the rows per block of the whole-array passes (by default about 64k lane-rows:
    few blocks for a few lanes, bounded temporaries for many)."""
    race = _race(surface, configs, starts, steps, opts)
    whole = race.alloc(race.n_rows)
    diverged: list[dict[str, Any]] = []
    size = chunk or int(np.clip(65536 // race.n_lanes, 16, 2048))
    for r0, r1 in race.spans(max(1, size)):
        diverged.extend(race.block(r0, r1, {f: a[r0:r1] for f, a in whole.items()}))
    return RaceResult(whole, tuple(diverged), race.tracker.summary, race.row_steps)

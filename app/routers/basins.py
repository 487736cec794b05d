"""/api/basins: basin-of-attraction maps, computed in a worker thread and returned whole."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from app.deps import AnalysesDep, SettingsDep
from app.jsonutil import ORJSONResponse
from app.kinds import race
from app.schemas import INVALID, BasinMap, BasinRequest, problems
from app.validation import fail, prepare_surface
from engine import basins, noise, optimizers

router = APIRouter(prefix="/api", tags=["basins"])


@router.post(
    "/basins",
    response_model=BasinMap,
    responses=problems(e422=INVALID),
)
async def create_basin_map(
    request: BasinRequest, settings: SettingsDep, analyses: AnalysesDep
) -> Any:
    """Label each of n×n starts by the minimum each optimizer reaches (same colours per min)."""
    config = request.model_dump(mode="json")
    for i, o in enumerate(config["optimizers"]):
        if optimizers.needs_closure(o["name"]):  # a Python loop per lane: hours over a grid
            raise fail(["optimizers", i, "name"], "L-BFGS steps one lane at a time in Python: "
                       "a basin map takes the other optimizers")  # fmt: skip
    lane_steps = config["n"] ** 2 * len(config["optimizers"]) * config["steps"]
    if lane_steps > settings.max_basin_lane_steps:
        raise fail(
            ["n"],
            f"n² × optimizers × steps is {lane_steps:,}; at most "
            f"{settings.max_basin_lane_steps:,} on this server",
        )
    # the same engine checks as a race (one start, so only the per-run limits below apply)
    await prepare_surface(config["surface"], analyses, settings)
    await run_in_threadpool(
        race.check,
        {**config, "starts": [[0.0, 0.0]], "steps": min(config["steps"], 1)},
        settings,
    )
    return ORJSONResponse(await run_in_threadpool(_compute, config))


def _compute(config: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    surface = race.build_surface(config["surface"])
    starts = basins.grid(surface, config["n"])
    m = basins.basins(
        surface,
        race.engine_configs(config["optimizers"]),
        starts,
        config["steps"],
        noise=noise.from_config(config["noise"]),
        seed=config["seed"],
    )
    (x0, x1), (y0, y1) = surface.domain
    return {
        "n": config["n"],
        "x": np.linspace(x0, x1, config["n"]),
        "y": np.linspace(y0, y1, config["n"]),
        "labels": m.labels,
        "minima": [{**c, "xy": list(c["xy"])} for c in m.minima],
        "tol": m.tol,
        "elapsed_s": time.perf_counter() - t0,
    }

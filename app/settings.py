"""Service settings from environment variables prefixed DESCENTLAB_ (pydantic-settings)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_db() -> Path:
    return Path(platformdirs.user_data_dir("descentlab")) / "runs.sqlite3"


class Settings(BaseSettings):
    """Every limit the service enforces; override with e.g. DESCENTLAB_MAX_STEPS=20000."""

    model_config = SettingsConfigDict(env_prefix="DESCENTLAB_", extra="ignore")

    db: Path = Field(default_factory=_default_db, description="SQLite file for run history")
    host: str = "127.0.0.1"
    port: int = 8000

    max_body_bytes: int = Field(64_000, ge=1_000, description="largest request body (413)")
    max_steps: int = Field(5_000, ge=1, description="steps of one surface run")
    max_optimizers: int = Field(8, ge=1, le=64, description="optimizer lanes of one run")
    max_starts: int = Field(16, ge=1, le=1024, description="start points of one run")
    max_lane_steps: int = Field(400_000, ge=1, description="optimizers x starts x steps")
    max_formula_length: int = Field(500, ge=10, le=500, description="characters of a formula")
    max_grid_n: int = Field(400, ge=10, le=1000, description="contour grid resolution")
    max_concurrent_runs: int = Field(
        256, ge=1, description="runs admitted at once, computing or queued (429)"
    )
    max_runs_per_client: int = Field(
        4, ge=1, description="active runs of one client (a browser's cookie) (429)"
    )
    max_runs_per_address: int = Field(
        400, ge=1, description="active runs from one network address: a flood guard (429)"
    )
    abandon_after_s: float = Field(
        2.0, gt=0, description="cancel an unstored run nobody watches after this long"
    )
    run_wall_time_s: float = Field(
        120.0, gt=0, description="time limit of a run, counted from its admission"
    )
    idle_timeout_s: float = Field(30.0, gt=0, description="cancel a run nobody watches")
    frame_interval_s: float = Field(1 / 30, gt=0, description="min. seconds between frames")
    heartbeat_s: float = Field(15.0, gt=0, description="SSE keep-alive comment interval")
    max_epochs: int = Field(1_000, ge=1, description="epochs of one MLP run")
    max_layers: int = Field(10, ge=1, le=64, description="hidden layers of one MLP")
    max_width: int = Field(256, ge=1, le=4096, description="units in one hidden layer")
    max_mlp_work: float = Field(2e10, gt=0, description="optimizers×epochs×samples×weights")
    max_output_values: float = Field(
        8e6, gt=0, description="numbers one MLP run may record (its memory and bytes) (422)"
    )
    max_dataset_bytes: int = Field(
        1_000_000, ge=1_000, description="largest uploaded CSV file, in bytes (413)"
    )
    max_dataset_rows: int = Field(20_000, ge=2, description="data rows of an uploaded CSV (422)")
    max_dataset_features: int = Field(
        64, ge=1, le=4096, description="feature columns of an uploaded CSV (422)"
    )
    max_dataset_classes: int = Field(20, ge=2, description="classes of an uploaded CSV (422)")
    max_datasets: int = Field(200, ge=1, description="uploaded datasets kept on the server (409)")
    max_basin_lane_steps: int = Field(30_000_000, ge=1, description="n² × optimizers × steps")
    allowed_hosts: str = Field(
        "",
        description="Host names the server answers to, comma-separated, besides loopback and "
        "the bind address ('*': any; the default when bound to 0.0.0.0 with none given)",
    )
    trusted_proxies: str = Field(
        "",
        description="addresses of reverse proxies whose X-Forwarded-For is believed, "
        "comma-separated (none by default: the peer address counts)",
    )
    secret: str | None = Field(
        None, description="key that signs client-id cookies (random per start if unset)"
    )
    keep_runs: int = Field(2_000, ge=1, description="finished runs kept in the history")
    keep_days: float = Field(30.0, gt=0, description="days a finished run is kept")
    ephemeral_bytes_per_client: int = Field(
        32_000_000, ge=0, description="bytes of one client's unstored results kept readable"
    )
    ephemeral_bytes: int = Field(
        256_000_000, ge=0, description="bytes of every client's unstored results kept readable"
    )
    cache_bytes: int = Field(
        16_000_000,
        ge=0,
        description="bytes of recent interactive race results answered again for the same "
        "request (0: no cache)",
    )
    workers: int = Field(
        default_factory=lambda: max(1, min(8, os.cpu_count() or 1)),
        ge=0,
        le=64,
        description="compute worker processes (one per core by default, at most 8: ~30 MB "
        "each; 0: compute in threads of the server process)",
    )
    formula_budget_s: float = Field(
        5.0, gt=0, description="time for one formula's analysis (critical points) (422)"
    )
    session_idle_s: float = Field(
        4 * 3600.0, gt=0, description="a class session with no activity this long expires"
    )
    max_students: int = Field(200, ge=1, le=10_000, description="students of one class session")
    max_sessions: int = Field(100, ge=1, description="open class sessions on this server (429)")
    max_sessions_per_client: int = Field(
        5, ge=1, description="open class sessions one teacher's browser may run (429)"
    )
    session_try_optimizers: int = Field(
        4, ge=1, le=64, description="optimizer lanes of one student's try"
    )
    max_failed_lookups: int = Field(
        30,
        ge=1,
        description="unknown session codes one network address may try per minute (429; "
        "successful joins are never limited per address)",
    )
    threads: int = Field(
        default_factory=lambda: max(1, min(4, os.cpu_count() or 1)),
        ge=1,
        le=64,
        description="compute threads when workers is 0",
    )
    # sweeps (app/sweeps/): many runs, computed by a process pool or a Dask cluster
    max_sweep_cells: int = Field(5_000, ge=1, description="cells (runs) of one sweep (422)")
    max_sweep_lane_steps: float = Field(
        5e7, gt=0, description="a race sweep's lane-steps, all cells together (422)"
    )
    max_sweep_mlp_work: float = Field(
        2e11, gt=0, description="an MLP sweep's optimizers×epochs×samples×weights, all cells (422)"
    )
    max_active_sweeps: int = Field(4, ge=1, description="sweeps computing on this server (429)")
    max_sweeps_per_client: int = Field(2, ge=1, description="sweeps one client computes (429)")
    sweep_workers: int | None = Field(
        None, ge=0, le=256,
        description="sweep worker processes (default: one per core; 0: in the server process)",
    )  # fmt: skip
    sweep_task_s: float = Field(
        0.15, ge=0.1, le=60, description="seconds of cells batched into one task (Dask: ≥ 0.1)"
    )
    max_lr_finders: int = Field(
        4, ge=1, description="learning-rate range tests computing at once (429)"
    )
    dask_scheduler: str | None = Field(
        None,
        description="a Dask scheduler (tcp://host:8786) to compute sweeps on; needs "
        "pip install '.[cluster]'",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()

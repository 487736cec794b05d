"""Request and response models of the class-session API (app/routers/sessions.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas import STRICT, NoiseSpec, Point, SurfaceOptimizer, SurfaceRef, SurfaceRun, Whole

Phase = Literal["watch", "predict", "reveal", "try"]
ViewValue = Annotated[str, Field(max_length=200)] | float | int | bool | None


class SessionCreate(BaseModel):
    model_config = STRICT
    title: Annotated[str, Field(max_length=120)] = ""


class SessionCreated(BaseModel):
    code: str = Field(description="6 characters, no 0/O/1/I; case-insensitive on input")
    teacher_token: str = Field(description="send as `Authorization: Bearer <token>`")
    join_url: str


class Position(BaseModel):
    model_config = STRICT
    step: Whole(0, 10_000_000)
    playing: bool = False


class SessionPatch(BaseModel):
    """The teacher page's push: any subset of these."""

    model_config = STRICT
    phase: Phase | None = None
    run: SurfaceRun | None = Field(None, description="the race the class sees (POST /api/runs)")
    view: (
        Annotated[dict[Annotated[str, Field(max_length=32)], ViewValue], Field(max_length=24)]
        | None
    ) = None
    position: Position | None = None
    title: Annotated[str, Field(max_length=120)] | None = None


class TryLimits(BaseModel):
    steps: int
    optimizers: int


class SessionState(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    title: str
    phase: Phase
    round: int
    run: dict[str, Any] | None
    view: dict[str, Any] | None
    position: dict[str, Any] | None
    students: int
    guessed: int
    tries: int
    try_limits: TryLimits
    created: float
    updated: float
    ended: bool


class JoinRequest(BaseModel):
    model_config = STRICT
    name: Annotated[str, Field(min_length=1, max_length=200)]


class Joined(BaseModel):
    student_id: str
    student_token: str = Field(description="send as `Authorization: Bearer <token>`")
    name: str = Field(description="the name as stored: trimmed, at most 40 characters")


class Me(BaseModel):
    student_id: str
    name: str
    round: int
    guesses: list[list[float | None]] | None


class GuessRequest(BaseModel):
    model_config = STRICT
    guesses: Annotated[list[Point], Field(min_length=1, max_length=1024)]


class GuessAccepted(BaseModel):
    round: int
    guesses: list[list[float]]


class TryRequest(BaseModel):
    """A race on the session's surface from its starts: surface, starts, noise and seed may
    be left out (they are the session's; given, they must equal the session's)."""

    model_config = STRICT
    kind: Literal["surface"] | None = None
    optimizers: Annotated[list[SurfaceOptimizer], Field(min_length=1, max_length=64)]
    steps: Whole(1, 1_000_000) | None = None
    surface: SurfaceRef | None = None
    starts: Annotated[list[Point], Field(min_length=1, max_length=1024)] | None = None
    noise: NoiseSpec | None = None
    seed: Whole(0, 2**32 - 1) | None = None


class TryScored(BaseModel):
    try_id: str
    run_id: str | None
    final_loss: float | None
    converged_at: int | None
    diverged: bool
    lane: int | None
    rank: int


class SessionEnded(BaseModel):
    code: str
    ended: bool

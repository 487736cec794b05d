"""Lesson presets: one JSON file per topic in this folder, read once and validated.

A topic file is {"topic": {"id", "order", "title": {en, ko}}, "presets": [...]}; the order of
the presets in a file is the order of the keys 1–9 in the UI. Each preset is a named,
versioned run with its explanation in English and Korean and a teaching claim that
tests/app/test_lesson_runs.py checks as the service runs it (see engine/claims/ for the
vocabulary of checks):

    id           a stable slug, used in the URL: /?preset=<id>
    version      bumped whenever the run or the claim changes meaning
    concept      1–27, the row of CONCEPTS.md the preset teaches
    title, explanation (2–4 sentences), watch (one line shown on the chart): {en, ko}
    run          a complete body for POST /api/runs (kind "surface" or "mlp")
    sweep        instead of `run`: a body for POST /api/sweeps (the claim reads its
                 document: kind "sweep")
    lr_finder    with an MLP `run`: the LR range test's settings (POST /api/lr-finder's body
                 without its base, which is the run; the claim reads its document: "lr_range")
    view         {tab, log_loss, hide, show_3d, speed, predict}: how the UI shows it; `hide`
                 names controls that lesson mode hides, `predict` asks the students to click
                 where each lane will end before the run plays; a sweep's view is
                 {tab: "sweep", x, color: axis paths, chart: "curves" | "heatmap"}, a range
                 test's {tab: "mlp", open: "lr_finder", ...}
    claim        [{"type": ..., ...}]: what the class should see, checked by the engine
    lesson       optional {endpoint, body}: a teaching view (training-step,
                 accuracy-vs-loss, gradient-check) whose output the claim is about
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from app.schemas import RunRequest
from engine import claims

HERE = Path(__file__).resolve().parent
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
TABS = ("race", "mlp", "basins", "loop", "accuracy", "gradcheck", "sweep")
ENDPOINTS = {
    "training-step": "training_step",
    "accuracy-vs-loss": "accuracy_along",
    "gradient-check": "gradient_check",
}
HIDEABLE = (
    "controls",  # every control: the chart only
    "surface",
    "starts",
    "optimizers",
    "schedule",
    "noise",
    "steps",
    "seed",
    "dataset",
    "model",
    "training",
    "early_stopping",
)
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
STRICT = ConfigDict(extra="forbid")


def sentences(text: str) -> int:
    """Sentences in a text: full stops, ! and ? followed by a space or the end."""
    return len(SENTENCE_END.findall(text.strip()))


class LangText(BaseModel):
    """The same text in English and Korean."""

    model_config = STRICT
    en: Annotated[str, Field(min_length=1, max_length=1000)]
    ko: Annotated[str, Field(min_length=1, max_length=1000)]


class View(BaseModel):
    """How the UI shows the preset."""

    model_config = STRICT
    tab: Literal[TABS] = "race"  # type: ignore[valid-type]
    log_loss: bool = False
    hide: list[Literal[HIDEABLE]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="controls hidden in lesson mode"
    )
    show_3d: bool = False
    speed: Annotated[float, Field(ge=0.1, le=10)] = 1.0
    predict: bool = Field(False, description="ask where each lane ends before revealing")
    x: str | None = Field(None, description="a sweep: the axis along the chart's x")
    color: str | None = Field(None, description="a sweep: the axis with one curve per value")
    chart: Literal["curves", "heatmap"] | None = Field(None, description="a sweep's chart")
    open: Literal["lr_finder"] | None = Field(None, description="a panel opened with the run")


class Lesson(BaseModel):
    """A teaching view: the request body for POST /api/lessons/<endpoint>."""

    model_config = STRICT
    endpoint: Literal[tuple(ENDPOINTS)]  # type: ignore[valid-type]
    body: dict[str, Any]


class Preset(BaseModel):
    """One lesson preset, as stored in the topic files."""

    model_config = STRICT
    id: Annotated[str, Field(pattern=SLUG, max_length=60)]
    version: Annotated[int, Field(ge=1)]
    concept: Annotated[int, Field(ge=1, le=27)]
    title: LangText
    explanation: LangText
    watch: LangText
    run: dict[str, Any] | None = Field(None, description="a body for POST /api/runs")
    sweep: dict[str, Any] | None = Field(None, description="instead of run: POST /api/sweeps")
    lr_finder: dict[str, Any] | None = Field(
        None, description="with an MLP run: the LR range test's settings (its base is the run)"
    )
    view: View
    claim: Annotated[list[dict[str, Any]], Field(min_length=1)]
    lesson: Lesson | None = None

    @model_validator(mode="after")
    def _check(self) -> Preset:
        for lang in ("en", "ko"):
            n = sentences(getattr(self.explanation, lang))
            if not 2 <= n <= 4:
                raise ValueError(f"explanation.{lang}: {n} sentences, not 2–4")
            if "\n" in getattr(self.watch, lang) or len(getattr(self.watch, lang)) > 120:
                raise ValueError(f"watch.{lang}: one line of at most 120 characters")
        kind = self._check_run()
        if self.lesson is not None:
            kind = ENDPOINTS[self.lesson.endpoint]
        for i, check in enumerate(self.claim):
            try:
                claims.validate_check(check, kind)
            except ValueError as e:
                raise ValueError(f"claim[{i}]: {e}") from None
        return self

    def _check_run(self) -> str:
        """Exactly one of run and sweep, each valid; the result kind the claim reads."""
        if (self.run is None) == (self.sweep is None):
            raise ValueError("a preset has a run or a sweep (exactly one of the two)")
        view = self.view
        if self.sweep is not None:
            if self.lesson is not None or self.lr_finder is not None:
                raise ValueError("sweep: a sweep preset has no lesson and no lr_finder")
            axes = check_sweep(self.sweep)
            if view.tab != "sweep":
                raise ValueError("view.tab: a sweep preset opens the sweep tab")
            for key in ("x", "color"):
                if getattr(view, key) is not None and getattr(view, key) not in axes:
                    raise ValueError(f"view.{key}: {getattr(view, key)!r} is not an axis")
            return "sweep"
        if view.tab == "sweep" or view.x or view.color or view.chart:
            raise ValueError("view: tab sweep, x, color and chart are a sweep preset's")
        _RUN.validate_python(self.run)
        if self.lr_finder is not None:
            if self.run["kind"] != "mlp" or self.lesson is not None:
                raise ValueError("lr_finder: a range test runs on an MLP run, without a lesson")
            check_lr_finder(self.run, self.lr_finder)
            if view.tab != "mlp" or view.open != "lr_finder":
                raise ValueError('view: a range test opens {"tab": "mlp", "open": "lr_finder"}')
            return "lr_range"
        if view.open is not None:
            raise ValueError("view.open: lr_finder needs the preset's lr_finder block")
        return "race" if self.run["kind"] == "surface" else "train"


def check_sweep(sweep: dict[str, Any]) -> list[str]:
    """A valid POST /api/sweeps body under the default limits (ValueError naming the field);
    its axis paths."""
    from app.localrun import ConfigError
    from app.settings import Settings
    from app.sweeps import plan_or_error

    try:
        return list(plan_or_error(sweep, Settings()).axes)
    except ConfigError as e:
        raise ValueError(f"sweep: {e.message}") from None


def check_lr_finder(run: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """A valid POST /api/lr-finder body with the run as its base, normalized (ValueError
    naming the field)."""
    from app import lr_finder
    from app.localrun import ConfigError
    from app.settings import Settings

    if "base" in settings:
        raise ValueError("lr_finder: has no base (the preset's run is the range test's base)")
    try:
        return lr_finder.validate({**settings, "base": run}, Settings())
    except ConfigError as e:
        raise ValueError(f"lr_finder: {e.message}") from None


class Topic(BaseModel):
    model_config = STRICT
    id: Annotated[str, Field(pattern=SLUG, max_length=40)]
    order: int
    title: LangText


class TopicFile(BaseModel):
    model_config = STRICT
    topic: Topic
    presets: Annotated[list[Preset], Field(min_length=1)]


_RUN: TypeAdapter[Any] = TypeAdapter(RunRequest)


def documents(folder: Path = HERE) -> list[dict[str, Any]]:
    """The raw topic files, in topic order (what the engine's tests read)."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    return sorted(docs, key=lambda d: d["topic"]["order"])


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """Topics and presets, validated, as served by GET /api/presets (ValueError if broken)."""
    topics, presets, seen = [], [], set()
    for doc in documents():
        tf = TopicFile.model_validate(doc)
        ids = []
        for i, p in enumerate(tf.presets, start=1):
            if p.id in seen:
                raise ValueError(f"preset id {p.id!r} is used twice")
            seen.add(p.id)
            ids.append(p.id)
            raw = next(r for r in doc["presets"] if r["id"] == p.id)
            presets.append(
                {
                    **raw,
                    "view": p.view.model_dump(exclude_none=True),
                    "topic": tf.topic.id,
                    "index": i,
                    "url": f"/?preset={p.id}",
                }
            )
        topics.append({**tf.topic.model_dump(), "presets": ids})
    return {"version": 1, "topics": topics, "presets": presets}


def by_id() -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in catalog()["presets"]}

"""Run a config file on this machine exactly as the service would, for `descentlab run`.

The file is the body of `POST /api/runs`, a surface race or an MLP training. It is validated
by the same pydantic model and the same limit and engine checks, computed by the same job
(each kind's `check` and `job` in app/kinds/), and its events are collected into the same
result document the service returns.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from pydantic import TypeAdapter, ValidationError

from app import results, uploads
from app.errors import field_name
from app.events import Event
from app.kinds import kind_of
from app.schemas import RunRequest
from app.settings import Settings

ADAPTER: TypeAdapter = TypeAdapter(RunRequest)
NOUNS = {"optimizers": "optimizer", "schedule": "schedule", "dataset": "dataset", "": "kind"}
MEMBER = re.compile(r"(constrained-)?(int|float|str|bool)")  # a plain union's member tags
SHOULD = "Input should be "
LIMIT_HINTS = {
    "optimizers": "MAX_OPTIMIZERS",
    "starts": "MAX_STARTS",
    "steps": "MAX_STEPS",
    "epochs": "MAX_EPOCHS",
}


class ConfigError(Exception):
    """An unusable config file; `message` is one line that names the field."""

    def __init__(self, message: str, more: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.more = more or []


def load_config(path: Path, settings: Settings) -> dict[str, Any]:
    """Read, parse and validate a run request file; raises ConfigError."""
    return validate_config(read_json(path), settings)


def read_json(path: Path) -> Any:
    """A JSON file's content; ConfigError saying what is wrong with the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a JSON file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text, so not a JSON config") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read it ({e.strerror or type(e).__name__})") from None
    try:
        raw = json.loads(text)  # NaN/Infinity parse here and fail below, naming their field
    except json.JSONDecodeError as e:
        raise ConfigError(
            f"{path}: not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid JSON: nested too deeply") from None
    return raw


def validate_config(raw: Any, settings: Settings, **check_kw: Any) -> dict[str, Any]:
    """The service's checks on a parsed request; returns the normalized config.

    `check_kw` goes to the kind's `check` (the notebook API passes its own `data=`)."""
    try:
        config = ADAPTER.validate_python(raw).model_dump(mode="json")
    except ValidationError as e:
        lines = _merge([_describe(err) for err in e.errors()])
        extra = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        raise ConfigError(lines[0] + extra, lines[1:]) from None
    if config.get("kind") == "mlp" and config["dataset"].get("name") == uploads.NAME:
        uploads.serve_file_unless_served(settings.db)  # uploaded to the local server
    try:
        kind_of(config).check(config, settings, **check_kw)
    except HTTPException as e:
        detail = e.detail if isinstance(e.detail, dict) else {"message": str(e.detail)}
        raise ConfigError(_with_hint(str(detail.get("message", "invalid config")))) from None
    return config


def _describe(err: dict[str, Any]) -> str:
    loc = [p for p in err.get("loc", ()) if not (isinstance(p, str) and MEMBER.fullmatch(p))]
    msg = str(err.get("msg", "invalid value"))
    ctx = err.get("ctx") or {}
    if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
        key = str(ctx.get("discriminator", "'name'")).strip("'")
        field = field_name(["body", *loc, key])
        if err["type"] == "union_tag_invalid":
            named = [str(p) for p in loc if isinstance(p, str)]
            noun = NOUNS.get(named[-1] if named else "", key)
            msg = f"unknown {noun} {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
        else:
            msg = "Field required"
    else:
        field = field_name(["body", *loc])
    msg = msg.removeprefix("Value error, ").replace("; see GET /api/catalog", "")
    return f"{'config' if field == 'body' else field}: {msg}"


def _merge(lines: list[str]) -> list[str]:
    """One line per field: the members of a plain union (e.g. an int or "full") together."""
    out: list[tuple[str, str]] = []
    for line in lines:
        field, _, msg = line.partition(": ")
        if out and out[-1][0] == field:
            prev = out[-1][1]
            if prev.startswith(SHOULD) and msg.startswith(SHOULD):
                msg = msg.removeprefix(SHOULD)
            out[-1] = (field, f"{prev}, or {msg}")
        else:
            out.append((field, msg))
    return [f"{field}: {msg}" for field, msg in out]


def _with_hint(message: str) -> str:
    """Limits come from settings; tell a local user how to raise them."""
    if "on this server" not in message:
        return message
    field = message.split(":", 1)[0]
    if "×" in message:
        var = "MAX_MLP_WORK" if "weights" in message else "MAX_LANE_STEPS"
    elif field == "model.hidden":
        var = "MAX_LAYERS" if "layers" in message else "MAX_WIDTH"
    else:
        var = LIMIT_HINTS.get(field)
    message = message.replace("on this server", "by default")
    return f"{message} (raise it with DESCENTLAB_{var}=...)" if var else message


Progress = Callable[[int], None]


def total(config: dict[str, Any]) -> tuple[int, str]:
    """What the progress bar counts: (steps, "steps") or (epochs, "epochs")."""
    return (config["epochs"], "epochs") if config["kind"] == "mlp" else (config["steps"], "steps")


def run_config(
    config: dict[str, Any],
    on_step: Progress | None = None,
    interval: float = 1 / 30,
    **job_kw: Any,
) -> list[Event]:
    """Compute a validated run; returns its event log (meta, frame…, stopped…, done).

    `on_step(k)` is called after each frame with the last step (surface) or epoch (MLP) it
    holds; `job_kw` goes to the kind's `job` (as `check_kw` in `validate_config`).
    """
    events: list[Event] = []
    kind = kind_of(config)

    def emit(event: str, data: dict[str, Any]) -> None:
        events.append(Event.make(len(events), event, data))
        if event == "frame" and on_step is not None:
            last = kind.last_step(data)
            if last is not None:
                on_step(last)

    t0 = time.monotonic()
    out = kind.job(uuid.uuid4().hex[:12], config, emit, lambda: None, interval, **job_kw)
    emit("done", {"status": "done", "summary": out["summary"], "elapsed_s": time.monotonic() - t0})
    return events


def result_document(config: dict[str, Any], events: list[Event]) -> dict[str, Any]:
    """What `--out` writes: the config and the service's result (meta, arrays, summary)."""
    return {"config": config, **results.result_from_events(events)}

"""Service fixtures: an app on a temporary SQLite file, a client that checks every body."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

NON_FINITE = re.compile(rb"(?<![\w\"])(NaN|-?Infinity)(?![\w\"])")


def strict_json(text: str | bytes) -> Any:
    """json.loads that fails on NaN/Infinity, as a browser's JSON.parse would."""

    def bad(token: str) -> Any:
        raise AssertionError(f"non-finite token {token!r} in JSON")

    return json.loads(text, parse_constant=bad)


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Events of an SSE body: [{"id": int, "event": str, "data": parsed JSON}, ...]."""
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            fields[key] = fields.get(key, "") + value.removeprefix(" ")
        if "data" in fields:
            events.append(
                {
                    "id": int(fields["id"]),
                    "event": fields["event"],
                    "data": strict_json(fields["data"]),
                }
            )
    return events


class CheckedClient(TestClient):
    """A TestClient that asserts no response body ever holds NaN or Infinity tokens."""

    bodies = 0

    def request(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        response = super().request(*args, **kwargs)
        content = response.content
        kind = response.headers.get("content-type", "")
        if kind.startswith(("application/json", "text/event-stream", "text/csv")):
            assert not NON_FINITE.search(content), content[:300]
        if kind.startswith("application/json"):
            strict_json(content)
        CheckedClient.bodies += 1
        return response


# Runs compute in threads here (starting worker processes for every app would cost more than
# the tests); test_pool.py runs the service's behaviour with worker processes, and
# DESCENTLAB_TEST_WORKERS=2 runs this whole suite with them.
TEST_WORKERS = int(os.environ.get("DESCENTLAB_TEST_WORKERS", "0"))


def make_settings(tmp_path, **over: Any) -> Settings:
    base = {
        "db": tmp_path / "runs.sqlite3",
        "idle_timeout_s": 30.0,
        "workers": TEST_WORKERS,
        "allowed_hosts": "testserver",  # the TestClient's host name
    }
    return Settings(**{**base, **over})


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings) -> Iterator[CheckedClient]:
    with CheckedClient(create_app(settings)) as c:
        yield c


RACE = {
    "kind": "surface",
    "surface": {"name": "himmelblau"},
    "optimizers": [
        {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
        {"name": "adam", "params": {"lr": 0.05}, "schedule": {"name": "cosine", "params": {}}},
    ],
    "starts": [[-0.27, -0.92]],
    "steps": 120,
    "noise": {"sigma": 0.0},
    "seed": 0,
}


def race(**over: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(RACE)), **over}


MLP_RUN = {
    "kind": "mlp",
    "dataset": {"name": "moons", "n_samples": 200, "noise": 0.2, "val_fraction": 0.25},
    "model": {"hidden": [8, 8], "activation": "relu", "init": "he_normal"},
    "loss": "cross_entropy",
    "optimizers": [
        {"name": "adam", "params": {"lr": 0.01}},
        {"name": "sgd", "params": {"lr": 0.1, "momentum": 0.9}},
    ],
    "batch_size": 32,
    "epochs": 20,
    "seed": 0,
}


def mlp_run(**over: Any) -> dict[str, Any]:
    """A small MLP run request (moons, 8-8 relu, Adam against SGD with momentum)."""
    return {**json.loads(json.dumps(MLP_RUN)), **over}


def stream(client: TestClient, run_id: str, headers: dict | None = None) -> list[dict]:
    r = client.get(f"/api/runs/{run_id}/events", headers=headers or {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    return parse_sse(r.text)

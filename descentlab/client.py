"""`Client`: the REST API of a running DescentLab server, from a notebook or a script.

    c = Client("http://127.0.0.1:8000")
    run_id = c.race("himmelblau", ["sgd", "adam"], starts=(-1, 1))     # starts it: 201
    for ev in c.events(run_id): ...          # the Server-Sent Events, parsed, resumed
    result = c.wait(run_id, progress=True)   # a RaceResult / TrainResult, as dl.race gives

Only the standard library (urllib) is used. Cookies are kept (the server counts a client by
its cookie, for its fair queue). Every error status becomes `ApiError` with the server's
`status` and `message` (which names the field).
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from descentlab.errors import ApiError, DescentLabError, RunFailed
from descentlab.local import Spec, plain, race_request, train_request
from descentlab.lr_find import RANGE_KEYS, LrFindResult, lr_find_request
from descentlab.progress import bar
from descentlab.results import RaceResult, TrainResult, make_result
from descentlab.sweeps import SweepResult

FINAL = ("done", "error")


@dataclass(frozen=True)
class Event:
    """One event of a run's stream: its id, name (meta, frame, diverged, stopped, done,
    error) and data (parsed JSON)."""

    id: int
    event: str
    data: Any


class Client:
    """The REST API of a DescentLab server at `base_url`.

    race(...), train(...), run(request): start a run, return its id (`wait=True`: its result)
    lr_find(...): the learning-rate range test, answered whole (an LrFindResult)
    events(run_id): the run's events as they come (an iterator; reconnects resume with
        Last-Event-ID, no event lost or repeated)
    wait(run_id, progress=True): follow the run with a progress bar; its RaceResult or
        TrainResult (`.figure()` as for dl.race / dl.train)
    result(run_id), get(run_id), runs(), cancel(run_id), delete(run_id), code(run_id)
    upload_dataset(csv), datasets(), delete_dataset(id): CSV datasets stored on the server

    A run nobody follows is cancelled by the server after its idle timeout (30 s by
    default): wait for it (or stream its events) soon after starting it.
    """

    def __init__(self, base_url: str = "http://127.0.0.1:8000", timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    # ------------------------------------------------------------------ HTTP

    def _open(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> http.client.HTTPResponse:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data, head = None, {"Accept": "application/json", **(headers or {})}
        if isinstance(body, bytes):
            data = body  # its Content-Type in `headers`
        elif body is not None:
            data = json.dumps(plain(body)).encode("utf-8")
            head["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=head, method=method)
        try:
            return self._opener.open(req, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as e:
            raise _api_error(e) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise DescentLabError(f"cannot reach {self.base_url}: {reason}") from None

    def _json(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        with self._open(method, path, body, _query(query)) as r:
            return json.loads(r.read())

    # ------------------------------------------------------------------ starting runs

    def run(
        self, request: dict[str, Any], *, wait: bool = False, progress: bool = True
    ) -> str | RaceResult | TrainResult:
        """Start a run from a whole request (the body of POST /api/runs); its id, or with
        `wait=True` its result."""
        created = self._json("POST", "/api/runs", request)
        return self.wait(created["id"], progress=progress) if wait else created["id"]

    def race(
        self,
        surface: Spec,
        optimizers: Spec | Sequence[Spec],
        starts: Any,
        steps: int | None = 500,
        noise: float | dict[str, Any] | None = None,
        seed: int | None = 0,
        *,
        wait: bool = False,
        progress: bool = True,
    ) -> str | RaceResult:
        """Start a race on the server: the arguments of `dl.race` (help(dl.race))."""
        body = race_request(surface, optimizers, starts, steps, noise, seed)
        return self.run(body, wait=wait, progress=progress)  # type: ignore[return-value]

    def train(
        self,
        dataset: Spec = "moons",
        optimizers: Spec | Sequence[Spec] = "adam",
        *,
        wait: bool = False,
        progress: bool = True,
        **fields: Any,
    ) -> str | TrainResult:
        """Start MLP training on the server: a dataset name or spec (an uploaded one is
        {"name": "uploaded", "id": ...}), optimizers, and the other fields of `dl.train`
        (model, loss, batch_size, epochs, l1, l2, early_stopping, grid_every, grid_size,
        seed). Arrays `X, y` are local only: upload a CSV to the server instead."""
        body = train_request(dataset, optimizers, **fields)
        return self.run(body, wait=wait, progress=progress)  # type: ignore[return-value]

    def lr_find(
        self,
        dataset: Spec = "moons",
        optimizer: Spec = "sgd",
        *,
        start_lr: float | None = None,
        end_lr: float | None = None,
        num_iter: int | None = None,
        step_mode: str | None = None,
        smooth_f: float | None = None,
        diverge_th: float | None = None,
        **fields: Any,
    ) -> LrFindResult:
        """The learning-rate range test on the server (POST /api/lr-finder): the arguments
        of `dl.lr_find` (help(dl.lr_find)); `fields` are the base run's (model, loss,
        batch_size, l1, l2, seed). Its LrFindResult (`.suggested_lr`, `.figure()`)."""
        ranges = dict(zip(RANGE_KEYS, (start_lr, end_lr, num_iter, step_mode, smooth_f,
                                       diverge_th), strict=True))  # fmt: skip
        body = lr_find_request(dataset, optimizer, fields, ranges)
        return LrFindResult(self._json("POST", "/api/lr-finder", body))

    # ------------------------------------------------------------------ following runs

    def events(self, run_id: str, after: int | None = None, retries: int = 5) -> Iterator[Event]:
        """The run's events from the start (or after id `after`) to its final `done` or
        `error`. A dropped connection is reopened with Last-Event-ID (up to `retries` times
        in a row), so no event is lost or repeated."""
        return self._follow(f"/api/runs/{run_id}/events", f"run {run_id}", after, retries)

    def _follow(self, path: str, what: str, after: int | None, retries: int) -> Iterator[Event]:
        last, failures = after, 0
        while True:
            headers = {"Accept": "text/event-stream"}
            if last is not None:
                headers["Last-Event-ID"] = str(last)
            cause: Exception | None = None
            try:
                with self._open("GET", path, headers=headers) as r:
                    for ev in _parse_sse(r):
                        failures = 0
                        last = ev.id
                        yield ev
                        if ev.event in FINAL:
                            return
            except ApiError:
                raise  # the server's answer (404, 422): reconnecting would not change it
            except (OSError, http.client.HTTPException, DescentLabError) as e:
                cause = e
            failures += 1  # the stream ended before its final event: resume after `last`
            if failures > retries:
                raise DescentLabError(
                    f"{what}: the event stream ended early {failures} times in a row"
                    + (f" ({cause})" if cause else "")
                ) from None
            time.sleep(min(0.25 * 2**failures, 4.0))

    def wait(self, run_id: str, progress: bool = True) -> RaceResult | TrainResult:
        """Follow the run to its end (a progress bar over its steps or epochs) and return
        its result; raises RunFailed if it ended failed, cancelled or interrupted."""
        from app.kinds import kind_of

        final: Event | None = None
        with contextlib.ExitStack() as stack:
            update, kind = None, None
            for ev in self.events(run_id):
                if ev.event == "meta":
                    kind = kind_of(ev.data["kind"])
                    total = ev.data["epochs" if ev.data["kind"] == "mlp" else "steps"]
                    unit = "epochs" if ev.data["kind"] == "mlp" else "steps"
                    update = stack.enter_context(bar(total, unit, progress))
                elif ev.event == "frame" and update is not None and kind is not None:
                    k = kind.last_step(ev.data)
                    if k is not None:
                        update(k)
                elif ev.event in FINAL:
                    final = ev
        status = (final.data or {}).get("status") if final else None
        if status != "done":
            message = (final.data or {}).get("message", "") if final else "no final event"
            raise RunFailed(f"run {run_id} ended {status}: {message}".rstrip(": "))
        return self.result(run_id)

    # ------------------------------------------------------------------ sweeps

    def sweep(
        self, base: dict[str, Any], axes: dict[str, Any], metric: str = "final_loss",
        name: str | None = None,
    ) -> str:  # fmt: skip
        """Start a sweep on the server (POST /api/sweeps, the arguments of `dl.sweep`); its
        id. Follow it with `wait_sweep(id)` or `sweep_events(id)`."""
        body = {"base": base, "axes": axes, "metric": metric, **({"name": name} if name else {})}
        return self._json("POST", "/api/sweeps", plain(body))["id"]

    def sweep_events(self, sweep_id: str, after: int | None = None) -> Iterator[Event]:
        """The sweep's events (meta, progress with the cells just finished, done/error)."""
        return self._follow(f"/api/sweeps/{sweep_id}/events", f"sweep {sweep_id}", after, 5)

    def wait_sweep(self, sweep_id: str, progress: bool = True) -> SweepResult:
        """Follow the sweep to its end (a progress bar over its cells) and return its table;
        raises RunFailed if it ended failed or interrupted (a cancelled one is returned)."""
        final: Event | None = None
        with contextlib.ExitStack() as stack:
            update = None
            for ev in self.sweep_events(sweep_id):
                if ev.event == "meta":
                    update = stack.enter_context(bar(ev.data["n_cells"], "cells", progress))
                elif ev.event == "progress" and update is not None:
                    update(ev.data["done"])
                elif ev.event in FINAL:
                    final = ev
        status = (final.data or {}).get("status") if final else None
        if status not in ("done", "cancelled"):
            message = (final.data or {}).get("message", "") if final else "no final event"
            raise RunFailed(f"sweep {sweep_id} ended {status}: {message}".rstrip(": "))
        return SweepResult(self._json("GET", f"/api/sweeps/{sweep_id}"))

    def cancel_sweep(self, sweep_id: str) -> dict[str, Any]:
        """Stop a sweep (its finished cells stay): POST /api/sweeps/{id}/cancel."""
        return self._json("POST", f"/api/sweeps/{sweep_id}/cancel")

    # ------------------------------------------------------------------ reading runs

    def result(self, run_id: str) -> RaceResult | TrainResult:
        """A finished run's result object (the same as dl.race / dl.train return)."""
        info = self._json("GET", f"/api/runs/{run_id}")
        if not info.get("result"):
            raise RunFailed(f"run {run_id} is {info.get('status')}: no result yet", None)
        return make_result(info["config"], info["result"], run_id)

    def get(self, run_id: str) -> dict[str, Any]:
        """A run's status, config, timestamps and summary (no arrays)."""
        return self._json("GET", f"/api/runs/{run_id}", result="false")

    def runs(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """The run history, newest first."""
        return self._json("GET", "/api/runs", limit=limit, offset=offset)["runs"]

    def cancel(self, run_id: str) -> dict[str, Any]:
        """Stop a queued or running run (it stays in the history as cancelled)."""
        return self._json("POST", f"/api/runs/{run_id}/cancel")

    def delete(self, run_id: str) -> dict[str, Any]:
        """Delete a run (cancelled first if still active); the run as it was."""
        return self._json("DELETE", f"/api/runs/{run_id}")

    def code(self, run_id: str, framework: str = "pytorch") -> str:
        """The run as a standalone PyTorch or Keras script (GET /api/runs/{id}/code)."""
        query = {"framework": framework}
        with self._open("GET", f"/api/runs/{run_id}/code", query=query) as r:
            return r.read().decode("utf-8")

    # ------------------------------------------------------------------ datasets

    def upload_dataset(
        self, csv: str | bytes | os.PathLike, target: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """Store a CSV on the server (POST /api/datasets, a text/csv body): its text or
        bytes, or a path to the file; `target` the label column (default: the last), other
        `options` as query parameters. Returns the stored dataset's description; train on it
        with `train({"name": "uploaded", "id": ...})`."""
        if isinstance(csv, os.PathLike):
            csv = Path(csv).read_bytes()
        data = csv.encode("utf-8") if isinstance(csv, str) else csv
        query = _query({"target": target, **options})
        headers = {"Content-Type": "text/csv"}
        with self._open("POST", "/api/datasets", data, query, headers) as r:
            return json.loads(r.read())

    def datasets(self) -> Any:
        """The uploaded datasets (GET /api/datasets)."""
        return self._json("GET", "/api/datasets")

    def delete_dataset(self, dataset_id: str) -> Any:
        """Delete an uploaded dataset (DELETE /api/datasets/{id})."""
        with self._open("DELETE", f"/api/datasets/{dataset_id}") as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def catalog(self) -> dict[str, Any]:
        """Surfaces, optimizers, schedules and datasets with their parameters."""
        return self._json("GET", "/api/catalog")


def _query(query: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in query.items() if v is not None}


def _api_error(e: urllib.error.HTTPError) -> ApiError:
    """The server's error answer as an ApiError (its `message` names the field)."""
    raw = e.read()
    try:
        doc = json.loads(raw)
        message, detail = str(doc.get("message", "")), doc.get("detail")
    except (ValueError, AttributeError):
        message, detail = raw.decode("utf-8", "replace")[:300], None
    return ApiError(message or e.reason or "error", e.code, detail)


def _parse_sse(r: http.client.HTTPResponse) -> Iterator[Event]:
    """Events of an SSE response, as each arrives (comments and `retry:` skipped)."""
    fields: dict[str, str] = {}
    while True:
        line = r.readline()
        if not line:
            return  # the connection closed
        text = line.decode("utf-8").rstrip("\r\n")
        if text:
            if not text.startswith(":"):
                key, _, value = text.partition(":")
                value = value.removeprefix(" ")
                fields[key] = fields[key] + "\n" + value if key in fields else value
            continue
        if "data" in fields:
            yield Event(int(fields.get("id", -1)), fields.get("event", "message"),
                        json.loads(fields["data"]))  # fmt: skip
        fields = {}

"""Run history in SQLite (the standard library's sqlite3).

A run is inserted when it is admitted and updated when it ends. Its result is stored as
the exact event log the stream sent (zlib-compressed JSON), so replay after a restart sends
the same bytes with the same ids, and the arrays for GET and export are rebuilt from it.
Runs still queued or running when the process stopped are marked `interrupted` at start-up.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from app import jsonutil
from app.events import Event, decode_log, encode_log

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    client TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    config BLOB NOT NULL,
    summary BLOB,
    error TEXT,
    events BLOB
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created DESC);
"""


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # takes effect on a new file
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL: a commit survives the process being killed (the run history's and a
        # class session's promise); only a power cut may lose the last ones. No fsync per
        # commit, so 200 students' guesses in a second do not queue on the disk.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def mark_interrupted(self) -> int:
        """Runs cut off by a stop of the process: they will never finish."""
        with self.lock:
            cur = self.db.execute(
                "UPDATE runs SET status='interrupted', finished=?, "
                "error='the server stopped before this run finished' "
                "WHERE status IN ('queued', 'running')",
                (time.time(),),
            )
            return cur.rowcount

    def insert(
        self, run_id: str, kind: str, client: str, created: float, config: dict[str, Any]
    ) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO runs (id, kind, status, client, created, config) "
                "VALUES (?, ?, 'queued', ?, ?, ?)",
                (run_id, kind, client, created, jsonutil.dumps(config)),
            )

    def set_running(self, run_id: str, started: float) -> None:
        with self.lock:
            self.db.execute(
                "UPDATE runs SET status='running', started=? WHERE id=?", (started, run_id)
            )

    def finish(
        self,
        run_id: str,
        status: str,
        finished: float,
        summary: Any,
        error: str | None,
        events: list[Event],
    ) -> None:
        blob = encode_log(events)
        with self.lock:
            self.db.execute(
                "UPDATE runs SET status=?, finished=?, summary=?, error=?, events=? WHERE id=?",
                (status, finished, jsonutil.dumps(summary), error, blob, run_id),
            )

    def delete(self, run_id: str) -> bool:
        with self.lock:
            gone = self.db.execute("DELETE FROM runs WHERE id=?", (run_id,)).rowcount > 0
            if gone:
                self.db.execute("PRAGMA incremental_vacuum")
            return gone

    def prune(self, keep_runs: int, keep_days: float, now: float | None = None) -> int:
        """The retention policy: finished runs beyond the newest `keep_runs` or older than
        `keep_days` are deleted (active ones never); the file's free pages are reused."""
        cutoff = (now if now is not None else time.time()) - keep_days * 86400
        done = "status NOT IN ('queued', 'running')"
        with self.lock:
            cur = self.db.execute(
                f"DELETE FROM runs WHERE {done} AND (created < ? OR id IN ("
                f"SELECT id FROM runs WHERE {done} ORDER BY created DESC, rowid DESC "
                "LIMIT -1 OFFSET ?))",
                (cutoff, keep_runs),
            )
            if cur.rowcount:
                self.db.execute("PRAGMA incremental_vacuum")
            return cur.rowcount

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT id, kind, status, created, started, finished, config, summary, error "
                "FROM runs WHERE id=?",
                (run_id,),
            ).fetchone()
        return _row(row) if row else None

    def events(self, run_id: str) -> list[Event] | None:
        with self.lock:
            row = self.db.execute("SELECT events FROM runs WHERE id=?", (run_id,)).fetchone()
        if not row or row[0] is None:
            return None
        return decode_log(row[0])

    def list(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        with self.lock:
            rows = self.db.execute(
                "SELECT id, kind, status, created, started, finished, config, summary, error "
                "FROM runs ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?",
                (limit, offset),
            ).fetchall()
            total = self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return [_row(r) for r in rows], total


def _row(row: tuple) -> dict[str, Any]:
    keys = ("id", "kind", "status", "created", "started", "finished", "config", "summary", "error")
    d = dict(zip(keys, row, strict=True))
    d["config"] = jsonutil.loads(d["config"])
    d["summary"] = jsonutil.loads(d["summary"]) if d["summary"] else None
    return d

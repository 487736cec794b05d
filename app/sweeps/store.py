"""Sweeps in the run history's SQLite file: the plan when admitted, each cell as it finishes.

A finished cell is committed before anyone is told about it, so a restart keeps every cell a
client has seen; the sweep is then `interrupted` and `resume` computes only what is missing.
"""

from __future__ import annotations

import time
from typing import Any

from app import jsonutil
from app.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS sweeps (
    id TEXT PRIMARY KEY,
    client TEXT,
    name TEXT,
    kind TEXT NOT NULL,
    metric TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL,
    error TEXT,
    n_cells INTEGER NOT NULL,
    spec BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS sweeps_created ON sweeps (created DESC);
CREATE TABLE IF NOT EXISTS sweep_cells (
    sweep TEXT NOT NULL,
    idx INTEGER NOT NULL,
    row BLOB NOT NULL,
    PRIMARY KEY (sweep, idx)
);
"""
HEAD = ("id", "name", "kind", "metric", "status", "created", "finished", "error", "n_cells")


class SweepStore:
    def __init__(self, store: Store):
        self.lock, self.db = store.lock, store.db
        with self.lock:
            self.db.executescript(SCHEMA)

    def mark_interrupted(self) -> int:
        with self.lock:
            return self.db.execute(
                "UPDATE sweeps SET status='interrupted', finished=?, "
                "error='the server stopped before this sweep finished' "
                "WHERE status IN ('queued', 'running')",
                (time.time(),),
            ).rowcount

    def insert(self, sweep_id: str, client: str, created: float, plan: Any) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO sweeps (id, client, name, kind, metric, status, created, n_cells, "
                "spec) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
                (sweep_id, client, plan.name, plan.kind, plan.metric, created, plan.n_cells,
                 jsonutil.dumps(plan.spec())),
            )  # fmt: skip

    def add_rows(self, sweep_id: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        with self.lock:
            self.db.execute("BEGIN")
            try:
                self.db.executemany(
                    "INSERT OR REPLACE INTO sweep_cells (sweep, idx, row) VALUES (?, ?, ?)",
                    [(sweep_id, i, jsonutil.dumps(row)) for i, row in rows],
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def set_status(
        self, sweep_id: str, status: str, finished: float | None = None, error: str | None = None
    ) -> None:
        with self.lock:
            self.db.execute(
                "UPDATE sweeps SET status=?, finished=?, error=? WHERE id=?",
                (status, finished, error, sweep_id),
            )

    def head(self, sweep_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                f"SELECT {', '.join(HEAD)}, spec, client FROM sweeps WHERE id=?", (sweep_id,)
            ).fetchone()
        if row is None:
            return None
        out = dict(zip((*HEAD, "spec", "client"), row, strict=True))
        out["spec"] = jsonutil.loads(out["spec"])
        return out

    def rows(self, sweep_id: str) -> dict[int, dict[str, Any]]:
        with self.lock:
            found = self.db.execute(
                "SELECT idx, row FROM sweep_cells WHERE sweep=?", (sweep_id,)
            ).fetchall()
        return {i: jsonutil.loads(r) for i, r in found}

    def count_rows(self, sweep_id: str) -> int:
        with self.lock:
            return self.db.execute(
                "SELECT COUNT(*) FROM sweep_cells WHERE sweep=?", (sweep_id,)
            ).fetchone()[0]

    def list(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.lock:
            found = self.db.execute(
                f"SELECT {', '.join(HEAD)}, (SELECT COUNT(*) FROM sweep_cells c WHERE "
                "c.sweep = s.id) FROM sweeps s ORDER BY created DESC, rowid DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [dict(zip((*HEAD, "done"), r, strict=True)) for r in found]

    def prune(self, keep: int, keep_days: float, now: float | None = None) -> int:
        """The history's retention policy for sweeps: ended ones beyond the newest `keep` or
        older than `keep_days` go, with their cells (active ones never)."""
        cutoff = (now if now is not None else time.time()) - keep_days * 86400
        ended = "status NOT IN ('queued', 'running')"
        with self.lock:
            self.db.execute("BEGIN")
            gone = self.db.execute(
                f"DELETE FROM sweeps WHERE {ended} AND (created < ? OR id IN (SELECT id FROM "
                f"sweeps WHERE {ended} ORDER BY created DESC, rowid DESC LIMIT -1 OFFSET ?))",
                (cutoff, keep),
            ).rowcount
            self.db.execute("DELETE FROM sweep_cells WHERE sweep NOT IN (SELECT id FROM sweeps)")
            self.db.execute("COMMIT")
            return gone

    def delete(self, sweep_id: str) -> bool:
        with self.lock:
            self.db.execute("BEGIN")
            gone = self.db.execute("DELETE FROM sweeps WHERE id=?", (sweep_id,)).rowcount > 0
            self.db.execute("DELETE FROM sweep_cells WHERE sweep=?", (sweep_id,))
            self.db.execute("COMMIT")
            return gone

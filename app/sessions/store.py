"""Class sessions in the run history's SQLite file: sessions, their rounds, students,
guesses and tries. Every write is committed before the client hears it succeeded, so a
restart keeps sessions and their results; tokens are stored as hashes only."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from app import jsonutil
from app.sessions.model import Session, TryResult
from app.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    teacher_hash TEXT NOT NULL,
    client TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    active REAL NOT NULL,
    ended REAL,
    state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS session_rounds (
    code TEXT NOT NULL, round INTEGER NOT NULL, run BLOB, started REAL NOT NULL,
    PRIMARY KEY (code, round)
);
CREATE TABLE IF NOT EXISTS session_students (
    id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, token_hash TEXT NOT NULL,
    joined REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS session_students_code ON session_students (code);
CREATE TABLE IF NOT EXISTS session_guesses (
    code TEXT NOT NULL, student_id TEXT NOT NULL, round INTEGER NOT NULL, guesses BLOB NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (code, student_id, round)
);
CREATE TABLE IF NOT EXISTS session_tries (
    id TEXT PRIMARY KEY, code TEXT NOT NULL, student_id TEXT NOT NULL, round INTEGER NOT NULL,
    config BLOB NOT NULL, result BLOB NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS session_tries_code ON session_tries (code, round);
"""
CHILDREN = ("session_rounds", "session_students", "session_guesses", "session_tries")


def _state(s: Session) -> bytes:
    return jsonutil.dumps(
        {"phase": s.phase, "round": s.round, "run": s.run, "view": s.view,
         "position": s.position, "domain": s.domain}
    )  # fmt: skip


class SessionStore:
    def __init__(self, store: Store):
        self.db, self.lock = store.db, store.lock
        with self.lock:
            self.db.executescript(SCHEMA)

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        """One transaction (the connection is in autocommit mode otherwise)."""
        with self.lock:
            self.db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def insert(self, s: Session) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO sessions (code, title, teacher_hash, client, created, updated, "
                "active, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (s.code, s.title, s.teacher_hash, s.client, s.created, s.updated, time.time(),
                 _state(s)),
            )  # fmt: skip

    def exists(self, code: str) -> bool:
        with self.lock:
            return (
                self.db.execute("SELECT 1 FROM sessions WHERE code=?", (code,)).fetchone()
                is not None
            )

    def save_state(self, s: Session, new_round: bool = False) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE sessions SET title=?, updated=?, active=?, state=? WHERE code=?",
                (s.title, s.updated, time.time(), _state(s), s.code),
            )
            if new_round:
                self.db.execute(
                    "INSERT OR REPLACE INTO session_rounds (code, round, run, started) "
                    "VALUES (?, ?, ?, ?)",
                    (s.code, s.round, jsonutil.dumps(s.run), time.time()),
                )

    def touch(self, code: str) -> None:
        with self.lock:
            self.db.execute("UPDATE sessions SET active=? WHERE code=?", (time.time(), code))

    def end(self, code: str, ended: float) -> None:
        with self.lock:
            self.db.execute("UPDATE sessions SET ended=? WHERE code=?", (ended, code))

    def add_student(self, code: str, sid: str, name: str, token_hash: str, joined: float) -> None:
        with self.lock:
            self.db.execute(
                "INSERT INTO session_students (id, code, name, token_hash, joined) "
                "VALUES (?, ?, ?, ?, ?)",
                (sid, code, name, token_hash, joined),
            )

    def put_guesses(self, code: str, sid: str, round_: int, guesses: list, at: float) -> None:
        with self.lock:
            self.db.execute(
                "INSERT OR REPLACE INTO session_guesses (code, student_id, round, guesses, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (code, sid, round_, jsonutil.dumps(guesses), at),
            )

    def add_try(self, code: str, t: TryResult) -> None:
        result = {"lane": t.lane, "final_loss": t.final_loss, "converged_at": t.converged_at,
                  "diverged": t.diverged, "run_id": t.run_id}  # fmt: skip
        with self.lock:
            self.db.execute(
                "INSERT INTO session_tries (id, code, student_id, round, config, result, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (t.id, code, t.student_id, t.round, jsonutil.dumps(t.config),
                 jsonutil.dumps(result), t.at),
            )  # fmt: skip

    # ------------------------------------------------------------------ read

    def header(self, code: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT code, title, teacher_hash, client, created, updated, active, ended, state "
                "FROM sessions WHERE code=?",
                (code,),
            ).fetchone()
        if row is None:
            return None
        keys = ("code", "title", "teacher_hash", "client", "created", "updated", "active",
                "ended", "state")  # fmt: skip
        d = dict(zip(keys, row, strict=True))
        d["state"] = jsonutil.loads(d["state"])
        return d

    def open_codes(self) -> list[str]:
        with self.lock:
            rows = self.db.execute("SELECT code FROM sessions WHERE ended IS NULL").fetchall()
        return [r[0] for r in rows]

    def students(self, code: str) -> list[tuple[str, str, str, float]]:
        with self.lock:
            return self.db.execute(
                "SELECT id, name, token_hash, joined FROM session_students WHERE code=? "
                "ORDER BY joined, rowid",
                (code,),
            ).fetchall()

    def guesses(self, code: str, round_: int | None = None) -> list[dict[str, Any]]:
        where, args = ("code=? AND round=?", (code, round_)) if round_ is not None else (
            "code=?", (code,))  # fmt: skip
        with self.lock:
            rows = self.db.execute(
                f"SELECT student_id, round, guesses, at FROM session_guesses WHERE {where} "
                "ORDER BY round, at",
                args,
            ).fetchall()
        return [
            {"student_id": r[0], "round": r[1], "guesses": jsonutil.loads(r[2]), "at": r[3]}
            for r in rows
        ]

    def tries(self, code: str, round_: int | None = None) -> list[TryResult]:
        where, args = ("code=? AND round=?", (code, round_)) if round_ is not None else (
            "code=?", (code,))  # fmt: skip
        with self.lock:
            rows = self.db.execute(
                f"SELECT id, student_id, round, config, result, at FROM session_tries "
                f"WHERE {where} ORDER BY at, rowid",
                args,
            ).fetchall()
        out = []
        for tid, sid, rnd, config, result, at in rows:
            r = jsonutil.loads(result)
            out.append(TryResult(tid, sid, rnd, at, jsonutil.loads(config), r["lane"],
                                 r["final_loss"], r["converged_at"], r["diverged"],
                                 r.get("run_id")))  # fmt: skip
        return out

    def rounds(self, code: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT round, run, started FROM session_rounds WHERE code=? ORDER BY round",
                (code,),
            ).fetchall()
        return [{"round": r[0], "run": jsonutil.loads(r[1]), "started": r[2]} for r in rows]

    def prune(self, keep_days: float, now: float | None = None) -> int:
        """Ended sessions older than keep_days go, with everything of theirs."""
        cutoff = (now if now is not None else time.time()) - keep_days * 86400
        with self._tx():
            codes = [
                r[0]
                for r in self.db.execute(
                    "SELECT code FROM sessions WHERE ended IS NOT NULL AND ended < ?", (cutoff,)
                ).fetchall()
            ]
            for code in codes:
                for table in CHILDREN:
                    self.db.execute(f"DELETE FROM {table} WHERE code=?", (code,))
                self.db.execute("DELETE FROM sessions WHERE code=?", (code,))
        return len(codes)

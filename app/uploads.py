"""Uploaded datasets (a user's own CSV) in the run history's SQLite file.

The CSV is parsed once, at upload (`engine.tabular.from_csv`); the table's arrays are stored
(zlib-compressed float64/int64 bytes) with the description a client sees, so a run reads
them back without parsing again. Datasets are immutable: an id always names the same rows.

A run request names one as {"name": "uploaded", "id": ...}; `table(id)` is how the training
kind finds it, in whichever process computes: the server process reads through the Store's
connection (`serve(store)`, at start-up), a compute worker through its own read-only
connection to the same file (`serve_file(path)`, when the worker starts).
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from app import jsonutil
from app.store import Store
from engine import tabular

SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    client TEXT,
    created REAL NOT NULL,
    info BLOB NOT NULL,
    x BLOB NOT NULL,
    y BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS datasets_created ON datasets (created DESC);
"""
NAME = "uploaded"  # the run request's dataset name
CACHED = 4  # tables kept parsed in a process, by id (the most recently used)
_cache: OrderedDict[str, tabular.Table] = OrderedDict()
_cache_lock = threading.Lock()


def describe(t: tabular.Table, name: str, data_id: str, created: float, size: int) -> dict:
    """What GET /api/datasets shows of a table."""
    counts = [int((t.y == k).sum()) for k in range(len(t.classes))]
    return {
        "id": data_id,
        "name": name,
        "rows": t.n_rows,
        "features": list(t.features),
        "n_features": len(t.features),
        "target": t.target,
        "task": t.task,
        "classes": list(t.classes),
        "class_counts": counts,
        "bytes": size,
        "created": created,
    }


def _table(info: dict[str, Any], x: bytes, y: bytes) -> tabular.Table:
    return tabular.from_bytes(
        zlib.decompress(x), zlib.decompress(y), info["features"], info["target"],
        info["task"], info["classes"],
    )  # fmt: skip


class DatasetStore:
    """The `datasets` table beside the runs (same file, same connection and lock)."""

    def __init__(self, store: Store):
        self.db, self.lock = store.db, store.lock
        with self.lock:
            self.db.executescript(SCHEMA)

    def insert(self, t: tabular.Table, name: str, client: str, size: int) -> dict[str, Any]:
        data_id, created = uuid.uuid4().hex[:12], time.time()
        info = describe(t, name, data_id, created, size)
        x, y = (zlib.compress(b, 6) for b in tabular.to_bytes(t))
        with self.lock:
            self.db.execute(
                "INSERT INTO datasets (id, client, created, info, x, y) VALUES (?, ?, ?, ?, ?, ?)",
                (data_id, client, created, jsonutil.dumps(info), x, y),
            )
        return info

    def count(self) -> int:
        with self.lock:
            return self.db.execute("SELECT COUNT(*) FROM datasets").fetchone()[0]

    def list(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT info FROM datasets ORDER BY created DESC").fetchall()
        return [jsonutil.loads(r[0]) for r in rows]

    def get(self, data_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute("SELECT info FROM datasets WHERE id=?", (data_id,)).fetchone()
        return None if row is None else jsonutil.loads(row[0])

    def delete(self, data_id: str) -> bool:
        with self.lock:
            gone = self.db.execute("DELETE FROM datasets WHERE id=?", (data_id,)).rowcount > 0
            if gone:
                self.db.execute("PRAGMA incremental_vacuum")
        with _cache_lock:
            _cache.pop(data_id, None)
        return gone

    def table(self, data_id: str) -> tabular.Table | None:
        with self.lock:
            row = self.db.execute(
                "SELECT info, x, y FROM datasets WHERE id=?", (data_id,)
            ).fetchone()
        return None if row is None else _table(jsonutil.loads(row[0]), row[1], row[2])


def _read_file(path: str) -> Callable[[str], tabular.Table | None]:
    local = threading.local()

    def read(data_id: str) -> tabular.Table | None:
        if getattr(local, "db", None) is None:
            local.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        try:
            row = local.db.execute(
                "SELECT info, x, y FROM datasets WHERE id=?", (data_id,)
            ).fetchone()
        except sqlite3.OperationalError:  # the file has no datasets table yet
            return None
        return None if row is None else _table(jsonutil.loads(row[0]), row[1], row[2])

    return read


_reader: Callable[[str], tabular.Table | None] | None = None


def serve(store: DatasetStore) -> None:
    """This process finds uploaded datasets in `store` (the server, at start-up)."""
    global _reader
    _reader = store.table
    with _cache_lock:
        _cache.clear()


def serve_file(path: Path | str) -> None:
    """This process finds them in the SQLite file at `path` (a compute worker)."""
    global _reader
    _reader = None if str(path) == ":memory:" else _read_file(str(path))


def serve_file_unless_served(path: Path | str) -> None:
    """A process with no store of its own (`descentlab run`, a notebook) reads the uploads
    from the SQLite file at `path` (the settings' run history: the local server's)."""
    if _reader is None:
        serve_file(path)


def table(data_id: str) -> tabular.Table:
    """The uploaded table `data_id`; KeyError if there is none."""
    if not isinstance(data_id, str) or len(data_id) > 64:
        raise KeyError(data_id)
    with _cache_lock:
        if data_id in _cache:
            _cache.move_to_end(data_id)
            return _cache[data_id]
    found = _reader(data_id) if _reader is not None else None
    if found is None:
        raise KeyError(data_id)
    with _cache_lock:
        _cache[data_id] = found
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return found


def remember(data_id: str, t: tabular.Table) -> None:
    """A table sent along with the work (a Dask worker on another machine has no store)."""
    with _cache_lock:
        _cache[data_id] = t
        _cache.move_to_end(data_id)
        while len(_cache) > CACHED:
            _cache.popitem(last=False)


class FormError(ValueError):
    """A multipart body without what an upload needs; the message names the field."""


def read_form(content_type: str, body: bytes) -> tuple[bytes, str | None, dict[str, str]]:
    """A multipart/form-data body's `file` part (its bytes and file name) and its other
    fields as text, parsed by the standard library's email package."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    msg = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not msg.is_multipart():
        raise FormError("body: not a multipart/form-data body (a boundary is missing)")
    file: tuple[bytes, str | None] | None = None
    fields: dict[str, str] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "file":
            file = (payload, part.get_filename())
        elif isinstance(name, str) and name in ("target", "task", "name"):
            fields[name] = payload.decode("utf-8", "replace").strip()
    if file is None:
        raise FormError("file: the multipart body has no field named 'file'")
    return file[0], file[1], fields

"""A class session's state and the pure computations on it: codes and tokens, names, the
pooled guesses, the leaderboard and the public view (which never holds a token).

The session hub (app/sessions/hub.py) owns the sessions and their streams; everything here
is plain data and functions, tested without a server.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from app.sessions.limits import Bucket

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I: read off a projector
CODE_LENGTH = 6
CODE_RE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
PHASES = ("watch", "predict", "reveal", "try")
NAME_MAX = 40
POOL_N = 24  # the pooled guesses' grid: POOL_N × POOL_N bins over the surface's domain
BOARD_SIZE = 20


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """A typed code in its canonical form (upper case, spaces and dashes dropped), or None."""
    code = re.sub(r"[\s-]", "", text).upper()
    return code if CODE_RE.match(code) else None


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def token_hash(token: str) -> str:
    """Tokens are kept as hashes: a copy of the store lets nobody act as a teacher."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_hash(token: str, digest: str) -> bool:
    return hmac.compare_digest(token_hash(token), digest)


def clean_name(raw: str) -> str:
    """A display name: NFC, control and format characters dropped, runs of white space one
    space, trimmed, at most NAME_MAX characters. Stored as typed otherwise (HTML included:
    every page shows it as text)."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(" " if ch.isspace() else ch for ch in text if not _hidden(ch))
    return re.sub(r" +", " ", text).strip()[:NAME_MAX].strip()


def _hidden(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn") and not ch.isspace()


@dataclass
class Student:
    id: str
    name: str
    token_hash: str
    joined: float
    guess_bucket: Bucket
    try_bucket: Bucket


@dataclass
class TryResult:
    """A student's try, scored by its best lane."""

    id: str
    student_id: str
    round: int
    at: float
    config: dict[str, Any]
    lane: int | None
    final_loss: float | None
    converged_at: int | None
    diverged: bool
    run_id: str | None = None

    def key(self) -> tuple[float, float, float]:
        """Lower is better: final loss, then steps to converge, then who was first."""
        loss = self.final_loss if self.final_loss is not None else math.inf
        steps = self.converged_at if self.converged_at is not None else math.inf
        return (loss, steps, self.at)

    def lane_optimizer(self) -> dict[str, Any]:
        opts = self.config.get("optimizers") or [{}]
        n_start = max(1, len(self.config.get("starts") or [0]))
        return opts[min(len(opts) - 1, (self.lane or 0) // n_start)]


def score(summary: list[dict[str, Any]]) -> dict[str, Any]:
    """A finished race's score: its best lane by final loss (ties: steps to converge); a race
    whose every lane diverged scores no loss."""
    alive = [
        s
        for s in summary
        if s.get("diverged_at") is None
        and isinstance(s.get("final_loss"), float | int)
        and math.isfinite(s["final_loss"])
    ]
    if not alive:
        return {"lane": 0 if summary else None, "final_loss": None, "converged_at": None,
                "diverged": True}  # fmt: skip
    best = min(
        alive,
        key=lambda s: (
            s["final_loss"],
            s["converged_at"] if s.get("converged_at") is not None else math.inf,
        ),
    )
    return {"lane": best["lane"], "final_loss": float(best["final_loss"]),
            "converged_at": best.get("converged_at"), "diverged": False}  # fmt: skip


@dataclass
class Session:
    code: str
    title: str
    teacher_hash: str
    created: float
    client: str = ""
    phase: str = "watch"
    round: int = 0
    run: dict[str, Any] | None = None
    view: dict[str, Any] | None = None
    position: dict[str, Any] | None = None
    domain: list[list[float]] | None = None  # the run's surface domain (pool bins)
    updated: float = field(default_factory=time.time)
    active: float = field(default_factory=time.monotonic)  # the idle timeout counts from here
    ended: float | None = None
    students: dict[str, Student] = field(default_factory=dict)
    by_token: dict[str, str] = field(default_factory=dict)  # token hash → student id
    guesses: dict[str, list[list[float]]] = field(default_factory=dict)  # this round's
    best: dict[str, TryResult] = field(default_factory=dict)  # this round's best per student
    n_tries: int = 0  # this round's

    @property
    def lanes(self) -> int:
        if not self.run:
            return 0
        return len(self.run["optimizers"]) * len(self.run["starts"])

    def student(self, token: str) -> Student | None:
        sid = self.by_token.get(token_hash(token))
        return self.students.get(sid) if sid else None

    def state_for(self, try_limits: dict[str, int] | None = None) -> dict[str, Any]:
        """The public state: what every student and the projector may see."""
        return {
            "code": self.code,
            "title": self.title,
            "phase": self.phase,
            "round": self.round,
            "run": self.run,
            "view": self.view,
            "position": self.position,
            "students": len(self.students),
            "guessed": len(self.guesses),
            "tries": self.n_tries,
            "try_limits": try_limits or {},
            "created": self.created,
            "updated": self.updated,
            "ended": self.ended is not None,
        }

    def pool(self) -> dict[str, Any]:
        """The pooled guesses of this round: per lane the count, the mean and the occupied
        bins of a POOL_N × POOL_N grid over the surface's domain ([i, j, count]; i along x)."""
        return pool(self.round, self.lanes, self.domain, list(self.guesses.values()))

    def board(self) -> dict[str, Any]:
        return leaderboard(self.round, self.n_tries, list(self.best.values()), self.students)


def pool(
    round_: int, lanes: int, domain: list[list[float]] | None, guesses: list[list[list[float]]]
) -> dict[str, Any]:
    (x0, x1), (y0, y1) = domain or [[-1.0, 1.0], [-1.0, 1.0]]
    out = []
    for lane in range(lanes):
        points = [g[lane] for g in guesses if lane < len(g)]
        bins: dict[tuple[int, int], int] = {}
        for x, y in points:
            if x0 <= x <= x1 and y0 <= y <= y1:
                i = min(POOL_N - 1, int((x - x0) / (x1 - x0) * POOL_N))
                j = min(POOL_N - 1, int((y - y0) / (y1 - y0) * POOL_N))
                bins[(i, j)] = bins.get((i, j), 0) + 1
        mean = (
            [sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)]
            if points
            else None
        )
        out.append(
            {"count": len(points), "mean": mean,
             "bins": [[i, j, c] for (i, j), c in sorted(bins.items())]}
        )  # fmt: skip
    return {
        "round": round_,
        "count": len(guesses),
        "grid": {"n": POOL_N, "domain": [[x0, x1], [y0, y1]]},
        "lanes": out,
    }


def keep_best(best: dict[str, TryResult], t: TryResult) -> None:
    """`best` (student id → their best try) with try `t` counted."""
    old = best.get(t.student_id)
    if old is None or t.key() < old.key():
        best[t.student_id] = t


def ranked(tries: list[TryResult]) -> list[tuple[int, TryResult]]:
    """Tries best first with competition ranks (1, 2, 2, 4): equal loss and steps share one."""
    order = sorted(tries, key=TryResult.key)
    out: list[tuple[int, TryResult]] = []
    for k, t in enumerate(order):
        tie = out and out[-1][1].key()[:2] == t.key()[:2]
        out.append((out[-1][0] if tie else k + 1, t))
    return out


def entry(rank: int, t: TryResult, name: str) -> dict[str, Any]:
    opt = t.lane_optimizer()
    return {
        "rank": rank,
        "student_id": t.student_id,
        "name": name,
        "optimizer": opt.get("name"),
        "lr": (opt.get("params") or {}).get("lr"),
        "final_loss": t.final_loss,
        "converged_at": t.converged_at,
        "diverged": t.diverged,
        "try_id": t.id,
    }


def leaderboard(
    round_: int, n_tries: int, best: list[TryResult], students: dict[str, Student]
) -> dict[str, Any]:
    rows = ranked(best)[:BOARD_SIZE]
    names = {sid: s.name for sid, s in students.items()}
    return {
        "round": round_,
        "tries": n_tries,
        "entries": [entry(r, t, names.get(t.student_id, "")) for r, t in rows],
    }

"""A class session's results for the teacher: every round's race, guesses and tries, and
each round's ranking; as JSON and as CSV (one row per guessed lane and one per try)."""

from __future__ import annotations

import csv
import io
from typing import Any

from app.sessions import model
from app.sessions.store import SessionStore

CSV_COLUMNS = [
    "record", "round", "student_id", "name", "lane", "x", "y", "optimizer", "lr", "steps",
    "final_loss", "converged_at", "diverged", "rank", "at",
]  # fmt: skip


def summary(db: SessionStore, code: str) -> dict[str, Any]:
    head = db.header(code) or {}
    students = db.students(code)
    names = {sid: name for sid, name, _, _ in students}
    tries = db.tries(code)
    rounds = sorted({t.round for t in tries} | {r["round"] for r in db.rounds(code)})
    ranking = []
    rank_of: dict[str, int] = {}
    for rnd in rounds:
        best: dict[str, model.TryResult] = {}
        for t in tries:
            if t.round == rnd:
                model.keep_best(best, t)
        rows = model.ranked(list(best.values()))
        rank_of.update({t.id: r for r, t in rows})
        ranking.append({"round": rnd, "entries": [
            model.entry(r, t, names.get(t.student_id, "")) for r, t in rows]})  # fmt: skip
    return {
        "code": code,
        "title": head.get("title", ""),
        "created": head.get("created"),
        "ended": head.get("ended"),
        "students": [
            {"student_id": sid, "name": name, "joined": joined} for sid, name, _, joined in students
        ],  # fmt: skip
        "rounds": db.rounds(code),
        "guesses": [{**g, "name": names.get(g["student_id"], "")} for g in db.guesses(code)],
        "tries": [_try(t, names, rank_of) for t in tries],
        "ranking": ranking,
    }


def _try(t: model.TryResult, names: dict[str, str], rank_of: dict[str, int]) -> dict[str, Any]:
    opt = t.lane_optimizer()
    return {
        "try_id": t.id, "round": t.round, "student_id": t.student_id,
        "name": names.get(t.student_id, ""), "at": t.at, "config": t.config, "lane": t.lane,
        "optimizer": opt.get("name"), "lr": (opt.get("params") or {}).get("lr"),
        "final_loss": t.final_loss, "converged_at": t.converged_at, "diverged": t.diverged,
        "best_of_student": t.id in rank_of, "rank": rank_of.get(t.id),
    }  # fmt: skip


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a name such as `=HYPERLINK(...)` would
    otherwise run as a formula (CSV injection), so such text gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def to_csv(doc: dict[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for g in doc["guesses"]:
        for lane, (x, y) in enumerate(g["guesses"]):
            w.writerow([cell(v) for v in ("guess", g["round"], g["student_id"], g["name"], lane,
                        x, y, None, None, None, None, None, None, None, g["at"])])  # fmt: skip
    for t in doc["tries"]:
        steps = t["config"].get("steps")
        w.writerow([cell(v) for v in ("try", t["round"], t["student_id"], t["name"], t["lane"],
                    None, None, t["optimizer"], t["lr"], steps, t["final_loss"],
                    t["converged_at"], t["diverged"], t["rank"], t["at"])])  # fmt: skip
    return buf.getvalue()

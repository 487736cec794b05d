"""The session hub: every open class session in memory, its store writes and its streams.

All state changes run on the event loop (the REST handlers), the store writes in a thread.
A session's stream keeps only the latest event of each name (`state`, `guesses`,
`leaderboard`, `end`): each is a whole snapshot, so a student who misses some gets the
newest, and a reconnect with Last-Event-ID n gets every snapshot newer than n. Event ids are
milliseconds of the wall clock (made strictly increasing), so they keep increasing across a
restart and a stream resumes after one. Pooled guesses, the leaderboard and join counts are
coalesced (at most one event per THROTTLE_S each); a teacher's push goes out at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from app.doorbell import Doorbell
from app.events import Event
from app.kinds import race
from app.run_state import TooManyRuns
from app.runs import RunManager
from app.sessions import model
from app.sessions.limits import Bucket, FailureWindow
from app.sessions.model import Session, Student, TryResult
from app.sessions.store import SessionStore
from app.settings import Settings
from app.store import Store

log = logging.getLogger("descentlab.sessions")
THROTTLE_S = 0.25
LINGER_S = 30.0  # an ended session stays in memory this long (its streams hear the end)
GUESS_BUCKET = (10, 2.0)  # a student's guesses: 10 at once, then 2 a second
TRY_BUCKET = (3, 0.25)  # a student's tries: 3 at once, then one every 4 s
FAILED_LOOKUPS = 60.0  # the window (seconds) of the failed-lookup limit per address


@dataclass
class Refused(Exception):
    """A request the hub refuses: the router turns it into that status (422s name `loc`)."""

    status: int
    message: str
    retry_after: int | None = None
    loc: tuple[Any, ...] | None = None


class _Live:
    """A session's stream side: the latest event of each name and the watchers' wake-up."""

    def __init__(self) -> None:
        self.latest: dict[str, Event] = {}
        self.bell = Doorbell()
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.sent_at: dict[str, float] = {}
        self.watchers = 0


class SessionHub:
    def __init__(self, settings: Settings, store: Store, manager: RunManager):
        self.settings = settings
        self.db = SessionStore(store)
        self.manager = manager
        self.sessions: dict[str, Session] = {}
        self.live: dict[str, _Live] = {}
        self.failures = FailureWindow(settings.max_failed_lookups, FAILED_LOOKUPS)
        self.last_id = 0
        self.closing = False
        self._janitor: asyncio.Task | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await asyncio.to_thread(self._load_all)
        self._janitor = asyncio.create_task(self._sweep())

    def begin_shutdown(self) -> None:
        """Open streams close (without an `end`: the sessions go on after a restart, and
        the browsers reconnect with Last-Event-ID)."""
        self.closing = True
        for code in list(self.live):
            self._wake(code)

    async def close(self) -> None:
        self.begin_shutdown()
        if self._janitor:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor

    def _load_all(self) -> None:
        for code in self.db.open_codes():
            try:
                self._load(code)
            except Exception:  # noqa: BLE001 - one bad row must not stop the server
                log.exception("could not load session %s", code)

    def _load(self, code: str) -> None:
        h = self.db.header(code)
        if h is None:
            return
        st = h["state"]
        s = Session(code, h["title"], h["teacher_hash"], h["created"], h["client"] or "",
                    st["phase"], st["round"], st["run"], st["view"], st["position"],
                    st.get("domain"), h["updated"])  # fmt: skip
        idle = time.time() - h["active"]
        s.active = time.monotonic() - idle
        for sid, name, thash, joined in self.db.students(code):
            s.students[sid] = self._student(sid, name, thash, joined)
            s.by_token[thash] = sid
        for g in self.db.guesses(code, s.round):
            s.guesses[g["student_id"]] = g["guesses"]
        for t in self.db.tries(code, s.round):
            s.n_tries += 1
            model.keep_best(s.best, t)
        self.sessions[code] = s
        self.live[code] = _Live()
        self._emit(s, "state")
        if s.guesses:
            self._emit(s, "guesses")
        if s.best:
            self._emit(s, "leaderboard")

    def _student(self, sid: str, name: str, thash: str, joined: float) -> Student:
        return Student(sid, name, thash, joined, Bucket(*GUESS_BUCKET), Bucket(*TRY_BUCKET))

    async def _sweep(self) -> None:
        """Expire sessions idle past session_idle_s; prune old ended ones; forget ended
        sessions from memory once their streams heard the end."""
        last_prune = 0.0
        while True:
            await asyncio.sleep(min(5.0, self.settings.session_idle_s / 4))
            now = time.monotonic()
            for s in list(self.sessions.values()):
                if s.ended is None and now - s.active > self.settings.session_idle_s:
                    await self.end(s, "expired")
                elif s.ended is not None and time.time() - s.ended > LINGER_S:
                    self.sessions.pop(s.code, None)
                    self.live.pop(s.code, None)
            if now - last_prune > 3600:
                last_prune = now
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(self.db.prune, self.settings.keep_days)

    # ------------------------------------------------------------------ lookups

    def find(self, raw: str, address: str) -> Session:
        """An open session by its code (any case); unknown codes count as failed lookups of
        this address, and past the limit even a right code waits (429)."""
        wait = self.failures.retry_after(address)
        if wait:
            raise Refused(429, "too many unknown session codes from your network address; "
                          f"retry in {wait} s", wait)  # fmt: skip
        code = model.normal_code(raw)
        s = self.sessions.get(code) if code else None
        if s is None or s.ended is not None:
            self.failures.failed(address)
            raise Refused(404, "no open class session with this code")
        return s

    async def closed_or_open(self, raw: str, address: str, token: str) -> str:
        """The code of a session, open or ended, whose teacher holds `token` (the summary
        outlives the session)."""
        try:
            s = self.find(raw, address)
        except Refused as e:
            if e.status != 404:
                raise
            code = model.normal_code(raw)
            head = await asyncio.to_thread(self.db.header, code) if code else None
            if head is None:
                raise
            self.teacher(head, token)
            return head["code"]
        self.teacher(s, token)
        return s.code

    @staticmethod
    def teacher(s: Session | dict[str, Any], token: str) -> None:
        """403 unless `token` is the teacher's of session `s` (or of its stored header)."""
        digest = s["teacher_hash"] if isinstance(s, dict) else s.teacher_hash
        if not model.same_hash(token, digest):
            raise Refused(403, "this token is not this session's teacher token")

    @staticmethod
    def student(s: Session, token: str) -> Student:
        st = s.student(token)
        if st is None:
            raise Refused(403, "this token is not a student's of this session")
        return st

    def try_limits(self, s: Session) -> dict[str, int]:
        steps = int(s.run["steps"]) if s.run else self.settings.max_steps
        return {"steps": min(steps, self.settings.max_steps),
                "optimizers": min(self.settings.session_try_optimizers,
                                  self.settings.max_optimizers)}  # fmt: skip

    def public(self, s: Session) -> dict[str, Any]:
        return s.state_for(self.try_limits(s))

    # ------------------------------------------------------------------ teacher

    async def create(self, title: str, client: str) -> tuple[Session, str]:
        s_ = self.settings
        open_ = [s for s in self.sessions.values() if s.ended is None]
        if len(open_) >= s_.max_sessions:
            raise Refused(429, f"the server already hosts {s_.max_sessions} class sessions; "
                          "end one or retry later", 30)  # fmt: skip
        if sum(1 for s in open_ if s.client == client) >= s_.max_sessions_per_client:
            raise Refused(429, f"you already run {s_.max_sessions_per_client} open class "
                          "sessions; end one first", 30)  # fmt: skip
        token = model.new_token("t")
        while True:
            code = model.new_code()
            if code not in self.sessions and not await asyncio.to_thread(self.db.exists, code):
                break
        s = Session(code, title, model.token_hash(token), time.time(), client)
        self.sessions[code] = s  # reserved before the write: no second session takes the code
        try:
            await asyncio.to_thread(self.db.insert, s)
        except BaseException:
            self.sessions.pop(code, None)
            raise
        self.live[code] = _Live()
        self._emit(s, "state")
        return s, token

    async def update(self, s: Session, patch: dict[str, Any]) -> None:
        """The teacher's push (already validated): phase, run, view, position, title."""
        run = patch.get("run", s.run)
        phase = patch.get("phase", s.phase)
        if phase != "watch" and run is None:
            raise Refused(409, f"phase {phase!r} needs a race: send `run` first", loc=("phase",))
        new_round = "run" in patch and patch["run"] != s.run
        old = (s.phase, s.round, s.run, s.view, s.position, s.title, s.domain)
        if new_round:
            s.run, s.round = run, s.round + 1
            s.domain = race.build_surface(run["surface"]).info()["domain"]
            s.guesses, s.best, s.n_tries = {}, {}, 0
        s.phase = phase
        s.view = patch.get("view", s.view)
        s.position = patch.get("position", s.position)
        s.title = patch.get("title", s.title)
        s.updated, s.active = time.time(), time.monotonic()
        try:
            await asyncio.to_thread(self.db.save_state, s, new_round)
        except BaseException:
            (s.phase, s.round, s.run, s.view, s.position, s.title, s.domain) = old
            raise
        self._emit(s, "state")
        if new_round:
            self._emit(s, "guesses")
            self._emit(s, "leaderboard")

    async def end(self, s: Session, reason: str = "ended") -> None:
        if s.ended is not None:
            return
        s.ended = time.time()
        with contextlib.suppress(Exception):  # the end is kept in memory regardless
            await asyncio.to_thread(self.db.end, s.code, s.ended)
        live = self.live.get(s.code)
        if live:
            for handle in live.pending.values():
                handle.cancel()
            live.pending.clear()
        self._emit(s, "end", {"reason": reason})

    # ------------------------------------------------------------------ students

    async def join(self, s: Session, name: str) -> tuple[Student, str]:
        if len(s.students) >= self.settings.max_students:
            raise Refused(429, f"this class session is full ({self.settings.max_students} "
                          "students)", 60)  # fmt: skip
        token = model.new_token("s")
        st = self._student(uuid.uuid4().hex[:12], name, model.token_hash(token), time.time())
        s.students[st.id] = st  # the seat is taken before the write (the cap holds)
        s.by_token[st.token_hash] = st.id
        try:
            await asyncio.to_thread(self.db.add_student, s.code, st.id, name, st.token_hash,
                                    st.joined)  # fmt: skip
        except BaseException:
            s.students.pop(st.id, None)
            s.by_token.pop(st.token_hash, None)
            raise
        s.active = time.monotonic()
        self._emit_soon(s, "state")
        return st, token

    def _spend(self, bucket: Bucket, what: str) -> None:
        wait = bucket.take()
        if wait:
            secs = max(1, int(wait + 0.999))
            raise Refused(429, f"too many {what}; retry in {secs} s", secs)

    @staticmethod
    def need_phase(s: Session, phase: str, what: str) -> None:
        if s.phase != phase:
            raise Refused(409, f"{what} are taken in the {phase} phase (now: {s.phase})")

    async def guess(self, s: Session, st: Student, guesses: list[list[float]]) -> None:
        self.need_phase(s, "predict", "guesses")
        if len(guesses) != s.lanes:
            raise Refused(422, f"one guess per lane: {s.lanes} expected, {len(guesses)} given",
                          loc=("guesses",))  # fmt: skip
        self._spend(st.guess_bucket, "guesses")
        round_ = s.round
        await asyncio.to_thread(self.db.put_guesses, s.code, st.id, round_, guesses, time.time())
        if round_ == s.round:  # not a guess of a round the teacher has just replaced
            s.guesses[st.id] = guesses
            s.active = time.monotonic()
            self._emit_soon(s, "guesses")
            self._emit_soon(s, "state")

    async def run_try(
        self, s: Session, st: Student, config: dict[str, Any], address: str
    ) -> tuple[TryResult, int]:
        """Run a student's race (validated against the session) and rank it."""
        self.need_phase(s, "try", "tries")  # again: the phase may have moved on meanwhile
        self._spend(st.try_bucket, "tries")
        round_ = s.round
        try:
            run = await asyncio.to_thread(
                self.manager.submit, "surface", config, f"s:{st.id}", False, address
            )
        except TooManyRuns as e:
            raise Refused(429, e.message, e.retry_after) from None
        await self.manager.wait(run.id)
        info = self.manager.get(run.id) or {"status": "failed", "error": "the run was lost"}
        if info["status"] != "done":
            why = info.get("error") or info["status"]
            raise Refused(503, f"the try could not be computed: {why}", 5)
        sc = model.score(info["summary"] or [])
        t = TryResult(secrets.token_hex(6), st.id, round_, time.time(), config, sc["lane"],
                      sc["final_loss"], sc["converged_at"], sc["diverged"], run.id)  # fmt: skip
        await asyncio.to_thread(self.db.add_try, s.code, t)
        rank = 0
        if round_ == s.round:
            s.n_tries += 1
            model.keep_best(s.best, t)
            s.active = time.monotonic()
            rank = next(r for r, x in model.ranked(list(s.best.values()))
                        if x.student_id == st.id)  # fmt: skip
            self._emit_soon(s, "leaderboard")
            self._emit_soon(s, "state")
        return t, rank

    # ------------------------------------------------------------------ streams

    def _next_id(self) -> int:
        self.last_id = max(self.last_id + 1, int(time.time() * 1000))
        return self.last_id

    def _payload(self, s: Session, name: str) -> Any:
        if name == "state":
            return self.public(s)
        if name == "guesses":
            return s.pool()
        return s.board()

    def _emit(self, s: Session, name: str, data: Any = None) -> None:
        live = self.live.get(s.code)
        if live is None:
            return
        if name in live.pending:
            live.pending.pop(name).cancel()
        payload = data if data is not None else self._payload(s, name)
        live.latest[name] = Event.make(self._next_id(), name, payload)
        live.sent_at[name] = time.monotonic()
        self._wake(s.code)

    def _emit_soon(self, s: Session, name: str) -> None:
        """At most one `name` event per THROTTLE_S: later changes ride on the next one."""
        live = self.live.get(s.code)
        if live is None or name in live.pending or s.ended is not None:
            return
        due = live.sent_at.get(name, 0.0) + THROTTLE_S - time.monotonic()
        if due <= 0:
            self._emit(s, name)
            return
        loop = asyncio.get_running_loop()
        live.pending[name] = loop.call_later(due, self._flush, s, name)

    def _flush(self, s: Session, name: str) -> None:
        live = self.live.get(s.code)
        if live is not None and live.pending.pop(name, None) is not None and s.ended is None:
            self._emit(s, name)

    def _wake(self, code: str) -> None:
        live = self.live.get(code)
        if live is not None:
            live.bell.ring()

    async def stream(self, s: Session, after: int) -> AsyncIterator[bytes]:
        """SSE bytes: every latest snapshot newer than `after`, then each new one live; the
        `end` event is the last."""
        live = self.live[s.code]
        live.watchers += 1
        sent = after
        try:
            yield b"retry: 2000\n\n"
            while not self.closing:
                armed = live.bell.arm()
                for ev in sorted(live.latest.values(), key=lambda e: e.id):
                    if ev.id > sent:
                        yield ev.sse()
                        sent = ev.id
                if "end" in live.latest:
                    return
                if not await live.bell.wait(armed, self.settings.heartbeat_s):
                    yield b": keep-alive\n\n"
        finally:
            live.watchers -= 1

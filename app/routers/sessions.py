"""/api/sessions: live class sessions (teacher token, student tokens, join code and QR,
phases watch → predict → reveal → try, pooled guesses and ranked tries over SSE)."""

from __future__ import annotations

import asyncio
import io
from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import jsonutil, sse
from app.deps import AddressDep, AnalysesDep, ClientDep, SettingsDep
from app.errors import problem
from app.kinds import race
from app.schemas import INVALID, problems
from app.session_models import (
    GuessAccepted,
    GuessRequest,
    Joined,
    JoinRequest,
    Me,
    SessionCreate,
    SessionCreated,
    SessionEnded,
    SessionPatch,
    SessionState,
    TryRequest,
    TryScored,
)  # fmt: skip
from app.sessions import Refused, SessionHub, model, summary
from app.sessions.model import Session, Student
from app.validation import at_most, fail, prepare_surface

router = APIRouter(prefix="/api/sessions", tags=["sessions"])
bearer = HTTPBearer(auto_error=False, description="the teacher's or a student's token")

E404 = problems(e404="no open class session with this code", e429="too many unknown codes")
AUTH = problems(e401="no token", e403="not this session's token")
SSE_DOC = sse.sse_doc(
    ["state", "guesses", "leaderboard", "end"],
    "state (the public state, on every change), guesses (the pooled predictions), "
    "leaderboard, and a last `end`; each with an increasing id",
    id_digits=15,
)


async def get_hub(request: Request) -> SessionHub:
    return request.app.state.sessions


async def token_of(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str | None:
    return creds.credentials if creds else None


HubDep = Annotated[SessionHub, Depends(get_hub)]
TokenDep = Annotated[str | None, Depends(token_of)]


async def refused(request: Request, e: Refused) -> Response:
    """The app's handler of the hub's refusals (main.py installs it): a problem document; a
    422 names its field as every 422 does."""
    if e.status == 422 and e.loc:
        d = fail(list(e.loc), e.message).detail
        return problem(422, d["message"], d["detail"])
    headers = {"Retry-After": str(e.retry_after)} if e.retry_after else {}
    if e.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem(e.status, e.message, headers=headers or None)


def _token(token: str | None) -> str:
    """401 before anything else: a request without a token learns nothing of the code."""
    if not token:
        raise Refused(401, "a token is needed (Authorization: Bearer <token>)")
    return token


async def open_session(code: str, hub: HubDep, address: AddressDep) -> Session:
    return hub.find(code, address)


async def teachers_session(code: str, hub: HubDep, address: AddressDep, token: TokenDep) -> Session:
    token = _token(token)
    s = hub.find(code, address)
    hub.teacher(s, token)
    return s


async def student_of(
    code: str, hub: HubDep, address: AddressDep, token: TokenDep
) -> tuple[Session, Student]:
    token = _token(token)
    s = hub.find(code, address)
    return s, hub.student(s, token)


SessionDep = Annotated[Session, Depends(open_session)]
TeacherDep = Annotated[Session, Depends(teachers_session)]
StudentDep = Annotated[tuple[Session, Student], Depends(student_of)]


def join_url(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/join/{code}"


@router.post("", status_code=201, response_model=SessionCreated,
             responses=problems(e422=INVALID, e429="too many open sessions"))  # fmt: skip
async def create_session(
    body: SessionCreate, hub: HubDep, client: ClientDep, request: Request
) -> Any:
    """Start a class session; the teacher token is shown only here."""
    s, token = await hub.create(model.clean_name(body.title), client)
    headers = {"Location": f"/api/sessions/{s.code}"}
    body_ = {"code": s.code, "teacher_token": token, "join_url": join_url(request, s.code)}
    return Response(jsonutil.dumps(body_), 201, headers, "application/json")


@router.get("/{code}", response_model=SessionState, responses=E404)
async def get_session(s: SessionDep, hub: HubDep) -> Any:
    """The public state (never a token)."""
    return hub.public(s)


@router.get("/{code}/qr.svg", responses={**E404, 200: {"content": {"image/svg+xml": {}}}})
async def join_qr(s: SessionDep, request: Request) -> Response:
    """The join link as a QR code (SVG, made on this server: works offline)."""
    buf = io.BytesIO()
    segno.make(join_url(request, s.code), error="m").save(
        buf, kind="svg", scale=10, border=2, xmldecl=False, title=f"DescentLab {s.code}"
    )
    return Response(buf.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=3600"})  # fmt: skip


@router.put("/{code}/state", response_model=SessionState,
            responses={**E404, **AUTH, **problems(e409="this phase needs a race",
                                                  e422=INVALID)})  # fmt: skip
async def put_state(
    s: TeacherDep,
    patch: SessionPatch,
    hub: HubDep,
    settings: SettingsDep,
    analyses: AnalysesDep,
) -> Any:
    """The teacher's page pushes its phase, race, view and playback position."""
    data = patch.model_dump(mode="json", exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None}
    if "title" in data:
        data["title"] = model.clean_name(data["title"])
    if "run" in data:
        await _check_run(data["run"], settings, analyses)
    await hub.update(s, data)
    return hub.public(s)


async def _check_run(run: dict[str, Any], settings, analyses) -> None:
    """The race of a session: the same checks as POST /api/runs, its 422 under `run`."""
    try:
        await prepare_surface(run["surface"], analyses, settings)
        await asyncio.to_thread(race.check, run, settings)
    except HTTPException as e:
        if e.status_code != 422 or not isinstance(e.detail, dict):
            raise
        d = e.detail["detail"][0]
        raise fail(["run", *d["loc"][1:]], d["msg"]) from None


@router.get("/{code}/events", responses={200: SSE_DOC, **E404})
async def session_events(
    s: SessionDep,
    hub: HubDep,
    last_event_id: Annotated[str, Header(pattern=r"^[0-9]{1,15}$")] = None,  # type: ignore[assignment]
) -> Any:
    """Server-Sent Events for students and the projector; Last-Event-ID resumes."""
    after = int(last_event_id) if last_event_id is not None else -1
    return sse.response(hub.stream(s, after))


@router.post("/{code}/join", status_code=201, response_model=Joined,
             responses={**E404, **problems(e422=INVALID, e429="the session is full")})  # fmt: skip
async def join(s: SessionDep, body: JoinRequest, hub: HubDep) -> Any:
    """Join as a student; the token is shown only here."""
    name = model.clean_name(body.name)
    if not name:
        raise Refused(422, "a name is needed (it was empty after trimming)", loc=("name",))
    st, token = await hub.join(s, name)
    body_ = {"student_id": st.id, "student_token": token, "name": st.name}
    return Response(jsonutil.dumps(body_), 201, media_type="application/json")


@router.get("/{code}/me", response_model=Me, responses={**E404, **AUTH})
async def me(who: StudentDep) -> Any:
    """A student's own record (a reloaded page rejoins with its token)."""
    s, st = who
    return {"student_id": st.id, "name": st.name, "round": s.round,
            "guesses": s.guesses.get(st.id)}  # fmt: skip


@router.post("/{code}/guesses", response_model=GuessAccepted,
             responses={**E404, **AUTH, **problems(e409="not the predict phase", e422=INVALID,
                                                   e429="too many guesses")})  # fmt: skip
async def post_guesses(who: StudentDep, body: GuessRequest, hub: HubDep) -> Any:
    """A student's guess of each lane's endpoint (replaces their earlier one)."""
    s, st = who
    guesses = [[float(x), float(y)] for x, y in body.guesses]
    await hub.guess(s, st, guesses)
    return {"round": s.round, "guesses": guesses}


@router.post("/{code}/tries", status_code=201, response_model=TryScored,
             responses={**E404, **AUTH, **problems(
                 e409="not the try phase", e422=INVALID, e429="too many tries",
                 e503="the try could not be computed")})  # fmt: skip
async def post_try(
    who: StudentDep, body: TryRequest, hub: HubDep, address: AddressDep, settings: SettingsDep
) -> Any:
    """A student's own race on the session's surface, run and ranked by final loss."""
    s, st = who
    hub.need_phase(s, "try", "tries")
    config = _try_config(s.run, body, hub.try_limits(s))
    await asyncio.to_thread(race.check, config, settings)
    t, rank = await hub.run_try(s, st, config, address)
    body_ = {"try_id": t.id, "run_id": t.run_id, "final_loss": t.final_loss,
             "converged_at": t.converged_at, "diverged": t.diverged, "lane": t.lane,
             "rank": rank}  # fmt: skip
    return Response(jsonutil.dumps(body_), 201, media_type="application/json")


def _try_config(run: dict[str, Any], body: TryRequest, limits: dict[str, int]) -> dict[str, Any]:
    """The session's race with the student's optimizers and steps; the rest is the session's."""
    given = body.model_dump(mode="json", exclude_unset=True)
    for key in ("surface", "starts", "noise", "seed"):
        if key in given and given[key] is not None and given[key] != run[key]:
            raise Refused(422, f"a try runs on the session's {key}: leave it out or send "
                          "the session's", loc=(key,))  # fmt: skip
    steps = given.get("steps") or run["steps"]
    at_most(["optimizers"], len(body.optimizers), limits["optimizers"], "optimizers in a try")
    at_most(["steps"], steps, limits["steps"], "steps in this session's tries")
    return {**run, "optimizers": given["optimizers"], "steps": steps}


@router.get("/{code}/summary",
            responses={**E404, **AUTH, 200: {"content": {"application/json": {},
                                                      "text/csv": {}}}})  # fmt: skip
async def get_summary(
    code: str,
    hub: HubDep,
    token: TokenDep,
    address: AddressDep,
    format: Literal["json", "csv"] = "json",  # noqa: A002
) -> Response:
    """Every round's race, guesses, tries and ranking (also after the session ended)."""
    norm = await hub.closed_or_open(code, address, _token(token))
    doc = await asyncio.to_thread(summary.summary, hub.db, norm)
    if format == "csv":
        return Response(
            await asyncio.to_thread(summary.to_csv, doc),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="descentlab-class-{norm}.csv"'},
        )
    return Response(jsonutil.dumps(doc), media_type="application/json")


@router.delete("/{code}", response_model=SessionEnded, responses={**E404, **AUTH})
async def end_session(s: TeacherDep, hub: HubDep) -> Any:
    """End the session: every stream gets a final `end` event; later public reads are 404
    (the teacher's summary stays)."""
    await hub.end(s, "ended")
    return {"code": s.code, "ended": True}

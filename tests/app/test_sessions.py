"""The class-session API in process: tokens, phases, bad input, limits, persistence."""

from __future__ import annotations

import pytest

from app.main import create_app
from app.sessions import model
from app.sessions.summary import cell
from tests.app.conftest import CheckedClient

RUN = {"kind": "surface", "surface": {"name": "himmelblau"},
       "optimizers": [{"name": "sgd", "params": {"lr": 0.01}},
                      {"name": "adam", "params": {"lr": 0.1}}],
       "starts": [[0.0, 0.0]], "steps": 100}  # fmt: skip


@pytest.fixture
def api(settings):
    def make(**over):
        return CheckedClient(create_app(settings.model_copy(update=over)),
                             base_url="http://127.0.0.1:8000")  # fmt: skip

    return make


def start(c, phase="predict"):
    d = c.post("/api/sessions", json={"title": "Period 3"}).json()
    t = {"Authorization": f"Bearer {d['teacher_token']}"}
    assert c.put(f"/api/sessions/{d['code']}/state", json={"phase": phase, "run": RUN},
                 headers=t).status_code == 200  # fmt: skip
    return d, t


def join(c, code, name="Ana"):
    r = c.post(f"/api/sessions/{code}/join", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json(), {"Authorization": f"Bearer {r.json()['student_token']}"}


def test_the_code_is_unambiguous_and_case_insensitive(api):
    with api() as c:
        d = c.post("/api/sessions", json={}).json()
        assert model.CODE_RE.match(d["code"]) and not set(d["code"]) & set("0O1I")
        assert d["join_url"].endswith(f"/join/{d['code']}")
        assert c.get(f"/api/sessions/{d['code'].lower()}").json()["code"] == d["code"]
        assert c.get("/api/sessions/ZZZZZZ").status_code == 404


def test_the_teacher_token_is_needed_and_never_leaks(api):
    with api() as c:
        d, t = start(c)
        url = f"/api/sessions/{d['code']}/state"
        r = c.put(url, json={"phase": "watch"})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert c.put(url, json={"phase": "watch"},
                     headers={"Authorization": "Bearer nope"}).status_code == 403  # fmt: skip
        s, st = join(c, d["code"])
        assert c.put(url, json={"phase": "watch"}, headers=st).status_code == 403
        assert c.delete(f"/api/sessions/{d['code']}", headers=st).status_code == 403
        assert c.get(f"/api/sessions/{d['code']}/summary", headers=st).status_code == 403
        public = [c.get(f"/api/sessions/{d['code']}").text,
                  c.get(f"/api/sessions/{d['code']}/me", headers=st).text]  # fmt: skip
        c.delete(f"/api/sessions/{d['code']}", headers=t)
        for text in public:
            assert d["teacher_token"] not in text and s["student_token"] not in text


def test_phases_gate_guesses_and_tries(api):
    with api() as c:
        d = c.post("/api/sessions", json={}).json()
        t = {"Authorization": f"Bearer {d['teacher_token']}"}
        code = d["code"]
        assert c.put(f"/api/sessions/{code}/state", json={"phase": "predict"},
                     headers=t).status_code == 409  # fmt: skip
        c.put(f"/api/sessions/{code}/state", json={"phase": "watch", "run": RUN}, headers=t)
        _, st = join(c, code)
        g = {"guesses": [[1, 1], [2, 2]]}
        assert c.post(f"/api/sessions/{code}/guesses", json=g, headers=st).status_code == 409
        tr = {"optimizers": [{"name": "adam", "params": {"lr": 0.2}}]}
        assert c.post(f"/api/sessions/{code}/tries", json=tr, headers=st).status_code == 409
        c.put(f"/api/sessions/{code}/state", json={"phase": "try"}, headers=t)
        r = c.post(f"/api/sessions/{code}/tries", json=tr, headers=st)
        assert r.status_code == 201 and r.json()["rank"] == 1 and r.json()["final_loss"] < 1


def test_bad_input_names_the_field_and_loses_nothing(api):
    with api() as c:
        d, t = start(c)
        code = d["code"]
        _, st = join(c, code, "<script>alert(1)</script>")
        ok = {"guesses": [[3, 2], [-2.8, 3.1]]}
        assert c.post(f"/api/sessions/{code}/guesses", json=ok, headers=st).status_code == 200
        raw = b'{"guesses": [[1, Infinity], [0, 0]]}'
        json_ = {**st, "content-type": "application/json"}
        bad = c.post(f"/api/sessions/{code}/guesses", headers=json_, content=raw)
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "guesses.0.1"
        few = c.post(f"/api/sessions/{code}/guesses", json={"guesses": [[1, 1]]}, headers=st)
        assert few.status_code == 422 and few.json()["detail"][0]["field"] == "guesses"
        empty = c.post(f"/api/sessions/{code}/join", json={"name": " \u200b\t "})
        assert empty.status_code == 422 and empty.json()["detail"][0]["field"] == "name"
        run = {**RUN, "optimizers": [{"name": "sgd", "params": {"lr": -1}}]}
        r = c.put(f"/api/sessions/{code}/state", json={"run": run}, headers=t)
        assert r.status_code == 422 and r.json()["detail"][0]["field"].startswith("run.")
        state = c.get(f"/api/sessions/{code}").json()
        assert state["guessed"] == 1 and state["round"] == 1 and state["run"]["steps"] == 100
        doc = c.get(f"/api/sessions/{code}/summary", headers=t).json()
        assert doc["guesses"][0]["name"] == "<script>alert(1)</script>"  # stored as typed


def test_limits_students_guesses_and_failed_lookups(api):
    with api(max_students=3, max_failed_lookups=5) as c:
        d, _ = start(c)
        code = d["code"]
        seats = [join(c, code, f"s{i}") for i in range(3)]
        full = c.post(f"/api/sessions/{code}/join", json={"name": "late"})
        assert full.status_code == 429 and int(full.headers["retry-after"]) >= 1
        g = {"guesses": [[0, 0], [1, 1]]}
        codes = [c.post(f"/api/sessions/{code}/guesses", json=g, headers=seats[0][1]).status_code
                 for _ in range(15)]  # fmt: skip
        assert codes[:10] == [200] * 10 and 429 in codes[10:]
        assert (
            c.post(f"/api/sessions/{code}/guesses", json=g, headers=seats[1][1]).status_code == 200
        )  # another student: own bucket
        misses = [c.post("/api/sessions/ZZZZZZ/join", json={"name": "x"}).status_code
                  for _ in range(7)]  # fmt: skip
        assert misses[:5] == [404] * 5 and misses[5:] == [429, 429]


def test_summary_csv_keeps_names_as_text():
    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and cell("Kim") == "Kim"
    assert model.clean_name("  Kim \u0000\u202e Ji\n woo ") == "Kim Ji woo"
    assert len(model.clean_name("가" * 100)) == model.NAME_MAX


def test_an_idle_session_expires(api):
    import time

    with api(session_idle_s=0.4) as c:
        d, _ = start(c)
        time.sleep(1.5)
        assert c.get(f"/api/sessions/{d['code']}").status_code == 404


def test_a_restart_keeps_students_guesses_and_tries(api):
    with api() as c:
        d, t = start(c)
        code = d["code"]
        s, st = join(c, code)
        c.post(f"/api/sessions/{code}/guesses", json={"guesses": [[3, 2], [3, 2]]}, headers=st)
        c.put(f"/api/sessions/{code}/state", json={"phase": "try"}, headers=t)
        c.post(f"/api/sessions/{code}/tries", json={"optimizers": [{"name": "adam"}]},
               headers=st)  # fmt: skip
    with api() as c:
        state = c.get(f"/api/sessions/{code}").json()
        assert (state["phase"], state["students"], state["tries"]) == ("try", 1, 1)
        assert c.get(f"/api/sessions/{code}/me", headers=st).json()["student_id"] == s["student_id"]
        doc = c.get(f"/api/sessions/{code}/summary", headers=t).json()
        assert len(doc["guesses"]) == 1 and doc["ranking"][0]["entries"][0]["name"] == "Ana"
        csv = c.get(f"/api/sessions/{code}/summary?format=csv", headers=t).text
        assert csv.splitlines()[0].startswith("record,round") and "try,1" in csv

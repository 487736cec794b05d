"""A server a school can trust (issue 16): resume ids, durable before done, fair queues with
limits from admission, abandoned runs, a client id per browser, allowed hosts and headers."""

from __future__ import annotations

import threading
import time

import pytest

from app.fairqueue import FairQueue
from app.main import create_app
from tests.app.conftest import TEST_WORKERS, CheckedClient, make_settings, race, stream
from tests.app.test_runs import create, long_race

ONE_SLOT = {"threads": 1, "workers": min(TEST_WORKERS, 1)}  # one run computes at a time


def manager(client):
    return client.app.state.manager


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


# ---------------------------------------------------------------- Last-Event-ID


def test_resume_at_every_offset_and_ids_outside_the_log_are_422(client):
    run_id = create(client, race(steps=400))["id"]
    full = stream(client, run_id)
    n = len(full)
    for cut in range(-1, n):  # -1: from the start (as no header)
        headers = {"Last-Event-ID": str(cut)} if cut >= 0 else {}
        assert stream(client, run_id, headers=headers) == full[cut + 1 :]
    for bad in ("-99", "-3", "-1", str(n), "999999"):
        r = client.get(f"/api/runs/{run_id}/events", headers={"Last-Event-ID": bad})
        assert r.status_code == 422, (bad, r.text)
        assert "last-event-id" in r.text.lower() and "Traceback" not in r.text
    r = client.get(f"/api/runs/{run_id}/events", params={"after": n})
    assert r.status_code == 422 and "after" in r.json()["message"]


# ---------------------------------------------------------------- durable before done


def test_done_is_announced_only_after_the_store_has_the_run(tmp_path):
    with CheckedClient(create_app(make_settings(tmp_path))) as c:
        mgr = manager(c)
        seen = []
        real = mgr.store.finish

        def finish(run_id, status, *args):
            run = mgr.runs[run_id]
            seen.append((status, run.status, [e.event for e in run.events]))
            return real(run_id, status, *args)

        mgr.store.finish = finish
        events = stream(c, create(c, race())["id"])
        assert events[-1]["event"] == "done"
        status, live_status, logged = seen[0]
        assert status == "done" and live_status == "running"  # nobody was told yet
        assert "done" not in logged


def test_a_result_the_store_refuses_ends_failed_not_done(tmp_path):
    with CheckedClient(create_app(make_settings(tmp_path))) as c:
        mgr = manager(c)
        real = mgr.store.finish
        calls = []

        def refuse_once(*args):
            calls.append(args[1])
            if len(calls) == 1:
                raise OSError("disk full")
            return real(*args)

        mgr.store.finish = refuse_once
        run_id = create(c, race())["id"]
        events = stream(c, run_id)
        assert events[-1]["event"] == "error" and events[-1]["data"]["status"] == "failed"
        assert "could not be stored" in events[-1]["data"]["message"]
        assert "disk" not in str(events[-1]) or "disk may be full" in str(events[-1])
        assert c.get(f"/api/runs/{run_id}").json()["status"] == "failed"


def test_status_done_always_comes_with_its_result(tmp_path):
    s = make_settings(tmp_path, max_lane_steps=10**7)
    with CheckedClient(create_app(s)) as c:
        body = long_race()
        body["steps"] = 400
        run_id = create(c, body)["id"]
        while True:
            info = c.get(f"/api/runs/{run_id}").json()
            if info["status"] == "done":
                assert info["result"] is not None and info["summary"] is not None
                break
            assert info["status"] in ("queued", "running")
            time.sleep(0.02)
        assert c.get(f"/api/runs/{run_id}/export?format=csv").status_code == 200


# ---------------------------------------------------------------- fair queue


def test_fair_queue_takes_clients_in_turn():
    q: FairQueue[str] = FairQueue()
    for i in range(4):
        q.put("a", f"a{i}")
    assert q.put("b", "b0") == 1  # after a's first only
    q.put("c", "c0")
    order = [q.take(0) for _ in range(6)]
    assert order == ["a0", "b0", "c0", "a1", "a2", "a3"]
    assert q.take(0) is None
    q.put("a", "x")
    assert q.remove("a", "x") and not q.remove("a", "x") and len(q) == 0
    done = []
    t = threading.Thread(target=lambda: done.append(q.take()))
    t.start()
    q.close()
    t.join(2)
    assert done == [None]


class Browsers:
    """Several browsers on one TestClient (one event loop): each its own cookie."""

    def __init__(self, client):
        self.client = client
        self.jars: dict[str, str | None] = {}

    def __call__(self, name: str):
        c = self.client
        if self.jars.get(name) is None:
            c.cookies.clear()
            c.get("/health")  # the first visit sets the cookie
            self.jars[name] = c.cookies.get("descentlab_client")
        c.cookies.clear()
        c.cookies.set("descentlab_client", self.jars[name])
        return c


def test_one_clients_long_runs_do_not_starve_anothers_race(tmp_path):
    s = make_settings(tmp_path, **ONE_SLOT, max_lane_steps=10**8, max_steps=10**5)
    long = long_race()
    long["steps"] = 1_500  # about a second each
    with CheckedClient(create_app(s)) as c:
        browser = Browsers(c)
        firsts = [create(browser("a"), long)["id"] for _ in range(3)]
        quick = create(browser("b"), race(steps=100))
        assert browser.jars["a"] != browser.jars["b"]
        events = stream(c, quick["id"])  # served after a's current run, not after all three
        assert events[-1]["data"]["status"] == "done"
        mgr = manager(c)
        assert events[0]["data"]["queue"]["ahead"] == 1  # a's next, then this one
        last = mgr.runs[firsts[2]]
        assert last.started is None or last.started >= mgr.runs[quick["id"]].finished
        c.post(f"/api/runs/{firsts[2]}/cancel")
        assert stream(c, firsts[2])[-1]["data"]["status"] == "cancelled"


def test_a_queued_run_cancelled_ends_at_once(tmp_path):
    s = make_settings(tmp_path, **ONE_SLOT, max_lane_steps=10**8, max_steps=10**5)
    body = long_race()
    body["steps"] = 50_000
    with CheckedClient(create_app(s)) as c:
        running = create(c, body)["id"]
        queued = create(c, race())["id"]
        assert manager(c).runs[queued].status == "queued"
        assert c.post(f"/api/runs/{queued}/cancel").json()["status"] == "cancelled"
        events = stream(c, queued)
        assert [e["event"] for e in events] == ["meta", "done"]
        assert events[-1]["data"]["status"] == "cancelled"
        assert manager(c).runs[running].status == "running"
        c.post(f"/api/runs/{running}/cancel")


def test_the_time_limit_counts_from_admission(tmp_path):
    s = make_settings(
        tmp_path, **ONE_SLOT, run_wall_time_s=0.6, max_lane_steps=10**8, max_steps=10**5
    )
    body = long_race()
    body["steps"] = 50_000
    with CheckedClient(create_app(s)) as c:
        first = create(c, body)["id"]
        t0 = time.monotonic()
        second = create(c, race(steps=100))["id"]  # waits behind the first
        events = stream(c, second)
        waited = time.monotonic() - t0
        assert events[-1]["event"] == "error" and "time limit" in events[-1]["data"]["message"]
        assert waited < 5  # ended near its limit (0.6 s), not after the first run's
        assert stream(c, first)[-1]["event"] == "error"


# ---------------------------------------------------------------- abandoned runs


def test_an_unstored_run_nobody_watches_stops_within_seconds(tmp_path):
    s = make_settings(tmp_path, max_lane_steps=10**8, max_steps=10**5, abandon_after_s=0.5)
    body = long_race()
    body["steps"] = 50_000
    with CheckedClient(create_app(s)) as c:
        run_id = create(c, body, persist="false")["id"]
        mgr = manager(c)
        assert wait_until(lambda: mgr.runs[run_id].status == "cancelled", timeout=5)
        assert "watching" in mgr.runs[run_id].error
        stored = create(c, body)["id"]  # a stored run waits for its idle timeout (30 s)
        time.sleep(1.5)
        assert mgr.runs[stored].status == "running"
        c.post(f"/api/runs/{stored}/cancel")


# ---------------------------------------------------------------- one client per browser


def test_a_class_behind_one_address_is_many_clients(tmp_path):
    s = make_settings(tmp_path, max_lane_steps=10**8, max_steps=10**5, **ONE_SLOT)
    body = long_race()
    body["steps"] = 50_000
    with CheckedClient(create_app(s)) as c:
        browser = Browsers(c)
        ids = []
        for i in range(8):  # 8 browsers x 4 runs, all from one address ("testclient")
            ids += [create(browser(f"s{i}"), body)["id"] for _ in range(4)]
        r = browser("s0").post("/api/runs", json=body)
        assert r.status_code == 429 and "you already have 4" in r.json()["message"]
        for run_id in ids:
            c.post(f"/api/runs/{run_id}/cancel")


def test_the_per_address_guard_still_bounds_clients_without_cookies(tmp_path):
    s = make_settings(tmp_path, max_lane_steps=10**8, max_steps=10**5, max_runs_per_address=3)
    body = long_race()
    body["steps"] = 50_000
    with CheckedClient(create_app(s)) as c:
        ids = []
        for _ in range(3):
            c.cookies.clear()  # a script that keeps no cookies: a new id each time
            ids.append(create(c, body)["id"])
        c.cookies.clear()
        r = c.post("/api/runs", json=body)
        assert r.status_code == 429 and "network address" in r.json()["message"]
        for run_id in ids:
            c.post(f"/api/runs/{run_id}/cancel")


def test_a_forged_cookie_is_replaced_by_a_signed_one(client):
    client.cookies.set("descentlab_client", "0123456789abcdef.forged")
    r = client.get("/health")
    issued = r.cookies.get("descentlab_client")
    assert issued and not issued.endswith(".forged") and "HttpOnly" in r.headers["set-cookie"]
    client.cookies.clear()
    client.cookies.set("descentlab_client", issued)
    assert "set-cookie" not in client.get("/health").headers  # a valid one is kept


# ---------------------------------------------------------------- hosts and headers


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000", "10.1.2.3"])
def test_an_unknown_host_is_400(client, host):
    r = client.get("/api/catalog", headers={"Host": host})
    assert r.status_code == 400 and "Host" in r.json()["message"]


def test_loopback_names_are_served_and_the_page_has_a_policy(client):
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert client.get("/health", headers={"Host": host}).status_code == 200
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp
    assert "unsafe-eval" not in csp and page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"


def test_any_host_when_told(tmp_path):
    with CheckedClient(create_app(make_settings(tmp_path, allowed_hosts="*"))) as c:
        assert c.get("/health", headers={"Host": "class-server.school"}).status_code == 200


# ---------------------------------------------------------------- bounded caches


def test_grids_are_cached_within_a_byte_bound(client):
    from app.routers.catalog import GRIDS

    first = client.get("/api/surfaces/ill_conditioned/grid", params={"n": 300, "kappa": 3})
    assert first.status_code == 200
    again = client.get("/api/surfaces/ill_conditioned/grid", params={"n": 300, "kappa": 3})
    assert again.content == first.content
    for kappa in range(4, 40):  # distinct grids: the cache keeps the newest, in bytes
        r = client.get("/api/surfaces/ill_conditioned/grid", params={"n": 300, "kappa": kappa})
        assert r.status_code == 200
        assert GRIDS.size <= GRIDS.limit
    assert 0 < len(GRIDS) < 37


# ---------------------------------------------------------------- retention


def test_the_history_keeps_the_newest_runs_and_recent_days(tmp_path):
    from app.events import Event
    from app.store import Store

    store = Store(tmp_path / "h.sqlite3")
    now = 1_000_000.0
    for i in range(10):  # one a day, newest last; the oldest two still running
        store.insert(f"r{i}", "surface", "c", now - (10 - i) * 86400, {"i": i})
        if i >= 2:
            store.finish(f"r{i}", "done", now, [], None, [Event.make(0, "meta", {})])
    assert store.prune(keep_runs=5, keep_days=30, now=now) == 3  # r2..r4: beyond the newest 5
    ids = [r["id"] for r in store.list(100, 0)[0]]
    assert ids == ["r9", "r8", "r7", "r6", "r5", "r1", "r0"]  # active runs are never deleted
    assert store.prune(keep_runs=100, keep_days=3.5, now=now) == 2  # r5, r6: over 3.5 days old
    assert [r["id"] for r in store.list(100, 0)[0]] == ["r9", "r8", "r7", "r1", "r0"]
    store.close()


def test_the_retention_policy_applies_at_start(tmp_path):
    s = make_settings(tmp_path, keep_runs=2)
    with CheckedClient(create_app(s)) as c:
        for _ in range(4):
            create(c, race(steps=20), wait="true")
        assert c.get("/api/runs").json()["total"] == 4
    with CheckedClient(create_app(s)) as c:
        assert c.get("/api/runs").json()["total"] == 2


def test_an_unstored_result_larger_than_the_budget_is_still_answered(tmp_path):
    s = make_settings(tmp_path, cache_bytes=0, ephemeral_bytes_per_client=1000)
    with CheckedClient(create_app(s)) as c:
        r = c.post("/api/runs", params={"wait": "true", "persist": "false"}, json=race())
        assert r.status_code == 201 and r.json()["result"]["summary"] is not None
        assert c.get(f"/api/runs/{r.json()['id']}").status_code == 200  # and still readable


def test_unstored_results_are_kept_within_byte_budgets(tmp_path, monkeypatch):
    import app.runs

    monkeypatch.setattr(app.runs, "FRESH_S", 0.0)  # no grace: the budgets alone decide

    def body(i):
        b = race(steps=300)
        b["optimizers"][0]["params"]["lr"] = 0.001 * (i + 1)
        return b

    def interactive(c, i):
        r = c.post("/api/runs", params={"wait": "true", "persist": "false"}, json=body(i))
        assert r.status_code == 201 and r.json()["result"] is not None
        return r.json()["id"]

    with CheckedClient(create_app(make_settings(tmp_path, cache_bytes=0))) as c:
        interactive(c, 0)
        one = manager(c).runs[next(iter(manager(c).runs))].size()
    s = make_settings(tmp_path / "b", cache_bytes=0, ephemeral_bytes_per_client=int(2.5 * one))
    with CheckedClient(create_app(s)) as c:
        ids = [interactive(c, i) for i in range(5)]
        kept = [c.get(f"/api/runs/{i}").status_code for i in ids]
        assert kept == [404, 404, 404, 200, 200]  # the newest two fit the client's budget
    s = make_settings(tmp_path / "c", cache_bytes=0, ephemeral_bytes=int(3.5 * one))
    with CheckedClient(create_app(s)) as c:
        browser = Browsers(c)
        ids = [interactive(browser(f"s{i}"), i) for i in range(5)]  # five browsers, one each
        kept = [c.get(f"/api/runs/{i}").status_code for i in ids]
        assert kept == [404, 404, 200, 200, 200]  # the budget for all: the newest three


# ---------------------------------------------------------------- the schema says the limits


def test_the_openapi_schema_carries_this_servers_limits(tmp_path):
    s = make_settings(tmp_path, max_steps=300, max_optimizers=3, max_starts=2, max_grid_n=50)
    with CheckedClient(create_app(s)) as c:
        spec = c.get("/openapi.json").json()
        run = spec["components"]["schemas"]["SurfaceRun"]["properties"]
        assert run["steps"]["maximum"] == 300
        assert run["optimizers"]["maxItems"] == 3 and run["starts"]["maxItems"] == 2
        model = spec["components"]["schemas"]["MlpModelParams"]["properties"]["hidden"]
        assert model["maxItems"] == s.max_layers and model["items"]["maximum"] == s.max_width
        grid = spec["paths"]["/api/surfaces/{name}/grid"]["get"]["parameters"]
        assert next(p for p in grid if p["name"] == "n")["schema"]["maximum"] == 50
        # the schema's maximum is accepted, one more is a 422 naming the field
        assert c.post("/api/runs", json=race(steps=300)).status_code == 201
        r = c.post("/api/runs", json=race(steps=301))
        assert r.status_code == 422 and "steps" in r.json()["message"]
        assert c.get("/api/surfaces/himmelblau/grid", params={"n": 50}).status_code == 200
        assert c.get("/api/surfaces/himmelblau/grid", params={"n": 51}).status_code == 422


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("steps",), "300"),
        (("steps",), True),
        (("steps",), 300.5),
        (("seed",), "1"),
        (("optimizers", 0, "params", "lr"), True),
        (("optimizers", 0, "params", "lr"), "0.01"),
        (("starts", 0, 0), "1"),
    ],
)
def test_numbers_are_numbers_not_strings_or_booleans(client, path, value):
    body = race()
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    r = client.post("/api/runs", json=body)
    assert r.status_code == 422, r.text
    assert str(path[0]) in r.json()["message"]


# ---------------------------------------------------------------- formulas off the event loop

BIG = " + ".join(f"sin({k % 7 + 1}*x+{k % 5 + 1}*y)*cos(x*y/{k % 4 + 2})" for k in range(16))


def test_a_formulas_analysis_past_its_budget_is_a_clear_answer_not_a_wait(tmp_path):
    s = make_settings(tmp_path, formula_budget_s=1e-4)
    with CheckedClient(create_app(s)) as c:
        text = BIG + " + 0.125*x"  # not in the shared cache yet
        check = c.post("/api/formulas/check", json={"formula": text}).json()
        assert check["ok"] is False and "longer than 0.0001 s" in check["message"]
        r = c.post("/api/runs", json=race(surface={"formula": text + " + 0.25*y"}))
        assert r.status_code == 422
        assert r.json()["detail"][0]["field"] == "surface.formula"
        assert "analysis" in r.json()["message"]


def test_formula_analysis_in_a_helper_process_gives_the_same_surface():
    import asyncio

    from app import formulas
    from engine import surfaces

    text = BIG + " + 0.5*x*y"
    analyses = formulas.Analyses(1, 60.0)
    try:

        async def both():  # two asks for one formula share one analysis
            await asyncio.gather(analyses.prepare(text), analyses.prepare(text))

        asyncio.run(both())
    finally:
        analyses.close()
    there = formulas.cached(text)
    assert there is not None
    assert there.info() == surfaces.from_formula(text).info()
    assert asyncio.run(formulas.Analyses(0, 60.0).prepare("x +* y")) is None  # no analysis
    with pytest.raises(Exception, match="column"):
        formulas.surface("x +* y")  # the parse error comes from the caller's own parse


# ---------------------------------------------------------------- methods, fields, DELETE


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/runs", "GET, POST"),
        ("OPTIONS", "/api/formulas/check", "POST"),
        ("PATCH", "/api/runs/abc", "DELETE, GET"),
        ("POST", "/js/main.js", "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_405_listing_every_method_of_the_path(client, method, path, allowed):
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allowed


def test_the_page_and_its_files_are_still_served(client):
    for path in ("/", "/index.html", "/js/main.js", "/css/app.css"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/nope").status_code == 404
    assert client.get("/js/nope.js").status_code == 404


def test_fields_follow_the_documented_pattern_exactly(client):
    import re

    spec = client.get("/openapi.json").json()
    params = spec["paths"]["/api/runs/{run_id}"]["get"]["parameters"]
    pattern = next(p for p in params if p["name"] == "fields")["schema"]["pattern"]
    rid = create(client, wait="true")["id"]
    for fields in ("xy", "xy,loss", "xy,,loss", "xy, loss", " xy", "xy,", "speed"):
        documented = re.fullmatch(pattern, fields) is not None
        status = client.get(f"/api/runs/{rid}", params={"fields": fields}).status_code
        assert status == (200 if documented else 422), fields


def test_the_page_answers_head_like_a_static_file(client):
    r = client.head("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")

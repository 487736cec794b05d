"""Catalog, surface grids, formula checks, presets, basins, health, static files."""

from __future__ import annotations

import pytest

from engine import registry


def test_catalog_lists_everything_in_the_registry_with_bilingual_help(client):
    cat = client.get("/api/catalog").json()
    for kind in ("surface", "optimizer", "schedule"):
        assert [e["name"] for e in cat[kind]] == registry.names(kind)
        for e in cat[kind]:
            assert e["label"]["en"] and e["label"]["ko"] and e["help"]["ko"]
            for p in e["params"]:
                assert {"name", "type", "default", "low", "high", "log", "help"} <= set(p)
    himmel = next(s for s in cat["surface"] if s["name"] == "himmelblau")
    assert himmel["domain"] == [[-5, 5], [-5, 5]]
    assert sum(c["kind"] == "min" for c in himmel["critical_points"]) == 4
    adam = next(o for o in cat["optimizer"] if o["name"] == "adam")
    assert adam["keras_defaults"]["eps"] == 1e-7


def test_grid_has_n_by_n_values_and_the_log_hint(client):
    g = client.get("/api/surfaces/rosenbrock/grid", params={"n": 50}).json()
    assert len(g["x"]) == len(g["y"]) == 50 and len(g["z"]) == 50 and len(g["z"][0]) == 50
    assert g["log_scale"] is True and g["zmin"] >= 0
    k = client.get("/api/surfaces/ill_conditioned/grid", params={"n": 3, "kappa": 100}).json()
    assert k["z"][0][1] == pytest.approx(0.5 * 100 * 9)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/surfaces/everest/grid", {}, 404),
        ("/api/surfaces/booth/grid", {"n": 1}, 422),
        ("/api/surfaces/booth/grid", {"n": 5000}, 422),
        ("/api/surfaces/ill_conditioned/grid", {"kappa": "big"}, 422),
        ("/api/surfaces/ill_conditioned/grid", {"kappa": 0}, 422),
        ("/api/surfaces/ill_conditioned/grid", {"kappa": "nan"}, 422),
    ],
)
def test_bad_grid_requests(client, path, params, status):
    r = client.get(path, params=params)
    assert r.status_code == status and r.json()["message"]


def test_formula_check_reports_the_parsers_message_with_a_column(client):
    r = client.post("/api/formulas/check", json={"formula": "x**2 + z"})
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False and body["column"] == 8 and "'z'" in body["message"]


def test_formula_check_of_a_good_formula(client):
    r = client.post(
        "/api/formulas/check",
        json={"formula": "x^2 - y^2", "domain": [[-2, 2], [-2, 2]], "grid_n": 20},
    )
    body = r.json()
    assert body["ok"] and body["text"] == "x**2 - y**2"
    kinds = [c["kind"] for c in body["surface"]["critical_points"]]
    assert kinds == ["saddle"]
    assert len(body["grid"]["z"]) == 20


@pytest.mark.parametrize(
    "formula",
    ["__import__('os')", "9**9**9**9", "x" * 3000, "exp(exp(exp(exp(x))))", "log(x) + 1/y"],
)
def test_hostile_formulas_never_break_the_check(client, formula):
    r = client.post("/api/formulas/check", json={"formula": formula, "grid_n": 10})
    assert r.status_code in (200, 422)
    assert "Traceback" not in r.text


def test_presets_and_health(client):
    assert client.get("/api/presets").json()["presets"]  # the lessons: test_lessons_api.py
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["active_runs"] == 0


def basins(client, surface: str, n: int, steps: int, *optimizers: dict):
    body = {"surface": {"name": surface}, "n": n, "steps": steps, "optimizers": list(optimizers)}
    return client.post("/api/basins", json=body)


def test_basin_map_labels_every_start_per_optimizer(client):
    gd, adam = {"name": "gd", "params": {"lr": 0.01}}, {"name": "adam", "params": {"lr": 0.05}}
    r = basins(client, "himmelblau", 15, 200, gd, adam)
    body = r.json()
    assert r.status_code == 200 and len(body["labels"]) == 2 and len(body["labels"][0]) == 225
    assert len(body["minima"]) == 4 and set(body["labels"][0]) >= {0, 1, 2, 3}


def test_basin_map_limits(client):
    r = basins(client, "booth", 400, 100_000, {"name": "gd"})
    assert r.status_code == 422 and r.json()["message"].startswith("n:")


def test_front_end_and_offline_plotly_are_served(client):
    assert client.get("/").status_code == 200
    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert "javascript" in js.headers["content-type"]


def test_openapi_documents_the_error_statuses(client):
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/runs"]["post"]["responses"]
    assert {"201", "413", "422", "429"} <= set(post)
    assert "404" in spec["paths"]["/api/runs/{run_id}/events"]["get"]["responses"]

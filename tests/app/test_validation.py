"""Every bad input is a 4xx naming the field: never a 500, a traceback or a path."""

from __future__ import annotations

import json

import pytest

from app.main import create_app
from tests.app.conftest import CheckedClient, make_settings, race


def post_raw(client, text: str, **headers):
    return client.post(
        "/api/runs", content=text.encode(), headers={"content-type": "application/json", **headers}
    )


def assert_problem(r, status: int, field: str | None = None):
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in r.text and "/work/" not in r.text and ".py" not in r.text
    if field is not None:
        assert body["message"].startswith(field), body["message"]
    return body


def opt(name: str, params: dict) -> dict:
    """A request change: one optimizer with these parameters."""
    return {"optimizers": [{"name": name, "params": params}]}


BAD = [
    ("unknown optimizer", opt("adamm", {}), "optimizers.0"),
    ("lr too big", opt("sgd", {"lr": 50}), "optimizers.0.params.lr"),
    ("negative lr", opt("adam", {"lr": -1}), "optimizers.0.params.lr"),
    ("unknown param", opt("sgd", {"momentumm": 0.9}), "optimizers.0.params.momentumm"),
    ("param of another optimizer", opt("sgd", {"betas": [0.9, 0.9]}), "optimizers.0.params.betas"),
    ("bool as number", opt("sgd", {"nesterov": 1}), "optimizers.0.params.nesterov"),
    ("betas out of range", opt("adam", {"betas": [0.9, 1.5]}), "optimizers.0.params.betas.1"),
    ("nesterov without momentum", opt("sgd", {"nesterov": True}), "optimizers.0.params.nesterov"),
    (
        "unknown schedule",
        {"optimizers": [{"name": "sgd", "schedule": {"name": "warp"}}]},
        "optimizers.0.schedule",
    ),
    (
        "plateau schedule on a surface",
        {"optimizers": [{"name": "sgd", "schedule": {"name": "reduce_on_plateau"}}]},
        "optimizers.0.schedule",
    ),
    (
        "bad schedule param",
        {"optimizers": [{"name": "sgd", "schedule": {"name": "step", "params": {"step_size": 0}}}]},
        "optimizers.0.schedule.params.step_size",
    ),
    (
        "decreasing milestones",
        {
            "optimizers": [
                {
                    "name": "sgd",
                    "schedule": {"name": "multistep", "params": {"milestones": [50, 10]}},
                }
            ]
        },
        "optimizers.0.schedule.params",
    ),
    ("no optimizers", {"optimizers": []}, "optimizers"),
    ("no starts", {"starts": []}, "starts"),
    ("start of one number", {"starts": [[1.0]]}, "starts.0"),
    ("steps zero", {"steps": 0}, "steps"),
    ("steps over the server limit", {"steps": 100_000}, "steps"),
    ("too many optimizers", {"optimizers": [{"name": "gd"}] * 9}, "optimizers"),
    ("extra field", {"colour": "red"}, "colour"),
    ("wrong kind", {"kind": "cnn"}, "kind"),
    ("unknown surface", {"surface": {"name": "everest"}}, "surface"),
    ("name and formula", {"surface": {"name": "booth", "formula": "x"}}, "surface"),
    (
        "bad surface param",
        {"surface": {"name": "ill_conditioned", "params": {"kappa": 0}}},
        "surface.params",
    ),
    ("unknown surface param", {"surface": {"name": "booth", "params": {"k": 1}}}, "surface.params"),
    ("formula with unknown name", {"surface": {"formula": "x**2 - z"}}, "surface.formula"),
    (
        "formula escape attempt",
        {"surface": {"formula": "__import__('os').system('ls')"}},
        "surface.formula",
    ),
    ("formula attribute access", {"surface": {"formula": "().__class__"}}, "surface.formula"),
    ("formula too long", {"surface": {"formula": "x+" * 300 + "x"}}, "surface.formula"),
    ("bad domain", {"surface": {"formula": "x*y", "domain": [[1, -1], [0, 1]]}}, "surface.domain"),
    ("negative noise", {"noise": {"sigma": -1}}, "noise.sigma"),
    ("batch of zero", {"noise": {"batch_size": 0}}, "noise.batch_size"),
    ("seed negative", {"seed": -3}, "seed"),
    ("string for a number", {"steps": "many"}, "steps"),
    ("clip norm zero", {"optimizers": [{"name": "sgd", "clip_norm": 0}]}, "optimizers.0.clip_norm"),
    ("rprop etas not around 1", opt("rprop", {"etas": [1.1, 1.2]}), "optimizers.0.params.etas"),
    ("rprop step sizes reversed", opt("rprop", {"step_sizes": [1, 0.1]}),
     "optimizers.0.params.step_sizes"),
    ("lbfgs unknown line search", opt("lbfgs", {"line_search_fn": "armijo"}),
     "optimizers.0.params.line_search_fn"),
    ("lbfgs has no maximize", opt("lbfgs", {"maximize": True}), "optimizers.0.params.maximize"),
    ("adafactor eps pair", opt("adafactor", {"eps": 1e-3}), "optimizers.0.params.eps"),
    (
        "sequential part out of range",
        {"optimizers": [{"name": "sgd", "schedule": {"name": "sequential", "params": {
            "schedulers": [{"name": "step", "params": {"gamma": 3}}, {"name": "cosine"}],
            "milestones": [20]}}}]},
        "optimizers.0.schedule.params.schedulers.0.params.gamma",
    ),
    (
        "sequential milestones miscounted",
        {"optimizers": [{"name": "sgd", "schedule": {"name": "sequential", "params": {
            "milestones": [20, 30]}}}]},
        "optimizers.0.schedule.params.milestones",
    ),
    (
        "sequential of a cyclic schedule",
        {"optimizers": [{"name": "sgd", "schedule": {"name": "sequential", "params": {
            "schedulers": [{"name": "one_cycle"}, {"name": "cosine"}]}}}]},
        "optimizers.0.schedule.params.schedulers.0",
    ),
    (
        "cycled momentum without momentum",
        {"optimizers": [{"name": "adagrad", "schedule": {"name": "one_cycle"}}]},
        "optimizers.0.schedule.params.cycle_momentum",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_requests_are_422_naming_the_field(client, case, change, field):
    body = race(**change)
    assert_problem(client.post("/api/runs", json=body), 422, field)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
@pytest.mark.parametrize("where", ["lr", "start", "sigma", "kappa", "domain"])
def test_non_finite_numbers_anywhere_are_422_with_valid_json(client, token, where):
    body = race()
    marker = 12345.678
    if where == "lr":
        body["optimizers"][0]["params"]["lr"] = marker
    elif where == "start":
        body["starts"] = [[marker, 0.0]]
    elif where == "sigma":
        body["noise"] = {"sigma": marker}
    elif where == "kappa":
        body["surface"] = {"name": "ill_conditioned", "params": {"kappa": marker}}
    else:
        body["surface"] = {"formula": "x*y", "domain": [[-1, marker], [-1, 1]]}
    text = json.dumps(body).replace(str(marker), token)
    assert_problem(post_raw(client, text), 422)


@pytest.mark.parametrize(
    "text", ["", "{", "[1, 2]", "null", '{"kind": "surface"', "\x00", '"just a string"']
)
def test_malformed_bodies_are_422(client, text):
    assert_problem(post_raw(client, text), 422)


def test_body_over_the_limit_is_413(tmp_path):
    with CheckedClient(create_app(make_settings(tmp_path, max_body_bytes=2000))) as c:
        body = race(starts=[[0.123456789, 0.123456789]] * 100)
        assert_problem(c.post("/api/runs", json=body), 413, "body")
        # a lying Content-Length is checked against what arrives, too
        assert c.post("/api/runs", json=race()).status_code == 201


def test_limits_come_from_settings(tmp_path):
    s = make_settings(tmp_path, max_steps=50, max_optimizers=2, max_starts=1, max_formula_length=20)
    with CheckedClient(create_app(s)) as c:
        assert_problem(c.post("/api/runs", json=race(steps=51)), 422, "steps")
        assert_problem(
            c.post("/api/runs", json=race(optimizers=[{"name": "gd"}] * 3, steps=10)),
            422,
            "optimizers",
        )
        assert_problem(
            c.post("/api/runs", json=race(starts=[[0, 0], [1, 1]], steps=10)), 422, "starts"
        )
        assert_problem(
            c.post("/api/runs", json=race(surface={"formula": "x*x+" * 6 + "y"}, steps=10)),
            422,
            "surface.formula",
        )
        assert c.post("/api/runs", json=race(steps=50)).status_code == 201


def test_wrong_methods_and_paths_are_clean_4xx(client):
    assert_problem(client.put("/api/runs"), 405)
    assert_problem(client.get("/api/nothing"), 404)
    assert_problem(client.get("/api/runs", params={"limit": 0}), 422, "limit")
    assert_problem(client.get("/api/runs/x/events", headers={"Last-Event-ID": "abc"}), 422)
    assert_problem(client.get("/api/runs/x/export", params={"format": "xml"}), 422)


def test_a_query_integer_in_decimals_is_a_422_shaped_like_every_other(client):
    r = client.get("/api/runs", params={"offset": "0.0", "limit": 1})
    body = assert_problem(r, 422, "offset")
    assert body["detail"][0]["loc"] == ["query", "offset"]


def test_a_basin_map_of_lbfgs_is_a_422_naming_the_optimizer(client):
    body = {"surface": {"name": "beale"}, "optimizers": [{"name": "lbfgs"}], "n": 2, "steps": 1}
    r = client.post("/api/basins", json=body)
    assert_problem(r, 422, "optimizers.0.name")

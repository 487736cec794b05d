"""POST /api/lr-finder: the document, 422s naming the field, strict JSON, real numbers; and
app.lr_finder.compute (module level, picklable) giving the same document."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from app import lr_finder
from engine import train
from tests.app.conftest import make_settings, mlp_run

SGD = [{"name": "sgd", "params": {"lr": 0.1}}]


def base(**over):
    return mlp_run(**{"optimizers": SGD, **over})


def test_the_document_has_the_contracts_shape(client):
    r = client.post("/api/lr-finder", json={"base": base()})
    assert r.status_code == 200, r.text
    d = r.json()
    for key in ("lrs", "losses", "smoothed", "suggested_lr", "min_loss_lr", "iterations",
                "stopped", "optimizer", "base"):  # fmt: skip
        assert key in d
    n = d["iterations"]
    assert 1 <= n <= 100 == d["num_iter"]
    assert len(d["lrs"]) == len(d["losses"]) == len(d["smoothed"]) == n
    assert d["stopped"] in ("diverged", "end")
    assert d["optimizer"] == "sgd"
    assert d["base"]["kind"] == "mlp" and d["base"]["optimizers"][0]["name"] == "sgd"
    assert d["base"]["model"]["hidden"] == [8, 8]  # normalized: defaults filled in
    assert d["lrs"][0] == pytest.approx(1e-7, rel=1e-15)
    assert (d["start_lr"], d["end_lr"], d["step_mode"]) == (1e-7, 10.0, "exp")
    assert (d["smooth_f"], d["diverge_th"], d["skip_start"], d["skip_end"]) == (0.05, 5.0, 10, 5)


def test_moons_with_sgd_suggests_a_rate_between_1e_3_and_10(client):
    body = {"base": mlp_run(optimizers=SGD, dataset={"name": "moons"}, model={"hidden": [16, 16]})}
    d = client.post("/api/lr-finder", json=body).json()
    assert 1e-3 < d["suggested_lr"] < 10
    k = d["suggested_index"]
    assert d["lrs"][k] == d["suggested_lr"]
    s = np.array(d["smoothed"], dtype=float)
    assert k == 10 + int(np.gradient(s[10:-5]).argmin())  # torch-lr-finder's suggestion
    assert s[k] < s[0]  # the loss is falling there
    assert d["min_loss_lr"] == d["lrs"][int(np.nanargmin(s))]
    assert d["stopped"] == "diverged"  # sgd at a rate of 10 blows up on moons


def test_the_same_numbers_as_the_engine(client):
    body = {"base": base(seed=3), "num_iter": 40, "end_lr": 1.0, "step_mode": "linear"}
    d = client.post("/api/lr-finder", json=body).json()
    config = lr_finder.validate(body, make_settings_tmp())
    from app.kinds import training

    data = training.make_data(config["base"]["dataset"], 3)
    t = train.range_test(training.engine_config(config["base"], data), 1e-7, 1.0, 40, "linear",
                         rng_seed=3)  # fmt: skip
    assert d["losses"] == t.losses.tolist() and d["lrs"] == t.lrs.tolist()
    assert d["smoothed"] == t.smoothed.tolist() and d["stopped"] == t.stopped == "end"


def make_settings_tmp():
    import tempfile
    from pathlib import Path

    return make_settings(Path(tempfile.mkdtemp()))


def test_a_diverging_test_has_no_nan_in_its_json(client):
    body = {
        "base": mlp_run(
            optimizers=SGD, dataset={"name": "sine"}, loss="mse", model={"hidden": [16]}
        ),
        "start_lr": 1e-2,
        "end_lr": 1e6,
        "num_iter": 300,
        "diverge_th": 1e6,
        "smooth_f": 0.0,
    }
    r = client.post("/api/lr-finder", json=body)  # the client fails on NaN/Infinity tokens
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["stopped"] == "diverged" and d["iterations"] < 300
    assert d["losses"][-1] is None or d["losses"][-1] > 1e6 * min(d["losses"][:-1])


def test_non_finite_losses_are_null():
    assert lr_finder._numbers(np.array([1.5, np.inf, -np.inf, np.nan])) == [1.5, None, None, None]


def test_a_short_test_has_no_suggestion(client):
    d = client.post("/api/lr-finder", json={"base": base(), "num_iter": 16}).json()
    assert d["iterations"] == 16 and d["suggested_lr"] is None and d["suggested_index"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_lr": 0}, "start_lr"),
        ({"start_lr": -1e-3}, "start_lr"),
        ({"start_lr": "1e-3"}, "start_lr"),
        ({"end_lr": 1e-8}, "end_lr"),
        ({"start_lr": 0.1, "end_lr": 0.1}, "end_lr"),
        ({"num_iter": 1}, "num_iter"),
        ({"num_iter": 10_001}, "num_iter"),
        ({"num_iter": 50.5}, "num_iter"),
        ({"step_mode": "cos"}, "step_mode"),
        ({"smooth_f": 1.0}, "smooth_f"),
        ({"smooth_f": -0.1}, "smooth_f"),
        ({"diverge_th": 1.0}, "diverge_th"),
        ({"what": 1}, "what"),
        ({"base": None}, "base"),
        ({"base": mlp_run()}, "base.optimizers"),  # two optimizers
        ({"base": mlp_run(optimizers=[])}, "base.optimizers"),
        (
            {
                "base": {
                    "kind": "surface",
                    "surface": {"name": "booth"},
                    "optimizers": SGD,
                    "starts": [[0, 0]],
                }
            },
            "base.kind",
        ),  # fmt: skip
        ({"base": base(epochs=100_000)}, "base.epochs"),
        (
            {"base": base(optimizers=[{"name": "sgd", "params": {"lr": -1}}])},
            "base.optimizers.0.params.lr",
        ),  # fmt: skip
        ({"base": base(model={"hidden": [8], "dropout": 2})}, "base.model.dropout"),
        ({"base": base(dataset={"name": "uploaded", "id": "nope"})}, "base.dataset.id"),
        ({"base": base(dataset={"name": "nope"})}, "base.dataset.name"),
        (
            {"base": base(batch_size=1, model={"hidden": [8], "batch_norm": True})},
            "base.batch_size",
        ),  # fmt: skip
    ],
)
def test_bad_requests_are_422s_naming_the_field(client, change, field):
    body = {"base": base(), **change}
    r = client.post("/api/lr-finder", json=body)
    assert r.status_code == 422, r.text
    msg = r.json()["message"]
    assert msg.startswith(f"{field}: "), msg
    assert r.json()["detail"][0]["field"] == field


def test_non_finite_numbers_are_422s(client):
    text = '{"base": {"kind": "mlp", "dataset": {"name": "moons"}, "optimizers": [{"name": "sgd"}]}'
    for bad in ("NaN", "Infinity", "1e999"):
        r = client.post(
            "/api/lr-finder",
            content=text + f', "end_lr": {bad}}}',
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 422, (bad, r.text)


def test_the_work_limit_counts_num_iter_iterations(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app

    body = {"base": base(model={"hidden": [64, 64]}, batch_size=64), "num_iter": 10_000}
    # about 10,000 × (64 × 4,864 + 3 × 30,000) = 4.0e9 > 1e9: named num_iter, not base.epochs
    with TestClient(create_app(make_settings(tmp_path, max_mlp_work=1e9))) as c:
        r = c.post("/api/lr-finder", json=body)
        assert r.status_code == 422 and r.json()["message"].startswith("num_iter: "), r.text
        assert "1,000,000,000" in r.json()["message"]
        assert c.post("/api/lr-finder", json={**body, "num_iter": 100}).status_code == 200


def test_compute_is_module_level_and_picklable():
    assert pickle.loads(pickle.dumps(lr_finder.compute)) is lr_finder.compute
    config = lr_finder.validate({"base": base(), "num_iter": 30}, make_settings_tmp())
    d = lr_finder.compute(pickle.loads(pickle.dumps(config)))
    assert d["iterations"] == 30 and d["base"] == config["base"]


def test_validate_names_the_field_as_the_422():
    from app.localrun import ConfigError

    with pytest.raises(ConfigError, match=r"^base\.optimizers: "):
        lr_finder.validate({"base": mlp_run()}, make_settings_tmp())
    with pytest.raises(ConfigError, match=r"^end_lr: "):
        lr_finder.validate({"base": base(), "end_lr": 1e-9}, make_settings_tmp())


def test_past_the_range_tests_computing_at_once_is_429(client):
    state, limit = client.app.state, client.app.state.settings.max_lr_finders
    state.lr_finders = limit  # that many computing now
    r = client.post("/api/lr-finder", json={"base": base()})
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    state.lr_finders = 0
    assert client.post("/api/lr-finder", json={"base": base()}).status_code == 200
    assert state.lr_finders == 0  # released after the test computed

"""MLP runs through the same endpoints: stream, read, export, limits and 4xx."""

from __future__ import annotations

import csv
import io

import pytest

from app.main import create_app
from tests.app.conftest import CheckedClient, make_settings, mlp_run, stream


def mlp(**over):
    return mlp_run(**over)


def test_an_mlp_run_streams_meta_frames_and_done(client):
    run_id = client.post("/api/runs", json=mlp()).json()["id"]
    events = stream(client, run_id)
    names = [e["event"] for e in events]
    assert names[0] == "meta" and names[-1] == "done" and "frame" in names
    meta = events[0]["data"]
    assert meta["kind"] == "mlp" and meta["n_lanes"] == 2
    assert meta["iterations_per_epoch"] == 5 and meta["sizes"] == [2, 8, 8, 2]
    assert len(meta["points"]["X_train"]) == 150
    frames = [e["data"] for e in events if e["event"] == "frame"]
    epochs = [ep for f in frames for ep in f["epochs"]]
    assert epochs == list(range(21))  # epoch 0 is the untrained network
    last = frames[-1]
    assert len(last["val_loss"][0]) == 2 and len(last["grad_norm"][0][0]) == 3
    assert any(f["grids"] for f in frames)
    summary = events[-1]["data"]["summary"]
    assert [s["reason"] for s in summary] == ["max_epochs", "max_epochs"]
    assert summary[0]["best_val_acc"] > 0.8


def test_early_stopping_sends_a_stopped_event(client):
    body = mlp(
        epochs=300,
        early_stopping={"patience": 3, "restore_best": True},
        dataset={"name": "moons", "n_samples": 60, "noise": 0.4, "val_fraction": 0.5},
        model={"hidden": [64, 64]},
        optimizers=[{"name": "adam", "params": {"lr": 0.05}}],
    )
    events = stream(client, client.post("/api/runs", json=body).json()["id"])
    stopped = [e["data"] for e in events if e["event"] == "stopped"]
    assert len(stopped) == 1 and stopped[0]["lane"] == 0 and stopped[0]["restored"] is True
    assert events[-1]["data"]["summary"][0]["reason"] == "early_stop"


def test_an_exploding_lane_streams_a_diverged_event_with_its_reason(client):
    # sine with ReLU + He: SGD at lr 0.1 used to climb to a loss of 1e64 and end "max_epochs"
    body = mlp(
        dataset={"name": "sine"},
        model={"hidden": [16, 16], "activation": "relu", "init": "he_normal"},
        loss="mse",
        optimizers=[
            {"name": "sgd", "params": {"lr": 0.1}},
            {"name": "adam", "params": {"lr": 0.01}},
        ],
    )
    events = stream(client, client.post("/api/runs", json=body).json()["id"])
    limit = events[0]["data"]["divergence"]["loss_limit"][0]
    div = [e for e in events if e["event"] == "diverged"]
    assert len(div) == 1 and div[0]["data"]["lane"] == 0
    assert div[0]["data"]["reason"] == "loss" and limit < div[0]["data"]["value"] < 1e12
    frames = [e for e in events if e["event"] == "frame" and e["id"] < div[0]["id"]]
    assert frames and 1 in [ep for f in frames for ep in f["data"]["epochs"]]
    done = events[-1]["data"]
    assert done["status"] == "done"
    assert done["summary"][0]["diverged_at"] == {"epoch": 1, "iteration": 3, "reason": "loss"}
    assert done["summary"][1]["reason"] == "max_epochs"


def test_wait_result_and_csv_export(client):
    out = client.post("/api/runs", json=mlp(epochs=5), params={"wait": "true"}).json()
    assert out["status"] == "done" and len(out["result"]["arrays"]["val_loss"]) == 6
    text = client.get(f"/api/runs/{out['id']}/export", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 * 6 and rows[0]["epoch"] == "0" and float(rows[-1]["val_loss"]) > 0


def test_the_shipped_digits_dataset_trains(client):
    body = mlp(
        dataset={"name": "digits", "n_samples": 300, "val_fraction": 0.2},
        epochs=3,
        model={"hidden": [16]},
        optimizers=[{"name": "adam", "params": {"lr": 0.01}}],
    )
    out = client.post("/api/runs", json=body, params={"wait": "true"}).json()
    assert out["status"] == "done"
    assert out["result"]["meta"]["n_classes"] == 10 and out["result"]["meta"]["points"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dataset": {"name": "mnist"}}, "dataset"),
        ({"dataset": {"name": "moons", "noise": -1}}, "dataset.noise"),
        ({"loss": "hinge", "dataset": {"name": "spiral"}}, "model"),
        ({"loss": "dice"}, "loss"),
        ({"model": {"hidden": [8], "activation": "swish"}}, "model.activation"),
        ({"model": {"hidden": [0]}}, "model.hidden.0"),
        ({"batch_size": "half"}, "batch_size"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"early_stopping": {"patience": -1}}, "early_stopping.patience"),
        (
            {
                "optimizers": [
                    {
                        "name": "adam",
                        "schedule": {"name": "reduce_on_plateau", "params": {"factor": 2}},
                    }
                ]
            },
            "optimizers.0.schedule.params.factor",
        ),
        ({"optimizers": [{"name": "adam"}] * 9}, "optimizers"),
        ({"steps": 10}, "steps"),
        ({"model": {"hidden": [8], "batch_norm": True}, "batch_size": 1}, "batch_size"),
        ({"model": {"hidden": [8], "batch_norm": True}, "batch_size": 149}, "batch_size"),
        (
            {"optimizers": [{"name": "sgd", "params": {"nesterov": True, "dampening": 0.1}}]},
            "optimizers.0.params.nesterov",
        ),
    ],
)
def test_bad_mlp_requests_are_422_naming_the_field(client, change, field):
    r = client.post("/api/runs", json=mlp(**change))
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith(field), r.json()["message"]


def test_mlp_limits_come_from_settings(tmp_path):
    s = make_settings(tmp_path, max_layers=2, max_width=16, max_epochs=10, max_mlp_work=1e6)
    with CheckedClient(create_app(s)) as c:
        for change, field in [
            ({"model": {"hidden": [8, 8, 8]}}, "model.hidden"),
            ({"model": {"hidden": [32]}}, "model.hidden"),
            ({"epochs": 11}, "epochs"),
            ({"epochs": 10, "dataset": {"name": "moons", "n_samples": 5000}}, "epochs"),
        ]:
            r = c.post("/api/runs", json=mlp(**change))
            assert r.status_code == 422 and r.json()["message"].startswith(field), r.text


def test_boundary_grids_can_come_every_epoch(client):
    out = client.post(
        "/api/runs", json=mlp(epochs=6, grid_every=1, grid_size=12), params={"wait": "true"}
    ).json()
    grids = out["result"]["arrays"]["grids"]
    assert [g["epoch"] for g in grids] == list(range(7))
    assert len(grids[0]["values"][0]) == 12


# the request of issue 16 that took 1.26 GB: per-iteration records of batch 1 and a grid
# of 100² every epoch for 8 lanes; refused before anything is computed or stored
BIG = {
    "dataset": {"name": "moons", "n_samples": 5000},
    "model": {"hidden": [16, 16]},
    "optimizers": [{"name": "adam", "params": {}}] * 8,
    "epochs": 1000,
}


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"batch_size": 1, "grid_size": 100, "grid_every": 1}, "grid_every"),
        ({"batch_size": 1, "grid_size": 10, "grid_every": 100}, "batch_size"),
    ],
)
def test_a_run_that_would_record_too_much_is_422_naming_what_to_change(client, over, field):
    before = client.get("/api/runs").json()["total"]
    r = client.post(
        "/api/runs", params={"wait": "true", "persist": "false"}, json=mlp(**BIG, **over)
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["detail"][0]["loc"][-1] == field and "numbers" in body["message"]
    assert client.get("/api/runs").json()["total"] == before
    ok = mlp(**{**BIG, "epochs": 50}, batch_size=32, grid_size=40, grid_every=40)
    r = client.post("/api/runs", json=ok)
    assert r.status_code == 201
    client.post(f"/api/runs/{r.json()['id']}/cancel")


def test_output_numbers_bound_what_a_run_records():
    from app.kinds.training import engine_config, make_data
    from engine import train

    config = mlp(epochs=7, batch_size=16, grid_every=2, grid_size=12)
    config["dataset"] = {"name": "moons", "n_samples": 200, "noise": 0.2, "val_fraction": 0.2}
    config.setdefault("model", {"hidden": [8]})
    data = make_data(config["dataset"], 0)
    from pydantic import TypeAdapter

    from app.schemas import RunRequest

    full = TypeAdapter(RunRequest).validate_python(config).model_dump(mode="json")
    plan = train.check(engine_config(full, data))
    bound = train.output_numbers(plan)
    chunks = list(train.train(engine_config(full, data), rng_seed=0))
    its = sum(c.it_loss.size + c.it_lr.size + c.it_index.size for c in chunks)
    grids = sum(2 * len(g["values"]) * len(g["values"][0]) for c in chunks for g in c.grids)
    assert its <= bound["iterations"] and grids <= bound["grids"]
    assert its >= bound["iterations"] // 2  # a bound, not a guess


@pytest.mark.parametrize("name", ["newton", "saddle_free_newton", "adafactor"])
def test_second_order_and_whole_vector_rules_are_races_only(client, name):
    """The MLP trainer updates a flat row of weights: rules that need the surface's Hessian
    or torch's per-tensor factoring are offered for races only."""
    r = client.post("/api/runs?wait=true", json=mlp_run(optimizers=[{"name": name}]))
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith("optimizers.0")
    cat = client.get("/api/catalog").json()
    entry = next(e for e in cat["optimizer"] if e["name"] == name)
    assert entry["race_only"] is True


def test_mlp_cycled_momentum_without_momentum_names_the_field(client):
    lane = {"name": "adagrad", "params": {}, "schedule": {"name": "cyclic", "params": {}}}
    r = client.post("/api/runs?wait=true", json=mlp_run(optimizers=[lane]))
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith("optimizers.0.schedule.params.cycle_momentum")


def test_torchs_initializer_arguments_and_batch_norm_settings_over_rest(client):
    model = {
        "hidden": [8],
        "init": {"name": "he_uniform", "params": {"mode": "fan_out", "nonlinearity": "relu"}},
        "batch_norm": True,
        "bn_momentum": 0.2,
        "bn_eps": 1e-3,
    }
    r = client.post("/api/runs?wait=true", json=mlp_run(model=model, epochs=3))
    assert r.status_code == 201, r.text
    bad = {**model, "init": {"name": "he_uniform", "params": {"mode": "fan_sideways"}}}
    r = client.post("/api/runs?wait=true", json=mlp_run(model=bad))
    assert r.status_code == 422 and r.json()["message"].startswith("model.init.params.mode")
    r = client.post("/api/runs?wait=true", json=mlp_run(model={**model, "bn_eps": 0}))
    assert r.status_code == 422 and r.json()["message"].startswith("model.bn_eps")


def test_lbfgs_trains_an_mlp_on_the_full_batch(client):
    lanes = [{"name": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}}, {"name": "adam"}]
    r = client.post("/api/runs?wait=true", json=mlp_run(optimizers=lanes, batch_size="full"))
    assert r.status_code == 201, r.text
    summary = r.json()["result"]["summary"]
    assert summary[0]["final_train_loss"] < summary[1]["final_train_loss"]
    r = client.post("/api/runs?wait=true", json=mlp_run(optimizers=lanes, batch_size=16))
    assert r.status_code == 422 and r.json()["message"].startswith("batch_size")

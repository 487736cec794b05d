"""`descentlab run CONFIG.json`: the service's validation and result, from the command line."""

import json
import re

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.kinds import race
from tests.app.conftest import mlp_run

runner = CliRunner()

CONFIG = {
    "kind": "surface",
    "surface": {"name": "himmelblau"},
    "optimizers": [
        {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
        {
            "name": "adam",
            "params": {"lr": 0.05},
            "schedule": {"name": "cosine", "params": {"T_max": 60}},
        },
    ],
    "starts": [[-0.27, -0.92]],
    "steps": 60,
    "seed": 0,
}


def _reject(name: str) -> None:
    raise ValueError(f"{name} is not strict JSON")


def strict_loads(text: str):
    return json.loads(text, parse_constant=_reject)


def write(tmp_path, config=None, text=None):
    path = tmp_path / "config.json"
    path.write_text(text if text is not None else json.dumps(config or CONFIG))
    return path


def with_(**changes):
    return {**CONFIG, **changes}


def test_run_writes_a_strict_json_result_like_the_service(tmp_path):
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["run", str(write(tmp_path)), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    doc = strict_loads(out.read_text())
    assert set(doc) >= {"config", "meta", "arrays", "diverged", "summary", "final"}
    assert doc["config"]["optimizers"][0]["params"]["momentum"] == 0.9
    assert len(doc["arrays"]["xy"]) == CONFIG["steps"] + 1
    assert [s["lane"] for s in doc["summary"]] == [0, 1]
    assert doc["final"]["status"] == "done"


def test_result_file_turns_non_finite_numbers_into_null(tmp_path):
    out = tmp_path / "result.json"
    runner.invoke(app, ["run", str(write(tmp_path)), "-o", str(out), "-q"])
    doc = strict_loads(out.read_text())
    assert doc["arrays"]["lr"][0] == [None, None]  # row 0 has no update: NaN in the engine


def test_run_without_out_prints_the_summary_json_and_a_table(tmp_path):
    result = runner.invoke(app, ["run", str(write(tmp_path))])
    assert result.exit_code == 0, result.output
    summary = strict_loads(result.stdout)["summary"]
    assert [s["label"] for s in summary] == ["sgd lr=0.01 μ=0.9", "adam lr=0.05"]
    assert "final loss" in result.stderr


def test_quiet_hides_progress_and_table(tmp_path):
    result = runner.invoke(app, ["run", str(write(tmp_path)), "--quiet"])
    assert result.exit_code == 0
    assert result.stderr == ""


def test_run_writes_an_html_report(tmp_path):
    html = tmp_path / "report.html"
    result = runner.invoke(app, ["run", str(write(tmp_path)), "--html", str(html), "-q"])
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert text.startswith("<!doctype html>") and "adam lr=0.05" in text


BAD = [
    ("unknown-optimizer", with_(optimizers=[{"name": "adamz"}]), "optimizers.0.name"),
    (
        "lr-out-of-range",
        with_(optimizers=[{"name": "sgd", "params": {"lr": 50}}]),
        "optimizers.0.params.lr: Input should be less than or equal to 10",
    ),
    ("bad-formula", with_(surface={"formula": "x**2 - z"}), "surface.formula"),
    ("unknown-field", with_(sed=1), "sed: Extra inputs are not permitted"),
    ("unknown-kind", with_(kind="cnn"), "kind"),
    ("over-step-limit", with_(steps=1_000_000), "DESCENTLAB_MAX_STEPS"),
    (
        "bad-schedule-param",
        with_(
            optimizers=[{"name": "adam", "schedule": {"name": "cosine", "params": {"T_max": 0}}}]
        ),
        "optimizers.0.schedule.params.T_max",
    ),
    ("not-an-object", [1, 2], "config:"),
]


@pytest.mark.parametrize(("config", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_invalid_config_exits_2_naming_the_field(tmp_path, config, field):
    result = runner.invoke(app, ["run", str(write(tmp_path, config)), "-q"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert field in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


TEXT = [
    (
        "nan",
        json.dumps(CONFIG).replace('"lr": 0.01', '"lr": NaN'),
        "optimizers.0.params.lr: Input should be a finite number",
    ),
    ("infinity", json.dumps(CONFIG).replace('"steps": 60', '"steps": Infinity'), "steps"),
    ("not-json", "{kind: surface", "not valid JSON"),
    ("empty", "", "not valid JSON"),
]


@pytest.mark.parametrize(("text", "message"), [t[1:] for t in TEXT], ids=[t[0] for t in TEXT])
def test_unreadable_config_exits_2_with_one_clear_line(tmp_path, text, message):
    result = runner.invoke(app, ["run", str(write(tmp_path, text=text)), "-q"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["run", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json: no such file" in result.stderr
    assert "Traceback" not in result.output


def test_missing_output_folder_exits_2_before_computing(tmp_path):
    out = tmp_path / "missing" / "result.json"
    result = runner.invoke(app, ["run", str(write(tmp_path)), "--out", str(out)])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_ctrl_c_stops_cleanly_with_130(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(race, "job", interrupted)
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["run", str(write(tmp_path)), "--out", str(out)])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert not out.exists()
    assert "Traceback" not in result.output


def test_serve_help_still_works():
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output


def test_run_help_lists_its_options():
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--html", "--quiet"):
        assert option in result.output


def test_result_matches_the_service_result(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    out = tmp_path / "result.json"
    runner.invoke(app, ["run", str(write(tmp_path)), "--out", str(out), "-q"])
    mine = strict_loads(out.read_text())
    settings = Settings(db=tmp_path / "runs.sqlite3", allowed_hosts="testserver")
    with TestClient(create_app(settings)) as client:
        theirs = client.post("/api/runs?wait=true", json=CONFIG).json()["result"]
    assert mine["arrays"] == theirs["arrays"]
    assert mine["summary"] == theirs["summary"]
    service_only = theirs["meta"].pop("queue")  # where the run stood in the server's queue
    assert set(service_only) == {"ahead", "computing", "slots"}
    assert {**mine["meta"], "run_id": None} == {**theirs["meta"], "run_id": None}


def test_an_engine_failure_is_one_line_and_exit_1(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the simulation ended without a summary")

    monkeypatch.setattr(race, "job", broken)
    result = runner.invoke(app, ["run", str(write(tmp_path))])
    assert result.exit_code == 1
    assert "error: the run failed: RuntimeError" in result.stderr
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------- MLP runs

EVIL = "<script>alert(1)</script>"
MOONS = mlp_run(
    model={"hidden": [8, 8]},
    optimizers=[
        {"name": "sgd", "params": {"lr": 0.1, "momentum": 0.9}},
        {"name": "adam", "params": {"lr": 0.01}, "label": EVIL},
    ],
    epochs=10,
)


def mlp(**changes):
    return {**MOONS, **changes}


def test_mlp_run_writes_a_strict_result_and_an_offline_report(tmp_path):
    out, html = tmp_path / "result.json", tmp_path / "report.html"
    args = ["run", str(write(tmp_path, MOONS)), "-o", str(out), "--html", str(html), "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""
    doc = strict_loads(out.read_text())
    assert set(doc) >= {"config", "meta", "arrays", "diverged", "summary", "final"}
    assert doc["meta"]["kind"] == "mlp" and doc["meta"]["sizes"] == [2, 8, 8, 2]
    assert doc["arrays"]["epochs"] == list(range(11))
    assert len(doc["arrays"]["val_loss"][0]) == 2 and doc["arrays"]["grids"]
    assert [s["label"] for s in doc["summary"]] == ["sgd lr=0.1 μ=0.9", EVIL]
    assert doc["final"]["status"] == "done"
    text = html.read_text()
    assert text.startswith("<!doctype html>") and "plotly.js v" in text
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert '<div class="chart" id="fig-boundary"' in text and 'id="fig-grad_norm"' in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert EVIL not in text


def test_mlp_run_without_out_prints_a_lane_table_and_the_summary(tmp_path):
    config = mlp(early_stopping={"patience": 1, "restore_best": True})
    result = runner.invoke(app, ["run", str(write(tmp_path, config))])
    assert result.exit_code == 0, result.output
    summary = strict_loads(result.stdout)["summary"]
    assert [s["label"] for s in summary] == ["sgd lr=0.1 μ=0.9", EVIL]
    assert {"best_val_loss", "best_val_acc", "stopped_epoch", "reason"} <= set(summary[0])
    for words in ("moons: 10 epochs × 5 iterations", "best epoch", "val acc", "stopped"):
        assert words in result.stderr
    reasons = {"max_epochs": "all epochs", "early_stop": "early stop"}
    assert all(reasons[s["reason"]] in result.stderr for s in summary)


def test_the_progress_bar_counts_epochs():
    from app import localrun
    from app.settings import Settings

    config = localrun.validate_config(mlp(epochs=6), Settings())
    assert localrun.total(config) == (6, "epochs")
    seen: list[int] = []
    localrun.run_config(config, seen.append, interval=0.0)
    assert seen == sorted(seen) and seen[-1] == 6


def test_a_digits_run_trains(tmp_path):
    out = tmp_path / "result.json"
    config = mlp(
        dataset={"name": "digits", "n_samples": 300, "val_fraction": 0.2},
        model={"hidden": [16]},
        epochs=2,
    )
    result = runner.invoke(app, ["run", str(write(tmp_path, config)), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    doc = strict_loads(out.read_text())
    assert doc["meta"]["n_classes"] == 10 and doc["meta"]["points"] is None
    assert len(doc["arrays"]["epochs"]) == 3


BAD_MLP = [
    ("unknown-dataset", mlp(dataset={"name": "mnist"}), "dataset.name: unknown dataset 'mnist'"),
    (
        "hinge-on-spiral",
        mlp(loss="hinge", dataset={"name": "spiral"}),
        "model: loss 'hinge' does not fit a multiclass task",
    ),
    ("zero-width", mlp(model={"hidden": [0]}), "model.hidden.0: Input should be greater than"),
    ("zero-epochs", mlp(epochs=0), "epochs: Input should be greater than or equal to 1"),
    ("half-batch", mlp(batch_size="half"), "batch_size: Input should be a valid integer"),
    ("negative-noise", mlp(dataset={"name": "moons", "noise": -1}), "dataset.noise"),
    ("steps-in-mlp", mlp(steps=10), "steps: Extra inputs are not permitted"),
    ("over-epoch-limit", mlp(epochs=5000), "DESCENTLAB_MAX_EPOCHS"),
    ("too-many-layers", mlp(model={"hidden": [4] * 11}), "DESCENTLAB_MAX_LAYERS"),
    ("too-wide", mlp(model={"hidden": [512]}), "DESCENTLAB_MAX_WIDTH"),
]


@pytest.mark.parametrize(
    ("config", "message"), [b[1:] for b in BAD_MLP], ids=[b[0] for b in BAD_MLP]
)
def test_invalid_mlp_config_exits_2_naming_the_field(tmp_path, config, message):
    result = runner.invoke(app, ["run", str(write(tmp_path, config)), "-q"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert message in result.stderr.replace("\n", " ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_mlp_result_matches_the_service_result(tmp_path):
    from app.main import create_app
    from tests.app.conftest import CheckedClient, make_settings

    out = tmp_path / "result.json"
    config = mlp(early_stopping={"patience": 2, "restore_best": True})
    result = runner.invoke(app, ["run", str(write(tmp_path, config)), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    mine = strict_loads(out.read_text())
    with CheckedClient(create_app(make_settings(tmp_path))) as client:
        r = client.post("/api/runs", params={"wait": "true"}, json=config)
        assert r.status_code == 201, r.text
        theirs = r.json()["result"]
    assert mine["arrays"] == theirs["arrays"]
    assert mine["summary"] == theirs["summary"]
    assert mine["diverged"] == theirs["diverged"]
    assert {**mine["meta"], "run_id": None} == {**theirs["meta"], "run_id": None}


# --------------------------------------------------------------------------- descentlab sweep

SWEEP = {
    "base": {"kind": "surface", "surface": {"name": "himmelblau"},
             "optimizers": [{"name": "sgd", "params": {"lr": 0.01}}], "starts": [[0, 0]],
             "steps": 100},
    "axes": {"optimizers.0.name": ["sgd", "adam"], "optimizers.0.params.lr": [0.001, 0.01]},
}  # fmt: skip


def test_sweep_writes_its_table_and_prints_the_best_cells(tmp_path, monkeypatch):
    monkeypatch.setenv("DESCENTLAB_DB", str(tmp_path / "runs.sqlite3"))
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(SWEEP))
    out = tmp_path / "table.csv"
    r = runner.invoke(app, ["sweep", str(path), "-o", str(out), "--workers", "0"])
    assert r.exit_code == 0, r.output
    assert "best final_loss" in r.output and "adam" in r.output
    rows = out.read_text().splitlines()
    assert rows[0].startswith("index,optimizers.0.name,optimizers.0.params.lr,status,value")
    assert len(rows) == 5
    js = tmp_path / "table.json"
    assert (
        runner.invoke(app, ["sweep", str(path), "-q", "-o", str(js), "--workers", "0"]).exit_code
        == 0
    )
    doc = json.loads(js.read_text())
    assert [c["final_loss"] for c in doc["cells"]] == [float(r.split(",")[5]) for r in rows[1:]]


def test_a_bad_sweep_exits_2_naming_the_field(tmp_path):
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps({**SWEEP, "axes": {"optimizers.0.params.nope": [1]}}))
    r = runner.invoke(app, ["sweep", str(path)])
    assert r.exit_code == 2
    assert "axes.optimizers.0.params.nope" in r.output

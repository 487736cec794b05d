"""`descentlab run CONFIG.json`: the service's validation and result, from the command line."""

import json

import pytest
from typer.testing import CliRunner

from app import jobs
from app.cli import app

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

    monkeypatch.setattr(jobs, "surface_job", interrupted)
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
    with TestClient(create_app(Settings(db=tmp_path / "runs.sqlite3"))) as client:
        theirs = client.post("/api/runs?wait=true", json=CONFIG).json()["result"]
    assert mine["arrays"] == theirs["arrays"]
    assert mine["summary"] == theirs["summary"]
    assert {**mine["meta"], "run_id": None} == {**theirs["meta"], "run_id": None}


def test_an_engine_failure_is_one_line_and_exit_1(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the simulation ended without a summary")

    monkeypatch.setattr(jobs, "surface_job", broken)
    result = runner.invoke(app, ["run", str(write(tmp_path))])
    assert result.exit_code == 1
    assert "error: the run failed: RuntimeError" in result.stderr
    assert "Traceback" not in result.output

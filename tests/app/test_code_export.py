"""GET /api/runs/{id}/code: the exported PyTorch and Keras scripts.

Always: the endpoint's 404/422s, the summaries' final_loss, every catalogue surface's
written-out formula against the engine (as NumPy code), formulas from the parsed tree.
Optional (skipped without torch / keras): the scripts run in a subprocess with this
interpreter and print the engine's final losses, to 1e-8 relative (PyTorch, float64) or
1e-3 (Keras, with the engine's Keras preset of defaults)."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from app.export_code import mlp_keras, mlp_torch, race_keras, race_torch
from app.export_code.common import CodeRefused
from app.export_code.surfaces_code import surface_function
from app.kinds import race as race_kind
from app.kinds import training
from engine import optimizers, simulate, surfaces, train
from tests.app.conftest import mlp_run, race

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_KERAS = HAVE_TORCH and importlib.util.find_spec("keras") is not None
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed")
needs_keras = pytest.mark.skipif(not HAVE_KERAS, reason="keras (and torch) not installed")


def run_script(text: str, tmp_path, name: str = "script.py") -> list[float | None]:
    """Run a generated script with this interpreter; its last line's final_loss."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=600, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    return json.loads(last)["final_loss"]


def close(got, want, rtol, atol=1e-16):
    """Within rtol relative; atol only matters for a lane that reached a minimum of value 0
    (a loss under 1e-8), where the last digits are rounding noise."""
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if w is None or g is None:
            assert g is None and w is None, f"lane {i}: {g} against {w}"
        else:
            assert abs(g - w) <= rtol * abs(w) + atol, f"lane {i}: {g!r} against {w!r}"


def engine_race(config):
    surface, configs, starts, steps, kw = race_kind.engine_args(config)
    res = simulate.run(surface, configs, starts, steps, **kw)
    return [None if s["diverged_at"] is not None else s["final_loss"] for s in res.summary]


def engine_mlp(config):
    data = training.make_data(config["dataset"], config["seed"])
    res = train.run(training.engine_config(config, data), config["seed"])
    return [s["final_loss"] if math.isfinite(s["final_loss"]) else None for s in res.summary]


def validated(request):
    from pydantic import TypeAdapter

    from app.schemas import RunRequest

    return TypeAdapter(RunRequest).validate_python(request).model_dump(mode="json")


def keras_params(name, **over):
    p = {**optimizers.keras_defaults(name), **over}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in p.items()}


# ------------------------------------------------------------------------ the endpoint


def test_unknown_run_is_404(client):
    r = client.get("/api/runs/nope/code")
    assert r.status_code == 404


def test_unknown_framework_is_422_naming_it(client):
    run = client.post("/api/runs?wait=true", json=race()).json()
    r = client.get(f"/api/runs/{run['id']}/code?framework=tensorflow")
    assert r.status_code == 422
    assert "framework" in r.text


def test_script_is_python_text(client):
    run = client.post("/api/runs?wait=true", json=race()).json()
    r = client.get(f"/api/runs/{run['id']}/code")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/x-python")
    assert "torch.optim.Adam(params, lr=0.05, betas=(0.9, 0.999))" in r.text
    assert "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=120)" in r.text
    assert "loss.backward()" in r.text and "opt.step()" in r.text
    compile(r.text, "script.py", "exec")  # valid Python


def test_keras_refuses_an_optimizer_it_lacks_naming_it(client):
    body = race(optimizers=[{"name": "sgd", "params": {"lr": 0.01}}, {"name": "rprop"}])
    run = client.post("/api/runs?wait=true", json=body).json()
    r = client.get(f"/api/runs/{run['id']}/code?framework=keras")
    assert r.status_code == 422
    assert r.json()["message"].startswith("optimizers.1.name: keras: Keras has no rprop")
    assert client.get(f"/api/runs/{run['id']}/code?framework=pytorch").status_code == 200


def test_keras_refuses_a_cycled_momentum(client):
    sched = {"name": "one_cycle", "params": {}}
    body = race(optimizers=[{"name": "adam", "params": {"lr": 0.01}, "schedule": sched}])
    run = client.post("/api/runs?wait=true", json=body).json()
    r = client.get(f"/api/runs/{run['id']}/code?framework=keras")
    assert r.status_code == 422
    assert "optimizers.0.schedule.params.cycle_momentum" in r.json()["message"]


def test_keras_mlp_script_has_the_course_lines(client):
    run = client.post("/api/runs?wait=true", json=mlp_run()).json()
    text = client.get(f"/api/runs/{run['id']}/code?framework=keras").text
    assert "model.compile(optimizer=make(), loss=LOSS)" in text
    assert "keras.optimizers.Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999" in text
    assert "model.fit(" in text
    compile(text, "script.py", "exec")


def test_mlp_summary_carries_final_loss(client):
    run = client.post("/api/runs?wait=true", json=mlp_run()).json()
    summary = client.get(f"/api/runs/{run['id']}?result=false").json()["summary"]
    assert [s["final_loss"] for s in summary] == [s["final_train_loss"] for s in summary]
    assert all(s["final_loss"] > 0 for s in summary)


def test_a_label_cannot_inject_code():
    label = 'x"""\nimport os; os.system("echo pwned")\n#'
    config = validated(race(optimizers=[{"name": "sgd", "params": {"lr": 0.01}, "label": label}]))
    text = race_torch.script("r1", config)
    assert "\nimport os" not in text
    compile(text, "script.py", "exec")


# ------------------------------------------------------------------------ the surfaces


@pytest.mark.parametrize("name", surfaces.names())
def test_catalogue_surface_as_code_equals_the_engine(name):
    s = surfaces.get(name)
    ns = {"np": np, "math": math}
    exec(surface_function({"name": name}, s, "np"), ns)  # our own generated code
    (x0, x1), (y0, y1) = s.domain
    rng = np.random.default_rng(0)
    xy = np.stack([rng.uniform(x0, x1, 200), rng.uniform(y0, y1, 200)], axis=-1)
    got = ns["f"](xy[:, 0], xy[:, 1])
    want = s.value(xy)
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11 * np.abs(want).max())


def test_surface_parameters_are_written_in():
    s = surfaces.get("ill_conditioned", kappa=250.0)
    assert "250.0 * y**2" in surface_function({"name": "ill_conditioned"}, s, "torch")


@pytest.mark.parametrize(
    "text",
    ["sin(x)*cos(y) + 0.1*(x^2 + y^2)", "exp(-x**2) - tanh(y)/ (1 + abs(x))", "-x**3 + pi*y", "2"],
)
def test_formula_as_code_equals_the_engine(text):
    s = surfaces.from_formula(text)
    ns = {"np": np, "math": math}
    code = surface_function({"formula": text}, s, "np")
    exec(code, ns)
    xy = np.random.default_rng(1).uniform(-2, 2, (100, 2))
    np.testing.assert_allclose(ns["f"](xy[:, 0], xy[:, 1]), s.value(xy), rtol=1e-12, atol=1e-14)


def test_formula_text_is_never_executed_as_typed():
    # the script is emitted from the parsed tree: the user's spelling (^, spaces) is gone
    s = surfaces.from_formula("x ^ 2 +   y")
    code = surface_function({"formula": "x ^ 2 +   y"}, s, "torch")
    assert "return ((x ** 2.0) + y)" in code


def test_a_refusal_names_its_field():
    lane = {"name": "sgd", "params": {"lr": 0.01, "dampening": 0.5, "momentum": 0.9}}
    config = validated(race(optimizers=[lane]))
    with pytest.raises(CodeRefused) as e:
        race_keras.script("r1", config)
    assert e.value.field == "optimizers.0.params.dampening"


# ------------------------------------------------------------------ optional: PyTorch

RACE_LANES = [
    {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True}},
    {"name": "adam", "params": {"lr": 0.05}, "schedule": {"name": "cosine", "params": {}}},
    {"name": "rmsprop", "params": {"lr": 0.01, "centered": True},
     "schedule": {"name": "step", "params": {"step_size": 40, "gamma": 0.5}}},
    {"name": "adagrad", "params": {"lr": 0.3, "weight_decay": 0.01}},
    {"name": "nadam", "params": {"lr": 0.02}, "schedule": {"name": "one_cycle",
                                                            "params": {"max_lr": 0.05}}},
    {"name": "adamw", "params": {"lr": 0.02}, "clip_norm": 1.0,
     "schedule": {"name": "warmup_cosine", "params": {"total_iters": 20}}},
    {"name": "sgd", "params": {"lr": 0.002, "momentum": 0.5},
     "schedule": {"name": "cyclic", "params": {"step_size_up": 30}}},
    {"name": "adamax", "params": {"lr": 0.05},
     "schedule": {"name": "keras_exponential_decay", "params": {"decay_steps": 50}}},
]  # fmt: skip


@needs_torch
@pytest.mark.parametrize(
    "surface",
    [{"name": "himmelblau"}, {"name": "rosenbrock"},
     {"name": "ill_conditioned", "params": {"kappa": 30}},
     {"formula": "sin(x)*cos(y) + 0.1*(x^2 + y^2)", "domain": [[-3, 3], [-3, 3]]}],
    ids=["himmelblau", "rosenbrock", "ill_conditioned", "formula"],
)  # fmt: skip
def test_pytorch_race_script_reproduces_the_engine(surface, tmp_path):
    starts = [[-1.2, 1.0], [0.5, -0.5]]
    config = validated(race(surface=surface, optimizers=RACE_LANES, starts=starts, steps=200))
    close(run_script(race_torch.script("r1", config), tmp_path), engine_race(config), 1e-8)


@needs_torch
def test_pytorch_race_with_noise_second_order_and_divergence(tmp_path):
    lanes = [
        {"name": "adam", "params": {"lr": 0.05}},
        {"name": "newton", "params": {"lr": 0.5, "damping": 0.1}},
        {"name": "saddle_free_newton", "params": {"lr": 0.5}},
        {"name": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}},
        {"name": "adafactor", "params": {"lr": 0.05}},
        {"name": "sgd", "params": {"lr": 0.01, "maximize": True},
         "schedule": {"name": "sequential", "params": {}}},
        {"name": "sgd", "params": {"lr": 5.0}},  # diverges: null in both
    ]  # fmt: skip
    config = validated(
        race(optimizers=lanes, noise={"sigma": 0.5}, seed=3, steps=150, starts=[[0.0, 0.0]])
    )
    want = engine_race(config)
    assert want[-1] is None
    close(run_script(race_torch.script("r1", config), tmp_path), want, 1e-8)


@needs_torch
def test_pytorch_mlp_script_reproduces_the_engine(tmp_path):
    lanes = [
        {"name": "sgd", "params": {"lr": 0.1, "momentum": 0.9}},
        {"name": "adam", "params": {"lr": 0.01}, "schedule": {"name": "cosine", "params": {}}},
        {"name": "rmsprop", "params": {"lr": 0.003}, "clip_norm": 1.0},
        {"name": "adamw", "params": {"lr": 0.01},
         "schedule": {"name": "reduce_on_plateau", "params": {"patience": 2}}},
    ]  # fmt: skip
    config = validated(mlp_run(optimizers=lanes, l1=1e-4, l2=1e-3,
                               early_stopping={"patience": 4, "restore_best": True}))  # fmt: skip
    close(run_script(mlp_torch.script("m1", config), tmp_path), engine_mlp(config), 1e-8)


@needs_torch
def test_pytorch_mlp_with_batch_norm_and_early_stops(tmp_path):
    # a lane that stops early keeps its batch-norm statistics while the others train on
    lanes = [
        {"name": "sgd", "params": {"lr": 0.1, "momentum": 0.9}},
        {"name": "adam", "params": {"lr": 0.01}},
    ]
    config = validated(mlp_run(
        optimizers=lanes, loss="binary_cross_entropy", early_stopping={"patience": 3},
        model={"hidden": [8], "activation": "tanh", "batch_norm": True}, epochs=30))  # fmt: skip
    want = engine_mlp(config)
    close(run_script(mlp_torch.script("m1", config), tmp_path), want, 1e-8)


@needs_torch
def test_pytorch_mlp_with_dropout_regenerates_the_masks(tmp_path):
    config = validated(mlp_run(model={"hidden": [16], "dropout": 0.2}, epochs=10))
    close(run_script(mlp_torch.script("m1", config), tmp_path), engine_mlp(config), 1e-8)


@needs_torch
def test_summary_final_loss_is_the_printed_number(client, tmp_path):
    for body in (race(), mlp_run(epochs=10)):
        run = client.post("/api/runs?wait=true", json=body).json()
        summary = client.get(f"/api/runs/{run['id']}?result=false").json()["summary"]
        text = client.get(f"/api/runs/{run['id']}/code?framework=pytorch").text
        close(run_script(text, tmp_path), [s["final_loss"] for s in summary], 1e-8)


# -------------------------------------------------------------------- optional: Keras


@needs_keras
def test_keras_race_script_is_within_1e3_with_the_keras_preset(tmp_path):
    lanes = [
        {"name": n, "params": keras_params(n, lr=lr)}
        for n, lr in (("sgd", 0.01), ("adam", 0.05), ("rmsprop", 0.01), ("adagrad", 0.5),
                      ("nadam", 0.02), ("adamax", 0.05), ("adamw", 0.05))
    ]  # fmt: skip
    lanes[0]["params"]["momentum"] = 0.9
    lanes[1]["schedule"] = {"name": "keras_cosine_decay", "params": {}}
    lanes[2]["schedule"] = {"name": "cosine", "params": {}}
    config = validated(race(optimizers=lanes, noise={"sigma": 0.2}, steps=100))
    close(run_script(race_keras.script("r1", config), tmp_path), engine_race(config), 1e-3)


@needs_keras
def test_keras_mlp_script_is_within_1e3_with_the_keras_preset(tmp_path):
    lanes = [
        {"name": "sgd", "params": keras_params("sgd", lr=0.1, momentum=0.9)},
        {"name": "adagrad", "params": keras_params("adagrad", lr=0.05)},
        {"name": "nadam", "params": keras_params("nadam", lr=0.01)},
        {"name": "adamax", "params": keras_params("adamax", lr=0.01),
         "schedule": {"name": "keras_exponential_decay", "params": {"decay_steps": 20}}},
    ]  # fmt: skip
    config = validated(mlp_run(optimizers=lanes, l2=1e-3, early_stopping={"patience": 5}))
    close(run_script(mlp_keras.script("m1", config), tmp_path), engine_mlp(config), 1e-3)

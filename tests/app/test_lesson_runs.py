"""Every lesson preset's teaching claim holds, run as the service runs it (app/lesson_runs.py):
its run validated by the request model and computed by its kind's functions (app/kinds/), a
teaching view's body by that view's model and computation. A preset whose claim fails is a
bug in the preset."""

from __future__ import annotations

import copy

import pytest

from app import lesson_runs, presets
from app.lesson_models import GradientCheckRequest
from app.lesson_runs import run_lesson, run_preset
from engine import claims

PRESETS = presets.catalog()["presets"]
BY_ID = {p["id"]: p for p in PRESETS}


def test_the_presets_cover_all_27_concepts_with_unique_ids():
    assert sorted({p["concept"] for p in PRESETS}) == list(range(1, 28))
    assert len(BY_ID) == len(PRESETS)


@pytest.mark.parametrize("preset", PRESETS, ids=[p["id"] for p in PRESETS])
def test_every_preset_claim_holds(preset):
    result, context = run_preset(preset)
    outcomes = claims.check_claim(preset["claim"], result, context)
    failed = [f"{c['type']}: {detail}" for c, ok, detail in outcomes if not ok]
    assert len(outcomes) == len(preset["claim"])
    assert not failed, f"{preset['id']}: " + "; ".join(failed)


def test_running_a_preset_leaves_it_untouched():
    preset = BY_ID["adam-vs-amsgrad"]
    before = copy.deepcopy(preset)
    run_preset(preset)
    assert preset == before


def test_a_lesson_body_must_name_its_own_preset():
    preset = copy.deepcopy(BY_ID["accuracy-vs-loss"])
    preset["lesson"]["body"]["preset"] = "someone-else"
    with pytest.raises(ValueError, match="its own preset"):
        run_preset(preset)


def test_an_unknown_lesson_endpoint_is_an_error():
    with pytest.raises(ValueError, match="unknown lesson endpoint"):
        run_lesson("no-such-view", {})


def test_gradient_check_of_a_smooth_network_agrees_to_1e_9():
    preset = BY_ID["gradient-check"]
    g = run_lesson("gradient-check", preset["lesson"]["body"])
    assert g["rel"] < 1e-9 and g["n_params"] == 2 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2


@pytest.mark.parametrize("dataset", ["moons", "xor", "circle", "spiral", "gaussians"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_gradient_check_holds_its_1e_6_claim_with_relu(dataset, seed):
    """With zero biases a ReLU unit whose inputs are all 0 sat exactly on the kink and
    central differences straddled it (circle, seed 1: 0.43 relative); small random biases
    keep every pre-activation off it."""
    body = {"dataset": {"name": dataset}, "activation": "relu", "seed": seed}
    config = GradientCheckRequest.model_validate(body).model_dump(mode="json")
    data = lesson_runs.lesson_data(config["dataset"], config["seed"], config["loss"])
    out, _ = lesson_runs.gradient_check(config, data)
    assert out["rel"] < 1e-6, out["layers"]

"""The sweep and range-test presets: the preset model accepts a `sweep` instead of a `run` and
an `lr_finder` block with an MLP run, each validated as its endpoint's body; their claims
read the real documents (that they hold is tests/app/test_lesson_runs.py, with every other
preset's), and a broken claim fails on them."""

from __future__ import annotations

import copy

import pytest

from app import presets, sweeps
from app.lesson_runs import run_preset
from engine import claims

BY_ID = presets.by_id()
U_CURVE, ADAM, RANGE = "learning-rate-u-curve", "adam-less-sensitive-to-lr", "lr-range-test"
LR, NAME = "optimizers.0.params.lr", "optimizers.0.name"


@pytest.fixture(scope="module")
def results():
    return {pid: run_preset(BY_ID[pid]) for pid in (U_CURVE, ADAM, RANGE)}


def outcomes(claim, result):
    return [ok for _, ok, _ in claims.check_claim(claim, *result)]


def test_the_documents_are_the_sweeps_and_the_range_test(results):
    doc, _ = results[ADAM]
    assert doc["status"] == "done" and doc["n_cells"] == 2 * 21 * 5 == len(doc["cells"])
    assert list(doc["axes"]) == [NAME, LR, "seed"] and claims.result_kind(doc) == "sweep"
    test, context = results[RANGE]
    assert claims.result_kind(test) == "lr_range" and test["optimizer"] == "sgd"
    assert test["iterations"] <= 100 and set(context) == {"data", "config", "seed"}


@pytest.mark.parametrize(
    ("pid", "broken"),
    [
        (ADAM, {"type": "wider_good_range", "better": "sgd", "than": "adam", "within": 10}),
        (ADAM, {"type": "wider_good_range", "better": "adam", "than": "sgd", "factor": 20}),
        (ADAM, {"type": "diverges_above", "where": {NAME: "adam"}, "value": 0.5}),
        (ADAM, {"type": "u_curve", "where": {NAME: "adam"}, "factor": 10}),
        (U_CURVE, {"type": "u_curve", "factor": 1e6}),
        (U_CURVE, {"type": "best_between", "low": 0.1, "high": 1}),
        (U_CURVE, {"type": "diverges_above", "value": 0.1}),
        (RANGE, {"type": "suggested_lr_between", "low": 0.5, "high": 5}),
    ],
)
def test_a_broken_claim_fails_on_the_real_result(results, pid, broken):
    assert outcomes([broken], results[pid]) == [False]


def test_a_wrong_suggestion_does_not_train_best(results):
    """The range test's document with the suggestion moved 100× lower: the rate 100× above it
    (the real suggestion) trains better."""
    test, context = results[RANGE]
    wrong = {**test, "suggested_lr": test["suggested_lr"] / 100}
    check = {"type": "suggested_lr_trains_best", "factor": 100}
    ((_, ok, detail),) = claims.check_claim([check], wrong, context)
    assert not ok, detail


def test_the_presets_own_claims_hold_and_name_their_numbers(results):
    for pid, result in results.items():
        out = claims.check_claim(BY_ID[pid]["claim"], *result)
        assert all(ok for _, ok, _ in out), [d for _, ok, d in out if not ok]
    detail = claims.check_claim(BY_ID[ADAM]["claim"][:1], *results[ADAM])[0].detail
    assert "adam: 7 of 21" in detail and "sgd: 1 of 21" in detail


def _raw(pid: str) -> dict:
    raw = copy.deepcopy(BY_ID[pid])
    for key in ("topic", "index", "url"):
        raw.pop(key)
    return raw


def _invalid(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        presets.Preset.model_validate(raw)


def test_the_catalog_validates_the_raw_presets():
    for pid in (U_CURVE, ADAM, RANGE):
        presets.Preset.model_validate(_raw(pid))


def test_a_sweep_preset_has_a_valid_sweep_and_no_run():
    raw = _raw(ADAM)
    _invalid({**raw, "run": BY_ID[RANGE]["run"]}, "exactly one")
    _invalid({k: v for k, v in raw.items() if k != "sweep"}, "exactly one")
    bad = copy.deepcopy(raw)
    bad["sweep"]["axes"]["optimizers.0.params.learning_rate"] = [0.1]
    _invalid(bad, r"sweep: axes\.optimizers\.0\.params\.learning_rate")
    bad = copy.deepcopy(raw)
    bad["sweep"]["axes"]["seed"] = list(range(1000))
    _invalid(bad, "sweep: axes")
    _invalid({**raw, "view": {**raw["view"], "x": "seed.0"}}, "view.x")
    _invalid({**raw, "view": {**raw["view"], "tab": "race"}}, "view.tab")
    _invalid({**raw, "lr_finder": {}}, "no lesson and no lr_finder")


def test_a_sweep_claim_must_read_a_sweep():
    raw = _raw(ADAM)
    _invalid({**raw, "claim": [{"type": "ends_near", "lane": 0, "xy": [1, 1]}]}, "sweep result")
    raw = _raw(U_CURVE)
    _invalid({**raw, "claim": [{"type": "suggested_lr_between", "low": 0, "high": 1}]}, "lr_range")


def test_a_range_test_preset_has_an_mlp_run_and_a_valid_lr_finder():
    raw = _raw(RANGE)
    _invalid({**raw, "lr_finder": {**raw["lr_finder"], "start_lr": -1}}, "lr_finder: start_lr")
    _invalid({**raw, "lr_finder": {**raw["lr_finder"], "base": raw["run"]}}, "has no base")
    surface = BY_ID["warmup-cosine"]["run"]
    _invalid({**raw, "run": surface}, "lr_finder: a range test runs on an MLP run")
    _invalid({**raw, "view": {**raw["view"], "open": None}}, "open")
    _invalid({**raw, "claim": [{"type": "u_curve"}]}, "sweep result")
    plain = _raw("minibatch-32")
    _invalid({**plain, "view": {**plain["view"], "open": "lr_finder"}}, "view.open")
    _invalid({**plain, "view": {**plain["view"], "chart": "curves"}}, "view")


def test_served_views_leave_out_the_keys_they_do_not_use():
    assert set(BY_ID["minibatch-32"]["view"]) == {
        "tab", "log_loss", "hide", "show_3d", "speed", "predict"
    }  # fmt: skip
    assert BY_ID[ADAM]["view"]["color"] == NAME and "open" not in BY_ID[ADAM]["view"]
    assert BY_ID[RANGE]["view"]["open"] == "lr_finder" and "x" not in BY_ID[RANGE]["view"]


def test_the_service_serves_them_and_no_lesson_mistakes_a_sweep_for_a_run(client):
    got = client.get(f"/api/presets/{ADAM}").json()
    assert got["sweep"] == BY_ID[ADAM]["sweep"] and "run" not in got
    assert client.get(f"/api/presets/{RANGE}").json()["lr_finder"]["num_iter"] == 100
    r = client.post("/api/lessons/accuracy-vs-loss", json={"preset": ADAM})
    assert r.status_code == 422 and r.json()["message"].startswith("preset:")


@pytest.mark.parametrize("seeds", [[5, 6, 7, 8, 9], [20, 21, 22]])
@pytest.mark.parametrize("pid", [U_CURVE, ADAM])
def test_the_sweep_claims_do_not_hang_on_the_seeds(pid, seeds):
    """The same sweeps with other noise seeds: every claim still holds (Adam: 7 rates of 21
    against SGD's 1 for each seed set tried)."""
    sweep = copy.deepcopy(BY_ID[pid]["sweep"])
    sweep["axes"]["seed"] = seeds
    out = claims.check_claim(BY_ID[pid]["claim"], sweeps.run_local(sweep))
    assert all(ok for _, ok, _ in out), [d for _, ok, d in out if not ok]

"""The claim vocabulary (engine/claims): malformed checks are errors, and every check type
can fail on a counter-example, so that no check passes vacuously. That every preset's claim
holds, run as the service runs it, is tests/app/test_lesson_runs.py."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine import claims, datasets, simulate, surfaces, teaching, train

# --------------------------------------------------------------------------- malformed claims


@pytest.fixture(scope="module")
def zoo() -> simulate.RaceResult:
    """A race on the tilted double well whose lanes differ in every checked way.

    0 gd 0.05: settles in the local minimum (step 46); 1 sgd 0.01 μ 0.9: rolls into the global
    one (step 106); 2 gd 0.25: diverges at step 4; 3 adagrad; 4 rmsprop; 5 gd 0.1.
    """
    configs = [
        {"name": "gd", "params": {"lr": 0.05}},
        {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
        {"name": "gd", "params": {"lr": 0.25}},
        {"name": "adagrad", "params": {"lr": 0.2}},
        {"name": "rmsprop", "params": {"lr": 0.05, "alpha": 0.9}},
        {"name": "gd", "params": {"lr": 0.1}},
    ]
    return simulate.run(surfaces.get("tilted_double_well"), configs, [[1.8, 0.5]], 300)


LOCAL, GLOBAL, SADDLE = [0.9601, 0.0], [-1.0356, 0.0], [0.0754, 0.0]


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"type": "ends_nearly", "lane": 0, "xy": LOCAL}, "unknown check"),
        ({"type": "ends_near", "lane": 0}, "needs ['xy']"),
        ({"type": "ends_near", "lane": 0, "xy": LOCAL, "tolerance": 1}, "no argument"),
        ({"type": "ends_near", "lane": 6, "xy": LOCAL}, "lane: 6 is not a lane"),
        ({"type": "slower_than", "lane": 0, "other": -1}, "other: -1 is not a lane"),
        ({"type": "early_stops", "lane": 0}, "checks a train result"),
        ({"type": "gradients_agree"}, "checks a gradient_check result"),
    ],
)
def test_a_malformed_check_is_an_error_not_a_failure(zoo, check, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        claims.check_claim([check], zoo)


def test_an_empty_claim_and_an_unknown_result_are_errors(zoo):
    with pytest.raises(ValueError, match="at least one check"):
        claims.check_claim([], zoo)
    with pytest.raises(TypeError, match="not a result"):
        claims.check_claim([{"type": "stays_finite", "lane": 0}], {"kind": "poem"})


def test_checks_that_reread_the_data_need_the_context(fit):
    with pytest.raises(ValueError, match="needs the run's context"):
        claims.check_claim([{"type": "prediction_bias", "lane": 0, "at_most": 1}], fit[0])


def test_rescoring_with_a_loss_that_does_not_fit_the_network_is_an_error(trained):
    with pytest.raises(ValueError, match="does not fit"):
        claims.check_claim([{"type": "same_loss_under", "lane": 0, "loss": "mse"}], *trained)


def test_the_vocabulary_is_documented():
    for c in claims.claim_types():
        assert c["doc"] and c["kind"] in claims.KINDS, c["type"]


# --------------------------------------------------------------------------- counter-examples


@pytest.fixture(scope="module")
def trained():
    """Two lanes on moons: adam learns (lane 0), a tiny sgd step hardly moves (lane 1)."""
    data = datasets.make("moons", rng=np.random.default_rng(0), n_samples=200, noise=0.2)
    config = {
        "data": data,
        "model": {"hidden": [8, 8], "activation": "relu", "init": "he_normal"},
        "loss": "cross_entropy",
        "optimizers": [
            {"name": "adam", "params": {"lr": 0.01}},
            {"name": "sgd", "params": {"lr": 0.0001}},
        ],
        "batch_size": 32,
        "epochs": 20,
        "grid_every": 0,
    }
    return train.run(config, 0), {"data": data, "config": config}


@pytest.fixture(scope="module")
def fit():
    """A linear fit to a plane with 20 outliers shifted up (MSE: biased upward)."""
    data = datasets.make(
        "plane", rng=np.random.default_rng(0), n_samples=200, noise=0.1, outliers=20
    )
    config = {
        "data": data,
        "model": {"hidden": []},
        "loss": "mse",
        "optimizers": [{"name": "sgd", "params": {"lr": 0.1, "momentum": 0.9}}],
        "batch_size": "full",
        "epochs": 100,
        "grid_every": 0,
    }
    return train.run(config, 0), {"data": data, "config": config}


def _with_rows(result: train.Result, field: str, rows: np.ndarray) -> train.Result:
    return dataclasses.replace(result, arrays={**result.arrays, field: rows})


def _step(**kw):
    data = datasets.make("xor", rng=np.random.default_rng(0), n_samples=40, noise=0.05)
    return teaching.training_step(data, **kw)


def _garbled_trace():
    s = _step()
    layers = [dict(layer) for layer in s["trace"]["layers"]]
    layers[0]["z"] = layers[0]["z"] + 1e-6
    return {**s, "trace": {**s["trace"], "layers": layers}}


def _along():
    ts = np.linspace(-1, 1, 101)
    return {"kind": "accuracy_along", "ts": ts, "loss": ts**2, "accuracy": np.round(ts, 1)}


def _gradcheck(noise: float):
    rng = np.random.default_rng(0)
    p = {"W1": rng.normal(size=(2, 3)), "b1": np.zeros(3), "W2": rng.normal(size=(3, 1))}
    p["b2"] = np.zeros(1)
    num = {k: v + noise * rng.normal(size=v.shape) for k, v in p.items()}
    return teaching.compare_gradients(p, p, num)


RACE_FAILS = {
    "ends_near": {"lane": 0, "xy": GLOBAL},
    "stalls_near": {"lane": 0, "xy": SADDLE},
    "passes_near": {"lane": 0, "xy": GLOBAL},
    "diverges_before": {"lane": 2, "step": 3},
    "stays_finite": {"lane": 2},
    "converges_within": {"lane": 0, "steps": 40},
    "not_converged_within": {"lane": 0, "steps": 300},
    "slower_than": {"lane": 0, "other": 1},
    "moves_less_than": {"lane": 1, "distance": 1.0},
    "oscillates": {"lane": 0, "min_flips": 10},
    "lr_peaks_at": {"lane": 0, "step": 100},
    "effective_lr_falls": {"lane": 0, "factor": 1.5},
    "effective_lr_higher_than": {"lane": 0, "other": 5, "step": 1},
    "per_parameter_lr": {"lane": 0, "ratio": 1.5},
    "v_never_decreases": {"lane": 4},
    "v_decreases": {"lane": 3},
    "loss_below": {"lane": 0, "value": 0.0},
    "ends_lower_than": {"lane": 0, "other": 1},
}
TRAIN_FAILS = {
    "accuracy_at_least": {"lane": 1, "value": 0.99},
    "accuracy_at_most": {"lane": 0, "value": 0.5},
    "loss_at_most": {"lane": 1, "value": 0.01},
    "loss_at_least": {"lane": 0, "value": 10.0},
    "val_loss_rises_after": {"lane": 0, "epoch": 5},
    "early_stops": {"lane": 0},
    "hidden_units_identical": {"lane": 0},
    "grad_norm_shrinks_toward_input": {"lane": 0, "factor": 1000},
    "grad_norm_even": {"lane": 0, "factor": 1.0001},
    "iterations_per_epoch": {"value": 7},
    "iterations": {"lane": 0, "value": 7},
    "n_params": {"value": 7},
    "bumpy_loss": {"lane": 0, "at_least": 0.95},
    "smooth_loss": {"lane": 0, "at_most": 0.0},
    "same_loss_under": {"lane": 0, "loss": "categorical_cross_entropy", "factor": 2},
    "sparse_weights": {"lane": 0, "at_least": 0.5},
}


@pytest.mark.parametrize("name", sorted(RACE_FAILS))
def test_race_checks_fail_on_a_counter_example(zoo, name):
    ((_, ok, detail),) = claims.check_claim([{"type": name, **RACE_FAILS[name]}], zoo)
    assert not ok, detail


def test_second_moment_checks_need_a_second_moment(zoo):
    """Plain gradient descent keeps no v: neither v check may pass on it."""
    checks = [{"type": "v_never_decreases", "lane": 0}, {"type": "v_decreases", "lane": 0}]
    assert [ok for _, ok, _ in claims.check_claim(checks, zoo)] == [False, False]


@pytest.mark.parametrize("name", sorted(TRAIN_FAILS))
def test_train_checks_fail_on_a_counter_example(trained, name):
    ((_, ok, detail),) = claims.check_claim([{"type": name, **TRAIN_FAILS[name]}], *trained)
    assert not ok, detail


def test_val_loss_stays_near_best_fails_when_it_climbs(trained):
    result, _ = trained
    va = result.arrays["val_loss"].copy()
    va[-1, 0] = 3 * np.nanmin(va[:, 0])
    check = {"type": "val_loss_stays_near_best", "lane": 0, "ratio": 1.3}
    ((_, ok, _),) = claims.check_claim([check], _with_rows(result, "val_loss", va))
    assert not ok


@pytest.mark.parametrize("name", ["smaller_weights_than", "lower_loss_than"])
def test_comparisons_between_lanes_hold_one_way_only(trained, name):
    both = [{"type": name, "lane": 0, "other": 1}, {"type": name, "lane": 1, "other": 0}]
    assert [ok for _, ok, _ in claims.check_claim(both, *trained)].count(True) == 1


def test_prediction_bias_fails_outside_its_band(fit):
    ((_, ok, detail),) = claims.check_claim(
        [{"type": "prediction_bias", "lane": 0, "at_least": -0.1, "at_most": 0.1}], *fit
    )
    assert not ok, detail


def test_teaching_tool_checks_fail_on_counter_examples():
    bad = [
        ({"type": "update_is_minus_lr_grad"}, _step(optimizer={"name": "adam", "params": {}})),
        (
            {"type": "loss_decreases_after_step"},
            _step(loss="mse", optimizer={"name": "gd", "params": {"lr": 10.0}}),
        ),
        ({"type": "forward_is_consistent"}, _garbled_trace()),
        (
            {"type": "accuracy_staircase", "max_levels": 30},
            {**_along(), "accuracy": _along()["loss"]},
        ),
        ({"type": "loss_smooth", "min_distinct": 50}, {**_along(), "loss": _along()["accuracy"]}),
        ({"type": "gradients_agree"}, _gradcheck(1e-3)),
    ]
    for check, result in bad:
        ((_, ok, detail),) = claims.check_claim([check], result)
        assert not ok, (check["type"], detail)
    good = [
        ({"type": "gradients_agree"}, _gradcheck(0.0)),
        ({"type": "accuracy_staircase", "max_levels": 30}, _along()),
        ({"type": "loss_smooth", "min_distinct": 50}, _along()),
    ]
    for check, result in good:
        ((_, ok, detail),) = claims.check_claim([check], result)
        assert ok, (check["type"], detail)


def test_every_check_type_has_a_counter_example():
    elsewhere = {
        "val_loss_stays_near_best",
        "smaller_weights_than",
        "lower_loss_than",
        "prediction_bias",
        "update_is_minus_lr_grad",
        "loss_decreases_after_step",
        "forward_is_consistent",
        "accuracy_staircase",
        "loss_smooth",
        "gradients_agree",
        # sweeps and range tests: tests/engine/test_claims_sweeps.py
        "u_curve",
        "best_between",
        "diverges_above",
        "wider_good_range",
        "suggested_lr_between",
        "range_test_stops",
        "range_test_turns_up",
        "suggested_lr_trains_best",
    }
    assert set(claims.CLAIM_TYPES) == set(RACE_FAILS) | set(TRAIN_FAILS) | elsewhere


# --------------------------------------------------------------------------- teaching tools


def test_training_step_replays_the_earlier_iterations():
    first, second = _step(step=0), _step(step=1)
    new = first["trace"]["new_params"]
    assert all(np.array_equal(new[k], second["params"][k]) for k in new)
    assert not np.array_equal(first["batch"], second["batch"])

"""Races: chunking, determinism, common noise, divergence, summaries, and a convergence table."""

from __future__ import annotations

import numpy as np
import pytest

from engine import simulate, surfaces
from engine.noise import Noise, from_config

RACE = [
    {"name": "gd", "params": {"lr": 0.01}},
    {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
    {"name": "rmsprop", "params": {"lr": 0.01}},
    {"name": "adam", "params": {"lr": 0.05}, "schedule": {"name": "cosine", "params": {}}},
]


def race(name="himmelblau", configs=RACE, starts=((-0.27, -0.92), (0.0, 0.0)), steps=200, **kw):
    return simulate.run(surfaces.get(name), configs, np.array(starts), steps, **kw)


def test_arrays_have_one_row_per_step_plus_the_start():
    r = race(steps=120)
    assert r.arrays["xy"].shape == (121, 8, 2)
    assert r.arrays["loss"].shape == (121, 8)
    np.testing.assert_array_equal(r.arrays["xy"][0, :2], [[-0.27, -0.92], [0.0, 0.0]])
    assert np.all(np.isnan(r.arrays["update"][0]))
    np.testing.assert_allclose(r.arrays["update"][1:], np.diff(r.arrays["xy"], axis=0), atol=1e-12)


def test_chunks_are_consecutive_and_the_last_carries_the_summary():
    chunks = list(simulate.simulate(surfaces.get("booth"), RACE, [[0.0, 0.0]], 130, chunk=50))
    assert [c.start for c in chunks] == [0, 50, 100]
    assert [c.rows for c in chunks] == [50, 50, 31]
    assert all(c.summary is None for c in chunks[:-1])
    assert len(chunks[-1].summary) == 4


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_chunk_size_does_not_change_the_bits(chunk):
    kw = {"noise": Noise(0.5), "seed": 3}
    whole = race(steps=60, **kw)
    parts = race(steps=60, chunk=chunk, **kw)
    for f in simulate.FIELDS:
        np.testing.assert_array_equal(whole.arrays[f], parts.arrays[f])


def test_same_seed_same_bits_other_seed_other_path():
    a = race(noise=Noise(0.3), seed=1)
    b = race(noise=Noise(0.3), seed=1)
    c = race(noise=Noise(0.3), seed=2)
    np.testing.assert_array_equal(a.arrays["xy"], b.arrays["xy"])
    assert not np.array_equal(a.arrays["xy"], c.arrays["xy"])


def test_every_optimizer_sees_the_same_noise():
    twins = [{"name": "adam", "params": {"lr": 0.05}}] * 2
    r = race(configs=twins, starts=[[1.0, 1.0]], noise=Noise(2.0), seed=5)
    np.testing.assert_array_equal(r.arrays["xy"][:, 0], r.arrays["xy"][:, 1])
    np.testing.assert_array_equal(r.arrays["grad"][:, 0], r.arrays["grad"][:, 1])


def test_minibatch_noise_shrinks_with_the_batch():
    assert from_config({"batch_size": 4}).scale == pytest.approx(0.5)
    assert from_config({"sigma": 2.0, "batch_size": 16}).scale == pytest.approx(0.5)
    assert from_config({"sigma": 0.3}).scale == 0.3
    assert not from_config(None).active


def test_batched_race_equals_races_run_one_by_one():
    whole = race()
    for o, cfg in enumerate(RACE):
        alone = race(configs=[cfg])
        np.testing.assert_array_equal(whole.arrays["xy"][:, 2 * o : 2 * o + 2], alone.arrays["xy"])


def test_learning_rate_sweep_of_one_optimizer_equals_separate_runs():
    sweep = [{"name": "sgd", "params": {"lr": lr, "momentum": 0.9}} for lr in (0.001, 0.01)]
    whole = race(configs=sweep, starts=[[0.5, 0.5]])
    for i, cfg in enumerate(sweep):
        np.testing.assert_array_equal(
            whole.arrays["xy"][:, i], race(configs=[cfg], starts=[[0.5, 0.5]]).arrays["xy"][:, 0]
        )


def test_inputs_are_not_mutated():
    starts = np.array([[0.1, 0.2]])
    configs = [{"name": "adam", "params": {"lr": 0.1, "betas": [0.9, 0.99]}}]
    snapshot = repr(configs)
    race(configs=configs, starts=starts)
    np.testing.assert_array_equal(starts, [[0.1, 0.2]])
    assert repr(configs) == snapshot


@pytest.mark.parametrize(
    ("name", "start"), [("saddle", (-1.5, 1e-3)), ("monkey_saddle", (0.5, 0.3))]
)
def test_divergence_is_detected_and_other_lanes_go_on(name, start):
    configs = [
        {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
        {"name": "adam", "params": {"lr": 0.001}},  # moves at most 1.5 in 1500 steps
    ]
    r = race(name, configs, starts=[start], steps=1500)
    sgd, adam = r.summary
    assert sgd["diverged_at"] is not None and sgd["reason"]
    k = sgd["diverged_at"]
    assert np.all(np.isnan(r.arrays["xy"][k:, 0]))
    assert np.all(np.isfinite(r.arrays["xy"][:k, 0]))
    assert np.max(np.abs(r.arrays["xy"][k - 1, 0])) <= simulate.BOUND
    assert adam["diverged_at"] is None and np.all(np.isfinite(r.arrays["xy"][:, 1]))
    assert [e["lane"] for e in r.diverged] == [0] and r.diverged[0]["step"] == k


def test_a_lane_that_overflows_is_diverged_not_a_crash():
    r = race("rosenbrock", [{"name": "gd", "params": {"lr": 1.0}}], starts=[[-1.5, 2.0]], steps=50)
    assert r.summary[0]["diverged_at"] is not None
    assert r.summary[0]["diverged_at"] < 10


def test_summary_reports_the_minimum_reached_and_when():
    r = race("booth", [{"name": "gd", "params": {"lr": 0.05}}], starts=[[-8.0, 8.0]], steps=300)
    lane = r.summary[0]
    assert lane["nearest_min"]["xy"] == pytest.approx([1.0, 3.0])
    np.testing.assert_allclose(lane["final_xy"], [1.0, 3.0], atol=1e-6)
    k = lane["converged_at"]
    assert 0 < k < 300
    assert r.arrays["dist_min"][k, 0] < 0.02 <= r.arrays["dist_min"][k - 1, 0]


def test_moments_and_rates_are_streamed_for_the_inspector():
    r = race(steps=20)
    adam = slice(6, 8)
    assert np.all(np.isfinite(r.arrays["m"][1:, adam])) and np.all(
        np.isfinite(r.arrays["v"][1:, adam])
    )
    assert np.all(np.isnan(r.arrays["m"][1:, 0:2]))  # plain gd has no moments
    assert np.all(np.isnan(r.arrays["v"][1:, 2:4]))  # sgd momentum has no second moment
    assert np.all(np.isfinite(r.arrays["m"][1:, 2:4]))
    assert np.all(np.isnan(r.arrays["m"][1:, 4:6]))  # rmsprop without momentum keeps no buffer
    lr = r.arrays["lr"][1:, 6]
    assert lr[0] == pytest.approx(0.05) and lr[-1] < lr[0]  # the cosine schedule


def test_explicit_clipping_limits_the_first_step():
    cfg = [{"name": "gd", "params": {"lr": 0.1}, "clip_norm": 1.0}]
    r = race(configs=cfg, starts=[[4.0, 4.0]], steps=3)
    assert np.linalg.norm(r.arrays["update"][1, 0]) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "bad",
    [
        {"configs": []},
        {"starts": np.zeros((0, 2))},
        {"steps": 0},
        {"starts": [[np.nan, 0.0]]},
    ],
)
def test_bad_races_are_rejected(bad):
    kw = {"configs": RACE, "starts": [[0.0, 0.0]], "steps": 10, **bad}
    with pytest.raises(ValueError):
        simulate.run(surfaces.get("booth"), kw["configs"], kw["starts"], kw["steps"])


# Convergence table: which optimizer reaches which minimum, from which start, within how many
# steps. These are the demos the lessons rely on; each row is checked.
TABLE = [
    # surface, start, optimizer, params, minimum reached (xy), converged within
    ("tilted_double_well", (1.8, 0.5), "gd", {"lr": 0.01}, (0.96, 0.0), 300),
    ("tilted_double_well", (1.8, 0.5), "sgd", {"lr": 0.01, "momentum": 0.9}, (-1.04, 0.0), 150),
    ("tilted_double_well", (1.8, 0.5), "adam", {"lr": 0.05}, (0.96, 0.0), 150),
    ("himmelblau", (0.0, 0.0), "gd", {"lr": 0.01}, (3.0, 2.0), 50),
    ("himmelblau", (0.0, 0.0), "sgd", {"lr": 0.01, "momentum": 0.9}, (3.584, -1.848), 150),
    ("himmelblau", (-0.27, -0.92), "adam", {"lr": 0.05}, (3.0, 2.0), 200),
    ("booth", (-8.0, 8.0), "gd", {"lr": 0.05}, (1.0, 3.0), 100),
    ("booth", (-8.0, 8.0), "adam", {"lr": 0.5}, (1.0, 3.0), 200),
    ("six_hump_camel", (-1.5, -1.0), "gd", {"lr": 0.01}, (-1.607, -0.569), 100),
    ("six_hump_camel", (-1.5, -1.0), "sgd", {"lr": 0.01, "momentum": 0.9}, (-1.704, 0.796), 150),
    ("double_well", (0.3, 1.5), "gd", {"lr": 0.05}, (1.0, 0.0), 200),
    ("double_well", (-0.3, 1.5), "rmsprop", {"lr": 0.01}, (-1.0, 0.0), 400),
]


@pytest.mark.parametrize(
    ("surface", "start", "opt", "params", "minimum", "within"),
    TABLE,
    ids=[f"{r[0]}-{r[2]}-{i}" for i, r in enumerate(TABLE)],
)
def test_convergence_table(surface, start, opt, params, minimum, within):
    r = race(surface, [{"name": opt, "params": params}], starts=[start], steps=within + 50)
    lane = r.summary[0]
    assert lane["nearest_min"]["xy"] == pytest.approx(minimum, abs=5e-3)
    assert lane["converged_at"] is not None and lane["converged_at"] <= within

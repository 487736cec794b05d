"""The sweep and range-test checks (engine/claims/sweeps.py) on hand-made documents in the
contract's shape: each holds where it should and fails on a counter-example. That the lesson
presets' claims hold on real sweeps and range tests is tests/app/test_lesson_runs.py."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from engine import claims, datasets
from engine.claims import sweeps

LR, NAME = "optimizers.0.params.lr", "optimizers.0.name"
RATES = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
INF = math.inf


def sweep_doc(curves: dict[str, list[list[float]]], status: str = "done") -> dict:
    """A sweep document: axes name × lr × seed; curves[name][i] = the seeds' values at rate
    i (inf: a diverged cell)."""
    names = list(curves)
    seeds = list(range(len(next(iter(curves.values()))[0])))
    axes = {NAME: names, LR: RATES, "seed": seeds}
    cells = []
    for i, (name, lr, seed) in enumerate(itertools.product(names, RATES, seeds)):
        v = curves[name][RATES.index(lr)][seed]
        cells.append(
            {
                "index": i,
                "point": {NAME: name, LR: lr, "seed": seed},
                "status": "done",
                "value": None if v == INF else v,
                "final_loss": None if v == INF else v,
                "diverged": v == INF,
                "error": None,
            }
        )
    return {
        "name": None,
        "status": status,
        "kind": "surface",
        "metric": "final_loss",
        "base": {},
        "axes": axes,
        "n_cells": len(cells),
        "done": len(cells),
        "cells": cells,
    }


# sgd: a U (slow, best at 1e-2, diverged from 1e-1); adam: good from 1e-2 to 1
U = [[5.0, 6.0, 5.5], [1.0, 1.2, 0.9], [0.01, 0.012, 0.02], [INF, INF, INF], [INF, INF, INF]]
FLAT = [[9.0, 9.0, 9.0], [2.0, 2.0, 2.0], [0.02, 0.01, 0.015], [0.012, 0.02, 0.01], [0.03] * 3]
DOC = sweep_doc({"sgd": U, "adam": FLAT})
SGD, ADAM = {NAME: "sgd"}, {NAME: "adam"}


def check(c: dict, result) -> tuple[bool, str]:
    ((_, ok, detail),) = claims.check_claim([c], result)
    return ok, detail


@pytest.mark.parametrize(
    ("c", "ok"),
    [
        ({"type": "u_curve", "where": SGD, "factor": 50}, True),
        ({"type": "u_curve", "where": SGD, "factor": 1000}, False),  # 5.5 / 0.012 ≈ 460
        ({"type": "u_curve", "where": ADAM}, False),  # adam's best is at the last rate
        ({"type": "u_curve"}, True),  # pooled: the median of 6 cells per rate
        ({"type": "best_between", "where": SGD, "low": 0.005, "high": 0.05}, True),
        ({"type": "best_between", "where": SGD, "low": 0.05, "high": 1}, False),
        ({"type": "diverges_above", "where": SGD, "value": 0.1}, True),
        ({"type": "diverges_above", "where": SGD, "value": 1.0}, False),  # 0.1 diverges too
        ({"type": "diverges_above", "where": SGD, "value": 1.0, "only": False}, True),
        ({"type": "diverges_above", "where": SGD, "value": 0.01}, False),
        ({"type": "diverges_above", "where": ADAM, "value": 1.0}, False),
        ({"type": "wider_good_range", "better": "adam", "than": "sgd", "within": 3}, True),
        ({"type": "wider_good_range", "better": "sgd", "than": "adam", "within": 3}, False),
        (
            {"type": "wider_good_range", "better": "adam", "than": "sgd", "within": 3, "factor": 4},
            False,  # 3 rates against 1
        ),
        ({"type": "wider_good_range", "better": "adam", "than": "sgd", "within": 1.01}, False),
    ],
)
def test_sweep_checks(c, ok):
    got, detail = check(c, DOC)
    assert got is ok, detail


def test_the_curve_is_the_median_over_seeds_with_diverged_cells_as_inf():
    doc = sweep_doc({"gd": [[1.0, 2.0, INF], [3.0, INF, INF], [1, 1, 1], [0, 0, 0], [9, 9, 9]]})
    xs, med, _ = sweeps.curve(doc, LR, {NAME: "gd"})
    assert list(xs) == RATES and list(med) == [2.0, INF, 1.0, 0.0, 9.0]
    assert sweeps.good_range(xs, med, 2.0)[:2] == (1, 0.0)


def test_a_sweep_that_is_not_done_fails_every_check():
    doc = sweep_doc({"sgd": U, "adam": FLAT}, status="cancelled")
    for c in (
        {"type": "u_curve", "where": SGD},
        {"type": "wider_good_range", "better": "adam", "than": "sgd"},
        {"type": "diverges_above", "where": SGD, "value": 0.1},
        {"type": "best_between", "where": SGD, "low": 0, "high": 1},
    ):
        ok, detail = check(c, doc)
        assert not ok and "cancelled" in detail


@pytest.mark.parametrize(
    ("c", "message"),
    [
        ({"type": "u_curve", "x": "steps"}, "not an axis"),
        ({"type": "u_curve", "where": {"noise.sigma": 1}}, "not an axis"),
        ({"type": "u_curve", "where": {NAME: "rmsprop"}}, "no cell"),
        ({"type": "wider_good_range", "better": "adam"}, "needs"),
        ({"type": "suggested_lr_between", "low": 0, "high": 1}, "checks a lr_range result"),
    ],
)
def test_malformed_sweep_checks_are_errors(c, message):
    with pytest.raises(ValueError, match=message):
        claims.check_claim([c], DOC)


def test_an_accuracy_sweep_is_not_read_as_a_loss():
    with pytest.raises(ValueError, match="not a loss"):
        claims.check_claim([{"type": "u_curve"}], {**DOC, "metric": "final_val_acc"})


# --------------------------------------------------------------------------- range test


def range_doc(suggested: float | None, stopped: str = "diverged") -> dict:
    lrs = list(np.geomspace(1e-5, 1.0, 50))
    losses = list(np.linspace(0.7, 0.3, 50))
    return {
        "lrs": lrs,
        "losses": losses,
        "smoothed": losses,
        "suggested_lr": suggested,
        "min_loss_lr": lrs[-1],
        "iterations": 50,
        "stopped": stopped,
        "optimizer": "sgd",
        "base": {},
    }


def test_range_test_checks():
    doc = range_doc(0.1)
    assert check({"type": "suggested_lr_between", "low": 0.01, "high": 0.5}, doc)[0]
    assert not check({"type": "suggested_lr_between", "low": 0.2, "high": 0.5}, doc)[0]
    assert not check({"type": "suggested_lr_between", "low": 0, "high": 9}, range_doc(None))[0]
    assert check({"type": "range_test_stops", "how": "diverged"}, doc)[0]
    assert not check({"type": "range_test_stops", "how": "end"}, doc)[0]
    with pytest.raises(ValueError, match="checks a sweep result"):
        claims.check_claim([{"type": "u_curve"}], doc)


def test_the_range_test_turns_up_only_past_its_lowest_point():
    falling = range_doc(0.01)  # the loss falls to the end: no climb
    assert not check({"type": "range_test_turns_up", "factor": 1.5}, falling)[0]
    smoothed = list(np.concatenate([np.linspace(1.0, 0.4, 40), np.linspace(0.4, 1.0, 10)]))
    u = {**falling, "smoothed": smoothed}
    assert check({"type": "range_test_turns_up", "factor": 2}, u)[0]  # 0.4 → 1.0
    assert not check({"type": "range_test_turns_up", "factor": 3}, u)[0]
    assert check(
        {"type": "range_test_turns_up", "factor": 3}, {**u, "smoothed": [*smoothed[:-1], None]}
    )[0]
    late = {**u, "suggested_lr": u["lrs"][45]}  # the lowest point is before the suggestion
    assert not check({"type": "range_test_turns_up", "factor": 2}, late)[0]


@pytest.fixture(scope="module")
def moons():
    data = datasets.make("moons", rng=np.random.default_rng(0), n_samples=200, noise=0.2)
    config = {
        "data": data,
        "model": {"hidden": [8], "activation": "tanh", "init": "xavier_normal"},
        "loss": "cross_entropy",
        "optimizers": [{"name": "sgd", "params": {"lr": 0.01}}],
        "batch_size": 20,
        "epochs": 10,
        "grid_every": 0,
    }
    return {"data": data, "config": config, "seed": 0}


def test_the_suggested_rate_trains_best_only_when_it_does(moons):
    """This net's final training losses after 10 epochs: 0.49 at 1e-3, 0.42 at 1e-2, 0.33 at
    0.1, 0.31 at 1, 0.89 at 10."""
    c = {"type": "suggested_lr_trains_best", "factor": 10}
    ((_, ok, detail),) = claims.check_claim([c], range_doc(1.0), moons)
    assert ok, detail
    ((_, ok, detail),) = claims.check_claim([c], range_doc(1e-3), moons)
    assert not ok, detail  # 1e-2 trains faster
    ((_, ok, detail),) = claims.check_claim([c], range_doc(None), moons)
    assert not ok and "no rate" in detail
    with pytest.raises(ValueError, match="needs the run's context"):
        claims.check_claim([c], range_doc(1.0))

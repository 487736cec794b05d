"""Each surface's suggested learning rates work there, and an unbounded fall is a divergence."""

from __future__ import annotations

import numpy as np
import pytest

import engine.surface_catalog  # noqa: F401  (fills the registry)
from engine import registry, simulate, surfaces
from engine.simulate.tracker import value_floor

NAMES = registry.names("surface")
STEPS = 300  # the dashboard's default budget
FAMILIES = {name: (name, {}) for name in registry.names("optimizer")} | {
    "momentum": ("sgd", {"momentum": 0.9})
}
UNBOUNDED = {n for n in NAMES if "unbounded" in registry.get("surface", n).info["tags"]}


def test_every_surface_suggests_a_rate_for_every_optimizer_within_its_bounds():
    for name in NAMES:
        rates = registry.get("surface", name).info["suggested_lr"]
        assert set(rates) == set(FAMILIES), name
        for family, lr in rates.items():
            spec = registry.get("optimizer", FAMILIES[family][0]).param("lr")
            assert spec.low <= lr <= spec.high, (name, family, lr)
        assert rates["gd"] == rates["sgd"]


@pytest.mark.parametrize("name", NAMES)
def test_each_suggestion_does_not_diverge_from_the_default_start(name):
    s = surfaces.get(name)
    rates = registry.get("surface", name).info["suggested_lr"]
    families = sorted(rates)
    configs = [
        {"name": FAMILIES[f][0], "params": {"lr": rates[f], **FAMILIES[f][1]}} for f in families
    ]
    start = s.starts[0]
    r = simulate.run(s, configs, [start], STEPS)
    f0 = float(s.value(np.array(start)))
    (x0, x1), (y0, y1) = s.domain
    for family, lane in zip(families, r.summary, strict=True):
        if family == "rprop" and name in UNBOUNDED:  # its steps grow 1.2× a step at any rate:
            assert lane["unbounded"] is True  # it runs off, and the race says so
            continue
        assert lane["diverged_at"] is None, (name, family, lane["reason"])
        if name in UNBOUNDED:  # the escape shows, inside the drawn domain
            x, y = lane["final_xy"]
            assert x0 <= x <= x1 and y0 <= y <= y1, (name, family, lane["final_xy"])
        elif family != "newton":  # Newton goes to the nearest critical point, even uphill
            assert lane["final_loss"] < f0, (name, family, lane["final_loss"], f0)


def test_on_rosenbrock_the_suggestions_fix_the_step_5_divergence():
    s = surfaces.get("rosenbrock")
    old = [
        {"name": "sgd", "params": {"lr": 0.005}},
        {"name": "sgd", "params": {"lr": 0.005, "momentum": 0.9}},
    ]
    r = simulate.run(s, old, [s.starts[0]], STEPS)
    assert all(lane["diverged_at"] is not None for lane in r.summary)
    rates = registry.get("surface", "rosenbrock").info["suggested_lr"]
    new = [
        {"name": "sgd", "params": {"lr": rates["sgd"]}},
        {"name": "sgd", "params": {"lr": rates["momentum"], "momentum": 0.9}},
    ]
    r = simulate.run(s, new, [s.starts[0]], STEPS)
    assert all(lane["diverged_at"] is None for lane in r.summary)


@pytest.mark.parametrize(
    ("name", "start"), [("saddle", (-1.5, 0.001)), ("monkey_saddle", (1.0, 0.001))]
)
def test_an_unbounded_fall_is_a_divergence_with_its_step(name, start):
    s = surfaces.get(name)
    cfg = [{"name": "sgd", "params": {"lr": 0.005, "momentum": 0.9}}]
    r = simulate.run(s, cfg, [start], STEPS)
    lane = r.summary[0]
    k = lane["diverged_at"]
    assert k is not None and lane["unbounded"] is True
    assert "unbounded below" in lane["reason"]
    assert r.diverged[0]["step"] == k and r.diverged[0]["unbounded"] is True
    loss = r.arrays["loss"][:, 0]
    assert np.all(np.isnan(loss[k:])) and np.all(np.isfinite(loss[:k]))
    floor = value_floor(s)
    assert loss[k - 1] >= floor > -1e4  # stopped at the floor, not at f = −1e10
    # the old rule (non-finite or |x| > 1e6) would have let it fall to about −1e10 and more
    assert np.max(np.abs(r.arrays["xy"][k - 1, 0])) < simulate.BOUND


def test_a_formula_that_falls_without_end_is_diverged_too():
    s = surfaces.from_formula("-(x**2 + y**2)")
    r = simulate.run(s, [{"name": "gd", "params": {"lr": 0.1}}], [[0.5, 0.5]], STEPS)
    assert r.summary[0]["unbounded"] is True and r.summary[0]["diverged_at"] is not None


@pytest.mark.parametrize("name", sorted(set(NAMES) - UNBOUNDED))
def test_bounded_surfaces_never_fall_without_end(name):
    s = surfaces.get(name)
    rates = registry.get("surface", name).info["suggested_lr"]
    configs = [
        {"name": "sgd", "params": {"lr": 10 * rates["sgd"]}},  # large rates: wild, or nan
        {"name": "adam", "params": {"lr": 10 * rates["adam"]}},
        {"name": "rmsprop", "params": {"lr": rates["rmsprop"]}},
    ]
    r = simulate.run(s, configs, s.starts, STEPS)
    assert not any(lane["unbounded"] for lane in r.summary)

"""Basin-of-attraction maps: labels per start, agreement with single races, determinism."""

from __future__ import annotations

import numpy as np

from engine import basins, simulate, surfaces
from engine.noise import Noise

CONFIGS = [
    {"name": "gd", "params": {"lr": 0.01}},
    {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
    {"name": "adam", "params": {"lr": 0.05}},
]


def test_grid_covers_the_domain():
    s = surfaces.get("himmelblau")
    g = basins.grid(s, 5)
    assert g.shape == (25, 2)
    assert g.min(axis=0).tolist() == [-5.0, -5.0] and g.max(axis=0).tolist() == [5.0, 5.0]


def test_labels_agree_with_single_races():
    s = surfaces.get("himmelblau")
    starts = basins.grid(s, 7)
    m = basins.basins(s, CONFIGS, starts, 300, block=16)
    assert m.labels.shape == (3, 49)
    r = simulate.run(s, CONFIGS, starts, 300)
    final = r.arrays["xy"][-1].reshape(3, 49, 2)
    np.testing.assert_allclose(m.final_xy, final, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_each_of_himmelblaus_four_minima_has_a_basin():
    s = surfaces.get("himmelblau")
    m = basins.basins(s, CONFIGS[:1], basins.grid(s, 21), 400)
    assert set(np.unique(m.labels[0])) >= {0, 1, 2, 3}
    # a start sitting on a minimum is labelled with that minimum
    at = basins.basins(s, CONFIGS[:1], [[3.0, 2.0]], 10)
    assert (
        at.labels[0, 0]
        == [
            i
            for i, c in enumerate(m.minima)
            if c["xy"] == (3.0, 2.0) or tuple(c["xy"]) == (3.0, 2.0)
        ][0]
    )


def test_diverged_and_unconverged_starts_are_marked():
    s = surfaces.get("rosenbrock")
    m = basins.basins(
        s,
        [{"name": "gd", "params": {"lr": 0.01}}, {"name": "gd", "params": {"lr": 1e-6}}],
        [[-1.5, 2.0]],
        50,
    )
    assert m.labels[0, 0] == basins.DIVERGED
    assert m.labels[1, 0] == basins.NOT_CONVERGED


def test_same_seed_same_map():
    s = surfaces.get("six_hump_camel")
    starts = basins.grid(s, 9)
    kw = {"noise": Noise(0.2), "seed": 4}
    a = basins.basins(s, CONFIGS, starts, 100, block=10, **kw)
    b = basins.basins(s, CONFIGS, starts, 100, block=10, **kw)
    np.testing.assert_array_equal(a.final_xy, b.final_xy)
    c = basins.basins(s, CONFIGS, starts, 100, block=10, noise=Noise(0.2), seed=5)
    assert not np.array_equal(a.final_xy, c.final_xy)


def test_second_order_rules_and_cycled_momentum_agree_with_single_races():
    """Newton's methods get the surface, and one_cycle its momentum cycling, as in a race."""
    s = surfaces.get("himmelblau")
    configs = [
        {"name": "newton", "params": {"damping": 0.5}},
        {"name": "saddle_free_newton"},
        {"name": "adafactor", "params": {"lr": 0.05}},
        {"name": "sgd", "params": {"lr": 0.005}, "schedule": {"name": "one_cycle", "params": {}}},
    ]
    starts = basins.grid(s, 5)
    m = basins.basins(s, configs, starts, 60, block=8)
    final = simulate.run(s, configs, starts, 60).arrays["xy"][-1].reshape(4, 25, 2)
    np.testing.assert_allclose(m.final_xy, final, rtol=1e-12, atol=1e-12, equal_nan=True)

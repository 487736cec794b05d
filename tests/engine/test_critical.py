"""Numerical critical points, log-scale and start suggestions on hand-built surfaces."""

from __future__ import annotations

import time

import numpy as np
import pytest

import engine.surface_catalog  # noqa: F401  (fills the registry)
from engine import critical, surfaces
from engine.surfaces import Surface

SQUARE = ((-2.0, 2.0), (-2.0, 2.0))


def _make(value, grad, hess, domain=SQUARE) -> Surface:
    return Surface(name="test", value_fn=value, grad_fn=grad, hess_fn=hess, domain=domain)


def _zeros(x):
    return np.zeros_like(x)


SADDLE = _make(
    lambda x, y: x * x - y * y,
    lambda x, y: (2 * x, -2 * y),
    lambda x, y: (_zeros(x) + 2, _zeros(x), _zeros(x) - 2),
)
DOUBLE_WELL = _make(
    lambda x, y: (x * x - 1) ** 2 + y * y,
    lambda x, y: (4 * x * (x * x - 1), 2 * y),
    lambda x, y: (12 * x * x - 4, _zeros(x), _zeros(x) + 2),
)
MONKEY = _make(
    lambda x, y: x**3 - 3 * x * y * y,
    lambda x, y: (3 * x * x - 3 * y * y, -6 * x * y),
    lambda x, y: (6 * x, -6 * y, -6 * x),
)
QUARTIC = _make(
    lambda x, y: x**4 + y**4,
    lambda x, y: (4 * x**3, 4 * y**3),
    lambda x, y: (12 * x * x, _zeros(x), 12 * y * y),
)
PLANE = _make(
    lambda x, y: x + 2 * y,
    lambda x, y: (_zeros(x) + 1, _zeros(x) + 2),
    lambda x, y: (_zeros(x), _zeros(x), _zeros(x)),
)


def _xy(points):
    return [tuple(np.round(p["xy"], 9)) for p in points]


def test_saddle_has_one_saddle():
    points = critical.find_critical_points(SADDLE)
    assert _xy(points) == [(0.0, 0.0)]
    assert points[0]["kind"] == "saddle" and points[0]["value"] == 0.0
    assert "degenerate" not in points[0]


def test_double_well_two_minima_then_the_saddle():
    points = critical.find_critical_points(DOUBLE_WELL)
    assert [p["kind"] for p in points] == ["min", "min", "saddle"]
    assert _xy(points) == [(-1.0, 0.0), (1.0, 0.0), (0.0, 0.0)]
    assert [p["value"] for p in points] == pytest.approx([0.0, 0.0, 1.0], abs=1e-15)


def test_monkey_saddle_is_a_degenerate_saddle():
    points = critical.find_critical_points(MONKEY)
    assert len(points) == 1
    assert points[0]["kind"] == "saddle" and points[0]["degenerate"] is True
    np.testing.assert_allclose(points[0]["xy"], (0.0, 0.0), atol=1e-8)


def test_degenerate_minimum_is_classified_by_its_neighbourhood():
    points = critical.find_critical_points(QUARTIC)
    assert len(points) == 1
    assert points[0]["kind"] == "min" and points[0]["degenerate"] is True
    np.testing.assert_allclose(points[0]["xy"], (0.0, 0.0), atol=1e-6)


def test_no_critical_point_on_a_plane():
    assert critical.find_critical_points(PLANE) == []


def test_undefined_regions_are_skipped():
    """NaN values, gradients and Hessians for x < 0 (as with log(x)): no crash, no NaN out."""

    def nan_left(x, v):
        return np.where(x > 0, v, np.nan)

    s = _make(
        lambda x, y: nan_left(x, (x - 1) ** 2 + y * y),
        lambda x, y: (nan_left(x, 2 * (x - 1)), nan_left(x, 2 * y)),
        lambda x, y: (
            nan_left(x, _zeros(x) + 2),
            nan_left(x, _zeros(x)),
            nan_left(x, _zeros(x) + 2),
        ),
    )
    points = critical.find_critical_points(s)
    assert _xy(points) == [(1.0, 0.0)]
    assert points[0]["kind"] == "min" and points[0]["value"] == 0.0


def test_suggest_starts_avoid_undefined_regions():
    s = _make(
        lambda x, y: np.where(x > 0, x * x + y * y, np.nan),
        lambda x, y: (np.where(x > 0, 2 * x, np.nan), 2 * y),
        lambda x, y: (_zeros(x) + 2, _zeros(x), _zeros(x) + 2),
    )
    starts = critical.suggest_starts(s, [])
    assert starts and all(x > 0 for x, _ in starts)
    nowhere = _make(lambda x, y: _zeros(x) + np.nan, PLANE.grad_fn, PLANE.hess_fn)
    assert critical.suggest_starts(nowhere, []) == ((0.0, 0.0),)


def test_points_outside_the_domain_are_dropped():
    s = _make(DOUBLE_WELL.value_fn, DOUBLE_WELL.grad_fn, DOUBLE_WELL.hess_fn, ((0.5, 2.0), (-1, 1)))
    assert _xy(critical.find_critical_points(s)) == [(1.0, 0.0)]


def test_a_line_of_minima_is_capped_and_does_not_crash():
    s = _make(
        lambda x, y: x * x,
        lambda x, y: (2 * x, _zeros(x)),
        lambda x, y: (_zeros(x) + 2, _zeros(x), _zeros(x)),
    )
    points = critical.find_critical_points(s)
    assert 1 <= len(points) <= critical.MAX_POINTS
    assert all(abs(p["xy"][0]) < 1e-9 and p["kind"] == "min" for p in points)


def test_egg_crate_is_capped_and_starts_with_the_global_minimum():
    points = critical.find_critical_points(surfaces.get("rastrigin"))
    assert len(points) == critical.MAX_POINTS
    assert points[0]["xy"] == (0.0, 0.0) and points[0]["kind"] == "min"
    values = [p["value"] for p in points if p["kind"] == "min"]
    assert values == sorted(values)


def test_sorted_minima_saddles_maxima():
    points = critical.find_critical_points(surfaces.get("himmelblau"))
    kinds = [p["kind"] for p in points]
    assert kinds == ["min"] * 4 + ["saddle"] * 4 + ["max"]
    saddle_values = [p["value"] for p in points if p["kind"] == "saddle"]
    assert saddle_values == sorted(saddle_values)


def test_fast_enough_for_request_time():
    s = surfaces.get("six_hump_camel")
    critical.find_critical_points(s)  # warm-up
    t = time.perf_counter()
    critical.find_critical_points(s)
    assert time.perf_counter() - t < 1.0


def test_suggest_log_scale():
    assert critical.suggest_log_scale(surfaces.get("rosenbrock")) is True
    assert critical.suggest_log_scale(surfaces.get("goldstein_price")) is True
    assert critical.suggest_log_scale(DOUBLE_WELL) is False
    assert critical.suggest_log_scale(SADDLE) is False
    flat = _make(lambda x, y: _zeros(x) + 3.0, PLANE.hess_fn, PLANE.hess_fn)
    assert critical.suggest_log_scale(flat) is False
    undefined = _make(lambda x, y: _zeros(x) + np.nan, PLANE.hess_fn, PLANE.hess_fn)
    assert critical.suggest_log_scale(undefined) is False


@pytest.mark.parametrize(
    "surface", [SADDLE, DOUBLE_WELL, MONKEY, PLANE], ids=["saddle", "well", "monkey", "plane"]
)
def test_suggest_starts_inside_the_domain_and_deterministic(surface):
    points = critical.find_critical_points(surface)
    kept = [dict(p) for p in points]
    starts = critical.suggest_starts(surface, points)
    assert 1 <= len(starts) <= 3
    assert starts == critical.suggest_starts(surface, points)
    assert points == kept
    (x0, x1), (y0, y1) = surface.domain
    for x, y in starts:
        assert isinstance(x, float) and isinstance(y, float)
        assert x0 <= x <= x1 and y0 <= y <= y1


def test_suggest_starts_leaves_from_near_the_saddle():
    starts = critical.suggest_starts(DOUBLE_WELL, critical.find_critical_points(DOUBLE_WELL))
    x, y = starts[0]
    assert 0 < np.hypot(x, y) < 0.3
    minima = [(-1.0, 0.0), (1.0, 0.0)]
    assert all(np.hypot(x - a, y - b) > 0.5 for x, y in starts for a, b in minima)


def test_formula_style_surface_round_trip():
    """What surfaces.from_formula does with these helpers, on a hand-built surface."""
    s = DOUBLE_WELL
    points = critical.find_critical_points(s)
    built = Surface(
        name="formula",
        value_fn=s.value_fn,
        grad_fn=s.grad_fn,
        hess_fn=s.hess_fn,
        domain=s.domain,
        critical_points=tuple(points),
        log_scale=critical.suggest_log_scale(s),
        starts=critical.suggest_starts(s, points),
        critical_points_complete=False,
    )
    assert [m["xy"] for m in built.minima()] == [(-1.0, 0.0), (1.0, 0.0)]
    assert all(isinstance(v, float) for c in built.critical_points for v in (*c["xy"], c["value"]))

"""The surface catalogue: derivatives against finite differences, critical points, registry data."""

from __future__ import annotations

import json

import numpy as np
import pytest

import engine.surface_catalog  # noqa: F401  (fills the registry)
from engine import critical, registry, surfaces

NAMES = registry.names("surface")
TAGS = {"valley", "saddle", "local_minima", "plateau", "rugged", "convex", "unbounded"}

# surfaces.md, point by point: (name, x, y, kind, value, tolerance on the value).
# Four of its values do not match f at its own coordinates; the corrected values are used
# and the quoted ones noted.
REFERENCE = [
    ("rosenbrock", 1, 1, "min", 0, 1e-12),
    ("beale", 3, 0.5, "min", 0, 1e-12),
    ("beale", 0, 1, "saddle", 14.203125, 1e-12),
    ("beale", 0.100538, -2.644514, "saddle", 9.865, 1e-3),
    ("himmelblau", 3, 2, "min", 0, 1e-12),
    ("himmelblau", -2.805118, 3.131312, "min", 0, 1e-12),
    ("himmelblau", -3.779310, -3.283186, "min", 0, 1e-12),
    ("himmelblau", 3.584428, -1.848126, "min", 0, 1e-12),
    ("himmelblau", -0.270845, -0.923039, "max", 181.617, 1e-3),
    ("himmelblau", 3.385154, 0.073852, "saddle", 13.312, 1e-3),
    ("himmelblau", 0.086678, 2.884255, "saddle", 67.719, 1e-3),
    ("himmelblau", -3.073026, -0.081353, "saddle", 104.0152, 1e-4),  # md: 104.023
    ("himmelblau", -0.127961, -1.953715, "saddle", 178.337, 1e-3),
    ("booth", 1, 3, "min", 0, 1e-12),
    ("matyas", 0, 0, "min", 0, 1e-12),
    ("goldstein_price", 0, -1, "min", 3, 1e-9),
    ("goldstein_price", -0.6, -0.4, "min", 30, 1e-9),
    ("goldstein_price", 1.8, 0.2, "min", 84, 1e-9),
    ("goldstein_price", 1.2, 0.8, "min", 840, 1e-9),
    ("goldstein_price", -0.4, -0.6, "saddle", 35, 1e-9),
    ("goldstein_price", 1.2, -0.2, "saddle", 99, 1e-9),
    ("goldstein_price", 1.4, 0.6, "saddle", 980, 1e-9),
    ("goldstein_price", 0.6, 0.4, "saddle", 990, 1e-9),
    ("goldstein_price", 0.8, 0.2, "max", 1155, 1e-9),
    ("six_hump_camel", 0.089842, -0.712656, "min", -1.031628, 1e-6),
    ("six_hump_camel", -0.089842, 0.712656, "min", -1.031628, 1e-6),
    ("six_hump_camel", 1.703607, -0.796084, "min", -0.215464, 1e-6),
    ("six_hump_camel", 1.607105, 0.568651, "min", 2.104250, 1e-6),
    ("six_hump_camel", 0, 0, "saddle", 0, 1e-12),
    ("six_hump_camel", 1.109205, -0.768268, "saddle", 0.543718, 1e-6),
    ("six_hump_camel", 1.638068, 0.228674, "saddle", 2.229357, 1e-6),  # md: 2.229448
    ("six_hump_camel", 1.296070, 0.605084, "saddle", 2.229471, 1e-6),  # md: 2.229548
    ("six_hump_camel", 1.230230, 0.162335, "max", 2.496295, 1e-6),  # md: 2.496321
    ("three_hump_camel", 0, 0, "min", 0, 1e-12),
    ("three_hump_camel", 1.747552, -0.873776, "min", 0.298638, 1e-6),
    ("three_hump_camel", -1.070542, 0.535271, "saddle", 0.877361, 1e-6),
    ("styblinski_tang", -2.903534, -2.903534, "min", -78.332331, 1e-6),
    ("styblinski_tang", 2.746803, -2.903534, "min", -64.195612, 1e-6),
    ("styblinski_tang", 2.746803, 2.746803, "min", -50.058893, 1e-6),
    ("styblinski_tang", 0.156731, -2.903534, "saddle", None, None),
    ("styblinski_tang", 0.156731, 0.156731, "max", 0.391, 1e-3),
    ("rastrigin", 0, 0, "min", 0, 1e-12),
    ("rastrigin", 0.994959, 0, "min", None, None),
    ("ackley", 0, 0, "min", 0, 1e-12),
    ("easom", np.pi, np.pi, "min", -1, 1e-12),
    ("levi13", 1, 1, "min", 0, 1e-12),
    ("mccormick", -0.547198, -1.547198, "min", -1.913223, 1e-6),
    ("mccormick", 2.594395, 1.594395, "min", 1.228370, 1e-6),
    ("mccormick", 1.547198, 0.547198, "saddle", 1.913223, 1e-6),
    ("saddle", 0, 0, "saddle", 0, 1e-12),
    ("monkey_saddle", 0, 0, "saddle", 0, 1e-12),
    ("ill_conditioned", 0, 0, "min", 0, 1e-12),
    ("double_well", 1, 0, "min", 0, 1e-12),
    ("double_well", -1, 0, "min", 0, 1e-12),
    ("double_well", 0, 0, "saddle", 1, 1e-12),
    ("saddle_two_minima", 0, 1, "min", -0.25, 1e-12),
    ("saddle_two_minima", 0, -1, "min", -0.25, 1e-12),
    ("saddle_two_minima", 0, 0, "saddle", 0, 1e-12),
    ("distill_banana", 1, 1 / 3, "min", 0, 1e-12),
]

# Counts of critical points in the domain (complete surfaces): from surfaces.md.
COUNTS = {
    "himmelblau": 9,
    "goldstein_price": 9,
    "six_hump_camel": 15,
    "three_hump_camel": 5,
    "styblinski_tang": 9,
    "mccormick": 3,
    "tilted_double_well": 3,
}


def _points(surface: surfaces.Surface, rng: np.random.Generator, k: int = 50) -> np.ndarray:
    (x0, x1), (y0, y1) = surface.domain
    return np.stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)], axis=-1)


def _fd(fn, p: np.ndarray, h: float) -> np.ndarray:
    """Five-point central differences of fn along x and y, stacked on a new last axis."""
    out = []
    for axis in range(2):
        e = np.zeros(2)
        e[axis] = h
        d = -fn(p + 2 * e) + 8 * fn(p + e) - 8 * fn(p - e) + fn(p - 2 * e)
        out.append(d / (12 * h))
    return np.stack(out, axis=-1)


def _grid(surface: surfaces.Surface, n: int = 101) -> np.ndarray:
    (x0, x1), (y0, y1) = surface.domain
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([gx, gy], axis=-1)


def _kind_from_hessian(h: np.ndarray) -> str:
    lo, hi = np.linalg.eigvalsh(h)
    return "min" if lo > 0 else "max" if hi < 0 else "saddle"


@pytest.mark.parametrize("order", ["gradient", "hessian"])
@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_finite_differences(name, order, rng):
    """The gradient against central differences of the value, the Hessian (symmetric)
    against central differences of the gradient: fd[..., i, j] = d grad_i / d x_j."""
    s = surfaces.get(name)
    p = _points(s, rng)
    h = 1e-4 * (s.domain[0][1] - s.domain[0][0])
    exact, of = (s.grad(p), s.value) if order == "gradient" else (s.hessian(p), s.grad)
    scale = 1.0 + np.abs(exact).max()
    np.testing.assert_allclose(exact, _fd(of, p, h), rtol=1e-6, atol=1e-7 * scale)
    if order == "hessian":
        np.testing.assert_array_equal(exact, np.swapaxes(exact, -1, -2))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(2,), (5, 2), (3, 4, 2)], ids=str)
def test_shapes(name, shape, rng):
    s = surfaces.get(name)
    (x0, x1), (y0, y1) = s.domain
    xy = np.stack([rng.uniform(x0, x1, shape[:-1]), rng.uniform(y0, y1, shape[:-1])], axis=-1)
    assert s.value(xy).shape == shape[:-1]
    assert s.grad(xy).shape == shape
    assert s.hessian(xy).shape == shape + (2,)


@pytest.mark.parametrize("name", NAMES)
def test_raw_functions_return_full_arrays(name, rng):
    """The hot loop calls value_fn/grad_fn/hess_fn directly: every output has x's shape."""
    s = surfaces.get(name)
    xy = _points(s, rng, 7)
    x, y = xy[:, 0].copy(), xy[:, 1].copy()
    outputs = [s.value_fn(x, y), *s.grad_fn(x, y), *s.hess_fn(x, y)]
    for out in outputs:
        assert isinstance(out, np.ndarray) and out.shape == x.shape and out.dtype == np.float64
        assert out is not x and out is not y


@pytest.mark.parametrize("name", NAMES)
def test_finite_on_a_fine_grid(name):
    s = surfaces.get(name)
    xy = _grid(s)
    assert np.isfinite(s.value(xy)).all()
    assert np.isfinite(s.grad(xy)).all()
    assert np.isfinite(s.hessian(xy)).all()


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_mutated(name, rng):
    s = surfaces.get(name)
    xy = _points(s, rng, 9)
    before = xy.copy()
    s.value(xy), s.grad(xy), s.hessian(xy)
    x, y = xy[:, 0], xy[:, 1]
    s.value_fn(x, y), s.grad_fn(x, y), s.hess_fn(x, y)
    np.testing.assert_array_equal(xy, before)


@pytest.mark.parametrize("name", NAMES)
def test_listed_critical_points(name):
    s = surfaces.get(name)
    assert s.critical_points, "every surface lists at least one critical point"
    (x0, x1), (y0, y1) = s.domain
    for c in s.critical_points:
        xy = np.array(c["xy"])
        assert x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1
        assert np.hypot(*s.grad(xy)) < 1e-9
        assert s.value(xy) == pytest.approx(c["value"], rel=1e-10, abs=1e-12)
        h = s.hessian(xy)
        if c.get("degenerate"):
            assert c["kind"] == "saddle"
            np.testing.assert_allclose(h, 0.0, atol=1e-12)
        else:
            assert _kind_from_hessian(h) == c["kind"]


@pytest.mark.parametrize("name", NAMES)
def test_the_global_minimum_comes_first(name):
    s = surfaces.get(name)
    minima = s.minima()
    if name in ("saddle", "monkey_saddle"):
        assert minima == []
        return
    assert minima and minima[0] is s.critical_points[0]
    assert minima[0]["value"] == min(c["value"] for c in s.critical_points)
    grid_min = s.value(_grid(s, 201)).min()
    assert minima[0]["value"] <= grid_min + 1e-12


@pytest.mark.parametrize(
    "name, x, y, kind, value, tol", REFERENCE, ids=[f"{r[0]}-{r[3]}-{r[1]:.2f}" for r in REFERENCE]
)
def test_reproduces_surfaces_md(name, x, y, kind, value, tol):
    s = surfaces.get(name)
    near = [c for c in s.critical_points if np.hypot(c["xy"][0] - x, c["xy"][1] - y) < 1e-6]
    assert len(near) == 1, f"no listed point at ({x}, {y})"
    assert near[0]["kind"] == kind
    if value is not None:
        assert near[0]["value"] == pytest.approx(value, abs=tol)


@pytest.mark.parametrize(
    "name", [n for n in NAMES if registry.get("surface", n).info["critical_points_complete"]]
)
def test_complete_lists_match_a_numerical_search(name):
    s = surfaces.get(name)
    found = critical.find_critical_points(s)
    size = np.hypot(*(np.diff(s.domain, axis=1).ravel()))

    def same(a, b):
        d = np.hypot(a["xy"][0] - b["xy"][0], a["xy"][1] - b["xy"][1])
        return d < 1e-7 * size and a["kind"] == b["kind"]

    for f in found:
        assert any(same(f, c) for c in s.critical_points), f"unlisted critical point {f}"
    for c in s.critical_points:
        assert any(same(c, f) for f in found), f"listed point not found {c}"
    if name in COUNTS:
        assert len(s.critical_points) == COUNTS[name]


def test_incomplete_lists_are_the_rugged_surfaces():
    incomplete = {n for n in NAMES if not surfaces.get(n).critical_points_complete}
    assert incomplete == {"rastrigin", "ackley", "levi13"}


def test_ill_conditioned_kappa():
    s = surfaces.get("ill_conditioned", kappa=100)
    xy = np.array([[0.3, -1.2], [2.0, 2.5]])
    np.testing.assert_array_equal(s.hessian(xy), np.broadcast_to(np.diag([1.0, 100.0]), (2, 2, 2)))
    np.testing.assert_allclose(s.grad(xy), xy * [1.0, 100.0])
    assert s.params == {"kappa": 100}
    assert "100" in s.formula
    assert surfaces.get("ill_conditioned").hessian(xy[0])[1, 1] == 10.0


@pytest.mark.parametrize("kappa", [0.5, 0.0, -3.0, 1001.0, float("nan"), float("inf"), "10", True])
def test_ill_conditioned_rejects_bad_kappa(kappa):
    with pytest.raises(ValueError, match="kappa"):
        surfaces.get("ill_conditioned", kappa=kappa)


def test_unknown_parameter_is_rejected():
    with pytest.raises(TypeError, match="kappa"):
        surfaces.get("ill_conditioned", kapa=3.0)
    with pytest.raises(TypeError):
        surfaces.get("rosenbrock", a=1.0)


def test_ackley_origin_has_zero_gradient_and_finite_hessian():
    s = surfaces.get("ackley")
    origin = np.zeros(2)
    assert s.value(origin) == 0.0
    np.testing.assert_array_equal(s.grad(origin), [0.0, 0.0])
    h = s.hessian(origin)
    assert np.isfinite(h).all() and (np.linalg.eigvalsh(h) > 0).all()
    tiny = np.array([[1e-300, 0.0], [0.0, -5e-13], [3e-20, 4e-20]])
    assert np.isfinite(s.grad(tiny)).all() and np.isfinite(s.hessian(tiny)).all()


@pytest.mark.parametrize("name", NAMES)
def test_finite_far_outside_the_domain(name):
    """A diverging lane is stopped past |x| = 1e6: up to there everything stays finite."""
    s = surfaces.get(name)
    far = np.array([[1e6, -1e6], [-1e6, 3e5], [0.0, 1e6], [1e6, 0.0]])
    assert np.isfinite(s.value(far)).all()
    assert np.isfinite(s.grad(far)).all()
    assert np.isfinite(s.hessian(far)).all()


@pytest.mark.parametrize("name", NAMES)
def test_registry_entry(name):
    entry = registry.get("surface", name)
    s = surfaces.get(name)
    info = entry.info
    json.dumps(entry.as_dict(), allow_nan=False)
    json.dumps(s.info(), allow_nan=False)
    assert entry.label_en and entry.help_en
    for text in (entry.label_ko, entry.help_ko):
        assert any("\uac00" <= ch <= "\ud7a3" for ch in text), "Korean text expected"
    assert info["formula"] == s.formula or name == "ill_conditioned"
    assert info["domain"] == [list(s.domain[0]), list(s.domain[1])]
    assert info["log_scale"] is s.log_scale
    assert info["critical_points"] == s.info()["critical_points"]
    assert info["critical_points_complete"] is s.critical_points_complete
    assert info["starts"] == [list(p) for p in s.starts]
    assert info["tags"] and set(info["tags"]) <= TAGS
    for c in info["critical_points"]:
        assert set(c) <= {"xy", "kind", "value", "degenerate"}
        assert c["kind"] in ("min", "saddle", "max")


@pytest.mark.parametrize("name", NAMES)
def test_starts_are_inside_the_domain_and_not_at_a_minimum(name):
    s = surfaces.get(name)
    (x0, x1), (y0, y1) = s.domain
    assert 2 <= len(s.starts) <= 4
    for x, y in s.starts:
        assert x0 <= x <= x1 and y0 <= y <= y1
        for c in s.minima():
            assert np.hypot(x - c["xy"][0], y - c["xy"][1]) > 1e-3


def test_log_scale_where_values_span_decades():
    log = {n for n in NAMES if surfaces.get(n).log_scale}
    assert {"rosenbrock", "beale", "goldstein_price", "distill_banana"} <= log
    assert not log & {"saddle", "monkey_saddle", "rastrigin", "ackley", "easom", "double_well"}


def test_build_returns_fresh_critical_point_dicts():
    a = surfaces.get("himmelblau")
    a.critical_points[0]["value"] = 123.0
    assert surfaces.get("himmelblau").critical_points[0]["value"] == 0.0


def test_tilted_double_well_lesson():
    """Plain GD stays in the shallow local minimum; heavy-ball momentum rolls through."""
    s = surfaces.get("tilted_double_well")
    start = np.array(s.starts[0])
    gd, ball, buf = start.copy(), start.copy(), np.zeros(2)
    for _ in range(600):
        gd = gd - 0.01 * s.grad(gd)
        buf = 0.9 * buf + s.grad(ball)
        ball = ball - 0.01 * buf
    local, best = s.critical_points[1], s.critical_points[0]
    assert local["kind"] == best["kind"] == "min" and local["value"] > best["value"]
    np.testing.assert_allclose(gd, local["xy"], atol=1e-3)
    np.testing.assert_allclose(ball, best["xy"], atol=1e-3)

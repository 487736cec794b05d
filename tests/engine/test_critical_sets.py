"""Every critical point of every surface, nearest-point queries, and the race summaries'
verdicts (nearest critical point, nearest minimum, converged) for end points anywhere."""

from __future__ import annotations

import numpy as np
import pytest

from engine import critical, registry, simulate, surface_catalog, surfaces

NAMES = registry.names("surface")
KIND_CODE = {"min": 0, "saddle": 1, "max": 2}


def _size(s) -> float:
    return float(np.hypot(*np.diff(np.asarray(s.domain), axis=1).ravel()))


def _kind(h: np.ndarray) -> str:
    lo, hi = np.linalg.eigvalsh(h)
    return "min" if lo > 0 else "max" if hi < 0 else "saddle"


def _newton(s, p: np.ndarray, iters: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The test's own damped Newton on the analytic gradient and Hessian: (points, converged)."""
    p = np.array(p, dtype=np.float64)
    step_cap = 0.02 * _size(s)
    with np.errstate(all="ignore"):
        for _ in range(iters):
            g, h = s.grad(p), s.hessian(p)
            step = np.linalg.solve(h, -g[..., None])[..., 0]
            step[~np.isfinite(step).all(axis=-1)] = 0.0
            n = np.linalg.norm(step, axis=-1, keepdims=True)
            p = p + step * np.minimum(1.0, step_cap / np.maximum(n, 1e-300))
        g = np.linalg.norm(s.grad(p), axis=-1)
    (x0, x1), (y0, y1) = s.domain
    inside = (p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)
    return p, inside & (g <= 1e-9 * (1.0 + surface_catalog.critical_set(s).gscale))


def _brute(points: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.linalg.norm(q[:, None, :] - points[None], axis=-1)
    return np.argmin(d, axis=1), np.min(d, axis=1)


@pytest.mark.parametrize("name", NAMES)
def test_every_point_of_the_set_is_a_classified_critical_point_in_the_domain(name):
    s = surfaces.get(name)
    cs = surface_catalog.critical_set(s)
    assert cs.complete and len(cs) >= len(s.critical_points)
    (x0, x1), (y0, y1) = s.domain
    assert np.all((cs.xy[:, 0] >= x0) & (cs.xy[:, 0] <= x1))
    assert np.all((cs.xy[:, 1] >= y0) & (cs.xy[:, 1] <= y1))
    g = np.linalg.norm(s.grad(cs.xy), axis=-1)
    assert np.all(g <= 1e-7 * (1.0 + cs.gscale)), g.max()
    np.testing.assert_allclose(cs.value, s.value(cs.xy), rtol=1e-9, atol=1e-12)
    for i in range(len(cs)):
        if not cs.degenerate[i]:
            assert KIND_CODE[_kind(s.hessian(cs.xy[i]))] == cs.kind[i], cs.point(i)
    # every listed point is in the set, at its listed index
    for j, c in enumerate(s.critical_points):
        i = int(np.flatnonzero(cs.listed == j)[0])
        assert cs.point(i)["kind"] == c["kind"]
        np.testing.assert_allclose(cs.xy[i], c["xy"], atol=1e-9 * _size(s))


def test_the_rugged_surfaces_have_hundreds_of_points():
    counts = {n: surface_catalog.critical_set(surfaces.get(n)).counts() for n in NAMES}
    assert counts["rastrigin"] == {"min": 121, "saddle": 220, "max": 100}
    assert counts["ackley"] == {"min": 121, "saddle": 220, "max": 100}
    assert counts["levi13"] == {"min": 1179, "saddle": 1826, "max": 648}
    assert counts["styblinski_tang"] == {"min": 4, "saddle": 4, "max": 1}
    assert counts["easom"] == {"min": 5, "saddle": 4, "max": 4}


@pytest.mark.parametrize("name", NAMES)
def test_a_search_twice_as_fine_finds_no_other_point(name):
    s = surfaces.get(name)
    cs = surface_catalog.critical_set(s)
    (x0, x1), (y0, y1) = s.domain
    if name == "levi13":  # no root outside x ∈ (−3.72, 5.72) (see the catalogue)
        found = critical.search_set(s, 1.0 / 24.0, region=((-3.75, 5.75), (y0, y1)))
    else:
        found = critical.search_set(s, min(x1 - x0, y1 - y0) / 160.0)
    assert found.counts() == cs.counts()
    j, d = cs.nearest(found.xy)
    assert np.all(d <= 1e-7 * _size(s))
    assert np.array_equal(cs.kind[j], found.kind)


@pytest.mark.parametrize("name", ["himmelblau", "rastrigin", "ackley", "levi13"])
@pytest.mark.parametrize("kind", [None, "min", "saddle", "max"])
def test_nearest_equals_brute_force_inside_outside_and_on_nan(name, kind):
    s = surfaces.get(name)
    cs = surface_catalog.critical_set(s)
    rng = np.random.default_rng(7)
    (x0, x1), (y0, y1) = s.domain
    w, h = x1 - x0, y1 - y0
    q = np.stack([rng.uniform(x0 - w, x1 + w, 3000), rng.uniform(y0 - h, y1 + h, 3000)], axis=-1)
    q = np.vstack([q, cs.xy[:50] + 1e-9, [[np.nan, 0.0], [1e7, -1e7]]])
    idx, d = cs.nearest(q, kind)
    sel = np.arange(len(cs)) if kind is None else np.flatnonzero(cs.kind == KIND_CODE[kind])
    if not len(sel):
        assert np.all(idx == -1)
        return
    finite = np.all(np.isfinite(q), axis=1)
    j, ref = _brute(cs.xy[sel], q[finite])
    np.testing.assert_allclose(d[finite], ref, rtol=1e-12, atol=1e-12)
    assert np.all(np.isnan(d[~finite])) and np.all(idx[~finite] == -1)
    # the index points at a point that far away (ties may pick either)
    np.testing.assert_allclose(np.linalg.norm(cs.xy[idx[finite]] - q[finite], axis=1), ref)


@pytest.mark.parametrize("name", ["ackley", "levi13"])
def test_the_follower_equals_brute_force_along_walks_with_jumps(name):
    s = surfaces.get(name)
    cs = surface_catalog.critical_set(s)
    mins = cs.xy[cs.kind == 0]
    rng = np.random.default_rng(3)
    (x0, x1), (y0, y1) = s.domain
    n = 16
    p = np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], axis=-1)
    follow = cs.follower("min", n)
    for k in range(400):
        p = p + rng.normal(0.0, 0.02 * (x1 - x0), p.shape)
        if k % 97 == 0:
            p[k % n] = [rng.uniform(x0 - 5, x1 + 5), rng.uniform(y0 - 5, y1 + 5)]  # a jump
        q = p.copy()
        q[(k * 5) % n] = np.nan  # a diverged lane
        d = follow.distance(q)
        finite = np.all(np.isfinite(q), axis=1)
        np.testing.assert_allclose(d[finite], _brute(mins, q[finite])[1], rtol=1e-12)
        assert np.all(np.isnan(d[~finite]))


def _verdict(s, xy) -> dict:
    """The summary of a race that starts (and stays) at xy."""
    r = simulate.run(s, [{"name": "gd", "params": {"lr": 1e-6}}], [xy], 2)
    return r.summary[0] | {"dist_min": r.arrays["dist_min"][:, 0]}


@pytest.mark.parametrize("name", NAMES)
def test_end_points_reached_by_newton_get_their_own_critical_point(name):
    s = surfaces.get(name)
    cs = surface_catalog.critical_set(s)
    (x0, x1), (y0, y1) = s.domain
    rng = np.random.default_rng(11)
    starts = np.stack([rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40)], axis=-1)
    ends, ok = _newton(s, starts)
    assert ok.sum() >= 5, "Newton reached too few critical points to test"
    size = _size(s)
    tol = 1e-3 * max(x1 - x0, y1 - y0)
    mins = cs.xy[cs.kind == 0]
    for q in ends[ok][:12]:
        kind = _kind(s.hessian(q))
        v = _verdict(s, q)
        near = v["nearest"]
        assert near["kind"] == kind
        assert near["xy"] == pytest.approx(q.tolist(), abs=1e-6 * size)
        assert near["distance"] < 1e-6 * size
        assert near["value"] == pytest.approx(float(s.value(q)), rel=1e-6, abs=1e-9)
        at_min = len(mins) and np.min(np.linalg.norm(mins - q, axis=1)) < tol
        assert (v["converged_at"] == 0) == bool(at_min), (q, kind)
        if kind == "min":
            assert v["nearest_min"]["xy"] == pytest.approx(q.tolist(), abs=1e-6 * size)
            assert v["dist_min"][-1] < 1e-6 * size


@pytest.mark.parametrize("name", NAMES)
def test_end_points_reached_by_gradient_descent_are_judged_right(name):
    s = surfaces.get(name)
    (x0, x1), (y0, y1) = s.domain
    rng = np.random.default_rng(5)
    starts = np.stack([rng.uniform(x0, x1, 12), rng.uniform(y0, y1, 12)], axis=-1)
    rates = registry.get("surface", name).info["suggested_lr"]
    configs = [
        {"name": "sgd", "params": {"lr": rates["sgd"]}},
        {"name": "sgd", "params": {"lr": rates["momentum"], "momentum": 0.9}},
        {"name": "adam", "params": {"lr": rates["adam"]}},
    ]
    r = simulate.run(s, configs, starts, 1500)
    gscale = surface_catalog.critical_set(s).gscale
    size = _size(s)
    checked = 0
    for lane in r.summary:
        end = np.array(lane["final_xy"])
        if lane["diverged_at"] is not None:
            continue
        if np.linalg.norm(s.grad(end)) > 1e-7 * (1.0 + gscale):
            continue  # still moving: no critical point reached
        q, ok = _newton(s, end[None])
        if not ok[0]:
            continue  # settled outside the domain
        checked += 1
        kind = _kind(s.hessian(q[0]))
        assert lane["nearest"]["kind"] == kind
        assert lane["nearest"]["xy"] == pytest.approx(q[0].tolist(), abs=1e-5 * size)
        if kind == "min":
            assert lane["nearest_min"]["distance"] < 1e-5 * size
            assert lane["converged_at"] is not None
    if name not in ("saddle", "monkey_saddle", "easom", "goldstein_price"):
        assert checked >= 3


def test_the_rastrigin_race_of_the_issue():
    """/?s=rastrigin&o=sgd:lr=0.002&o=adam:lr=0.1&start=2.3,-1.7&steps=500"""
    s = surfaces.get("rastrigin")
    configs = [{"name": "sgd", "params": {"lr": 0.002}}, {"name": "adam", "params": {"lr": 0.1}}]
    r = simulate.run(s, configs, [[2.3, -1.7]], 500)
    for lane in r.summary:
        assert lane["final_xy"] == pytest.approx([1.98991, -1.98991], abs=1e-5)
        assert lane["final_loss"] == pytest.approx(7.9597, abs=1e-4)
        for key in ("nearest", "nearest_min"):
            assert lane[key]["kind"] == "min"
            assert lane[key]["xy"] == pytest.approx([1.98991, -1.98991], abs=1e-5)
            assert lane[key]["value"] == pytest.approx(7.9597, abs=1e-4)
            assert lane[key]["distance"] < 1e-9
        assert lane["converged_at"] is not None and lane["diverged_at"] is None
    assert np.all(r.arrays["dist_min"][-1] < 1e-9)


RASTRIGIN_TEXT = "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)"


def test_a_formula_with_more_points_than_the_list_holds_is_judged_right():
    s = surfaces.from_formula(RASTRIGIN_TEXT, ((-5.12, 5.12), (-5.12, 5.12)))
    assert len(s.critical_points) == critical.MAX_POINTS  # the drawn list is capped
    configs = [{"name": "sgd", "params": {"lr": 0.002}}, {"name": "adam", "params": {"lr": 0.1}}]
    r = simulate.run(s, configs, [[2.3, -1.7]], 500)
    for lane in r.summary:
        assert lane["nearest_min"]["xy"] == pytest.approx([1.98991, -1.98991], abs=1e-5)
        assert lane["nearest_min"]["distance"] < 1e-8
        assert lane["converged_at"] is not None


def test_a_minimum_outside_the_domain_is_found_where_the_run_settles():
    s = surfaces.from_formula("sin(x)*cos(y) + 0.1*(x**2 + y**2)")
    r = simulate.run(s, [{"name": "gd", "params": {"lr": 0.05}}], [[2.157, 0.12]], 400)
    lane = r.summary[0]
    assert lane["final_xy"][0] > 3.5  # it left the drawn [−3, 3]²
    assert lane["nearest_min"]["xy"] == pytest.approx([3.8374, 0.0], abs=1e-3)
    assert lane["nearest_min"]["distance"] < 1e-4
    assert lane["converged_at"] is not None
    assert r.arrays["dist_min"][-1, 0] < 1e-4


def test_a_formula_start_leads_to_a_minimum_inside_the_domain():
    """Custom formula…: the example's first start no longer runs off to x = 3.84."""
    s = surfaces.from_formula("sin(x)*cos(y) + 0.1*(x**2 + y**2)")
    (x0, x1), (y0, y1) = s.domain
    configs = [
        {"name": "sgd", "params": {"lr": 0.005}},
        {"name": "sgd", "params": {"lr": 0.005, "momentum": 0.9}},
        {"name": "rmsprop", "params": {"lr": 0.05}},
        {"name": "adam", "params": {"lr": 0.1}},
    ]
    r = simulate.run(s, configs, [s.starts[0]], 300)
    xy = r.arrays["xy"]
    assert np.all((xy[..., 0] >= x0) & (xy[..., 0] <= x1) & (xy[..., 1] >= y0) & (xy[..., 1] <= y1))

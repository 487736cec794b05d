"""L-BFGS: torch's step(closure) semantics in the race, against torch.optim.LBFGS (optional)
and on what a class is shown: a handful of steps on Rosenbrock, strong Wolfe or not."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from engine import optimizers, simulate, surfaces
from engine.noise import Noise

HAVE_TORCH = importlib.util.find_spec("torch") is not None

CASES = [
    ("rosenbrock", (-1.2, 1.0), {}),
    ("rosenbrock", (-1.2, 1.0), {"line_search_fn": "strong_wolfe"}),
    ("rosenbrock", (1.5, 2.5), {"lr": 0.5, "history_size": 3, "max_iter": 2}),
    ("beale", (1.0, 1.0), {}),
    ("beale", (1.0, 1.0), {"line_search_fn": "strong_wolfe"}),
    ("beale", (2.0, -1.0), {"line_search_fn": "strong_wolfe", "max_iter": 7, "max_eval": 9}),
    ("himmelblau", (0.0, 0.0), {"tolerance_grad": 1e-5, "line_search_fn": "strong_wolfe"}),
]
STEPS = 12
# Each step is up to max_iter iterations (and line-search evaluations): one ulp apart (torch's
# dot products are BLAS calls) grows along a path that wanders, as L-BFGS from (−2, 2) on
# Beale does into its flat arm (1e-3 apart after 12 steps). These paths converge.


def _torch_path(torch, surface, start, params):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([p], **params)

        def closure():
            opt.zero_grad()
            x = p.detach().numpy()
            p.grad = torch.tensor(surface.grad(x), dtype=torch.float64)
            return torch.tensor(float(surface.value(x)))

        path = [p.detach().numpy().copy()]
        for _ in range(STEPS):
            opt.step(closure)
            path.append(p.detach().numpy().copy())
        return np.array(path)
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(("name", "start", "params"), CASES)
def test_matches_torch_lbfgs(name, start, params):
    import torch

    surface = surfaces.get(name)
    expected = _torch_path(torch, surface, start, params)
    got = simulate.run(surface, [{"name": "lbfgs", "params": params}], [start], STEPS)
    np.testing.assert_allclose(got.arrays["xy"][:, 0], expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_a_handful_of_steps_on_rosenbrock(line_search):
    """torch's defaults (20 iterations a step): a loss below 1e-7 in at most 4 steps (then
    torch's tolerance_change stops it), where Adam at lr 0.05 is still above after 500."""
    s = surfaces.get("rosenbrock")
    race = simulate.run(
        s,
        [
            {"name": "lbfgs", "params": {"line_search_fn": line_search}},
            {"name": "adam", "params": {"lr": 0.05}},
        ],
        [(-1.2, 1.0)],
        500,
    )  # fmt: skip
    loss = race.arrays["loss"]
    assert loss[4, 0] < 1e-7
    assert loss[500, 1] > 1e-7


def test_lanes_step_on_their_own():
    """Stacked lanes (rates, line searches, starts) give each lane's own run."""
    s = surfaces.get("beale")
    configs = [
        {"name": "lbfgs", "params": {"lr": 0.5}},
        {"name": "lbfgs", "params": {"line_search_fn": "strong_wolfe", "history_size": 2}},
    ]
    starts = [(1.0, 1.0), (-1.0, 1.5)]
    together = simulate.run(s, configs, starts, 8).arrays["xy"]
    for i, c in enumerate(configs):
        for j, st in enumerate(starts):
            alone = simulate.run(s, [c], [st], 8).arrays["xy"][:, 0]
            np.testing.assert_array_equal(together[:, i * 2 + j], alone)


def test_noise_perturbs_every_evaluation_of_the_step():
    s = surfaces.get("rosenbrock")
    config = [{"name": "lbfgs", "params": {"max_iter": 3}}]
    clean = simulate.run(s, config, [(-1.2, 1.0)], 5).arrays["xy"]
    noisy = simulate.run(s, config, [(-1.2, 1.0)], 5, noise=Noise(sigma=0.5), seed=3).arrays["xy"]
    assert np.all(np.isfinite(noisy)) and not np.allclose(clean, noisy)


def test_step_is_pure_and_state_keeps_torchs_names():
    opt = optimizers.create("lbfgs", max_iter=4)
    s = surfaces.get("rosenbrock")
    oracle = optimizers.Oracle(s.value, s.grad, s.hessian)
    p0 = np.array([[-1.2, 1.0], [0.5, 0.5]])
    state = opt.init(p0)
    p1, state1 = opt.step(p0, s.grad(p0), state, oracle=oracle)
    assert state.slots["lbfgs"] == ({}, {})  # the old state is untouched
    keys = set(state1.slots["lbfgs"][0])
    assert {"d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad"} <= keys
    p2, _ = opt.step(p0, s.grad(p0), state, oracle=oracle)
    np.testing.assert_array_equal(p1, p2)


def test_stops_at_once_where_the_gradient_is_below_tolerance():
    s = surfaces.get("rosenbrock")
    race = simulate.run(s, [{"name": "lbfgs"}], [(1.0, 1.0)], 3)
    np.testing.assert_array_equal(race.arrays["xy"][:, 0], [[1.0, 1.0]] * 4)


def _reference_lbfgs(f, grad, x, steps, lr=1.0, max_iter=20, history=100, tol_g=1e-7, tol_c=1e-9):
    """torch's LBFGS without line search, written out from its algorithm in plain floats on a
    list (Nocedal & Wright's two-loop recursion; torch's first step min(1, 1/‖g‖₁)·lr)."""
    dot = lambda a, b: sum(u * v for u, v in zip(a, b, strict=True))  # noqa: E731
    state = {"n": 0, "s": [], "y": [], "h": 1.0, "d": None, "t": None, "g_prev": None}
    path = [list(x)]
    for _ in range(steps):
        loss, g = f(x), grad(x)
        if max(abs(v) for v in g) <= tol_g:
            path.append(list(x))
            continue
        for it in range(1, max_iter + 1):
            state["n"] += 1
            if state["n"] == 1:
                d = [-v for v in g]
                state["s"], state["y"], state["h"] = [], [], 1.0
            else:
                y = [a - b for a, b in zip(g, state["g_prev"], strict=True)]
                s_ = [state["t"] * v for v in state["d"]]
                ys = dot(y, s_)
                if ys > 1e-10:
                    if len(state["s"]) == history:
                        state["s"].pop(0)
                        state["y"].pop(0)
                    state["s"].append(s_)
                    state["y"].append(y)
                    state["h"] = ys / dot(y, y)
                q, alphas = [-v for v in g], []
                for s_i, y_i in reversed(list(zip(state["s"], state["y"], strict=True))):
                    a = dot(s_i, q) / dot(y_i, s_i)
                    alphas.append(a)
                    q = [qv - a * yv for qv, yv in zip(q, y_i, strict=True)]
                r = [state["h"] * v for v in q]
                for (s_i, y_i), a in zip(
                    zip(state["s"], state["y"], strict=True), reversed(alphas), strict=True
                ):
                    b = dot(y_i, r) / dot(y_i, s_i)
                    r = [rv + (a - b) * sv for rv, sv in zip(r, s_i, strict=True)]
                d = r
            state["g_prev"], prev_loss = list(g), loss
            t = min(1.0, 1.0 / sum(abs(v) for v in g)) * lr if state["n"] == 1 else lr
            state["d"], state["t"] = d, t
            if dot(g, d) > -tol_c:
                break
            x = [a + t * b for a, b in zip(x, d, strict=True)]
            if it != max_iter:
                loss, g = f(x), grad(x)
            if it == max_iter or max(abs(v) for v in g) <= tol_g:
                break
            if max(abs(t * v) for v in d) <= tol_c or abs(loss - prev_loss) < tol_c:
                break
        path.append(list(x))
    return np.array(path)


@pytest.mark.parametrize(
    ("name", "start", "params"),
    [("rosenbrock", (-1.2, 1.0), {}), ("beale", (1.0, 1.0), {"lr": 0.5, "history_size": 3}),
     ("himmelblau", (0.3, -0.2), {"max_iter": 4})],
)  # fmt: skip
def test_matches_a_written_out_lbfgs(name, start, params):
    s = surfaces.get(name)
    f = lambda v: float(s.value(np.array(v)))  # noqa: E731
    grad = lambda v: [float(c) for c in s.grad(np.array(v))]  # noqa: E731
    ref = _reference_lbfgs(f, grad, list(start), 6, lr=params.get("lr", 1.0),
                           max_iter=params.get("max_iter", 20),
                           history=params.get("history_size", 100))  # fmt: skip
    got = simulate.run(s, [{"name": "lbfgs", "params": params}], [start], 6).arrays["xy"][:, 0]
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "start"), [("saddle", (-1.5, 0.001)), ("monkey_saddle", (-0.5, 1.0))]
)
def test_a_line_search_that_overflows_stops_its_lane_only(name, start):
    """Where torch's tensors give inf or NaN (a zero divisor, an overflowing square in the
    cubic interpolation) the lane stops, diverged; the race and its other lanes go on."""
    s = surfaces.get(name)
    configs = [{"name": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}},
               {"name": "adam", "params": {"lr": 0.01}}]  # fmt: skip
    r = simulate.run(s, configs, [start], 10)
    assert r.summary[0]["diverged_at"] is not None
    assert r.summary[1]["diverged_at"] is None and np.all(np.isfinite(r.arrays["xy"][:, 1]))

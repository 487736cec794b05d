"""The race kernels: the float kernel (a few lanes) and the array kernel (many) run the same
rules and give the same bits; `record` and `stride` keep only what is asked."""

from __future__ import annotations

import numpy as np
import pytest

from engine import simulate, surfaces
from engine.noise import Noise
from engine.simulate.race import Race

ZOO = [
    {"name": "gd", "params": {"lr": 0.01}},
    {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}},
    {
        "name": "sgd",
        "params": {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    },
    {"name": "sgd", "params": {"lr": 0.02, "momentum": 0.5, "dampening": 0.3}},
    {"name": "adagrad", "params": {"lr": 0.5, "lr_decay": 0.01, "initial_accumulator_value": 0.1}},
    {"name": "rmsprop", "params": {"lr": 0.01, "centered": True, "momentum": 0.5}},
    {"name": "rmsprop", "params": {"lr": 0.01}},
    {"name": "adadelta", "params": {"lr": 1.0}},
    {"name": "adam", "params": {"lr": 0.05, "amsgrad": True}},
    {
        "name": "adam",
        "params": {"lr": 0.05, "weight_decay": 0.1},
        "schedule": {"name": "cosine", "params": {}},
    },
    {"name": "adamw", "params": {"lr": 0.05}},
    {"name": "nadam", "params": {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1}},
    {"name": "radam", "params": {"lr": 0.05}},
    {"name": "adamax", "params": {"lr": 0.05}, "clip_norm": 1.0},
]


def both(surface, configs, starts, steps, **kw):
    a = simulate.run(surface, configs, starts, steps, kernel="array", **kw)
    f = simulate.run(surface, configs, starts, steps, kernel="float", **kw)
    return a, f


def assert_same(a, b):
    assert set(a.arrays) == set(b.arrays)
    for name in a.arrays:
        np.testing.assert_array_equal(a.arrays[name], b.arrays[name], err_msg=name)
    assert a.diverged == b.diverged
    assert a.summary == b.summary


@pytest.mark.parametrize("name", surfaces.names())
def test_float_and_array_kernels_give_the_same_bits_on_every_surface(name):
    s = surfaces.get(name)
    starts = [list(p) for p in (s.starts[:2] or [(0.3, 0.4)])]
    assert_same(*both(s, ZOO, starts, 60, noise=Noise(0.3), seed=4))


def test_same_bits_on_a_formula_surface_with_a_division():
    s = surfaces.from_formula("x**2 + y**2 + 1/(1 + x**2) + sin(3*x)*cos(y)")
    assert_same(*both(s, ZOO, [[0.5, -0.7]], 80))


def test_same_bits_when_lanes_blow_up():
    """Overflow raises in Python floats: the float kernel goes on in NumPy scalars, as the
    array kernel does, and both report the same divergence."""
    s = surfaces.get("rosenbrock")
    configs = [
        {"name": "gd", "params": {"lr": 1.0}},
        {"name": "sgd", "params": {"lr": 0.5, "momentum": 0.99}},
        {"name": "rmsprop", "params": {"lr": 5.0, "centered": True}},
        {"name": "adam", "params": {"lr": 0.01}},
    ]
    a, f = both(s, configs, [[-1.5, 2.0]], 200)
    assert_same(a, f)
    assert [e["lane"] for e in a.diverged][:2] == [0, 1]
    assert a.summary[3]["diverged_at"] is None


def test_auto_picks_floats_for_a_few_lanes_and_arrays_for_many():
    s = surfaces.get("himmelblau")
    few = Race(s, ZOO[:8], [[0.0, 0.0]], 10, None, 0, None, ("xy",), 1, "auto")
    many = Race(s, ZOO[:1], np.zeros((500, 2)), 10, None, 0, None, ("xy",), 1, "auto")
    assert few.kernel_name == "float" and many.kernel_name == "array"


@pytest.mark.parametrize("kernel", ["float", "array"])
def test_record_keeps_only_the_fields_asked_for_with_the_same_values(kernel):
    s = surfaces.get("beale")
    full = simulate.run(s, ZOO[:4], [[1.0, 1.0]], 50, kernel=kernel, noise=Noise(0.2), seed=2)
    lean = simulate.run(
        s,
        ZOO[:4],
        [[1.0, 1.0]],
        50,
        kernel=kernel,
        noise=Noise(0.2),
        seed=2,
        record=("xy", "loss"),
    )
    assert set(lean.arrays) == {"xy", "loss"}
    for f in ("xy", "loss"):
        np.testing.assert_array_equal(lean.arrays[f], full.arrays[f])
    assert lean.summary == full.summary
    chunks = list(simulate.simulate(s, ZOO[:2], [[1.0, 1.0]], 20, record=("xy",), chunk=7))
    assert chunks[0].loss is None and chunks[0].xy.shape == (7, 2, 2)


@pytest.mark.parametrize("kernel", ["float", "array"])
def test_a_stride_records_every_nth_step_and_the_last(kernel):
    s = surfaces.get("himmelblau")
    whole = simulate.run(s, ZOO[:6], [[0.1, 0.2]], 103, kernel=kernel)
    thin = simulate.run(s, ZOO[:6], [[0.1, 0.2]], 103, kernel=kernel, stride=10)
    rows = list(range(0, 104, 10)) + [103]
    assert thin.steps.tolist() == rows
    for f in simulate.FIELDS:
        np.testing.assert_array_equal(thin.arrays[f], whole.arrays[f][rows], err_msg=f)


@pytest.mark.parametrize("kernel", ["float", "array"])
@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_block_size_does_not_change_the_bits(kernel, chunk):
    s = surfaces.get("rastrigin")
    kw = {"noise": Noise(0.5), "seed": 3, "kernel": kernel}
    a = simulate.run(s, ZOO, [[2.2, -1.1]], 40, **kw)
    b = simulate.run(s, ZOO, [[2.2, -1.1]], 40, chunk=chunk, **kw)
    assert_same(a, b)


def test_a_lane_that_diverges_is_blanked_from_that_step_in_both_kernels():
    s = surfaces.get("saddle")
    cfg = [{"name": "sgd", "params": {"lr": 0.01, "momentum": 0.9}}]
    for kernel in ("float", "array"):
        r = simulate.run(s, cfg, [[-1.5, 1e-3]], 1500, kernel=kernel, chunk=64)
        k = r.summary[0]["diverged_at"]
        assert k is not None
        assert np.all(np.isnan(r.arrays["xy"][k:])) and np.all(np.isfinite(r.arrays["xy"][:k]))
        assert np.all(np.isfinite(r.arrays["grad"][1 : k + 1]))  # the update that diverged
        assert np.all(np.isnan(r.arrays["grad"][k + 1 :]))


def test_bad_record_and_stride_are_refused():
    s = surfaces.get("booth")
    with pytest.raises(ValueError, match="unknown field"):
        simulate.run(s, ZOO[:1], [[0, 0]], 5, record=("xy", "speed"))
    with pytest.raises(ValueError, match="stride"):
        simulate.run(s, ZOO[:1], [[0, 0]], 5, stride=0)
    with pytest.raises(ValueError, match="kernel"):
        simulate.run(s, ZOO[:1], [[0, 0]], 5, kernel="gpu")


def test_where_python_floats_raise_the_float_kernel_answers_as_numpy_does():
    """A gradient with 1/x: at x = 0 Python raises ZeroDivisionError where NumPy gives inf
    (here inf·0 = NaN, so update 2 is NaN); the float kernel redoes the step in NumPy
    scalars and the lane diverges exactly as in the array kernel."""
    from engine.surfaces import Surface

    def grad(x, y):
        return 2.0 * x + 0.0 * (1.0 / x), 2.0 * y

    s = Surface(
        name="custom",
        value_fn=lambda x, y: x * x + y * y,
        grad_fn=grad,
        hess_fn=lambda x, y: (
            np.full(np.shape(x), 2.0),
            np.zeros(np.shape(x)),
            np.full(np.shape(x), 2.0),
        ),
        domain=((-1.0, 1.0), (-1.0, 1.0)),
        critical_points=({"xy": (0.0, 0.0), "kind": "min", "value": 0.0},),
    )
    cfg = [{"name": "gd", "params": {"lr": 0.5}}, {"name": "adam", "params": {"lr": 0.01}}]
    a, f = both(s, cfg, [[0.5, 0.5]], 30)
    assert_same(a, f)
    assert a.summary[0]["diverged_at"] == 2 and a.summary[1]["diverged_at"] is None

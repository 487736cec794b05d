"""Schedules against torch.optim.lr_scheduler's closed forms, at boundaries and past the end."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from engine import registry, schedules
from tests.engine.draws import draws, torch_rates


def curve(name, lr=0.1, steps=None, n=400, **params):
    return schedules.create(name, lr, steps=steps, **params)(np.arange(n))


def test_constant():
    np.testing.assert_array_equal(curve("constant", n=5), [0.1] * 5)


def test_step_decays_at_multiples_of_step_size():
    c = curve("step", step_size=30, gamma=0.5)
    assert c[0] == c[29] == 0.1
    assert c[30] == c[59] == 0.05
    assert c[60] == pytest.approx(0.025)
    assert c[399] == pytest.approx(0.1 * 0.5**13)


def test_multistep_drops_at_each_milestone():
    c = curve("multistep", milestones=[10, 25], gamma=0.1)
    assert c[9] == 0.1 and c[10] == pytest.approx(0.01)
    assert c[24] == pytest.approx(0.01) and c[25] == pytest.approx(0.001)
    assert c[399] == pytest.approx(0.001)


def test_exponential():
    c = curve("exponential", gamma=0.9)
    np.testing.assert_allclose(c[:4], [0.1, 0.09, 0.081, 0.0729])


def test_cosine_closed_form_and_past_the_end():
    c = curve("cosine", T_max=100, eta_min=0.01)
    assert c[0] == pytest.approx(0.1)
    assert c[50] == pytest.approx(0.01 + 0.09 * 0.5)
    assert c[100] == pytest.approx(0.01)
    # torch's closed form keeps following the cosine after T_max (it rises again)
    assert c[200] == pytest.approx(0.1)
    assert c[150] == pytest.approx(c[50])


def _torch_cosine_step(lr, T_max, eta_min, n):
    """torch's CosineAnnealingLR.step() written out (its recursive form, not the closed one)."""
    out, cur = [lr], lr
    for k in range(1, n):
        if (k - 1 - T_max) % (2 * T_max) == 0:
            cur = cur + (lr - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
        else:
            cur = (1 + math.cos(math.pi * k / T_max)) / (
                1 + math.cos(math.pi * (k - 1) / T_max)
            ) * (cur - eta_min) + eta_min
        out.append(cur)
    return out


@pytest.mark.parametrize(("T_max", "eta_min"), [(7, 0.0), (100, 0.01), (333, 0.002)])
def test_cosine_follows_torchs_recursion_through_every_trough(T_max, eta_min):
    """Near a trough 1 + cos(·) cancels and the closed form drifts 1e-11 from torch's rates
    (the engine's old closed form did); the recursion is torch's to the bit."""
    want = _torch_cosine_step(0.1, T_max, eta_min, 2000)
    np.testing.assert_array_equal(curve("cosine", n=2000, T_max=T_max, eta_min=eta_min), want)


def test_cosine_per_lane_rates_broadcast_like_the_closed_forms():
    lr_at = schedules.create("cosine", np.array([0.1, 0.2]), T_max=10)
    assert lr_at(np.arange(5)[:, None]).shape == (5, 2)
    np.testing.assert_allclose(lr_at(3), [curve("cosine", 0.1, n=4, T_max=10)[3],
                                          curve("cosine", 0.2, n=4, T_max=10)[3]])  # fmt: skip


def test_constant_factor_is_torchs_constantlr():
    c = curve("constant_factor", lr=0.3, n=10, factor=0.25, total_iters=4)
    assert list(c[:4]) == [0.3 * 0.25] * 4
    assert list(c[4:]) == [0.3 * 0.25 * (1.0 / 0.25)] * 6  # torch's (lr·f)·(1/f)


def test_polynomial_reaches_zero_and_holds():
    c = curve("polynomial", lr=0.2, n=12, total_iters=8, power=2.0)
    np.testing.assert_allclose(c[:9], [0.2 * (1 - k / 8) ** 2 for k in range(9)], rtol=1e-15)
    assert list(c[8:]) == [0.0] * 4


def test_multiplicative_with_a_constant_factor_is_exponential():
    np.testing.assert_allclose(
        curve("multiplicative", factor=0.97, n=50), curve("exponential", gamma=0.97, n=50)
    )


@pytest.mark.parametrize(
    ("mode", "threshold_mode", "metrics", "drops_at"),
    [
        ("max", "rel", [0.5, 0.6, 0.6, 0.6, 0.6, 0.61], [3]),
        ("max", "abs", [0.5, 0.6, 0.65, 0.69, 0.74, 0.76, 0.77], [4]),
        ("min", "abs", [1.0, 0.95, 0.91, 0.9, 0.85], [2]),
    ],
)
def test_reduce_on_plateau_modes(mode, threshold_mode, metrics, drops_at):
    """patience 1: the rate drops on the second epoch in a row without an improvement on the
    best so far, which for abs is a change of more than 0.1 (max: upward; min: downward)."""
    th = 0.1 if threshold_mode == "abs" else 1e-4
    ours = schedules.ReduceLROnPlateau(factor=0.5, patience=1, threshold=th, mode=mode,
                                       threshold_mode=threshold_mode)  # fmt: skip
    state, drops = ours.init(1.0), []
    for epoch, m in enumerate(metrics):
        new = ours.update(state, m)
        if new.lr < state.lr:
            drops.append(epoch)
        state = new
    assert drops == drops_at


def test_cosine_t_max_defaults_to_the_run_length():
    c = curve("cosine", steps=200)
    assert c[200] == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="T_max"):
        schedules.create("cosine", 0.1)


def test_cosine_restarts_restart_and_grow():
    c = curve("cosine_restarts", T_0=10, T_mult=2, eta_min=0.0)
    assert c[0] == c[10] == c[30] == c[70] == pytest.approx(0.1)  # cycles of 10, 20, 40
    assert c[5] == pytest.approx(0.05)
    assert c[20] == pytest.approx(0.05)  # middle of the second cycle (10..30)
    flat = curve("cosine_restarts", T_0=10, T_mult=1)
    np.testing.assert_allclose(flat[:10], flat[10:20])


def _torch_warm_restarts(lr, T_0, T_mult, eta_min, n):
    """torch's CosineAnnealingWarmRestarts.step() written out: T_cur counts up by one and
    wraps at T_i, which grows by T_mult at each restart (integers, exact)."""
    out, t_cur, t_i = [], 0, T_0
    for _ in range(n):
        out.append(eta_min + (lr - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, t_i * T_mult
    return np.array(out)


@pytest.mark.parametrize("T_0", [1, 2, 5, 12])
@pytest.mark.parametrize("T_mult", [2, 3, 4])
def test_cosine_restarts_match_torchs_step_at_every_restart(T_0, T_mult):
    n = 2000 if T_0 < 12 else 1500
    got = curve("cosine_restarts", T_0=T_0, T_mult=T_mult, eta_min=0.0, n=n)
    want = _torch_warm_restarts(0.1, T_0, T_mult, 0.0, n)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    restarts = [T_0 * (T_mult**k - 1) // (T_mult - 1) for k in range(12)]
    assert all(got[r] == 0.1 for r in restarts if r < n)  # e.g. step 121 for (1, 3)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_modes(mode):
    c = curve("cyclic", base_lr=0.01, max_lr=0.11, step_size_up=10, mode=mode, gamma=0.99)
    assert c[0] == pytest.approx(0.01)
    if mode == "triangular":
        assert c[10] == pytest.approx(0.11) and c[30] == pytest.approx(0.11)
        assert c[20] == pytest.approx(0.01) and c[5] == pytest.approx(0.06)
    elif mode == "triangular2":
        assert c[10] == pytest.approx(0.11) and c[30] == pytest.approx(0.06)
    else:
        assert c[10] == pytest.approx(0.01 + 0.1 * 0.99**10)


def test_cyclic_defaults_come_from_lr():
    c = curve("cyclic", lr=0.02, step_size_up=5)
    assert c.min() == pytest.approx(0.02) and c.max() == pytest.approx(0.2)


def test_one_cycle_phases():
    c = curve("one_cycle", lr=0.1, total_steps=100, n=150)
    assert c[0] == pytest.approx(0.1 / 25)
    assert c[29] == pytest.approx(0.1)  # end of the rise: pct_start * total - 1
    assert c[99] == pytest.approx(0.1 / 25 / 1e4)
    assert c[149] == pytest.approx(c[99])  # held after the end (torch would raise)
    lin = curve("one_cycle", lr=0.1, total_steps=100, anneal_strategy="linear")
    assert lin[14] == pytest.approx(0.004 + (0.1 - 0.004) * 14 / 29)


def test_linear_warm_up():
    c = curve("linear", start_factor=0.25, total_iters=4)
    np.testing.assert_allclose(c[:6], [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1])


def test_warmup_cosine_is_linear_then_cosine():
    c = curve("warmup_cosine", start_factor=0.1, total_iters=10, T_max=90, n=101)
    assert c[0] == pytest.approx(0.01)
    assert c[10] == pytest.approx(0.1)
    assert c[55] == pytest.approx(0.05)
    assert c[100] == pytest.approx(0.0, abs=1e-15)
    assert np.all(np.diff(c[:11]) > 0)


def test_vectorized_over_steps_and_lanes():
    lr_at = schedules.create("step", np.array([0.1, 0.2]), step_size=2, gamma=0.5)
    np.testing.assert_allclose(lr_at(2), [0.05, 0.1])
    np.testing.assert_allclose(lr_at(np.arange(3)[:, None]), [[0.1, 0.2], [0.1, 0.2], [0.05, 0.1]])


@pytest.mark.parametrize(
    ("name", "params", "match"),
    [
        ("step", {"step_size": 0}, "step_size"),
        ("step", {"gamma": 2.0}, "gamma"),
        ("multistep", {"milestones": [20, 10]}, "increasing"),
        ("cyclic", {"mode": "sawtooth"}, "mode"),
        ("one_cycle", {"total_steps": 1.5}, "total_steps"),
    ],
)
def test_bad_parameters_name_the_field(name, params, match):
    with pytest.raises(ValueError, match=match):
        schedules.create(name, 0.1, steps=100, **params)


def test_reduce_on_plateau_is_for_mlp_runs_only():
    assert "reduce_on_plateau" in schedules.names()
    assert "reduce_on_plateau" not in schedules.names(include_mlp_only=False)
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        schedules.create("reduce_on_plateau", 0.1)


def test_reduce_on_plateau_waits_patience_then_cools_down():
    sched = schedules.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1)
    state = sched.init(np.array([1.0, 1.0]))
    lrs = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 3]:
        state = sched.update(state, [metric, 1.0 / (1 + len(lrs))])
        lrs.append(state.lr.copy())
    lane0 = [float(a[0]) for a in lrs]
    assert lane0 == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    assert all(float(a[1]) == 1.0 for a in lrs)  # a lane that keeps improving keeps its rate


def test_every_schedule_has_bilingual_help():
    for e in registry.entries("schedule"):
        assert e.help_en and e.help_ko
        for p in e.params:
            assert p.help_en and p.help_ko


# --------------------------------------------------------------------- optional: real torch

HAVE_TORCH = importlib.util.find_spec("torch") is not None

# (engine name, its parameters, the torch class); torch takes the same parameters, with
# cycle_momentum=False for the cyclic ones (the engine's rates cycle, not the momentum)
_CASES = [
    ("step", {"step_size": 7, "gamma": 0.5}, "StepLR"),
    ("multistep", {"milestones": [5, 12], "gamma": 0.3}, "MultiStepLR"),
    ("exponential", {"gamma": 0.95}, "ExponentialLR"),
    ("cosine", {"T_max": 20, "eta_min": 0.001}, "CosineAnnealingLR"),
    ("cosine_restarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.001}, "CosineAnnealingWarmRestarts"),
    ("cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "mode": "triangular2"},
     "CyclicLR"),
    ("cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 5,
                "mode": "exp_range", "gamma": 0.97}, "CyclicLR"),
    ("one_cycle", {"max_lr": 0.1, "total_steps": 40}, "OneCycleLR"),
    ("one_cycle", {"max_lr": 0.1, "total_steps": 40, "anneal_strategy": "linear",
                   "pct_start": 0.25}, "OneCycleLR"),
    ("linear", {"start_factor": 0.2, "total_iters": 8}, "LinearLR"),
]  # fmt: skip
CYCLING = ("CyclicLR", "OneCycleLR")
TORCH_CASES = [
    (name, params, cls, {**params, **({"cycle_momentum": False} if cls in CYCLING else {})})
    for name, params, cls in _CASES
]


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(
    ("name", "params", "cls", "tparams"),
    TORCH_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(TORCH_CASES)],
)
def test_matches_real_torch_scheduler(name, params, cls, tparams):
    import torch

    n = 39 if name == "one_cycle" else 60
    cls_ = getattr(torch.optim.lr_scheduler, cls)
    expected = torch_rates(torch, 0.05, lambda opt: cls_(opt, **tparams), n)
    got = schedules.create(name, 0.05, **params)(np.arange(n))
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def _random_cases(seed: int, n: int) -> list:
    """Random settings of every schedule that is a function of t, with torch's class."""
    rng, u, k = draws(seed)
    out = []
    for i in range(4):
        lr = float(10 ** rng.uniform(-3, 0))
        out += [
            (lr, "step", {"step_size": k(1, 300), "gamma": u(0.1, 0.99)}, "StepLR"),
            (lr, "multistep", {"milestones": sorted(rng.choice(n, 4, replace=False).tolist()),
                               "gamma": u(0.1, 0.99)}, "MultiStepLR"),
            (lr, "exponential", {"gamma": u(0.99, 0.9999)}, "ExponentialLR"),
            (lr, "multiplicative", {"factor": u(0.99, 1.0)}, "MultiplicativeLR"),
            (lr, "cosine", {"T_max": k(10, 2500), "eta_min": lr * u(0, 0.5)}, "CosineAnnealingLR"),
            (lr, "cosine_restarts", {"T_0": k(1, 300), "T_mult": k(1, 4),
                                     "eta_min": lr * u(0, 0.5)}, "CosineAnnealingWarmRestarts"),
            (lr, "cyclic", {"base_lr": lr, "max_lr": lr * u(1.5, 10), "step_size_up": k(1, 200),
                            "step_size_down": k(1, 200),
                            "mode": ("triangular", "triangular2", "exp_range")[i % 3],
                            "gamma": u(0.99, 1.0)}, "CyclicLR"),
            (lr, "one_cycle", {"max_lr": lr, "total_steps": n + 1, "pct_start": u(0.05, 0.9),
                               "anneal_strategy": ("cos", "linear")[i % 2], "three_phase": i >= 2,
                               "div_factor": u(2, 100), "final_div_factor": u(10, 1e4)},
             "OneCycleLR"),
            (lr, "linear", {"start_factor": u(0.01, 1), "end_factor": u(0, 1),
                            "total_iters": k(1, n)}, "LinearLR"),
            (lr, "constant_factor", {"factor": u(0.01, 1), "total_iters": k(0, n)}, "ConstantLR"),
            (lr, "polynomial", {"total_iters": k(1, 2500), "power": u(0.2, 3)}, "PolynomialLR"),
        ]  # fmt: skip
    return out


RANDOM_CASES = _random_cases(2026, 2000)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(
    ("lr", "name", "params", "cls"),
    RANDOM_CASES,
    ids=[f"{c[1]}-{i}" for i, c in enumerate(RANDOM_CASES)],
)
def test_random_settings_match_torch_over_2000_steps(lr, name, params, cls):
    import torch

    n = 2000
    tparams = dict(params)
    if cls in CYCLING:
        tparams["cycle_momentum"] = False
    if cls == "MultiplicativeLR":
        tparams = {"lr_lambda": lambda _epoch, f=params["factor"]: f}
    cls_ = getattr(torch.optim.lr_scheduler, cls)
    expected = torch_rates(torch, lr, lambda opt: cls_(opt, **tparams), n)
    got = schedules.create(name, lr, **params)(np.arange(n))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * lr)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
def test_reduce_on_plateau_modes_match_torch(mode, threshold_mode):
    import torch

    rng = np.random.default_rng(7)
    metrics = np.round(np.cumsum(rng.normal(0, 0.05, 80)), 2).tolist()  # long flat stretches
    kw = {"factor": 0.7, "patience": 2, "threshold": 0.02, "cooldown": 1, "min_lr": 0.001}
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode=mode, threshold_mode=threshold_mode, **kw
    )
    ours = schedules.ReduceLROnPlateau(mode=mode, threshold_mode=threshold_mode, **kw)
    state = ours.init(0.1)
    for m in metrics:
        sched.step(m)
        state = ours.update(state, m)
        assert math.isclose(float(state.lr), opt.param_groups[0]["lr"], rel_tol=1e-12)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
def test_reduce_on_plateau_matches_torch():
    import torch

    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69999, 0.7]
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, factor=0.5, patience=2, cooldown=1, min_lr=0.02
    )
    ours = schedules.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    state = ours.init(0.1)
    for m in metrics:
        sched.step(m)
        state = ours.update(state, m)
        assert math.isclose(float(state.lr), opt.param_groups[0]["lr"], rel_tol=1e-12)


# ------------------------------------------------------------- SequentialLR (composition)

_TORCH_OF = {
    "step": "StepLR",
    "multistep": "MultiStepLR",
    "exponential": "ExponentialLR",
    "cosine": "CosineAnnealingLR",
    "cosine_restarts": "CosineAnnealingWarmRestarts",
    "linear": "LinearLR",
    "constant_factor": "ConstantLR",
    "polynomial": "PolynomialLR",
    "multiplicative": "MultiplicativeLR",
}


def _random_part(rng):
    name = str(rng.choice(sorted(_TORCH_OF)))
    u = lambda a, b: float(rng.uniform(a, b))  # noqa: E731
    k = lambda a, b: int(rng.integers(a, b))  # noqa: E731
    params = {
        "step": lambda: {"step_size": k(1, 100), "gamma": u(0.3, 0.95)},
        "multistep": lambda: {"milestones": sorted(rng.choice(500, 3, replace=False).tolist()),
                              "gamma": u(0.3, 0.95)},
        "exponential": lambda: {"gamma": u(0.99, 0.9999)},
        "cosine": lambda: {"T_max": k(10, 1500), "eta_min": u(0, 0.01)},
        "cosine_restarts": lambda: {"T_0": k(5, 200), "T_mult": k(1, 3), "eta_min": u(0, 0.01)},
        "linear": lambda: {"start_factor": u(0.01, 1), "end_factor": u(0.2, 1),
                           "total_iters": k(1, 300)},
        "constant_factor": lambda: {"factor": u(0.05, 1), "total_iters": k(1, 200)},
        "polynomial": lambda: {"total_iters": k(10, 1500), "power": u(0.5, 2)},
        "multiplicative": lambda: {"factor": u(0.995, 1.0)},
    }[name]()  # fmt: skip
    return {"name": name, "params": params}


SEQ_CASES = []
for _i in range(12):
    _rng = np.random.default_rng(500 + _i)
    _n = int(_rng.integers(2, 4))
    SEQ_CASES.append(
        (
            float(10 ** _rng.uniform(-3, 0)),
            [_random_part(_rng) for _ in range(_n)],
            sorted(_rng.choice(np.arange(1, 1800), _n - 1, replace=False).tolist()),
        )
    )


def test_sequential_restarts_each_part_at_its_milestone():
    parts = [
        {"name": "linear", "params": {"start_factor": 0.1, "total_iters": 10}},
        {"name": "exponential", "params": {"gamma": 0.5}},
    ]
    c = curve("sequential", lr=0.2, n=14, schedulers=parts, milestones=[10])
    np.testing.assert_allclose(c[:10], curve("linear", 0.2, n=10, start_factor=0.1, total_iters=10))
    np.testing.assert_allclose(c[10:], [0.2, 0.1, 0.05, 0.025])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"milestones": []}, "milestones"),
        ({"milestones": [50, 20], "schedulers": [{"name": "constant"}] * 3}, "milestones"),
        ({"schedulers": [{"name": "one_cycle"}, {"name": "cosine"}]}, "schedulers"),
        ({"schedulers": [{"name": "step", "params": {"gamma": 5}}, {"name": "cosine"}]},
         "schedulers.0"),
    ],
)  # fmt: skip
def test_sequential_checks_name_the_field(params, match):
    with pytest.raises(ValueError, match=match):
        schedules.create("sequential", 0.1, steps=100, **params)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(("lr", "parts", "milestones"), SEQ_CASES)
def test_sequential_matches_torchs_sequentiallr_over_2000_steps(lr, parts, milestones):
    import torch

    def make(opt, p):  # MultiplicativeLR takes its constant factor as a lambda
        kw = dict(p["params"])
        if p["name"] == "multiplicative":
            kw = {"lr_lambda": lambda _e, f=kw["factor"]: f}
        return getattr(torch.optim.lr_scheduler, _TORCH_OF[p["name"]])(opt, **kw)

    def sequential(opt):
        built = [make(opt, p) for p in parts]
        return torch.optim.lr_scheduler.SequentialLR(opt, built, milestones=milestones)

    expected = torch_rates(torch, lr, sequential, 2000)
    got = schedules.create("sequential", lr, schedulers=parts, milestones=milestones)(
        np.arange(2000)
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * lr)


def test_a_multiplicative_part_takes_over_from_the_rate_before_it():
    """torch's MultiplicativeLR has no closed form: at its milestone it multiplies the rate
    the previous schedule left (written out from torch's SequentialLR with LinearLR)."""
    parts = [
        {"name": "linear", "params": {"start_factor": 0.2, "end_factor": 0.5, "total_iters": 10}},
        {"name": "multiplicative", "params": {"factor": 0.9}},
        {"name": "exponential", "params": {"gamma": 0.5}},
    ]
    c = curve("sequential", lr=0.1, n=17, schedulers=parts, milestones=[10, 15])
    np.testing.assert_allclose(c[9:12], [0.047, 0.047 * 0.9, 0.047 * 0.81], rtol=1e-12)
    np.testing.assert_allclose(c[15:], [0.1, 0.05], rtol=1e-12)


def test_one_cycle_with_a_rising_phase_of_no_steps_names_pct_start():
    with pytest.raises(ValueError, match="pct_start"):
        schedules.create("one_cycle", 0.1, steps=10, pct_start=0.1)


def test_constant_factor_with_no_iterations_keeps_its_factor_as_torch():
    np.testing.assert_allclose(curve("constant_factor", n=4, factor=0.5, total_iters=0), [0.05] * 4)


def test_the_cosine_recursion_asked_epoch_by_epoch_equals_it_asked_at_once():
    lr_at = schedules.create("cosine", 0.1, T_max=333)
    pieces = np.concatenate([lr_at(np.arange(k, k + 64)) for k in range(0, 2048, 64)])
    np.testing.assert_array_equal(pieces, curve("cosine", n=2048, T_max=333))

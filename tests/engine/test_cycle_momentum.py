"""OneCycleLR and CyclicLR cycle the momentum (or Adam's β₁) by default, as torch's do, and
OneCycleLR's three_phase; against torch (optional) and a written-out reference."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from engine import datasets, schedules, simulate, surfaces, train

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def test_one_cycle_momentum_falls_as_the_rate_rises():
    lr_at = schedules.create("one_cycle", 0.1, total_steps=101, pct_start=0.3)
    t = np.arange(101)
    m, lr = lr_at.momentum(t), lr_at(t)
    # the first phase ends at step 0.3 · 101 − 1 = 29.3: the rate peaks, the momentum bottoms
    assert m[0] == 0.95 and m[100] == pytest.approx(0.95)
    peak = int(np.argmax(lr))
    assert int(np.argmin(m)) == peak and peak in (29, 30) and 0.85 < m[peak] < 0.8501
    # torch's cosine annealing, written out: max → base over the first phase
    pct = 10 / 29.3
    assert m[10] == pytest.approx(0.85 + (0.95 - 0.85) / 2 * (math.cos(math.pi * pct) + 1))


def test_three_phase_comes_back_down_to_the_initial_rate_then_to_the_minimum():
    lr_at = schedules.create("one_cycle", 0.1, total_steps=100, three_phase=True)
    c, m = lr_at(np.arange(100)), lr_at.momentum(np.arange(100))
    assert np.argmax(c) == 29
    assert c[58] == pytest.approx(0.1 / 25)  # end of phase 2: back at initial_lr
    assert c[99] == pytest.approx(0.1 / 25 / 1e4)
    assert m[58] == pytest.approx(0.95) and np.all(m[58:] == 0.95)


def test_cyclic_momentum_is_the_rate_upside_down():
    lr_at = schedules.create("cyclic", 0.01, max_lr=0.05, step_size_up=10)
    t = np.arange(60)
    scale = (lr_at(t) - 0.01) / 0.04
    np.testing.assert_allclose(lr_at.momentum(t), 0.9 - 0.1 * scale, atol=1e-15)


def test_off_means_no_momentum_curve():
    assert not hasattr(
        schedules.create("one_cycle", 0.1, steps=50, cycle_momentum=False), "momentum"
    )
    assert not hasattr(schedules.create("cyclic", 0.1, cycle_momentum=False), "momentum")


@pytest.mark.parametrize("name", ["adagrad", "adadelta", "rprop", "asgd", "adafactor"])
def test_an_optimizer_without_momentum_or_betas_cannot_cycle_it(name):
    s = surfaces.get("himmelblau")
    cfg = {"name": name, "schedule": {"name": "one_cycle", "params": {}}}
    with pytest.raises(ValueError, match="cycle_momentum"):
        simulate.run(s, [cfg], [(0.5, -1.5)], 20)
    cfg["schedule"]["params"]["cycle_momentum"] = False
    simulate.run(s, [cfg], [(0.5, -1.5)], 20)


CASES = [
    ("sgd", {"lr": 0.01}, "one_cycle", {"max_lr": 0.02}, "SGD", "OneCycleLR"),
    ("gd", {"lr": 0.01}, "one_cycle", {"max_lr": 0.02, "three_phase": True}, "SGD", "OneCycleLR"),
    ("sgd", {"lr": 0.01, "momentum": 0.5, "nesterov": True}, "cyclic",
     {"base_lr": 0.002, "max_lr": 0.01, "step_size_up": 17}, "SGD", "CyclicLR"),
    ("adam", {"lr": 0.05}, "one_cycle", {"max_lr": 0.1, "anneal_strategy": "linear"}, "Adam",
     "OneCycleLR"),
    ("adam", {"lr": 0.05}, "cyclic", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 13,
                                      "mode": "triangular2"}, "Adam", "CyclicLR"),
    ("nadam", {"lr": 0.05}, "one_cycle", {"max_lr": 0.1, "three_phase": True}, "NAdam",
     "OneCycleLR"),
    ("radam", {"lr": 0.05}, "cyclic", {"base_lr": 0.01, "max_lr": 0.05, "step_size_up": 11,
                                       "mode": "exp_range", "gamma": 0.99}, "RAdam", "CyclicLR"),
    ("rmsprop", {"lr": 0.01}, "one_cycle", {"max_lr": 0.01, "base_momentum": 0.5,
                                            "max_momentum": 0.7}, "RMSprop", "OneCycleLR"),
    ("adamax", {"lr": 0.05}, "one_cycle", {"max_lr": 0.1, "pct_start": 0.5}, "Adamax",
     "OneCycleLR"),
    # a momentum cycled down to 0 at the peak: torch leaves the buffer as it was there
    ("sgd", {"lr": 0.01}, "cyclic", {"base_lr": 0.002, "max_lr": 0.01, "step_size_up": 7,
                                     "base_momentum": 0.0}, "SGD", "CyclicLR"),
    ("rmsprop", {"lr": 0.01}, "cyclic", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5,
                                         "base_momentum": 0.0, "max_momentum": 0.5}, "RMSprop",
     "CyclicLR"),
    ("sgd", {"lr": 0.01}, "one_cycle", {"max_lr": 0.02, "base_momentum": 0.0}, "SGD",
     "OneCycleLR"),
]  # fmt: skip
STEPS = 200


def _torch_path(torch, opt_cls, params, sched_cls, sparams, surface, start):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, opt_cls)([p], foreach=False, **params)
        sp = dict(sparams)
        if sched_cls == "OneCycleLR":
            sp.setdefault("total_steps", STEPS)
        sched = getattr(torch.optim.lr_scheduler, sched_cls)(opt, **sp)
        path = [p.detach().numpy().copy()]
        for _ in range(STEPS):
            opt.zero_grad()
            p.grad = torch.tensor(surface.grad(p.detach().numpy()), dtype=torch.float64)
            opt.step()
            sched.step()
            path.append(p.detach().numpy().copy())
        return np.array(path)
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(("name", "params", "sched", "sparams", "opt_cls", "sched_cls"), CASES)
@pytest.mark.parametrize("kernel", ["float", "array"])
def test_race_matches_torch_with_its_default_momentum_cycling(
    name, params, sched, sparams, opt_cls, sched_cls, kernel
):
    import torch

    s = surfaces.get("himmelblau")
    start = (0.5, -1.5)
    tparams = {k: v for k, v in params.items()}
    expected = _torch_path(torch, opt_cls, tparams, sched_cls, sparams, s, start)
    cfg = {"name": name, "params": params, "schedule": {"name": sched, "params": sparams}}
    got = simulate.run(s, [cfg], [start], STEPS, kernel=kernel).arrays["xy"][:, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_lanes_that_cycle_and_lanes_that_do_not_share_a_group():
    s = surfaces.get("himmelblau")
    cyc = {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.3},
           "schedule": {"name": "one_cycle", "params": {}}}  # fmt: skip
    flat = {"name": "sgd", "params": {"lr": 0.01, "momentum": 0.3}}
    both = simulate.run(s, [cyc, flat], [(0.5, -1.5)], 80, kernel="array").arrays["xy"]
    for i, c in enumerate((cyc, flat)):
        alone = simulate.run(s, [c], [(0.5, -1.5)], 80, kernel="array").arrays["xy"][:, 0]
        np.testing.assert_array_equal(both[:, i], alone)


def test_mlp_lanes_cycle_their_momentum_too():
    data = datasets.make("moons", rng=np.random.default_rng(0), n_samples=120, noise=0.2)

    def run(cycle):
        lane = {"name": "sgd", "params": {"lr": 0.05},
                "schedule": {"name": "one_cycle", "params": {"cycle_momentum": cycle}}}  # fmt: skip
        config = {"data": data, "hidden": [8], "loss": "cross_entropy", "batch_size": 16,
                  "epochs": 5, "optimizers": [lane], "grid_every": 0}  # fmt: skip
        return train.run(config, 0)

    on, off = run(True), run(False)
    assert on.summary[0]["final_train_loss"] < off.summary[0]["final_train_loss"]  # μ 0.85–0.95


def test_mlp_rejects_cycling_an_optimizer_without_momentum():
    data = datasets.make("moons", rng=np.random.default_rng(0), n_samples=60, noise=0.2)
    lane = {"name": "adagrad", "params": {}, "schedule": {"name": "cyclic", "params": {}}}
    config = {"data": data, "hidden": [4], "loss": "cross_entropy", "batch_size": 16,
              "epochs": 1, "optimizers": [lane], "grid_every": 0}  # fmt: skip
    with pytest.raises(ValueError, match=r"optimizers\[0\]\.schedule\.params\.cycle_momentum"):
        train.run(config, 0)

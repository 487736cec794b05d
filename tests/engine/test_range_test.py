"""The learning-rate range test (engine/train/range_test.py): the curve's rates, torch-lr-finder's
smoothing, stop and suggestion, the trainer driven by it; optionally the same losses as torch."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

from engine import datasets, train
from engine.train import loop
from engine.train.range_test import _batches, rates, smooth, suggest

SGD = {"name": "sgd", "params": {}}


def moons(n=200, seed=0):
    return datasets.make("moons", rng=np.random.default_rng(seed), n_samples=n, noise=0.2)


def config(**kw):
    base = {"data": moons(), "hidden": [16, 16], "batch_size": 32, "optimizers": [SGD]}
    return {**base, **kw}


# --------------------------------------------------------------------- the rates


def test_exp_rates_are_start_times_ratio_to_the_i_over_n_minus_1():
    t = train.range_test(config(), start_lr=1e-7, end_lr=10.0, num_iter=60, diverge_th=1e300)
    expected = [1e-7 * (10.0 / 1e-7) ** (i / 59) for i in range(60)]
    np.testing.assert_array_equal(t.lrs, expected[: t.iterations])
    np.testing.assert_array_equal(rates(1e-7, 10.0, 60), expected)
    assert expected[0] == 1e-7 and expected[-1] == pytest.approx(10.0, rel=1e-15)


def test_linear_rates():
    expected = [1e-3 + (i / 9) * (0.5 - 1e-3) for i in range(10)]
    np.testing.assert_array_equal(rates(1e-3, 0.5, 10, "linear"), expected)
    t = train.range_test(config(), 1e-3, 0.5, 10, "linear")
    np.testing.assert_array_equal(t.lrs, rates(1e-3, 0.5, 10, "linear"))


def test_each_update_uses_the_curve_rate_whatever_the_lane_lr_and_schedule(monkeypatch):
    seen = []
    real = loop.Trainer.iterate

    def spy(self, idx, lr):
        seen.append(float(lr))
        return real(self, idx, lr)

    monkeypatch.setattr(loop.Trainer, "iterate", spy)
    lane = {"name": "sgd", "params": {"lr": 0.5}, "schedule": {"name": "step", "params": {}}}
    t = train.range_test(config(optimizers=[lane]), 1e-5, 1e-2, 30)
    assert t.stopped == "end"
    assert seen == list(rates(1e-5, 1e-2, 30))


def test_the_trainer_loop_and_the_range_test_agree_on_a_linear_ramp():
    """torch's LinearLR schedule from 0.1·lr to lr over T iterations, trained by `train.run`,
    is the range test's linear mode from 0.1 to 1 over T + 1 iterations: the same losses."""
    n_iter = 5 * 4  # 160 training samples, batches of 32: 5 per epoch, 4 epochs
    sched = {"name": "linear", "params": {"start_factor": 0.1, "end_factor": 1.0,
                                          "total_iters": n_iter - 1}}  # fmt: skip
    lane = {"name": "adam", "params": {"lr": 1.0}, "schedule": sched}
    r = train.run(config(optimizers=[lane], epochs=4, grid_every=0), 5)
    t = train.range_test(config(optimizers=[lane]), 0.1, 1.0, n_iter, "linear", diverge_th=1e300,
                         rng_seed=5)  # fmt: skip
    np.testing.assert_allclose(r.arrays["it_lr"][:, 0], t.lrs, rtol=1e-14)
    np.testing.assert_allclose(r.arrays["it_loss"][:, 0], t.losses, rtol=1e-12)


def test_iterate_is_one_update_of_the_epoch_loop():
    """A trainer driven by `iterate` at a constant rate trains as `train.run` does."""
    cfg = config(optimizers=[{"name": "adam", "params": {"lr": 0.01}}], epochs=2, grid_every=0)
    r = train.run(cfg, 3)
    tr = loop.Trainer(train.check(cfg), 3)
    batches = _batches(tr)
    ours = [float(tr.iterate(next(batches), 0.01)[0]) for _ in range(r.arrays["it_loss"].shape[0])]
    np.testing.assert_array_equal(ours, r.arrays["it_loss"][:, 0])


def test_a_run_is_the_same_before_and_after_a_range_test():
    cfg = config(optimizers=[{"name": "adam", "params": {"lr": 0.01}}], epochs=2, grid_every=0)
    before = train.run(cfg, 1).arrays["it_loss"]
    train.range_test(cfg, rng_seed=1)
    np.testing.assert_array_equal(train.run(cfg, 1).arrays["it_loss"], before)


# --------------------------------------------------------------------- smoothing and stop


def _written_out(losses, smooth_f, diverge_th):
    """torch-lr-finder's loop, on plain floats: smoothed history, stop index (or None)."""
    history, best = [], None
    for i, loss in enumerate(losses):
        if i == 0:
            best = loss
        else:
            if smooth_f > 0:
                loss = smooth_f * loss + (1 - smooth_f) * history[-1]
            if loss < best:
                best = loss
        history.append(loss)
        if loss > diverge_th * best:
            return history, i
    return history, None


@pytest.mark.parametrize("smooth_f", [0.05, 0.3, 0.0])
def test_smoothing_is_torch_lr_finders(smooth_f):
    t = train.range_test(config(), 1e-4, 1.0, 80, smooth_f=smooth_f, diverge_th=1e300)
    history, stop = _written_out([float(v) for v in t.losses], smooth_f, 1e300)
    assert stop is None and t.stopped == "end"
    np.testing.assert_array_equal(t.smoothed, history)
    np.testing.assert_array_equal(smooth(t.losses, smooth_f), history)
    if smooth_f == 0:
        np.testing.assert_array_equal(t.smoothed, t.losses)


def test_it_stops_where_the_smoothed_loss_passes_diverge_th_times_the_best():
    t = train.range_test(config(), 1e-4, 100.0, 400, smooth_f=0.3, diverge_th=3)
    assert t.stopped == "diverged" and t.iterations < 400
    history, stop = _written_out([float(v) for v in t.losses], 0.3, 3)
    assert stop == t.iterations - 1  # the diverging point is kept, as torch-lr-finder keeps it
    assert t.smoothed[-1] > 3 * np.min(t.smoothed[:-1])
    assert np.all(t.smoothed[:-1] <= 3 * np.minimum.accumulate(t.smoothed[:-1]))


def test_a_small_range_runs_to_the_end():
    t = train.range_test(config(), 1e-6, 1e-3, 50)
    assert t.stopped == "end" and t.iterations == 50 == len(t.losses) == len(t.smoothed)
    assert np.isfinite(t.losses).all()


def test_a_non_finite_loss_stops_the_test():
    # no divergence threshold to speak of: a regression's squared error overflows at last
    data = datasets.make("sine", rng=np.random.default_rng(0))
    cfg = config(data=data, hidden=[16], loss="mse")
    t = train.range_test(cfg, 1e-2, 1e12, 300, diverge_th=1e300, smooth_f=0.0)
    assert t.stopped == "diverged"
    assert not np.isfinite(t.smoothed[-1]) and np.isfinite(t.smoothed[:-1]).all()


# --------------------------------------------------------------------- suggestion


SYNTH = [9.0, 5.0] + [5.0] * 10 + [4.9, 4.5, 3.0, 2.8, 2.7, 2.6, 2.6, 0.0, 2.6, 2.6]


def test_suggestion_on_a_synthetic_curve_by_hand():
    # window SYNTH[10:17] = 5, 5, 4.9, 4.5, 3.0, 2.8, 2.7; np.gradient: 0, -0.05, -0.25,
    # -0.95, -0.85, -0.15, -0.1 -> the steepest is the 4th, index 13 (the drop 9 -> 5 at the
    # start and 2.6 -> 0 near the end are skipped)
    assert len(SYNTH) == 22
    assert suggest(SYNTH) == 13
    assert suggest(SYNTH, skip_start=0, skip_end=0) in (0, 19)  # the skipped drops
    assert suggest(SYNTH[:16]) is None  # one point left: no gradient
    assert suggest(SYNTH[:17]) == 10  # 5, 5: gradients 0, 0
    assert suggest(SYNTH[:18]) == 12  # 5, 5, 4.9: gradients 0, -0.05, -0.1


def test_the_suggestion_of_a_test_is_torch_lr_finders():
    t = train.range_test(config(), rng_seed=2)
    s = np.array(t.smoothed)
    k = 10 + int(np.gradient(s[10:-5]).argmin())
    assert t.suggested_index == k and t.suggested_lr == t.lrs[k]
    assert t.min_loss_lr == t.lrs[int(np.argmin(s))]


def test_moons_sgd_suggests_a_sensible_rate():
    t = train.range_test(config(), rng_seed=0)
    assert 1e-3 < t.suggested_lr < 10
    assert t.smoothed[t.suggested_index] < t.smoothed[0]


# --------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"start_lr": 0.0}, "start_lr"),
        ({"start_lr": float("nan")}, "start_lr"),
        ({"end_lr": 1e-8}, "end_lr"),
        ({"num_iter": 1}, "num_iter"),
        ({"step_mode": "cos"}, "step_mode"),
        ({"smooth_f": 1.0}, "smooth_f"),
        ({"diverge_th": 1.0}, "diverge_th"),
    ],
)
def test_bad_range_parameters_name_the_field(kw, field):
    with pytest.raises(ValueError, match=f"^{field}: "):
        train.range_test(config(), **kw)


def test_exactly_one_optimizer():
    with pytest.raises(ValueError, match="^optimizers: "):
        train.range_test(config(optimizers=[SGD, SGD]))


# --------------------------------------------------------------------- optional: real torch

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def torch_range_test(cfg, seed, opt_name, opt_params, lrs, smooth_f, diverge_th):
    """The same test in torch (float64): the engine's initial weights and minibatches, the rate
    of each iteration set in the param group, torch-lr-finder's smoothing and stop."""
    import torch

    d = cfg["data"]
    X, y = torch.tensor(d.X_train, dtype=torch.float64), torch.tensor(d.y_train)
    p0 = train.initial_params(cfg, seed)
    mods = []
    n = sum(1 for k in p0 if k[0] == "W")
    for i in range(1, n + 1):
        lin = torch.nn.Linear(*p0[f"W{i}"].shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(p0[f"W{i}"].T))
            lin.bias.zero_()
        mods += [lin, torch.nn.ReLU()] if i < n else [lin]
    model = torch.nn.Sequential(*mods)
    opt = getattr(torch.optim, opt_name)(model.parameters(), **opt_params)
    per_epoch = math.ceil(len(y) / cfg["batch_size"])
    order = train.batch_order(seed, len(y), cfg["batch_size"], -(-len(lrs) // per_epoch))
    batches = [b for epoch in order for b in epoch]
    losses, history, best = [], [], None
    for i, lr in enumerate(lrs):
        for g in opt.param_groups:
            g["lr"] = float(lr)
        idx = torch.from_numpy(batches[i])
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
        loss.backward()
        opt.step()
        losses.append(loss.item())
        s = losses[-1] if i == 0 else smooth_f * losses[-1] + (1 - smooth_f) * history[-1]
        best = s if i == 0 else min(best, s)
        history.append(s)
        if s > diverge_th * best:
            break
    return np.array(losses), np.array(history)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(
    ("ours", "theirs", "params"),
    [("sgd", "SGD", {"momentum": 0.9}), ("adam", "Adam", {})],
)
def test_same_losses_as_torch(ours, theirs, params):
    cfg = config(optimizers=[{"name": ours, "params": params}])
    t = train.range_test(cfg, 1e-5, 10.0, 100, rng_seed=4)
    losses, smoothed = torch_range_test(cfg, 4, theirs, {"lr": 1e-3, **params}, t.lrs, 0.05, 5)
    assert len(losses) == t.iterations
    np.testing.assert_allclose(t.losses, losses, rtol=1e-8)
    np.testing.assert_allclose(t.smoothed, smoothed, rtol=1e-8)

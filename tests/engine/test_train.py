"""Training runs: learning, symmetry, vanishing gradients, early stopping, lanes, determinism,
counters, schedules, divergence, chunks; and optionally the same numbers as PyTorch."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from engine import datasets, registry, schedules, train

ADAM = {"name": "adam", "params": {"lr": 0.01}}


def moons(n=400, noise=0.2, seed=0, **kw):
    return datasets.make("moons", rng=np.random.default_rng(seed), n_samples=n, noise=noise, **kw)


def config(data=None, **kw):
    base = {
        "data": data if data is not None else moons(),
        "hidden": [16, 16],
        "loss": "cross_entropy",
        "batch_size": 32,
        "epochs": 5,
        "optimizers": [ADAM],
        "grid_every": 0,
    }
    return {**base, **kw}


def test_adam_learns_moons():
    r = train.run(config(moons(1000), epochs=50), 0)
    assert r.summary[0]["final_val_acc"] >= 0.95
    assert r.arrays["train_loss"][-1, 0] < 0.3 * r.arrays["train_loss"][0, 0]


def test_zero_init_keeps_hidden_units_identical():
    r = train.run(config(activation="sigmoid", init="zeros", epochs=20), 0)
    W1 = r.params["W1"][0]
    assert np.abs(W1).max() > 0.1  # the weights moved...
    np.testing.assert_allclose(W1, W1[:, :1] * np.ones((1, 16)), atol=1e-12)  # ...together


def test_deep_sigmoid_gradients_vanish_toward_the_input_and_relu_he_fixes_it():
    deep = {"hidden": [16] * 8, "epochs": 1, "optimizers": [{"name": "sgd", "params": {}}]}
    sig = train.run(config(activation="sigmoid", init="xavier_normal", **deep), 0)
    relu = train.run(config(activation="relu", init="he_normal", **deep), 0)
    g_sig, g_relu = sig.arrays["grad_norm"][1, 0], relu.arrays["grad_norm"][1, 0]
    assert np.all(np.diff(g_sig) > 0)  # each layer's gradient smaller than the next one's
    assert g_sig[0] / g_sig[-1] < 1e-3
    assert g_relu[0] / g_relu[-1] > 0.05
    assert np.isnan(sig.arrays["grad_norm"][0]).all()  # no update before epoch 1


def test_early_stopping_fires_and_restores_the_best_weights():
    small = moons(60, noise=0.45, seed=3, val_fraction=0.5)
    es = {"patience": 5, "restore_best": True}
    r = train.run(config(small, hidden=[128, 128], epochs=400, early_stopping=es), 0)
    s = r.summary[0]
    assert s["reason"] == "early_stop" and s["stopped_epoch"] < 400
    assert s["stopped_epoch"] == s["best_epoch"] + 5
    assert s["final_val_loss"] == pytest.approx(s["best_val_loss"], rel=1e-12)
    assert s["best_val_loss"] == pytest.approx(np.nanmin(r.arrays["val_loss"][1:, 0]), rel=1e-15)
    assert r.events[0]["type"] == "early_stop" and r.events[0]["restored"]
    after = r.arrays["epochs"] > s["stopped_epoch"]
    assert not after.any()  # a single lane: the run ends with it


def _keras_stop_epoch(monitor, patience: int, min_delta: float = 0.0):
    """Keras 3's EarlyStopping.on_epoch_end written out over a monitored loss per epoch
    (epoch 0: the untrained network, the first `best`): the epoch it stops at, or None."""
    best, wait = monitor[0], 0
    for epoch in range(1, len(monitor)):
        wait += 1
        if monitor[epoch] < best - min_delta:
            best, wait = monitor[epoch], 0
            continue
        if wait >= patience:
            return epoch
    return None


@pytest.mark.parametrize("patience", [0, 1, 3])
def test_early_stopping_stops_where_keras_does(patience):
    """With patience 0 a lane stops at its first epoch without an improvement, not after
    the first epoch (Keras' callback: an improving epoch never stops)."""
    small = moons(60, noise=0.45, seed=3, val_fraction=0.5)
    es = {"patience": patience, "restore_best": False}
    plain = train.run(config(small, hidden=[32], epochs=80), 0).arrays["val_loss"][:, 0]
    s = train.run(config(small, hidden=[32], epochs=80, early_stopping=es), 0).summary[0]
    want = _keras_stop_epoch(plain, patience)
    assert want is not None and want > 1
    assert s["reason"] == "early_stop" and s["stopped_epoch"] == want


@pytest.mark.parametrize(("batch_size", "what"), [(1, "every minibatch"), (53, "last minibatch")])
def test_batch_norm_never_trains_on_a_single_example(batch_size, what):
    """torch's BatchNorm1d raises on a batch of one; so does the config check, naming it."""
    data = moons(200, noise=0.2, seed=0, val_fraction=0.2)  # 160 training examples
    bad = config(data, hidden=[8], batch_norm=True, batch_size=batch_size, epochs=2)
    with pytest.raises(ValueError, match=f"batch_size: .*{what}"):
        train.check(bad)
    train.check(config(data, hidden=[8], batch_norm=True, batch_size=32, epochs=2))


def test_without_restore_the_last_weights_stay():
    small = moons(60, noise=0.45, seed=3, val_fraction=0.5)
    es = {"patience": 5, "restore_best": False}
    s = train.run(config(small, hidden=[128, 128], epochs=400, early_stopping=es), 0).summary[0]
    assert s["reason"] == "early_stop" and not s["restored_best"]
    assert s["final_val_loss"] > s["best_val_loss"]


def test_a_stopped_lane_is_frozen_while_the_others_go_on():
    small = moons(60, noise=0.45, seed=3, val_fraction=0.5)
    lanes = [{"name": "adam", "params": {"lr": 0.05}}, {"name": "gd", "params": {"lr": 0.001}}]
    es = {"patience": 3, "restore_best": True}
    r = train.run(config(small, hidden=[64], epochs=60, optimizers=lanes, early_stopping=es), 0)
    fast, slow = r.summary
    assert fast["reason"] == "early_stop" and slow["stopped_epoch"] > fast["stopped_epoch"]
    rows = r.arrays["epochs"] > fast["stopped_epoch"]
    assert np.isnan(r.arrays["val_loss"][rows, 0]).all()
    assert not np.isnan(r.arrays["val_loss"][rows, 1]).any()
    assert not r.arrays["active"][rows, 0].any()
    later = r.arrays["it_index"] > fast["iterations"]
    assert np.isnan(r.arrays["it_loss"][later, 0]).all()


MIXED = [
    {"name": "sgd", "params": {"lr": 0.05, "momentum": 0.9}},
    {"name": "adam", "params": {"lr": 0.01}, "schedule": {"name": "cosine", "params": {}}},
    {"name": "gd", "params": {"lr": 0.2}},
    {"name": "rmsprop", "params": {"lr": 0.003}},
]


def test_lanes_equal_separate_runs():
    cfg = config(epochs=4, optimizers=MIXED, dropout=0.2, l2=1e-3, grid_every=2)
    together = train.run(cfg, 7)
    for lane, opt in enumerate(MIXED):
        alone = train.run({**cfg, "optimizers": [opt]}, 7)
        for f in ("train_loss", "val_loss", "it_loss", "lr", "grad_norm", "hist"):
            np.testing.assert_allclose(
                together.arrays[f][:, lane], alone.arrays[f][:, 0], rtol=1e-12, atol=1e-15
            )
        np.testing.assert_allclose(together.params["W2"][lane], alone.params["W2"][0], rtol=1e-12)
        np.testing.assert_allclose(
            together.grids[-1]["values"][lane], alone.grids[-1]["values"][0], rtol=1e-12
        )


def test_every_lane_starts_from_the_same_weights_and_sees_the_same_batches():
    twins = [ADAM, ADAM]
    r = train.run(config(optimizers=twins, dropout=0.3, batch_norm=True), 1)
    np.testing.assert_array_equal(r.arrays["it_loss"][:, 0], r.arrays["it_loss"][:, 1])
    first = train.initial_params(config(), 1)
    assert first["W1"].shape == (2, 16)


def test_same_seed_same_bits_other_seed_other_run():
    cfg = config(optimizers=MIXED, dropout=0.1, batch_norm=True, grid_every=1)
    a, b, c = train.run(cfg, 3), train.run(cfg, 3), train.run(cfg, 4)
    for f in train.ROW_FIELDS + train.IT_FIELDS:
        np.testing.assert_array_equal(a.arrays[f], b.arrays[f])
    np.testing.assert_array_equal(a.grids[-1]["values"], b.grids[-1]["values"])
    assert not np.array_equal(a.arrays["it_loss"], c.arrays["it_loss"])


def test_dropout_changes_training_but_not_the_start_or_the_batch_order():
    plain = train.run(config(epochs=2), 5)
    dropped = train.run(config(epochs=2, dropout=0.5), 5)
    assert plain.arrays["train_loss"][0, 0] == dropped.arrays["train_loss"][0, 0]
    assert not np.array_equal(plain.arrays["it_loss"], dropped.arrays["it_loss"])


@pytest.mark.parametrize(
    ("n", "batch", "per_epoch"),
    [(50, 1, 50), (50, 7, 8), (50, 50, 1), (50, 64, 1), (2000, 200, 10)],
)
def test_iterations_per_epoch_is_ceil_of_samples_over_batch(n, batch, per_epoch):
    data = moons(n, val_fraction=0.0)
    r = train.run(config(data, hidden=[4], batch_size=batch, epochs=2), 0)
    assert r.meta["iterations_per_epoch"] == per_epoch
    assert r.meta["batch_size"] == min(batch, n)
    np.testing.assert_array_equal(r.arrays["iteration"], [0, per_epoch, 2 * per_epoch])
    np.testing.assert_array_equal(r.arrays["it_index"], np.arange(1, 2 * per_epoch + 1))
    assert r.summary[0]["iterations"] == 2 * per_epoch


def test_batch_order_helper_replays_the_shuffles():
    order = train.batch_order(0, 10, 4, 2)
    assert [len(b) for b in order[0]] == [4, 4, 2]
    assert sorted(np.concatenate(order[1])) == list(range(10))
    assert not np.array_equal(np.concatenate(order[0]), np.concatenate(order[1]))
    np.testing.assert_array_equal(train.batch_order(0, 10, 10, 1)[0][0], np.arange(10))


def test_schedules_step_per_iteration():
    sched = {"name": "step", "params": {"step_size": 7, "gamma": 0.5}}
    opt = {"name": "sgd", "params": {"lr": 0.1}, "schedule": sched}
    r = train.run(config(optimizers=[opt], epochs=3), 0)
    t = np.arange(r.arrays["it_index"].size)
    expected = schedules.create("step", 0.1, step_size=7, gamma=0.5)(t)
    np.testing.assert_allclose(r.arrays["it_lr"][:, 0], expected)
    assert r.meta["schedule_step"] == "iteration"


def test_reduce_on_plateau_steps_per_epoch_on_the_validation_loss():
    sched = {"name": "reduce_on_plateau", "params": {"patience": 1, "factor": 0.5}}
    opt = {"name": "sgd", "params": {"lr": 0.5}, "schedule": sched}
    small = moons(60, noise=0.45, seed=3, val_fraction=0.5)
    r = train.run(config(small, hidden=[128, 128], optimizers=[opt], epochs=40), 0)
    lrs = r.arrays["lr"][1:, 0]
    halvings = np.log2(0.5 / lrs)
    assert lrs.min() < 0.5 and np.array_equal(halvings, np.round(halvings))
    assert (np.diff(lrs) <= 0).all()
    per_epoch = r.arrays["it_lr"][:, 0].reshape(40, -1)
    assert (per_epoch == per_epoch[:, :1]).all()  # constant within an epoch


def test_a_diverging_lane_is_marked_and_the_others_go_on():
    lanes = [{"name": "sgd", "params": {"lr": 10.0}}, ADAM]
    r = train.run(config(moons(200), loss="mse", optimizers=lanes, epochs=30, init="he_uniform"), 0)
    bad, good = r.summary
    assert bad["reason"] == "diverged" and bad["diverged_at"]["epoch"] >= 1
    assert good["reason"] == "max_epochs" and np.isfinite(good["final_val_loss"])
    assert any(e["type"] == "diverged" and e["lane"] == 0 for e in r.events)
    assert np.isnan(r.arrays["val_loss"][-1, 0]) and r.summary[0]["final_val_loss"] != 0


# the three lanes the MLP tab opens with (static/js/mlp/config.js DEFAULT_MLP_LANES)
UI_LANES = [
    {"name": "sgd", "params": {"lr": 0.1}},
    {"name": "sgd", "params": {"lr": 0.05, "momentum": 0.9}},
    {"name": "adam", "params": {"lr": 0.01}},
]


def sine(seed=0, **kw):
    return datasets.make("sine", rng=np.random.default_rng(seed), **kw)


def test_a_lane_whose_loss_explodes_is_marked_diverged_long_before_it_overflows():
    # ReLU + He on the unscaled sine: SGD at lr 0.1 climbs to 1e64 and then (its ReLUs dead)
    # creeps back to a flat line; it used to end "max_epochs" with gradient norms of 1e54
    cfg = config(sine(), loss="mse", activation="relu", init="he_normal", optimizers=UI_LANES)
    r = train.run({**cfg, "epochs": 20}, 0)
    sgd, momentum, adam = r.summary
    limit = train.DIVERGE_LOSS_FACTOR * r.arrays["train_loss"][0, 0]
    assert r.meta["divergence"]["loss_limit"] == pytest.approx([limit] * 3)
    for s in (sgd, momentum):
        assert s["reason"] == "diverged" and s["diverged_at"]["reason"] == "loss", s
        assert s["diverged_at"]["epoch"] <= 2 and np.isnan(s["final_val_loss"])
    assert sgd["diverged_at"] == {"epoch": 1, "iteration": 3, "reason": "loss"}
    events = [e for e in r.events if e["type"] == "diverged"]
    assert [e["lane"] for e in events] == [0, 1]
    assert all(limit < e["value"] < 1e12 for e in events)  # caught on the way up, not at inf
    it = r.arrays["it_loss"][:, 0]
    assert np.nanmax(it) == events[0]["value"] and np.isnan(it[3:]).all()
    # nothing is recorded for a lane from the epoch it diverged in: no 1e54 on any chart
    for lane, s in enumerate((sgd, momentum)):
        k = s["diverged_at"]["epoch"]
        assert np.isnan(r.arrays["train_loss"][k:, lane]).all()
        assert np.isnan(r.arrays["grad_norm"][k:, lane]).all()
        assert np.isfinite(r.arrays["train_loss"][:k, lane]).all()
    assert adam["reason"] == "max_epochs" and adam["diverged_at"] is None


def test_a_lane_whose_gradient_explodes_is_marked_diverged():
    big = moons(100)
    data = {
        "X_train": big.X_train * 1e7,
        "y_train": big.y_train,
        "X_val": big.X_val * 1e7,
        "y_val": big.y_val,
        "task": "binary",
        "n_classes": 2,
    }
    r = train.run(config(data, optimizers=[ADAM], epochs=3), 0)
    (s,) = r.summary
    assert s["reason"] == "diverged" and s["diverged_at"]["reason"] == "grad_norm"
    assert s["diverged_at"]["iteration"] == 1
    (e,) = r.events
    assert e["reason"] == "grad_norm" and e["value"] > train.DIVERGE_GRAD_NORM


def suggested(name):
    return dict(registry.get("dataset", name).info.get("suggested") or {})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_sine_defaults_train_every_lane_sensibly(seed):
    # the MLP tab's settings for sine: general defaults, then the dataset's suggestions
    assert suggested("sine") == {"activation": "tanh", "init": "xavier_uniform"}
    cfg = config(sine(seed), loss="mse", optimizers=UI_LANES, epochs=100, **suggested("sine"))
    r = train.run(cfg, seed)
    noise_floor = 0.1**2
    for s in r.summary:
        assert s["reason"] == "max_epochs", s
        assert s["final_val_loss"] < 5 * noise_floor, s  # y = sin x has variance 0.5
    assert np.nanmax(r.arrays["grad_norm"]) < 100


@pytest.mark.parametrize("name", datasets.names())
def test_no_dataset_makes_a_default_lane_diverge(name):
    raw = None
    if name == "digits":
        from pathlib import Path

        import engine

        raw = (Path(engine.__file__).parent / datasets.DIGITS_FILE).read_bytes()
    data = datasets.make(name, rng=np.random.default_rng(0), raw=raw)
    loss = "mse" if data.task == "regression" else "cross_entropy"
    cfg = config(data, loss=loss, optimizers=UI_LANES, epochs=30, **suggested(name))
    r = train.run(cfg, 0)
    assert [s["reason"] for s in r.summary] == ["max_epochs"] * 3


def test_l2_makes_weights_smaller():
    plain = train.run(config(epochs=15), 0)
    ridge = train.run(config(epochs=15, l2=0.01), 0)
    assert (ridge.arrays["weight_norm"][-1, 0] < plain.arrays["weight_norm"][-1, 0]).all()
    assert ridge.arrays["penalty"][-1, 0] > 0 and plain.arrays["penalty"][-1, 0] == 0


def test_batch_norm_momentum_and_eps_are_torchs():
    """running ← (1 − m)·running + m·(unbiased batch variance); ε inside the square root."""
    base = config(batch_norm=True, hidden=[8], epochs=2)
    default = train.run(base, 0)
    slow = train.run({**base, "bn_momentum": 0.01}, 0)
    wide = train.run({**base, "bn_eps": 0.1}, 0)
    np.testing.assert_array_equal(default.arrays["it_loss"][:1], slow.arrays["it_loss"][:1])
    assert np.abs(slow.running["mean1"]).max() < np.abs(default.running["mean1"]).max()
    assert not np.allclose(default.arrays["it_loss"], wide.arrays["it_loss"])


def test_batch_norm_run_keeps_running_statistics():
    r = train.run(config(batch_norm=True, hidden=[8, 8]), 0)
    assert set(r.running) == {"mean1", "var1", "mean2", "var2"}
    assert r.running["mean1"].shape == (1, 8)
    assert not np.allclose(r.running["var1"], 1.0)
    assert "gamma2" in r.params and "gamma3" not in r.params


def test_chunks_meta_first_summary_last_and_chunking_keeps_the_bits():
    cfg = config(epochs=7, grid_every=3)
    chunks = list(train.train({**cfg, "chunk_epochs": 2}, 0))
    assert chunks[0].meta is not None and list(chunks[0].epochs) == [0]
    assert all(c.summary is None for c in chunks[:-1]) and chunks[-1].summary
    assert [list(c.epochs) for c in chunks[1:]] == [[1, 2], [3, 4], [5, 6], [7]]
    whole = train.run({**cfg, "chunk_epochs": 100}, 0)
    np.testing.assert_array_equal(
        np.concatenate([c.it_loss for c in chunks]), whole.arrays["it_loss"]
    )
    assert [g["epoch"] for g in whole.grids] == [0, 3, 6, 7]


def test_grids_histograms_and_meta_shapes():
    r = train.run(config(moons(), optimizers=MIXED[:2], epochs=2, grid_every=1, hist_bins=12), 0)
    g = r.grids[-1]
    assert g["kind"] == "probability" and g["values"].shape == (2, 40, 40)
    assert ((g["values"] >= 0) & (g["values"] <= 1)).all()
    assert len(r.meta["grid"]["x"]) == 40 and len(r.meta["hist_edges"]) == 3
    hist = r.arrays["hist"]
    assert hist.shape == (3, 2, 3, 12)
    np.testing.assert_array_equal(hist[:, :, :, :].sum(axis=-1)[-1, 0], [2 * 16, 16 * 16, 16 * 2])
    assert r.meta["layers"][0] == {"layer": 1, "fan_in": 2, "fan_out": 16, "activation": "relu"}


@pytest.mark.parametrize(
    ("name", "loss", "kind", "shape"),
    [
        ("gaussians", "cross_entropy", "class", (1, 40, 40)),
        ("sine", "mse", "value", (1, 160)),
        ("plane", "huber", "value", (1, 40, 40)),
        ("xor", "hinge", "probability", (1, 40, 40)),
    ],
)
def test_every_task_trains_and_draws_its_grid(name, loss, kind, shape):
    data = datasets.make(name, rng=np.random.default_rng(0), n_samples=100)
    r = train.run(config(data, loss=loss, epochs=2, grid_every=1), 0)
    assert r.grids[-1]["kind"] == kind and r.grids[-1]["values"].shape == shape
    assert np.isfinite(r.arrays["val_loss"]).all()
    acc = r.arrays["val_acc"]
    assert np.isnan(acc).all() if data.task == "regression" else np.isfinite(acc).all()


def test_digits_train_without_a_grid():
    import pathlib

    import engine

    raw = (pathlib.Path(engine.__file__).parent / datasets.DIGITS_FILE).read_bytes()
    data = datasets.make("digits", rng=np.random.default_rng(0), raw=raw, n_samples=600)
    r = train.run(config(data, hidden=[32], epochs=8), 0)
    assert r.meta["grid"] is None and r.grids == ()
    assert r.summary[0]["final_val_acc"] > 0.85


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hidden": [0]}, "hidden"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 2.5}, "epochs"),
        ({"dropout": 0.99}, "dropout"),
        ({"batch_norm": "yes"}, "batch_norm"),
        ({"optimizers": []}, "optimizers"),
        ({"optimizers": [{"name": "adam", "params": {"lr": -1}}]}, r"optimizers\[0\]"),
        ({"optimizers": [{"name": "adam", "params": {"momentum": 0.9}}]}, r"optimizers\[0\]"),
        (
            {"loss": "hinge", "data": datasets.make("gaussians", rng=np.random.default_rng(0))},
            "model",
        ),
        ({"early_stopping": {"patience": -1}}, "early_stopping.patience"),
        ({"activation": "softmax"}, "model"),
        ({"data": None}, "data"),
    ],
)
def test_bad_configs_fail_at_once_naming_the_field(change, field):
    with pytest.raises(ValueError, match=field):
        train.train({**config(), **change}, 0)


def test_the_run_request_shape_is_accepted():
    model = {
        "hidden": [8],
        "activation": "tanh",
        "init": "xavier_uniform",
        "dropout": 0.0,
        "batch_norm": False,
    }
    r = train.run(config(model=model, hidden=None, epochs=1), 0)
    assert r.meta["sizes"] == [2, 8, 2] and r.meta["layers"][0]["activation"] == "tanh"


# --------------------------------------------------------------------- optional: real torch

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def _torch_net(torch, cfg, seed, batch_norm=False, bn=None):
    """The engine's network with its initial weights, in torch (float64, ReLU hidden layers)."""
    p0 = train.initial_params(cfg, seed)
    mods = []
    n = sum(1 for k in p0 if k[0] == "W")
    for i in range(1, n + 1):
        lin = torch.nn.Linear(*p0[f"W{i}"].shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(p0[f"W{i}"].T))
            lin.bias.zero_()
        mods.append(lin)
        if i < n:
            if batch_norm:
                mods.append(
                    torch.nn.BatchNorm1d(lin.out_features, dtype=torch.float64, **(bn or {}))
                )
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def _torch_val_loss(torch, model, d):
    model.eval()
    with torch.no_grad():
        Xv = torch.tensor(d.X_val, dtype=torch.float64)
        return torch.nn.functional.cross_entropy(model(Xv), torch.tensor(d.y_val)).item()


def torch_losses(cfg, seed, opt_name, opt_params, batch_norm=False, bn=None):
    """Iteration losses of the same network, weights and batches trained by torch (float64)."""
    import torch

    d = cfg["data"]
    X = torch.tensor(d.X_train, dtype=torch.float64)
    y = torch.tensor(d.y_train)
    model = _torch_net(torch, cfg, seed, batch_norm, bn)
    opt = getattr(torch.optim, opt_name)(model.parameters(), **opt_params)
    out = []
    for epoch in train.batch_order(seed, len(y), cfg["batch_size"], cfg["epochs"]):
        for idx in epoch:
            idx = torch.from_numpy(idx)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            out.append(loss.item())
    return np.array(out), _torch_val_loss(torch, model, d)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(
    ("ours", "theirs", "params", "bn", "bn_params"),
    [
        ("sgd", "SGD", {"lr": 0.1, "momentum": 0.9}, False, {}),
        ("adam", "Adam", {"lr": 0.01}, False, {}),
        ("adam", "Adam", {"lr": 0.01}, True, {}),
        ("adam", "Adam", {"lr": 0.01}, True, {"momentum": 0.3, "eps": 1e-2}),
    ],
    ids=["sgd", "adam", "adam-batchnorm", "adam-batchnorm-momentum-eps"],
)
def test_same_losses_as_torch(ours, theirs, params, bn, bn_params):
    cfg = config(
        moons(200),
        batch_size=16,
        epochs=3,
        batch_norm=bn,
        optimizers=[{"name": ours, "params": params}],
        **{f"bn_{k}": v for k, v in bn_params.items()},
    )
    r = train.run(cfg, 11)
    expected, val = torch_losses(cfg, 11, theirs, params, batch_norm=bn, bn=bn_params)
    np.testing.assert_allclose(r.arrays["it_loss"][:, 0], expected, rtol=1e-10)
    assert r.arrays["val_loss"][-1, 0] == pytest.approx(val, rel=1e-10)


def _torch_lbfgs_losses(cfg, seed, params):
    """torch.optim.LBFGS on the same network, weights and full batch: the loss at the start of
    each step (what step(closure) returns) and the validation loss at the end."""
    import torch

    d = cfg["data"]
    X, y = torch.tensor(d.X_train, dtype=torch.float64), torch.tensor(d.y_train)
    model = _torch_net(torch, cfg, seed)
    opt = torch.optim.LBFGS(model.parameters(), **params)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        return loss

    out = [opt.step(closure).detach().item() for _ in range(cfg["epochs"])]
    return np.array(out), _torch_val_loss(torch, model, d)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(
    "params",
    [{}, {"line_search_fn": "strong_wolfe"}, {"lr": 0.5, "max_iter": 5, "history_size": 4}],
)
def test_lbfgs_trains_an_mlp_as_torch_does(params):
    cfg = config(
        moons(120), hidden=[6], batch_size="full", epochs=4,
        optimizers=[{"name": "lbfgs", "params": params}],
    )  # fmt: skip
    r = train.run(cfg, 3)
    expected, val = _torch_lbfgs_losses(cfg, 3, params)
    # each step is up to 20 iterations and line-search evaluations of a network whose sums
    # round differently in torch: ~2e-9 apart after 4 steps (on 2D surfaces: 1e-9 after 12)
    np.testing.assert_allclose(r.arrays["it_loss"][:, 0], expected, rtol=1e-7)
    assert r.arrays["val_loss"][-1, 0] == pytest.approx(val, rel=1e-7)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"batch_size": 16}, "batch_size"), ({"dropout": 0.2}, "dropout"),
     ({"batch_norm": True}, "batch_norm")],
)  # fmt: skip
def test_lbfgs_needs_one_deterministic_full_batch_loss(change, field):
    cfg = config(hidden=[4], optimizers=[{"name": "lbfgs"}], **{"batch_size": "full", **change})
    with pytest.raises(ValueError, match=f"^{field}"):
        train.check(cfg)


def test_lbfgs_lanes_train_beside_first_order_lanes():
    cfg = config(moons(200), hidden=[8], batch_size="full", epochs=10, optimizers=[
        {"name": "lbfgs", "params": {"line_search_fn": "strong_wolfe"}},
        {"name": "adam", "params": {"lr": 0.05}}])  # fmt: skip
    both = train.run(cfg, 0)
    alone = train.run({**cfg, "optimizers": cfg["optimizers"][1:]}, 0)
    # (lanes batched two by two round as one lane alone does, to an ulp)
    np.testing.assert_allclose(
        both.arrays["train_loss"][:, 1], alone.arrays["train_loss"][:, 0], rtol=1e-14
    )
    assert both.arrays["train_loss"][-1, 0] < 0.5 * both.arrays["train_loss"][-1, 1]


def test_plateau_mode_max_watches_the_validation_accuracy():
    lane = {
        "name": "sgd",
        "params": {"lr": 0.05},
        "schedule": {"name": "reduce_on_plateau", "params": {"mode": "max", "patience": 0}},
    }
    r = train.run(config(moons(200), hidden=[4], epochs=6, optimizers=[lane]), 0)
    acc, lr = r.arrays["val_acc"][1:, 0], r.arrays["lr"][1:, 0]
    stalls = [i for i in range(1, len(acc)) if not acc[i] > acc[:i].max() * (1 + 1e-4)]
    assert (lr[-1] < 0.05) == bool(stalls)  # cut only after an epoch without a better accuracy
    reg = datasets.make("sine", rng=np.random.default_rng(0), n_samples=60, noise=0.1)
    with pytest.raises(ValueError, match="mode"):
        train.check(config(reg, loss="mse", optimizers=[lane]))


def test_lbfgs_takes_no_gradient_clipping():
    cfg = config(hidden=[4], batch_size="full", optimizers=[{"name": "lbfgs", "clip_norm": 1.0}])
    with pytest.raises(ValueError, match="clip_norm"):
        train.check(cfg)

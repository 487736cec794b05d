"""The MLP's forward and backward passes: backprop against central differences for every loss
and activation, batch normalization, dropout, penalties, lanes, and the teaching tools."""

from __future__ import annotations

import numpy as np
import pytest

from engine import activations, losses, mlp, registry

HIDDEN = activations.names(hidden_only=True)
TASK = {
    "binary_cross_entropy": "binary",
    "hinge": "binary",
    "squared_hinge": "binary",
    "cross_entropy": "multiclass",
    "categorical_cross_entropy": "multiclass",
}


def problem(loss, rng, n=9, n_in=3, k=3):
    """Inputs, targets in the loss's format, and the output width."""
    task = TASK.get(loss, "regression")
    X = rng.normal(size=(n, n_in))
    if task == "regression":
        return X, rng.normal(size=(n, 2)), 2
    labels = rng.integers(0, k if task == "multiclass" else 2, size=n)
    return X, losses.targets(loss, labels, task, k), losses.units(loss, task, k)


def net(rng, sizes, act="tanh", batch_norm=False, lanes=None):
    """Random weights with biases (and γ, β) moved off their starting values, so that no
    ReLU-like kink sits exactly at a data point."""
    p = mlp.init(sizes, act, "xavier_normal", rng, batch_norm=batch_norm, lanes=lanes)
    return {k: v + rng.normal(0, 0.3, v.shape) if k[0] != "W" else v for k, v in p.items()}


@pytest.mark.parametrize("act", HIDDEN)
@pytest.mark.parametrize("loss", losses.names())
def test_backprop_matches_central_differences(loss, act, rng):
    X, y, k = problem(loss, rng)
    p = net(rng, [3, 5, 4, k], act)
    report = mlp.gradient_check(p, X, y, activation=act, loss=loss, l1=0.01, l2=0.02)
    assert report["rel"] < 1e-6, report["layers"]


@pytest.mark.parametrize("act", HIDDEN)
def test_backprop_through_batch_norm_in_training_mode(act, rng):
    X, y, k = problem("cross_entropy", rng, n=12)
    p = net(rng, [3, 6, 5, k], act, batch_norm=True)
    report = mlp.gradient_check(p, X, y, activation=act, loss="cross_entropy")
    assert report["rel"] < 1e-6, report["layers"]
    assert [r["params"] for r in report["layers"]][0] == ["W1", "b1", "gamma1", "beta1"]


def test_backprop_in_eval_mode_treats_running_statistics_as_constants(rng):
    X, y, k = problem("mse", rng)
    p = net(rng, [3, 6, k], "elu", batch_norm=True)
    running = {"mean1": rng.normal(size=6), "var1": rng.uniform(0.5, 2, 6)}
    report = mlp.gradient_check(p, X, y, activation="elu", mode="eval", running=running)
    assert report["rel"] < 1e-7


def test_backprop_with_dropout_uses_the_same_masks(rng):
    X, y, k = problem("binary_cross_entropy", rng)
    p = net(rng, [3, 8, 8, k], "sigmoid")
    report = mlp.gradient_check(
        p, X, y, activation="sigmoid", loss="binary_cross_entropy", dropout=0.4, rng=rng
    )
    assert report["rel"] < 1e-6


def test_cross_entropy_equals_categorical_on_one_hot_labels(rng):
    z = rng.normal(0, 3, size=(4, 10, 5))
    labels = rng.integers(0, 5, size=10)
    sparse, d_sparse = losses.get("cross_entropy")(z, labels)
    dense, d_dense = losses.get("categorical_cross_entropy")(z, np.eye(5)[labels])
    np.testing.assert_allclose(sparse, dense, rtol=1e-14)
    np.testing.assert_allclose(d_sparse, d_dense, atol=1e-16)


@pytest.mark.parametrize(
    ("loss", "reference"),
    [
        ("mse", lambda z, y: np.mean((z - y) ** 2)),
        ("mae", lambda z, y: np.mean(np.abs(z - y))),
        ("sse", lambda z, y: 0.5 * np.sum((z - y) ** 2)),
        (
            "huber",
            lambda z, y: np.mean(
                np.where(np.abs(z - y) <= 1, 0.5 * (z - y) ** 2, np.abs(z - y) - 0.5)
            ),
        ),
    ],
)
def test_regression_losses_match_their_formulas(loss, reference, rng):
    z, y = rng.normal(0, 2, size=(7, 1)), rng.normal(size=7)
    assert losses.get(loss)(z, y)[0] == pytest.approx(reference(z[:, 0], y), rel=1e-13)


def test_classification_losses_match_their_formulas(rng):
    z = rng.normal(0, 2, size=(8, 1))
    y = rng.integers(0, 2, size=8)
    p = 1 / (1 + np.exp(-z[:, 0]))
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert losses.get("binary_cross_entropy")(z, y)[0] == pytest.approx(bce, rel=1e-12)
    pm = 2 * y - 1
    hinge = np.mean(np.maximum(0, 1 - pm * z[:, 0]))
    assert losses.get("hinge")(z, y)[0] == pytest.approx(hinge, rel=1e-13)
    assert losses.get("hinge")(z, pm)[0] == pytest.approx(hinge, rel=1e-13)
    sq = np.mean(np.maximum(0, 1 - pm * z[:, 0]) ** 2)
    assert losses.get("squared_hinge")(z, y)[0] == pytest.approx(sq, rel=1e-13)


def test_log_sigmoid_and_log_softmax_are_stable_for_huge_logits():
    z = np.array([[800.0, -800.0], [-900.0, 900.0]])
    value, grad = losses.get("cross_entropy")(z, np.array([1, 1]))
    assert value == pytest.approx(800.0) and np.isfinite(grad).all()
    value, grad = losses.get("binary_cross_entropy")(np.array([[1000.0], [-1000.0]]), [0, 1])
    assert value == pytest.approx(1000.0) and np.isfinite(grad).all()


def test_lanes_give_the_same_numbers_as_separate_networks(rng):
    X, y, k = problem("cross_entropy", rng)
    stacked = net(rng, [3, 6, 6, k], "relu", batch_norm=True, lanes=4)
    loss, grads = mlp.loss_and_grad(stacked, X, y, loss="cross_entropy", l2=0.1)
    assert loss.shape == (4,)
    for lane in range(4):
        one = {key: v[lane] for key, v in stacked.items()}
        l1, g1 = mlp.loss_and_grad(one, X, y, loss="cross_entropy", l2=0.1)
        assert loss[lane] == pytest.approx(l1, rel=1e-14)
        for key in one:
            np.testing.assert_allclose(grads[key][lane], g1[key], rtol=1e-12, atol=1e-15)


def test_per_lane_inputs_are_accepted(rng):
    p = net(rng, [2, 4, 1], lanes=3)
    X, y = rng.normal(size=(3, 5, 2)), rng.normal(size=5)
    loss, _ = mlp.loss_and_grad(p, X, y, activation="tanh")
    for lane in range(3):
        one = {key: v[lane] for key, v in p.items()}
        expected = mlp.loss_value(one, X[lane], y, activation="tanh")
        assert loss[lane] == pytest.approx(expected, rel=1e-14)


def test_init_shapes_keys_and_lanes(rng):
    p = mlp.init([4, 8, 3], rng=rng, batch_norm=True, lanes=2)
    assert list(p) == ["W1", "b1", "gamma1", "beta1", "W2", "b2"]
    assert p["W1"].shape == (2, 4, 8) and p["b2"].shape == (2, 3)
    np.testing.assert_array_equal(p["W1"][0], p["W1"][1])
    assert (p["gamma1"] == 1).all() and (p["beta1"] == 0).all() and (p["b1"] == 0).all()


@pytest.mark.parametrize(
    ("name", "spread"),
    [
        ("uniform", 0.05 / np.sqrt(3)),
        ("normal", 0.01),
        ("xavier_uniform", np.sqrt(2 / (300 + 500))),
        ("xavier_normal", np.sqrt(2 / (300 + 500))),
        ("he_uniform", np.sqrt(2 / 300)),
        ("he_normal", np.sqrt(2 / 300)),
    ],
)
def test_initializers_have_the_torch_variances(name, spread):
    W = activations.initialize(name, (300, 500), np.random.default_rng(0))
    assert W.std() == pytest.approx(spread, rel=0.02)
    assert abs(W.mean()) < 0.05 * spread


def _torch_bound(kind, fan_in, fan_out, p):
    """torch.nn.init's σ (or uniform limit), written out from its documentation."""
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": 2**0.5, "selu": 0.75}
    if kind.startswith("xavier"):
        std = p.get("gain", 1.0) * (2.0 / (fan_in + fan_out)) ** 0.5
    else:
        nl, a = p.get("nonlinearity", "leaky_relu"), p.get("a", 0.0)
        gain = (2.0 / (1 + a * a)) ** 0.5 if nl == "leaky_relu" else gains[nl]
        std = gain / (fan_in if p.get("mode", "fan_in") == "fan_in" else fan_out) ** 0.5
    return 3**0.5 * std if kind.endswith("uniform") else std


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("xavier_uniform", {"gain": 5 / 3}),
        ("xavier_normal", {"gain": 0.5}),
        ("he_uniform", {"mode": "fan_out"}),
        ("he_normal", {"mode": "fan_out", "nonlinearity": "tanh"}),
        ("he_uniform", {"nonlinearity": "leaky_relu", "a": 0.2}),
        ("he_normal", {"nonlinearity": "selu"}),
        ("he_uniform", {"nonlinearity": "linear", "mode": "fan_in"}),
    ],
)
def test_initializers_take_torchs_mode_nonlinearity_and_gain(name, params):
    shape = (300, 500)
    W = activations.initialize({"name": name, "params": params}, shape, np.random.default_rng(0))
    bound = _torch_bound(name, *shape, params)
    if name.endswith("uniform"):
        assert np.abs(W).max() <= bound and np.abs(W).max() > 0.99 * bound
    else:
        assert W.std() == pytest.approx(bound, rel=0.02)


def test_calculate_gain_is_torchs():
    torch = pytest.importorskip("torch")
    for nl in ("linear", "sigmoid", "tanh", "relu", "selu"):
        assert activations.calculate_gain(nl) == pytest.approx(torch.nn.init.calculate_gain(nl))
    for a in (None, 0.0, 0.3):
        assert activations.calculate_gain("leaky_relu", a) == pytest.approx(
            torch.nn.init.calculate_gain("leaky_relu", a)
        )


def test_an_initializers_bad_mode_names_it():
    with pytest.raises(ValueError, match="mode"):
        activations.initialize({"name": "he_normal", "params": {"mode": "fan"}}, (3, 4), None)


def test_zero_initializer_is_all_zeros(rng):
    assert not activations.initialize("zeros", (3, 4), rng).any()


def test_dropout_is_inverted_and_off_at_evaluation(rng):
    p = net(rng, [2, 200, 1], "tanh")
    X = rng.normal(size=(50, 2))
    evaluated = [mlp.forward(p, X, activation="tanh").inputs[1] for _ in range(2)]
    np.testing.assert_array_equal(evaluated[0], evaluated[1])  # nothing random at evaluation
    np.testing.assert_array_equal(evaluated[0], np.tanh(X @ p["W1"] + p["b1"]))  # all units
    trained = mlp.forward(p, X, activation="tanh", mode="train", dropout=0.5, rng=rng)
    kept = trained.inputs[1] != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_allclose(trained.inputs[1][kept], 2 * trained.a[0][kept])


def test_batch_norm_normalizes_in_training_and_uses_running_stats_at_evaluation(rng):
    p = net(rng, [3, 5, 1], "linear", batch_norm=True)
    p["gamma1"], p["beta1"] = np.ones(5), np.zeros(5)
    X = rng.normal(3.0, 2.0, size=(64, 3))
    h = mlp.forward(p, X, activation="linear", mode="train").h[0]
    np.testing.assert_allclose(h.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(h.var(axis=0), 1, rtol=1e-3)
    running = {"mean1": np.full(5, 2.0), "var1": np.full(5, 4.0)}
    z = mlp.forward(p, X, activation="linear", mode="eval", running=running)
    np.testing.assert_allclose(z.h[0], (z.z[0] - 2.0) / np.sqrt(4.0 + 1e-5))
    with pytest.raises(ValueError, match="running statistics"):
        mlp.forward(p, X, activation="linear", mode="eval")


def test_running_statistics_follow_torch_batchnorm1d(rng):
    p = net(rng, [3, 4, 1], batch_norm=True)
    X = rng.normal(size=(10, 3))
    trace = mlp.forward(p, X, activation="tanh", mode="train")
    new = mlp.update_running(mlp.init_running(p), trace)
    z = trace.z[0]
    np.testing.assert_allclose(new["mean1"], 0.1 * z.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(new["var1"], 0.9 + 0.1 * z.var(axis=0, ddof=1), rtol=1e-12)


def test_penalties_add_to_the_loss_and_its_gradient(rng):
    X, y, k = problem("mse", rng)
    p = net(rng, [3, 4, k])
    base, g0 = mlp.loss_and_grad(p, X, y, activation="tanh")
    pen, g1 = mlp.loss_and_grad(p, X, y, activation="tanh", l1=0.1, l2=0.2)
    weights = p["W1"], p["W2"]
    expected = sum(0.1 * np.abs(W).sum() + 0.2 * (W**2).sum() for W in weights)
    assert pen - base == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(g1["W2"] - g0["W2"], 0.1 * np.sign(p["W2"]) + 0.4 * p["W2"])
    np.testing.assert_array_equal(g1["b1"], g0["b1"])  # biases are not penalized


def test_inputs_are_never_mutated(rng):
    X, y, k = problem("cross_entropy", rng)
    p = net(rng, [3, 4, k], batch_norm=True)
    copies = ({key: v.copy() for key, v in p.items()}, X.copy(), y.copy())
    mlp.loss_and_grad(p, X, y, loss="cross_entropy", dropout=0.3, rng=rng)
    mlp.gradient_check(p, X, y, loss="cross_entropy")
    for key in p:
        np.testing.assert_array_equal(p[key], copies[0][key])
    np.testing.assert_array_equal(X, copies[1])
    np.testing.assert_array_equal(y, copies[2])


def test_numerical_gradient_can_be_timed_apart_from_backprop(rng):
    X, y, k = problem("mse", rng)
    p = net(rng, [3, 4, k])
    numeric = mlp.numerical_grad(p, X, y, activation="tanh")
    _, exact = mlp.loss_and_grad(p, X, y, activation="tanh")
    for key in p:
        np.testing.assert_allclose(numeric[key], exact[key], rtol=1e-6, atol=1e-9)


def test_forward_trace_shows_one_iteration_stage_by_stage(rng):
    X, y, k = problem("binary_cross_entropy", rng, n=4, n_in=2)
    p = net(rng, [2, 3, k], "sigmoid")
    opt = {"name": "sgd", "params": {"lr": 0.5}}
    t = mlp.forward_trace(p, X, y, activation="sigmoid", loss="binary_cross_entropy", optimizer=opt)
    assert [r["z"].shape for r in t["layers"]] == [(4, 3), (4, 1)]
    np.testing.assert_allclose(t["layers"][1]["a"], 1 / (1 + np.exp(-t["layers"][1]["z"])))
    np.testing.assert_allclose(t["update"]["W1"], -0.5 * t["grads"]["W1"])
    np.testing.assert_allclose(t["deltas"][-1], t["dloss_dout"])
    assert t["new_loss"] < t["loss"]
    again = mlp.forward_trace(
        t["new_params"],
        X,
        y,
        activation="sigmoid",
        loss="binary_cross_entropy",
        optimizer=opt,
        state=t["state"],
    )
    assert again["loss"] == pytest.approx(t["new_loss"])


def test_accuracy_is_a_staircase_while_the_loss_is_smooth(rng):
    X = rng.normal(size=(40, 2))
    labels = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    p = net(rng, [2, 8, 2], "tanh")
    d = mlp.random_direction(p, rng)
    ts = np.linspace(-1, 1, 201)
    loss, acc = mlp.loss_and_accuracy_along(
        p, d, ts, X, labels, activation="tanh", loss="cross_entropy"
    )
    assert loss.shape == acc.shape == (201,)
    steps = np.abs(np.diff(acc))
    assert set(np.round(acc * 40).astype(int)) <= set(range(41))  # multiples of 1/40
    assert (steps == 0).mean() > 0.5  # flat between jumps
    assert np.abs(np.diff(loss, 2)).max() < 1e-2  # smooth
    at_zero = mlp.loss_value(p, X, labels, activation="tanh", loss="cross_entropy")
    assert loss[100] == pytest.approx(at_zero, rel=1e-12)  # ts[100] == 0


@pytest.mark.parametrize("kind", ["loss", "activation", "initializer", "dataset", "mlp_setting"])
def test_registry_entries_are_bilingual_with_bounded_parameters(kind):
    entries = registry.entries(kind)
    assert entries
    for e in entries:
        assert e.label_en and e.help_en and e.label_ko and e.help_ko
        assert any("\uac00" <= ch <= "\ud7a3" for ch in e.label_ko + e.help_ko), e.name
        for p in e.params:
            assert p.help_en and p.help_ko, (e.name, p.name)
            if p.type in ("float", "int", "int_list"):
                assert p.low is not None and p.high is not None, (e.name, p.name)


def test_course_terms_appear_in_korean_help():
    text = " ".join(
        e.label_ko + e.help_ko + " ".join(p.help_ko for p in e.params)
        for kind in ("loss", "activation", "initializer", "mlp_setting")
        for e in registry.entries(kind)
    )
    for term in (
        "평균 제곱 오차",
        "이진 크로스 엔트로피",
        "시그모이드",
        "렐루",
        "자비에르 초기화",
        "He 초기화",
        "드롭아웃",
        "배치 정규화",
        "규제",
        "오차제곱합",
        "소프트맥스",
    ):
        assert term in text, term


def test_softmax_is_an_output_link_not_a_hidden_activation():
    assert "softmax" in activations.names() and "softmax" not in HIDDEN
    with pytest.raises(ValueError, match="output"):
        activations.get("softmax")


def test_out_of_bounds_parameters_are_rejected():
    with pytest.raises(ValueError, match="negative_slope"):
        activations.get({"name": "leaky_relu", "params": {"negative_slope": -1}})
    with pytest.raises(TypeError, match="delta"):
        losses.get({"name": "mse", "params": {"delta": 1.0}})
    with pytest.raises(ValueError, match="does not fit"):
        losses.units("hinge", "multiclass", 3)


def test_binary_cross_entropy_averages_over_units_as_torch_and_keras_do():
    """Three sigmoid outputs: mean(softplus(z) − t·z) over examples and units (torch's
    BCEWithLogitsLoss, Keras' binary_crossentropy), and its exact gradient."""
    rng = np.random.default_rng(3)
    z, t = rng.normal(size=(5, 3)), rng.integers(0, 2, size=(5, 3)).astype(float)
    value, grad = losses.get("binary_cross_entropy")(z, t)
    want = np.mean(np.logaddexp(0.0, z) - t * z)
    assert value == pytest.approx(want, rel=1e-14)
    np.testing.assert_allclose(grad, (1 / (1 + np.exp(-z)) - t) / z.size, rtol=1e-12)


@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
def test_hinge_labels_as_keras_reads_them(name):
    """0/1 labels become −1/+1 (2y − 1); other labels (±1, or raw values) are used as they
    are, as Keras' convert_binary_labels_to_hinge does."""
    z = np.array([[0.3], [-1.2], [2.0], [0.1]])
    power = 1 if name == "hinge" else 2
    for t, y in (
        ([0, 1, 1, 0], [-1.0, 1.0, 1.0, -1.0]),
        ([-1, 1, 1, -1], [-1.0, 1.0, 1.0, -1.0]),
        ([0.5, 2.0, -1.0, 0.0], [0.5, 2.0, -1.0, 0.0]),
    ):
        y = np.array(y)[:, None]
        want = np.mean(np.maximum(1.0 - y * z, 0.0) ** power)
        assert losses.get(name)(z, t)[0] == pytest.approx(want, rel=1e-14)

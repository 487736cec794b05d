"""Optimizers against a written-out reference of torch.optim, and their engine contract."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from engine import optimizers, registry
from tests.engine import torch_reference as ref

# Non-default settings that exercise every branch of every rule.
CASES = {
    "gd": [{"lr": 0.05}, {"lr": 0.02, "weight_decay": 0.1}],
    "sgd": [
        {"lr": 0.03, "momentum": 0.9},
        {"lr": 0.03, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05},
        {"lr": 0.02, "momentum": 0.9, "nesterov": True},
        {"lr": 0.02, "momentum": 0.0, "dampening": 0.5},
    ],
    "adagrad": [
        {"lr": 0.1},
        {
            "lr": 0.2,
            "lr_decay": 0.01,
            "initial_accumulator_value": 0.1,
            "weight_decay": 0.01,
            "eps": 1e-6,
        },
    ],
    "rmsprop": [
        {"lr": 0.01},
        {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01},
        {"lr": 0.005, "centered": True},
        {"lr": 0.005, "momentum": 0.9, "eps": 1e-6},
    ],
    "adadelta": [{}, {"lr": 0.5, "rho": 0.95, "eps": 1e-5, "weight_decay": 0.02}],
    "adam": [
        {"lr": 0.05},
        {"lr": 0.02, "betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.01, "eps": 1e-6},
    ],
    "adamw": [
        {"lr": 0.05},
        {"lr": 0.02, "betas": (0.85, 0.95), "weight_decay": 0.1, "amsgrad": True},
    ],
    "nadam": [
        {"lr": 0.05},
        {"lr": 0.02, "momentum_decay": 0.01, "weight_decay": 0.05},
        {"lr": 0.02, "weight_decay": 0.05, "decoupled_weight_decay": True},
    ],
    "radam": [
        {"lr": 0.05},
        {"lr": 0.02, "betas": (0.9, 0.9), "weight_decay": 0.05},
        {"lr": 0.02, "weight_decay": 0.05, "decoupled_weight_decay": True},
    ],
    "adamax": [{"lr": 0.05}, {"lr": 0.02, "betas": (0.8, 0.9), "weight_decay": 0.02}],
    "rprop": [
        {"lr": 0.01},
        {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)},
        {"lr": 0.01, "maximize": True},
    ],
    "asgd": [
        {"lr": 0.01},
        {"lr": 0.02, "lambd": 0.1, "alpha": 0.5, "t0": 5.0, "weight_decay": 0.05},
        {"lr": 0.01, "t0": 0.0, "maximize": True},
    ],
}
# maximize on every rule, and Adam's decoupled weight decay (AdamW through Adam)
for _name in list(CASES):  # (gd and sgd climb 20y − 1 exponentially: a small rate keeps it tame)
    _slow = {"lr": 0.01} if _name in ("gd", "sgd") else {}
    CASES[_name] = [*CASES[_name], {**CASES[_name][0], **_slow, "maximize": True}]
CASES["adam"].append({"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True})
ALL_CASES = [(n, c) for n, cs in CASES.items() for c in cs]
IDS = [f"{n}-{i}" for n, cs in CASES.items() for i in range(len(cs))]


def grad_of(p: np.ndarray) -> np.ndarray:
    """A gradient that depends on p (so weight decay matters): an anisotropic bowl + wiggle."""
    return np.stack([2 * p[..., 0] + np.sin(3 * p[..., 1]), 20 * p[..., 1] - 1.0], axis=-1)


def run_engine(name, params, p0, steps):
    """The engine's path; a second-order rule runs on Rosenbrock (it needs a true gradient)."""
    opt = optimizers.create(name, **params)
    grad, oracle = (_rosen_grad, ROSEN) if opt.vector else (grad_of, None)
    p, state = p0, opt.init(p0)
    for _ in range(steps):
        p, state = opt.step(p, grad(p), state, oracle=oracle)
    return p


def run_reference(name, params, p0, steps):
    h = registry.resolve("optimizer", name, params)
    out = np.array(p0, dtype=np.float64)
    flat, states = out.reshape(-1, 2), [[{}, {}] for _ in range(out.reshape(-1, 2).shape[0])]
    for _ in range(steps):
        g = grad_of(flat)
        for lane in range(flat.shape[0]):
            for j in range(2):
                flat[lane, j] = ref.step(name, h, flat[lane, j], g[lane, j], states[lane][j])
    return out


def test_every_registered_optimizer_has_reference_cases():
    # lbfgs: torch itself is its reference (test_lbfgs.py), and its behaviour is tested there
    assert set(CASES) | set(VECTOR_CASES) | {"lbfgs"} == set(optimizers.names())


@pytest.mark.parametrize(("name", "params"), ALL_CASES, ids=IDS)
def test_update_rule_matches_written_out_torch_reference(name, params, rng):
    p0 = rng.normal(size=(5, 2))
    np.testing.assert_allclose(
        run_engine(name, params, p0, 25),
        run_reference(name, params, p0, 25),
        rtol=1e-11,
        atol=1e-13,
    )


@pytest.mark.parametrize("name", sorted(ref.TORCH_DEFAULTS))
def test_defaults_and_parameter_names_are_torchs(name):
    entry = registry.get("optimizer", name)
    defaults = {p.name: p.default for p in entry.params}
    if name == "adafactor":  # torch's None is written out: float64's machine epsilon
        assert defaults["eps"] == (ref.FLOAT64_EPS, 1e-3)
        defaults["eps"] = (None, 1e-3)
    assert defaults == ref.TORCH_DEFAULTS[name]


# ------------------------------------------------------- rules that read the whole vector


def _rosen(p):
    x, y = p[..., 0], p[..., 1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _rosen_grad(p):
    x, y = p[..., 0], p[..., 1]
    return np.stack([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)], axis=-1)


def _rosen_hess(p):
    x, y = p[..., 0], p[..., 1]
    a = 2 - 400 * (y - x * x) + 800 * x * x
    b = -400 * x
    return np.stack([np.stack([a, b], -1), np.stack([b, 200 + 0 * x], -1)], -2)


ROSEN = optimizers.Oracle(_rosen, _rosen_grad, _rosen_hess)


VECTOR_CASES = {
    "adafactor": [
        {},
        {"lr": 0.05, "weight_decay": 0.1, "beta2_decay": -0.5, "eps": (1e-30, 1e-2), "d": 1.5},
        {"maximize": True, "lr": 0.03},
    ],
    "newton": [{}, {"lr": 0.5, "damping": 2.0, "weight_decay": 0.01}, {"weight_decay": 0.5}],
    "saddle_free_newton": [
        {},
        {"lr": 0.5, "damping": 1e-3},
        {"damping": 10.0, "weight_decay": 0.1},
    ],
}
VECTOR_ALL = [(n, c) for n, cs in VECTOR_CASES.items() for c in cs]
VECTOR_IDS = [f"{n}-{i}" for n, cs in VECTOR_CASES.items() for i in range(len(cs))]


@pytest.mark.parametrize(("name", "params"), VECTOR_ALL, ids=VECTOR_IDS)
def test_vector_rule_matches_written_out_reference(name, params):
    starts = np.array([[-1.2, 1.0], [0.5, -0.3], [1.3, 1.6], [-0.4, 0.9]])
    steps = 30 if "newton" not in name else 6
    opt = optimizers.create(name, **params)
    p, state = starts, opt.init(starts)
    for _ in range(steps):
        p, state = opt.step(p, _rosen_grad(p), state, oracle=ROSEN)
    h = registry.resolve("optimizer", name, params)
    for lane, p0 in enumerate(starts):
        q, st = list(p0), {}
        for _ in range(steps):
            q = ref.vector_step(name, h, q, list(_rosen_grad(np.array(q))), st,
                                lambda v: _rosen_hess(np.array(v)).tolist())  # fmt: skip
        np.testing.assert_allclose(p[lane], q, rtol=1e-11, atol=1e-13)


def test_newton_on_a_quadratic_lands_on_its_critical_point_in_one_step():
    """x² − y²: Newton jumps to the saddle at the origin; saddle-free Newton moves away from it
    along y (the direction of negative curvature) and down along x."""
    saddle = optimizers.Oracle(
        lambda p: p[..., 0] ** 2 - p[..., 1] ** 2,
        lambda p: np.stack([2 * p[..., 0], -2 * p[..., 1]], -1),
        lambda p: np.broadcast_to(np.array([[2.0, 0.0], [0.0, -2.0]]), p.shape[:-1] + (2, 2)),
    )
    p0 = np.array([0.8, 0.3])
    newton = optimizers.create("newton")
    p, _ = newton.step(p0, saddle.grad(p0), newton.init(p0), oracle=saddle)
    np.testing.assert_allclose(p, [0.0, 0.0], atol=1e-15)
    sfn = optimizers.create("saddle_free_newton", damping=1e-12)
    p, _ = sfn.step(p0, saddle.grad(p0), sfn.init(p0), oracle=saddle)
    np.testing.assert_allclose(p, [0.0, 0.6], atol=1e-9)  # x to the bottom, y twice as far out


def test_second_order_rules_need_the_surface():
    for name in ("newton", "saddle_free_newton", "lbfgs"):
        opt = optimizers.create(name)
        with pytest.raises(ValueError, match="race"):
            opt.step(np.zeros(2), np.ones(2), opt.init(np.zeros(2)))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"etas": (1.0, 1.2)}, "etas"),
        ({"etas": (0.5, 1.0)}, "etas"),
        ({"step_sizes": (1.0, 0.1)}, "step_sizes"),
    ],
)
def test_rprop_rejects_what_torch_rejects(params, field):
    with pytest.raises(ValueError, match=field):
        optimizers.create("rprop", **params)


def test_gd_is_sgd_without_momentum(rng):
    p0 = rng.normal(size=(3, 2))
    np.testing.assert_array_equal(
        run_engine("gd", {"lr": 0.01}, p0, 10), run_engine("sgd", {"lr": 0.01}, p0, 10)
    )
    assert "momentum" not in {p.name for p in registry.get("optimizer", "gd").params}


@pytest.mark.parametrize(("name", "params"), ALL_CASES, ids=IDS)
def test_lanes_batched_equal_lanes_looped(name, params, rng):
    p0 = rng.normal(size=(4, 3, 2))
    batched = run_engine(name, params, p0, 12)
    for i in range(4):
        np.testing.assert_array_equal(batched[i], run_engine(name, params, p0[i], 12))


@pytest.mark.parametrize("name", optimizers.names())
def test_learning_rate_sweep_in_one_call_equals_separate_runs(name, rng):
    lrs = np.array([0.001, 0.01, 0.05])
    p0 = rng.normal(size=(3, 2))
    swept = run_engine(name, {"lr": lrs}, p0, 15)
    for i, lr in enumerate(lrs):
        np.testing.assert_allclose(
            swept[i], run_engine(name, {"lr": float(lr)}, p0[i], 15), rtol=1e-14, atol=1e-15
        )


def test_per_lane_flags_and_betas_broadcast(rng):
    p0 = rng.normal(size=(2, 2))
    swept = run_engine(
        "adam",
        {"lr": 0.02, "amsgrad": np.array([False, True]), "betas": (np.array([0.9, 0.8]), 0.99)},
        p0,
        10,
    )
    one = run_engine("adam", {"lr": 0.02, "amsgrad": False, "betas": (0.9, 0.99)}, p0[0], 10)
    two = run_engine("adam", {"lr": 0.02, "amsgrad": True, "betas": (0.8, 0.99)}, p0[1], 10)
    np.testing.assert_allclose(swept, np.stack([one, two]), rtol=1e-14)


@pytest.mark.parametrize(("name", "params"), ALL_CASES, ids=IDS)
def test_step_is_pure(name, params, rng):
    opt = optimizers.create(name, **params)
    p = rng.normal(size=(4, 2))
    g = grad_of(p)
    p_copy, g_copy = p.copy(), g.copy()
    state = opt.init(p)
    p1, s1 = opt.step(p, g, state)
    p2, s2 = opt.step(p, g, state)
    np.testing.assert_array_equal(p, p_copy)
    np.testing.assert_array_equal(g, g_copy)
    np.testing.assert_array_equal(p1, p2)  # same inputs, same outputs: state was not mutated
    assert p.flags.writeable  # the caller's array keeps its flags
    for a in (p1, *s1.slots.values()):
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a[...] = 0


def test_state_uses_torch_slot_names():
    p = np.zeros((1, 2))
    assert set(optimizers.create("sgd", momentum=0.9).init(p).slots) == {"momentum_buffer"}
    assert {"exp_avg", "exp_avg_sq"} <= set(optimizers.create("adam").init(p).slots)
    assert set(optimizers.create("adagrad").init(p).slots) == {"sum"}


def test_adagrad_accumulator_starts_at_initial_value():
    state = optimizers.create("adagrad", initial_accumulator_value=0.1).init(np.zeros((2, 2)))
    np.testing.assert_array_equal(state.slots["sum"], 0.1)


def test_schedule_rate_overrides_lr_per_lane(rng):
    opt = optimizers.create("sgd", lr=1.0)
    p = rng.normal(size=(2, 2))
    g = np.ones((2, 2))
    new, _ = opt.step(p, g, opt.init(p), lr=np.array([0.1, 0.2]))
    np.testing.assert_allclose(new, p - np.array([[0.1], [0.2]]))


def test_gradient_clipping_is_per_lane_and_off_by_default():
    g = np.array([[3.0, 4.0], [0.3, 0.4]])
    p = np.zeros((2, 2))
    clipped = optimizers.create("gd", lr=1.0, clip_norm=1.0)
    new, _ = clipped.step(p, g, clipped.init(p))
    np.testing.assert_allclose(new, [[-0.6, -0.8], [-0.3, -0.4]])
    plain = optimizers.create("gd", lr=1.0)
    np.testing.assert_allclose(plain.step(p, g, plain.init(p))[0], -g)


NOT_IN_KERAS = {"radam", "rprop", "asgd", "lbfgs", "newton", "saddle_free_newton"}


@pytest.mark.parametrize("name", optimizers.names())
def test_keras_preset_uses_keras_defaults(name):
    keras = optimizers.keras_defaults(name)
    if name in NOT_IN_KERAS:
        assert keras is None
        with pytest.raises(ValueError, match="Keras"):
            optimizers.create(name, preset="keras")
        return
    opt = optimizers.create(name, preset="keras")
    for k, v in keras.items():
        assert opt.hyper[k] == v
    assert optimizers.create(name, preset="keras", lr=0.5).hyper["lr"] == 0.5


def _keras_nadam(p, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    """Keras 3's Nadam.update_step written out (u_t = β₁(1 − ½·0.96^t), no ψ)."""
    m, v, u_prod, out = np.zeros_like(p), np.zeros_like(p), 1.0, []
    for t in range(1, 31):
        g = grads(p)
        u_t, u_next = b1 * (1.0 - 0.5 * 0.96**t), b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_prod = u_prod * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - u_prod * u_next) + (1 - u_t) * g / (1 - u_prod)
        v_hat = v / (1 - b2**t)
        p = p - m_hat * lr / (np.sqrt(v_hat) + eps)
        out.append(p)
    return np.array(out)


def test_keras_nadam_preset_follows_keras_3s_momentum_schedule():
    grads = lambda p: np.array([2.0 * p[0], 20.0 * p[1]])  # noqa: E731 - a quadratic bowl
    opt = optimizers.create("nadam", preset="keras")
    assert opt.hyper["momentum_decay"] == 1.0
    p, path = np.array([1.0, -0.5]), []
    state = opt.init(p)
    for _ in range(30):
        p, state = opt.step(p, grads(p), state)
        path.append(p)
    want = _keras_nadam(np.array([1.0, -0.5]), grads)
    np.testing.assert_allclose(np.array(path), want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "params", [{"nesterov": True}, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}]
)
def test_nesterov_needs_momentum_and_no_dampening_as_in_torch(params):
    with pytest.raises(ValueError, match="^nesterov: "):
        optimizers.create("sgd", **params)
    optimizers.create("sgd", nesterov=True, momentum=0.9)  # fine


def test_keras_presets_follow_the_course_notes():
    assert optimizers.keras_defaults("rmsprop")["alpha"] == 0.9
    assert optimizers.keras_defaults("adagrad")["initial_accumulator_value"] == 0.1
    assert optimizers.keras_defaults("sgd")["lr"] == 0.01


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"lr": -1.0}, "lr"),
        ({"momentum": 1.5}, "momentum"),
        ({"lr": float("nan")}, "lr"),
        ({"betas": (0.9,)}, "betas"),
        ({"nesterov": 2}, "nesterov"),
    ],
)
def test_bad_hyperparameters_name_the_field(params, match):
    name = "adam" if "betas" in params else "sgd"
    with pytest.raises(ValueError, match=match):
        optimizers.create(name, **params)


def test_unknown_names_are_rejected():
    with pytest.raises(KeyError, match="unknown optimizer"):
        optimizers.create("adamm")
    with pytest.raises(TypeError, match="momentumm"):
        optimizers.create("sgd", momentumm=0.9)


def test_bilingual_help_for_every_parameter():
    for entry in registry.entries("optimizer"):
        assert entry.label_en and entry.label_ko and entry.help_en and entry.help_ko
        for p in entry.params:
            assert p.help_en and p.help_ko, (entry.name, p.name)


# --------------------------------------------------------------------- optional: real torch

HAVE_TORCH = importlib.util.find_spec("torch") is not None
TORCH_CLASS = {
    "gd": "SGD",
    "sgd": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "NAdam",
    "radam": "RAdam",
    "adamax": "Adamax",
    "rprop": "Rprop",
    "asgd": "ASGD",
    "adafactor": "Adafactor",
    "lbfgs": "LBFGS",
}


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize(("name", "params"), ALL_CASES, ids=IDS)
def test_matches_real_torch(name, params, rng):
    import torch

    # torch keeps scalar state such as NAdam's mu_product in the default dtype (float32
    # unless told otherwise); in float64 its arithmetic is the engine's, bit for bit close.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        torch_result = _run_torch(torch, name, params, rng.normal(size=(5, 2)))
    finally:
        torch.set_default_dtype(previous)
    p0 = np.random.default_rng(12345).normal(size=(5, 2))
    np.testing.assert_allclose(
        run_engine(name, params, p0, 25), torch_result, rtol=1e-10, atol=1e-12
    )


def _run_torch(torch, name, params, p0):
    t = torch.tensor(p0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, TORCH_CLASS[name])(
        [t], foreach=False, **{k: v for k, v in params.items()}
    )
    for _ in range(25):
        opt.zero_grad()
        t.grad = torch.tensor(grad_of(t.detach().numpy()), dtype=torch.float64)
        opt.step()
    return t.detach().numpy()


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is optional (pip install torch==2.13.0)")
@pytest.mark.parametrize("name", sorted(ref.TORCH_DEFAULTS))
def test_defaults_match_installed_torch(name):
    import inspect

    import torch

    sig = inspect.signature(getattr(torch.optim, TORCH_CLASS[name]).__init__)
    for pname, value in ref.TORCH_DEFAULTS[name].items():
        assert sig.parameters[pname].default == value, pname
    if name == "adafactor":  # torch's None means this
        assert torch.finfo(torch.float64).eps == ref.FLOAT64_EPS


def test_per_lane_clip_norms_apply_to_their_own_lane():
    g = np.array([[[3.0, 4.0]] * 3, [[3.0, 4.0]] * 3])  # 2 lanes × 3 starts
    opt = optimizers.create("gd", lr=1.0, clip_norm=np.array([1.0, 2.5]))
    new, _ = opt.step(np.zeros_like(g), g, opt.init(np.zeros_like(g)))
    np.testing.assert_allclose(np.linalg.norm(new, axis=-1), [[1.0] * 3, [2.5] * 3])
    flat = optimizers.create("gd", lr=1.0, clip_norm=np.array([1.0, 5.0]))
    w = np.ones((2, 7))  # MLP lanes: one flat row of parameters each, norm over the row
    new, _ = flat.step(np.zeros_like(w), w, flat.init(w))
    np.testing.assert_allclose(np.linalg.norm(new, axis=-1), [1.0, np.sqrt(7)])

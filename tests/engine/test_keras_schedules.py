"""Keras' schedules against a written-out reference of keras.optimizers.schedules (Keras 3,
transcribed one step at a time in plain floats), with random settings over 2,000 steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import registry, schedules
from tests.engine.draws import draws

N = 2000


def exponential(lr, step, decay_steps, decay_rate, staircase):
    p = step / decay_steps
    return lr * decay_rate ** (math.floor(p) if staircase else p)


def piecewise(lr, step, boundaries, values):
    if step <= boundaries[0]:
        return values[0]
    for low, high, v in zip(boundaries[:-1], boundaries[1:], values[1:-1], strict=True):
        if low < step <= high:
            return v
    return values[-1]


def cosine(lr, step, decay_steps, alpha, warmup_target, warmup_steps):
    def decay(s, peak):
        return peak * ((1 - alpha) * (0.5 * (1.0 + math.cos(math.pi * (s / decay_steps)))) + alpha)

    if warmup_target is None:
        return decay(min(step, decay_steps), lr)
    s = min(step, decay_steps + warmup_steps)
    if s < warmup_steps:
        return (warmup_target - lr) * (s / warmup_steps) + lr
    return decay(s - warmup_steps, warmup_target)


def restarts(lr, step, first_decay_steps, t_mul, m_mul, alpha):
    frac = step / first_decay_steps
    if t_mul == 1.0:
        i = math.floor(frac)
        frac -= i
    else:
        i = math.floor(math.log(1.0 - frac * (1.0 - t_mul)) / math.log(t_mul))
        frac = (frac - (1.0 - t_mul**i) / (1.0 - t_mul)) / t_mul**i
    return lr * ((1 - alpha) * (0.5 * m_mul**i * (1.0 + math.cos(math.pi * frac))) + alpha)


def polynomial(lr, step, decay_steps, end_learning_rate, power, cycle):
    if cycle:
        decay_steps = decay_steps * (1.0 if step == 0 else math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (lr - end_learning_rate) * (1 - step / decay_steps) ** power + end_learning_rate


def inverse_time(lr, step, decay_steps, decay_rate, staircase):
    p = step / decay_steps
    return lr / (1 + decay_rate * (math.floor(p) if staircase else p))


REFERENCE = {
    "keras_exponential_decay": exponential,
    "keras_piecewise_constant_decay": piecewise,
    "keras_cosine_decay": cosine,
    "keras_cosine_decay_restarts": restarts,
    "keras_polynomial_decay": polynomial,
    "keras_inverse_time_decay": inverse_time,
}


def _random(seed):
    rng, u, k = draws(seed)
    out = []
    for i in range(4):
        lr = float(10 ** rng.uniform(-3, 0))
        bounds = sorted(rng.choice(N, 3, replace=False).tolist())
        out += [
            (lr, "keras_exponential_decay",
             {"decay_steps": k(1, 500), "decay_rate": u(0.1, 1), "staircase": bool(i % 2)}),
            (lr, "keras_piecewise_constant_decay",
             {"boundaries": bounds, "values": [u(1e-4, 1) for _ in range(4)]}),
            (lr, "keras_cosine_decay",
             {"decay_steps": k(10, 2500), "alpha": u(0, 0.5),
              "warmup_target": None if i % 2 else u(lr, 2 * lr + 0.01), "warmup_steps": k(1, 300)}),
            (lr, "keras_cosine_decay_restarts",
             {"first_decay_steps": k(5, 300), "t_mul": (1.0, 2.0, u(1.1, 3))[i % 3],
              "m_mul": u(0.5, 1), "alpha": u(0, 0.3)}),
            (lr, "keras_polynomial_decay",
             {"decay_steps": k(10, 2500), "end_learning_rate": lr * u(0, 0.5),
              "power": u(0.3, 3), "cycle": bool(i % 2)}),
            (lr, "keras_inverse_time_decay",
             {"decay_steps": k(1, 300), "decay_rate": u(0.01, 5), "staircase": bool(i % 2)}),
        ]  # fmt: skip
    return out


CASES = _random(31)


def test_every_keras_schedule_has_a_reference():
    keras = {n for n in schedules.names() if n.startswith("keras_")}
    assert keras == set(REFERENCE)


@pytest.mark.parametrize(
    ("lr", "name", "params"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)]
)
def test_matches_keras_written_out(lr, name, params):
    got = schedules.create(name, lr, steps=N, **params)(np.arange(N))
    want = [REFERENCE[name](lr, float(t), **params) for t in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_keras_docstrings_say_how_torch_differs():
    for name in REFERENCE:
        doc = schedules.base.BUILDERS[name].__doc__
        assert "torch" in doc, name
        e = registry.get("schedule", name)
        assert e.label_en.endswith("(Keras)") and e.help_ko


def test_defaults_fill_from_the_run():
    lr_at = schedules.create(
        "keras_cosine_decay", 0.1, steps=300, warmup_target=0.2, warmup_steps=50
    )
    c = lr_at(np.arange(301))
    assert c[50] == pytest.approx(0.2) and c[300] == pytest.approx(0.0, abs=1e-15)
    poly = schedules.create("keras_polynomial_decay", 0.1, steps=200)(np.arange(201))
    assert poly[200] == pytest.approx(1e-4)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"boundaries": [10, 5]}, "boundaries"), ({"values": [0.1, 0.01]}, "values")],
)
def test_piecewise_checks_name_the_field(params, field):
    with pytest.raises(ValueError, match=field):
        schedules.create("keras_piecewise_constant_decay", 0.1, **params)


def test_cosine_decay_without_a_warm_up_spans_the_whole_run():
    c = schedules.create("keras_cosine_decay", 0.1, steps=200, warmup_steps=50)(np.arange(201))
    assert c[100] == pytest.approx(0.05) and c[200] == pytest.approx(0.0, abs=1e-15)

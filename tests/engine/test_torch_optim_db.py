"""PyTorch's own optimizer test configurations (`optim_db`, torch 2.13) replayed on 2D
surfaces through the race kernel: every configuration of the dense optimizers, 300 steps,
the whole path within 1e-12 relative of torch.optim's.

Optional: skipped without torch (`pip install torch==2.13.0`) and expecttest (which
torch's internal test helpers import). Torch gets the engine's analytic gradient, so what
is compared is the update rule and its state, nothing else.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from engine import simulate, surfaces

HAVE = all(importlib.util.find_spec(m) for m in ("torch", "expecttest"))
pytestmark = pytest.mark.skipif(not HAVE, reason="needs torch==2.13.0 and expecttest")

# torch class → engine name (AdamW is also Adam with decoupled_weight_decay; both replayed)
ENGINE_NAME = {
    "SGD": "sgd",
    "Adam": "adam",
    "AdamW": "adamw",
    "Adagrad": "adagrad",
    "RMSprop": "rmsprop",
    "Adadelta": "adadelta",
    "Adamax": "adamax",
    "NAdam": "nadam",
    "RAdam": "radam",
    "Rprop": "rprop",
    "ASGD": "asgd",
    "Adafactor": "adafactor",
}
# (surface, start): bounded, well-conditioned paths for every configuration's rate. A path
# that climbs (maximize) runs on convex bowls, where it leaves smoothly: near a maximum or a
# saddle a climb turns chaotic, and one rounding difference (torch's CPU kernels fuse some
# multiply-adds) grows to 1e-5 in a few dozen steps.
DESCENT = [("himmelblau", (0.5, -1.5)), ("matyas", (6.0, -8.0)), ("booth", (-5.0, 7.0))]
ASCENT = [("matyas", (6.0, -8.0)), ("matyas", (-3.0, 5.0)), ("matyas", (1.0, 2.0))]
SURFACES = [0, 1, 2]
STEPS = 300


def _configs():
    if not HAVE:
        return []
    import torch
    from torch.testing._internal.common_optimizers import optim_db

    out = []
    for info in optim_db:
        cls = info.optim_cls.__name__
        if cls not in ENGINE_NAME:
            continue
        for oi in info.optim_inputs_func(device="cpu", dtype=torch.float64):
            kwargs = {k: v.item() if torch.is_tensor(v) else v for k, v in oi.kwargs.items()}
            out.append(pytest.param(cls, kwargs, id=f"{cls}-{oi.desc.replace(' ', '_')}"))
    return out


CONFIGS = _configs()


def test_all_75_configurations_are_replayed():
    assert len(CONFIGS) == 75


def _engine_params(kwargs):
    return {k: tuple(v) if isinstance(v, list | tuple) else v for k, v in kwargs.items()}


def _torch_path(torch, cls, kwargs, surface, start):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch's scalar state (steps, ASGD's eta) in f64
    try:
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = getattr(torch.optim, cls)([p], foreach=False, **kwargs)
        path = [p.detach().numpy().copy()]
        for _ in range(STEPS):
            opt.zero_grad()
            p.grad = torch.tensor(surface.grad(p.detach().numpy()), dtype=torch.float64)
            opt.step()
            path.append(p.detach().numpy().copy())
        return np.array(path)
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
@pytest.mark.parametrize("which", SURFACES)
@pytest.mark.parametrize("kernel", ["float", "array"])
def test_engine_reproduces_torch_optim_db(cls, kwargs, which, kernel):
    import torch

    surface_name, start = (ASCENT if kwargs.get("maximize") else DESCENT)[which]
    surface = surfaces.get(surface_name)
    expected = _torch_path(torch, cls, kwargs, surface, start)
    name = ENGINE_NAME[cls]
    if kernel == "float" and name == "adafactor":
        pytest.skip("Adafactor reads the whole vector: array kernel only")
    config = {"name": name, "params": _engine_params(kwargs)}
    race = simulate.run(surface, [config], [start], STEPS, kernel=kernel)
    got = race.arrays["xy"][:, 0]
    assert np.all(np.isfinite(expected)), "the replay's surface and start keep torch bounded"
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)

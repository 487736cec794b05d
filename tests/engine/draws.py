"""Random settings for the tests that compare with torch or Keras over many draws."""

from __future__ import annotations

import numpy as np


def draws(seed: int):
    """(rng, u, k): a generator, a uniform float in [a, b) and an integer in [a, b)."""
    rng = np.random.default_rng(seed)
    return rng, (lambda a, b: float(rng.uniform(a, b))), (lambda a, b: int(rng.integers(a, b)))


def torch_rates(torch, lr: float, make, n: int) -> list[float]:
    """The rate of each of n updates of torch's SGD under the scheduler `make(opt)` builds
    (the rate is read before each step, as update k uses it)."""
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out

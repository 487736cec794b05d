"""Gradient noise for 2D races: additive Gaussian, or a simulated minibatch.

Every optimizer in a comparison sees the same noise sequence (common random numbers): the
noise is drawn per start point and step, then broadcast over the optimizers, so differences
between lanes come from the optimizers alone. Randomness only from an explicit Generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Noise:
    """σ-scaled Gaussian noise added to the gradient.

    With `batch_size` set, `sigma` is the spread of one example's gradient and the noise of
    a minibatch shrinks as σ/√batch_size (batch_size=1 is the noisiest: plain SGD).
    """

    sigma: float = 0.0
    batch_size: int | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sigma) and self.sigma >= 0):
            raise ValueError("noise sigma must be a finite number >= 0")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError("noise batch_size must be at least 1")

    @property
    def scale(self) -> float:
        """The standard deviation actually added to each gradient coordinate."""
        if self.batch_size is None:
            return self.sigma
        return self.sigma / math.sqrt(self.batch_size)

    @property
    def active(self) -> bool:
        return self.scale > 0

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Noise of `shape` (e.g. (steps, starts, 2)); drawing in pieces gives the same bits."""
        if not self.active:
            return np.zeros(shape)
        return self.scale * rng.standard_normal(shape)


def from_config(config: dict | None) -> Noise:
    """Noise from the run request's `noise` object: {"sigma": s} and/or {"batch_size": b}.

    A batch size alone means per-example spread σ = 1.
    """
    config = dict(config or {})
    batch = config.get("batch_size")
    sigma = config.get("sigma")
    if sigma is None:
        sigma = 1.0 if batch is not None else 0.0
    return Noise(float(sigma), None if batch is None else int(batch))

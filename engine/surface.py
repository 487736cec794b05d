"""The `Surface` type: a 2D function with exact first and second derivatives over `(..., 2)`
arrays. A leaf module: the catalogue, the critical-point search and the facade
(`engine.surfaces`) all build on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Fn = Callable[[np.ndarray, np.ndarray], Any]
Domain = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class Surface:
    """A 2D surface f(x, y) with exact first and second derivatives.

    value_fn(x, y) -> f; grad_fn(x, y) -> (fx, fy); hess_fn(x, y) -> (fxx, fxy, fyy), all
    elementwise over arrays of the same shape. `critical_points_complete` says whether
    `critical_points` lists every critical point in the domain (False for egg-crate surfaces
    such as rastrigin, where only the notable ones are listed).
    """

    name: str
    value_fn: Fn
    grad_fn: Fn
    hess_fn: Fn
    domain: Domain
    critical_points: tuple[dict[str, Any], ...] = ()
    log_scale: bool = False
    starts: tuple[tuple[float, float], ...] = ()
    formula: str = ""
    critical_points_complete: bool = True
    params: dict[str, Any] = field(default_factory=dict)

    def value(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        with np.errstate(all="ignore"):
            f = self.value_fn(xy[..., 0], xy[..., 1])
        out = np.empty(xy.shape[:-1])
        out[...] = f  # broadcasts a constant surface's scalar, copies otherwise
        return out

    def grad(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        with np.errstate(all="ignore"):
            gx, gy = self.grad_fn(xy[..., 0], xy[..., 1])
        out = np.empty(xy.shape)
        out[..., 0] = gx
        out[..., 1] = gy
        return out

    def hessian(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64)
        with np.errstate(all="ignore"):
            hxx, hxy, hyy = self.hess_fn(xy[..., 0], xy[..., 1])
        out = np.empty(xy.shape + (2,))
        out[..., 0, 0] = hxx
        out[..., 0, 1] = hxy
        out[..., 1, 0] = hxy
        out[..., 1, 1] = hyy
        return out

    def minima(self) -> list[dict[str, Any]]:
        return [c for c in self.critical_points if c["kind"] == "min"]

    def info(self) -> dict[str, Any]:
        """Plain data for the catalog and the stream's meta event."""
        return {
            "name": self.name,
            "formula": self.formula,
            "domain": [list(self.domain[0]), list(self.domain[1])],
            "log_scale": self.log_scale,
            "starts": [list(s) for s in self.starts],
            "critical_points": [{**c, "xy": list(c["xy"])} for c in self.critical_points],
            "critical_points_complete": self.critical_points_complete,
            "params": dict(self.params),
        }

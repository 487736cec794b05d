"""2D loss surfaces: closed-form value, gradient and Hessian over `(..., 2)` arrays.

    s = surfaces.get("himmelblau")
    s.value(xy)      # (..., 2) -> (...)
    s.grad(xy)       # (..., 2) -> (..., 2)   analytic, never finite differences
    s.hessian(xy)    # (..., 2) -> (..., 2, 2)
    s.domain         # ((xmin, xmax), (ymin, ymax))
    s.critical_points  # [{"xy": (x, y), "kind": "min" | "saddle" | "max", "value": f}, ...]

The catalogue itself lives in `engine.surface_catalog`; formula surfaces are built by
`from_formula` from the safe parser in `engine.formula`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import registry

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


def names() -> list[str]:
    """Names of the catalogue surfaces, in catalogue order."""
    return registry.names("surface")


def get(name: str, **params: Any) -> Surface:
    """A catalogue surface by name; parameters such as `kappa` override the defaults."""
    from engine import surface_catalog

    entry = registry.get("surface", name)
    values = registry.resolve("surface", name, params)
    for p in entry.params:
        v = values[p.name]
        if not isinstance(v, int | float) or isinstance(v, bool) or not np.isfinite(v):
            raise ValueError(f"surface {name!r}: {p.name} must be a finite number")
        if (p.low is not None and v < p.low) or (p.high is not None and v > p.high):
            raise ValueError(f"surface {name!r}: {p.name} must be in [{p.low}, {p.high}]")
    return surface_catalog.build(name, **values)


def from_formula(
    text: str, domain: Domain | None = None, analysis: dict[str, Any] | None = None
) -> Surface:
    """A surface from typed text such as "sin(x)*cos(y) + 0.1*(x**2 + y**2)".

    The text is parsed against a whitelist (never eval'd); gradient and Hessian are exact
    (symbolic differentiation of the tree). Critical points are found numerically on the
    domain (Newton from a grid of starts), unless `analysis` (what `formula_analysis`
    returned for the same text and domain, maybe in another process) gives them. Raises
    `engine.formula.FormulaError`.
    """
    from engine import critical, formula

    compiled = formula.compile_formula(text)
    dom = formula.check_domain(domain) if domain is not None else ((-3.0, 3.0), (-3.0, 3.0))
    draft = Surface(
        name="formula",
        value_fn=compiled.value,
        grad_fn=compiled.grad,
        hess_fn=compiled.hess,
        domain=dom,
        formula=compiled.text,
    )
    if analysis is None:
        points = critical.find_critical_points(draft)
        analysis = {
            "critical_points": points,
            "log_scale": critical.suggest_log_scale(draft),
            "starts": critical.suggest_starts(draft, points),
        }
    return Surface(
        name="formula",
        value_fn=compiled.value,
        grad_fn=compiled.grad,
        hess_fn=compiled.hess,
        domain=dom,
        critical_points=tuple({**c, "xy": tuple(c["xy"])} for c in analysis["critical_points"]),
        log_scale=bool(analysis["log_scale"]),
        starts=tuple(tuple(xy) for xy in analysis["starts"]),
        formula=compiled.text,
        critical_points_complete=False,
    )


def formula_analysis(text: str, domain: Domain | None = None) -> dict[str, Any]:
    """The costly part of `from_formula` as plain data (critical points, log-scale hint,
    demo starts), so it can be computed away from the caller and passed back in."""
    surface = from_formula(text, domain)
    return {
        "critical_points": list(surface.critical_points),
        "log_scale": surface.log_scale,
        "starts": list(surface.starts),
    }

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

from typing import Any

import numpy as np

from engine import critical, formula, registry, surface_catalog
from engine.surface import Domain, Fn, Surface

__all__ = ["Domain", "Fn", "Surface", "formula_analysis", "from_formula", "get", "names"]


def names() -> list[str]:
    """Names of the catalogue surfaces, in catalogue order."""
    return registry.names("surface")


def get(name: str, **params: Any) -> Surface:
    """A catalogue surface by name; parameters such as `kappa` override the defaults."""
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

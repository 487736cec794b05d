"""The catalogue's machinery: how a surface is described (`add`), built and given its set of
critical points, and the small numeric helpers the families share.

Each surface is three plain functions of two same-shape float64 arrays: value f(x, y),
gradient (fx, fy) and Hessian (fxx, fxy, fyy), all in closed form. Values and gradients are
the hot loop of every race and benchmark (hundreds of thousands of lanes), so they reuse
subexpressions, multiply instead of using `**`, and update their own temporaries in place
with augmented assignment (never their inputs): at that size every fresh temporary costs
about as much as the arithmetic. The Hessians are written for reading.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from engine import critical, registry
from engine.surface import Domain, Fn, Surface
from engine.surface_catalog.points import ROWS
from engine.surface_catalog.rates import SUGGESTED_LR

PI = np.pi
TAU = 2.0 * np.pi


def full(x: Any, c: float) -> np.ndarray:
    """A constant Hessian entry with the shape of the input."""
    return np.full(np.shape(x), c)


# NumPy's float64 sin and cos run as scalar loops on common builds while tan is SIMD and
# several times faster, so the trigonometric surfaces take both from one tan of the half
# angle: with t = tan h, sin 2h = 2t/(1+t²) and cos 2h = 2/(1+t²) − 1. Accurate to an ulp
# or two; at h = π/2 (t ≈ 1.6e16) they still give sin ≈ 0 and cos = −1.
def sin_cos2(h):
    """(sin 2h, cos 2h)."""
    t = np.tan(h)
    c = t * t
    c += 1.0
    c = 2.0 / c
    t *= c
    c -= 1.0
    return t, c


def sin2(h):
    """sin 2h."""
    t = np.tan(h)
    d = t * t
    d += 1.0
    t /= d
    t *= 2.0
    return t


def cos2(h):
    """cos 2h."""
    t = np.tan(h)
    t *= t
    t += 1.0
    t = 2.0 / t
    t -= 1.0
    return t


def sum_sq(u, v):
    """u² + v², in place in u and v (both temporaries of the caller)."""
    u *= u
    v *= v
    u += v
    return u


def cubic(t):
    """t³ − t (the slope of the double well (t² − 1)² / 4)."""
    c = t * t
    c -= 1.0
    c *= t
    return c


SQUARE2: Domain = ((-2.0, 2.0), (-2.0, 2.0))


@dataclass(frozen=True)
class _Spec:
    make: Callable[..., tuple[Fn, Fn, Fn, str]]
    domain: Domain
    critical_points: tuple[dict[str, Any], ...]
    log_scale: bool
    starts: tuple[tuple[float, float], ...]
    complete: bool
    every: Callable[[Surface], critical.CriticalSet] | None = None


_SPECS: dict[str, _Spec] = {}
_ENTRIES: dict[str, tuple[tuple[registry.Param, ...], dict[str, Any]]] = {}


def pt(x: float, y: float, kind: str, value: float, degenerate: bool = False) -> dict[str, Any]:
    point = {"xy": (float(x), float(y)), "kind": kind, "value": float(value)}
    if degenerate:
        point["degenerate"] = True
    return point


def add(
    name: str,
    formula: str,
    fns: tuple[Fn, Fn, Fn] | Callable[..., tuple[Fn, Fn, Fn, str]],
    domain: Domain,
    *,
    starts: tuple[tuple[float, float], ...],
    tags: tuple[str, ...],
    points: tuple[dict[str, Any], ...] | None = None,
    log_scale: bool = False,
    complete: bool = True,
    params: tuple[registry.Param, ...] = (),
    every: Callable[[Surface], critical.CriticalSet] | None = None,
) -> None:
    """Describe one surface (its name and help come from engine/texts.py, its rates from
    rates.py) and remember how to build it; `register_all` enters the descriptions in the registry.

    `points` are the critical points shown (all of them when `complete`): by default the
    surface's rows of points.py; `every` builds the
    set of every critical point in the domain where that list is not complete.
    """
    if points is None:
        points = tuple(pt(x, y, kind, v, deg) for n, kind, x, y, v, deg in ROWS if n == name)
    if not complete and every is None:
        raise ValueError(f"surface {name!r}: an incomplete list needs a way to find every point")
    make = fns if callable(fns) else (lambda: (*fns, formula))
    info = {
        "formula": formula,
        "domain": [list(domain[0]), list(domain[1])],
        "log_scale": log_scale,
        "starts": [list(s) for s in starts],
        "critical_points": [{**c, "xy": list(c["xy"])} for c in points],
        "critical_points_complete": complete,
        "tags": list(tags),
        "suggested_lr": suggested_lr(name),
    }
    _ENTRIES[name] = (params, info)
    _SPECS[name] = _Spec(make, domain, points, log_scale, starts, complete, every)


def register_all(order: tuple[str, ...]) -> None:
    """Enter every described surface in the registry, in the catalogue's order."""
    if sorted(order) != sorted(_ENTRIES):
        raise ValueError("the catalogue's order must name every surface once")
    for name in order:
        params, info = _ENTRIES[name]
        registry.add("surface", name, *registry.texts("surface", name), params, **info)


def build(name: str, **params: Any) -> Surface:
    """The `Surface` for a catalogue name; `params` are merged over the defaults.

    Parameter bounds are checked by `engine.surfaces.get`, the public entry point.
    """
    values = registry.resolve("surface", name, params)
    spec = _SPECS[name]
    value_fn, grad_fn, hess_fn, formula = spec.make(**values)
    return Surface(
        name=name,
        value_fn=value_fn,
        grad_fn=grad_fn,
        hess_fn=hess_fn,
        domain=spec.domain,
        critical_points=tuple({**c} for c in spec.critical_points),
        log_scale=spec.log_scale,
        starts=spec.starts,
        formula=formula,
        critical_points_complete=spec.complete,
        params=values,
    )


_SETS: weakref.WeakKeyDictionary[Surface, critical.CriticalSet] = weakref.WeakKeyDictionary()


def critical_set(surface: Surface) -> critical.CriticalSet:
    """Every critical point of `surface` in its domain, cached per surface.

    Catalogue surfaces give their exact sets (below); any other surface its listed points,
    or for a formula whose list was capped at critical.MAX_POINTS the uncapped search.
    """
    hit = _SETS.get(surface)
    if hit is not None:
        return hit
    made = _catalogue_set(surface)
    if made is None:
        points = list(surface.critical_points)
        if not surface.critical_points_complete and len(points) >= critical.MAX_POINTS:
            points = critical.find_critical_points(surface, limit=None)
        made = critical.set_from_points(surface, points, complete=surface.critical_points_complete)
    _SETS[surface] = made
    return made


def _catalogue_set(surface: Surface) -> critical.CriticalSet | None:
    """Every critical point of a catalogue surface in its domain (None for other surfaces).

    Complete lists are used as they are; separable surfaces give the product of their 1-D
    roots; rugged ones a dense local-Newton search. Cached per name and parameters.
    """
    if surface.name not in _SPECS:
        return None
    try:
        key = tuple(sorted(surface.params.items()))
        hash(key)
    except TypeError:
        return None
    return _critical_set(surface.name, key)


@lru_cache(maxsize=64)
def _critical_set(name: str, params: tuple) -> critical.CriticalSet:
    s = build(name, **dict(params))
    spec = _SPECS[name]
    if spec.every is not None:
        return spec.every(s)
    return critical.set_from_points(s, s.critical_points, complete=True)


def suggested_lr(name: str) -> dict[str, float]:
    """A surface's suggested rates per optimizer family (\"gd\" as \"sgd\")."""
    rates = SUGGESTED_LR[name]
    return {"gd": rates["sgd"], **rates}

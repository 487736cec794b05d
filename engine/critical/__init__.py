"""Critical points of a 2D surface, found numerically, plus display hints.

`find_critical_points` runs a vectorized damped Newton iteration on ∇f = 0 from an n×n grid
of starts over the surface's domain, polishes the converged points, drops duplicates and
classifies each by the eigenvalues of its Hessian. It serves formula surfaces at request
time (so it must be fast) and the tests use it to check the catalogue's hard-coded points.

`suggest_log_scale` and `suggest_starts` give a formula surface the same display hints that
the catalogue surfaces carry by hand: a logarithmic colour scale and demo start points.

`CriticalSet` holds *every* critical point of a surface as arrays with fast nearest-point
queries; `engine.surface_catalog.critical_set(surface)` gives it (exact product sets for
separable surfaces such as
rastrigin, a dense local-Newton enumeration for rugged ones such as levi13, the listed points
where the list is complete, the uncapped numerical search for formulas). Races use it for the
distance to the nearest minimum and for their summaries, and `refine` finds the critical point
a run actually reached (Newton on the analytic gradient and Hessian) where a set may miss it.

The package: search.py (the Newton search and classification), display.py (colour scale,
clipping, demo starts), index.py (CriticalSet and its nearest-point structures), sets.py (how a
set is built: listed, separable, searched; refine and classify).
"""

from __future__ import annotations

from engine.critical.display import (
    CLIP_SPAN,
    CLIP_TO,
    clip_for_display,
    display_clip,
    suggest_log_scale,
    suggest_starts,
    value_report,
)
from engine.critical.index import CriticalSet, Follower
from engine.critical.search import KINDS, MAX_POINTS, find_critical_points, in_domain
from engine.critical.sets import (
    classify,
    refine,
    roots_1d,
    search_set,
    separable_set,
    set_from_points,
)

__all__ = [
    "CLIP_SPAN",
    "CLIP_TO",
    "KINDS",
    "MAX_POINTS",
    "CriticalSet",
    "Follower",
    "classify",
    "clip_for_display",
    "display_clip",
    "find_critical_points",
    "in_domain",
    "refine",
    "roots_1d",
    "search_set",
    "separable_set",
    "set_from_points",
    "suggest_log_scale",
    "suggest_starts",
    "value_report",
]

"""The catalogue of 2D loss surfaces, registered in `engine.registry` at import time.

One module per family (valleys.py, minima.py, saddles.py, rugged.py) holds its surfaces'
maths and descriptions; their names and help texts in English and Korean are data
(engine/texts.py), as are the suggested learning rates (rates.py) and the listed critical
points (points.py); base.py describes, builds and caches. A new surface is its three
functions and one `add(...)` in its family's module, plus its texts, rates and points, and
its name in ORDER below.

Critical points are hard-coded at default parameters: the exact ones where a closed form
exists (goldstein_price, mccormick, easom, ...), otherwise roots of the analytic gradient
polished with Newton's method to about 1e-15. `build(name, **params)` makes the `Surface`;
use `engine.surfaces.get(name, ...)`, which validates the parameters first.
"""

from __future__ import annotations

from engine.surface_catalog import minima, rugged, saddles, valleys  # noqa: F401 - describe
from engine.surface_catalog.base import build, critical_set, register_all

# the catalogue's order (the API's and the UI's)
ORDER = (
    "rosenbrock",
    "beale",
    "himmelblau",
    "booth",
    "matyas",
    "goldstein_price",
    "six_hump_camel",
    "three_hump_camel",
    "styblinski_tang",
    "rastrigin",
    "ackley",
    "easom",
    "levi13",
    "mccormick",
    "saddle",
    "monkey_saddle",
    "ill_conditioned",
    "double_well",
    "saddle_two_minima",
    "distill_banana",
    "tilted_double_well",
)
register_all(ORDER)

__all__ = ["ORDER", "build", "critical_set"]

"""DescentLab's engine: pure NumPy surfaces, optimizers, schedules and simulations.

No web imports, no global random state, no I/O. Importing the package fills the registry.

    from engine import surfaces, optimizers, schedules
"""

from engine import registry, surfaces  # noqa: I001  (registry first: the rest register into it)
from engine import surface_catalog, optimizers, schedules, noise, simulate, basins
from engine import activations, losses, datasets, mlp, train  # noqa: F401  (the MLP side)

__all__ = [
    "registry",
    "surfaces",
    "surface_catalog",
    "optimizers",
    "schedules",
    "noise",
    "simulate",
    "basins",
]

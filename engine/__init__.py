"""DescentLab's engine: pure NumPy surfaces, optimizers, schedules and simulations.

No web imports, no global random state, no I/O. Importing the package fills the registry.
"""

from engine import registry, surfaces  # noqa: F401

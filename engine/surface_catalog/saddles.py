"""Saddles without a minimum: saddle (x² − y²) and monkey_saddle (x³ − 3xy²).

Maths first, then each surface's description (names and help in engine/texts.py, rates
in rates.py).
"""

from __future__ import annotations

from engine.surface_catalog.base import SQUARE2, add, full


def _saddle_value(x, y):
    f = x * x
    f -= y * y
    return f


def _saddle_grad(x, y):
    return x * 2.0, y * -2.0


def _saddle_hess(x, y):
    return full(x, 2.0), full(x, 0.0), full(x, -2.0)


def _monkey_value(x, y):
    f = y * y
    f *= -3.0
    f += x * x
    f *= x
    return f


def _monkey_grad(x, y):
    fx = x * x
    fx -= y * y
    fx *= 3.0
    fy = x * y
    fy *= -6.0
    return fx, fy


def _monkey_hess(x, y):
    return 6.0 * x, -6.0 * y, -6.0 * x


# fmt: off
add("saddle", "x² − y²", (_saddle_value, _saddle_grad, _saddle_hess), SQUARE2,
    starts=((-1.5, 0.001), (1.5, 0.0), (-1.0, 0.5)), tags=("saddle", "unbounded"))

add("monkey_saddle", "x³ − 3xy²", (_monkey_value, _monkey_grad, _monkey_hess), SQUARE2,
    starts=((1.0, 0.001), (1.0, 0.5), (-0.5, 1.0)), tags=("saddle", "unbounded"))
# fmt: on

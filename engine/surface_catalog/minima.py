"""Several minima: himmelblau, goldstein_price, the camels, styblinski_tang, mccormick,
the double wells and the saddle between two minima.

Maths first, then each surface's description (names and help in engine/texts.py, rates
in rates.py).
"""

from __future__ import annotations

import numpy as np

from engine import critical
from engine.surface_catalog.base import SQUARE2, TAU, add, cos2, cubic, full, pt, sin2, sum_sq
from engine.surface_catalog.points import ST_HI, ST_LO, ST_MID


def _himmelblau_terms(x, y):
    """a = x² + y − 11 and b = x + y² − 7: f = a² + b²."""
    a = x * x
    a += y
    a -= 11.0
    b = y * y
    b += x
    b -= 7.0
    return a, b


def _himmelblau_value(x, y):
    return sum_sq(*_himmelblau_terms(x, y))


def _himmelblau_grad(x, y):
    a, b = _himmelblau_terms(x, y)
    fx = x * a  # 4xa + 2b
    fx *= 2.0
    fx += b
    fx *= 2.0
    b *= y  # 4yb + 2a
    b *= 2.0
    b += a
    b *= 2.0
    return fx, b


def _himmelblau_hess(x, y):
    return 12.0 * (x * x) + 4.0 * y - 42.0, 4.0 * (x + y), 12.0 * (y * y) + 4.0 * x - 26.0


# Goldstein–Price factors as f = A(u)·B(v) with u = x + y + 1, v = 2x − 3y:
# A = 1 + u²((3u − 20)u + 36), B = 30 + v²((3v − 16)v + 18) (expand the brackets to check),
# A' = 12u((u − 5)u + 6) = 12u(u − 2)(u − 3), B' = 12v((v − 4)v + 3) = 12v(v − 1)(v − 3).
def _gp_uv(x, y):
    u = x + y
    u += 1.0
    v = x * 2.0
    v -= 3.0 * y
    return u, v


def _gp_value(x, y):
    u, v = _gp_uv(x, y)
    a = _gp_term(u, 20.0, 36.0, 1.0)
    a *= _gp_term(v, 16.0, 18.0, 30.0)
    return a


def _gp_term(w, p: float, q: float, c: float):
    """c + w²((3w − p)w + q), w consumed: one factor of the value."""
    t = w * 3.0
    t -= p
    t *= w
    t += q
    w *= w
    t *= w
    t += c
    return t


def _gp_factor(w, p: float, q: float, r: float, c: float):
    """F = c + w²((3w + p)w + q) and F' = 12w((w + p/4)w + r), w consumed."""
    f = w * 3.0
    f += p
    f *= w
    f += q
    df = w + 0.25 * p
    df *= w
    df += r
    df *= w
    df *= 12.0
    w *= w
    f *= w
    f += c
    return f, df


def _gp_grad(x, y):
    u, v = _gp_uv(x, y)
    a, da = _gp_factor(u, -20.0, 36.0, 6.0, 1.0)
    b, db = _gp_factor(v, -16.0, 18.0, 3.0, 30.0)
    da *= b  # A'B
    a *= db  # AB'
    fx = a * 2.0
    fx += da
    a *= 3.0
    da -= a
    return fx, da


def _gp_hess(x, y):
    a, da = _gp_factor(x + y + 1.0, -20.0, 36.0, 6.0, 1.0)
    b, db = _gp_factor(2.0 * x - 3.0 * y, -16.0, 18.0, 3.0, 30.0)
    u, v = x + y + 1.0, 2.0 * x - 3.0 * y
    p = 12.0 * (3.0 * (u * u) - 10.0 * u + 6.0) * b  # A''B
    q = da * db  # A'B'
    r = 12.0 * (3.0 * (v * v) - 8.0 * v + 3.0) * a  # AB''
    return p + 4.0 * q + 4.0 * r, p - q - 6.0 * r, p - 6.0 * q + 9.0 * r


def _camel_x(x2, a: float, b: float, c: float):
    """(a·x⁴ − b·x² + c)·x² from x² (the camels' x part)."""
    f = x2 * a
    f -= b
    f *= x2
    f += c
    f *= x2
    return f


def _six_hump_value(x, y):
    f = _camel_x(x * x, 1.0 / 3.0, 2.1, 4.0)
    y2 = y * y
    t = y2 - 1.0
    t *= y2
    t *= 4.0
    f += t
    t = x * y
    f += t
    return f


def _six_hump_grad(x, y):
    x2 = x * x
    fx = x2 * 2.0  # x(8 − 8.4x² + 2x⁴) + y
    fx -= 8.4
    fx *= x2
    fx += 8.0
    fx *= x
    fx += y
    fy = y * y  # y(16y² − 8) + x
    fy *= 16.0
    fy -= 8.0
    fy *= y
    fy += x
    return fx, fy


def _six_hump_hess(x, y):
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * (x2 * x2), full(x, 1.0), 48.0 * (y * y) - 8.0


def _three_hump_value(x, y):
    f = _camel_x(x * x, 1.0 / 6.0, 1.05, 2.0)
    t = x + y  # xy + y² = y(x + y)
    t *= y
    f += t
    return f


def _three_hump_grad(x, y):
    x2 = x * x
    fx = x2 - 4.2  # x(4 − 4.2x² + x⁴) + y
    fx *= x2
    fx += 4.0
    fx *= x
    fx += y
    fy = y * 2.0
    fy += x
    return fx, fy


def _three_hump_hess(x, y):
    x2 = x * x
    return 4.0 - 12.6 * x2 + 5.0 * (x2 * x2), full(x, 1.0), full(x, 2.0)


def _styblinski_value(x, y):
    f = x * x
    f -= 16.0
    f *= x
    f *= x
    t = y * y
    t -= 16.0
    t *= y
    t *= y
    f += t
    t = x + y
    t *= 5.0
    f += t
    f *= 0.5
    return f


def _styblinski_1d_grad(t):
    g = t * t
    g *= 2.0
    g -= 16.0
    g *= t
    g += 2.5
    return g


def _styblinski_grad(x, y):
    return _styblinski_1d_grad(x), _styblinski_1d_grad(y)


def _styblinski_hess(x, y):
    return 6.0 * (x * x) - 16.0, full(x, 0.0), 6.0 * (y * y) - 16.0


# McCormick with s = x + y and d = x − y: sin s + d² − 1.5x + 2.5y + 1 = sin s + d² − 2d + s/2 + 1.
def _mccormick_value(x, y):
    h = x + y
    h *= 0.5
    f = sin2(h)
    f += h
    f += 1.0
    d = x - y
    t = d - 2.0
    t *= d
    f += t
    return f


def _mccormick_grad(x, y):
    h = x + y
    h *= 0.5
    c = cos2(h)
    d = x - y
    d *= 2.0
    fx = c + d
    fx -= 1.5
    c -= d
    c += 2.5
    return fx, c


def _mccormick_hess(x, y):
    s = sin2(0.5 * (x + y))
    return 2.0 - s, -2.0 - s, 2.0 - s


def _well_value(x, y):
    f = x * x
    f -= 1.0
    f *= f
    f += y * y
    return f


def _well_grad(x, y):
    fx = cubic(x)
    fx *= 4.0
    return fx, y * 2.0


def _well_hess(x, y):
    return 12.0 * (x * x) - 4.0, full(x, 0.0), full(x, 2.0)


def _tilted_value(x, y):
    f = _well_value(x, y)
    f += 0.3 * x
    return f


def _tilted_grad(x, y):
    fx, fy = _well_grad(x, y)
    fx += 0.3
    return fx, fy


def _two_minima_value(x, y):
    f = y * y
    t = f - 2.0
    f *= t
    f *= 0.25
    f += x * x
    return f


def _two_minima_grad(x, y):
    return x * 2.0, cubic(y)


def _two_minima_hess(x, y):
    return full(x, 2.0), full(x, 0.0), 3.0 * (y * y) - 1.0


# fmt: off
add("himmelblau", "(x²+y−11)² + (x+y²−7)²",
    (_himmelblau_value, _himmelblau_grad, _himmelblau_hess), ((-5.0, 5.0), (-5.0, 5.0)),
    starts=((-0.27, -0.92), (0.0, 0.0), (-4.0, 0.5)), tags=("local_minima", "saddle"))

add("goldstein_price",
    "[1+(x+y+1)²(19−14x+3x²−14y+6xy+3y²)]·[30+(2x−3y)²(18−32x+12x²+48y−36xy+27y²)]",
    (_gp_value, _gp_grad, _gp_hess), SQUARE2, starts=((-1.5, 1.5), (1.5, 1.5), (0.85, 0.25)),
    tags=("local_minima", "saddle"), log_scale=True)

add("six_hump_camel", "(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
    (_six_hump_value, _six_hump_grad, _six_hump_hess), ((-3.0, 3.0), (-2.0, 2.0)),
    starts=((-1.5, 1.5), (2.0, -1.0), (0.0, 0.05)), tags=("local_minima", "saddle"),
    log_scale=True)

add("three_hump_camel", "2x² − 1.05x⁴ + x⁶/6 + xy + y²",
    (_three_hump_value, _three_hump_grad, _three_hump_hess), ((-5.0, 5.0), (-5.0, 5.0)),
    starts=((2.5, -2.0), (-1.5, 1.5), (-4.0, 4.0)), tags=("local_minima", "saddle"),
    log_scale=True)


add("styblinski_tang", "½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
    (_styblinski_value, _styblinski_grad, _styblinski_hess), ((-5.0, 5.0), (-5.0, 5.0)),
    starts=((0.3, 0.2), (4.5, 4.5), (-4.5, 4.5)), tags=("local_minima", "saddle"),
    every=lambda s: critical.separable_set(s, (ST_LO, ST_MID, ST_HI), (ST_LO, ST_MID, ST_HI)))

# Exact: ∇f = 0 iff x − y = 1 and cos(x + y) = −½; with s = x + y, f = sin s + s/2.
add(
    "mccormick",
    "sin(x+y) + (x−y)² − 1.5x + 2.5y + 1",
    (_mccormick_value, _mccormick_grad, _mccormick_hess),
    ((-1.5, 4.0), (-3.0, 4.0)),
    points=tuple(
        pt(0.5 * (s + 1.0), 0.5 * (s - 1.0), kind, np.sin(s) + 0.5 * s)
        for s, kind in ((-TAU / 3, "min"), (2 * TAU / 3, "min"), (TAU / 3, "saddle"))
    ),
    starts=((1.6, 0.6), (-1.0, 3.0), (3.5, -2.5)),
    tags=("local_minima", "saddle"),
)

add("double_well", "(x²−1)² + y²", (_well_value, _well_grad, _well_hess), SQUARE2,
    starts=((0.001, 1.5), (0.0, 1.5), (1.8, -1.5)), tags=("saddle",))

add("saddle_two_minima", "x² + y⁴/4 − y²/2",
    (_two_minima_value, _two_minima_grad, _two_minima_hess), SQUARE2,
    starts=((1.5, 0.001), (1.5, 0.0), (-1.8, 1.8)), tags=("saddle",))

# Roots of 4x³ − 4x + 0.3 = 0, polished with Newton.
add("tilted_double_well", "(x²−1)² + 0.3x + y²", (_tilted_value, _tilted_grad, _well_hess),
    SQUARE2, starts=((1.8, 0.5), (1.5, 1.0), (-1.8, -0.5)), tags=("local_minima", "saddle"))
# fmt: on

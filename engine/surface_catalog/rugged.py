"""Rugged and flat: rastrigin, ackley, easom and levi13 (many local minima, a needle, a
plateau); their full sets of critical points come from a search, not a list.

Maths first, then each surface's description (names and help in engine/texts.py, rates
in rates.py).
"""

from __future__ import annotations

import numpy as np

from engine import critical
from engine.surface import Surface
from engine.surface_catalog.base import PI, add, cos2, full, sin2, sin_cos2


def _rastrigin_value(x, y):
    f = cos2(PI * x)
    f += cos2(PI * y)
    f *= -10.0
    f += 20.0
    f += x * x
    f += y * y
    return f


def _rastrigin_1d_grad(t):
    g = sin2(PI * t)
    g *= 20.0 * PI
    g += t
    g += t
    return g


def _rastrigin_grad(x, y):
    return _rastrigin_1d_grad(x), _rastrigin_1d_grad(y)


def _rastrigin_hess(x, y):
    k = 40.0 * PI * PI
    return 2.0 + k * cos2(PI * x), full(x, 0.0), 2.0 + k * cos2(PI * y)


# Ackley's cone term −20·exp(−0.2r), r = √(½(x²+y²)), has a kink at the origin. Convention:
# r is clamped to ACKLEY_EPS in the gradient and Hessian, so the gradient is exactly 0 at the
# origin (x/r = 0/ε) and the Hessian there is the cone's curvature 2·exp(−0.2ε)/ε (about
# 2e12, finite, positive definite) plus the cosine term's; nowhere a NaN.
ACKLEY_EPS = 1e-12


def _ackley_radius(x, y, clamp: bool):
    r = x * x
    r += y * y
    r *= 0.5
    r = np.sqrt(r)
    return np.maximum(r, ACKLEY_EPS) if clamp else r


def _ackley_value(x, y):
    # 20·(1 − e^(−0.2r)) + (e − e^(½Σcos)): exactly 0 at the origin, no cancellation.
    r = _ackley_radius(x, y, clamp=False)
    r *= -0.2
    f = np.expm1(r)
    f *= -20.0
    c = cos2(PI * x)
    c += cos2(PI * y)
    c *= 0.5
    f += np.e
    f -= np.exp(c)
    return f


def _ackley_grad(x, y):
    r = _ackley_radius(x, y, clamp=True)
    k = r * -0.2
    k = np.exp(k)
    k *= 2.0
    k /= r  # 2·exp(−0.2r)/r
    sx, cx = sin_cos2(PI * x)
    sy, cy = sin_cos2(PI * y)
    cx += cy
    cx *= 0.5
    e = np.exp(cx)
    e *= PI
    sx *= e
    sy *= e
    sx += k * x
    sy += k * y
    return sx, sy


def _ackley_hess(x, y):
    r = _ackley_radius(x, y, clamp=True)
    e1 = np.exp(-0.2 * r)
    k = 2.0 * e1 / r
    m = e1 * (0.2 * r + 1.0) / (r * r * r)
    sx, cx = sin_cos2(PI * x)
    sy, cy = sin_cos2(PI * y)
    e2 = PI * PI * np.exp(0.5 * (cx + cy))
    fxx = k - m * (x * x) + e2 * (2.0 * cx - sx * sx)
    fxy = -e2 * sx * sy - m * (x * y)
    fyy = k - m * (y * y) + e2 * (2.0 * cy - sy * sy)
    return fxx, fxy, fyy


def _easom_gauss(x, y):
    """(x − π, y − π, exp(−((x−π)² + (y−π)²)))."""
    a = x - PI
    b = y - PI
    e = a * a
    e += b * b
    e *= -1.0
    return a, b, np.exp(e)


def _easom_value(x, y):
    _, _, f = _easom_gauss(x, y)
    f *= cos2(0.5 * x)
    f *= cos2(0.5 * y)
    f *= -1.0
    return f


def _easom_grad(x, y):
    a, b, e = _easom_gauss(x, y)
    sx, cx = sin_cos2(0.5 * x)
    sy, cy = sin_cos2(0.5 * y)
    a *= cx  # fx = cos y · e · (sin x + 2(x−π)cos x)
    a *= 2.0
    a += sx
    a *= cy
    a *= e
    b *= cy
    b *= 2.0
    b += sy
    b *= cx
    b *= e
    return a, b


def _easom_hess(x, y):
    a, b, e = _easom_gauss(x, y)
    sx, cx = sin_cos2(0.5 * x)
    sy, cy = sin_cos2(0.5 * y)
    fxx = cy * e * (cx * (3.0 - 4.0 * (a * a)) - 4.0 * a * sx)
    fxy = -e * (sx + 2.0 * a * cx) * (sy + 2.0 * b * cy)
    fyy = cx * e * (cy * (3.0 - 4.0 * (b * b)) - 4.0 * b * sy)
    return fxx, fxy, fyy


# Lévi N.13 with sin²θ = (1 − cos 2θ)/2: 1 + sin²(3πy) = 1.5 − ½cos 6πy, and so on.
def _levi_value(x, y):
    f = cos2(3.0 * PI * x)
    f *= -0.5
    f += 0.5
    f += _weighted_square(3.0 * PI * y, x - 1.0)
    f += _weighted_square(2.0 * PI * y, y - 1.0)
    return f


def _weighted_square(h, u):
    """(1 + sin² h)·u² = (1.5 − ½cos 2h)·u²."""
    t = cos2(h)
    t *= -0.5
    t += 1.5
    t *= u
    t *= u
    return t


def _levi_grad(x, y):
    s6y, c6y = sin_cos2(3.0 * PI * y)
    s4y, c4y = sin_cos2(2.0 * PI * y)
    a = x - 1.0
    b = y - 1.0
    fx = sin2(3.0 * PI * x)  # 3π sin 6πx + (x−1)(3 − cos 6πy)
    fx *= 3.0 * PI
    c6y -= 3.0
    c6y *= a
    fx -= c6y
    fy = s6y  # 3π(x−1)² sin 6πy + (y−1)(3 − cos 4πy) + 2π(y−1)² sin 4πy
    fy *= a
    fy *= a
    fy *= 3.0 * PI
    c4y -= 3.0
    c4y *= b
    fy -= c4y
    s4y *= b
    s4y *= b
    s4y *= 2.0 * PI
    fy += s4y
    return fx, fy


def _levi_hess(x, y):
    a, b = x - 1.0, y - 1.0
    s6y, c6y = sin_cos2(3.0 * PI * y)
    s4y, c4y = sin_cos2(2.0 * PI * y)
    k = 18.0 * PI * PI
    fxx = k * cos2(3.0 * PI * x) + 3.0 - c6y
    fxy = 6.0 * PI * a * s6y
    fyy = k * (a * a) * c6y + 3.0 - c4y + 8.0 * PI * b * (s4y + PI * b * c4y)
    return fxx, fxy, fyy


def _rastrigin_every(s: Surface) -> critical.CriticalSet:
    """Separable: 2t + 20π sin 2πt = 0 has a root near every multiple of ½ (11 minima near the
    integers and 10 maxima near the half-integers in [−5.12, 5.12]), so 21 × 21 = 441 points:
    121 minima, 220 saddles and 100 maxima."""
    (lo, hi), _ = s.domain
    roots = critical.roots_1d(
        _rastrigin_1d_grad,
        lambda t: 2.0 + 40.0 * PI * PI * cos2(PI * t),
        np.arange(np.floor(2 * lo), np.ceil(2 * hi) + 1) / 2,
        lo,
        hi,
    )
    roots[np.abs(roots) < 1e-12] = 0.0
    return critical.separable_set(s, roots, roots)


# fmt: off
add("rastrigin", "20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
    (_rastrigin_value, _rastrigin_grad, _rastrigin_hess), ((-5.12, 5.12), (-5.12, 5.12)),
    starts=((4.5, 4.5), (-2.3, 3.6), (0.45, -0.55)), tags=("rugged", "local_minima"),
    complete=False, every=_rastrigin_every)


add("ackley", "−20·exp(−0.2√(½(x²+y²))) − exp(½(cos 2πx + cos 2πy)) + 20 + e",
    (_ackley_value, _ackley_grad, _ackley_hess), ((-5.0, 5.0), (-5.0, 5.0)),
    starts=((3.2, 3.6), (-4.0, 1.5), (0.7, -0.4)), tags=("rugged", "local_minima"),
    complete=False, every=lambda s: critical.search_set(s, 1.0 / 8.0))


add("easom", "−cos(x)cos(y)·exp(−((x−π)² + (y−π)²))", (_easom_value, _easom_grad, _easom_hess),
    ((-1.0, 7.0), (-1.0, 7.0)), starts=((2.0, 2.2), (1.0, 1.0), (5.5, 0.5)), tags=("plateau",))

add("levi13", "sin²(3πx) + (x−1)²(1+sin²(3πy)) + (y−1)²(1+sin²(2πy))",
    (_levi_value, _levi_grad, _levi_hess), ((-10.0, 10.0), (-10.0, 10.0)),
    starts=((-4.0, 4.0), (5.0, -5.0), (1.6, 0.6)), tags=("rugged", "local_minima"),
    complete=False,
    every=lambda s: critical.search_set(s, 1.0 / 12.0, region=((-3.75, 5.75), s.domain[1])))
# fmt: on

"""The catalogue of 2D loss surfaces, registered in `engine.registry` at import time.

Each surface is three plain functions of two same-shape float64 arrays: value f(x, y),
gradient (fx, fy) and Hessian (fxx, fxy, fyy), all in closed form. Values and gradients are
the hot loop of every race and benchmark (hundreds of thousands of lanes), so they reuse
subexpressions, multiply instead of using `**`, and update their own temporaries in place
with augmented assignment (never their inputs): at that size every fresh temporary costs
about as much as the arithmetic. The Hessians are written for reading.

Critical points are hard-coded at default parameters: the exact ones where a closed form
exists (goldstein_price, mccormick, easom, ...), otherwise roots of the analytic gradient
polished with Newton's method to about 1e-15. `build(name, **params)` makes the `Surface`;
use `engine.surfaces.get(name, ...)`, which validates the parameters first.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np

from engine import critical, registry
from engine.surface import Domain, Fn, Surface

PI = np.pi
TAU = 2.0 * np.pi


def _full(x: Any, c: float) -> np.ndarray:
    """A constant Hessian entry with the shape of the input."""
    return np.full(np.shape(x), c)


# NumPy's float64 sin and cos run as scalar loops on common builds while tan is SIMD and
# several times faster, so the trigonometric surfaces take both from one tan of the half
# angle: with t = tan h, sin 2h = 2t/(1+t²) and cos 2h = 2/(1+t²) − 1. Accurate to an ulp
# or two; at h = π/2 (t ≈ 1.6e16) they still give sin ≈ 0 and cos = −1.
def _sin_cos2(h):
    """(sin 2h, cos 2h)."""
    t = np.tan(h)
    c = t * t
    c += 1.0
    c = 2.0 / c
    t *= c
    c -= 1.0
    return t, c


def _sin2(h):
    """sin 2h."""
    t = np.tan(h)
    d = t * t
    d += 1.0
    t /= d
    t *= 2.0
    return t


def _cos2(h):
    """cos 2h."""
    t = np.tan(h)
    t *= t
    t += 1.0
    t = 2.0 / t
    t -= 1.0
    return t


# --- valleys ---------------------------------------------------------------------------


def _rosenbrock_value(x, y):
    b = x * x
    b -= y
    b *= b
    b *= 100.0
    a = 1.0 - x
    a *= a
    a += b
    return a


def _rosenbrock_grad(x, y):
    fy = x * x
    fy -= y
    fy *= -200.0  # 200(y − x²)
    fx = x * fy
    fx *= -2.0
    t = x - 1.0
    t *= 2.0
    fx += t
    return fx, fy


def _rosenbrock_hess(x, y):
    return 1200.0 * (x * x) - 400.0 * y + 2.0, -400.0 * x, _full(x, 200.0)


def _banana_value(x, y):
    b = y * 3.0
    b -= x * x
    b *= b
    b *= 20.0
    a = 1.0 - x
    a *= a
    a += b
    return a


def _banana_grad(x, y):
    fy = y * 3.0
    fy -= x * x
    fy *= 120.0  # 120(3y − x²)
    fx = x * fy
    fx *= -2.0 / 3.0
    t = x - 1.0
    t *= 2.0
    fx += t
    return fx, fy


def _banana_hess(x, y):
    return 240.0 * (x * x) - 240.0 * y + 2.0, -240.0 * x, _full(x, 360.0)


# Beale: tᵢ = cᵢ + x(yⁱ − 1) with c = 1.5, 2.25, 2.625 and f = Σ tᵢ².
def _beale_value(x, y):
    y2 = y * y
    f = y - 1.0
    f *= x
    f += 1.5
    f *= f
    t = y2 - 1.0
    t *= x
    t += 2.25
    t *= t
    f += t
    y2 *= y
    y2 -= 1.0
    y2 *= x
    y2 += 2.625
    y2 *= y2
    f += y2
    return f


def _beale_grad(x, y):
    y2 = y * y
    u1 = y - 1.0
    u2 = y2 - 1.0
    u3 = y2 * y
    u3 -= 1.0
    t1 = x * u1
    t1 += 1.5
    t2 = x * u2
    t2 += 2.25
    t3 = x * u3
    t3 += 2.625
    fx = t1 * u1
    u2 *= t2
    fx += u2
    u3 *= t3
    fx += u3
    fx *= 2.0
    fy = t3 * y  # fy = 2x(t1 + y(2t2 + 3y·t3))
    fy *= 3.0
    t2 *= 2.0
    fy += t2
    fy *= y
    fy += t1
    fy *= x
    fy *= 2.0
    return fx, fy


def _beale_hess(x, y):
    y2 = y * y
    u1, u2, u3 = y - 1.0, y2 - 1.0, y2 * y - 1.0
    t1, t2, t3 = x * u1 + 1.5, x * u2 + 2.25, x * u3 + 2.625
    fxx = 2.0 * (u1 * u1 + u2 * u2 + u3 * u3)
    fxy = x * (u1 + 2.0 * y * u2 + 3.0 * y2 * u3) + t1 + 2.0 * y * t2 + 3.0 * y2 * t3
    fxy *= 2.0
    fyy = x * (1.0 + 4.0 * y2 + 9.0 * (y2 * y2)) + 2.0 * t2 + 6.0 * y * t3
    fyy *= 2.0 * x
    return fxx, fxy, fyy


# Matyas: 0.26(x²+y²) − 0.48xy = 0.26(x−y)² + 0.04xy.
def _matyas_value(x, y):
    f = x - y
    f *= f
    f *= 0.26
    t = x * y
    t *= 0.04
    f += t
    return f


def _matyas_grad(x, y):
    fx = y * (-12.0 / 13.0)  # 0.52x − 0.48y = 0.52(x − 12y/13)
    fx += x
    fx *= 0.52
    fy = x * (-12.0 / 13.0)
    fy += y
    fy *= 0.52
    return fx, fy


def _matyas_hess(x, y):
    return _full(x, 0.52), _full(x, -0.48), _full(x, 0.52)


def _booth_value(x, y):
    a = y * 2.0
    a += x
    a -= 7.0
    a *= a
    b = x * 2.0
    b += y
    b -= 5.0
    b *= b
    a += b
    return a


def _booth_grad(x, y):
    fx = y * 0.8  # 10x + 8y − 34
    fx += x
    fx *= 10.0
    fx -= 34.0
    fy = x * 0.8  # 8x + 10y − 38
    fy += y
    fy *= 10.0
    fy -= 38.0
    return fx, fy


def _booth_hess(x, y):
    return _full(x, 10.0), _full(x, 8.0), _full(x, 10.0)


def _ill_conditioned(kappa: float) -> tuple[Fn, Fn, Fn]:
    def value(x, y):
        f = y * y
        f *= kappa
        f += x * x
        f *= 0.5
        return f

    def grad(x, y):
        return x * 1.0, y * kappa

    def hess(x, y):
        return _full(x, 1.0), _full(x, 0.0), _full(x, kappa)

    return value, grad, hess


# --- several minima --------------------------------------------------------------------


def _himmelblau_value(x, y):
    a = x * x
    a += y
    a -= 11.0
    a *= a
    b = y * y
    b += x
    b -= 7.0
    b *= b
    a += b
    return a


def _himmelblau_grad(x, y):
    a = x * x
    a += y
    a -= 11.0
    b = y * y
    b += x
    b -= 7.0
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
    a = u * 3.0
    a -= 20.0
    a *= u
    a += 36.0
    u *= u
    a *= u
    a += 1.0
    b = v * 3.0
    b -= 16.0
    b *= v
    b += 18.0
    v *= v
    b *= v
    b += 30.0
    a *= b
    return a


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


def _six_hump_value(x, y):
    x2 = x * x
    f = x2 * (1.0 / 3.0)
    f -= 2.1
    f *= x2
    f += 4.0
    f *= x2
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
    return 8.0 - 25.2 * x2 + 10.0 * (x2 * x2), _full(x, 1.0), 48.0 * (y * y) - 8.0


def _three_hump_value(x, y):
    x2 = x * x
    f = x2 * (1.0 / 6.0)
    f -= 1.05
    f *= x2
    f += 2.0
    f *= x2
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
    return 4.0 - 12.6 * x2 + 5.0 * (x2 * x2), _full(x, 1.0), _full(x, 2.0)


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
    return 6.0 * (x * x) - 16.0, _full(x, 0.0), 6.0 * (y * y) - 16.0


# McCormick with s = x + y and d = x − y: sin s + d² − 1.5x + 2.5y + 1 = sin s + d² − 2d + s/2 + 1.
def _mccormick_value(x, y):
    h = x + y
    h *= 0.5
    f = _sin2(h)
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
    c = _cos2(h)
    d = x - y
    d *= 2.0
    fx = c + d
    fx -= 1.5
    c -= d
    c += 2.5
    return fx, c


def _mccormick_hess(x, y):
    s = _sin2(0.5 * (x + y))
    return 2.0 - s, -2.0 - s, 2.0 - s


def _well_value(x, y):
    f = x * x
    f -= 1.0
    f *= f
    f += y * y
    return f


def _well_grad(x, y):
    fx = x * x
    fx -= 1.0
    fx *= x
    fx *= 4.0
    return fx, y * 2.0


def _well_hess(x, y):
    return 12.0 * (x * x) - 4.0, _full(x, 0.0), _full(x, 2.0)


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
    fy = y * y
    fy -= 1.0
    fy *= y
    return x * 2.0, fy


def _two_minima_hess(x, y):
    return _full(x, 2.0), _full(x, 0.0), 3.0 * (y * y) - 1.0


# --- saddles without a minimum ---------------------------------------------------------


def _saddle_value(x, y):
    f = x * x
    f -= y * y
    return f


def _saddle_grad(x, y):
    return x * 2.0, y * -2.0


def _saddle_hess(x, y):
    return _full(x, 2.0), _full(x, 0.0), _full(x, -2.0)


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


# --- rugged and flat -------------------------------------------------------------------


def _rastrigin_value(x, y):
    f = _cos2(PI * x)
    f += _cos2(PI * y)
    f *= -10.0
    f += 20.0
    f += x * x
    f += y * y
    return f


def _rastrigin_1d_grad(t):
    g = _sin2(PI * t)
    g *= 20.0 * PI
    g += t
    g += t
    return g


def _rastrigin_grad(x, y):
    return _rastrigin_1d_grad(x), _rastrigin_1d_grad(y)


def _rastrigin_hess(x, y):
    k = 40.0 * PI * PI
    return 2.0 + k * _cos2(PI * x), _full(x, 0.0), 2.0 + k * _cos2(PI * y)


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
    c = _cos2(PI * x)
    c += _cos2(PI * y)
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
    sx, cx = _sin_cos2(PI * x)
    sy, cy = _sin_cos2(PI * y)
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
    sx, cx = _sin_cos2(PI * x)
    sy, cy = _sin_cos2(PI * y)
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
    f *= _cos2(0.5 * x)
    f *= _cos2(0.5 * y)
    f *= -1.0
    return f


def _easom_grad(x, y):
    a, b, e = _easom_gauss(x, y)
    sx, cx = _sin_cos2(0.5 * x)
    sy, cy = _sin_cos2(0.5 * y)
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
    sx, cx = _sin_cos2(0.5 * x)
    sy, cy = _sin_cos2(0.5 * y)
    fxx = cy * e * (cx * (3.0 - 4.0 * (a * a)) - 4.0 * a * sx)
    fxy = -e * (sx + 2.0 * a * cx) * (sy + 2.0 * b * cy)
    fyy = cx * e * (cy * (3.0 - 4.0 * (b * b)) - 4.0 * b * sy)
    return fxx, fxy, fyy


# Lévi N.13 with sin²θ = (1 − cos 2θ)/2: 1 + sin²(3πy) = 1.5 − ½cos 6πy, and so on.
def _levi_value(x, y):
    f = _cos2(3.0 * PI * x)
    f *= -0.5
    f += 0.5
    t = _cos2(3.0 * PI * y)
    t *= -0.5
    t += 1.5
    a = x - 1.0
    t *= a
    t *= a
    f += t
    t = _cos2(2.0 * PI * y)
    t *= -0.5
    t += 1.5
    b = y - 1.0
    t *= b
    t *= b
    f += t
    return f


def _levi_grad(x, y):
    s6y, c6y = _sin_cos2(3.0 * PI * y)
    s4y, c4y = _sin_cos2(2.0 * PI * y)
    a = x - 1.0
    b = y - 1.0
    fx = _sin2(3.0 * PI * x)  # 3π sin 6πx + (x−1)(3 − cos 6πy)
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
    s6y, c6y = _sin_cos2(3.0 * PI * y)
    s4y, c4y = _sin_cos2(2.0 * PI * y)
    k = 18.0 * PI * PI
    fxx = k * _cos2(3.0 * PI * x) + 3.0 - c6y
    fxy = 6.0 * PI * a * s6y
    fyy = k * (a * a) * c6y + 3.0 - c4y + 8.0 * PI * b * (s4y + PI * b * c4y)
    return fxx, fxy, fyy


# --- registration ----------------------------------------------------------------------


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


def _pt(x: float, y: float, kind: str, value: float, degenerate: bool = False) -> dict[str, Any]:
    point = {"xy": (float(x), float(y)), "kind": kind, "value": float(value)}
    if degenerate:
        point["degenerate"] = True
    return point


def _add(
    name: str,
    labels: tuple[str, str],
    helps: tuple[str, str],
    formula: str,
    fns: tuple[Fn, Fn, Fn] | Callable[..., tuple[Fn, Fn, Fn, str]],
    domain: Domain,
    points: tuple[dict[str, Any], ...],
    starts: tuple[tuple[float, float], ...],
    tags: tuple[str, ...],
    log_scale: bool = False,
    complete: bool = True,
    params: tuple[registry.Param, ...] = (),
    every: Callable[[Surface], critical.CriticalSet] | None = None,
) -> None:
    """Register one surface (its plain-data description) and remember how to build it.

    `points` are the critical points shown (all of them when `complete`); `every` builds the
    set of every critical point in the domain where that list is not complete.
    """
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
        "suggested_lr": _suggested_lr(name),
    }
    registry.register(
        registry.Entry(
            kind="surface",
            name=name,
            label_en=labels[0],
            label_ko=labels[1],
            help_en=helps[0],
            help_ko=helps[1],
            params=params,
            info=MappingProxyType(info),
        )
    )
    _SPECS[name] = _Spec(make, domain, points, log_scale, starts, complete, every)


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


def _make_ill_conditioned(kappa: float = 10.0) -> tuple[Fn, Fn, Fn, str]:
    return (*_ill_conditioned(float(kappa)), f"½(x² + {float(kappa):g}y²)")


# Suggested learning rates per surface and optimizer family ("momentum" is SGD with
# momentum 0.9, "sgd" also serves "gd"): from a 1-2-5 ladder, rates whose run from the
# surface's first start stays in the domain for 300 steps and does not diverge (nor does
# twice the rate, within 600); of those the smallest that converges within 200 steps, else
# the fastest to converge, else the lowest final loss. On the unbounded saddles: the largest
# rate that stays in the domain for 300 steps. Himmelblau keeps the opening race's rates.
# tests/engine/test_suggested_lr.py runs every one.
_SUGGESTED_LR: dict[str, dict[str, float]] = {
    "rosenbrock": dict(
        sgd=0.001,
        momentum=0.001,
        adagrad=1,
        rmsprop=0.1,
        adadelta=2,
        adam=1,
        adamw=0.2,
        nadam=0.2,
        radam=0.002,
        adamax=1,
    ),
    "beale": dict(
        sgd=0.01,
        momentum=0.002,
        adagrad=2,
        rmsprop=0.1,
        adadelta=2,
        adam=0.5,
        adamw=0.5,
        nadam=0.2,
        radam=0.01,
        adamax=1,
    ),
    "himmelblau": dict(
        sgd=0.005,
        momentum=0.005,
        adagrad=0.2,
        rmsprop=0.05,
        adadelta=0.2,
        adam=0.1,
        adamw=0.05,
        nadam=0.05,
        radam=0.1,
        adamax=0.05,
    ),
    "booth": dict(
        sgd=0.02,
        momentum=0.002,
        adagrad=2,
        rmsprop=0.1,
        adadelta=2,
        adam=0.2,
        adamw=0.2,
        nadam=0.2,
        radam=0.05,
        adamax=0.5,
    ),
    "matyas": dict(
        sgd=1,
        momentum=0.1,
        adagrad=2,
        rmsprop=0.2,
        adadelta=2,
        adam=0.2,
        adamw=0.2,
        nadam=0.2,
        radam=1,
        adamax=1,
    ),
    "goldstein_price": dict(
        sgd=1e-06,
        momentum=1e-06,
        adagrad=0.01,
        rmsprop=0.001,
        adadelta=0.1,
        adam=0.001,
        adamw=0.001,
        nadam=0.001,
        radam=1e-06,
        adamax=0.001,
    ),
    "six_hump_camel": dict(
        sgd=0.002,
        momentum=0.0001,
        adagrad=0.1,
        rmsprop=0.1,
        adadelta=2,
        adam=0.02,
        adamw=0.02,
        nadam=0.02,
        radam=0.005,
        adamax=0.05,
    ),
    "three_hump_camel": dict(
        sgd=0.02,
        momentum=0.001,
        adagrad=0.2,
        rmsprop=0.01,
        adadelta=2,
        adam=0.02,
        adamw=0.05,
        nadam=0.02,
        radam=0.01,
        adamax=0.05,
    ),
    "styblinski_tang": dict(
        sgd=0.005,
        momentum=0.0005,
        adagrad=0.2,
        rmsprop=0.01,
        adadelta=1,
        adam=0.02,
        adamw=0.05,
        nadam=0.02,
        radam=0.1,
        adamax=0.02,
    ),
    "rastrigin": dict(
        sgd=0.0001,
        momentum=1e-05,
        adagrad=0.05,
        rmsprop=0.005,
        adadelta=0.5,
        adam=0.005,
        adamw=0.005,
        nadam=0.005,
        radam=0.02,
        adamax=0.005,
    ),
    "ackley": dict(
        sgd=0.001,
        momentum=0.0001,
        adagrad=0.02,
        rmsprop=0.002,
        adadelta=0.5,
        adam=0.002,
        adamw=0.002,
        nadam=0.002,
        radam=0.01,
        adamax=0.005,
    ),
    "easom": dict(
        sgd=0.02,
        momentum=0.002,
        adagrad=0.1,
        rmsprop=0.005,
        adadelta=1,
        adam=0.01,
        adamw=0.01,
        nadam=0.01,
        radam=0.05,
        adamax=0.01,
    ),
    "levi13": dict(
        sgd=0.0005,
        momentum=0.0005,
        adagrad=0.02,
        rmsprop=0.002,
        adadelta=0.5,
        adam=0.05,
        adamw=0.05,
        nadam=0.005,
        radam=0.02,
        adamax=0.01,
    ),
    "mccormick": dict(
        sgd=0.05,
        momentum=0.002,
        adagrad=0.1,
        rmsprop=0.005,
        adadelta=0.5,
        adam=0.01,
        adamw=0.01,
        nadam=0.01,
        radam=0.05,
        adamax=0.01,
    ),
    "saddle": dict(
        sgd=0.01,
        momentum=0.001,
        adagrad=0.02,
        rmsprop=0.002,
        adadelta=0.02,
        adam=0.002,
        adamw=0.002,
        nadam=0.002,
        radam=0.01,
        adamax=0.005,
    ),
    "monkey_saddle": dict(
        sgd=0.01,
        momentum=0.002,
        adagrad=0.02,
        rmsprop=0.002,
        adadelta=0.01,
        adam=0.002,
        adamw=0.002,
        nadam=0.002,
        radam=0.01,
        adamax=0.005,
    ),
    "ill_conditioned": dict(
        sgd=0.05,
        momentum=0.005,
        adagrad=0.5,
        rmsprop=0.02,
        adadelta=2,
        adam=0.05,
        adamw=0.05,
        nadam=0.05,
        radam=0.1,
        adamax=0.05,
    ),
    "double_well": dict(
        sgd=0.02,
        momentum=0.005,
        adagrad=0.2,
        rmsprop=0.02,
        adadelta=2,
        adam=0.02,
        adamw=0.02,
        nadam=0.05,
        radam=0.1,
        adamax=0.05,
    ),
    "saddle_two_minima": dict(
        sgd=0.05,
        momentum=0.01,
        adagrad=0.2,
        rmsprop=0.02,
        adadelta=2,
        adam=0.02,
        adamw=0.02,
        nadam=0.05,
        radam=0.1,
        adamax=0.05,
    ),
    "distill_banana": dict(
        sgd=0.001,
        momentum=5e-05,
        adagrad=0.5,
        rmsprop=0.05,
        adadelta=2,
        adam=0.05,
        adamw=0.1,
        nadam=0.2,
        radam=0.0005,
        adamax=0.2,
    ),
    "tilted_double_well": dict(
        sgd=0.02,
        momentum=0.001,
        adagrad=0.2,
        rmsprop=0.01,
        adadelta=2,
        adam=0.02,
        adamw=0.05,
        nadam=0.02,
        radam=0.1,
        adamax=0.05,
    ),
}


def _suggested_lr(name: str) -> dict[str, float]:
    rates = _SUGGESTED_LR[name]
    return {"gd": rates["sgd"], **rates}


_SQUARE2: Domain = ((-2.0, 2.0), (-2.0, 2.0))

_add(
    "rosenbrock",
    ("Rosenbrock function", "로젠브록 함수"),
    (
        "A long, curved, narrow valley. Reaching the valley is easy; following it to the "
        "minimum at (1, 1) is slow for plain gradient descent.",
        "길고 휘어진 좁은 골짜기입니다. 골짜기에 들어가기는 쉽지만, 골짜기를 따라 (1, 1)의 "
        "전역 최소값까지 가는 길은 일반 경사 하강법에게 느립니다.",
    ),
    "(1−x)² + 100(y−x²)²",
    (_rosenbrock_value, _rosenbrock_grad, _rosenbrock_hess),
    ((-2.0, 2.0), (-1.0, 3.0)),
    (_pt(1.0, 1.0, "min", 0.0),),
    ((-1.5, 2.0), (-1.2, 1.0), (0.5, -0.5)),
    ("valley",),
    log_scale=True,
)

_add(
    "beale",
    ("Beale function", "빌 함수"),
    (
        "Sharp ridges and flat valleys, with values spanning five orders of magnitude. Global "
        "minimum 0 at (3, 0.5) and two saddle points.",
        "날카로운 능선과 평탄한 골짜기가 있고 값이 다섯 자릿수에 걸쳐 변합니다. 전역 최소값은 "
        "(3, 0.5)에서 0이며 안장점이 두 개 있습니다.",
    ),
    "(1.5−x+xy)² + (2.25−x+xy²)² + (2.625−x+xy³)²",
    (_beale_value, _beale_grad, _beale_hess),
    ((-4.5, 4.5), (-4.5, 4.5)),
    (
        _pt(3.0, 0.5, "min", 0.0),
        _pt(0.10053793732415830, -2.644513585023126, "saddle", 9.864512284755560),
        _pt(0.0, 1.0, "saddle", 14.203125),
    ),
    ((1.0, 1.5), (-2.0, -2.0), (2.0, -2.5)),
    ("valley", "saddle"),
    log_scale=True,
)

_add(
    "himmelblau",
    ("Himmelblau's function", "힘멜블라우 함수"),
    (
        "Four global minima of equal value 0, four saddle points and one maximum: the start "
        "decides which basin an optimizer reaches.",
        "값이 0으로 같은 전역 최소값 네 개, 안장점 네 개, 최대값 하나가 있습니다. 출발점이 "
        "어느 분지에 도착할지를 정합니다.",
    ),
    "(x²+y−11)² + (x+y²−7)²",
    (_himmelblau_value, _himmelblau_grad, _himmelblau_hess),
    ((-5.0, 5.0), (-5.0, 5.0)),
    (
        _pt(3.0, 2.0, "min", 0.0),
        _pt(-2.805118086952745, 3.131312518250573, "min", 0.0),
        _pt(-3.779310253377747, -3.283185991286170, "min", 0.0),
        _pt(3.584428340330492, -1.848126526964404, "min", 0.0),
        _pt(3.385154183607021, 0.07385187983774931, "saddle", 13.31192627040559),
        _pt(0.08667750455539634, 2.884254701174776, "saddle", 67.71915008752613),
        _pt(-3.073025750764390, -0.08135304428796748, "saddle", 104.0151629175581),
        _pt(-0.1279613467306800, -1.953714980244577, "saddle", 178.3372392019275),
        _pt(-0.2708445906673476, -0.9230385564799815, "max", 181.6165215225827),
    ),
    ((-0.27, -0.92), (0.0, 0.0), (-4.0, 0.5)),
    ("local_minima", "saddle"),
)

_add(
    "booth",
    ("Booth function", "부스 함수"),
    (
        "A convex quadratic bowl with one minimum, 0 at (1, 3); Hessian eigenvalues 2 and 18.",
        "(1, 3)에서 최소값 0 하나만 갖는 볼록 이차 함수입니다. 헤세 행렬의 고윳값은 2와 18입니다.",
    ),
    "(x+2y−7)² + (2x+y−5)²",
    (_booth_value, _booth_grad, _booth_hess),
    ((-10.0, 10.0), (-10.0, 10.0)),
    (_pt(1.0, 3.0, "min", 0.0),),
    ((-8.0, 8.0), (8.0, -8.0)),
    ("convex",),
)

_add(
    "matyas",
    ("Matyas function", "마티아스 함수"),
    (
        "A very flat convex bowl (Hessian eigenvalues 0.04 and 1): along the diagonal the "
        "gradient almost vanishes.",
        "매우 평평한 볼록 함수입니다(헤세 행렬의 고윳값 0.04와 1). 대각선 방향으로는 기울기가 "
        "거의 0이라 진행이 느립니다.",
    ),
    "0.26(x²+y²) − 0.48xy",
    (_matyas_value, _matyas_grad, _matyas_hess),
    ((-10.0, 10.0), (-10.0, 10.0)),
    (_pt(0.0, 0.0, "min", 0.0),),
    ((8.0, 6.0), (-8.0, 8.0)),
    ("convex", "plateau"),
)

_add(
    "goldstein_price",
    ("Goldstein–Price function", "골드스타인–프라이스 함수"),
    (
        "Global minimum 3 at (0, −1), three local minima, four saddles and a maximum; values "
        "reach about a million, so the colour scale is logarithmic.",
        "(0, −1)에서 전역 최소값 3을 갖고 지역 최소값 세 개, 안장점 네 개, 최대값 하나가 "
        "있습니다. 값이 약 백만까지 커지므로 로그 색상으로 그립니다.",
    ),
    "[1+(x+y+1)²(19−14x+3x²−14y+6xy+3y²)]·[30+(2x−3y)²(18−32x+12x²+48y−36xy+27y²)]",
    (_gp_value, _gp_grad, _gp_hess),
    _SQUARE2,
    # Exact: A'(u) = 0 at u ∈ {0, 2, 3} and B'(v) = 0 at v ∈ {0, 1, 3} (see _gp_value).
    (
        _pt(0.0, -1.0, "min", 3.0),
        _pt(-0.6, -0.4, "min", 30.0),
        _pt(1.8, 0.2, "min", 84.0),
        _pt(1.2, 0.8, "min", 840.0),
        _pt(-0.4, -0.6, "saddle", 35.0),
        _pt(1.2, -0.2, "saddle", 99.0),
        _pt(1.4, 0.6, "saddle", 980.0),
        _pt(0.6, 0.4, "saddle", 990.0),
        _pt(0.8, 0.2, "max", 1155.0),
    ),
    ((-1.5, 1.5), (1.5, 1.5), (0.85, 0.25)),
    ("local_minima", "saddle"),
    log_scale=True,
)

_add(
    "six_hump_camel",
    ("Six-hump camel function", "여섯 혹 낙타 함수"),
    (
        "Two global minima (−1.0316) with a saddle exactly between them, four local minima, "
        "six more saddles and two maxima.",
        "전역 최소값(−1.0316) 두 개의 정확히 가운데에 안장점이 있고, 지역 최소값 네 개, "
        "안장점 여섯 개, 최대값 두 개가 더 있습니다.",
    ),
    "(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
    (_six_hump_value, _six_hump_grad, _six_hump_hess),
    ((-3.0, 3.0), (-2.0, 2.0)),
    (
        _pt(0.08984201310031807, -0.7126564030207396, "min", -1.031628453489877),
        _pt(-0.08984201310031807, 0.7126564030207396, "min", -1.031628453489877),
        _pt(1.703606714969981, -0.7960835686726251, "min", -0.2154638243837173),
        _pt(-1.703606714969981, 0.7960835686726251, "min", -0.2154638243837173),
        _pt(1.607104752920197, 0.5686514548841314, "min", 2.104250310311258),
        _pt(-1.607104752920197, -0.5686514548841314, "min", 2.104250310311258),
        _pt(0.0, 0.0, "saddle", 0.0),
        _pt(1.109205336804787, -0.7682680925095399, "saddle", 0.5437186009781853),
        _pt(-1.109205336804787, 0.7682680925095399, "saddle", 0.5437186009781853),
        _pt(1.638067984189779, 0.2286740690443941, "saddle", 2.229357197530714),
        _pt(-1.638067984189779, -0.2286740690443941, "saddle", 2.229357197530714),
        _pt(1.296070267167109, 0.6050843880386585, "saddle", 2.229470818029860),
        _pt(-1.296070267167109, -0.6050843880386585, "saddle", 2.229470818029860),
        _pt(1.230229876516653, 0.1623345844589950, "max", 2.496295351023577),
        _pt(-1.230229876516653, -0.1623345844589950, "max", 2.496295351023577),
    ),
    ((-1.5, 1.5), (2.0, -1.0), (0.0, 0.05)),
    ("local_minima", "saddle"),
    log_scale=True,
)

_add(
    "three_hump_camel",
    ("Three-hump camel function", "세 혹 낙타 함수"),
    (
        "Global minimum 0 at the origin between two shallower local minima, separated from "
        "them by two saddle points.",
        "원점의 전역 최소값 0 양쪽에 얕은 지역 최소값 두 개가 있고, 그 사이를 안장점 두 개가 "
        "가릅니다.",
    ),
    "2x² − 1.05x⁴ + x⁶/6 + xy + y²",
    (_three_hump_value, _three_hump_grad, _three_hump_hess),
    ((-5.0, 5.0), (-5.0, 5.0)),
    (
        _pt(0.0, 0.0, "min", 0.0),
        _pt(1.747552345830289, -0.8737761729151444, "min", 0.2986384422368597),
        _pt(-1.747552345830289, 0.8737761729151444, "min", 0.2986384422368597),
        _pt(1.070542291823660, -0.5352711459118300, "saddle", 0.8773615577631402),
        _pt(-1.070542291823660, 0.5352711459118300, "saddle", 0.8773615577631402),
    ),
    ((2.5, -2.0), (-1.5, 1.5), (-4.0, 4.0)),
    ("local_minima", "saddle"),
    log_scale=True,
)

# Roots of 2t³ − 16t + 2.5 = 0 (the gradient is separable).
_ST_LO, _ST_MID, _ST_HI = -2.903534027771177, 0.1567312567803401, 2.746802770990837

_add(
    "styblinski_tang",
    ("Styblinski–Tang function", "스티블린스키–탕 함수"),
    (
        "Separable: one global minimum, three local minima, four saddles and a maximum near "
        "the centre.",
        "변수별로 분리되는 함수로 전역 최소값 하나, 지역 최소값 세 개, 안장점 네 개, 중앙 "
        "근처의 최대값 하나가 있습니다.",
    ),
    "½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
    (_styblinski_value, _styblinski_grad, _styblinski_hess),
    ((-5.0, 5.0), (-5.0, 5.0)),
    (
        _pt(_ST_LO, _ST_LO, "min", -78.33233140754282),
        _pt(_ST_HI, _ST_LO, "min", -64.19561235905536),
        _pt(_ST_LO, _ST_HI, "min", -64.19561235905536),
        _pt(_ST_HI, _ST_HI, "min", -50.05889331056789),
        _pt(_ST_MID, _ST_LO, "saddle", -38.97055334471606),
        _pt(_ST_LO, _ST_MID, "saddle", -38.97055334471606),
        _pt(_ST_MID, _ST_HI, "saddle", -24.83383429622858),
        _pt(_ST_HI, _ST_MID, "saddle", -24.83383429622858),
        _pt(_ST_MID, _ST_MID, "max", 0.3912247181107161),
    ),
    ((0.3, 0.2), (4.5, 4.5), (-4.5, 4.5)),
    ("local_minima", "saddle"),
    every=lambda s: critical.separable_set(s, (_ST_LO, _ST_MID, _ST_HI), (_ST_LO, _ST_MID, _ST_HI)),
)

_R1, _R2, _R4 = 0.9949586376523348, 1.989912233708550, 3.979783860300754


def _rastrigin_every(s: Surface) -> critical.CriticalSet:
    """Separable: 2t + 20π sin 2πt = 0 has a root near every multiple of ½ (11 minima near the
    integers and 10 maxima near the half-integers in [−5.12, 5.12]), so 21 × 21 = 441 points:
    121 minima, 220 saddles and 100 maxima."""
    (lo, hi), _ = s.domain
    roots = critical.roots_1d(
        _rastrigin_1d_grad,
        lambda t: 2.0 + 40.0 * PI * PI * _cos2(PI * t),
        np.arange(np.floor(2 * lo), np.ceil(2 * hi) + 1) / 2,
        lo,
        hi,
    )
    roots[np.abs(roots) < 1e-12] = 0.0
    return critical.separable_set(s, roots, roots)


_add(
    "rastrigin",
    ("Rastrigin function", "라스트리긴 함수"),
    (
        "An egg crate: a bowl covered in regular bumps, with a local minimum near every "
        "integer point. Global minimum 0 at the origin.",
        "계란판 모양: 규칙적인 요철로 덮인 그릇이라 정수 격자점마다 지역 최소값이 있습니다. "
        "전역 최소값은 원점에서 0입니다.",
    ),
    "20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
    (_rastrigin_value, _rastrigin_grad, _rastrigin_hess),
    ((-5.12, 5.12), (-5.12, 5.12)),
    (
        _pt(0.0, 0.0, "min", 0.0),
        _pt(_R1, 0.0, "min", 0.9949590570932898),
        _pt(-_R1, 0.0, "min", 0.9949590570932898),
        _pt(0.0, _R1, "min", 0.9949590570932898),
        _pt(0.0, -_R1, "min", 0.9949590570932898),
        _pt(-_R2, _R4, "min", 19.89907498301562),
        _pt(_R4, _R4, "min", 31.83848758492306),
    ),
    ((4.5, 4.5), (-2.3, 3.6), (0.45, -0.55)),
    ("rugged", "local_minima"),
    complete=False,
    every=_rastrigin_every,
)

_A1, _A2 = 0.9521665459501575, 0.9684776587077222

_add(
    "ackley",
    ("Ackley function", "애클리 함수"),
    (
        "A nearly flat outer region full of small local minima around a deep funnel. The "
        "origin (global minimum 0) is a sharp tip; the gradient there is defined as 0.",
        "작은 지역 최소값이 가득한 거의 평평한 바깥 영역 한가운데에 깊은 깔때기가 있습니다. "
        "원점(전역 최소값 0)은 뾰족한 점이라 그곳의 기울기는 0으로 정합니다.",
    ),
    "−20·exp(−0.2√(½(x²+y²))) − exp(½(cos 2πx + cos 2πy)) + 20 + e",
    (_ackley_value, _ackley_grad, _ackley_hess),
    ((-5.0, 5.0), (-5.0, 5.0)),
    (
        _pt(0.0, 0.0, "min", 0.0),
        _pt(_A1, 0.0, "min", 2.579927557029871),
        _pt(-_A1, 0.0, "min", 2.579927557029871),
        _pt(0.0, _A1, "min", 2.579927557029871),
        _pt(0.0, -_A1, "min", 2.579927557029871),
        _pt(_A2, _A2, "min", 3.574451877257680),
        _pt(-_A2, _A2, "min", 3.574451877257680),
        _pt(_A2, -_A2, "min", 3.574451877257680),
        _pt(-_A2, -_A2, "min", 3.574451877257680),
        _pt(-3.970918315064283, 0.9927672061700447, "min", 8.813151774046890),
        _pt(2.984213738127238, 3.978924750768195, "min", 10.12035074363267),
    ),
    ((3.2, 3.6), (-4.0, 1.5), (0.7, -0.4)),
    ("rugged", "local_minima"),
    complete=False,
    # 441 points: a minimum near every integer point, saddles and maxima between
    every=lambda s: critical.search_set(s, 1.0 / 8.0),
)

# Roots of tan t = 2(π − t) in [−1, 7]: E1, π and 2π − E1; plus the zero lines cos t = 0.
_E1 = 1.3049954504376675
_E3 = TAU - _E1
_E_PIT, _E_RIM = -8.110223891570075e-05, 0.009005678148573861

_add(
    "easom",
    ("Easom function", "이솜 함수"),
    (
        "One narrow well at (π, π) in a near-flat plateau: away from the well the gradient "
        "vanishes and plain gradient descent barely moves.",
        "거의 평탄한 평탄면 가운데 (π, π)에 좁은 우물 하나가 있습니다. 우물에서 멀어지면 "
        "기울기가 사라져 일반 경사 하강법이 거의 움직이지 않습니다.",
    ),
    "−cos(x)cos(y)·exp(−((x−π)² + (y−π)²))",
    (_easom_value, _easom_grad, _easom_hess),
    ((-1.0, 7.0), (-1.0, 7.0)),
    (
        _pt(PI, PI, "min", -1.0),
        _pt(_E1, _E1, "min", _E_PIT),
        _pt(_E1, _E3, "min", _E_PIT),
        _pt(_E3, _E1, "min", _E_PIT),
        _pt(_E3, _E3, "min", _E_PIT),
        _pt(0.5 * PI, 0.5 * PI, "saddle", 0.0),
        _pt(0.5 * PI, 1.5 * PI, "saddle", 0.0),
        _pt(1.5 * PI, 0.5 * PI, "saddle", 0.0),
        _pt(1.5 * PI, 1.5 * PI, "saddle", 0.0),
        _pt(PI, _E1, "max", _E_RIM),
        _pt(_E1, PI, "max", _E_RIM),
        _pt(PI, _E3, "max", _E_RIM),
        _pt(_E3, PI, "max", _E_RIM),
    ),
    ((2.0, 2.2), (1.0, 1.0), (5.5, 0.5)),
    ("plateau",),
)

_add(
    "levi13",
    ("Lévi function N.13", "레비 함수 N.13"),
    (
        "Rugged: ripples in both directions on top of a valley, with many local minima. "
        "Global minimum 0 at (1, 1).",
        "울퉁불퉁한 함수: 골짜기 위에 양방향 물결이 겹쳐 지역 최소값이 많습니다. 전역 "
        "최소값은 (1, 1)에서 0입니다.",
    ),
    "sin²(3πx) + (x−1)²(1+sin²(3πy)) + (y−1)²(1+sin²(2πy))",
    (_levi_value, _levi_grad, _levi_hess),
    ((-10.0, 10.0), (-10.0, 10.0)),
    (
        _pt(1.0, 1.0, "min", 0.0),
        _pt(1.659177000084969, 0.6748315124946496, "min", 0.6316425103184411),
        _pt(1.659177000084969, 1.325168487505350, "min", 0.6316425103184411),
        _pt(1.0, 0.02733759788457169, "min", 0.9737115955768498),
        _pt(1.0, 1.972662402115428, "min", 0.9737115955768500),
        _pt(0.01121499657623204, 1.0, "min", 0.9888264859865039),
        _pt(1.988785003423768, 1.0, "min", 0.9888264859865041),
    ),
    ((-4.0, 4.0), (5.0, -5.0), (1.6, 0.6)),
    ("rugged", "local_minima"),
    complete=False,
    # fx = 3π sin 6πx + (x−1)(3 − cos 6πy) has |fx| ≥ 2|x−1| − 3π > 0 for |x−1| > 3π/2, so
    # every critical point has x in (−3.72, 5.72): 3653 of them, 1179 minima
    every=lambda s: critical.search_set(s, 1.0 / 12.0, region=((-3.75, 5.75), s.domain[1])),
)

# Exact: ∇f = 0 iff x − y = 1 and cos(x + y) = −½; with s = x + y, f = sin s + s/2.
_add(
    "mccormick",
    ("McCormick function", "매코믹 함수"),
    (
        "Two basins separated by one saddle point: the global minimum −1.9132 and a local "
        "minimum 1.2284.",
        "안장점 하나로 나뉜 두 분지: 전역 최소값 −1.9132와 지역 최소값 1.2284가 있습니다.",
    ),
    "sin(x+y) + (x−y)² − 1.5x + 2.5y + 1",
    (_mccormick_value, _mccormick_grad, _mccormick_hess),
    ((-1.5, 4.0), (-3.0, 4.0)),
    tuple(
        _pt(0.5 * (s + 1.0), 0.5 * (s - 1.0), kind, np.sin(s) + 0.5 * s)
        for s, kind in ((-TAU / 3, "min"), (2 * TAU / 3, "min"), (TAU / 3, "saddle"))
    ),
    ((1.6, 0.6), (-1.0, 3.0), (3.5, -2.5)),
    ("local_minima", "saddle"),
)

_add(
    "saddle",
    ("Saddle x² − y²", "안장면 x² − y²"),
    (
        "The classic saddle point at the origin, unbounded below. Gradient descent started "
        "exactly on y = 0 stalls at the saddle; any noise lets it escape.",
        "원점에 전형적인 안장점이 있고 아래로 한없이 내려갑니다. 정확히 y = 0에서 출발한 경사 "
        "하강법은 안장점에서 멈추고, 약간의 잡음만 있어도 빠져나갑니다.",
    ),
    "x² − y²",
    (_saddle_value, _saddle_grad, _saddle_hess),
    _SQUARE2,
    (_pt(0.0, 0.0, "saddle", 0.0),),
    ((-1.5, 0.001), (1.5, 0.0), (-1.0, 0.5)),
    ("saddle", "unbounded"),
)

_add(
    "monkey_saddle",
    ("Monkey saddle", "원숭이 안장"),
    (
        "A degenerate saddle: gradient and Hessian both vanish at the origin, so escaping it "
        "is slow. Unbounded below.",
        "퇴화된 안장점: 원점에서 기울기와 헤세 행렬이 모두 0이라 빠져나가기가 느립니다. "
        "아래로 한없이 내려갑니다.",
    ),
    "x³ − 3xy²",
    (_monkey_value, _monkey_grad, _monkey_hess),
    _SQUARE2,
    (_pt(0.0, 0.0, "saddle", 0.0, degenerate=True),),
    ((1.0, 0.001), (1.0, 0.5), (-0.5, 1.0)),
    ("saddle", "unbounded"),
)

_add(
    "ill_conditioned",
    ("Ill-conditioned quadratic", "조건수가 나쁜 이차 함수"),
    (
        "½(x² + κy²) with condition number κ. Gradient descent converges only if lr·κ < 2 and "
        "zigzags across the steep direction; momentum helps.",
        "조건수가 κ인 ½(x² + κy²)입니다. 경사 하강법은 학습률·κ < 2일 때만 수렴하고 가파른 "
        "방향으로 지그재그로 움직입니다. 모멘텀이 도움이 됩니다.",
    ),
    "½(x² + κy²)",
    _make_ill_conditioned,
    ((-3.0, 3.0), (-3.0, 3.0)),
    (_pt(0.0, 0.0, "min", 0.0),),
    ((-2.5, 2.0), (2.5, 0.5)),
    ("convex", "valley"),
    params=(
        registry.Param(
            name="kappa",
            type="float",
            default=10.0,
            low=1.0,
            high=1000.0,
            log=True,
            help_en="Condition number: the ratio of the largest to the smallest curvature.",
            help_ko="조건수: 가장 큰 곡률과 가장 작은 곡률의 비율입니다.",
        ),
    ),
)

_add(
    "double_well",
    ("Double well", "이중 우물"),
    (
        "Two equal minima at (±1, 0) with a saddle point between them at the origin. "
        "Bounded, safe in class.",
        "(±1, 0)에 같은 값의 최소값 두 개가 있고 그 사이 원점에 안장점이 있습니다. 값이 "
        "유계라서 수업에서 안전합니다.",
    ),
    "(x²−1)² + y²",
    (_well_value, _well_grad, _well_hess),
    _SQUARE2,
    (_pt(-1.0, 0.0, "min", 0.0), _pt(1.0, 0.0, "min", 0.0), _pt(0.0, 0.0, "saddle", 1.0)),
    ((0.001, 1.5), (0.0, 1.5), (1.8, -1.5)),
    ("saddle",),
)

_add(
    "saddle_two_minima",
    ("Saddle between two minima", "두 최소값 사이의 안장점"),
    (
        "A saddle at the origin between two minima at (0, ±1): a start on y = 0 leads to the "
        "saddle, not to a minimum.",
        "(0, ±1)의 두 최소값 사이 원점에 안장점이 있습니다. y = 0 위에서 출발하면 최소값이 "
        "아니라 안장점으로 갑니다.",
    ),
    "x² + y⁴/4 − y²/2",
    (_two_minima_value, _two_minima_grad, _two_minima_hess),
    _SQUARE2,
    (_pt(0.0, -1.0, "min", -0.25), _pt(0.0, 1.0, "min", -0.25), _pt(0.0, 0.0, "saddle", 0.0)),
    ((1.5, 0.001), (1.5, 0.0), (-1.8, 1.8)),
    ("saddle",),
)

_add(
    "distill_banana",
    ("Distill's banana", "Distill 바나나 함수"),
    (
        'The curved valley of Distill\'s "Why Momentum Really Works"; minimum 0 at (1, 1/3).',
        'Distill의 "Why Momentum Really Works"에 나오는 휘어진 골짜기입니다. 최소값은 '
        "(1, 1/3)에서 0입니다.",
    ),
    "(1−x)² + 20(3y − x²)²",
    (_banana_value, _banana_grad, _banana_hess),
    ((-2.0, 2.0), (-1.0, 2.0)),
    (_pt(1.0, 1.0 / 3.0, "min", 0.0),),
    ((-1.5, 1.5), (-1.0, -0.5), (1.8, 0.0)),
    ("valley",),
    log_scale=True,
)

# Roots of 4x³ − 4x + 0.3 = 0, polished with Newton.
_add(
    "tilted_double_well",
    ("Tilted double well", "기울어진 이중 우물"),
    (
        "A shallow local minimum near x = 0.96 and the global minimum near x = −1.04 with a "
        "saddle between them: plain gradient descent stays in the local minimum, momentum "
        "rolls through.",
        "x ≈ 0.96 근처의 얕은 지역 최소값과 x ≈ −1.04 근처의 전역 최소값 사이에 안장점이 "
        "있습니다. 일반 경사 하강법은 지역 최소값에 머물고, 모멘텀은 굴러서 넘어갑니다.",
    ),
    "(x²−1)² + 0.3x + y²",
    (_tilted_value, _tilted_grad, _well_hess),
    _SQUARE2,
    (
        _pt(-1.035578714088854, 0.0, "min", -0.3054284837439160),
        _pt(0.9601495555191055, 0.0, "min", 0.2941464810282629),
        _pt(0.07542915856974822, 0.0, "saddle", 1.011282002715653),
    ),
    ((1.8, 0.5), (1.5, 1.0), (-1.8, -0.5)),
    ("local_minima", "saddle"),
)

"""Valleys and bowls: rosenbrock, distill_banana, beale, booth, matyas, ill_conditioned.

Maths first, then each surface's description (names and help in engine/texts.py, rates
in rates.py).
"""

from __future__ import annotations

from engine import registry
from engine.surface import Fn
from engine.surface_catalog.base import add, full, sum_sq


def _valley(a: float, b: float) -> tuple[Fn, Fn, Fn]:
    """(1 − x)² + a(b·y − x²)²: Rosenbrock (a = 100, b = 1) and Distill's banana (20, 3)."""
    k, c = 2.0 * a * b, -2.0 / b
    h_xx, h_xy, h_yy = 12.0 * a, 4.0 * a * b, 2.0 * a * b * b

    def value(x, y):
        t = y * b
        t -= x * x
        t *= t
        t *= a
        s = 1.0 - x
        s *= s
        s += t
        return s

    def grad(x, y):
        fy = y * b
        fy -= x * x
        fy *= k  # 2ab(b·y − x²)
        fx = x * fy
        fx *= c
        t = x - 1.0
        t *= 2.0
        fx += t
        return fx, fy

    def hess(x, y):
        return h_xx * (x * x) - h_xy * y + 2.0, -h_xy * x, full(x, h_yy)

    return value, grad, hess


_ROSENBROCK = _valley(100.0, 1.0)
_BANANA = _valley(20.0, 3.0)


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
    return full(x, 0.52), full(x, -0.48), full(x, 0.52)


def _booth_value(x, y):
    a = y * 2.0
    a += x
    a -= 7.0
    b = x * 2.0
    b += y
    b -= 5.0
    return sum_sq(a, b)


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
    return full(x, 10.0), full(x, 8.0), full(x, 10.0)


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
        return full(x, 1.0), full(x, 0.0), full(x, kappa)

    return value, grad, hess


def _make_ill_conditioned(kappa: float = 10.0) -> tuple[Fn, Fn, Fn, str]:
    return (*_ill_conditioned(float(kappa)), f"½(x² + {float(kappa):g}y²)")


# fmt: off
add("rosenbrock", "(1−x)² + 100(y−x²)²",
    _ROSENBROCK, ((-2.0, 2.0), (-1.0, 3.0)),
    starts=((-1.5, 2.0), (-1.2, 1.0), (0.5, -0.5)), tags=("valley",), log_scale=True)

add("beale", "(1.5−x+xy)² + (2.25−x+xy²)² + (2.625−x+xy³)²",
    (_beale_value, _beale_grad, _beale_hess), ((-4.5, 4.5), (-4.5, 4.5)),
    starts=((1.0, 1.5), (-2.0, -2.0), (2.0, -2.5)), tags=("valley", "saddle"), log_scale=True)

add("booth", "(x+2y−7)² + (2x+y−5)²", (_booth_value, _booth_grad, _booth_hess),
    ((-10.0, 10.0), (-10.0, 10.0)), starts=((-8.0, 8.0), (8.0, -8.0)), tags=("convex",))

add("matyas", "0.26(x²+y²) − 0.48xy", (_matyas_value, _matyas_grad, _matyas_hess),
    ((-10.0, 10.0), (-10.0, 10.0)), starts=((8.0, 6.0), (-8.0, 8.0)),
    tags=("convex", "plateau"))

add("ill_conditioned", "½(x² + κy²)", _make_ill_conditioned, ((-3.0, 3.0), (-3.0, 3.0)),
    starts=((-2.5, 2.0), (2.5, 0.5)), tags=("convex", "valley"),
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
    ))

add("distill_banana", "(1−x)² + 20(3y − x²)²", _BANANA,
    ((-2.0, 2.0), (-1.0, 2.0)), starts=((-1.5, 1.5), (-1.0, -0.5), (1.8, 0.0)),
    tags=("valley",), log_scale=True)
# fmt: on

"""Safe typed formulas for custom surfaces: parse, check, differentiate, evaluate f(x, y).

    f = compile_formula("sin(x)*cos(y) + 0.1*(x^2 + y^2)")
    f.text            # "sin(x)*cos(y) + 0.1*(x**2 + y**2)"
    f.value(x, y)     # arrays of one shape -> array
    f.grad(x, y)      # -> (fx, fy)
    f.hess(x, y)      # -> (fxx, fxy, fyy)

User text is never executed. It is scanned first (a whitelist of characters and names, with
messages a student can act on), then parsed with `ast.parse(..., mode="eval")` and walked
against a whitelist of node types, within caps on length, node count and depth.

The result is an expression graph: a list of nodes, each an operation on earlier nodes (by
index), with equal subexpressions stored once. Derivatives are more nodes added by the chain
rule, with constant folding and x*0 -> 0, x*1 -> x, ... so they stay small; the Hessian is the
derivative of the derivative. Evaluation runs the needed nodes in order as NumPy ufuncs under
`np.errstate(all="ignore")`: overflow gives inf or nan, never a warning, an error or a hang.

The package: base.py (limits, the whitelist, FormulaError), scan.py (friendly messages
before Python's parser sees the text), parse.py (ast.parse and the whitelist walk), graph.py
(the expression graph and its derivatives), program.py (evaluation and printing).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from engine.formula.base import (
    DOMAIN_LIMIT,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    NAMES,
    Domain,
    FormulaError,
)
from engine.formula.graph import Graph
from engine.formula.parse import convert, parse
from engine.formula.program import Program, to_text

__all__ = [
    "DOMAIN_LIMIT",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "NAMES",
    "CompiledFormula",
    "Domain",
    "FormulaError",
    "check_domain",
    "compile_formula",
    "",
]


@dataclass(frozen=True, eq=False)
class CompiledFormula:
    """A checked formula: value, exact gradient and Hessian, vectorized over float64 arrays.

    Every method takes x and y of one shape and returns arrays of that shape (constants
    included), computed under `np.errstate(all="ignore")`: overflow gives inf or nan.
    """

    text: str
    variables: frozenset[str]
    _value: Program = field(repr=False)
    _grad: Program = field(repr=False)
    _hess: Program = field(repr=False)

    def value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self._value.run(x, y)[0]

    def grad(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fx, fy = self._grad.run(x, y)
        return fx, fy

    def hess(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        fxx, fxy, fyy = self._hess.run(x, y)
        return fxx, fxy, fyy


def compile_formula(text: object) -> CompiledFormula:
    """Check, parse and differentiate `text`; raise FormulaError (only) if it is not usable."""
    body, cols = parse(text)
    g = Graph()
    root = convert(body, g, cols)
    mx: dict[int, int] = {}
    my: dict[int, int] = {}
    fx, fy = g.derivative(root, "x", mx), g.derivative(root, "y", my)
    fxx, fxy, fyy = g.derivative(fx, "x", mx), g.derivative(fx, "y", my), g.derivative(fy, "y", my)
    used = frozenset(v for v, bit in (("x", 1), ("y", 2)) if g.deps[root] & bit)
    return CompiledFormula(
        text=to_text(g, root),
        variables=used,
        _value=Program.build(g, (root,)),
        _grad=Program.build(g, (fx, fy)),
        _hess=Program.build(g, (fxx, fxy, fyy)),
    )


def _pair(obj: object, what: str) -> tuple[object, object]:
    if isinstance(obj, str | bytes | Mapping):
        raise FormulaError(f"{what} must be a pair [min, max]")
    try:
        if len(obj) != 2:  # type: ignore[arg-type]
            raise TypeError
        return obj[0], obj[1]  # type: ignore[index]
    except (TypeError, KeyError, IndexError, ValueError):
        raise FormulaError(f"{what} must be a pair [min, max]") from None


def _bound(v: object, what: str) -> float:
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
        raise FormulaError(f"{what} must be a number")
    try:
        f = float(v)
    except (OverflowError, ValueError, TypeError):
        f = math.inf
    if not math.isfinite(f):
        raise FormulaError(f"{what} must be finite")
    if abs(f) > DOMAIN_LIMIT:
        raise FormulaError(f"{what} must be between -1e6 and 1e6")
    return f


def check_domain(domain: object) -> Domain:
    """((xmin, xmax), (ymin, ymax)) as floats from any 2x2 nested sequence, or FormulaError."""
    rows = _pair(domain, "domain")
    out = []
    for axis, row in zip("xy", rows, strict=True):
        lo_v, hi_v = _pair(row, f"domain {axis}")
        lo, hi = _bound(lo_v, f"domain {axis}: min"), _bound(hi_v, f"domain {axis}: max")
        if not lo < hi:
            raise FormulaError(f"domain {axis}: min must be less than max")
        out.append((lo, hi))
    return out[0], out[1]

"""A race's surface as a Python function f(x, y) over tensors: each catalogue surface written
as its formula, a custom formula from the engine's parsed and validated tree (never from
the user's text). `M` in the expressions is the tensor namespace: `torch` or `ops`
(keras.ops); gradients come from the framework's autograd."""

from __future__ import annotations

import math
from typing import Any

from app.export_code.common import CodeRefused, num
from engine import formula
from engine.formula.graph import Graph
from engine.formula.parse import convert, parse

# fmt: off
CATALOGUE = {
    "rosenbrock": "(1 - x)**2 + 100 * (y - x**2)**2",
    "distill_banana": "(1 - x)**2 + 20 * (3 * y - x**2)**2",
    "beale": "(1.5 - x + x * y)**2 + (2.25 - x + x * y**2)**2 + (2.625 - x + x * y**3)**2",
    "booth": "(x + 2 * y - 7)**2 + (2 * x + y - 5)**2",
    "matyas": "0.26 * (x**2 + y**2) - 0.48 * x * y",
    "ill_conditioned": "0.5 * (x**2 + {kappa} * y**2)",
    "saddle": "x**2 - y**2",
    "monkey_saddle": "x**3 - 3 * x * y**2",
    "himmelblau": "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "goldstein_price": (
        "((1 + (x + y + 1)**2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2))\n"
        "            * (30 + (2 * x - 3 * y)**2\n"
        "               * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)))"
    ),
    "six_hump_camel": "(4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2",
    "three_hump_camel": "2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2",
    "styblinski_tang": "0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y)",
    "mccormick": "M.sin(x + y) + (x - y)**2 - 1.5 * x + 2.5 * y + 1",
    "double_well": "(x**2 - 1)**2 + y**2",
    "tilted_double_well": "(x**2 - 1)**2 + 0.3 * x + y**2",
    "saddle_two_minima": "x**2 + y**4 / 4 - y**2 / 2",
    "rastrigin": (
        "20 + x**2 - 10 * M.cos(2 * math.pi * x) + y**2 - 10 * M.cos(2 * math.pi * y)"
    ),
    "ackley": (
        "(-20 * M.exp(-0.2 * M.sqrt(ACKLEY_R2(x, y)))\n"
        "            - M.exp(0.5 * (M.cos(2 * math.pi * x) + M.cos(2 * math.pi * y)))\n"
        "            + 20 + math.e)"
    ),
    "easom": "-M.cos(x) * M.cos(y) * M.exp(-((x - math.pi)**2 + (y - math.pi)**2))",
    "levi13": (
        "(M.sin(3 * math.pi * x)**2 + (x - 1)**2 * (1 + M.sin(3 * math.pi * y)**2)\n"
        "            + (y - 1)**2 * (1 + M.sin(2 * math.pi * y)**2))"
    ),
}
# fmt: on

# Ackley's cone has a kink at the origin: the engine clamps its radius at 1e-12 there, so
# the gradient is 0, not NaN (the value changes by about 4e-12 at most).
ACKLEY_HELPER = {
    "torch": "def ACKLEY_R2(x, y):\n    return torch.clamp(0.5 * (x**2 + y**2), min=1e-24)\n",
    "ops": "def ACKLEY_R2(x, y):\n    return ops.maximum(0.5 * (x**2 + y**2), 1e-24)\n",
    "np": "def ACKLEY_R2(x, y):\n    return np.maximum(0.5 * (x**2 + y**2), 1e-24)\n",
}


def surface_function(ref: dict[str, Any], surface: Any, m: str) -> str:
    """`def f(x, y): ...` for the request's surface (`m`: "torch", "ops" or "np")."""
    if ref.get("formula") is not None:
        body = formula_expression(ref["formula"], m)
        if not surface.formula or not ({"x", "y"} & set(_names(ref["formula"]))):
            body += " + 0 * x  # a constant: still a tensor of x"
        doc = f"The custom formula {surface.formula}"
        return f'def f(x, y):\n    """{_doc(doc)}"""\n    return {body}\n'
    name = ref["name"]
    if name not in CATALOGUE:
        raise CodeRefused("surface.name", f"{name} has no written-out formula")
    values = {k: num(float(v)) for k, v in surface.params.items()}
    body = CATALOGUE[name].replace("M.", f"{m}.").format(**values)
    helper = ACKLEY_HELPER[m] + "\n\n" if name == "ackley" else ""
    doc = f"{name}: {surface.formula}"
    return f'{helper}def f(x, y):\n    """{_doc(doc)}"""\n    return {body}\n'


def _names(text: str) -> set[str]:
    body, cols = parse(text)
    g = Graph()
    convert(body, g, cols)
    return {n.op for n in g.nodes}


def _doc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''")


def formula_expression(text: str, m: str) -> str:
    """The formula's tree (parsed and checked by the engine's whitelist) as an expression."""
    try:
        body, cols = parse(text)
        g = Graph()
        root = convert(body, g, cols)
    except formula.FormulaError as e:
        raise CodeRefused("surface.formula", e.message) from None
    return _emit(g, root, m)


_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def _emit(g: Graph, i: int, m: str) -> str:
    """One node as text, fully parenthesised (the tree is at most MAX_DEPTH deep)."""
    op, args, value = g.nodes[i]
    if op == "const":
        return _const(value)
    if op == "x" or op == "y":
        return op
    if op == "pi":
        return "math.pi"
    if op == "e":
        return "math.e"
    if op == "neg":
        return f"(-{_emit(g, args[0], m)})"
    if op in _OPS:
        return f"({_emit(g, args[0], m)} {_OPS[op]} {_emit(g, args[1], m)})"
    if op in formula.FUNCTIONS:
        return f"{m}.{op}({_emit(g, args[0], m)})"
    raise CodeRefused("surface.formula", f"no expression for {op!r}")


def _const(v: float) -> str:
    if math.isinf(v):
        return "math.inf"
    return repr(float(v))

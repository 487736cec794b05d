"""Parsing: Python's parser (one at a time), then a whitelist walk into the graph."""

from __future__ import annotations

import ast
import math
import threading

from engine.formula.base import (
    BINOPS,
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    NAMES,
    FormulaError,
)
from engine.formula.graph import Graph
from engine.formula.scan import check_tokens, scan

# CPython 3.11 keeps the AST constructor's recursion depth per interpreter, not per thread, so
# ast.parse in two threads at once can fail with "SystemError: AST constructor recursion
# depth mismatch" (python/cpython#106905); the service parses formulas in threads (seen under
# bench/formulas.py). Parsing is microseconds: one at a time costs nothing.
_AST_LOCK = threading.Lock()


def parse(text: object) -> tuple[ast.expr, list[int]]:
    """Check `text` and parse it; also return the user's column for each parsed character."""
    if not isinstance(text, str):
        raise FormulaError(f"formula must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    tokens = scan(text)
    if not tokens:
        raise FormulaError("empty formula")
    check_tokens(tokens)
    start = tokens[0].column - 1  # Python rejects leading spaces as an indent
    source = text[start:].replace("^", "**")  # "^" is power, with the precedence of "**"
    cols = [i + 1 for i in range(start, len(text)) for _ in range(2 if text[i] == "^" else 1)]
    try:
        with _AST_LOCK:
            tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        offset = getattr(exc, "offset", None)
        col = cols[min(max(offset - 1, 0), len(cols) - 1)] if isinstance(offset, int) else None
        where = f" at column {col}" if col else ""
        raise FormulaError(f"could not read the formula{where}", col) from None
    check_size(tree.body, cols)
    return tree.body, cols


def column_of(node: ast.AST, cols: list[int]) -> int | None:
    offset = getattr(node, "col_offset", None)
    return cols[offset] if isinstance(offset, int) and 0 <= offset < len(cols) else None


def check_size(body: ast.expr, cols: list[int]) -> None:
    """At most MAX_NODES expression nodes, nested at most MAX_DEPTH deep."""
    count, stack = 0, [(body, 1)]
    while stack:  # iterative, so a deep tree cannot exhaust Python's stack here
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FormulaError(f"formula is too big (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            col = column_of(node, cols)
            raise FormulaError(f"formula is too deeply nested (more than {MAX_DEPTH} levels)", col)
        stack.extend((c, depth + 1) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))


def not_allowed(node: ast.AST, cols: list[int]) -> FormulaError:
    col = column_of(node, cols)
    what = {
        ast.Tuple: "',' outside a function call", ast.Attribute: "'.' after a name",
        ast.Subscript: "indexing", ast.Compare: "a comparison", ast.BoolOp: "'and'/'or'",
        ast.IfExp: "'if'", ast.Lambda: "'lambda'", ast.NamedExpr: "':='",
    }.get(type(node), f"'{type(node).__name__}'")  # fmt: skip
    return FormulaError(f"{what} is not allowed at column {col}", col)


def convert(node: ast.expr, g: Graph, cols: list[int]) -> int:
    """The whitelist walk: one graph node per allowed AST node (depth is at most MAX_DEPTH)."""
    col = column_of(node, cols)
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise FormulaError(f"{node.value!r} is not a number (at column {col})", col)
        try:
            return g.node("const", value=float(node.value))
        except OverflowError:  # an integer literal beyond float64
            return g.node("const", value=math.inf)
    if isinstance(node, ast.Name) and node.id in NAMES:
        return g.node(node.id, value=CONSTANTS.get(node.id) or 0.0)
    if isinstance(node, ast.Name):
        raise FormulaError(f"unknown name '{node.id}' at column {col} (use x and y)", col)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        arg = convert(node.operand, g, cols)
        return g.node("neg", arg) if isinstance(node.op, ast.USub) else arg
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        a, b = convert(node.left, g, cols), convert(node.right, g, cols)
        return g.node(BINOPS[type(node.op)], a, b)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name not in FUNCTIONS:
            raise FormulaError(f"function '{name}' is not allowed at column {col}", col)
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise FormulaError(f"'{name}' takes exactly one argument (at column {col})", col)
        return g.node(name, convert(node.args[0], g, cols))
    raise not_allowed(node, cols)

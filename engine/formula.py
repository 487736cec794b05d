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
"""

from __future__ import annotations

import ast
import keyword
import math
import numbers
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

MAX_LENGTH = 500  # characters, checked before anything else
MAX_NODES = 300  # expression nodes in the parsed tree
MAX_DEPTH = 40  # nesting of the parsed tree (parentheses, calls, operator chains)
DOMAIN_LIMIT = 1e6

FUNCTIONS: dict[str, np.ufunc] = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "abs": np.absolute, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
}  # fmt: skip
NAMES = ("x", "y", "pi", "e")
_UFUNCS: dict[str, np.ufunc] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "pow": np.power, "neg": np.negative, "sign": np.sign, **FUNCTIONS,
}  # fmt: skip
_CONSTANTS = {"const": None, "pi": math.pi, "e": math.e}
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_NAME_HINTS = {"ln": "log is the natural logarithm", "pow": "write a**b or a^b"}
_CHAR_HINTS = {
    "=": "a formula is an expression, not an equation", "[": "use ( ) for grouping",
    "]": "use ( ) for grouping", "{": "use ( ) for grouping", "}": "use ( ) for grouping",
    "×": "use * to multiply", "·": "use * to multiply", "÷": "use / to divide",
    "−": "type the minus sign '-'", "²": "write x**2 or x^2", "³": "write x**3 or x^3",
    "π": "write pi", "#": "comments are not allowed", ";": "write a single expression",
    "\n": "a formula is a single line", "'": "text in quotes is not allowed",
    '"': "text in quotes is not allowed", ".": "'.' belongs in a number such as 0.5",
    "%": "use / to divide",
}  # fmt: skip
_TOKEN = re.compile(
    r"(?P<space>[ \t]+)|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/^(),])",
    re.ASCII,
)

Domain = tuple[tuple[float, float], tuple[float, float]]


class FormulaError(ValueError):
    """A formula or domain that cannot be used; `column` is 1-based (or None)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# --- scanning: friendly messages before Python's parser sees the text ----------------------


class _Token(NamedTuple):
    kind: str  # "number", "name" or "op"
    text: str
    column: int  # 1-based, in the user's text


def _scan(text: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch, col = text[pos], pos + 1
            hint = _CHAR_HINTS.get(ch) or ("use ASCII characters" if not ch.isascii() else "")
            hint = f" ({hint})" if hint else ""
            raise FormulaError(f"character {ch!r} is not allowed at column {col}{hint}", col)
        if m.lastgroup != "space":
            tokens.append(_Token(m.lastgroup or "", m.group(), pos + 1))
        pos = m.end()
    return tokens


def _ends_operand(t: _Token) -> bool:
    return t.kind == "number" or (t.kind == "name" and t.text not in FUNCTIONS) or t.text == ")"


def _check_name(tok: _Token, nxt: _Token | None) -> None:
    name, col, call = tok.text, tok.column, nxt is not None and nxt.text == "("
    allowed = ", ".join(FUNCTIONS)
    if name in FUNCTIONS and not call:
        raise FormulaError(f"'{name}' at column {col} needs parentheses: {name}(...)", col)
    if name in NAMES and call:
        raise FormulaError(f"'{name}' at column {col} is not a function; write {name}*(...)", col)
    if name in FUNCTIONS or name in NAMES:
        return
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise FormulaError(f"Python keyword '{name}' is not allowed at column {col}", col)
    hint = _NAME_HINTS.get(name, "")
    if set(name) <= {"x", "y"}:
        hint = f"write {'*'.join(name)} for a product"
    elif name.lower() in FUNCTIONS or name.lower() in NAMES:
        hint = f"names are lower case: {name.lower()}"
    if call:
        hint = f"; {hint}" if hint else ""
        msg = f"function '{name}' is not allowed at column {col}; allowed: {allowed}{hint}"
        raise FormulaError(msg, col)
    raise FormulaError(f"unknown name '{name}' at column {col} ({hint or 'use x and y'})", col)


def _check_pair(prev: _Token | None, tok: _Token) -> None:
    """Two neighbouring tokens: a missing operator, or an operator missing an operand."""
    col = tok.column
    starts = tok.kind in ("number", "name") or tok.text == "("
    if prev is not None and _ends_operand(prev) and starts:
        if prev.kind == "number" and tok.kind != "number":
            what = tok.text if tok.text != "(" else "(...)"
            msg = f"write {prev.text}*{what} instead of {prev.text}{what} at column {col}"
        else:
            msg = f"missing operator between '{prev.text}' and '{tok.text}' at column {col}"
        raise FormulaError(msg, col)
    if tok.text in ("*", "**", "/", "^", ",", ")") and (prev is None or not _ends_operand(prev)):
        if prev is not None and prev.text == "(" and tok.text == ")":
            raise FormulaError(f"empty parentheses at column {prev.column}", prev.column)
        if prev is not None and prev.kind == "op" and prev.text != "(":
            msg = f"'{prev.text}' at column {prev.column} needs something after it"
            raise FormulaError(msg, prev.column)
        raise FormulaError(f"'{tok.text}' at column {col} needs something before it", col)


def _check_tokens(tokens: list[_Token]) -> None:
    opens: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.kind == "name":
            _check_name(tok, tokens[i + 1] if i + 1 < len(tokens) else None)
        if tok.kind == "number" and re.fullmatch(r"0+[1-9][0-9]*", tok.text):
            raise FormulaError(f"write {tok.text.lstrip('0')} without leading zeros", tok.column)
        _check_pair(tokens[i - 1] if i else None, tok)
        if tok.text == "(":
            opens.append(tok.column)
            if len(opens) > MAX_DEPTH:
                msg = f"formula is too deeply nested (at column {tok.column})"
                raise FormulaError(msg, tok.column)
        elif tok.text == ")":
            if not opens:
                raise FormulaError(f"unmatched ')' at column {tok.column}", tok.column)
            opens.pop()
    last = tokens[-1]
    if last.kind == "op" and last.text != ")":
        msg = f"'{last.text}' at column {last.column} needs something after it"
        raise FormulaError(msg, last.column)
    if opens:
        raise FormulaError(f"missing ')' for the '(' at column {opens[-1]}", opens[-1])


# --- parsing: Python's parser, then a whitelist walk --------------------------------------


# CPython 3.11 keeps the AST constructor's recursion depth per interpreter, not per thread, so
# ast.parse in two threads at once can fail with "SystemError: AST constructor recursion
# depth mismatch" (python/cpython#106905); the service parses formulas in threads (seen under
# bench/formulas.py). Parsing is microseconds: one at a time costs nothing.
_AST_LOCK = threading.Lock()


def _parse(text: object) -> tuple[ast.expr, list[int]]:
    """Check `text` and parse it; also return the user's column for each parsed character."""
    if not isinstance(text, str):
        raise FormulaError(f"formula must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is too long ({len(text)} characters; at most {MAX_LENGTH})")
    tokens = _scan(text)
    if not tokens:
        raise FormulaError("empty formula")
    _check_tokens(tokens)
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
    _check_size(tree.body, cols)
    return tree.body, cols


def _column(node: ast.AST, cols: list[int]) -> int | None:
    offset = getattr(node, "col_offset", None)
    return cols[offset] if isinstance(offset, int) and 0 <= offset < len(cols) else None


def _check_size(body: ast.expr, cols: list[int]) -> None:
    """At most MAX_NODES expression nodes, nested at most MAX_DEPTH deep."""
    count, stack = 0, [(body, 1)]
    while stack:  # iterative, so a deep tree cannot exhaust Python's stack here
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FormulaError(f"formula is too big (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            col = _column(node, cols)
            raise FormulaError(f"formula is too deeply nested (more than {MAX_DEPTH} levels)", col)
        stack.extend((c, depth + 1) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr))


def _not_allowed(node: ast.AST, cols: list[int]) -> FormulaError:
    col = _column(node, cols)
    what = {
        ast.Tuple: "',' outside a function call", ast.Attribute: "'.' after a name",
        ast.Subscript: "indexing", ast.Compare: "a comparison", ast.BoolOp: "'and'/'or'",
        ast.IfExp: "'if'", ast.Lambda: "'lambda'", ast.NamedExpr: "':='",
    }.get(type(node), f"'{type(node).__name__}'")  # fmt: skip
    return FormulaError(f"{what} is not allowed at column {col}", col)


def _convert(node: ast.expr, g: _Graph, cols: list[int]) -> int:
    """The whitelist walk: one graph node per allowed AST node (depth is at most MAX_DEPTH)."""
    col = _column(node, cols)
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise FormulaError(f"{node.value!r} is not a number (at column {col})", col)
        try:
            return g.node("const", value=float(node.value))
        except OverflowError:  # an integer literal beyond float64
            return g.node("const", value=math.inf)
    if isinstance(node, ast.Name) and node.id in NAMES:
        return g.node(node.id, value=_CONSTANTS.get(node.id) or 0.0)
    if isinstance(node, ast.Name):
        raise FormulaError(f"unknown name '{node.id}' at column {col} (use x and y)", col)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        arg = _convert(node.operand, g, cols)
        return g.node("neg", arg) if isinstance(node.op, ast.USub) else arg
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _convert(node.left, g, cols), _convert(node.right, g, cols)
        return g.node(_BINOPS[type(node.op)], a, b)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name not in FUNCTIONS:
            raise FormulaError(f"function '{name}' is not allowed at column {col}", col)
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise FormulaError(f"'{name}' takes exactly one argument (at column {col})", col)
        return g.node(name, _convert(node.args[0], g, cols))
    raise _not_allowed(node, cols)


# --- the expression graph and its derivatives ----------------------------------------------


class _Node(NamedTuple):
    op: str  # "const", "pi", "e", "x", "y", "neg", "add", ..., or a function name
    args: tuple[int, ...] = ()
    value: float = 0.0  # constants only


class _Graph:
    """Nodes in creation order (children before parents); equal nodes are stored once."""

    def __init__(self) -> None:
        self.nodes: list[_Node] = []
        self.deps: list[int] = []  # bit 1: depends on x, bit 2: depends on y
        self._index: dict[tuple[str, tuple[int, ...], str], int] = {}
        self.zero, self.one = self.const(0.0), self.const(1.0)

    def node(self, op: str, *args: int, value: float = 0.0) -> int:
        key = (op, args, float(value).hex())  # hex: keeps 0.0 and -0.0 apart
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.nodes)
            self.nodes.append(_Node(op, args, value))
            dep = {"x": 1, "y": 2}.get(op, 0)
            for a in args:
                dep |= self.deps[a]
            self.deps.append(dep)
        return i

    def const(self, value: float) -> int:
        return self.node("const", value=float(value))

    def cval(self, i: int) -> float | None:
        node = self.nodes[i]
        return node.value if node.op in _CONSTANTS else None

    def make(self, op: str, *args: int) -> int:
        """A node with constant folding (in float64) and the usual identities."""
        vals = [self.cval(a) for a in args]
        if all(v is not None for v in vals):
            with np.errstate(all="ignore"):
                return self.const(_UFUNCS[op](*(np.float64(v) for v in vals)))
        a, ca = args[0], vals[0]
        b, cb = (args[1], vals[1]) if len(args) > 1 else (a, None)
        if op == "mul":
            if ca == 0 or cb == 0:
                return self.zero
            if cb is not None:  # constants to the left: c*u
                a, b, ca, cb = b, a, cb, ca
            if ca == 1:
                return b
            if ca == -1:
                return self.make("neg", b)
            inner = self.nodes[b]
            if inner.op == "mul" and self.cval(inner.args[0]) is not None:  # c1*(c2*u)
                return self.make("mul", self.make("mul", a, inner.args[0]), inner.args[1])
        if op in ("add", "sub") and cb == 0:
            return a
        if op == "add" and ca == 0:
            return b
        if op == "sub" and ca == 0:
            return self.make("neg", b)
        if op == "neg" and self.nodes[a].op == "neg":
            return self.nodes[a].args[0]
        if (op == "div" and ca == 0) or (op == "pow" and cb == 0):
            return self.zero if op == "div" else self.one
        if op in ("div", "pow") and cb == 1:
            return a
        return self.node(op, *args)

    def reachable(self, roots: tuple[int, ...]) -> list[int]:
        seen, stack = set(roots), list(roots)
        while stack:
            for a in self.nodes[stack.pop()].args:
                if a not in seen:
                    seen.add(a)
                    stack.append(a)
        return sorted(seen)

    def derivative(self, root: int, var: str, memo: dict[int, int]) -> int:
        """d(root)/d(var), node by node in creation order (no recursion); memo is per var."""
        bit = 1 if var == "x" else 2
        for i in self.reachable((root,)):
            if i not in memo:
                memo[i] = self._rule(i, var, memo) if self.deps[i] & bit else self.zero
        return memo[root]

    def _rule(self, i: int, var: str, memo: dict[int, int]) -> int:
        op, args, _ = self.nodes[i]
        m = self.make
        if op in ("x", "y"):
            return self.one
        u, du = args[0], memo[args[0]]
        if len(args) == 2:
            v, dv = args[1], memo[args[1]]
            if op in ("add", "sub"):
                return m(op, du, dv)
            if op == "mul":
                return m("add", m("mul", du, v), m("mul", u, dv))
            if op == "div":  # (u/v)' = (u' - (u/v)*v') / v
                return m("div", m("sub", du, m("mul", i, dv)), v)
            if not self.deps[v]:  # u**c: c*u**(c-1)*u', no log(u), so fine for u < 0
                return m("mul", m("mul", v, m("pow", u, m("sub", v, self.one))), du)
            log_term = m("mul", dv, m("log", u))
            return m("mul", i, m("add", log_term, m("mul", v, m("div", du, u))))
        outer = {
            "neg": lambda: self.const(-1.0),
            "sin": lambda: m("cos", u),
            "cos": lambda: m("neg", m("sin", u)),
            "tan": lambda: m("add", self.one, m("mul", i, i)),
            "exp": lambda: i,
            "log": lambda: m("div", self.one, u),
            "sqrt": lambda: m("div", self.const(0.5), i),
            "abs": lambda: m("sign", u),
            "tanh": lambda: m("sub", self.one, m("mul", i, i)),
            "sinh": lambda: m("cosh", u),
            "cosh": lambda: m("sinh", u),
            "sign": lambda: self.zero,
        }[op]()
        return m("mul", outer, du)


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Program:
    """The nodes needed for some outputs, as slots and ufunc steps; no Python tree walk."""

    size: int
    consts: tuple[tuple[int, np.float64], ...]
    inputs: tuple[tuple[int, str], ...]
    steps: tuple[tuple[np.ufunc, tuple[int, ...], int, tuple[int, ...]], ...]
    outputs: tuple[int, ...]

    @classmethod
    def build(cls, g: _Graph, roots: tuple[int, ...]) -> _Program:
        order = g.reachable(roots)
        slot = {n: k for k, n in enumerate(order)}
        consts = tuple((slot[n], np.float64(g.cval(n))) for n in order if g.cval(n) is not None)
        inputs = tuple((slot[n], g.nodes[n].op) for n in order if g.nodes[n].op in ("x", "y"))
        work = [n for n in order if g.nodes[n].args]
        last = {slot[a]: k for k, n in enumerate(work) for a in g.nodes[n].args}
        keep = {slot[r] for r in roots}
        frees: list[list[int]] = [[] for _ in work]
        for s, k in last.items():
            if s not in keep:
                frees[k].append(s)  # drop big intermediates after their last use
        steps = tuple(
            (_UFUNCS[g.nodes[n].op], tuple(slot[a] for a in g.nodes[n].args), slot[n], tuple(f))
            for n, f in zip(work, frees, strict=True)
        )
        return cls(len(order), consts, inputs, steps, tuple(slot[r] for r in roots))

    def run(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        shape = np.broadcast_shapes(x.shape, y.shape)
        env: list[object] = [None] * self.size
        for s, c in self.consts:
            env[s] = c
        for s, name in self.inputs:
            env[s] = x if name == "x" else y
        with np.errstate(all="ignore"):
            for fn, args, out, free in self.steps:
                env[out] = fn(*[env[a] for a in args])
                for s in free:
                    env[s] = None
        results = []
        for s in self.outputs:
            r = np.asarray(env[s], dtype=np.float64)
            if r.shape != shape or r is x or r is y:  # constants, or x itself: a fresh array
                r = np.array(np.broadcast_to(r, shape))
            results.append(r)
        return tuple(results)


# --- printing --------------------------------------------------------------------------------

_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOL = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "**"}


def _number(v: float) -> str:
    if not math.isfinite(v):
        return "1e999"  # a literal too big for float64
    return str(int(v)) if v == int(v) and abs(v) < 1e16 else repr(v)


def _print(g: _Graph, i: int) -> str:
    """Readable text that parses back to the same tree (depth is at most MAX_DEPTH)."""
    op, args, value = g.nodes[i]
    if op == "const":
        return _number(value)
    if op in NAMES:
        return op
    if op in FUNCTIONS:
        return f"{op}({_print(g, args[0])})"
    prec = [_PREC.get(g.nodes[a].op, 5) for a in args]
    parts = [_print(g, a) for a in args]
    if op == "neg":
        return "-" + (f"({parts[0]})" if prec[0] <= 3 else parts[0])
    p = _PREC[op]
    if prec[0] < p or (op == "pow" and prec[0] <= p):
        parts[0] = f"({parts[0]})"
    if prec[1] < p or (prec[1] == p and op != "pow") or g.nodes[args[1]].op == "neg":
        parts[1] = f"({parts[1]})"
    return parts[0] + _SYMBOL[op] + parts[1]


# --- public API ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CompiledFormula:
    """A checked formula: value, exact gradient and Hessian, vectorized over float64 arrays.

    Every method takes x and y of one shape and returns arrays of that shape (constants
    included), computed under `np.errstate(all="ignore")`: overflow gives inf or nan.
    """

    text: str
    variables: frozenset[str]
    _value: _Program = field(repr=False)
    _grad: _Program = field(repr=False)
    _hess: _Program = field(repr=False)

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
    body, cols = _parse(text)
    g = _Graph()
    root = _convert(body, g, cols)
    mx: dict[int, int] = {}
    my: dict[int, int] = {}
    fx, fy = g.derivative(root, "x", mx), g.derivative(root, "y", my)
    fxx, fxy, fyy = g.derivative(fx, "x", mx), g.derivative(fx, "y", my), g.derivative(fy, "y", my)
    used = frozenset(v for v, bit in (("x", 1), ("y", 2)) if g.deps[root] & bit)
    return CompiledFormula(
        text=_print(g, root),
        variables=used,
        _value=_Program.build(g, (root,)),
        _grad=_Program.build(g, (fx, fy)),
        _hess=_Program.build(g, (fxx, fxy, fyy)),
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

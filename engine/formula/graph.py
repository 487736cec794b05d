"""The expression graph: nodes on earlier nodes, equal subexpressions stored once, and
derivatives by the chain rule with constant folding."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from engine.formula.base import CONSTANTS, UFUNCS


class Node(NamedTuple):
    op: str  # "const", "pi", "e", "x", "y", "neg", "add", ..., or a function name
    args: tuple[int, ...] = ()
    value: float = 0.0  # constants only


class Graph:
    """Nodes in creation order (children before parents); equal nodes are stored once."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.deps: list[int] = []  # bit 1: depends on x, bit 2: depends on y
        self._index: dict[tuple[str, tuple[int, ...], str], int] = {}
        self.zero, self.one = self.const(0.0), self.const(1.0)

    def node(self, op: str, *args: int, value: float = 0.0) -> int:
        key = (op, args, float(value).hex())  # hex: keeps 0.0 and -0.0 apart
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.nodes)
            self.nodes.append(Node(op, args, value))
            dep = {"x": 1, "y": 2}.get(op, 0)
            for a in args:
                dep |= self.deps[a]
            self.deps.append(dep)
        return i

    def const(self, value: float) -> int:
        return self.node("const", value=float(value))

    def cval(self, i: int) -> float | None:
        node = self.nodes[i]
        return node.value if node.op in CONSTANTS else None

    def make(self, op: str, *args: int) -> int:
        """A node with constant folding (in float64) and the usual identities."""
        vals = [self.cval(a) for a in args]
        if all(v is not None for v in vals):
            with np.errstate(all="ignore"):
                return self.const(UFUNCS[op](*(np.float64(v) for v in vals)))
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

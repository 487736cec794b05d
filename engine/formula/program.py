"""Evaluation (the needed nodes in order, as NumPy ufuncs, overflow quiet) and printing."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.formula.base import FUNCTIONS, NAMES, UFUNCS
from engine.formula.graph import Graph


@dataclass(frozen=True)
class Program:
    """The nodes needed for some outputs, as slots and ufunc steps; no Python tree walk."""

    size: int
    consts: tuple[tuple[int, np.float64], ...]
    inputs: tuple[tuple[int, str], ...]
    steps: tuple[tuple[np.ufunc, tuple[int, ...], int, tuple[int, ...]], ...]
    outputs: tuple[int, ...]

    @classmethod
    def build(cls, g: Graph, roots: tuple[int, ...]) -> Program:
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
            (UFUNCS[g.nodes[n].op], tuple(slot[a] for a in g.nodes[n].args), slot[n], tuple(f))
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


_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}


_SYMBOL = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "**"}


def number_text(v: float) -> str:
    if not math.isfinite(v):
        return "1e999"  # a literal too big for float64
    return str(int(v)) if v == int(v) and abs(v) < 1e16 else repr(v)


def to_text(g: Graph, i: int) -> str:
    """Readable text that parses back to the same tree (depth is at most MAX_DEPTH)."""
    op, args, value = g.nodes[i]
    if op == "const":
        return number_text(value)
    if op in NAMES:
        return op
    if op in FUNCTIONS:
        return f"{op}({to_text(g, args[0])})"
    prec = [_PREC.get(g.nodes[a].op, 5) for a in args]
    parts = [to_text(g, a) for a in args]
    if op == "neg":
        return "-" + (f"({parts[0]})" if prec[0] <= 3 else parts[0])
    p = _PREC[op]
    if prec[0] < p or (op == "pow" and prec[0] <= p):
        parts[0] = f"({parts[0]})"
    if prec[1] < p or (prec[1] == p and op != "pow") or g.nodes[args[1]].op == "neg":
        parts[1] = f"({parts[1]})"
    return parts[0] + _SYMBOL[op] + parts[1]

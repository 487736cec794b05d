"""The formula language: its limits, functions, names and operators, and its error."""

from __future__ import annotations

import ast
import math
import re

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


UFUNCS: dict[str, np.ufunc] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "pow": np.power, "neg": np.negative, "sign": np.sign, **FUNCTIONS,
}  # fmt: skip


CONSTANTS = {"const": None, "pi": math.pi, "e": math.e}


BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}


NAME_HINTS = {"ln": "log is the natural logarithm", "pow": "write a**b or a^b"}


CHAR_HINTS = {
    "=": "a formula is an expression, not an equation", "[": "use ( ) for grouping",
    "]": "use ( ) for grouping", "{": "use ( ) for grouping", "}": "use ( ) for grouping",
    "×": "use * to multiply", "·": "use * to multiply", "÷": "use / to divide",
    "−": "type the minus sign '-'", "²": "write x**2 or x^2", "³": "write x**3 or x^3",
    "π": "write pi", "#": "comments are not allowed", ";": "write a single expression",
    "\n": "a formula is a single line", "'": "text in quotes is not allowed",
    '"': "text in quotes is not allowed", ".": "'.' belongs in a number such as 0.5",
    "%": "use / to divide",
}  # fmt: skip


TOKEN = re.compile(
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

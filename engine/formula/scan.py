"""Scanning: friendly messages (a student can act on them) before Python's parser sees the
text."""

from __future__ import annotations

import keyword
import re
from typing import NamedTuple

from engine.formula.base import (
    CHAR_HINTS,
    FUNCTIONS,
    MAX_DEPTH,
    NAME_HINTS,
    NAMES,
    TOKEN,
    FormulaError,
)


class Token(NamedTuple):
    kind: str  # "number", "name" or "op"
    text: str
    column: int  # 1-based, in the user's text


def scan(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            ch, col = text[pos], pos + 1
            hint = CHAR_HINTS.get(ch) or ("use ASCII characters" if not ch.isascii() else "")
            hint = f" ({hint})" if hint else ""
            raise FormulaError(f"character {ch!r} is not allowed at column {col}{hint}", col)
        if m.lastgroup != "space":
            tokens.append(Token(m.lastgroup or "", m.group(), pos + 1))
        pos = m.end()
    return tokens


def _ends_operand(t: Token) -> bool:
    return t.kind == "number" or (t.kind == "name" and t.text not in FUNCTIONS) or t.text == ")"


def _check_name(tok: Token, nxt: Token | None) -> None:
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
    hint = NAME_HINTS.get(name, "")
    if set(name) <= {"x", "y"}:
        hint = f"write {'*'.join(name)} for a product"
    elif name.lower() in FUNCTIONS or name.lower() in NAMES:
        hint = f"names are lower case: {name.lower()}"
    if call:
        hint = f"; {hint}" if hint else ""
        msg = f"function '{name}' is not allowed at column {col}; allowed: {allowed}{hint}"
        raise FormulaError(msg, col)
    raise FormulaError(f"unknown name '{name}' at column {col} ({hint or 'use x and y'})", col)


def _check_pair(prev: Token | None, tok: Token) -> None:
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


def check_tokens(tokens: list[Token]) -> None:
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

"""A user's own table (CSV text) as MLP data: numeric feature columns and one label column.

    table = tabular.from_csv(text, target="species")        # str or bytes; task detected
    data = tabular.to_dataset(table, val_fraction=0.2, seed=0, standardize=True)

What `from_csv` accepts (anything else raises TableError naming the row and the column;
rows are counted as a spreadsheet shows them, the header is row 1):
- UTF-8 text (a byte-order mark is dropped); LF, CRLF or CR line ends; blank lines skipped.
- A header row of distinct, non-empty column names (surrounding spaces dropped).
- The delimiter `,`, `;` or a tab: the one that occurs most in the header line. Quoted fields
  as in RFC 4180 (`"a, b"`, `""` for a quote), tokenised by Python's csv module.
- Feature cells: decimal numbers (`1`, `-2.5`, `1e-3`; spaces around them ignored). A
  decimal comma, an empty cell, nan and inf are refused.
- The label column (`target`, default the last): classification when every label is an
  integer or some label is not a number (classes sorted: integers by value, text
  alphabetically); regression when the labels are numbers, some not integers. `task`
  overrides that ("classification" or "regression").

`to_dataset` splits as `datasets.make` does (a permutation from
`numpy.random.default_rng(seed)`, the first round(val_fraction·n) rows, at least one when
val_fraction > 0, held out) and can standardise the features with the training rows' mean
and standard deviation. Pure: no I/O, no global random state.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from engine.datasets import Dataset

TASKS = ("classification", "regression")
MAX_ROWS, MAX_FEATURES, MAX_CLASSES = 20_000, 64, 20
DELIMITERS = (",", ";", "\t")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LINE_END = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_NOT_NUMERIC = re.compile(r"[^0-9eE.+\-\n]")


class TableError(ValueError):
    """Text that cannot be a table. `row` (1 = the header) and `column` (a name, or a
    1-based number when the name is the problem) say where, when there is a place."""

    def __init__(self, message: str, row: int | None = None, column: str | int | None = None,
                 field: str = "file"):  # fmt: skip
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}" if isinstance(column, str) else f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.row, self.column, self.field = row, column, field


@dataclass(frozen=True)
class Table:
    """Parsed rows: features X (n, d) float64; y class codes 0..k−1 (int64) or targets."""

    X: np.ndarray
    y: np.ndarray
    features: tuple[str, ...]
    target: str
    task: str  # "classification" or "regression"
    classes: tuple[str, ...] = ()  # names of the codes 0..k−1 (classification)

    @property
    def n_rows(self) -> int:
        return len(self.y)


def decode(raw: bytes | str) -> str:
    """UTF-8 bytes (a BOM dropped) as text; TableError naming the row of a bad byte."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        row = raw[: e.start].count(b"\n") + 1
        raise TableError(
            f"not UTF-8 text (byte 0x{raw[e.start]:02x}); save the file as UTF-8 CSV", row
        ) from None


def delimiter_of(header_line: str) -> str:
    """The delimiter that occurs most in the header line (',' on a tie or none)."""
    return max(DELIMITERS, key=lambda d: (header_line.count(d), d == ","))


def from_csv(
    raw: bytes | str,
    target: str | None = None,
    task: str | None = None,
    *,
    max_rows: int = MAX_ROWS,
    max_features: int = MAX_FEATURES,
    max_classes: int = MAX_CLASSES,
) -> Table:
    """A Table from CSV text or bytes; TableError (a ValueError) naming the row and column."""
    if task is not None and task not in TASKS:
        raise TableError(f"must be one of {', '.join(TASKS)}, not {task!r}", field="task")
    text = decode(raw)
    if not text.strip():
        raise TableError("the file is empty: expected a header row and data rows", 1)
    first = _LINE_END.split(text.lstrip("\r\n"), maxsplit=1)[0]
    lines = _LINE.findall(text)  # ending in \r\n, \r or \n (not str.splitlines' others)
    reader = csv.reader(lines, delimiter=delimiter_of(first), strict=True, skipinitialspace=True)
    header, rows, lines = _read(reader, max_rows)
    names = _header(header, lines[0])
    if target is None:
        t = len(names) - 1
    elif target in names:
        t = names.index(target)
    else:
        raise TableError(f"no column {target!r}; the columns are {', '.join(names)}",
                         lines[0], field="target")  # fmt: skip
    features = tuple(n for i, n in enumerate(names) if i != t)
    if not features:
        raise TableError("needs at least one feature column besides the label column "
                         f"{names[t]!r}", lines[0])  # fmt: skip
    if len(features) > max_features:
        raise TableError(f"{len(features)} feature columns; at most {max_features}", lines[0],
                         field="features")  # fmt: skip
    if not rows:
        raise TableError("no data rows under the header", lines[0] + 1)
    if len(rows) < 2:
        raise TableError("only one data row; a split needs at least two", lines[1])
    for r, line in zip(rows, lines[1:], strict=True):
        if len(r) != len(names):
            raise TableError(f"{len(r)} cells, but the header has {len(names)} columns", line)
    X = _numbers([[c for i, c in enumerate(r) if i != t] for r in rows], lines[1:], features)
    labels = [r[t].strip() for r in rows]
    y, classes, kind = _labels(labels, lines[1:], names[t], task, max_classes)
    return Table(X, y, features, names[t], kind, classes)


def _read(reader, max_rows: int) -> tuple[list[str], list[list[str]], list[int]]:
    """The header, the data rows (blank ones skipped) and each one's row number."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for r in reader:
            if not r or (len(r) == 1 and not r[0].strip()):  # a blank line
                continue
            if header is None:
                header = r
            elif len(rows) >= max_rows:
                raise TableError(f"more than {max_rows} data rows", reader.line_num,
                                 field="rows")  # fmt: skip
            else:
                rows.append(r)
            lines.append(reader.line_num)
    except csv.Error as e:
        raise TableError(f"not valid CSV ({e})", reader.line_num) from None
    return header or [], rows, lines


def _header(header: list[str], line: int) -> list[str]:
    names = [c.strip() for c in header]
    seen: set[str] = set()
    for i, n in enumerate(names, start=1):
        if not n:
            raise TableError("empty column name in the header", line, i)
        if n in seen:
            raise TableError(f"duplicate column name {n!r} in the header", line, i)
        seen.add(n)
    return names


def _numbers(cells: list[list[str]], lines: list[int], features: tuple[str, ...]) -> np.ndarray:
    """Feature cells as float64 (n, d): fast when all are plain numbers, else the first bad
    cell named."""
    flat = [c.strip() for r in cells for c in r]
    if not _NOT_NUMERIC.search("\n".join(flat)):
        try:
            X = np.array(flat, dtype=np.float64).reshape(len(cells), len(features))
        except ValueError:
            X = None
        if X is not None and np.isfinite(X).all():
            return X
    return np.array(
        [
            [_number(c.strip(), line, name) for c, name in zip(r, features, strict=True)]
            for r, line in zip(cells, lines, strict=True)
        ],
        dtype=np.float64,
    )


def _number(cell: str, line: int, column: str) -> float:
    if not cell:
        raise TableError("empty cell (missing values are not supported)", line, column)
    if cell.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise TableError(f"{cell!r} is not a finite number", line, column)
    if not _NUMBER.fullmatch(cell):
        hint = " (use '.' for decimals)" if re.fullmatch(r"[+-]?\d*,\d+", cell) else ""
        raise TableError(f"{cell[:40]!r} is not a number{hint}", line, column)
    v = float(cell)
    if not np.isfinite(v):
        raise TableError(f"{cell[:40]!r} is too large to be a finite number", line, column)
    return v


def _labels(labels, lines, column, task, max_classes):
    for v, line in zip(labels, lines, strict=True):
        if not v:
            raise TableError("empty label", line, column)
    if task is None:
        integers = all(_INTEGER.fullmatch(v) for v in labels)
        numbers = all(_NUMBER.fullmatch(v) for v in labels)
        task = "regression" if numbers and not integers else "classification"
    if task == "regression":
        y = np.array([_number(v, line, column) for v, line in zip(labels, lines, strict=True)])
        return y, (), task
    if all(_INTEGER.fullmatch(v) for v in labels):
        values = sorted({int(v) for v in labels})
        names = tuple(str(v) for v in values)
        index = {v: i for i, v in enumerate(values)}
        y = np.array([index[int(v)] for v in labels], dtype=np.int64)
    else:
        names = tuple(sorted(set(labels)))
        index = {v: i for i, v in enumerate(names)}
        y = np.array([index[v] for v in labels], dtype=np.int64)
    if len(names) < 2:
        raise TableError(f"only one class ({names[0][:40]!r}); a classification needs at least "
                         "two (or pass task=regression)", lines[0], column)  # fmt: skip
    if len(names) > max_classes:
        raise TableError(f"{len(names)} classes; at most {max_classes} (a numeric target: pass "
                         "task=regression)", None, column, "classes")  # fmt: skip
    return y, names, task


def to_dataset(
    table: Table,
    val_fraction: float = 0.2,
    seed: int = 0,
    standardize: bool = False,
    name: str = "uploaded",
) -> Dataset:
    """The table as an engine Dataset, split by `seed` (as datasets.make splits), features
    optionally standardised with the training rows' mean and standard deviation."""
    if not 0.0 <= val_fraction <= 0.9:
        raise ValueError("val_fraction: must be in [0, 0.9]")
    n = table.n_rows
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(val_fraction * n)) if val_fraction > 0 else 0
    n_val = min(max(n_val, 1 if val_fraction > 0 else 0), n - 1)
    val, train = order[:n_val], order[n_val:]
    X_train, X_val = table.X[train], table.X[val]
    params: dict = {"n_samples": n, "val_fraction": val_fraction, "standardize": standardize}
    if standardize:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        X_train, X_val = (X_train - mean) / std, (X_val - mean) / std
        params |= {"mean": tuple(mean.tolist()), "scale": tuple(std.tolist())}
    k = len(table.classes)
    task = "regression" if table.task == "regression" else ("binary" if k == 2 else "multiclass")
    return Dataset(
        name,
        X_train,
        table.y[train],
        X_val,
        table.y[val],
        task,
        k,
        table.features,
        table.classes,
        MappingProxyType(params),
    )


def to_bytes(table: Table) -> tuple[bytes, bytes]:
    """X and y as raw little-endian bytes (float64; int64 codes or float64 targets)."""
    return table.X.astype("<f8").tobytes(), table.y.astype(
        "<i8" if table.classes else "<f8"
    ).tobytes()


def from_bytes(X: bytes, y: bytes, features, target: str, task: str, classes=()) -> Table:
    """A Table again from `to_bytes`' bytes and its description."""
    d = len(features)
    Xa = np.frombuffer(X, dtype="<f8").reshape(-1, d).astype(np.float64)
    ya = np.frombuffer(y, dtype="<i8" if classes else "<f8").astype(
        np.int64 if classes else np.float64
    )
    return Table(Xa, ya, tuple(features), target, task, tuple(classes))

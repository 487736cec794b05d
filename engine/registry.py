"""One registry of plain data for everything a user can pick.

Surfaces, optimizers, schedules (and later datasets, losses, activations, initializers) are
described here once: name, bilingual label and help, and their parameters with default,
bounds and log-scale flag. The REST catalog, the UI's forms and the tests are generated from
this table; nothing is listed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from engine.texts import TEXTS

PARAM_TYPES = ("float", "int", "bool", "choice", "pair", "int_list", "float_list", "schedule_list")


@dataclass(frozen=True)
class Param:
    """One parameter: its type, default, bounds and help in English and Korean.

    `type` is one of PARAM_TYPES: "pair" is two floats (Adam's betas), "int_list" a list of
    integers (MultiStepLR's milestones), "float_list" a list of numbers (Keras'
    PiecewiseConstantDecay values), "schedule_list" a list of {"name", "params"} schedules
    (SequentialLR's). `low`/`high` are inclusive bounds for numbers (and
    for each element of a pair or list). `log` asks the UI for a logarithmic slider.
    """

    name: str
    type: str
    default: Any
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[str, ...] = ()
    help_en: str = ""
    help_ko: str = ""
    nullable: bool = False

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError(f"unknown parameter type {self.type!r}")

    def as_dict(self) -> dict[str, Any]:
        d = {
            "name": self.name,
            "type": self.type,
            "default": list(self.default) if isinstance(self.default, tuple) else self.default,
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "help": {"en": self.help_en, "ko": self.help_ko},
        }
        if self.choices:
            d["choices"] = list(self.choices)
        if self.nullable:
            d["nullable"] = True
        return d


def param(
    name: str,
    type_: str,
    default: Any,
    low: float | None = None,
    high: float | None = None,
    log: bool = False,
    en: str = "",
    ko: str = "",
    choices: tuple[str, ...] = (),
    nullable: bool = False,
) -> Param:
    """A Param with the help texts given right after the bounds (the registries' shorthand)."""
    return Param(name, type_, default, low, high, log, tuple(choices), en, ko, nullable)


@dataclass(frozen=True)
class Entry:
    """One registered thing (a surface, an optimizer, a schedule, ...)."""

    kind: str
    name: str
    label_en: str
    label_ko: str
    help_en: str
    help_ko: str
    params: tuple[Param, ...] = ()
    info: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": {"en": self.label_en, "ko": self.label_ko},
            "help": {"en": self.help_en, "ko": self.help_ko},
            "params": [p.as_dict() for p in self.params],
            **{k: v for k, v in self.info.items()},
        }


_REGISTRY: dict[str, dict[str, Entry]] = {}


def register(entry: Entry) -> Entry:
    """Add an entry; registering the same kind and name twice is a programming error."""
    table = _REGISTRY.setdefault(entry.kind, {})
    if entry.name in table:
        raise ValueError(f"{entry.kind} {entry.name!r} is registered twice")
    table[entry.name] = entry
    return entry


def add(
    kind: str, name: str, label_en: str, label_ko: str, help_en: str, help_ko: str,
    params: Any = (), **info: Any,
) -> Entry:  # fmt: skip
    """Register one entry: the one way every module adds to the registry (texts in English
    and Korean, parameters, and whatever else the catalog should say about it as `info`)."""
    entry = Entry(kind, name, label_en, label_ko, help_en, help_ko, tuple(params),
                  MappingProxyType(dict(info)))  # fmt: skip
    return register(entry)


def texts(kind: str, name: str) -> tuple[str, str, str, str]:
    """(label_en, label_ko, help_en, help_ko) of an entry, from the texts table (texts.py)."""
    label_en, label_ko, help_en, help_ko = TEXTS[(kind, name)]
    return label_en, label_ko, help_en, help_ko


def kinds() -> list[str]:
    return sorted(_REGISTRY)


def entries(kind: str) -> list[Entry]:
    return list(_REGISTRY.get(kind, {}).values())


def names(kind: str) -> list[str]:
    return list(_REGISTRY.get(kind, {}))


def get(kind: str, name: str) -> Entry:
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        known = ", ".join(names(kind)) or "none"
        raise KeyError(f"unknown {kind} {name!r}; known: {known}") from None


def resolve(kind: str, name: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `given` over the entry's defaults, rejecting unknown parameter names."""
    entry = get(kind, name)
    known = {p.name for p in entry.params}
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(
            f"{kind} {name!r} has no parameter {unknown[0]!r}; "
            f"its parameters are: {', '.join(sorted(known)) or 'none'}"
        )
    return {**entry.defaults(), **given}


def catalog() -> dict[str, list[dict[str, Any]]]:
    """Everything registered, as plain JSON-ready data."""
    return {kind: [e.as_dict() for e in entries(kind)] for kind in kinds()}

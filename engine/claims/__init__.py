"""Lesson presets' teaching claims as data, checked against the engine's own results.

A preset (the data lives in app/presets/) states what a class should see as a list of
checks, e.g. [{"type": "ends_near", "lane": 1, "xy": [-1.036, 0], "tol": 0.05},
{"type": "diverges_before", "lane": 2, "step": 50}]. `check_claim(claim, result)` evaluates
every check against a result and returns (check, ok, detail) per check; a preset whose
claim fails is a bug in the preset.

    result, context = app.lesson_runs.run_preset(preset)   # the service's runner
    for check, ok, detail in claims.check_claim(preset["claim"], result, context): ...

Results come in seven kinds, and each check type belongs to one (see CLAIM_TYPES):
"race" (a simulate.RaceResult; lane = optimizer × starts + start; claims/race.py), "train"
(a train.Result; lane = optimizer; claims/training.py), and the three teaching tools of
engine/teaching.py, which return plain dicts (claims/tools.py): "training_step",
"accuracy_along" and "gradient_check"; and "sweep" (a GET /api/sweeps/{id} document: curves
of the metric along one axis, the median over the others) and "lr_range" (a POST
/api/lr-finder document), claims/sweeps.py. A new check type is a function with `@claim` in
the module of its result kind.
"""

from engine.claims import race, sweeps, tools, training  # noqa: F401 - each registers its checks
from engine.claims.base import (
    CLAIM_TYPES,
    KINDS,
    ClaimType,
    Outcome,
    check_claim,
    claim_types,
    result_kind,
    validate_check,
)

__all__ = [
    "CLAIM_TYPES",
    "KINDS",
    "ClaimType",
    "Outcome",
    "check_claim",
    "claim_types",
    "result_kind",
    "validate_check",
]

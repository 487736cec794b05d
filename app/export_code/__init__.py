"""Show me the code: a run as a standalone PyTorch or Keras script that reproduces it.

    text = generate(run_id, config, "pytorch")   # or "keras"; CodeRefused(field, why)

Races (kind "surface") and MLP runs (kind "mlp") are exported; the script embeds or
regenerates the exact data, initial weights, starts, noise and minibatch order, runs every
lane and prints {"final_loss": [...]} as its last line. The package: common.py (literals,
the refusal), surfaces_code.py (a surface as tensor code, formulas from the engine's tree),
torch_parts.py and keras_parts.py (optimizers and schedules by framework), race_torch.py,
race_keras.py, mlp_torch.py, mlp_keras.py (the scripts), mlp_data.py (the run's arrays).
"""

from __future__ import annotations

from typing import Any

from app.export_code import mlp_keras, mlp_torch, race_keras, race_torch
from app.export_code.common import CodeRefused

FRAMEWORKS = ("pytorch", "keras")

_SCRIPTS = {
    ("surface", "pytorch"): race_torch.script,
    ("surface", "keras"): race_keras.script,
    ("mlp", "pytorch"): mlp_torch.script,
    ("mlp", "keras"): mlp_keras.script,
}

__all__ = ["FRAMEWORKS", "CodeRefused", "generate"]


def generate(run_id: str, config: dict[str, Any], framework: str) -> str:
    """The script of a run's validated request; CodeRefused names what cannot be exported."""
    kind = config.get("kind")
    make = _SCRIPTS.get((kind, framework))
    if make is None:
        if framework not in FRAMEWORKS:
            raise CodeRefused("framework", f"use one of {', '.join(FRAMEWORKS)}")
        raise CodeRefused(
            "kind", f"a run of kind {kind!r} has no script: export a race or an MLP run"
        )
    return make(run_id, config)

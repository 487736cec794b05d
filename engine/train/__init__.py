"""Train MLPs with several optimizers side by side, as a generator of chunks.

    data = datasets.make("moons", rng=np.random.default_rng(seed))
    for chunk in train.train({"data": data, "hidden": [16, 16], "optimizers": [...]}, seed):
        chunk.epochs, chunk.val_loss       # (E,), (E, lanes): one row per finished epoch
        chunk.it_loss                      # (I, lanes): the minibatch loss of every iteration
    result = train.run(config, seed)      # the same, all at once

Every lane (one per optimizer config) starts from the SAME initial weights and sees the SAME
minibatches in the same order (one shuffle per epoch, shared) and the same dropout masks:
differences come from the optimizer alone. The networks are stacked on a leading lanes axis
and trained by batched matmul; the parameters of a lane live in one flat row, so each
optimizer rule is one call per iteration for all of its lanes.

Config keys (checked by `check`, bounds from the registry's "mlp_setting" entries): data (a
datasets.Dataset or a mapping with X_train, y_train, X_val, y_val, task, n_classes), hidden,
activation, init, dropout, batch_norm (also accepted under "model", as in the run request),
loss, l1, l2, batch_size (an int, or "full"), epochs, early_stopping {patience,
restore_best, min_delta} or None, optimizers (1–8 of {"name", "params", "schedule",
"label", "clip_norm"}), and the reporting knobs grid_every, grid_size, grid_features
(two columns a boundary of a wider set is drawn over, the others at their mean), hist_bins,
chunk_epochs. A bad config raises ValueError("field: message") when `train` is called.

Schedules are stepped per ITERATION (update k uses lr_at(k − 1)), so a schedule's step_size,
T_max or total_iters count iterations; torch code usually steps them per epoch. The one
exception is reduce_on_plateau, stepped per epoch on the monitored loss. The monitor is the
validation loss (the training loss when there is no validation set). Early stopping follows
Keras' EarlyStopping: after `patience` epochs without an improvement larger than min_delta a
lane stops; with restore_best its best weights come back (also at the last epoch). A
stopped lane is frozen while the others go on. A lane diverges, and is frozen with its
weights zeroed, at the first iteration where its loss is not finite or passes
DIVERGE_LOSS_FACTOR × its untrained training loss (at least 1), or where a layer's gradient
norm ‖∂L/∂Wₗ‖ passes DIVERGE_GRAD_NORM (as a race lane diverges past |x| > 1e6): the event
and the summary's `diverged_at` say which ("non_finite", "loss" or "grad_norm"). Rows of
frozen lanes are NaN after the epoch they stopped in; a diverged lane's row is NaN from the
epoch it diverged in (its minibatch losses show the climb up to that iteration).

Epoch 0 is the untrained network (first chunk, with `meta`); the last chunk carries
`summary` and the final `params` (and batch-norm `running` statistics). `initial_params`
and `batch_order` give the starting weights and minibatches, to replay a run elsewhere.

`range_test(config, start_lr, end_lr, num_iter, ...)` is Leslie Smith's learning-rate range
test on one optimizer lane (torch-lr-finder's names, defaults and suggestion).

The package: settings.py (the table), config.py (`check`), loop.py (the trainer),
lanes.py (flat rows of lanes), record.py (chunks, summaries, grids), range_test.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.train import settings  # noqa: F401 - registers the mlp settings
from engine.train.config import (
    DIVERGE_GRAD_NORM,
    DIVERGE_LOSS_FACTOR,
    MAX_LANES,
    check,
    output_numbers,
)
from engine.train.loop import batch_order, initial_params, train_chunks
from engine.train.range_test import DEFAULTS as RANGE_TEST_DEFAULTS
from engine.train.range_test import RangeTest, range_test
from engine.train.record import IT_FIELDS, ROW_FIELDS, Chunk

Array = np.ndarray
__all__ = [
    "Chunk",
    "DIVERGE_GRAD_NORM",
    "DIVERGE_LOSS_FACTOR",
    "IT_FIELDS",
    "MAX_LANES",
    "ROW_FIELDS",
    "RangeTest",
    "Result",
    "batch_order",
    "check",
    "initial_params",
    "output_numbers",
    "RANGE_TEST_DEFAULTS",
    "range_test",
    "run",
    "train",
]


def train(config: Mapping[str, Any], rng_seed: int = 0) -> Iterator[Chunk]:
    """Check the config now (ValueError naming the field), then train lazily, chunk by chunk."""
    plan = check(config)
    return train_chunks(plan, int(rng_seed))


def run(config: Mapping[str, Any], rng_seed: int = 0) -> Result:
    """The whole run at once (tests, notebooks, the CLI)."""
    chunks = list(train(config, rng_seed))
    arrays = {f: np.concatenate([getattr(c, f) for c in chunks]) for f in ROW_FIELDS + IT_FIELDS}
    last = chunks[-1]
    return Result(
        arrays,
        tuple(g for c in chunks for g in c.grids),
        tuple(e for c in chunks for e in c.events),
        chunks[0].meta or {},
        last.summary or (),
        last.params or {},
        last.running,
    )


@dataclass(frozen=True)
class Result:
    """A whole run: rows and iterations concatenated, grids, events, meta and summary."""

    arrays: dict[str, Array]
    grids: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]
    meta: dict[str, Any]
    summary: tuple[dict[str, Any], ...]
    params: dict[str, Array]
    running: dict[str, Array] | None

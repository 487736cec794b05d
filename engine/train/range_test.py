"""Leslie Smith's learning-rate range test for an MLP, as davidtvs/pytorch-lr-finder runs it.

    test = train.range_test(config, start_lr=1e-7, end_lr=10, num_iter=100, rng_seed=0)
    test.lrs, test.losses, test.smoothed     # (iterations,) each
    test.suggested_lr, test.stopped          # a rate or None; "diverged" or "end"

One optimizer lane (the config of `train.train`, exactly one optimizer) is trained for up to
`num_iter` minibatches, the rate rising every iteration: update i uses

    exp:     lr_i = start_lr · (end_lr / start_lr) ** (i / (num_iter − 1))
    linear:  lr_i = start_lr + (end_lr − start_lr) · i / (num_iter − 1)

(torch-lr-finder's ExponentialLR / LinearLR), whatever the lane's own lr and schedule say.
`losses[i]` is iteration i's minibatch loss (before its update, as torch's loss.item()); the
smoothed loss is torch-lr-finder's exponential smoothing, smoothed_0 = loss_0 and
smoothed_i = smooth_f · loss_i + (1 − smooth_f) · smoothed_{i−1} (smooth_f = 0: no
smoothing). The test stops after the first iteration whose smoothed loss passes
diverge_th × the best smoothed loss so far (that point is kept, as torch-lr-finder keeps it)
or is not finite (torch-lr-finder would go on with NaN). The suggestion is torch-lr-finder's
plot(suggest_lr=True): the rate where np.gradient of the smoothed loss is lowest, after
dropping the first skip_start and the last skip_end points (None with fewer than two left).

The minibatches are the trainer's: one shuffle per pass over the training set (torch's
DataLoader iterator made again when exhausted), so `batch_order(seed, n, batch_size, epochs)`
replays them; the weights are `initial_params(config, seed)`. The lane's gradient clipping,
penalties, dropout and batch norm apply as in a run; the trainer's own divergence limits
and early stopping do not (the range test has its own stop).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.train.config import check
from engine.train.loop import Trainer

Array = np.ndarray
STEP_MODES = ("exp", "linear")


@dataclass(frozen=True)
class RangeTest:
    """A range test's curve: one entry per iteration run (the last may be the divergence)."""

    lrs: Array
    losses: Array
    smoothed: Array
    suggested_lr: float | None
    suggested_index: int | None  # into lrs
    min_loss_lr: float  # the rate at the lowest smoothed loss
    stopped: str  # "diverged" | "end"
    num_iter: int

    @property
    def iterations(self) -> int:
        return len(self.lrs)


# torch-lr-finder's defaults (LRFinder.range_test), the one table of them: the service's
# request model and the notebook API take theirs from here
DEFAULTS = {"start_lr": 1e-7, "end_lr": 10.0, "num_iter": 100, "step_mode": "exp",
            "smooth_f": 0.05, "diverge_th": 5.0}  # fmt: skip


def rates(start_lr: float, end_lr: float, num_iter: int, step_mode: str = "exp") -> Array:
    """The rate of every iteration of a full test, (num_iter,)."""
    _check_range(start_lr, end_lr, num_iter, step_mode, 0.0, 2.0)
    # in Python floats, as torch-lr-finder computes them (NumPy's vectorized power may
    # round the last bit differently)
    start, end, last = float(start_lr), float(end_lr), int(num_iter) - 1
    if step_mode == "exp":
        return np.array([start * (end / start) ** (i / last) for i in range(last + 1)])
    return np.array([start + (i / last) * (end - start) for i in range(last + 1)])


def smooth(losses: Any, smooth_f: float) -> Array:
    """torch-lr-finder's smoothing of a whole loss curve (without its stop)."""
    losses = np.asarray(losses, dtype=np.float64)
    out = np.empty_like(losses)
    for i, v in enumerate(losses):
        out[i] = v if i == 0 or smooth_f <= 0 else smooth_f * v + (1 - smooth_f) * out[i - 1]
    return out


def suggest(smoothed: Any, skip_start: int = 10, skip_end: int = 5) -> int | None:
    """The index of the steepest descent of the smoothed loss (torch-lr-finder's
    plot(suggest_lr=True)): argmin of np.gradient over smoothed[skip_start:-skip_end]
    (None with fewer than two points left). A non-finite tail is cut off first."""
    s = np.asarray(smoothed, dtype=np.float64)
    stop = len(s) - skip_end if skip_end else len(s)
    window = s[skip_start:stop]
    bad = np.flatnonzero(~np.isfinite(window))
    if len(bad):
        window = window[: bad[0]]
    if len(window) < 2:
        return None
    return skip_start + int(np.gradient(window).argmin())


def range_test(
    config: Mapping[str, Any],
    start_lr: float = DEFAULTS["start_lr"],
    end_lr: float = DEFAULTS["end_lr"],
    num_iter: int = DEFAULTS["num_iter"],
    step_mode: str = DEFAULTS["step_mode"],
    smooth_f: float = DEFAULTS["smooth_f"],
    diverge_th: float = DEFAULTS["diverge_th"],
    rng_seed: int = 0,
    skip_start: int = 10,
    skip_end: int = 5,
) -> RangeTest:
    """Run the range test (see the module docstring); ValueError("field: message")."""
    _check_range(start_lr, end_lr, num_iter, step_mode, smooth_f, diverge_th)
    specs = config.get("optimizers") or []
    if len(specs) != 1:
        raise ValueError("optimizers: a range test takes exactly one optimizer")
    lane = dict(specs[0])
    lane.pop("schedule", None)  # the test's own rates replace any schedule
    cfg = {**config, "optimizers": [lane], "early_stopping": None, "grid_every": 0}
    plan = check(cfg)
    lr = rates(start_lr, end_lr, num_iter, step_mode)
    tr = Trainer(plan, int(rng_seed))
    losses, smoothed = np.full(num_iter, np.nan), np.full(num_iter, np.nan)
    best, stopped, n = np.inf, "end", num_iter
    batches = _batches(tr)
    with np.errstate(all="ignore"):  # a diverging lane overflows: the test stops there
        for i in range(num_iter):
            loss = float(tr.iterate(next(batches), lr[i])[0])
            s = (
                loss
                if i == 0 or smooth_f <= 0
                else smooth_f * loss + (1 - smooth_f) * smoothed[i - 1]
            )
            losses[i], smoothed[i] = loss, s
            best = s if i == 0 else min(best, s)
            if not np.isfinite(s) or s > diverge_th * best:
                stopped, n = "diverged", i + 1
                break
    lrs, losses, smoothed = lr[:n], losses[:n], smoothed[:n]
    k = suggest(smoothed, skip_start, skip_end)
    finite = np.isfinite(smoothed)
    low = int(np.flatnonzero(finite)[np.argmin(smoothed[finite])]) if finite.any() else 0
    return RangeTest(
        lrs=lrs,
        losses=losses,
        smoothed=smoothed,
        suggested_lr=None if k is None else float(lrs[k]),
        suggested_index=k,
        min_loss_lr=float(lrs[low]),
        stopped=stopped,
        num_iter=int(num_iter),
    )


def _batches(tr: Trainer) -> Iterator[Array | None]:
    """The trainer's minibatches, pass after pass (a full batch: None, the stored order)."""
    size, n = tr.batch_size, tr.n
    while True:
        if size >= n:
            yield None
            continue
        order = tr.shuffle_rng.permutation(n)
        for it in range(tr.iters_per_epoch):
            yield order[it * size : (it + 1) * size]


def _check_range(start_lr, end_lr, num_iter, step_mode, smooth_f, diverge_th) -> None:
    def number(x):
        return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)

    for name, v in (("start_lr", start_lr), ("end_lr", end_lr), ("smooth_f", smooth_f),
                    ("diverge_th", diverge_th)):  # fmt: skip
        if not (number(v) and np.isfinite(v)):
            raise ValueError(f"{name}: must be a finite number")
    if not start_lr > 0:
        raise ValueError("start_lr: must be greater than 0")
    if not end_lr > start_lr:
        raise ValueError("end_lr: must be greater than start_lr")
    if not np.isfinite(float(end_lr) / float(start_lr)):
        raise ValueError("start_lr: too small: end_lr / start_lr overflows")
    if not (number(num_iter) and int(num_iter) == num_iter and num_iter >= 2):
        raise ValueError("num_iter: must be an integer of at least 2")
    if step_mode not in STEP_MODES:
        raise ValueError(f"step_mode: must be one of {list(STEP_MODES)}")
    if not 0 <= smooth_f < 1:
        raise ValueError("smooth_f: must be in [0, 1)")
    if not diverge_th > 1:
        raise ValueError("diverge_th: must be greater than 1")

"""Lesson presets: their teaching claims as data, checked against the engine's own results.

A preset (the data lives in app/presets/) states what a class should see as a list of
checks, e.g. [{"type": "ends_near", "lane": 1, "xy": [-1.036, 0], "tol": 0.05},
{"type": "diverges_before", "lane": 2, "step": 50}]. `check_claim(claim, result)` evaluates
every check against a result and returns (check, ok, detail) per check; a preset whose
claim fails is a bug in the preset.

    result, context = run_preset(preset)            # simulate.run / train.run / a lesson tool
    for check, ok, detail in check_claim(preset["claim"], result, context): ...

Results come in five kinds, and each check type belongs to one (see CLAIM_TYPES):
"race" (a simulate.RaceResult; lane = optimizer × starts + start), "train" (a train.Result;
lane = optimizer), and the three teaching tools below, which return plain dicts:
"training_step" (one MLP iteration stage by stage, concept 1), "accuracy_along" (loss and
accuracy along one weight direction, concept 14) and "gradient_check" (backprop against
central differences, concept 15; the app adds the timings, the engine has no clock).

Run requests are the body of POST /api/runs (kind "surface" or "mlp") with the service's
defaults, which are the registry's: `race_of`, `training_of` turn them into engine calls the
same way the service does. Everything here is pure: no I/O (digits need the caller's bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from engine import activations, datasets, losses, mlp, simulate, surfaces, train
from engine.noise import from_config as noise_from_config

Array = np.ndarray
KINDS = ("race", "train", "training_step", "accuracy_along", "gradient_check")


class Outcome(NamedTuple):
    check: Mapping[str, Any]
    ok: bool
    detail: str


@dataclass(frozen=True)
class ClaimType:
    """One kind of check: the result kind it reads, its arguments and what it asserts."""

    name: str
    kind: str
    required: tuple[str, ...]
    optional: Mapping[str, Any]
    doc: str
    fn: Callable[..., tuple[bool, str]]
    context: bool = False  # needs the run's data and config (run_preset's context)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.name,
            "kind": self.kind,
            "required": list(self.required),
            "optional": dict(self.optional),
            "doc": self.doc,
        }


CLAIM_TYPES: dict[str, ClaimType] = {}


def _claim(kind: str, required: str = "", context: bool = False, **optional: Any):
    """Register a check function; its docstring's first line is the documentation."""

    def deco(fn):
        name = fn.__name__.lstrip("_")
        doc = (fn.__doc__ or "").strip().splitlines()[0]
        CLAIM_TYPES[name] = ClaimType(
            name, kind, tuple(required.split()), optional, doc, fn, context
        )
        return fn

    return deco


def claim_types() -> list[dict[str, Any]]:
    """The vocabulary of checks, as plain data (for the API's documentation)."""
    return [c.as_dict() for c in CLAIM_TYPES.values()]


def result_kind(result: Any) -> str:
    if isinstance(result, simulate.RaceResult):
        return "race"
    if isinstance(result, train.Result):
        return "train"
    if isinstance(result, Mapping) and result.get("kind") in KINDS:
        return result["kind"]
    raise TypeError(f"not a result the claims can read: {type(result).__name__}")


def validate_check(check: Mapping[str, Any], kind: str | None = None) -> ClaimType:
    """The check's type, after checking its arguments (ValueError naming the problem)."""
    name = check.get("type")
    if name not in CLAIM_TYPES:
        raise ValueError(f"type: unknown check {name!r}; known: {', '.join(CLAIM_TYPES)}")
    ct = CLAIM_TYPES[name]
    missing = [a for a in ct.required if a not in check]
    unknown = sorted(set(check) - {"type", *ct.required, *ct.optional})
    if missing or unknown:
        what = f"needs {missing}" if missing else f"has no argument {unknown[0]!r}"
        raise ValueError(f"{name}: {what}; arguments: {list(ct.required) + list(ct.optional)}")
    if kind is not None and ct.kind != kind:
        raise ValueError(f"{name}: checks a {ct.kind} result, not a {kind} result")
    return ct


def check_claim(
    claim: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    result: Any,
    context: Mapping[str, Any] | None = None,
) -> list[Outcome]:
    """Evaluate every check of `claim` against `result`: [(check, ok, detail)].

    A malformed check (unknown type or argument, wrong result kind, lane out of range) is a
    ValueError, not a failed check. `context` ({"data", "config"} from run_preset) is needed
    only by the checks that re-evaluate the trained network on its data.
    """
    checks = [claim] if isinstance(claim, Mapping) else list(claim)
    if not checks:
        raise ValueError("a claim needs at least one check")
    kind = result_kind(result)
    out = []
    for check in checks:
        ct = validate_check(check, kind)
        if ct.context and not context:
            raise ValueError(f"{ct.name}: needs the run's context (data and config)")
        args = {**ct.optional, **{k: v for k, v in check.items() if k != "type"}}
        _check_lanes(args, result, kind)
        with np.errstate(all="ignore"):
            if ct.context:
                ok, detail = ct.fn(result, context, **args)
            else:
                ok, detail = ct.fn(result, **args)
        out.append(Outcome(dict(check), bool(ok), detail))
    return out


def _check_lanes(args: Mapping[str, Any], result: Any, kind: str) -> None:
    if kind == "race":
        n = result.arrays["xy"].shape[1]
    elif kind == "train":
        n = len(result.summary)
    else:
        return
    for key in ("lane", "other"):
        if key in args and not (isinstance(args[key], int) and 0 <= args[key] < n):
            raise ValueError(f"{key}: {args[key]!r} is not a lane (the run has {n})")


def _xy(v: Any) -> Array:
    return np.asarray(v, dtype=np.float64).reshape(2)


def _fmt(xy: Any) -> str:
    return "(" + ", ".join(f"{float(c):.4g}" for c in np.ravel(xy)) + ")"


# --------------------------------------------------------------------------- race checks


def _lane(r: simulate.RaceResult, lane: int) -> dict[str, Any]:
    return r.summary[lane]


@_claim("race", "lane xy", tol=0.05)
def _ends_near(r, lane, xy, tol):
    """The lane ends (without diverging) within `tol` of the point `xy`."""
    s = _lane(r, lane)
    d = float(np.hypot(*(np.asarray(s["final_xy"]) - _xy(xy))))
    ok = s["diverged_at"] is None and d <= tol
    return ok, f"ends at {_fmt(s['final_xy'])}, {d:.3g} from {_fmt(xy)} (tol {tol:g})"


@_claim("race", "lane xy", tol=0.05, grad_tol=0.05)
def _stalls_near(r, lane, xy, tol, grad_tol):
    """The lane ends within `tol` of `xy` (a saddle, say) with a gradient norm ≤ grad_tol."""
    ok, detail = _ends_near(r, lane, xy, tol)
    g = float(r.arrays["grad_norm"][-1, lane])
    return ok and g <= grad_tol, f"{detail}; final |∇f| {g:.3g} (≤ {grad_tol:g})"


@_claim("race", "lane xy", tol=0.05, after=0)
def _passes_near(r, lane, xy, tol, after):
    """At some step ≥ `after` the lane comes within `tol` of `xy`."""
    p = r.arrays["xy"][after:, lane]
    d = np.hypot(*(p - _xy(xy)).T)
    if not np.any(d <= tol):
        closest = np.min(d[np.isfinite(d)], initial=np.inf)
        return False, f"never within {tol:g} of {_fmt(xy)} (closest {closest:.3g})"
    k = after + int(np.argmax(d <= tol))
    return True, f"within {tol:g} of {_fmt(xy)} at step {k}"


@_claim("race", "lane step")
def _diverges_before(r, lane, step):
    """The lane diverges (non-finite or |x| > 1e6) at a step ≤ `step`."""
    at = _lane(r, lane)["diverged_at"]
    return at is not None and at <= step, f"diverged at step {at}" if at else "never diverged"


@_claim("race", "lane")
def _stays_finite(r, lane):
    """The lane never diverges."""
    at = _lane(r, lane)["diverged_at"]
    return at is None, "never diverged" if at is None else f"diverged at step {at}"


@_claim("race", "lane steps")
def _converges_within(r, lane, steps):
    """The lane settles at a listed minimum (the race's tolerance) by step `steps`."""
    at = _lane(r, lane)["converged_at"]
    return at is not None and at <= steps, f"converged at step {at} (budget {steps})"


@_claim("race", "lane steps")
def _not_converged_within(r, lane, steps):
    """The lane has not settled at any minimum by step `steps` (a crawl, or a stall)."""
    at = _lane(r, lane)["converged_at"]
    return at is None or at > steps, f"converged at step {at} (must be later than {steps})"


@_claim("race", "lane other")
def _slower_than(r, lane, other):
    """Lane `other` converges, and `lane` converges later or never."""
    a, b = _lane(r, lane)["converged_at"], _lane(r, other)["converged_at"]
    ok = b is not None and (a is None or a > b)
    return ok, f"lane {lane} converged at {a}, lane {other} at {b}"


@_claim("race", "lane distance")
def _moves_less_than(r, lane, distance):
    """The lane ends less than `distance` from where it started (a crawl)."""
    xy = r.arrays["xy"][:, lane]
    d = float(np.hypot(*(np.asarray(_lane(r, lane)["final_xy"]) - xy[0])))
    return d < distance, f"moved {d:.3g} in all (< {distance:g})"


@_claim("race", "lane min_flips", coord=1)
def _oscillates(r, lane, min_flips, coord):
    """The update of coordinate `coord` (0: x, 1: y) changes sign at least `min_flips` times."""
    u = r.arrays["update"][1:, lane, coord]
    s = np.sign(u[np.isfinite(u) & (u != 0)])
    flips = int(np.count_nonzero(s[1:] != s[:-1]))
    return flips >= min_flips, f"{flips} sign changes of the {'xy'[coord]} step"


@_claim("race", "lane step", tol=1)
def _lr_peaks_at(r, lane, step, tol):
    """The learning rate rises to its peak at `step` (± tol), then falls to the end."""
    lr = r.arrays["lr"][1:, lane]
    k = int(np.argmax(lr)) + 1  # row k holds the rate of update k
    up = np.all(np.diff(lr[:k]) >= 0)
    down = np.all(np.diff(lr[k - 1 :]) <= 0)
    ok = abs(k - step) <= tol and up and down and lr[0] < lr[k - 1] and lr[-1] < lr[k - 1]
    return ok, f"peak {lr[k - 1]:.3g} at step {k} (rises: {up}, then falls: {down})"


def _effective_lr(r, lane: int, coord: int) -> Array:
    """|update| / |gradient| of one coordinate per step; NaN where it cannot be measured: row 0,
    a zero gradient, or an update lost to rounding (below 1e-9 of the coordinate's size)."""
    u, g = r.arrays["update"][:, lane, coord], r.arrays["grad"][:, lane, coord]
    x = r.arrays["xy"][:, lane, coord]
    num, den = np.abs(u), np.abs(g)
    good = (den > 1e-300) & (num > 1e-9 * np.abs(x))
    return np.where(good, num / np.where(good, den, 1.0), np.nan)


def _last_finite(a: Array, step: int | None) -> tuple[int, float]:
    if step is not None:
        return step, float(a[step])
    idx = np.flatnonzero(np.isfinite(a))
    k = int(idx[-1]) if len(idx) else 0
    return k, float(a[k])


@_claim("race", "lane factor", coord=None)
def _effective_lr_falls(r, lane, factor, coord):
    """Per coordinate (or only `coord`), |update|/|gradient| ends ≥ `factor`× below step 1's."""
    parts = []
    ok = True
    for c in (0, 1) if coord is None else (coord,):
        eff = _effective_lr(r, lane, c)
        k, last = _last_finite(eff, None)
        ratio = eff[1] / last
        ok = ok and bool(ratio >= factor)
        parts.append(f"{'xy'[c]}: {eff[1]:.3g} at step 1, {last:.3g} at step {k} (÷{ratio:.3g})")
    return ok, "; ".join(parts)


@_claim("race", "lane other", step=None)
def _effective_lr_higher_than(r, lane, other, step):
    """In x and in y the lane's |update|/|gradient| beats `other`'s (at `step`, default last)."""
    parts = []
    ok = True
    for c in (0, 1):
        k, a = _last_finite(_effective_lr(r, lane, c), step)
        b = float(_effective_lr(r, other, c)[k])
        ok = ok and bool(a > b)
        parts.append(f"{'xy'[c]} at step {k}: {a:.3g} against {b:.3g}")
    return ok, "; ".join(parts)


@_claim("race", "lane ratio", step=None)
def _per_parameter_lr(r, lane, ratio, step):
    """The effective steps of x and y differ by a factor ≥ `ratio` (at `step`, default last)."""
    ex, ey = _effective_lr(r, lane, 0), _effective_lr(r, lane, 1)
    both = ex + ey
    k, _ = _last_finite(both, step)
    q = max(ex[k], ey[k]) / min(ex[k], ey[k])
    return bool(q >= ratio), f"at step {k}: x {ex[k]:.3g}, y {ey[k]:.3g} (×{q:.3g})"


def _v_drops(r, lane: int) -> tuple[int, int]:
    """(times some coordinate of v went down, steps with a v): v is the optimizer's second
    moment as the step inspector shows it (Adagrad's sum, RMSprop's and Adam's averages)."""
    v = r.arrays["v"][1:, lane]
    v = v[np.all(np.isfinite(v), axis=1)]
    return int(np.count_nonzero(np.diff(v, axis=0) < 0)), len(v)


@_claim("race", "lane")
def _v_never_decreases(r, lane):
    """The second moment v never decreases in any coordinate (Adagrad's growing sum)."""
    drops, n = _v_drops(r, lane)
    return drops == 0 and n > 1, f"v decreased {drops} times in {n} steps"


@_claim("race", "lane")
def _v_decreases(r, lane):
    """The second moment v decreases at some step (a moving average forgets old gradients)."""
    drops, n = _v_drops(r, lane)
    return drops > 0, f"v decreased {drops} times in {n} steps"


@_claim("race", "lane value")
def _loss_below(r, lane, value):
    """The lane's final loss is below `value` (and it did not diverge)."""
    s = _lane(r, lane)
    ok = s["diverged_at"] is None and s["final_loss"] < value
    return ok, f"final loss {s['final_loss']:.4g} (< {value:g})"


@_claim("race", "lane other")
def _ends_lower_than(r, lane, other):
    """The lane's final loss is below `other`'s (a diverged lane has no final loss)."""
    a, b = (_lane(r, i) for i in (lane, other))
    lower = b["diverged_at"] is not None or a["final_loss"] < b["final_loss"]
    ok = a["diverged_at"] is None and lower
    return ok, f"final loss {a['final_loss']:.4g} against {b['final_loss']:.4g}"


# --------------------------------------------------------------------------- train checks


def _row(res: train.Result, field: str, lane: int) -> Array:
    return res.arrays[field][:, lane]


def _summ(res: train.Result, lane: int) -> dict[str, Any]:
    return res.summary[lane]


@_claim("train", "lane value", split="val")
def _accuracy_at_least(res, lane, value, split):
    """The final accuracy on `split` ("train" or "val") is at least `value`."""
    a = _summ(res, lane)[f"final_{split}_acc"]
    return a >= value, f"final {split} accuracy {a:.3f} (≥ {value:g})"


@_claim("train", "lane value", split="val")
def _accuracy_at_most(res, lane, value, split):
    """The final accuracy on `split` is at most `value` (underfitting, or a failed run)."""
    a = _summ(res, lane)[f"final_{split}_acc"]
    return not a > value, f"final {split} accuracy {a:.3f} (≤ {value:g})"


@_claim("train", "lane value", split="train")
def _loss_at_most(r, lane, value, split):
    """The final loss on `split` ("train" or "val") is at most `value`."""
    a = _summ(r, lane)[f"final_{split}_loss"]
    return a <= value, f"final {split} loss {a:.4g} (≤ {value:g})"


@_claim("train", "lane value", split="train")
def _loss_at_least(r, lane, value, split):
    """The final loss on `split` stays at least `value` (the model cannot fit the data)."""
    a = _summ(r, lane)[f"final_{split}_loss"]
    return a >= value, f"final {split} loss {a:.4g} (≥ {value:g})"


@_claim("train", "lane epoch", rise=0.1)
def _val_loss_rises_after(r, lane, epoch, rise):
    """Val loss is lowest by `epoch`, then ends ≥ (1 + rise)× that, while the train loss falls."""
    va, tr = _row(r, "val_loss", lane), _row(r, "train_loss", lane)
    best = int(np.nanargmin(va))
    last = int(np.flatnonzero(np.isfinite(va))[-1])
    ok = best <= epoch and va[last] >= (1 + rise) * va[best] and tr[last] < tr[best]
    return ok, (
        f"val loss lowest {va[best]:.3g} at epoch {best} (≤ {epoch}), {va[last]:.3g} at "
        f"epoch {last}; train loss {tr[best]:.3g} → {tr[last]:.3g}"
    )


@_claim("train", "lane ratio")
def _val_loss_stays_near_best(r, lane, ratio):
    """The final validation loss is at most `ratio` × the best one (little overfitting)."""
    va = _row(r, "val_loss", lane)
    last = va[np.flatnonzero(np.isfinite(va))[-1]]
    best = np.nanmin(va)
    return last <= ratio * best, f"final {last:.3g}, best {best:.3g} (×{last / best:.3g})"


@_claim("train", "lane", before=None)
def _early_stops(r, lane, before):
    """Early stopping ends the lane (before epoch `before`) and restores its best weights."""
    s = _summ(r, lane)
    ok = (
        s["reason"] == "early_stop"
        and s["restored_best"]
        and s["best_epoch"] is not None
        and s["best_val_loss"] is not None
        and s["best_epoch"] < s["stopped_epoch"]
        and (before is None or s["stopped_epoch"] < before)
        and abs(s["final_val_loss"] - s["best_val_loss"]) <= 1e-9 * max(1.0, s["best_val_loss"])
    )
    return ok, (
        f"{s['reason']} at epoch {s['stopped_epoch']}, best epoch {s['best_epoch']}, "
        f"restored {s['restored_best']}, final val loss {s['final_val_loss']:.4g} "
        f"(best {s['best_val_loss']})"
    )


def _lane_params(r: train.Result, lane: int) -> dict[str, Array]:
    return {k: v[lane] for k, v in r.params.items()}


@_claim("train", "lane", tol=1e-12)
def _hidden_units_identical(r, lane, tol):
    """In every hidden layer all units have the same weights in and out (broken symmetry: no)."""
    p = _lane_params(r, lane)
    n = mlp.n_layers(p)
    spread = 0.0
    for i in range(1, n):
        spread = max(
            spread,
            float(np.ptp(p[f"W{i}"], axis=-1).max()),
            float(np.ptp(p[f"b{i}"])),
            float(np.ptp(p[f"W{i + 1}"], axis=-2).max()),
        )
    moved = max(float(np.abs(p[f"W{i}"]).max()) for i in range(1, n + 1))
    ok = n > 1 and spread <= tol
    return ok, f"largest difference between units {spread:.3g}; largest weight {moved:.3g}"


@_claim("train", "lane at_least", tol=0.01)
def _sparse_weights(r, lane, at_least, tol):
    """A share ≥ `at_least` of all weights ends within ±`tol` of zero (what L1 does)."""
    p = _lane_params(r, lane)
    w = np.concatenate([np.ravel(p[f"W{i}"]) for i in range(1, mlp.n_layers(p) + 1)])
    q = float(np.mean(np.abs(w) < tol))
    return q >= at_least, f"{q:.0%} of {w.size} weights within ±{tol:g} of 0"


def _grad_norms(r, lane, epoch):
    g = r.arrays["grad_norm"][epoch, lane]
    return g, " ".join(f"{x:.3g}" for x in g)


@_claim("train", "lane factor", epoch=1)
def _grad_norm_shrinks_toward_input(r, lane, factor, epoch):
    """In `epoch`, ‖∂L/∂W‖ of the last layer is ≥ `factor` × that of the first layer."""
    g, text = _grad_norms(r, lane, epoch)
    q = g[-1] / g[0]
    return bool(q >= factor), f"per-layer gradient norms (input → output) {text}: ×{q:.3g}"


@_claim("train", "lane factor", epoch=1)
def _grad_norm_even(r, lane, factor, epoch):
    """In `epoch`, the largest per-layer ‖∂L/∂W‖ is at most `factor` × the smallest."""
    g, text = _grad_norms(r, lane, epoch)
    q = np.max(g) / np.min(g)
    return bool(q <= factor), f"per-layer gradient norms (input → output) {text}: ×{q:.3g}"


@_claim("train", "lane other", factor=1.0)
def _smaller_weights_than(r, lane, other, factor):
    """The lane's final ‖W‖ (all weight matrices) times `factor` is below `other`'s."""
    a, b = (_weight_norm(_lane_params(r, i)) for i in (lane, other))
    return a * factor < b, f"‖W‖ {a:.3g} against {b:.3g} (×{factor:g})"


def _weight_norm(p: Mapping[str, Array]) -> float:
    return float(np.sqrt(sum(np.sum(p[f"W{i}"] ** 2) for i in range(1, mlp.n_layers(p) + 1))))


@_claim("train", "lane other", split="val")
def _lower_loss_than(r, lane, other, split):
    """The lane's final loss on `split` ("train" or "val") is below `other`'s."""
    a, b = (_summ(r, i)[f"final_{split}_loss"] for i in (lane, other))
    return a < b, f"final {split} loss {a:.4g} against {b:.4g}"


@_claim("train", "value")
def _iterations_per_epoch(r, value):
    """One epoch takes `value` iterations (⌈training samples / batch size⌉)."""
    m = r.meta
    got = m["iterations_per_epoch"]
    return got == value, f"{m['n_train']} samples / batch {m['batch_size']} → {got} per epoch"


@_claim("train", "lane value")
def _iterations(r, lane, value):
    """The lane took `value` updates in all."""
    got = _summ(r, lane)["iterations"]
    return got == value, f"{got} iterations"


@_claim("train", "value")
def _n_params(r, value):
    """The network has `value` trainable parameters."""
    return r.meta["n_params"] == value, f"{r.meta['n_params']} parameters"


def _rises(r, lane) -> tuple[float, int]:
    it = _row(r, "it_loss", lane)
    it = it[np.isfinite(it)]
    return float(np.mean(np.diff(it) > 0)) if len(it) > 1 else 0.0, len(it)


@_claim("train", "lane at_least")
def _bumpy_loss(r, lane, at_least):
    """The minibatch loss rises from one iteration to the next in ≥ `at_least` of them."""
    q, n = _rises(r, lane)
    return q >= at_least, f"rose in {q:.0%} of {n} iterations"


@_claim("train", "lane at_most")
def _smooth_loss(r, lane, at_most):
    """The minibatch loss rises from one iteration to the next in ≤ `at_most` of them."""
    q, n = _rises(r, lane)
    return q <= at_most, f"rose in {q:.0%} of {n} iterations"


def _split(context, split):
    d, cfg = context["data"], context["config"]
    X, y = (d.X_train, d.y_train) if split == "train" else (d.X_val, d.y_val)
    model = {**cfg, **(cfg.get("model") or {})}
    return X, y, d, model


@_claim("train", "lane loss", context=True, split="train", factor=1.0)
def _same_loss_under(r, context, lane, loss, split, factor):
    """The final loss on `split` is `factor` × `loss` of the same network (sparse vs one-hot)."""
    X, y, d, model = _split(context, split)
    p = _lane_params(r, lane)
    if losses.units(loss, d.task, d.n_classes) != p[f"W{mlp.n_layers(p)}"].shape[-1]:
        raise ValueError(f"same_loss_under: {loss!r} does not fit this network's outputs")
    running = None if r.running is None else {k: v[lane] for k, v in r.running.items()}
    T = losses.targets(loss, y, d.task, d.n_classes)
    act = model.get("activation", "relu")
    mode = "eval" if running is not None else "train"
    other = float(mlp.loss_value(p, X, T, activation=act, loss=loss, mode=mode, running=running))
    own = _summ(r, lane)[f"final_{split}_loss"]
    ok = abs(own - factor * other) <= 1e-9 * max(1.0, abs(own))
    return ok, f"{own:.10g} against {factor:g} × {loss} {other:.10g}"


@_claim("train", "lane", context=True, at_least=None, at_most=None)
def _prediction_bias(r, context, lane, at_least, at_most):
    """The mean of prediction − target on the validation set lies in [at_least, at_most]."""
    X, y, _, model = _split(context, "val")
    p = _lane_params(r, lane)
    act = model.get("activation", "relu")
    pred = mlp.predict(p, X, activation=act, loss=model["loss"])[..., 0]
    bias = float(np.mean(pred - y))
    ok = (at_least is None or bias >= at_least) and (at_most is None or bias <= at_most)
    return ok, f"mean(prediction − target) = {bias:.3f} in [{at_least}, {at_most}]"


# --------------------------------------------------------------------------- teaching tools


def make_data(spec: Mapping[str, Any], seed: int, raw: bytes | None = None) -> datasets.Dataset:
    """A run request's dataset, drawn exactly as the service draws it."""
    params = {k: v for k, v in spec.items() if k != "name"}
    return datasets.make(spec["name"], rng=np.random.default_rng(seed), raw=raw, **params)


def tiny_network(
    data: datasets.Dataset, hidden: Sequence[int], activation: Any, init: str, loss: str, seed: int
) -> tuple[dict[str, Array], Array]:
    """Initial weights of [features, *hidden, outputs] and the training targets."""
    out = losses.units(losses.get(loss).name, data.task, data.n_classes)
    sizes = [data.n_features, *hidden, out]
    params = mlp.init(sizes, activation, init, np.random.default_rng([seed, 1]))
    return params, losses.targets(loss, data.y_train, data.task, data.n_classes)


def training_step(
    data: datasets.Dataset,
    *,
    hidden: Sequence[int] = (3,),
    activation: Any = "sigmoid",
    init: str = "xavier_normal",
    loss: str = "binary_cross_entropy",
    optimizer: Mapping[str, Any] | None = None,
    batch_size: int = 4,
    seed: int = 0,
    step: int = 0,
) -> dict[str, Any]:
    """Iteration `step + 1` of a tiny MLP, stage by stage (concept 1), after replaying the
    first `step` iterations. Minibatches follow one seeded permutation per epoch.

    Returns {"kind", "step", "sizes", "batch", "X", "y", "trace"} where trace is
    mlp.forward_trace's dict (layers, loss, deltas, grads, update, new_params, new_loss).
    """
    optimizer = optimizer or {"name": "gd", "params": {"lr": 0.5}}
    params, T = tiny_network(data, hidden, activation, init, loss, seed)
    n = len(T)
    bs = min(int(batch_size), n)
    per_epoch = -(-n // bs)
    order_rng = np.random.default_rng([seed, 2])
    state, order = None, None
    for k in range(step + 1):
        if k % per_epoch == 0:
            order = order_rng.permutation(n)
        j = k % per_epoch
        idx = order[j * bs : (j + 1) * bs]
        tr = mlp.forward_trace(
            params, data.X_train[idx], T[idx], activation=activation, loss=loss,
            optimizer=optimizer, state=state,
        )  # fmt: skip
        if k < step:
            params, state = tr["new_params"], tr["state"]
    return {
        "kind": "training_step",
        "step": step,
        "sizes": mlp.sizes(params),
        "batch": idx,
        "X": data.X_train[idx],
        "y": T[idx],
        "params": params,
        "activation": activation,
        "loss": loss,
        "optimizer": dict(optimizer),
        "trace": tr,
    }


@_claim("training_step", "", tol=1e-12)
def _update_is_minus_lr_grad(s, tol):
    """Every weight changes by exactly −lr × its gradient (plain gradient descent)."""
    opt = s["optimizer"]
    lr = float((opt.get("params") or {}).get("lr", 0.001))
    tr = s["trace"]
    err = max(float(np.max(np.abs(tr["update"][k] + lr * tr["grads"][k]))) for k in tr["grads"])
    ok = opt["name"] in ("gd", "sgd") and err <= tol
    return ok, f"largest |Δw + lr·∂L/∂w| = {err:.3g} (lr {lr:g})"


@_claim("training_step", "")
def _loss_decreases_after_step(s):
    """The loss on the same minibatch is lower after the update than before."""
    tr = s["trace"]
    a, b = float(tr["loss"]), float(tr["new_loss"])
    return b < a, f"loss {a:.6g} → {b:.6g}"


@_claim("training_step", "", tol=1e-12)
def _forward_is_consistent(s, tol):
    """Each layer computes z = input·W + b and a = act(z); the gradients match backprop's chain."""
    tr, act = s["trace"], activations.get(s["activation"])
    err = 0.0
    for i, layer in enumerate(tr["layers"]):
        z = layer["input"] @ layer["W"] + layer["b"]
        err = max(err, float(np.max(np.abs(z - layer["z"]))))
        if i < len(tr["layers"]) - 1:
            err = max(err, float(np.max(np.abs(act.fn(z) - layer["a"]))))
        dW = layer["input"].T @ tr["deltas"][i]
        err = max(err, float(np.max(np.abs(dW - tr["grads"][f"W{i + 1}"]))))
    return err <= tol, f"largest mismatch {err:.3g}"


def along_direction(
    params: Mapping[str, Array],
    X: Array,
    y: Array,
    *,
    activation: Any,
    loss: str,
    ts: Array,
    direction_seed: int = 0,
    running: Mapping[str, Array] | None = None,
) -> dict[str, Any]:
    """Loss and accuracy at params + t·d for a random filter-normalized direction d (concept 14)."""
    d = mlp.random_direction(params, np.random.default_rng(direction_seed))
    ts = np.asarray(ts, dtype=np.float64)
    value, acc = mlp.loss_and_accuracy_along(
        params, d, ts, X, y, activation=activation, loss=loss, running=running
    )
    return {"kind": "accuracy_along", "ts": ts, "loss": value, "accuracy": acc, "n": len(X)}


@_claim("accuracy_along", "max_levels", min_flat=0.5)
def _accuracy_staircase(a, max_levels, min_flat):
    """Accuracy takes ≤ `max_levels` values and stays flat between ≥ `min_flat` of neighbours."""
    acc = np.asarray(a["accuracy"])
    levels = len(np.unique(acc))
    flat = float(np.mean(acc[1:] == acc[:-1]))
    ok = levels <= max_levels and flat >= min_flat
    return ok, f"{levels} accuracy levels over {len(acc)} points; flat {flat:.0%}"


@_claim("accuracy_along", "min_distinct")
def _loss_smooth(a, min_distinct):
    """The loss changes between every pair of neighbours and takes ≥ `min_distinct` values."""
    loss = np.asarray(a["loss"])
    distinct = len(np.unique(loss))
    moving = bool(np.all(loss[1:] != loss[:-1]))
    return distinct >= min_distinct and moving, f"{distinct} loss values; always moving {moving}"


def compare_gradients(
    params: Mapping[str, Array], backprop: Mapping[str, Array], numerical: Mapping[str, Array]
) -> dict[str, Any]:
    """Per layer: max |difference| and ‖bp − num‖ / (‖bp‖ + ‖num‖) (as mlp.gradient_check)."""
    rows = []
    for i in range(1, mlp.n_layers(params) + 1):
        keys = [f"{k}{i}" for k in ("W", "b", "gamma", "beta") if f"{k}{i}" in params]
        a = np.concatenate([np.ravel(backprop[k]) for k in keys])
        b = np.concatenate([np.ravel(numerical[k]) for k in keys])
        denom = float(np.linalg.norm(a) + np.linalg.norm(b))
        rows.append(
            {
                "layer": i,
                "params": keys,
                "n": int(a.size),
                "max_abs": float(np.max(np.abs(a - b))),
                "rel": float(np.linalg.norm(a - b)) / denom if denom > 0 else 0.0,
                "backprop_norm": float(np.linalg.norm(a)),
                "numerical_norm": float(np.linalg.norm(b)),
            }
        )
    return {
        "kind": "gradient_check",
        "layers": rows,
        "max_abs": max(r["max_abs"] for r in rows),
        "rel": max(r["rel"] for r in rows),
        "n_params": sum(r["n"] for r in rows),
    }


@_claim("gradient_check", "", max_rel=1e-6)
def _gradients_agree(g, max_rel):
    """In every layer backprop and central differences agree: relative difference < `max_rel`."""
    worst = max(g["layers"], key=lambda r: r["rel"])
    ok = all(r["rel"] < max_rel for r in g["layers"])
    return ok, f"largest relative difference {worst['rel']:.3g} (layer {worst['layer']})"


# --------------------------------------------------------------------------- running presets


def race_of(run: Mapping[str, Any]) -> tuple[surfaces.Surface, list[dict], Array, int, dict]:
    """A surface run request → simulate.run's arguments (surface, configs, starts, steps, kw)."""
    ref = run["surface"]
    if ref.get("formula") is not None:
        dom = ref.get("domain")
        surface = surfaces.from_formula(ref["formula"], None if dom is None else dom)
    else:
        surface = surfaces.get(ref["name"], **(ref.get("params") or {}))
    configs = [_engine_optimizer(o) for o in run["optimizers"]]
    kw = {"noise": noise_from_config(run.get("noise")), "seed": int(run.get("seed", 0))}
    return surface, configs, np.asarray(run["starts"], np.float64), int(run.get("steps", 500)), kw


def _engine_optimizer(o: Mapping[str, Any]) -> dict[str, Any]:
    params = {k: tuple(v) if k == "betas" else v for k, v in (o.get("params") or {}).items()}
    return {**o, "params": params}


def training_of(run: Mapping[str, Any], data: datasets.Dataset) -> dict[str, Any]:
    """An MLP run request → train.run's config (the request's model, loss, batch, ...)."""
    cfg = {
        "data": data,
        "model": dict(run.get("model") or {}),
        "optimizers": [_engine_optimizer(o) for o in run["optimizers"]],
    }
    for key in ("loss", "batch_size", "epochs", "l1", "l2", "early_stopping"):
        if key in run:
            cfg[key] = run[key]
    return cfg


def run_preset(preset: Mapping[str, Any], raw: bytes | None = None) -> tuple[Any, dict[str, Any]]:
    """What the preset's claim reads: (result, context).

    A preset with a `lesson` ({"endpoint", "body"}) is checked on that teaching tool's
    output; otherwise on its `run`. `raw` holds the digits file's bytes if a run uses them.
    """
    lesson, run = preset.get("lesson"), preset["run"]
    if lesson is not None:
        return run_lesson(lesson["endpoint"], lesson["body"], preset, raw), {}
    if run["kind"] == "surface":
        surface, configs, starts, steps, kw = race_of(run)
        return simulate.run(surface, configs, starts, steps, **kw), {}
    seed = int(run.get("seed", 0))
    data = make_data(run["dataset"], seed, raw)
    config = training_of(run, data)
    return train.run(config, seed), {"data": data, "config": config}


def run_lesson(
    endpoint: str,
    body: Mapping[str, Any],
    preset: Mapping[str, Any] | None = None,
    raw: bytes | None = None,
) -> dict[str, Any]:
    """A teaching endpoint's computation (without the app's timings) for a request body."""
    if endpoint == "training-step":
        data = make_data(body["dataset"], int(body.get("seed", 0)), raw)
        keys = ("hidden", "activation", "init", "loss", "optimizer", "batch_size", "seed", "step")
        return training_step(data, **{k: body[k] for k in keys if k in body})
    if endpoint == "gradient-check":
        data = make_data(body["dataset"], int(body.get("seed", 0)), raw)
        params, T = tiny_network(
            data, body["hidden"], body["activation"], body.get("init", "xavier_normal"),
            body["loss"], int(body.get("seed", 0)),
        )  # fmt: skip
        m = int(body.get("n_examples", 16))
        kw = {"activation": body["activation"], "loss": body["loss"]}
        kw |= {"l1": body.get("l1", 0.0), "l2": body.get("l2", 0.0)}
        _, bp = mlp.loss_and_grad(params, data.X_train[:m], T[:m], **kw)
        num = mlp.numerical_grad(params, data.X_train[:m], T[:m], **kw)
        return compare_gradients(params, bp, num)
    if endpoint == "accuracy-vs-loss":
        if preset is None or body.get("preset") != preset.get("id"):
            raise ValueError("accuracy-vs-loss: the body must name its own preset")
        return accuracy_of_run(preset["run"], body, raw)
    raise ValueError(f"unknown lesson endpoint {endpoint!r}")


def accuracy_of_run(
    run: Mapping[str, Any], body: Mapping[str, Any], raw: bytes | None = None
) -> dict[str, Any]:
    """Train lane `body["lane"]` of `run`, then loss and accuracy along one weight direction.

    The lane is trained alone: every lane of a run starts from the same weights and sees the
    same minibatches, so on its own it follows the same path (at a fraction of the cost).
    """
    seed = int(run.get("seed", 0))
    lane = int(body.get("lane", 0))
    data = make_data(run["dataset"], seed, raw)
    config = training_of({**run, "optimizers": [run["optimizers"][lane]]}, data)
    res = train.run(config, seed)
    params = _lane_params(res, 0)
    running = None if res.running is None else {k: v[0] for k, v in res.running.items()}
    ts = body.get("ts") or {}
    grid = np.linspace(ts.get("low", -1.0), ts.get("high", 1.0), int(ts.get("count", 201)))
    X, y = (data.X_val, data.y_val) if body.get("split", "val") == "val" else (
        data.X_train, data.y_train)  # fmt: skip
    plan = train.check(config)
    T = losses.targets(plan["loss"].name, y, data.task, data.n_classes)
    out = along_direction(
        params, X, T, activation=plan["activation"], loss=plan["loss"].name, ts=grid,
        direction_seed=int(body.get("direction_seed", 0)), running=running,
    )  # fmt: skip
    out["trained"] = {"epochs": int(res.summary[0]["stopped_epoch"]), "lane": lane}
    out["final_val_acc"] = float(res.summary[0]["final_val_acc"])
    return out

"""torch.optim.LBFGS, line for line, one lane at a time in NumPy float64.

One step is one `optimizer.step(closure)` of torch: up to `max_iter` iterations of the
two-loop recursion, each with a fixed step (lr) or torch's strong-Wolfe line search, every
evaluation of the loss and gradient asked of the `Oracle`. The state of each lane is a plain
dict with torch's keys (d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss,
n_iter, func_evals); a step copies it, so `Optimizer.step` stays pure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through two points with their slopes, within bounds."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square**0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _dot(a: Array, b: Array) -> np.float64:
    """A NumPy scalar, not a float: where torch's tensors give inf or NaN (a zero divisor in
    the interpolation, an overflowing square) so does NumPy, where Python floats raise."""
    return np.float64(np.dot(a, b))


def _strong_wolfe(obj, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """torch's `_strong_wolfe`: bracket a step satisfying the strong Wolfe conditions, then
    zoom in by cubic interpolation. Returns (f, g, t, evaluations)."""
    d_norm = float(np.max(np.abs(d)))
    f_new, g_new = obj(x, t, d)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[Any] = []
    bracket_f: list[Any] = []
    bracket_g: list[Any] = []
    bracket_gtd: list[Any] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new, gtd_new
        f_new, g_new = obj(x, t, d)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    return _zoom(obj, x, d, f, gtd, c1, c2, tolerance_change, max_ls, d_norm, done, ls_iter,
                 ls_func_evals, bracket, bracket_f, bracket_g, bracket_gtd)  # fmt: skip


def _zoom(obj, x, d, f, gtd, c1, c2, tolerance_change, max_ls, d_norm, done, ls_iter, evals,
          bracket, bracket_f, bracket_g, bracket_gtd):  # fmt: skip
    """The zoom phase of `_strong_wolfe` (torch's second loop)."""
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])  # fmt: skip
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else (
                    min(bracket) + eps)  # fmt: skip
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], evals


def _direction(st: dict, flat_grad: Array, history_size: int) -> Array:
    """The next search direction: −g on the first iteration, else the two-loop recursion
    over the stored curvature pairs (which it updates with the last step's pair)."""
    if st["n_iter"] == 1:
        st.update(old_dirs=[], old_stps=[], ro=[], H_diag=1)
        return -flat_grad
    y = flat_grad - st["prev_flat_grad"]
    s = st["d"] * st["t"]
    ys = _dot(y, s)
    if ys > 1e-10:
        if len(st["old_dirs"]) == history_size:
            for key in ("old_dirs", "old_stps", "ro"):
                st[key].pop(0)
        st["old_dirs"].append(y)
        st["old_stps"].append(s)
        st["ro"].append(1.0 / ys)
        st["H_diag"] = ys / _dot(y, y)
    dirs, stps, ro = st["old_dirs"], st["old_stps"], st["ro"]
    al = [0.0] * len(dirs)
    q = -flat_grad
    for i in range(len(dirs) - 1, -1, -1):
        al[i] = _dot(stps[i], q) * ro[i]
        q = q + (-al[i]) * dirs[i]
    r = q * st["H_diag"]
    for i in range(len(dirs)):
        be_i = _dot(dirs[i], r) * ro[i]
        r = r + (al[i] - be_i) * stps[i]
    return r


def lbfgs_lane(x: Array, loss: float, flat_grad: Array, state: dict, h: dict, oracle) -> tuple:
    """One torch `LBFGS.step(closure)` of one lane from x (loss and gradient already known):
    the new x and the new state."""
    st = {**state, **{k: list(state[k]) for k in ("old_dirs", "old_stps", "ro") if k in state}}
    st.setdefault("func_evals", 0)
    st.setdefault("n_iter", 0)
    lr, max_iter, tol_grad, tol_change = h["lr"], h["max_iter"], h["tolerance_grad"], h[
        "tolerance_change"]  # fmt: skip
    max_eval = h["max_eval"] if h["max_eval"] is not None else max_iter * 5 // 4
    current_evals = 1
    st["func_evals"] += 1
    if np.max(np.abs(flat_grad)) <= tol_grad:
        return x, st

    def evaluate(p):  # torch's closure: the loss and the gradient at p
        f, g = oracle.value_and_grad(p)
        return np.float64(f), np.asarray(g, dtype=np.float64)

    def closure_at(x0, t, d):  # torch's _directional_evaluate
        return evaluate(x0 + t * d)

    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        st["n_iter"] += 1
        d = _direction(st, flat_grad, h["history_size"])
        st["prev_flat_grad"], st["prev_loss"] = flat_grad, loss
        t = min(1.0, 1.0 / np.sum(np.abs(flat_grad))) * lr if st["n_iter"] == 1 else lr
        st["d"], st["t"] = d, t
        gtd = _dot(flat_grad, d)
        if gtd > -tol_change:
            break
        if h["line_search_fn"] == "strong_wolfe":
            loss, flat_grad, t, ls_evals = _strong_wolfe(
                closure_at, x, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
            )
            st["t"] = t
            x = x + t * d
            opt_cond = np.max(np.abs(flat_grad)) <= tol_grad
        else:
            x = x + t * d
            ls_evals = 0
            opt_cond = False
            if n_iter != max_iter:
                loss, flat_grad = evaluate(x)
                opt_cond = np.max(np.abs(flat_grad)) <= tol_grad
                ls_evals = 1
        current_evals += ls_evals
        st["func_evals"] += ls_evals
        if n_iter == max_iter or current_evals >= max_eval or opt_cond:
            break
        if np.max(np.abs(d * t)) <= tol_change or abs(loss - st["prev_loss"]) < tol_change:
            break
    return x, st


def lbfgs_rule(p, g, s, t, h, lr, oracle=None):
    """One torch LBFGS step (up to max_iter iterations) for every lane of p (..., d).

    H⁻¹g from the last history_size pairs (s, y) by the two-loop recursion; the first step is
    min(1, 1/‖g‖₁)·lr along −g; each later one lr along the quasi-Newton direction, or the step
    torch's strong-Wolfe line search finds. Keras has no L-BFGS.
    """
    if oracle is None:
        raise ValueError("lbfgs needs the loss at new points: run it in a race, or full batch")
    shape = p.shape
    flat_p, flat_g = p.reshape(-1, shape[-1]), g.reshape(-1, shape[-1])
    lanes = flat_p.shape[0]
    per = {k: _lanes(v, shape, lanes) for k, v in h.items()}
    rates = _lanes(lr, shape, lanes)
    losses = np.asarray(oracle.value(flat_p), dtype=np.float64).reshape(-1)
    out = np.empty_like(flat_p)
    states = []
    for i in range(lanes):
        hi = {k: v[i] for k, v in per.items()}
        hi["lr"] = rates[i]
        lane = oracle.lane(i, shape)
        try:
            with np.errstate(all="ignore"):
                x, st = lbfgs_lane(flat_p[i], losses[i], flat_g[i], s["lbfgs"][i], hi, lane)
        except (ArithmeticError, ValueError):  # what torch turns into inf or NaN: the lane stops
            x, st = np.full_like(flat_p[i], np.nan), s["lbfgs"][i]
        out[i] = x
        states.append(st)
    return out.reshape(shape), {"lbfgs": tuple(states)}


def _lanes(v: Any, shape: tuple[int, ...], lanes: int) -> list[Any]:
    """A hyperparameter (scalar, or aligned with p's leading axes) as one value per lane."""
    a = np.asarray(v)
    if a.ndim == 0:
        item = v if a.dtype == object else a.item()
        return [item] * lanes
    flat = np.broadcast_to(a, shape[:-1] + (1,) * (a.ndim - len(shape) + 1)).reshape(-1)
    return [x.item() if hasattr(x, "item") else x for x in flat]

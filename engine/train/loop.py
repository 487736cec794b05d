"""The training loop: one `Trainer` steps every lane through the same minibatches, checks
for divergence and early stopping, and hands rows to the recorders; `initial_params` and
`batch_order` give a run's starting weights and minibatches to replay it elsewhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from engine import losses, mlp
from engine.train.config import DIVERGE_GRAD_NORM, DIVERGE_LOSS_FACTOR, check
from engine.train.lanes import (
    LANE_BUDGET,
    Evaluator,
    Group,
    Layout,
    LossOracle,
    Work,
    cycled_overrides,
    lane_schedules,
    rule_of,
)
from engine.train.record import Chunk, Histograms, Rows, Status, grid_points, grid_values, run_meta

Array = np.ndarray


def streams(seed: int) -> list[np.random.Generator]:
    """Independent streams for the initial weights, the shuffles and the dropout masks, so
    that switching dropout on changes neither the initial weights nor the batch order."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]


def initial_params(config: Mapping[str, Any], rng_seed: int = 0) -> dict[str, Array]:
    """The initial weights every lane of `train(config, rng_seed)` starts from (no lanes axis)."""
    plan = check(config)
    rng = streams(int(rng_seed))[0]
    return mlp.init(
        plan["sizes"], plan["activation"], plan["init"], rng, batch_norm=plan["batch_norm"]
    )


def batch_order(rng_seed: int, n: int, batch_size: int, epochs: int) -> list[list[Array]]:
    """The minibatch indices of every epoch of a run (to replay it elsewhere, e.g. in torch).

    One permutation per epoch from the shuffle stream; a full batch uses the stored order.
    """
    rng = streams(int(rng_seed))[1]
    size = min(batch_size, n)
    out = []
    for _ in range(epochs):
        order = np.arange(n) if size >= n else rng.permutation(n)
        out.append([order[i : i + size] for i in range(0, n, size)])
    return out


def train_chunks(plan: dict[str, Any], seed: int) -> Iterator[Chunk]:
    tr = Trainer(plan, seed)
    with np.errstate(all="ignore"):  # diverging lanes overflow; they are caught and frozen
        tr0 = tr.record(0, np.ones(tr.L, dtype=bool), None, None, None)[0]
        tr.set_loss_limit(tr0)
        tr.grid(0)
        yield tr.rows.flush(meta=tr.meta)
        for epoch in range(1, plan["epochs"] + 1):
            if tr.epoch(epoch):
                break
            if tr.rows.n_rows >= plan["chunk_epochs"]:
                yield tr.rows.flush()
        yield tr.rows.flush(**tr.finish(epoch))


class Trainer:
    """The state of a run between iterations (`train_chunks` drives it epoch by epoch).

    Lanes are kept grouped by optimizer name (internal order `perm`); everything leaving the
    trainer is put back in the caller's order.
    """

    def __init__(self, plan: dict[str, Any], seed: int):
        self.plan = plan
        self._data(plan)
        specs = plan["specs"]
        self._group_lanes(specs)
        init_rng, self.shuffle_rng, self.drop_rng = streams(seed)
        p0 = mlp.init(
            plan["sizes"],
            self.act,
            plan["init"],
            init_rng,
            batch_norm=plan["batch_norm"],
            lanes=self.L,
        )
        self._buffers(p0)
        self.scheds = lane_schedules(specs, self.perm, plan["epochs"] * self.iters_per_epoch)
        self.fixed_lr = None
        if all(specs[i]["schedule"]["name"] == "constant" for i in self.perm):
            self.fixed_lr = np.array([float(rule(0.0)) for rule, _ in self.scheds])
        self.status = Status(self.L)
        self.t = 0
        # A full batch is used in its stored order (no shuffle); without dropout or batch norm
        # the epoch-end evaluation of the training set doubles as the next forward pass.
        self.reuse = self.batch_size >= self.n and not plan["dropout"] and not plan["batch_norm"]
        self.cache = None
        self.evaluators: dict[Any, Evaluator] = {}
        self._recorders(plan, p0)

    def _data(self, plan: dict[str, Any]) -> None:
        """The training and validation sets, their targets and labels, the loss settings."""
        self.X, self.Xv, self.task = plan["X"], plan["Xv"], plan["task"]
        self.act, self.lossf = plan["activation"], plan["loss"]
        name, k = self.lossf.name, plan["n_classes"]
        ys = (plan["y"], plan["yv"])
        self.T, self.T_val = (losses.targets(name, y, self.task, k) for y in ys)
        self.labels = None
        if self.task != "regression":
            self.labels = (plan["y"].astype(np.int64), plan["yv"].astype(np.int64))
        self.L, self.n, self.batch_size = len(plan["specs"]), len(self.X), plan["batch_size"]
        self.dropout, self.l1, self.l2 = plan["dropout"], plan["l1"], plan["l2"]
        self.iters_per_epoch = -(-self.n // self.batch_size)
        self.sum_loss = self.lossf.name == "sse"
        self.lane_ones = np.ones(self.L)

    def _group_lanes(self, specs: list[dict[str, Any]]) -> None:
        """Lanes grouped by update rule (internal order `perm`, `inv` to undo it)."""
        by_name: dict[str, list[int]] = {}
        for i, s in enumerate(specs):
            by_name.setdefault(rule_of(s["name"]), []).append(i)
        self.perm = np.array([i for m in by_name.values() for i in m])
        self.inv = np.argsort(self.perm)
        ends = np.cumsum([0] + [len(m) for m in by_name.values()])
        self.groups = [
            Group(nm, m, specs, int(a), int(b))
            for (nm, m), a, b in zip(by_name.items(), ends[:-1], ends[1:], strict=True)
        ]
        self.closure = any(gr.vector for gr in self.groups)  # an L-BFGS lane

    def _buffers(self, p0: dict[str, Array]) -> None:
        """The weights and gradients of every lane in (lanes, P) buffers, and their views."""
        self.lay = Layout(p0, self.L)
        # The weights live in one (lanes, P) buffer updated in place, so the per-layer views
        # are made once; `version` counts the updates.
        self.flat = self.lay.flatten(p0)
        self.views = self.lay.layers(self.flat)
        self.wb = self.lay.blocks(self.flat)  # [W; b] blocks: the bias rides in the matmul
        self.X1 = np.concatenate([self.X, np.ones((self.n, 1))], axis=1)
        self.version = 0
        # The gradient of every lane is written into one (lanes, P) buffer, layer by layer
        # (matmul with out= into the [dW; db] block views), reused every iteration.
        self.gbuf = np.zeros_like(self.flat)
        self.gwb = self.lay.blocks(self.gbuf)
        self.work: dict[int, Work] = {}
        self.slots = [dict(g.opt.init(self.flat[g.a : g.b]).slots) for g in self.groups]
        self.running = mlp.init_running(p0) if self.plan["batch_norm"] else None
        self.best_flat, self.best_running = self.flat.copy(), self.running

    def _recorders(self, plan: dict[str, Any], p0: dict[str, Array]) -> None:
        """Histograms (ranges from the initial weights), grid points, meta and rows."""
        bounds = [
            max(2.0 * float(np.abs(p0[f"W{i}"][0]).max()), 0.5)
            for i in range(1, self.lay.n_layers + 1)
        ]
        self.hist = Histograms(self.lay, bounds, plan["hist_bins"])
        self.grid_pts = grid_points(plan)
        self.meta = run_meta(
            plan, plan["specs"], self.iters_per_epoch, self.lay, self.hist.edges, self.grid_pts
        )
        self.rows = Rows(self.inv)

    # ------------------------------------------------------------------ one iteration
    def _set(self, new):
        np.copyto(self.flat, new)
        self.version += 1

    def _work(self, m: int) -> Work:
        if m not in self.work:
            self.work[m] = Work(self.plan["sizes"], self.L, m)
        return self.work[m]

    def _lane_blocks(self, m: int) -> list[tuple[int, int]]:
        """Blocks of lanes whose activations for m examples fit LANE_BUDGET floats: the
        matmuls of one block then run on operands in the cache (the same GEMM calls that one
        batched matmul makes lane by lane, so the same bits)."""
        per_lane = m * sum(3 * w + 1 for w in self.plan["sizes"][1:])
        lb = max(1, min(self.L, LANE_BUDGET // per_lane))
        return [(lo, min(lo + lb, self.L)) for lo in range(0, self.L, lb)]

    def _pass(self, X1, T, masks=None, labels=None, grad=True):
        """Forward, loss and (with `grad`) backward for every lane without batch
        normalization, into the work buffers and the gradient buffer: (loss per lane,
        accuracy per lane or None). The bias rides in the matmul: X1 and each hidden
        activation carry a trailing column of ones (mlp.forward_layers' `wb` form)."""
        m, act, nl = X1.shape[0], self.act, len(self.wb)
        w = self._work(m)
        blocks = self._lane_blocks(m) if self.L > 1 else ((0, 1),)
        terms = None  # the loss terms of every block, reduced at once (the same bits)
        acc = None if labels is None else np.empty(self.L)
        for lo, hi in blocks:
            wb = self.wb if hi - lo == self.L else [x[lo:hi] for x in self.wb]
            a, inputs, zs, acts = X1, [X1], [], []
            for i in range(nl):
                z = w.z[i] if hi - lo == self.L else w.z[i][lo:hi]
                np.matmul(a, wb[i], out=z)
                if i == nl - 1:
                    break
                a = w.a[i] if hi - lo == self.L else w.a[i][lo:hi]
                if masks is None:
                    acts.append(act.into(z, a[..., :-1]))
                else:
                    acts.append(act.fn(z))
                    np.multiply(acts[-1], masks[i], out=a[..., :-1])
                inputs.append(a)
                zs.append(z)
            part, dz = self.lossf.parts(z, T, grad)
            if len(blocks) == 1:
                terms = part
            else:
                if terms is None:
                    terms = np.empty((self.L, *part.shape[1:]))
                terms[lo:hi] = part
            if labels is not None:
                acc[lo:hi] = mlp.accuracy(self.lossf, z, labels)
            if not grad:
                continue
            gwb = self.gwb if hi - lo == self.L else [x[lo:hi] for x in self.gwb]
            for i in range(nl - 1, -1, -1):
                np.matmul(inputs[i].swapaxes(-1, -2), dz, out=gwb[i])
                if i == 0:
                    break
                k = i - 1
                da = w.da[k] if hi - lo == self.L else w.da[k][lo:hi]
                np.matmul(dz, wb[i][..., :-1, :].swapaxes(-1, -2), out=da)
                if masks is not None:
                    np.multiply(da, masks[k], out=da)
                dz = act.backward(da, zs[k], acts[k])
        return self.lossf.finish(terms), acc

    def _forward_backward(self, idx):
        """(loss per lane, gradient (lanes, P)) at minibatch `idx` (None: the whole set);
        the gradient is the trainer's buffer, valid until the next call."""
        flat = self.flat
        if self.cache is not None and self.cache == self.version:
            value = self.cache_value  # evaluate() did this pass (a full batch)
        else:
            masks = None
            if self.dropout:
                size = self.n if idx is None else len(idx)
                widths = self.plan["sizes"][1:-1]
                masks = mlp.dropout_masks(self.drop_rng, self.dropout, size, widths)
            if idx is None:
                X1, T = self.X1, self.T
            else:
                X1, T = np.take(self.X1, idx, axis=0, out=self._work(len(idx)).x), self.T[idx]
            if self.running is None:
                value = self._pass(X1, T, masks)[0]
            else:
                bn = {"bn_eps": self.plan["bn_eps"]}
                trace = mlp.forward_layers(self.views, X1, self.act, masks=masks, wb=self.wb, **bn)
                value, dout = self.lossf(trace.out, T)
                grads = mlp.backward_layers(self.views, trace, dout, self.act, wb=self.wb)[0]
                L = self.L
                parts = [a.reshape(L, -1) for la in grads for a in la if a is not None]
                np.concatenate(parts, axis=1, out=self.gbuf)
                running = mlp.update_running(self.running, trace, self.plan["bn_momentum"])
                if not self.status.all_active:  # a stopped lane keeps its statistics
                    keep = self.status.active[:, None]
                    running = {r: np.where(keep, v, self.running[r]) for r, v in running.items()}
                self.running = running
        g = self.gbuf
        l1, l2 = self.l1, self.l2
        if l1 or l2:
            wm = self.lay.wmask
            value = value + l1 * (np.abs(flat) @ wm) + l2 * ((flat * flat) @ wm)
            g += (l1 * np.sign(flat) + 2.0 * l2 * flat) * wm
        return value, g

    def _advance(self, i, gr, dst, g, lr_col, over=None):
        """Group i's update of flat[a:b] written into dst[a:b]; its slots replaced."""
        a, b = gr.a, gr.b
        rows, oracle = self.flat[a:b], None
        if gr.vector:  # L-BFGS: the full-batch loss at its trial points (its closure)
            rows, oracle = rows.copy(), LossOracle(self._lane_loss, self.pass_value, a)
        new, slots = gr.opt.advance(
            rows, g[a:b], self.slots[i], self.t, lr_col[a:b], oracle=oracle, over=over
        )
        dst[a:b] = new
        # a slot may be the gradient itself (sgd's first momentum buffer): that buffer is
        # overwritten next iteration, so such a slot gets its own copy
        for k, v in slots.items():
            if isinstance(v, np.ndarray) and np.may_share_memory(v, g):
                slots[k] = v.copy()
        self.slots[i] = slots

    def _lane_loss(self, j: int, x: Array) -> tuple[float, Array]:
        """Lane j's full-batch loss and gradient at weights x (its row set, then restored)."""
        keep = self.flat[j].copy()
        self.flat[j] = x
        self.version += 1
        value, g = self._forward_backward(None)
        out = float(value[j]), g[j].copy()
        self.flat[j] = keep
        self.version += 1
        return out

    def _update(self, g, lr_col, over):
        flat, status = self.flat, self.status
        if self.closure:  # L-BFGS' closure reuses the gradient buffer
            g = g.copy()
        if status.all_active:  # each group reads its rows, then its new rows are written back
            for i, gr in enumerate(self.groups):
                self._advance(i, gr, flat, g, lr_col, over[i])
            self.version += 1
            return
        new = np.empty_like(flat)
        for i, gr in enumerate(self.groups):
            self._advance(i, gr, new, g, lr_col, over[i])
        keep = status.active[:, None]  # frozen lanes keep their weights (diverged ones: zeros)
        new = np.where(keep, new, np.where(status.finite[:, None], flat, 0.0))
        for i, gr in enumerate(self.groups):
            kk = keep[gr.a : gr.b]
            self.slots[i] = {
                s: np.where(kk, v, 0.0) if isinstance(v, np.ndarray) else v
                for s, v in self.slots[i].items()
            }
        if self.running is not None:
            finite = status.finite[:, None]  # a diverged lane's statistics start over
            self.running = {
                r: np.where(finite, v, 0.0 if r.startswith("mean") else 1.0)
                for r, v in self.running.items()
            }
        self._set(new)

    def iterate(self, idx, lr) -> Array:
        """One update of every lane on minibatch `idx` (None: the whole set) at rate `lr` (a
        number or one per lane), without schedules, records or divergence checks (the LR
        range test drives the trainer this way; `epoch` does its own); the loss per lane
        before the update (the minibatch loss at the weights the gradient was taken at)."""
        self.t += 1
        value, g = self._forward_backward(idx)
        value = value.copy()
        if self.closure:
            self.pass_value = value.copy()  # L-BFGS' loss at the current weights
        lr_col = np.broadcast_to(np.asarray(lr, dtype=np.float64), (self.L,))[:, None]
        self._update(g, np.ascontiguousarray(lr_col), [None] * len(self.groups))
        return value

    # ------------------------------------------------------------------ one epoch
    def _rates(self, per_epoch: int) -> tuple[Array, list]:
        """This epoch's rate per iteration and lane, and per group the momentum or β₁ that a
        schedule sets (None: no schedule of the group cycles it)."""
        if self.fixed_lr is not None:  # constant rates: no schedule (nor a cycled momentum)
            return np.broadcast_to(self.fixed_lr, (per_epoch, self.L)), [None] * len(self.groups)
        lrs = np.empty((per_epoch, self.L))
        steps = np.arange(self.t, self.t + per_epoch, dtype=np.float64)
        for j, (rule, state) in enumerate(self.scheds):
            lrs[:, j] = state.lr if state is not None else rule(steps)
        return lrs, cycled_overrides(self.groups, self.scheds, steps)

    def epoch(self, epoch: int) -> bool:
        """Train one epoch and record it; True when the run is over."""
        status, per_epoch, size, L = self.status, self.iters_per_epoch, self.batch_size, self.L
        order = None if size >= self.n else self.shuffle_rng.permutation(self.n)
        lrs, cycled = self._rates(per_epoch)
        lr_cols = lrs[:, :, None]
        it_loss = np.full((per_epoch, L), np.nan)
        gsum = np.zeros((L, self.lay.n_layers))
        was_active = status.active.copy()
        for it in range(per_epoch):
            self.t += 1
            idx = None if order is None else order[it * size : (it + 1) * size]
            value, g = self._forward_backward(idx)
            if self.closure:
                self.pass_value = value.copy()  # L-BFGS' loss at the current weights
            if not status.all_active:
                value = np.where(status.active, value, np.nan)
            it_loss[it] = value
            gn = np.sqrt((g * g) @ self.lay.wsel)
            gsum += gn
            gmax = gn.max(axis=1)
            total = value @ self.lane_ones
            # one scalar test in the common case: every loss finite and below its limit
            if (
                not (np.isfinite(total) and (value <= self.loss_limit).all())
                or (gmax > DIVERGE_GRAD_NORM).any()
            ):
                self._diverge_check(epoch, value, gmax)
            over = (
                [c and {k: v[it] for k, v in c.items()} for c in cycled] if any(cycled) else cycled
            )
            self._update(g, lr_cols[it], over)
        if not was_active.all():
            it_loss[:, ~was_active] = np.nan
        self.rows.add_iterations(np.arange(self.t - per_epoch + 1, self.t + 1), it_loss, lrs)
        batch_loss = losses.ones(per_epoch) @ it_loss / per_epoch
        tr, va, vaa = self.record(epoch, was_active, batch_loss, gsum / per_epoch, lrs[-1])
        monitor = va if len(self.Xv) else tr
        if not np.isfinite(monitor @ self.lane_ones) or (monitor > self.loss_limit).any():
            before = status.finite.copy()
            self._diverge_check(epoch, monitor, None)
            self.rows.blank_last(before & ~status.finite)
        for j, (rule, state) in enumerate(self.scheds):
            if state is not None and status.active[j]:
                # mode "max" watches the validation accuracy (checked: a classification run
                # with a validation set); "min" the monitored loss
                metric = vaa[j] if rule.mode == "max" else monitor[j]
                self.scheds[j] = (rule, rule.update(state, metric))
        last = epoch == self.plan["epochs"]
        self._early_stopping(epoch, monitor, vaa, last)
        self.rows.data["active"][-1] = status.active.copy()
        every = self.plan["grid_every"]
        over = last or not status.active.any()
        if over or (every and epoch % every == 0) or (status.active != was_active).any():
            self.grid(epoch)
        return over

    def set_loss_limit(self, train_loss0):
        """The loss past which a lane counts as diverged (from its untrained training loss)."""
        base = np.where(np.isfinite(train_loss0), np.maximum(np.abs(train_loss0), 1.0), np.inf)
        self.loss_limit = DIVERGE_LOSS_FACTOR * base
        self.meta["divergence"] = {
            "loss_factor": DIVERGE_LOSS_FACTOR,
            "loss_limit": [float(v) for v in self.loss_limit[self.inv]],
            "grad_norm": DIVERGE_GRAD_NORM,
        }

    def _diverge_check(self, epoch, loss, gmax):
        """Mark the active lanes whose loss or gradient norm has blown up (see the docstring)."""
        status = self.status
        nonfinite = ~np.isfinite(loss)
        big = ~nonfinite & (loss > self.loss_limit)
        steep = np.zeros(self.L, dtype=bool) if gmax is None else ~(gmax <= DIVERGE_GRAD_NORM)
        bad = status.active & (nonfinite | big | steep)
        if not bad.any():
            return
        reason = np.where(nonfinite, "non_finite", np.where(big, "loss", "grad_norm"))
        value = np.where(big | nonfinite, loss, np.inf if gmax is None else gmax)
        status.diverge(bad, epoch, self.t, self.rows, self.perm, reason, value)

    def _early_stopping(self, epoch, monitor, val_acc, last):
        status, es = self.status, self.plan["early_stopping"]
        improved = status.active & (monitor < status.best - (es["min_delta"] if es else 0.0))
        if improved.any():
            status.best = np.where(improved, monitor, status.best)
            status.best_acc = np.where(improved, val_acc, status.best_acc)
            status.best_epoch = np.where(improved, epoch, status.best_epoch)
            self.best_flat[improved] = self.flat[improved]
        if self.running is not None and improved.any():
            self.best_running = {
                r: np.where(improved[:, None], v, self.best_running[r])
                for r, v in self.running.items()
            }
        if not es:
            return
        status.wait = np.where(improved, 0, status.wait + 1)
        # Keras' EarlyStopping: an epoch that improved never stops (patience 0 included)
        stop = status.active & ~improved & (status.wait >= es["patience"])
        restore = (stop | (status.active & last)) & es["restore_best"]
        if restore.any():
            keep = restore[:, None]
            self._set(np.where(keep, self.best_flat, self.flat))
            if self.running is not None:
                self.running = {
                    r: np.where(keep, self.best_running[r], v) for r, v in self.running.items()
                }
            status.restored |= restore
        if stop.any():
            status.stop(stop, epoch, self.t, self.rows, self.perm)

    # ------------------------------------------------------------------ measurements
    def evaluate(self, grad=False):
        """(train loss, train acc, val loss, val acc) per lane, evaluation mode. With `grad`
        (an iteration follows), a full batch's pass also leaves its gradient in gbuf."""
        out = []
        for j, (Xe, Te) in enumerate(((self.X, self.T), (self.Xv, self.T_val))):
            n = len(Xe)
            if not n:
                out += [np.full(self.L, np.nan)] * 2
                continue
            labels = None if self.labels is None else self.labels[j]
            if self.reuse and j == 0:  # the next iteration's pass: forward and backward now
                loss, acc = self._pass(self.X1, Te, labels=labels, grad=grad)
                self.cache, self.cache_value = (self.version if grad else None), loss
            else:
                loss, acc = self._eval_blocks(self._evaluator(j, Xe), Te, labels)
            out += [loss, np.full(self.L, np.nan) if acc is None else acc]
        return out

    def _eval_blocks(self, ev, T, labels):
        """Loss and accuracy per lane from the evaluator's blocks: the loss terms of every
        block gathered and reduced once, the hits counted (the bits of one whole block)."""
        terms, hits = None, None if labels is None else np.zeros(self.L, dtype=np.int64)
        for lanes, rows, z in ev.blocks(self.flat, self.act, self.running, self.plan["bn_eps"]):
            part = self.lossf.parts(z, T[rows], False)[0]
            if ev.whole:
                terms = part
            else:
                if terms is None:
                    terms = np.empty((self.L, len(T), *part.shape[2:]))
                terms[lanes, rows] = part
            if hits is not None:
                hits[lanes] += np.count_nonzero(
                    losses.predict(self.lossf.name, z) == labels[rows], axis=-1
                )
        return self.lossf.finish(terms), None if hits is None else hits / len(T)

    def _evaluator(self, key, X):
        if key not in self.evaluators:
            self.evaluators[key] = Evaluator(X, self.lay, self.plan["sizes"])
        return self.evaluators[key]

    def record(self, epoch, was_active, batch_loss, gnorm, lr_last):
        flat, lay, nan = self.flat, self.lay, np.full(self.L, np.nan)
        tr, tra, va, vaa = self.evaluate(epoch < self.plan["epochs"])
        sq = flat * flat
        pen = np.zeros(self.L)
        if self.plan["l1"] or self.plan["l2"]:
            pen = self.plan["l1"] * (np.abs(flat) @ lay.wmask) + self.plan["l2"] * (sq @ lay.wmask)
        gnorm = np.full((self.L, lay.n_layers), np.nan) if gnorm is None else gnorm
        values = (tr, va, tra, vaa, nan if batch_loss is None else batch_loss, pen)
        values += (nan if lr_last is None else lr_last, gnorm, np.sqrt(sq @ lay.wsel))
        # a lane that diverged in this epoch shows nothing from it on (its weights are zeroed)
        shown = was_active if self.status.finite.all() else was_active & self.status.finite
        self.rows.add(epoch, self.t, shown, *values, self.hist(flat))
        return tr, va, vaa

    def grid(self, epoch):
        if self.grid_pts is None:
            return
        ev, z = self._evaluator("grid", self.grid_pts["points"]), None
        for lanes, rows, zb in ev.blocks(self.flat, self.act, self.running, self.plan["bn_eps"]):
            if z is None:
                z = np.empty((self.L, len(self.grid_pts["points"]), zb.shape[-1]))
            z[lanes, rows] = zb
        g = grid_values(self.lossf.name, self.task, z, self.grid_pts["shape"])
        for key in ("values", "confidence"):
            if g[key] is not None:
                g[key] = g[key][self.inv]
                g[key][~self.status.finite[self.inv]] = np.nan
        self.rows.grids.append({"epoch": epoch, **g})

    def finish(self, epoch):
        final = self.evaluate()
        summary = self.status.summary(
            self.plan["specs"], self.perm, epoch, self.t, final, bool(len(self.Xv))
        )
        params = {k: v[self.inv] for k, v in self.lay.unflatten(self.flat).items()}
        running = None
        if self.running is not None:
            running = {k: v[self.inv] for k, v in self.running.items()}
        return {"summary": summary, "params": params, "running": running}

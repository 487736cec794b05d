"""What a run reports: `Chunk` (finished epochs and their iterations), the lanes' status and
summary, the rows, weight histograms, decision-boundary grids and the first chunk's meta."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import losses, registry
from engine.train.lanes import Layout

Array = np.ndarray


@dataclass(frozen=True)
class Chunk:
    """Finished epochs (rows) and their iterations, for every lane."""

    epochs: Array  # (E,) epoch numbers (0: before training)
    iteration: Array  # (E,) iterations done at the end of each epoch
    train_loss: Array  # (E, L) data loss on the whole training set, evaluation mode
    val_loss: Array  # (E, L)
    train_acc: Array  # (E, L) NaN for regression
    val_acc: Array  # (E, L)
    batch_loss: Array  # (E, L) mean minibatch loss of the epoch, with penalty (Keras' "loss")
    penalty: Array  # (E, L) l1·Σ|W| + l2·ΣW² at the end of the epoch
    lr: Array  # (E, L) learning rate of the epoch's last update
    grad_norm: Array  # (E, L, layers) mean over the epoch's iterations of ‖∂L/∂Wₗ‖
    weight_norm: Array  # (E, L, layers) ‖Wₗ‖ at the end of the epoch
    hist: Array  # (E, L, layers, bins) weight counts in meta["hist_edges"]
    active: Array  # (E, L) lane still training after this epoch
    it_index: Array  # (I,) iteration numbers (1-based) of the iterations in these epochs
    it_loss: Array  # (I, L) minibatch loss (with penalty) before each update
    it_lr: Array  # (I, L) learning rate of each update
    grids: tuple[dict[str, Any], ...] = ()
    events: tuple[dict[str, Any], ...] = ()
    meta: dict[str, Any] | None = None
    summary: tuple[dict[str, Any], ...] | None = None
    params: dict[str, Array] | None = None  # final weights (lanes, ...), last chunk only
    running: dict[str, Array] | None = None  # final batch-norm running statistics

    @property
    def rows(self) -> int:
        return len(self.epochs)


ROW_FIELDS = (
    "epochs",
    "iteration",
    "train_loss",
    "val_loss",
    "train_acc",
    "val_acc",
    "batch_loss",
    "penalty",
    "lr",
    "grad_norm",
    "weight_norm",
    "hist",
    "active",
)


IT_FIELDS = ("it_index", "it_loss", "it_lr")


class Status:
    """Per internal lane: training or not, why it stopped, and the best monitored loss."""

    def __init__(self, L: int):
        self.all_active = True
        self.active = np.ones(L, dtype=bool)
        self.finite = np.ones(L, dtype=bool)
        self.restored = np.zeros(L, dtype=bool)
        self.best = np.full(L, np.inf)
        self.best_acc = np.full(L, np.nan)
        self.best_epoch = np.zeros(L, dtype=np.int64)
        self.wait = np.zeros(L, dtype=np.int64)
        self.reason = ["max_epochs"] * L
        self.why: list[str | None] = [None] * L  # what made a diverged lane diverge
        self.stopped: list[tuple[int, int] | None] = [None] * L  # (epoch, iteration)

    def _end(self, mask, epoch, t, why, rows, perm, **extra):
        for i in np.flatnonzero(mask):
            self.all_active = False
            self.active[i] = False
            self.reason[i] = why
            self.stopped[i] = (epoch, t)
            event = {"type": why, "lane": int(perm[i]), "epoch": epoch, "iteration": t}
            rows.events.append({**event, **{k: v(i) for k, v in extra.items()}})

    def diverge(self, mask, epoch, t, rows, perm, reason, value):
        self.finite &= ~mask
        for i in np.flatnonzero(mask):
            self.why[i] = str(reason[i])
        self._end(
            mask,
            epoch,
            t,
            "diverged",
            rows,
            perm,
            reason=lambda i: str(reason[i]),
            value=lambda i: float(value[i]),
        )

    def stop(self, mask, epoch, t, rows, perm):
        self._end(
            mask,
            epoch,
            t,
            "early_stop",
            rows,
            perm,
            best_epoch=lambda i: int(self.best_epoch[i]),
            best_val_loss=lambda i: float(self.best[i]),
            restored=lambda i: bool(self.restored[i]),
        )

    def summary(self, specs, perm, epoch, t, final, has_val):
        tr, tra, va, vaa = final
        out: list[dict[str, Any]] = [{}] * len(perm)
        for i, c in enumerate(perm):
            ep, it = self.stopped[i] or (epoch, t)
            fin, best = self.finite[i], self.best[i]
            out[c] = {
                "lane": int(c),
                "label": specs[c]["label"],
                "optimizer": specs[c]["name"],
                "reason": self.reason[i],
                "stopped_epoch": int(ep),
                "iterations": int(it),
                "best_epoch": int(self.best_epoch[i]) if np.isfinite(best) else None,
                "best_val_loss": float(best) if np.isfinite(best) else None,
                "best_val_acc": float(self.best_acc[i]),
                "monitor": "val_loss" if has_val else "train_loss",
                "restored_best": bool(self.restored[i]),
                # the training-set loss after the last epoch, as races' final_loss (and the
                # number the exported scripts print): NaN (null) for a diverged lane
                "final_loss": float(tr[i]) if fin else float("nan"),
                "final_train_loss": float(tr[i]) if fin else float("nan"),
                "final_val_loss": float(va[i]) if fin else float("nan"),
                "final_train_acc": float(tra[i]) if fin else float("nan"),
                "final_val_acc": float(vaa[i]) if fin else float("nan"),
                "diverged_at": (
                    {"epoch": int(ep), "iteration": int(it), "reason": self.why[i]}
                    if self.reason[i] == "diverged"
                    else None
                ),
            }
        return tuple(out)


class Rows:
    """Epoch rows and iterations gathered in the internal lane order, flushed in the caller's."""

    def __init__(self, inv: Array):
        self.inv = inv
        self._reset()

    def _reset(self):
        self.data: dict[str, list] = {f: [] for f in ROW_FIELDS}
        self.its: dict[str, list] = {f: [] for f in IT_FIELDS}
        self.grids: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    @property
    def n_rows(self) -> int:
        return len(self.data["epochs"])

    def add(self, epoch, it_done, was_active, *values):
        """One epoch's row; the arrays are the caller's own (fresh) ones, kept as they are."""
        off = None if was_active.all() else ~was_active
        for name, v in zip(ROW_FIELDS[2:-1], values, strict=True):
            if off is not None:  # lanes frozen before this epoch show NaN
                v = np.array(v, dtype=np.float64)
                v[off] = np.nan
            self.data[name].append(v)
        self.data["epochs"].append(epoch)
        self.data["iteration"].append(it_done)
        self.data["active"].append(was_active.copy())

    def blank_last(self, lanes):
        """NaN in the last epoch row for `lanes` (a mask), e.g. lanes that diverged in it."""
        if not lanes.any():
            return
        for name in ROW_FIELDS[2:-1]:
            v = np.array(self.data[name][-1], dtype=np.float64)
            v[lanes] = np.nan
            self.data[name][-1] = v

    def add_iterations(self, index, loss, lr):
        self.its["it_index"].append(index)
        self.its["it_loss"].append(loss)
        self.its["it_lr"].append(lr)

    def flush(self, **extra) -> Chunk:
        out = {}
        for name, vals in self.data.items():
            a = np.asarray(vals)
            out[name] = a if name in ("epochs", "iteration") else a[:, self.inv]
        L = len(self.inv)
        for name, vals in self.its.items():
            if not vals:
                out[name] = np.zeros((0,) if name == "it_index" else (0, L))
            else:
                a = np.concatenate(vals)
                out[name] = a if name == "it_index" else a[:, self.inv]
        chunk = Chunk(**out, grids=tuple(self.grids), events=tuple(self.events), **extra)
        self._reset()
        return chunk


class Histograms:
    """Counts (lanes, layers, bins) of every weight matrix on fixed edges ±bound per layer,
    all layers in one bincount (the outer bins also count what lies beyond the edges)."""

    def __init__(self, lay: Layout, bounds: list[float], bins: int):
        cols, shift, scale, base = [], [], [], []
        for key, _, a, b in lay.items:
            if key[0] == "W":
                layer = int(key[1:]) - 1
                B = bounds[layer]
                cols.append(np.arange(a, b))
                shift.append(np.full(b - a, B))
                scale.append(np.full(b - a, bins / (2 * B)))
                base.append(np.full(b - a, layer * bins, dtype=np.int64))
        self.cols, self.shift, self.scale, self.base = (
            np.concatenate(v) for v in (cols, shift, scale, base)
        )
        self.shape = (lay.n_layers, bins)
        self.edges = [np.linspace(-B, B, bins + 1) for B in bounds]

    def __call__(self, flat: Array) -> Array:
        L = flat.shape[0]
        nl, bins = self.shape
        x = (flat[:, self.cols] + self.shift) * self.scale
        idx = np.fmin(np.fmax(x, 0.0), bins - 1).astype(np.int64)  # fmax maps NaN to 0
        idx += self.base + (np.arange(L) * (nl * bins))[:, None]
        return np.bincount(idx.ravel(), minlength=L * nl * bins).reshape(L, nl, bins) * 1.0


def grid_points(plan):
    """The inputs of the boundary grid: over the one or two features, or over the two
    `grid_features` of a wider set with every other feature held at its mean."""
    f = plan["X"].shape[1]
    pick = plan.get("grid_features")
    if plan["grid_every"] == 0 or (f > 2 and pick is None):
        return None
    X = np.concatenate([plan["X"], plan["Xv"]])
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    G = plan["grid_size"]
    if f == 1:
        xs = np.linspace(lo[0], hi[0], min(4 * G, 200))
        return {"points": xs[:, None], "shape": (len(xs),), "x": xs, "y": None}
    i, j = pick if f > 2 else (0, 1)
    xs, ys = np.linspace(lo[i], hi[i], G), np.linspace(lo[j], hi[j], G)
    pts = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # row j is y = ys[j]
    if f > 2:
        full = np.broadcast_to(X.mean(axis=0), (len(pts), f)).copy()
        full[:, i], full[:, j] = pts[:, 0], pts[:, 1]
        pts = full
    return {"points": pts, "shape": (G, G), "x": xs, "y": ys, "features": [i, j]}


def grid_values(loss: str, task: str, z: Array, shape) -> dict[str, Any]:
    """What the boundary plot shows: p(class 1), the predicted class, or the value."""
    L = z.shape[0]
    if task == "regression":
        return {"kind": "value", "values": z[..., 0].reshape(L, *shape), "confidence": None}
    link = registry.get("loss", loss).info["link"]
    if link != "identity":
        out = losses.output(loss, z)
    elif loss in ("hinge", "squared_hinge"):
        out = np.clip((z + 1) / 2, 0, 1)  # the margin band ±1 maps onto [0, 1]
    else:
        out = np.clip(z, 0, 1)
    if task == "binary":
        p = out[..., -1]
        return {"kind": "probability", "values": p.reshape(L, *shape), "confidence": None}
    cls = z.argmax(axis=-1).astype(np.float64)
    return {
        "kind": "class",
        "values": cls.reshape(L, *shape),
        "confidence": out.max(axis=-1).reshape(L, *shape),
    }


def run_meta(plan, specs, ipe, lay, hist_edges, grid):
    sizes = plan["sizes"]
    return {
        "lanes": [
            {
                "lane": i,
                "label": s["label"],
                "optimizer": s["name"],
                "params": s["params"],
                "schedule": s["schedule"],
            }
            for i, s in enumerate(specs)
        ],
        "task": plan["task"],
        "n_classes": plan["n_classes"],
        "class_names": plan["class_names"],
        "feature_names": plan["feature_names"],
        "n_train": len(plan["X"]),
        "n_val": len(plan["Xv"]),
        "sizes": sizes,
        "n_params": lay.size,
        "layers": [
            {
                "layer": i,
                "fan_in": a,
                "fan_out": b,
                "activation": plan["activation"].name if i < len(sizes) - 1 else "output",
            }
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1)
        ],
        "loss": plan["loss"].name,
        "monitor": "val_loss" if len(plan["Xv"]) else "train_loss",
        "batch_size": plan["batch_size"],
        "epochs": plan["epochs"],
        "iterations_per_epoch": ipe,
        "total_iterations": plan["epochs"] * ipe,
        "schedule_step": "iteration",
        "hist_edges": hist_edges,
        "grid": None
        if grid is None
        else {
            "x": grid["x"],
            "y": grid["y"],
            "every": plan["grid_every"],
            "features": grid.get("features", list(range(min(2, len(plan["X"][0]))))),
        },
    }

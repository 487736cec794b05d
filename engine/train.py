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
"label", "clip_norm"}), and the reporting knobs grid_every, grid_size, hist_bins,
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
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import activations, losses, mlp, optimizers, registry, schedules
from engine.registry import Param
from engine.simulate import lane_specs, stack_hyperparams

Array = np.ndarray
MAX_LANES = 8
# A lane whose loss grows past this many times its untrained loss (or past this many times 1,
# whichever is larger), or whose gradient norm in any layer passes DIVERGE_GRAD_NORM, is
# marked diverged at that iteration: a run that is blowing up, long before inf or NaN.
DIVERGE_LOSS_FACTOR = 1e4
DIVERGE_GRAD_NORM = 1e6
# Cache blocking (this machine: 2 MB of L2 per core). NumPy's elementwise temporaries and a
# batched matmul's operands stay in the cache when one call touches at most about this much.
LANE_BUDGET = 131_072  # floats of forward/backward activations per block of lanes


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


# The settings of an MLP run, registered (kind "mlp_setting") so that the service's schema
# and the UI's forms come from one table. Rows: name, type, default, low, high, en, ko.
# fmt: off
_SETTINGS = {
    "model": (
        ("Network", "신경망 구조"),
        ("Hidden layers and their activation, initialization, dropout and batch normalization.",
         "은닉층과 활성화 함수, 가중치 초기화, 드롭아웃, 배치 정규화."),
        [
            ("hidden", "int_list", (16, 16), 1, 1024,
             "Widths of the hidden layers (none: a linear model; many: a deep network).",
             "은닉층의 뉴런 수 (없으면 선형 모델, 많으면 깊은 신경망)."),
            ("activation", "choice", "relu", None, None, "Activation of the hidden layers.",
             "은닉층의 활성화 함수."),
            ("init", "choice", "he_normal", None, None, "Weight initialization.",
             "가중치 초기화 방법."),
            ("dropout", "float", 0.0, 0.0, 0.9,
             "Dropout: share of hidden units switched off at random in each training "
             "iteration (all are used at evaluation).",
             "드롭아웃: 훈련 이터레이션마다 무작위로 끄는 은닉 뉴런의 비율 (평가할 때는 모두 "
             "사용)."),
            ("batch_norm", "bool", False, None, None,
             "Batch normalization before each hidden activation.",
             "각 은닉층의 활성화 함수 앞에 배치 정규화를 넣습니다."),
        ],
    ),
    "training": (
        ("Training", "학습 설정"),
        ("Loss, batch size, epochs and the L1/L2 penalties.",
         "손실 함수, 배치 크기, 에포크, L1/L2 규제."),
        [
            ("loss", "choice", "cross_entropy", None, None, "Loss function.", "손실 함수."),
            ("batch_size", "int", 32, 1, 100_000,
             "Examples per update: 1 is stochastic gradient descent, the whole set is batch "
             "gradient descent.",
             "한 번 갱신에 쓰는 데이터 수: 1이면 확률적 경사 하강법(SGD), 전체면 배치 경사 "
             "하강법."),
            ("epochs", "int", 100, 1, 100_000,
             "Passes over the training set; iterations per epoch = ⌈samples / batch size⌉.",
             "훈련 데이터를 몇 번 반복할지 (에포크); 에포크당 이터레이션 수 = ⌈데이터 수 / "
             "배치 크기⌉."),
            ("l1", "float", 0.0, 0.0, 1.0, "L1 penalty l1·Σ|W| on the weights.",
             "가중치에 대한 L1 규제 l1·Σ|W|."),
            ("l2", "float", 0.0, 0.0, 1.0, "L2 penalty l2·ΣW² on the weights (Keras' l2).",
             "가중치에 대한 L2 규제 l2·ΣW² (Keras의 l2)."),
        ],
    ),
    "early_stopping": (
        ("Early stopping", "조기 종료"),
        ("Stop a lane when the validation loss has not improved for `patience` epochs "
         "(Keras EarlyStopping(monitor='val_loss')).",
         "검증 손실이 patience 에포크 동안 나아지지 않으면 그 학습을 멈춥니다 (Keras "
         "EarlyStopping(monitor='val_loss'))."),
        [
            ("patience", "int", 10, 0, 100_000, "Epochs without improvement before stopping.",
             "멈추기 전에 기다리는 에포크 수."),
            ("restore_best", "bool", True, None, None,
             "Go back to the weights of the best epoch.",
             "가장 좋았던 에포크의 가중치로 되돌립니다."),
            ("min_delta", "float", 0.0, 0.0, 10.0,
             "Smallest decrease that counts as an improvement.",
             "개선으로 인정하는 최소 감소량."),
        ],
    ),
    "reporting": (
        ("Reporting", "기록 설정"),
        ("How often the trainer reports decision boundaries, and how finely.",
         "결정 경계를 얼마나 자주, 얼마나 촘촘하게 보낼지."),
        [
            ("grid_every", "int", None, 0, 100_000,
             "Decision-boundary grid every k epochs (0: never; default: about 25 per run).",
             "k 에포크마다 결정 경계 격자 (0: 보내지 않음; 기본값: 한 번에 약 25개)."),
            ("grid_size", "int", 40, 2, 200, "Grid points per axis.", "축마다 격자점 수."),
            ("hist_bins", "int", 20, 2, 200, "Bins of the weight histograms.",
             "가중치 히스토그램의 구간 수."),
            ("chunk_epochs", "int", None, 1, 100_000,
             "Epochs per chunk (default: enough for 32 iterations).",
             "한 묶음에 담는 에포크 수 (기본값: 이터레이션 32개 이상)."),
        ],
    ),
}
# fmt: on
_CHOICES = {
    "activation": activations.names(hidden_only=True),
    "init": registry.names("initializer"),
    "loss": registry.names("loss"),
}
for _name, ((_en, _ko), (_hen, _hko), _rows) in _SETTINGS.items():
    _params = tuple(
        Param(n, t, d, lo, hi, False, tuple(_CHOICES.get(n, ())), en, ko, nullable=d is None)
        for n, t, d, lo, hi, en, ko in _rows
    )
    registry.register(registry.Entry("mlp_setting", _name, _en, _ko, _hen, _hko, _params))


def _field(name: str, cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(f"{name}: {msg}")


def _value(cfg: Mapping[str, Any], entry: str, key: str, default: Any = None) -> Any:
    """cfg[key] checked against the registered parameter (its default if absent)."""
    p = registry.get("mlp_setting", entry).param(key)
    v = cfg.get(key, p.default if default is None else default)
    name = key if entry in ("model", "training", "reporting") else f"{entry}.{key}"
    if p.type == "bool":
        _field(name, isinstance(v, bool | np.bool_), "must be true or false")
        return bool(v)
    if p.type == "choice":
        return v  # names (or {"name", "params"}) are checked by their own registries
    values = list(v) if p.type == "int_list" else [v]
    for x in values:
        ok = isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)
        _field(name, ok and np.isfinite(x), "must be a finite number")
        _field(name, p.low <= x <= p.high, f"must be in [{p.low}, {p.high}]")
        _field(name, p.type == "float" or int(x) == x, "must be an integer")
    if p.type == "int_list":
        return [int(x) for x in values]
    return int(v) if p.type == "int" else float(v)


def output_numbers(plan: Mapping[str, Any]) -> dict[str, int]:
    """How many numbers a run of `plan` (what `check` returns) records, by kind: an upper
    bound that decides its memory and its bytes on the wire. `iterations`: the per-iteration
    losses and rates; `epochs`: the per-epoch rows (losses, accuracies, norms, histograms);
    `grids`: decision-boundary grids (values and confidence)."""
    lanes = len(plan["specs"])
    epochs = plan["epochs"]
    its = epochs * -(-len(plan["y"]) // plan["batch_size"])
    layers = len(plan["sizes"]) - 1
    per_epoch = lanes * (12 + layers * (2 + plan["hist_bins"]))
    every = plan["grid_every"]
    grids = 0
    if every and plan["sizes"][0] <= 2:
        shots = epochs // every + 1 + lanes  # on schedule, the last, and when a lane stops
        grids = min(shots, epochs + 1) * lanes * 2 * plan["grid_size"] ** 2
    return {"iterations": its * (2 * lanes + 1), "epochs": epochs * per_epoch, "grids": grids}


def check(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with defaults filled in; ValueError naming the field if anything is off.

    Model keys may sit at the top level or under "model" (the run request's shape).
    """
    data = config.get("data")
    _field("data", data is not None, "give the arrays: data=datasets.make(name, rng=...)")
    get = data.get if isinstance(data, Mapping) else lambda k, d=None: getattr(data, k, d)
    X, y = np.asarray(get("X_train"), np.float64), np.asarray(get("y_train"))
    task, k = get("task"), int(get("n_classes", 0) or 0)
    _field("data.task", task in losses.TASKS, f"must be one of {list(losses.TASKS)}")
    _field("data", X.ndim == 2 and len(X) == len(y) >= 1, "X_train must be (n, features)")
    Xv = np.asarray(get("X_val"), np.float64).reshape(-1, X.shape[1])
    yv = np.asarray(get("y_val"))
    _field("data", len(Xv) == len(yv), "X_val and y_val differ in length")
    _field("data", np.isfinite(X).all() and np.isfinite(Xv).all(), "features must be finite")
    cfg = {**config, **(config.get("model") or {})}
    hidden = _value(cfg, "model", "hidden")
    loss = cfg.get("loss", "cross_entropy" if task != "regression" else "mse")
    try:
        lossf, act = losses.get(loss), activations.get(_value(cfg, "model", "activation"))
        out = losses.units(lossf.name, task, k)
        init = _value(cfg, "model", "init")
        activations.initialize(init, (1, 1), np.random.default_rng(0))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"model: {e}") from None
    specs = lane_specs(cfg.get("optimizers") or [])
    _field("optimizers", 1 <= len(specs) <= MAX_LANES, f"give 1 to {MAX_LANES} optimizers")
    es = cfg.get("early_stopping")
    if es is not None:
        es = {k: _value(es, "early_stopping", k) for k in ("patience", "restore_best", "min_delta")}
    n = len(y)
    bs = n if cfg.get("batch_size") == "full" else min(_value(cfg, "training", "batch_size"), n)
    epochs = _value(cfg, "training", "epochs")
    ipe = -(-n // bs)
    grid = _value(cfg, "reporting", "grid_every", max(1, epochs // 25) if X.shape[1] <= 2 else 0)
    return {
        "X": X,
        "y": y,
        "Xv": Xv,
        "yv": yv,
        "task": task,
        "n_classes": k,
        "feature_names": list(get("feature_names", ()) or ()),
        "class_names": list(get("class_names", ()) or ()),
        "sizes": [X.shape[1], *hidden, out],
        "activation": act,
        "init": init,
        "loss": lossf,
        "dropout": _value(cfg, "model", "dropout"),
        "batch_norm": _value(cfg, "model", "batch_norm"),
        "l1": _value(cfg, "training", "l1"),
        "l2": _value(cfg, "training", "l2"),
        "batch_size": bs,
        "epochs": epochs,
        "early_stopping": es,
        "specs": _check_specs(specs, epochs * ipe),
        "grid_every": grid,
        "grid_size": _value(cfg, "reporting", "grid_size"),
        "hist_bins": _value(cfg, "reporting", "hist_bins"),
        "chunk_epochs": _value(cfg, "reporting", "chunk_epochs", -(-32 // ipe)),
    }


def _check_specs(specs, total_iters):
    for i, s in enumerate(specs):
        try:
            optimizers.create(s["name"], **s["params"])
            h = registry.resolve("optimizer", s["name"], s["params"])
            name, params = s["schedule"]["name"], s["schedule"]["params"]
            if name == "reduce_on_plateau":
                schedules.ReduceLROnPlateau(**registry.resolve("schedule", name, params))
            else:
                schedules.create(name, h["lr"], steps=total_iters, **params)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"optimizers[{i}]: {e}") from None
    return specs


# --------------------------------------------------------------------------- the run


def train(config: Mapping[str, Any], rng_seed: int = 0) -> Iterator[Chunk]:
    """Check the config now (ValueError naming the field), then train lazily, chunk by chunk."""
    plan = check(config)
    return _train(plan, int(rng_seed))


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


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent streams for the initial weights, the shuffles and the dropout masks, so
    that switching dropout on changes neither the initial weights nor the batch order."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]


def initial_params(config: Mapping[str, Any], rng_seed: int = 0) -> dict[str, Array]:
    """The initial weights every lane of `train(config, rng_seed)` starts from (no lanes axis)."""
    plan = check(config)
    rng = _streams(int(rng_seed))[0]
    return mlp.init(
        plan["sizes"], plan["activation"], plan["init"], rng, batch_norm=plan["batch_norm"]
    )


def batch_order(rng_seed: int, n: int, batch_size: int, epochs: int) -> list[list[Array]]:
    """The minibatch indices of every epoch of a run (to replay it elsewhere, e.g. in torch).

    One permutation per epoch from the shuffle stream; a full batch uses the stored order.
    """
    rng = _streams(int(rng_seed))[1]
    bs = min(batch_size, n)
    out = []
    for _ in range(epochs):
        order = np.arange(n) if bs >= n else rng.permutation(n)
        out.append([order[i : i + bs] for i in range(0, n, bs)])
    return out


def _train(plan: dict[str, Any], seed: int) -> Iterator[Chunk]:
    tr = _Trainer(plan, seed)
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


class _Layout:
    """Where each parameter array of a network lives in a lane's flat row."""

    def __init__(self, template: Mapping[str, Array], lanes: int):
        self.lanes = lanes
        self.items, start = [], 0
        for key, p in template.items():  # arrays with the lanes axis first
            size = int(np.prod(p.shape[1:]))
            self.items.append((key, p.shape[1:], start, start + size))
            start += size
        self.size = start
        n = mlp.n_layers(template)
        self.wsel = np.zeros((start, n))  # column l marks the entries of W(l+1)
        for key, _, a, b in self.items:
            if key[0] == "W":
                self.wsel[a:b, int(key[1:]) - 1] = 1.0
        self.wmask = self.wsel.sum(axis=1)
        self.n_layers = n
        where = {key: (shape, a, b) for key, shape, a, b in self.items}
        self.per_layer = [
            [where.get(f"{name}{i}") for name in ("W", "b", "gamma", "beta")]
            for i in range(1, n + 1)
        ]

    def flatten(self, params: Mapping[str, Array]) -> Array:
        L = self.lanes
        return np.concatenate([params[k].reshape(L, -1) for k, *_ in self.items], axis=1)

    def unflatten(self, flat: Array) -> dict[str, Array]:
        L = flat.shape[0]
        return {k: flat[:, a:b].reshape((L, *shape)) for k, shape, a, b in self.items}

    def blocks(self, flat: Array) -> list[Array]:
        """Views (lanes, fan_in + 1, fan_out) of each layer's contiguous [W; b] block."""
        L = flat.shape[0]
        return [
            flat[:, w[1] : b[2]].reshape(L, w[0][0] + 1, w[0][1]) for w, b, _, _ in self.per_layer
        ]

    def layers(self, flat: Array) -> list[tuple]:
        """(W, b, γ, β) views per layer, as mlp.layers gives them."""
        L = flat.shape[0]
        return [
            tuple(None if w is None else flat[:, w[1] : w[2]].reshape(L, *w[0]) for w in layer)
            for layer in self.per_layer
        ]


# gd is torch's SGD without momentum: its lanes join the sgd group (momentum 0 per lane),
# which saves one optimizer call per iteration when both are raced.
_AS_SGD = {"momentum": 0.0, "dampening": 0.0, "nesterov": False}


def _rule(name: str) -> str:
    return "sgd" if name == "gd" else name


class _Group:
    """Lanes sharing one optimizer rule: hyperparameters stacked, one update call."""

    def __init__(self, name: str, members: list[int], specs: list[dict], a: int, b: int):
        rows = [specs[i] for i in members]
        full = [
            registry.resolve("optimizer", r["name"], r["params"])
            | (_AS_SGD if r["name"] == "gd" else {})
            for r in rows
        ]
        clips = [r.get("clip_norm") for r in rows]
        clip = (
            None
            if all(c is None for c in clips)
            else np.array([np.inf if c is None else c for c in clips], dtype=np.float64)
        )
        self.opt = optimizers.create(name, clip_norm=clip, **stack_hyperparams(full))
        self.a, self.b = a, b


def _schedules(specs, perm, total):
    """Per internal lane: lr_at(t) for an iteration schedule, or a ReduceLROnPlateau."""
    out = []
    for i in perm:
        s = specs[i]
        lr = registry.resolve("optimizer", s["name"], s["params"])["lr"]
        name, params = s["schedule"]["name"], s["schedule"]["params"]
        if name == "reduce_on_plateau":
            rule = schedules.ReduceLROnPlateau(**registry.resolve("schedule", name, params))
            out.append((rule, rule.init(lr)))
        else:
            out.append((schedules.create(name, lr, steps=total, **params), None))
    return out


class _Trainer:
    """The state of a run between iterations (`_train` drives it epoch by epoch).

    Lanes are kept grouped by optimizer name (internal order `perm`); everything leaving the
    trainer is put back in the caller's order.
    """

    def __init__(self, plan: dict[str, Any], seed: int):
        self.plan = plan
        self.X, self.Xv, self.task = plan["X"], plan["Xv"], plan["task"]
        self.act, self.lossf, specs = plan["activation"], plan["loss"], plan["specs"]
        name, k = self.lossf.name, plan["n_classes"]
        self.T, self.Tv = (losses.targets(name, y, self.task, k) for y in (plan["y"], plan["yv"]))
        self.labels = None
        if self.task != "regression":
            self.labels = (plan["y"].astype(np.int64), plan["yv"].astype(np.int64))
        self.L, self.n, self.bs = len(specs), len(self.X), plan["batch_size"]
        self.dropout, self.l1, self.l2 = plan["dropout"], plan["l1"], plan["l2"]
        self.ipe = -(-self.n // self.bs)
        by_name: dict[str, list[int]] = {}
        for i, s in enumerate(specs):
            by_name.setdefault(_rule(s["name"]), []).append(i)
        self.perm = np.array([i for m in by_name.values() for i in m])
        self.inv = np.argsort(self.perm)
        ends = np.cumsum([0] + [len(m) for m in by_name.values()])
        self.groups = [
            _Group(nm, m, specs, int(a), int(b))
            for (nm, m), a, b in zip(by_name.items(), ends[:-1], ends[1:], strict=True)
        ]
        init_rng, self.shuffle_rng, self.drop_rng = _streams(seed)
        p0 = mlp.init(
            plan["sizes"],
            self.act,
            plan["init"],
            init_rng,
            batch_norm=plan["batch_norm"],
            lanes=self.L,
        )
        self.lay = _Layout(p0, self.L)
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
        self.work: dict[int, _Work] = {}
        self.slots = []
        for g in self.groups:
            self.slots.append(dict(g.opt.init(self.flat[g.a : g.b]).slots))
        self.running = mlp.init_running(p0) if plan["batch_norm"] else None
        self.best_flat, self.best_running = self.flat.copy(), self.running
        self.scheds = _schedules(specs, self.perm, plan["epochs"] * self.ipe)
        self.fixed_lr = None
        if all(specs[i]["schedule"]["name"] == "constant" for i in self.perm):
            self.fixed_lr = np.array([float(rule(0.0)) for rule, _ in self.scheds])
        self.st = _Status(self.L)
        self.t = 0
        # A full batch is used in its stored order (no shuffle); without dropout or batch norm
        # the epoch-end evaluation of the training set doubles as the next forward pass.
        self.reuse = self.bs >= self.n and not plan["dropout"] and not plan["batch_norm"]
        self.cache = None
        self.evaluators: dict[Any, _Evaluator] = {}
        self.sum_loss = self.lossf.name == "sse"
        self.lane_ones = np.ones(self.L)
        bounds = [
            max(2.0 * float(np.abs(p0[f"W{i}"][0]).max()), 0.5)
            for i in range(1, self.lay.n_layers + 1)
        ]
        self.hist = _Histograms(self.lay, bounds, plan["hist_bins"])
        self.grid_pts = _grid_points(plan)
        self.meta = _meta(plan, specs, self.ipe, self.lay, self.hist.edges, self.grid_pts)
        self.rows = _Rows(self.inv)

    # ------------------------------------------------------------------ one iteration
    def _set(self, new):
        np.copyto(self.flat, new)
        self.version += 1

    def _work(self, m: int) -> _Work:
        if m not in self.work:
            self.work[m] = _Work(self.plan["sizes"], self.L, m)
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
                trace = mlp.forward_layers(self.views, X1, self.act, masks=masks, wb=self.wb)
                value, dout = self.lossf(trace.out, T)
                grads = mlp.backward_layers(self.views, trace, dout, self.act, wb=self.wb)[0]
                L = self.L
                parts = [a.reshape(L, -1) for la in grads for a in la if a is not None]
                np.concatenate(parts, axis=1, out=self.gbuf)
                self.running = mlp.update_running(self.running, trace)
        g = self.gbuf
        l1, l2 = self.l1, self.l2
        if l1 or l2:
            wm = self.lay.wmask
            value = value + l1 * (np.abs(flat) @ wm) + l2 * ((flat * flat) @ wm)
            g += (l1 * np.sign(flat) + 2.0 * l2 * flat) * wm
        return value, g

    def _advance(self, i, gr, dst, g, lr_col):
        """Group i's update of flat[a:b] written into dst[a:b]; its slots replaced."""
        a, b = gr.a, gr.b
        new, slots = gr.opt.advance(self.flat[a:b], g[a:b], self.slots[i], self.t, lr_col[a:b])
        dst[a:b] = new
        # a slot may be the gradient itself (sgd's first momentum buffer): that buffer is
        # overwritten next iteration, so such a slot gets its own copy
        for k, v in slots.items():
            if np.may_share_memory(v, g):
                slots[k] = v.copy()
        self.slots[i] = slots

    def _update(self, g, lr_col):
        flat, st = self.flat, self.st
        if st.all_active:  # each group reads its rows, then its new rows are written back
            for i, gr in enumerate(self.groups):
                self._advance(i, gr, flat, g, lr_col)
            self.version += 1
            return
        new = np.empty_like(flat)
        for i, gr in enumerate(self.groups):
            self._advance(i, gr, new, g, lr_col)
        keep = st.active[:, None]  # frozen lanes keep their weights (diverged ones: zeros)
        new = np.where(keep, new, np.where(st.finite[:, None], flat, 0.0))
        for i, gr in enumerate(self.groups):
            kk = keep[gr.a : gr.b]
            self.slots[i] = {s: np.where(kk, v, 0.0) for s, v in self.slots[i].items()}
        if self.running is not None:
            self.running = {
                r: np.where(keep, v, 0.0 if r.startswith("mean") else 1.0)
                for r, v in self.running.items()
            }
        self._set(new)

    # ------------------------------------------------------------------ one epoch
    def epoch(self, epoch: int) -> bool:
        """Train one epoch and record it; True when the run is over."""
        st, ipe, bs, L = self.st, self.ipe, self.bs, self.L
        order = None if bs >= self.n else self.shuffle_rng.permutation(self.n)
        if self.fixed_lr is not None:  # constant rates: no schedule to evaluate
            lrs = np.broadcast_to(self.fixed_lr, (ipe, L))
        else:
            lrs = np.empty((ipe, L))
            steps = np.arange(self.t, self.t + ipe, dtype=np.float64)
            for j, (rule, state) in enumerate(self.scheds):
                lrs[:, j] = state.lr if state is not None else rule(steps)
        lr_cols = lrs[:, :, None]
        it_loss = np.full((ipe, L), np.nan)
        gsum = np.zeros((L, self.lay.n_layers))
        was_active = st.active.copy()
        for it in range(ipe):
            self.t += 1
            idx = None if order is None else order[it * bs : (it + 1) * bs]
            value, g = self._forward_backward(idx)
            if not st.all_active:
                value = np.where(st.active, value, np.nan)
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
            self._update(g, lr_cols[it])
        if not was_active.all():
            it_loss[:, ~was_active] = np.nan
        self.rows.add_iterations(np.arange(self.t - ipe + 1, self.t + 1), it_loss, lrs)
        batch_loss = losses.ones(ipe) @ it_loss / ipe
        tr, va, vaa = self.record(epoch, was_active, batch_loss, gsum / ipe, lrs[-1])
        monitor = va if len(self.Xv) else tr
        if not np.isfinite(monitor @ self.lane_ones) or (monitor > self.loss_limit).any():
            before = st.finite.copy()
            self._diverge_check(epoch, monitor, None)
            self.rows.blank_last(before & ~st.finite)
        for j, (rule, state) in enumerate(self.scheds):
            if state is not None and st.active[j]:
                self.scheds[j] = (rule, rule.update(state, monitor[j]))
        last = epoch == self.plan["epochs"]
        self._early_stopping(epoch, monitor, vaa, last)
        self.rows.data["active"][-1] = st.active.copy()
        every = self.plan["grid_every"]
        over = last or not st.active.any()
        if over or (every and epoch % every == 0) or (st.active != was_active).any():
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
        st = self.st
        nonfinite = ~np.isfinite(loss)
        big = ~nonfinite & (loss > self.loss_limit)
        steep = np.zeros(self.L, dtype=bool) if gmax is None else ~(gmax <= DIVERGE_GRAD_NORM)
        bad = st.active & (nonfinite | big | steep)
        if not bad.any():
            return
        reason = np.where(nonfinite, "non_finite", np.where(big, "loss", "grad_norm"))
        value = np.where(big | nonfinite, loss, np.inf if gmax is None else gmax)
        st.diverge(bad, epoch, self.t, self.rows, self.perm, reason, value)

    def _early_stopping(self, epoch, monitor, val_acc, last):
        st, es = self.st, self.plan["early_stopping"]
        improved = st.active & (monitor < st.best - (es["min_delta"] if es else 0.0))
        if improved.any():
            st.best = np.where(improved, monitor, st.best)
            st.best_acc = np.where(improved, val_acc, st.best_acc)
            st.best_epoch = np.where(improved, epoch, st.best_epoch)
            self.best_flat[improved] = self.flat[improved]
        if self.running is not None and improved.any():
            self.best_running = {
                r: np.where(improved[:, None], v, self.best_running[r])
                for r, v in self.running.items()
            }
        if not es:
            return
        st.wait = np.where(improved, 0, st.wait + 1)
        stop = st.active & (st.wait >= es["patience"])
        restore = (stop | (st.active & last)) & es["restore_best"]
        if restore.any():
            keep = restore[:, None]
            self._set(np.where(keep, self.best_flat, self.flat))
            if self.running is not None:
                self.running = {
                    r: np.where(keep, self.best_running[r], v) for r, v in self.running.items()
                }
            st.restored |= restore
        if stop.any():
            st.stop(stop, epoch, self.t, self.rows, self.perm)

    # ------------------------------------------------------------------ measurements
    def evaluate(self, grad=False):
        """(train loss, train acc, val loss, val acc) per lane, evaluation mode. With `grad`
        (an iteration follows), a full batch's pass also leaves its gradient in gbuf."""
        out = []
        for j, (Xe, Te) in enumerate(((self.X, self.T), (self.Xv, self.Tv))):
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
        for lanes, rows, z in ev.blocks(self.flat, self.act, self.running):
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
            self.evaluators[key] = _Evaluator(X, self.lay, self.plan["sizes"])
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
        shown = was_active if self.st.finite.all() else was_active & self.st.finite
        self.rows.add(epoch, self.t, shown, *values, self.hist(flat))
        return tr, va, vaa

    def grid(self, epoch):
        if self.grid_pts is None:
            return
        ev, z = self._evaluator("grid", self.grid_pts["points"]), None
        for lanes, rows, zb in ev.blocks(self.flat, self.act, self.running):
            if z is None:
                z = np.empty((self.L, len(self.grid_pts["points"]), zb.shape[-1]))
            z[lanes, rows] = zb
        g = _grid_values(self.lossf.name, self.task, z, self.grid_pts["shape"])
        for key in ("values", "confidence"):
            if g[key] is not None:
                g[key] = g[key][self.inv]
                g[key][~self.st.finite[self.inv]] = np.nan
        self.rows.grids.append({"epoch": epoch, **g})

    def finish(self, epoch):
        final = self.evaluate()
        summary = self.st.summary(
            self.plan["specs"], self.perm, epoch, self.t, final, bool(len(self.Xv))
        )
        params = {k: v[self.inv] for k, v in self.lay.unflatten(self.flat).items()}
        running = None
        if self.running is not None:
            running = {k: v[self.inv] for k, v in self.running.items()}
        return {"summary": summary, "params": params, "running": running}


class _Work:
    """Buffers of one minibatch size for the trainer's passes: gathered inputs (with the
    ones column), linear outputs z, hidden activations (lanes, m, units + 1) whose last
    column stays 1, and backpropagated dL/da. Fresh arrays of these sizes every iteration
    are page-faulted afresh whenever malloc has handed them back to the system."""

    def __init__(self, sizes: list[int], lanes: int, m: int):
        self.x = np.ones((m, sizes[0] + 1))
        self.z = [np.empty((lanes, m, w)) for w in sizes[1:]]
        self.a = [np.ones((lanes, m, w + 1)) for w in sizes[1:-1]]
        self.da = [np.empty((lanes, m, w)) for w in sizes[1:-1]]


class _Evaluator:
    """Evaluation-mode forward passes over one fixed input set, into buffers kept between
    calls. Each layer is one GEMM with the bias folded in: the input carries a row of ones
    and (W; b) is one contiguous (fan_in + 1, fan_out) block of the flat row (batch
    normalization with running statistics is an affine map, folded into that block too).
    Activations are kept feature-major, (lanes, units + 1, examples), so that the ones row
    sits apart and the activation writes one contiguous block.

    The work is cut into blocks of lanes (whose weights fit WEIGHTS floats) and of examples
    (whose activations for those lanes fit BUDGET floats), so that every matmul and
    activation runs on operands in the cache: one block over 8 lanes × 1,000 examples of a
    64-unit net took 3× the time of cache-sized blocks."""

    BUDGET = 131_072  # floats of activation buffers per block
    WEIGHTS = 131_072  # floats of weights per block of lanes

    def __init__(self, X: Array, lay: _Layout, sizes: list[int]):
        L, n = lay.lanes, len(X)
        self.lanes = max(1, min(L, self.WEIGHTS // lay.size))
        per = self.lanes * (sum(sizes[1:]) + len(sizes))
        self.block = max(1, min(n, self.BUDGET // per))
        self.whole = self.lanes == L and self.block == n  # one block: the whole set
        self.X1T = np.concatenate([X.T, np.ones((1, n))])  # (in + 1, n)
        lb, B = self.lanes, self.block
        self.z = [np.empty((lb, w, B)) for w in sizes[1:]]
        self.a = [np.ones((lb, w + 1, B)) for w in sizes[1:-1]]  # the last row stays 1
        self.lay = lay

    def blocks(self, flat: Array, act, running) -> Iterator[tuple[slice, slice, Array]]:
        """(lanes, rows, raw outputs (lanes, rows, outputs)) per block; the output is a
        view of a buffer that the next block overwrites."""
        mats = self.lay.blocks(flat)
        for i, (_, _, g, beta) in enumerate(self.lay.per_layer):
            if g is not None:  # fold (z − μ)·γ/√(σ² + ε) + β into W and b
                scale = flat[:, g[1] : g[2]] / np.sqrt(running[f"var{i + 1}"] + mlp.BN_EPS)
                mats[i] = mats[i] * scale[:, None, :]
                mats[i][:, -1, :] += flat[:, beta[1] : beta[2]] - running[f"mean{i + 1}"] * scale
        mats = [m.swapaxes(-1, -2) for m in mats]  # (lanes, fan_out, fan_in + 1)
        L, (n, B) = flat.shape[0], (self.X1T.shape[1], self.block)
        for lo in range(0, L, self.lanes):
            lanes = slice(lo, min(lo + self.lanes, L))
            k = lanes.stop - lo
            ws = mats if k == L else [m[lanes] for m in mats]
            for start in range(0, n, B):
                rows = slice(start, min(start + B, n))
                m = rows.stop - rows.start
                a = self.X1T[:, rows]
                for i, wb in enumerate(ws):
                    z = self.z[i][:k, :, :m]
                    np.matmul(wb, a, out=z)
                    if i == len(ws) - 1:
                        break
                    a = self.a[i][:k, :, :m]
                    act.into(z, a[:, :-1])
                yield lanes, rows, z.swapaxes(-1, -2)


class _Status:
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


class _Rows:
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


class _Histograms:
    """Counts (lanes, layers, bins) of every weight matrix on fixed edges ±bound per layer,
    all layers in one bincount (the outer bins also count what lies beyond the edges)."""

    def __init__(self, lay: _Layout, bounds: list[float], bins: int):
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


def _grid_points(plan):
    f = plan["X"].shape[1]
    if plan["grid_every"] == 0 or f > 2:
        return None
    X = np.concatenate([plan["X"], plan["Xv"]])
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    G = plan["grid_size"]
    if f == 1:
        xs = np.linspace(lo[0], hi[0], min(4 * G, 200))
        return {"points": xs[:, None], "shape": (len(xs),), "x": xs, "y": None}
    xs, ys = np.linspace(lo[0], hi[0], G), np.linspace(lo[1], hi[1], G)
    pts = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # row j is y = ys[j]
    return {"points": pts, "shape": (G, G), "x": xs, "y": ys}


def _grid_values(loss: str, task: str, z: Array, shape) -> dict[str, Any]:
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


def _meta(plan, specs, ipe, lay, hist_edges, grid):
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
        else {"x": grid["x"], "y": grid["y"], "every": plan["grid_every"]},
    }

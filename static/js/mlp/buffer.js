// The MLP run buffer: the `meta` event, then `frame` events (finished epochs, their
// iterations and boundary grids) merged into per-lane typed arrays indexed by epoch.
// Pure: no DOM. Non-finite values (null in JSON: a lane frozen after it stopped) are NaN.

import { filled, num as finite, StreamBuffer } from "../stream_buffer.js";

export const EPOCH_FIELDS = ["train_loss", "val_loss", "train_acc", "val_acc", "batch_loss", "penalty", "lr", "active"];

/** An epoch from a summary's `diverged_at` (a number or {epoch, iteration}). */
export function epochOf(v) {
  if (v && typeof v === "object") return Number.isFinite(v.epoch) ? v.epoch : null;
  return Number.isFinite(v) ? v : null;
}

/** Whether a lane's grid holds values (a diverged lane's grids are all null). */
function hasValues(values) {
  const first = Array.isArray(values?.[0]) ? values[0][0] : values?.[0];
  return first !== null && first !== undefined;
}

/** A JSON value as a float; `active` flags as 1 and 0. */
function num(v) {
  if (v === true) return 1;
  if (v === false) return 0;
  return finite(v);
}

const lanesOf = (n, make) => Array.from({ length: n }, make);

export class MlpBuffer extends StreamBuffer {
  constructor(meta) {
    super(meta, meta.lanes.length);
    this.epochs = meta.epochs;
    this.nLayers = meta.layers?.length ?? Math.max(0, (meta.sizes?.length ?? 1) - 1);
    this.ipe = meta.iterations_per_epoch;
    const cap = this.epochs + 1;
    this.capacity = cap;
    this.epochAxis = Float64Array.from({ length: cap }, (_, i) => i);
    this.iteration = filled(cap);
    this.cols = {};
    for (const f of EPOCH_FIELDS) this.cols[f] = lanesOf(this.nLanes, () => filled(cap));
    this.grad = lanesOf(this.nLanes, () => lanesOf(this.nLayers, () => filled(cap)));
    this.wnorm = lanesOf(this.nLanes, () => lanesOf(this.nLayers, () => filled(cap)));
    this.hist = new Array(cap).fill(null); // hist[epoch][lane][layer] = counts per bin
    const its = meta.total_iterations ?? this.epochs * this.ipe;
    this.itX = filled(its); // in epochs: iteration k at k / ipe
    this.itLoss = lanesOf(this.nLanes, () => filled(its));
    this.itLr = lanesOf(this.nLanes, () => filled(its));
    this.itRows = 0;
    this.grids = []; // {epoch, kind, values: per lane, confidence}, in epoch order
    this.stopped = new Map(); // lane → the `stopped` event
    this.diverged = new Map(); // lane → the `diverged` event
    this.rows = 0; // epochs received (epoch 0 … rows − 1)
    this.dirty = false;
  }

  /** A `frame` event: {epochs: [e…], train_loss: [row][lane], grad_norm: [row][lane][layer], …}. */
  push(frame) {
    const epochs = frame.epochs ?? [];
    epochs.forEach((e, r) => {
      if (!(e >= 0 && e < this.capacity)) return;
      this.iteration[e] = num(frame.iteration?.[r]);
      for (const f of EPOCH_FIELDS) {
        const row = frame[f]?.[r];
        if (row) for (let l = 0; l < this.nLanes; l++) this.cols[f][l][e] = num(row[l]);
      }
      for (const [src, dst] of [[frame.grad_norm, this.grad], [frame.weight_norm, this.wnorm]]) {
        const row = src?.[r];
        if (!row) continue;
        for (let l = 0; l < this.nLanes; l++) {
          for (let k = 0; k < this.nLayers; k++) dst[l][k][e] = num(row[l]?.[k]);
        }
      }
      if (frame.hist?.[r]) this.hist[e] = frame.hist[r];
      this.rows = Math.max(this.rows, e + 1);
    });
    const its = frame.it_index ?? [];
    its.forEach((k, r) => {
      const i = k - 1;
      if (!(i >= 0 && i < this.itX.length)) return;
      this.itX[i] = k / this.ipe;
      for (let l = 0; l < this.nLanes; l++) {
        this.itLoss[l][i] = num(frame.it_loss?.[r]?.[l]);
        this.itLr[l][i] = num(frame.it_lr?.[r]?.[l]);
      }
      this.itRows = Math.max(this.itRows, i + 1);
    });
    for (const g of frame.grids ?? []) this.grids.push(g);
    if (frame.grids?.length > 1) this.grids.sort((a, b) => a.epoch - b.epoch);
    this.dirty = true;
    this.version++;
  }

  markStopped(ev) {
    this.stopped.set(ev.lane, ev);
    this.version++;
  }

  markDiverged(ev) {
    this.diverged.set(ev.lane, ev);
    this.version++;
  }

  /** Whether anything arrived since the last call. */
  takeDirty() {
    const d = this.dirty;
    this.dirty = false;
    return d;
  }

  get lastEpoch() {
    return Math.max(0, this.rows - 1);
  }

  /** A per-epoch value (train_loss, val_acc, lr, …) or null. */
  value(field, lane, epoch) {
    const v = this.cols[field]?.[lane]?.[epoch];
    return Number.isFinite(v) ? v : null;
  }

  /** [epochs, values] views over the epochs received. */
  series(field, lane) {
    return [this.epochAxis.subarray(0, this.rows), this.cols[field][lane].subarray(0, this.rows)];
  }

  /** [x in epochs, values] views over the iterations received (it_loss or it_lr). */
  itSeries(field, lane) {
    const src = field === "it_lr" ? this.itLr : this.itLoss;
    return [this.itX.subarray(0, this.itRows), src[lane].subarray(0, this.itRows)];
  }

  /** The last epoch ≤ `epoch` at which the lane was still training (its loss is finite). */
  liveEpoch(lane, epoch) {
    const col = this.cols.train_loss[lane];
    for (let e = Math.min(epoch, this.rows - 1); e >= 0; e--) if (Number.isFinite(col[e])) return e;
    return -1;
  }

  /**
   * Gradient norms per layer (input → output) at the lane's live epoch ≤ `epoch`. Epoch 0
   * (the untrained network) has no iterations yet: it shows epoch 1's.
   */
  gradAt(lane, epoch) {
    let e = this.liveEpoch(lane, epoch);
    if (e === 0 && this.rows > 1 && !Number.isFinite(this.grad[lane][0]?.[0])) e = 1;
    return this.grad[lane].map((col) => (e >= 0 && Number.isFinite(col[e]) ? col[e] : null));
  }

  /** Weight counts per bin of one layer at the lane's live epoch ≤ `epoch` (null if none). */
  histAt(lane, layer, epoch) {
    for (let e = Math.min(this.liveEpoch(lane, epoch), this.rows - 1); e >= 0; e--) {
      const h = this.hist[e]?.[lane]?.[layer];
      if (h) return h;
    }
    return null;
  }

  /**
   * The boundary grid shown at `epoch` for a lane: the latest grid at or before it that has
   * values for that lane. {epoch, kind, values, confidence} or null.
   */
  gridAt(lane, epoch) {
    for (let i = this.grids.length - 1; i >= 0; i--) {
      const g = this.grids[i];
      if (g.epoch > epoch) continue;
      const values = g.values?.[lane];
      if (hasValues(values)) return { epoch: g.epoch, kind: g.kind, values, confidence: g.confidence?.[lane] ?? null };
    }
    return null;
  }

  /** The epoch the lane stopped at and why: {reason, epoch, best_epoch} or null while it trains. */
  stopOf(lane) {
    const s = this.summary?.find((x) => x.lane === lane);
    if (s && s.reason !== "max_epochs") {
      return { reason: s.reason, epoch: s.reason === "diverged" ? epochOf(s.diverged_at) ?? s.stopped_epoch : s.stopped_epoch,
        best_epoch: s.best_epoch };
    }
    const st = this.stopped.get(lane);
    if (st) return { reason: "early_stop", epoch: st.epoch, best_epoch: st.best_epoch };
    const d = this.diverged.get(lane);
    if (d) return { reason: "diverged", epoch: d.epoch, best_epoch: null };
    return null;
  }

  /** The epoch with the lowest validation loss (training loss without a validation set) so far. */
  bestEpoch(lane, upTo = Infinity) {
    const field = this.meta.n_val > 0 ? "val_loss" : "train_loss";
    const col = this.cols[field][lane];
    let best = -1;
    for (let e = 0; e < Math.min(this.rows, upTo + 1); e++) {
      if (Number.isFinite(col[e]) && (best < 0 || col[e] < col[best])) best = e;
    }
    return best;
  }

  /** A buffer holding a whole run from POST /api/runs?wait=true (`result`). */
  static fromResult(result) {
    const buf = new MlpBuffer(result.meta);
    if (result.arrays) buf.push(result.arrays);
    for (const d of result.diverged ?? []) buf.markDiverged(d);
    buf.finish(result.final ?? { status: "done", summary: result.summary });
    if (!buf.summary) buf.summary = result.summary ?? null;
    return buf;
  }
}

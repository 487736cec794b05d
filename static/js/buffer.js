// The run buffer: frames from the stream (or a whole result) in per-lane typed arrays.
// Pure: no DOM. Frames may arrive many times per animation frame; they are only written
// here, and the renderer asks `takeDirty()` once per animation frame what to redraw.

import { filled, num, StreamBuffer } from "./stream_buffer.js";

export const SCALARS = ["loss", "grad_norm", "dist_min", "lr"];
export const VECTORS = ["xy", "grad", "update", "m", "v"];

export class RunBuffer extends StreamBuffer {
  /** meta: the `meta` event ({steps, n_lanes, lanes, starts, surface, ...}). */
  constructor(meta) {
    super(meta, meta.n_lanes);
    this.steps = meta.steps;
    this.capacity = meta.steps + 1;
    this.rows = 0; // rows received (row k = after k updates)
    this.diverged = new Map(); // lane → {step, reason, last_xy}
    this.stepAxis = Float64Array.from({ length: this.capacity }, (_, i) => i);
    this.cols = {};
    for (const f of SCALARS) this.cols[f] = Array.from({ length: this.nLanes }, () => filled(this.capacity));
    for (const f of VECTORS) {
      this.cols[f] = Array.from({ length: this.nLanes }, () => [filled(this.capacity), filled(this.capacity)]);
    }
    this._dirtyFrom = null;
    this.missing = []; // vector arrays not (yet) received: see fill()
    this.details = 0;
  }

  /** Write a `frame` event: {start, rows, xy: [row][lane][2], loss: [row][lane], ...}. */
  push(frame) {
    const end = this._write(frame);
    const { start } = frame;
    this.rows = Math.max(this.rows, end);
    this._dirtyFrom = this._dirtyFrom === null ? start : Math.min(this._dirtyFrom, start);
    this.version++;
  }

  /**
   * Arrays that arrive after the rows (a lean re-run's gradient and moments): written without
   * marking the charts dirty; `details` counts them for views that show them.
   */
  fill(frame) {
    this._write(frame);
    this.missing = this.missing.filter((f) => !frame[f]);
    this.details++;
  }

  /** `update` as x_k − x_{k−1} from the positions (the engine's own definition). */
  deriveUpdate() {
    for (let l = 0; l < this.nLanes; l++) {
      const [xs, ys] = this.cols.xy[l];
      const [ux, uy] = this.cols.update[l];
      for (let r = 1; r < this.rows; r++) {
        ux[r] = xs[r] - xs[r - 1];
        uy[r] = ys[r] - ys[r - 1];
      }
    }
  }

  _write(frame) {
    const { start, rows } = frame;
    const end = Math.min(this.capacity, start + rows);
    // a scalar field's column per lane, or an (x, y) field's two columns per lane
    const scalar = (cols, r, v) => { cols[r] = num(v); };
    const pair = (cols, r, v) => { cols[0][r] = v ? num(v[0]) : NaN; cols[1][r] = v ? num(v[1]) : NaN; };
    for (const [fields, put] of [[SCALARS, scalar], [VECTORS, pair]]) {
      for (const f of fields) {
        const src = frame[f];
        if (!src) continue;
        const cols = this.cols[f];
        for (let r = start; r < end; r++) {
          const row = src[r - start];
          if (!row) continue;
          for (let l = 0; l < this.nLanes; l++) put(cols[l], r, row[l]);
        }
      }
    }
    return end;
  }

  /** A `diverged` event: {lane, step, reason, last_xy}. */
  markDiverged(ev) {
    this.diverged.set(ev.lane, { step: ev.step, reason: ev.reason, last_xy: ev.last_xy });
    this.version++;
  }

  /** The first row written since the last call (null if nothing new). */
  takeDirty() {
    const from = this._dirtyFrom;
    this._dirtyFrom = null;
    return from;
  }

  /** A scalar (loss, grad_norm, dist_min, lr) or null. */
  scalar(field, lane, row) {
    const v = this.cols[field][lane][row];
    return Number.isFinite(v) ? v : null;
  }

  /** A vector (xy, grad, update, m, v) as [x, y], or null. */
  vector(field, lane, row) {
    const c = this.cols[field][lane];
    const x = c[0][row];
    const y = c[1][row];
    return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
  }

  /** The last row ≤ `row` where the lane's position is finite (its head). */
  headRow(lane, row) {
    const xs = this.cols.xy[lane][0];
    const ys = this.cols.xy[lane][1];
    for (let r = Math.min(row, this.rows - 1); r >= 0; r--) {
      if (Number.isFinite(xs[r]) && Number.isFinite(ys[r])) return r;
    }
    return -1;
  }

  /** Views (no copies) of x and y for rows 0..row. */
  path(lane, row) {
    const n = Math.max(0, Math.min(row, this.rows - 1) + 1);
    return [this.cols.xy[lane][0].subarray(0, n), this.cols.xy[lane][1].subarray(0, n)];
  }

  /** Views of a scalar series over rows 0..rows-1, with the matching steps. */
  series(field, lane) {
    return [this.stepAxis.subarray(0, this.rows), this.cols[field][lane].subarray(0, this.rows)];
  }

  /** The lane's divergence step if it diverged at or before `row`. */
  divergedBy(lane, row = Infinity) {
    const d = this.diverged.get(lane);
    return d && d.step <= row ? d : null;
  }

  /** A buffer holding a whole run from POST /api/runs?wait=true (`result`). */
  static fromResult(result) {
    const buf = new RunBuffer(result.meta);
    const a = result.arrays;
    if (a?.xy?.length) buf.push({ start: 0, rows: a.xy.length, ...a });
    if (a?.xy?.length && !a.update) buf.deriveUpdate();
    buf.missing = a?.xy?.length ? VECTORS.filter((f) => f !== "update" && !a[f]) : [];
    for (const d of result.diverged ?? []) buf.markDiverged(d);
    buf.finish(result.final ?? { status: "done", summary: result.summary });
    if (!buf.summary) buf.summary = result.summary ?? null;
    return buf;
  }
}

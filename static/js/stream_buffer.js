// What the race and MLP run buffers share: the `meta` event, the lanes' count, a version
// that counts changes (the renderer redraws when it moved), the run's status and summary
// from its `done` event, and typed-array helpers. Pure: no DOM.

/** A Float64Array of n NaNs (no value yet). */
export function filled(n) {
  const a = new Float64Array(Math.max(0, n));
  a.fill(NaN);
  return a;
}

/** A JSON number as a float: null, booleans and non-finite values are NaN. */
export function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : NaN;
}

export class StreamBuffer {
  constructor(meta, nLanes) {
    this.meta = meta;
    this.nLanes = nLanes;
    this.version = 0;
    this.done = false;
    this.status = "running";
    this.summary = null;
    this.elapsed = null;
  }

  /** The `done` (or `error`) event. */
  finish(ev) {
    this.done = true;
    this.status = ev?.status ?? "done";
    this.summary = ev?.summary ?? this.summary;
    this.elapsed = typeof ev?.elapsed_s === "number" ? ev.elapsed_s : null;
    this.version++;
  }
}

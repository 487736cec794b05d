// Getting races from the service: quick re-runs (POST ?wait=true, latest request wins)
// for setting changes, and live streamed runs (SSE) for the Run button. The MLP tab uses it
// with its own buffer class ({Buffer: MlpBuffer}), which also takes `stopped` events.

import { RunBuffer } from "../buffer.js";
import { api, ApiError, stream } from "./api.js";

export class RaceClient {
  /**
   * hooks: {onResult(buffer, run, timing), onStreamStart(buffer, run), onStatus(kind, vars),
   *         onError(error)}
   */
  constructor(hooks, { Buffer = RunBuffer, lean = null } = {}) {
    this.hooks = hooks;
    this.Buffer = Buffer;
    this.lean = lean; // the arrays a quick re-run fetches first (null: all); the rest follow
    this.inflight = null; // AbortController of the quick re-run in flight
    this.pending = null; // the newest request body waiting for it
    this.live = null; // {id, close} of a streaming run
  }

  /** A quick re-run of `body`; newer calls supersede older ones. */
  rerun(body, mark = performance.now()) {
    this.stopLive();
    this.lastBody = body;
    if (this.inflight) {
      this.pending = { body, mark };
      return;
    }
    const ctl = new AbortController();
    this.inflight = ctl;
    const t0 = performance.now();
    this.hooks.onStatus("rerunning");
    api.runNow(body, { signal: ctl.signal, fields: this.lean, onBusy: (s) => this.hooks.onStatus("busy", { s }) })
      .then((res) => {
        if (ctl.signal.aborted) return;
        const fetchMs = performance.now() - t0;
        const next = this.pending;
        this.pending = null;
        this.inflight = null;
        if (next) this.rerun(next.body, next.mark); // start the newer one first, then draw
        const buffer = this.Buffer.fromResult(res.result);
        this.hooks.onResult(buffer, { id: res.id, links: res.links }, { mark, fetchMs, superseded: !!next });
        if (buffer.missing?.length) this.fetchDetails(res.id, buffer);
      })
      .catch((e) => {
        if (e.name === "AbortError") return;
        this.inflight = null;
        const next = this.pending;
        this.pending = null;
        if (next) this.rerun(next.body, next.mark);
        else this.hooks.onError(e);
      });
  }

  /** A lean re-run's other arrays (the inspector's gradient and moments), after its draw. */
  fetchDetails(id, buffer) {
    api.arrays(id, buffer.missing)
      .then((res) => {
        const a = res.result?.arrays;
        if (a) buffer.fill({ start: 0, rows: buffer.rows, ...a });
        this.hooks.onDetails?.(buffer);
      })
      .catch(() => null); // the run may be gone (a newer one evicted it): arrows stay hidden
  }

  /** Start a streamed run; frames go into a fresh buffer as they arrive. */
  async runLive(body) {
    this.lastBody = body;
    this.abortQuick();
    this.stopLive();
    const token = {};
    this.liveToken = token;
    let created;
    try {
      created = await api.start(body, { onBusy: (s) => this.hooks.onStatus("busy", { s }) });
    } catch (e) {
      if (this.liveToken === token) this.hooks.onError(e);
      return;
    }
    if (this.liveToken !== token) {
      api.cancel(created.id);
      return;
    }
    let buffer = null;
    const run = { id: created.id, links: created.links };
    const close = stream(created.links.events, {
      meta: (meta) => {
        buffer = new this.Buffer(meta);
        this.hooks.onStreamStart(buffer, run);
      },
      frame: (f) => buffer?.push(f),
      diverged: (d) => buffer?.markDiverged(d),
      stopped: (d) => buffer?.markStopped?.(d),
      done: (d) => {
        this.live = null;
        buffer?.finish(d);
        this.hooks.onStatus(d.status === "cancelled" ? "cancelled" : "done", { elapsed: d.elapsed_s });
      },
      error: (d) => {
        this.live = null;
        buffer?.finish({ status: "failed" });
        this.hooks.onError(new ApiError(0, d.message ?? "stream error"));
      },
    });
    this.live = { id: created.id, close };
  }

  /** Cancel a streaming run (closing the stream and telling the server). */
  stopLive() {
    this.liveToken = null;
    if (this.live) {
      this.live.close();
      api.cancel(this.live.id);
      this.live = null;
    }
  }

  abortQuick() {
    this.pending = null;
    if (this.inflight) {
      this.inflight.abort();
      this.inflight = null;
    }
  }

  get streaming() {
    return this.live !== null;
  }
}

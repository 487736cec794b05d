// The MLP tab: owns its run (an MlpBuffer), its playback over epochs and its views, and
// turns setting changes (state.mlp, mirrored in the URL) into runs. Cheap configurations
// re-run at once (POST ?wait=true); costly ones and the Train button stream live (SSE).
// The app's animation loop calls tick() while this tab is shown.

import { laneColor } from "../../colors.js";
import { getLang, t } from "../../i18n.js";
import { MlpBuffer } from "../../mlp/buffer.js";
import { estimateSeconds, mlpRequest } from "../../mlp/config.js";
import { accFigure, lossFigure, lrFigure } from "../../mlp/curve_figs.js";
import { gradEpochsFigure, gradLayersFigure, histFigure } from "../../mlp/layer_figs.js";
import { Playback } from "../../playback.js";
import { laneLabel } from "../../summaries.js";
import { $ } from "../dom.js";
import { setExportLinks } from "../export.js";
import { RaceClient } from "../race.js";
import { buildMlpViews } from "./build.js";
import { renderKey, renderLineKey } from "./panels.js";
import { drawSummaries, transport } from "./transport.js";

/** Runs estimated to take longer than this stream instead (progress shows as it trains). */
export const QUICK_SECONDS = 1.2;

/** Replay speed at 1×: the whole run in about 5 s (between 4 and 200 epochs per second). */
export function epochRate(epochs) {
  return Math.min(200, Math.max(4, epochs / 5));
}

export class MlpController {
  constructor(app) {
    this.app = app;
    this.cat = app.cat;
    this.buffer = null;
    this.run = null;
    this.lanes = [];
    this.labels = [];
    this.playback = new Playback(app.state.speed, epochRate(app.state.mlp.training.epochs));
    this.client = new RaceClient({
      onResult: (buffer, run) => this.onResult(buffer, run),
      onStreamStart: (buffer, run) => this.onStreamStart(buffer, run),
      onStatus: (kind, vars) => this.onStatus(kind, vars),
      onError: (e) => app.status.error(e),
    }, { Buffer: MlpBuffer });
    this.built = false;
    this.needsDraw = true;
    this.follow = false;
    this.batches = true;
  }

  get state() {
    return this.app.state.mlp;
  }

  opts() {
    return { ...this.app.figOpts(), lang: getLang() };
  }

  build() {
    this.built = true;
    buildMlpViews(this);
  }

  /** The tab is shown: build on first use, and train once so there is something to see. */
  show() {
    if (!this.built) this.build();
    this.renderControls();
    this.invalidate();
    if (!this.buffer && !this.client.inflight && !this.client.streaming) this.rerun();
  }

  renderControls() {
    this.controls.render(this.state, this.app.state.theme);
  }

  invalidate() {
    this.needsDraw = true;
    if (!this.built) return;
    this.charts.invalidate("data");
    for (const p of this.boundaries.panels) p.key = null;
  }

  /** Edit state.mlp (published under "mlp": wiring.js calls `edited`), then re-run.
   * opts: {rerender, sidebar, live} as in the race's change(). */
  change(mutator, opts = {}) {
    this.app.store.edit("mlp", (st) => {
      if (!opts.lesson) st.preset = null; // an edit: the URL no longer opens the lesson
      mutator(this.state);
    }, opts);
  }

  /** After an edit: the controls that show it, the URL, a re-run (when not still dragging). */
  edited(opts) {
    if (opts.rerender) this.renderControls();
    else if (opts.sidebar) this.controls.render(this.state, this.app.state.theme);
    else this.controls.renderStrip(this.state, this.app.state.theme);
    this.controls.refreshDerived(this.state);
    this.app.saveUrl();
    if (opts.live && estimateSeconds(this.cat, this.state) > QUICK_SECONDS) return; // wait for the release
    this.rerun();
  }

  /** A new run of the current settings: at once when cheap, else streamed (following the newest epoch). */
  rerun() {
    const body = mlpRequest(this.state);
    if (estimateSeconds(this.cat, this.state) <= QUICK_SECONDS) {
      this.follow = false;
      this.client.rerun(body);
    } else {
      this.follow = true;
      this.app.status.show("mlpTraining");
      this.client.runLive(body);
    }
  }

  /** The Train button: stream a run and play along from epoch 0. */
  train() {
    this.follow = false;
    this.app.status.show("mlpTraining");
    this.client.runLive(mlpRequest(this.state));
  }

  /** The Stop button: end the streamed run; what arrived stays to replay. */
  stop() {
    this.client.stopLive();
    if (this.buffer && !this.buffer.done) this.buffer.finish({ status: "cancelled", summary: null });
    this.follow = false;
    this.app.status.show("cancelled");
    this.needsDraw = true;
  }

  onResult(buffer, run) {
    const first = this.buffer === null;
    this.setRun(buffer, run);
    this.playback.reset(buffer.lastEpoch);
    if (!first) this.playback.seek(buffer.lastEpoch, buffer.rows);
    this.playback.pause();
    if (this.app.status.kind !== "preset") this.app.status.show(first ? "mlpReady" : "mlpDone", { elapsed: buffer.elapsed });
    // drawn by the animation loop, a plot or two per frame: drawing all ten Plotly plots at
    // once blocked the page for a second or more (no click or key got through meanwhile)
    this.charts.invalidate("data");
    this.needsDraw = true;
  }

  onStreamStart(buffer, run) {
    this.setRun(buffer, run);
    this.playback.reset(buffer.epochs);
    if (this.follow) this.playback.pause();
    else this.playback.play();
  }

  onStatus(kind, vars) {
    const map = { rerunning: "mlpTraining", done: "mlpDone" };
    if (kind === "done" && this.app.status.kind === "preset") return; // keep the lesson's words
    this.app.status.show(map[kind] ?? kind, vars);
  }

  setRun(buffer, run) {
    this.buffer = buffer;
    this.run = run;
    this.playback.rate = epochRate(buffer.epochs);
    setExportLinks("mlp-", run);
    this.relabel();
  }

  /** Lane labels and colours of the shown run (language and theme dependent). */
  relabel() {
    const meta = this.buffer?.meta;
    this.labels = (meta?.lanes ?? []).map((l) => laneLabel(this.cat, { name: l.optimizer ?? l.name, params: l.params,
      schedule: l.schedule?.name === "constant" ? null : l.schedule, clip: l.clip_norm ?? null }));
    this.lanes = this.labels.map((label, i) => ({ label, color: laneColor(i, this.app.state.theme) }));
    if (!this.built) return;
    if (this.app.state.mlpLane >= this.lanes.length) this.app.state.mlpLane = 0;
    this.legend.build(this.lanes, this.app.state.mlpLane);
    this.boundaries.setRun(this.buffer, this.lanes);
    renderKey($("#mlp-key"), meta);
    renderLineKey($("#mlp-linekey"));
    this.summaryKey = null;
    this.invalidate();
  }

  figure(id) {
    const b = this.buffer;
    const o = this.opts();
    const e = this.playback.cursor;
    const sel = Math.min(this.app.state.mlpLane, Math.max(0, this.lanes.length - 1));
    switch (id) {
      case "loss":
      case "acc": { // narrow charts get the short stop labels
        const c = { ...o, compact: (this.charts.chart(id).plot.clientWidth || 999) < 440 };
        return id === "acc" ? accFigure(b, this.lanes, c, e)
          : lossFigure(b, this.lanes, c, { logy: this.app.state.logy, batches: this.batches, upTo: e });
      }
      case "gradLayers": return gradLayersFigure(b, this.lanes, e, sel, o);
      case "gradEpochs": return gradEpochsFigure(b, sel, this.lanes[sel]?.label ?? "", o);
      case "hist": return histFigure(b, this.lanes, e, o);
      default: return lrFigure(b, this.lanes, o);
    }
  }

  /** One animation frame (called by the app's loop while the MLP tab is shown). */
  tick(dt) {
    if (!this.built) return;
    const b = this.buffer;
    if (b?.done && this.playback.total !== b.lastEpoch) this.playback.total = b.lastEpoch;
    const moved = b ? this.playback.tick(dt, b.rows, b.done) : false;
    if (this.follow && b && this.playback.cursor !== b.lastEpoch) this.playback.seek(b.lastEpoch, b.rows);
    if (this.follow && b?.done) this.follow = false; // followed to the end
    const dirty = b ? b.takeDirty() || b.version !== this.drawnVersion : false;
    if (moved || dirty || this.needsDraw || this.follow || !this.boundaries.settled() || !this.charts.settled()) this.draw(false);
  }

  /** Draw now; returns the promises of the Plotly calls this started. */
  draw(force) {
    this.needsDraw = false;
    const b = this.buffer;
    const epoch = this.playback.cursor;
    const streaming = !!b && !b.done;
    if (b && (force || b.version !== this.drawnVersion)) this.charts.invalidate("data");
    this.drawnVersion = b?.version;
    if (epoch !== this.drawnEpoch) this.charts.invalidate("epoch");
    this.drawnEpoch = epoch;
    const marks = b ? this.lanes.map((_, i) => (b.stopOf(i)?.epoch <= epoch ? 1 : 0)).join("") + (epoch >= b.lastEpoch) : "";
    if (marks !== this.drawnMarks) { // a stop mark appears (or goes) as the replay passes it
      this.drawnMarks = marks;
      for (const id of ["loss", "acc"]) this.charts.chart(id).dirty = true;
    }
    const sel = this.sel() >= 0 ? ` \u00b7 ${this.lanes[this.sel()].label}` : "";
    this.charts.setTitle("gradEpochs", `${t("mlp.chart.gradEpochs")}${sel}`);
    for (const id of ["gradLayers", "hist"]) this.charts.setTitle(id, `${t(`mlp.chart.${id}`)} \u00b7 ${t("mlp.atEpoch", { k: epoch })}`);
    const playing = this.playback.playing;
    const promises = [...this.boundaries.update(b, epoch, this.opts(), force),
      ...(force ? this.charts.flush(0, 0, Infinity) : this.charts.flush(streaming ? 300 : 0, playing ? 90 : 0))];
    this.charts.setCursor(b ? epoch : null);
    this.counters.update(b?.meta, b, epoch);
    this.legend.update(b, epoch);
    transport(this, epoch);
    drawSummaries(this, epoch);
    if (streaming && epoch % 5 === 0) this.app.status.show("mlpRunning", { k: b.lastEpoch, n: b.epochs });
    return promises;
  }

  sel() {
    return this.lanes.length ? Math.min(this.app.state.mlpLane, this.lanes.length - 1) : -1;
  }

  /** Whether the view shows the newest data everywhere (for tests and benchmarks). */
  settled() {
    return this.built && !this.needsDraw && this.boundaries.settled() && this.charts.settled();
  }

  // ------------------------------------------------------------------ playback & view

  togglePlay() {
    if (!this.buffer) {
      this.train();
      return;
    }
    this.follow = false;
    this.playback.toggle(this.buffer.rows);
    if (this.app.status.kind === "mlpReady") this.app.status.show("text", { text: "" });
    this.needsDraw = true;
  }

  step(n) {
    this.follow = false;
    if (this.buffer) this.playback.step(n, this.buffer.rows);
    this.needsDraw = true;
  }

  seek(e) {
    this.follow = false;
    if (this.buffer) {
      this.playback.pause();
      this.playback.seek(Number.isFinite(e) ? e : this.buffer.lastEpoch, this.buffer.rows);
    }
    this.needsDraw = true;
  }

  reset() {
    this.follow = false;
    this.playback.pause();
    this.playback.seek(0, 1);
    this.needsDraw = true;
  }

  selectLane(i) {
    if (!Number.isInteger(i) || i < 0 || i >= Math.max(1, this.lanes.length)) return;
    this.app.state.mlpLane = i;
    this.app.saveUrl();
    this.legend.build(this.lanes, i);
    this.summaryKey = null;
    this.charts.invalidate("data");
    this.needsDraw = true;
  }

  /** View settings changed (language, theme, projector, log axis, speed). */
  onView(patch) {
    if (!this.built) return;
    if ("projector" in patch) this.boundaries.layout();
    if ("lang" in patch || "theme" in patch || "projector" in patch) {
      this.renderControls();
      this.relabel();
      this.legend.key = null;
      this.legend.build(this.lanes, this.app.state.mlpLane);
    }
    if ("logy" in patch && this.logBox) this.logBox.checked = this.app.state.logy;
    if ("speed" in patch) this.playback.setSpeed(this.app.state.speed);
    this.invalidate();
  }
}

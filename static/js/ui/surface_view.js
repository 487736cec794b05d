// The surface panel: a Plotly contour (or 3D surface) with the race on it, plus a canvas
// overlay for what changes every animation frame (heads, hover rings, the inspector's
// arrows, and the paths while they move or have just changed).
//
// Plotly redraws the whole figure (contour included) on any change, ~100 ms, so the paths
// reach Plotly's traces only once the picture is at rest (for hover and export); until
// then the canvas draws them and CSS hides Plotly's stale path traces (class hide-race).

import {
  colourField, contourTrace, criticalTraces, guessTrace, raceTraces, sizes, startTrace, surface3dLayout,
  surface3dTraces, surfaceLayout,
} from "../surface_fig.js";
import { themeColors } from "../colors.js";
import { poolTraces } from "../session/pool_fig.js";
import { drawOverlay } from "./overlay.js";

const Plotly = () => window.Plotly;
const CONFIG = { displayModeBar: false, responsive: true, displaylogo: false, scrollZoom: false };
const SETTLE_MS = 250;

export class SurfaceView {
  constructor(gd, { onPick, onHoverStep }) {
    this.gd = gd;
    this.onHoverStep = onHoverStep;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "overlay";
    this.canvas.setAttribute("aria-hidden", "true");
    this.onPick = onPick;
    this.opts = { theme: "light", projector: false, view: "2d" };
    this.info = null;
    this.grid = null;
    this.field = null;
    this.starts = [];
    this.buffer = null;
    this.lanes = [];
    this.raceId = 0;
    this.frame = { cursor: 0, moving: false };
    this.plotted = null; // what Plotly shows: {key, cursor, version, race, withRace}
    this.busy = false;
    this.again = false;
    this.idle = Promise.resolve();
    this.last3d = 0;
    gd.addEventListener("click", (ev) => this._click(ev));
    new ResizeObserver(() => this._resized()).observe(gd);
  }

  setOptions(opts) {
    Object.assign(this.opts, opts);
    this.plotted = null;
  }

  setSurface(info, grid) {
    this.info = info;
    this.grid = grid;
    this.field = grid ? colourField(grid, !!info?.log_scale) : null;
    this.plotted = null;
  }

  /** Predict mode's guesses [{xy, color, label}], drawn as crosses (2D). */
  setGuesses(guesses) {
    // every new race re-sends them: redraw the contour (a full Plotly figure, ~100 ms or
    // more) only when they changed
    if (JSON.stringify(guesses ?? []) === JSON.stringify(this.guesses ?? [])) return;
    this.guesses = guesses;
    this.plotted = null;
  }

  /** A class session's pooled predictions (its `guesses` event, or null): a heat map (2D). */
  setPool(pool) {
    if (pool === (this.pool ?? null)) return;
    this.pool = pool;
    this.plotted = null;
  }

  setStarts(starts) {
    if (JSON.stringify(starts) === JSON.stringify(this.starts)) return;
    this.starts = starts.map((p) => p.slice());
    this.plotted = null;
  }

  /** lanes: [{label, color, start}] per run lane. */
  setRace(buffer, lanes) {
    this.buffer = buffer;
    this.lanes = lanes;
    this.raceId += 1;
  }

  _key() {
    return `${this.opts.view}|${this.opts.theme}|${this.opts.projector}`;
  }

  _synced() {
    const p = this.plotted;
    return !!p && p.withRace && p.cursor === this.frame.cursor && p.race === this.raceId
      && p.version === (this.buffer?.version ?? -1);
  }

  _want(withRace) {
    return { cursor: this.frame.cursor, version: this.buffer?.version ?? -1, race: this.raceId, withRace };
  }

  /**
   * Called once per animation frame with {cursor, moving, hoverStep, selected, arrows}.
   * Returns a promise when Plotly had to redraw now (a new surface, theme or view).
   */
  render(frame) {
    this.frame = frame;
    const p = this.plotted;
    if (this.opts.view === "3d") {
      const now = performance.now();
      let promise = null;
      if ((!p || p.key !== this._key() || !this._synced()) && (!frame.moving || now - this.last3d > 150)) {
        this.last3d = now;
        promise = this._react(this._want(true));
      }
      this._clearCanvas();
      return promise;
    }
    let promise = null;
    if (!p || p.key !== this._key()) promise = this._react(this._want(!frame.moving));
    else if (!frame.moving && !this._synced()) this._settleLater();
    this._paint();
    return promise;
  }

  /** The canvas, and whether Plotly's own path traces are shown. */
  _paint() {
    const paths = this.frame.moving || !this._synced();
    this.gd.classList.toggle("hide-race", paths);
    this._drawCanvas(paths);
  }

  _settleLater() {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      if (!this.frame.moving && !this._synced() && this.opts.view !== "3d") this._react(this._want(true));
    }, SETTLE_MS);
  }

  /** Plotly.react with one call in flight; resolves when the wanted picture is drawn. */
  _react(want) {
    this.wanted = want;
    if (this.busy) {
      this.again = true;
      return this.idle;
    }
    this.busy = true;
    const w = this.wanted;
    const { data, layout } = this.figure(w.withRace ? w.cursor : null);
    if (!this.idleResolve) this.idle = new Promise((r) => { this.idleResolve = r; });
    const idle = this.idle;
    Plotly().react(this.gd, data, layout, CONFIG).then(() => {
      this.plotted = { ...w, key: this._key() };
      this._mountCanvas();
      if (!this.wired) {
        this.wired = true;
        this.gd.on("plotly_hover", (ev) => {
          const pt = ev.points?.[0];
          if (pt && String(pt.data?.uid ?? "").startsWith("race-path") && Number.isFinite(pt.customdata)) {
            this.onHoverStep?.(pt.customdata);
          }
        });
        this.gd.on("plotly_unhover", () => this.onHoverStep?.(null));
      }
    }).finally(() => {
      this.busy = false;
      if (this.again) {
        this.again = false;
        const latest = this.wanted;
        this._react(this.opts.view === "3d" || !this.frame.moving ? { ...this._want(latest.withRace) } : latest);
        return;
      }
      if (this.opts.view !== "3d") this._paint();
      const r = this.idleResolve;
      this.idleResolve = null;
      r?.();
    });
    return idle;
  }

  /** The figure as plain data: the race up to `cursor` (null: none); exports add heads. */
  figure(cursor = this.frame.cursor, forExport = false) {
    const o = this.opts;
    if (!this.info) return { data: [], layout: {} };
    if (o.view === "3d" && this.grid) {
      return { data: surface3dTraces(this.grid, this.field, this.info, this.starts, this.buffer,
        cursor ?? 0, this.lanes, o), layout: surface3dLayout(this.info, this.field, o) };
    }
    const data = [];
    if (this.grid) data.push(contourTrace(this.grid, this.field, o));
    if (this.pool) data.push(...poolTraces(this.pool, this.lanes, o));
    data.push(...criticalTraces(this.info, o), startTrace(this.starts, o));
    if (this.guesses?.length) data.push(guessTrace(this.guesses, o));
    if (cursor !== null && this.buffer) data.push(...raceTraces(this.buffer, cursor, this.lanes, this.info, { ...o, heads: forExport }));
    const width = this.gd._fullLayout?.xaxis?._length ?? 0; // labels thin out on a small plot
    return { data, layout: surfaceLayout(this.info, { ...o, empty: !this.buffer, width }) };
  }

  /** Axis geometry in CSS pixels, from Plotly's laid-out axes. */
  _axes() {
    const fl = this.gd._fullLayout;
    const xa = fl?.xaxis;
    const ya = fl?.yaxis;
    if (!xa || !ya || !xa._length) return null;
    return {
      x: (v) => xa._offset + ((v - xa.range[0]) / (xa.range[1] - xa.range[0])) * xa._length,
      y: (v) => ya._offset + (1 - (v - ya.range[0]) / (ya.range[1] - ya.range[0])) * ya._length,
      ix: (px) => xa.range[0] + ((px - xa._offset) / xa._length) * (xa.range[1] - xa.range[0]),
      iy: (py) => ya.range[0] + (1 - (py - ya._offset) / ya._length) * (ya.range[1] - ya.range[0]),
      box: [xa._offset, ya._offset, xa._length, ya._length],
    };
  }

  /** Put the canvas inside Plotly's container, under its hover labels. */
  _mountCanvas() {
    const container = this.gd.querySelector(".svg-container");
    if (!container) return;
    const svgs = container.querySelectorAll(":scope > svg.main-svg");
    const top = svgs[svgs.length - 1];
    if (this.canvas.parentNode !== container) container.insertBefore(this.canvas, svgs.length > 1 ? top : null);
    this._sizeCanvas();
  }

  _sizeCanvas() {
    const w = this.gd.clientWidth;
    const hgt = this.gd.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(hgt * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(hgt * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${hgt}px`;
    }
    return dpr;
  }

  _clearCanvas() {
    this.canvas.getContext("2d").clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  _drawCanvas(showPaths) {
    const axes = this._axes();
    if (!axes || !this.canvas.parentNode) return;
    const dpr = this._sizeCanvas();
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width / dpr, this.canvas.height / dpr);
    drawOverlay(ctx, axes, {
      buffer: this.buffer, lanes: this.lanes, info: this.info, frame: this.frame, showPaths, heads: true,
      colors: themeColors(this.opts.theme, this.opts.projector), sizes: sizes(this.opts.projector, this.opts.scale),
      projector: this.opts.projector,
    });
  }

  _resized() {
    if (!this.gd._fullLayout) return;
    Plotly().Plots.resize(this.gd).then(() => {
      if (this.opts.view !== "3d") this._paint();
    }).catch(() => {});
  }

  _click(ev) {
    if (this.opts.view === "3d") return;
    const axes = this._axes();
    if (!axes) return;
    const r = this.gd.getBoundingClientRect();
    const px = ev.clientX - r.left;
    const py = ev.clientY - r.top;
    const [bx, by, bw, bh] = axes.box;
    if (px < bx || px > bx + bw || py < by || py > by + bh) return;
    this.onPick?.([axes.ix(px), axes.iy(py)], ev.shiftKey);
  }
}

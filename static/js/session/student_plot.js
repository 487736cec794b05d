// The student page's surface: contour, critical points, starts, the race up to the playhead
// and the student's guesses, drawn with the dashboard's pure figure builders. One
// Plotly.react at a time; the newest wanted picture wins. Taps become data coordinates.

import { colourField, contourTrace, criticalTraces, guessTrace, raceTraces, startTrace, surfaceLayout } from "../surface_fig.js";

const CONFIG = { displayModeBar: false, responsive: true, displaylogo: false, scrollZoom: false, doubleClick: false };

/** Each guess's lane number beside its cross: two lanes of one optimizer share a colour. */
function guessNumbers(guesses) {
  return {
    type: "scatter", mode: "markers+text", marker: { size: 22, opacity: 0 }, x: guesses.map((g) => g.xy[0]), y: guesses.map((g) => g.xy[1]),
    text: guesses.map((_, i) => `${i + 1}`), textposition: "top right", hoverinfo: "skip", showlegend: false,
    textfont: { size: 14, color: guesses.map((g) => g.color), family: "system-ui, sans-serif", weight: 700, shadow: "auto" },
    cliponaxis: false,
  };
}

export class StudentPlot {
  constructor(gd, { onTap }) {
    this.gd = gd;
    this.onTap = onTap;
    this.scene = null;
    this.busy = false;
    this.again = false;
    this.key = null;
    gd.addEventListener("click", (ev) => this._click(ev));
    new ResizeObserver(() => this._resized()).observe(gd);
  }

  /** The surface's info and grid (the colour field is computed once per surface). */
  setSurface(info, grid) {
    this.info = info;
    this.grid = grid;
    this.field = grid ? colourField(grid, !!info?.log_scale) : null;
  }

  /**
   * scene: {starts, buffer, lanes, cursor (null: no paths), guesses [{xy, color, label}],
   * tapping (hover off, so a tap is not covered by a label), theme}.
   */
  draw(scene) {
    this.scene = scene;
    if (!this.info) return;
    const key = JSON.stringify([scene.cursor, scene.guesses, scene.starts, scene.tapping, scene.theme,
      scene.raceId, this.info?.name, this.grid?.x?.length, this.gd.clientWidth, this.lang]);
    if (key === this.key) return;
    this.key = key;
    this._react();
  }

  redraw(lang) {
    this.lang = lang;
    this.key = null;
    if (this.scene) this.draw(this.scene);
  }

  figure() {
    const s = this.scene;
    const o = { theme: s.theme ?? "light", projector: false };
    const width = this.gd.clientWidth;
    const data = [];
    if (this.grid) {
      const contour = contourTrace(this.grid, this.field, o);
      contour.showscale = width >= 560; // a phone keeps its width for the surface
      if (s.tapping) contour.hoverinfo = "skip";
      data.push(contour);
    }
    data.push(...criticalTraces(this.info, o), startTrace(s.starts ?? [], o));
    if (s.cursor !== null && s.buffer) {
      data.push(...raceTraces(s.buffer, s.cursor, s.lanes, this.info, { ...o, heads: true }));
    }
    if (s.guesses?.length) data.push(guessTrace(s.guesses, o), guessNumbers(s.guesses));
    const plotWidth = this.gd._fullLayout?.xaxis?._length ?? width;
    const layout = surfaceLayout(this.info, { ...o, width: plotWidth });
    layout.margin = { l: 44, r: 8, t: 8, b: 40 };
    if (s.tapping) layout.hovermode = false;
    return { data, layout };
  }

  _react() {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    const { data, layout } = this.figure();
    window.Plotly.react(this.gd, data, layout, CONFIG).catch(() => null).finally(() => {
      this.busy = false;
      if (this.again) {
        this.again = false;
        this._react();
      }
    });
  }

  _resized() {
    if (!this.gd._fullLayout) return;
    window.Plotly.Plots.resize(this.gd).catch(() => null);
  }

  /**
   * A click or tap inside the axes → the data point under it. A tap arrives as two or three
   * clicks (Plotly's own copies and the browser's): one per place and moment counts.
   */
  _click(ev) {
    const now = ev.timeStamp || performance.now();
    const last = this.lastClick;
    if (last && Math.abs(now - last.t) < 600 && Math.hypot(ev.clientX - last.x, ev.clientY - last.y) < 10) return;
    const fl = this.gd._fullLayout;
    const xa = fl?.xaxis;
    const ya = fl?.yaxis;
    if (!xa?._length || !ya?._length) return;
    const r = this.gd.getBoundingClientRect();
    const px = ev.clientX - r.left - xa._offset;
    const py = ev.clientY - r.top - ya._offset;
    if (px < 0 || px > xa._length || py < 0 || py > ya._length) return;
    this.lastClick = { t: now, x: ev.clientX, y: ev.clientY };
    const x = xa.range[0] + (px / xa._length) * (xa.range[1] - xa.range[0]);
    const y = ya.range[0] + (1 - py / ya._length) * (ya.range[1] - ya.range[0]);
    this.onTap?.([x, y]);
  }
}

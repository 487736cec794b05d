// Build every view of the dashboard and connect its callbacks to the app.

import { SPEEDS } from "../playback.js";
import { basinRequest } from "../requests.js";
import { t } from "../i18n.js";
import { api } from "./api.js";
import { BasinsView } from "./basins_view.js";
import { ChartsView } from "./charts_view.js";
import { ControlsView } from "./controls_view.js";
import { $, $$, h } from "./dom.js";
import { exportChart } from "./export.js";
import { InspectorView } from "./inspector_view.js";
import { LanesView } from "./lanes_view.js";
import { RaceClient } from "./race.js";
import { StatusLine } from "./status.js";
import { StripView } from "./strip_view.js";
import { SurfaceView } from "./surface_view.js";
import { Legend } from "./table_view.js";
import { controlsCollapsed, setControlsOpen } from "./toolbar.js";

// What a quick re-run fetches first: what the paths and charts draw at rest (a third of the
// bytes of every array). `update` is derived from the positions; the inspector's gradient
// and moments follow in a second request, after the redraw.
const LEAN_FIELDS = ["xy", "loss", "grad_norm", "dist_min", "lr"];

const SECTIONS = ["controls", "charts", "inspector", "table", "basins", "export"];

/** The race views, wired to the app's methods; the app keeps them (`Object.assign`). */
export function buildViews(app) {
  let logBox = null;
  const select = (i) => app.selectLane(i);
  const change = (fn, o) => app.change(fn, o);
  const status = new StatusLine($("#status"), () => app.buffer);
  const surface = new SurfaceView($("#surface-plot"), {
    onPick: (xy, add) => app.pickStart(xy, add),
    onHoverStep: (k) => app.setHover(k),
  });
  $("#surface-plot").addEventListener("mouseleave", () => app.setHover(null));
  const charts = new ChartsView($("#charts"), {
    onHoverStep: (k) => app.setHover(k),
    onSeek: (k) => app.seek(k),
    onLaidOut: () => { app.invalidate(); }, // place the cursor and veil again
    onExport: (id, format) => exportChart(app, id, format),
    makeLogToggle: () => {
      const box = h("input", { type: "checkbox", id: "logy", checked: app.state.logy, dataset: { testid: "logy" },
        onchange: () => app.setView({ logy: box.checked }) });
      logBox = box;
      return h("span", { class: "logy" }, box, h("label", { for: "logy", dataset: { i18n: "chart.logy" } }, t("chart.logy")));
    },
  });
  const controls = new ControlsView(
    { surfaceRoot: $("#surface-controls"), raceRoot: $("#race-controls"), startsRoot: $("#starts") },
    { cat: app.cat, change, checkFormula: (text, domain) => api.checkFormula(text, domain ?? null, 0) },
  );
  const strip = new StripView($("#strip"), { cat: app.cat, change, openSettings: () => setControlsOpen(true) });
  const lanesView = new LanesView($("#lanes"), { cat: app.cat, change, select });
  const inspector = new InspectorView($("#inspector"), { onSelect: select });
  const legend = new Legend($("#legend"), { onSelect: select });
  const basins = new BasinsView($("#basins-panel"), {
    compute: (n, steps) => api.basins(basinRequest(app.state, n, steps)),
  });
  const client = new RaceClient({
    onResult: (buffer, run, timing) => app.onResult(buffer, run, timing),
    onStreamStart: (buffer, run) => app.onStreamStart(buffer, run),
    onDetails: (buffer) => { if (buffer === app.buffer) app.invalidate(); },
    onStatus: (kind, vars) => app.status.show(kind, vars),
    onError: (e) => app.status.error(e),
  }, { lean: LEAN_FIELDS });
  $("#speed").replaceChildren(...SPEEDS.map((s) => h("option", { value: s }, `${s}\u00d7`)));
  return { status, surface, charts, controls, strip, lanesView, inspector, legend, basins, client, logBox };
}

/**
 * Keep --chrome-h (top bar + strip + status) and --lesson-h (the lesson panel above the race)
 * current, so the race fills the screen below them.
 */
export function trackChrome() {
  const parts = ["header.topbar", "#strip", "#mlp-strip", "#status"].map((q) => $(q));
  const lesson = $("#lesson-panel");
  const update = () => {
    const root = document.documentElement.style;
    root.setProperty("--top-h", `${parts[0].offsetHeight}px`);
    root.setProperty("--chrome-h", `${parts.reduce((a, el) => a + el.offsetHeight, 0)}px`);
    root.setProperty("--lesson-h", `${lesson?.offsetHeight ?? 0}px`);
  };
  const ro = new ResizeObserver(update);
  for (const el of [...parts, lesson]) if (el) ro.observe(el);
  update();
}

/** In projector mode, figure sizes follow the screen width (a 1024-wide projector too). */
export function trackWidth(app) {
  let last = app.figOpts().scale;
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const now = app.figOpts().scale;
      if (now !== last) {
        last = now;
        app.applyViewClasses();
        app.invalidate();
      }
    }, 200);
  });
}

/** Figure options: theme, projector, and the projector's size scale (screen width). */
export function figOpts(state) {
  const scale = state.projector ? Math.min(1.25, Math.max(0.7, window.innerWidth / 1920)) : 1;
  return { theme: state.theme, projector: state.projector, scale: Math.round(scale * 20) / 20 };
}

/** Theme, language, projector, lesson mode (hidden sections), tabs and view buttons. */
export function applyViewClasses(app) {
  const s = app.state;
  const root = document.documentElement;
  root.dataset.theme = s.theme;
  root.lang = s.lang;
  document.body.classList.toggle("projector", s.projector);
  document.body.classList.toggle("lesson", s.lesson);
  $(".lesson-badge").hidden = !s.lesson;
  for (const name of SECTIONS) {
    for (const el of $$(`[data-section="${name}"]`)) el.classList.toggle("is-hidden", s.hide.includes(name));
  }
  $("#projector-toggle").setAttribute("aria-pressed", String(s.projector));
  $("#controls-toggle").setAttribute("aria-expanded", String(!controlsCollapsed()));
  $("#theme-toggle").textContent = t(s.theme === "dark" ? "top.theme.light" : "top.theme.dark");
  for (const b of $$(".segb")) b.setAttribute("aria-pressed", String(b.dataset.view === s.view));
  for (const b of $$(".tab")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === s.tab));
    b.tabIndex = b.dataset.tab === s.tab ? 0 : -1;
  }
  document.body.classList.toggle("tab-mlp", s.tab === "mlp");
  document.body.classList.toggle("tab-sweep", s.tab === "sweep");
  const bar = s.tab === "mlp" ? $("#mlp-bar") : s.tab === "sweep" ? $("#sweep-bar") : $(".stage .stage-bar");
  const tabs = $(".tabs");
  if (tabs.parentNode !== bar) bar.prepend(tabs);
  $("#run").title = t(s.tab === "mlp" ? "run.trainTitle" : "run.title");
  $("#race-panel").hidden = s.tab !== "race";
  $("#basins-panel").hidden = s.tab !== "basins";
  $(".seg").classList.toggle("is-hidden", s.tab !== "race");
  $("#speed").value = String(SPEEDS.find((v) => Math.abs(v - s.speed) < 1e-9) ?? 1);
  const opts = app.figOpts();
  app.surface.setOptions({ ...opts, view: s.view });
  app.charts.setOptions({ ...opts, logy: s.logy });
}

// One animation frame of the dashboard: the playback clock, the surface, the charts'
// cursors, the legend, the transport, the inspector and (once a run is done) the summaries.
// Frames that arrive meanwhile are only written to the buffer; they are drawn here, once.

import { getLang, t } from "../i18n.js";
import { lrSummary, metricSummary, momentUsed, surfaceSummary } from "../summaries.js";
import { $ } from "./dom.js";
import { icon } from "./icons.js";
import { renderTable } from "./table_view.js";

/** Start the requestAnimationFrame loop. */
export function startLoop(app) {
  let last = performance.now();
  const loop = (now) => {
    requestAnimationFrame(loop); // first, so that one bad frame cannot stop the loop
    const dt = now - last;
    last = now;
    if (app.state.tab === "mlp") {
      app.mlp.tick(dt);
      return;
    }
    if (app.state.tab === "sweep") return; // the race's views are hidden (the tab switch asks for a redraw)
    const b = app.buffer;
    const moved = b ? app.playback.tick(dt, b.rows, b.done) : false;
    const dirty = b ? b.takeDirty() !== null || b.version !== app.drawn.version : false;
    if (moved || dirty || app.needsDraw || app.charts.wantsFlush()) drawFrame(app, false);
  };
  requestAnimationFrame(loop);
}

/** Draw now; returns the promises of the Plotly calls this started. */
export function drawFrame(app, force) {
  app.needsDraw = false;
  const b = app.buffer;
  const cursor = app.playback.cursor;
  const streaming = !!b && !b.done;
  const moving = app.playback.playing || streaming;
  const promises = [];
  if (b && (force || b.version !== app.drawn.version)) app.charts.invalidate();
  app.drawn.version = b?.version;
  const spec = b ? app.state.lanes[b.meta.lanes[app.state.lane]?.optimizer] : null;
  const sp = app.surface.render({ cursor, moving, hoverStep: app.hoverStep,
    selected: app.state.tab === "race" ? app.state.lane : null, arrows: !app.playback.playing,
    momentum: momentUsed(spec) });
  if (sp) promises.push(sp);
  const limit = app.shownLimit();
  app.charts.setLimit(limit);
  // while moving, one chart per flush in turn (charts_view.flush): each about every 0.2-0.4 s
  promises.push(...app.charts.flush(streaming ? 100 : limit !== null && app.playback.playing ? 50 : 0));
  app.charts.setCursor(cursor, app.hoverStep);
  app.legend.update(b, cursor);
  transport(app, cursor);
  const now = performance.now();
  if (!app.playback.playing || now - (app.drawn.inspectedAt) > 120) { // ~8 Hz while playing
    app.drawn.inspectedAt = now;
    app.inspector.update(b, app.labels, app.state.lane, cursor, getLang(), spec);
  }
  if (b?.done && limit === null) summaries(app);
  else if (b?.done) pendingSummaries(app);
  if (app.drawn.shownAll !== (limit === null)) {
    app.drawn.shownAll = limit === null;
    app.lessonPanel?.predict.render(); // the endpoints are listed once the race has played
  }
  if (streaming && cursor % 10 === 0) app.status.show("running", { k: b.rows - 1, n: b.steps });
  return promises;
}

/** Resolves once the surface and every chart show the current data. */
export function whenSettled(app) {
  return new Promise((resolve) => {
    const check = () => {
      if (!app.surface.busy && app.charts.settled() && !app.needsDraw) resolve();
      else requestAnimationFrame(check);
    };
    check();
  });
}

function transport(app, cursor) {
  const total = app.buffer?.steps ?? app.state.steps;
  const scr = $("#scrubber");
  if (Number(scr.max) !== total) scr.max = String(total);
  if (document.activeElement !== scr || app.playback.playing) scr.value = String(cursor);
  const label = `${t("play.stepShort")} ${cursor} / ${total}`;
  const out = $("#step-label");
  if (out.textContent !== label) out.textContent = label;
  const play = $("#play");
  const playing = app.playback.playing;
  if (play.dataset.state !== `${playing}${getLang()}`) {
    play.dataset.state = `${playing}${getLang()}`;
    play.replaceChildren(icon(playing ? "pause" : "play", 20));
    play.title = t(playing ? "play.pause" : "play.play");
    play.setAttribute("aria-label", play.title);
  }
  const run = $("#run");
  const live = app.client.streaming;
  if (run.dataset.live !== `${live}${getLang()}`) {
    run.dataset.live = `${live}${getLang()}`;
    run.querySelector(".txt").textContent = t(live ? "run.stop" : "run.run");
    run.querySelector(".ico").replaceChildren(icon(live ? "stop" : "play"));
  }
}

/** Before playback reaches the end: no final numbers anywhere, only how to get there. */
function pendingSummaries(app) {
  const key = `pending|${app.buffer.version}|${getLang()}`;
  if (key === app.drawn.summaryKey) return;
  app.drawn.summaryKey = key;
  $("#sum-surface").textContent = t("table.pending");
  app.charts.setSummaries({ loss: "", grad: "", dist: "", lr: "" });
  $("#table").replaceChildren(Object.assign(document.createElement("p"),
    { className: "muted table-pending", textContent: t("table.pending") }));
  $("#table").dataset.pending = "1";
}

/** The summary table and the screen-reader summaries of every chart. */
function summaries(app) {
  const b = app.buffer;
  const key = `${b.version}|${getLang()}|${app.state.lane}|${app.labels.join()}`;
  if (key === app.drawn.summaryKey) return;
  app.drawn.summaryKey = key;
  delete $("#table").dataset.pending;
  $("#sum-surface").textContent = surfaceSummary(b.summary, app.labels);
  app.charts.setSummaries({
    loss: metricSummary("sum.loss", b, app.labels), grad: metricSummary("sum.grad", b, app.labels),
    dist: metricSummary("sum.dist", b, app.labels), lr: lrSummary(b, app.labels),
  });
  renderTable($("#table"), b.summary, app.labels, b.meta, app.state.lane, (i) => app.selectLane(i));
}

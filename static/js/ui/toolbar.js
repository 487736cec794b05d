// The top bar and panel buttons: run, transport, scrubber, speed, toggles, copy link,
// tabs, 2D/3D, exports.

import { t } from "../i18n.js";
import { $, $$, h } from "./dom.js";
import { exportChart, exportHtml } from "./export.js";
import { toggleFullscreen } from "./lessons.js";

export function installToolbar(app) {
  // a mouse click leaves no focus on toolbar buttons, so Space keeps meaning play / pause
  for (const b of $$(".topbar button, .stage-bar button")) {
    b.addEventListener("click", (ev) => { if (ev.detail > 0) b.blur(); });
  }
  $("#run").addEventListener("click", () => {
    if (app.onMlp) {
      if (app.mlp.client.streaming) app.mlp.stop();
      else app.mlp.train();
    } else if (app.client.streaming) {
      app.client.stopLive();
      app.invalidate();
    } else {
      app.runLive();
    }
  });
  $("#play").addEventListener("click", () => app.togglePlay());
  $("#back").addEventListener("click", () => app.step(-1));
  $("#fwd").addEventListener("click", () => app.step(1));
  $("#reset").addEventListener("click", () => app.resetPlayback());
  const scr = $("#scrubber");
  scr.addEventListener("input", () => app.seek(Number(scr.value)));
  $("#speed").addEventListener("change", (ev) => app.setView({ speed: Number(ev.target.value) }));

  $("#lang-toggle").addEventListener("click", () => app.setView({ lang: app.state.lang === "en" ? "ko" : "en" }));
  $("#theme-toggle").addEventListener("click", () => app.setView({ theme: app.state.theme === "dark" ? "light" : "dark" }));
  $("#projector-toggle").addEventListener("click", () => app.setView({ projector: !app.state.projector }));
  $("#fullscreen").addEventListener("click", () => toggleFullscreen());
  $("#keys-button").addEventListener("click", () => app.showHelp());
  $("#controls-toggle").addEventListener("click", () => setControlsOpen(controlsCollapsed()));
  window.matchMedia(PHONE).addEventListener("change", () => {
    $("#controls-toggle").setAttribute("aria-expanded", String(!controlsCollapsed()));
  });
  $("#copy-link").addEventListener("click", () => copyLink(app));

  for (const b of $$(".tab")) b.addEventListener("click", () => app.setView({ tab: b.dataset.tab }));
  for (const b of $$(".segb")) b.addEventListener("click", () => app.setView({ view: b.dataset.view }));
  $("[data-testid=export-png-surface]").addEventListener("click", () => exportChart(app, "surface", "png"));
  $("[data-testid=export-svg-surface]").addEventListener("click", () => exportChart(app, "surface", "svg"));
  for (const id of ["#export-csv", "#export-json"]) {
    $(id).addEventListener("click", (ev) => {
      if ($(id).getAttribute("aria-disabled") === "true") {
        ev.preventDefault();
        app.status.show("error", { message: t("export.needsRun") });
      }
    });
  }
  $("#export-html").addEventListener("click", () => exportPage(app));
  $("#keys-dialog").addEventListener("click", (ev) => {
    if (ev.target === ev.currentTarget) ev.currentTarget.close(); // a click on the backdrop
  });
}

/** A phone: the settings start collapsed behind the Settings button (as in projector mode). */
const PHONE = "(max-width: 700px)";

/** Whether the settings column starts collapsed: projector mode, or a phone. */
function collapsedByDefault() {
  return document.body.classList.contains("projector") || window.matchMedia(PHONE).matches;
}

/** Show or hide the settings column (projector mode and phones start with it collapsed). */
export function setControlsOpen(open) {
  const b = document.body.classList;
  const folded = collapsedByDefault();
  b.toggle("controls-open", open && folded);
  b.toggle("controls-closed", !open && !folded);
  $("#controls-toggle").setAttribute("aria-expanded", String(open));
  if (open) $("#controls")?.scrollIntoView({ block: "nearest" });
}

/** Whether the settings column is hidden now. */
export function controlsCollapsed() {
  const b = document.body.classList;
  if (b.contains("controls-closed")) return true;
  if (b.contains("controls-open")) return false;
  return collapsedByDefault();
}

async function copyLink(app) {
  const url = app.url();
  try {
    await navigator.clipboard.writeText(url);
    app.status.show("copied");
  } catch {
    const box = h("input", { type: "text", value: url, readonly: true, class: "link-box", "aria-label": t("top.copy") });
    $("#status").replaceChildren(t("status.copyFailed"), " ", box);
    box.select();
  }
}

async function exportPage(app) {
  if (!app.buffer) {
    app.status.show("error", { message: t("export.needsRun") });
    return;
  }
  $("#status").textContent = t("export.building");
  const figures = [{ id: "surface", title: $("#stage-title").textContent, figure: app.surface.figure(app.playback.cursor, true) }];
  figures[0].figure.layout = { ...figures[0].figure.layout, annotations: [] };
  for (const id of ["loss", "grad", "dist", "lr"]) figures.push({ id, title: t(`chart.${id}`), figure: app.charts.figure(id) });
  const summaries = { surface: $("#sum-surface").textContent };
  for (const id of ["loss", "grad", "dist", "lr"]) summaries[id] = $(`#sum-${id}`)?.textContent ?? "";
  try {
    await exportHtml({ lang: app.state.lang, title: `${t("export.htmlHeading")} · ${$("#stage-title").textContent}`,
      url: app.url(), figures, tableHtml: $("#table").innerHTML, summaries, dark: app.state.theme === "dark",
      filename: "descentlab-race.html" });
    $("#status").textContent = "";
  } catch (e) {
    app.status.show("error", { message: e.message });
  }
}

// Lesson presets from GET /api/presets (keys 1–9 and a picker load them) and the keyboard
// actions that drive a class.

import { pick, t } from "../i18n.js";
import { stateFromRequest } from "../requests.js";
import { mlpFromRequest } from "../mlp/config.js";
import { decodeState } from "../state.js";
import { $, h } from "./dom.js";

/** A lesson picker in the stage bar, when the service has presets. */
export function presetPicker(app) {
  if (!app.presets.length) return;
  const sel = h("select", { id: "preset", dataset: { testid: "preset-select" },
    onchange: () => { if (sel.value !== "") applyPreset(app, Number(sel.value)); } },
  h("option", { value: "" }, "\u2014"),
  app.presets.map((p, i) => h("option", { value: i }, `${i + 1}. ${pick(p.title ?? p.label ?? p.name)}`)));
  $(".stage-bar").insertBefore(h("span", { class: "preset" },
    h("label", { for: "preset", dataset: { i18n: "presets.label" } }, t("presets.label")), sel), $("#stage-title"));
}

/**
 * Load preset i: {query} (a dashboard URL query) or {config} / {run} (a run request); an
 * MLP request opens the MLP tab with its settings.
 */
export function applyPreset(app, i) {
  const p = app.presets[i];
  if (!p) return;
  const s = app.state;
  const req = p.config ?? p.run;
  if (req?.kind === "mlp") {
    openMlp(app, mlpFromRequest(app.cat, req), p);
    return;
  }
  const query = p.query ?? p.url?.split("?")[1];
  const view = { lang: s.lang, theme: s.theme, projector: s.projector, lesson: s.lesson, hide: s.hide, speed: s.speed };
  const next = query ? { ...decodeState(app.cat, query, s.lang), ...view }
    : req ? stateFromRequest(app.cat, req, s) : null;
  if (!next) return;
  if (query && next.tab === "mlp") {
    openMlp(app, next.mlp, p);
    return;
  }
  if (s.tab === "mlp") app.setView({ tab: "race" });
  app.change((st) => Object.assign(st, next, { tab: st.tab }), { rerender: true, surface: true });
  app.status.show("preset", { name: pick(p.title ?? p.label ?? p.name), help: pick(p.explanation ?? p.help ?? "") });
}

/** Show an MLP preset: its settings on the MLP tab, trained at once. */
function openMlp(app, mlp, p) {
  app.state.mlp = mlp;
  if (app.state.tab !== "mlp") app.setView({ tab: "mlp" });
  app.mlp.change(() => {}, { rerender: true });
  app.status.show("preset", { name: pick(p.title ?? p.label ?? p.name), help: pick(p.explanation ?? p.help ?? "") });
}

/** What each shortcut does (see keys.js for which key is which). */
export function keyActions(app) {
  return {
    togglePlay: () => app.togglePlay(),
    step: (n) => app.step(n),
    seek: (k) => app.seek(Number.isFinite(k) ? k : app.buffer?.steps ?? 0),
    reset: () => app.resetPlayback(),
    fullscreen: () => toggleFullscreen(),
    projector: () => app.setView({ projector: !app.state.projector }),
    lang: () => app.setView({ lang: app.state.lang === "en" ? "ko" : "en" }),
    theme: () => app.setView({ theme: app.state.theme === "dark" ? "light" : "dark" }),
    digit: (k) => (app.presets.length ? applyPreset(app, k - 1) : app.selectLane(k - 1)),
    hasPresets: () => app.presets.length > 0,
    isMlp: () => app.onMlp,
  };
}

export function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen?.();
  else document.documentElement.requestFullscreen?.().catch(() => {});
}

// Lesson presets (GET /api/presets): a preset's run and view become the dashboard's state,
// keys 1–9 open the presets of the current topic, and the keyboard actions that drive a class.

import { pick } from "../i18n.js";
import { stateFromRequest } from "../requests.js";
import { mlpFromRequest } from "../mlp/config.js";

/** The state a preset opens: its run (race or MLP tab) and its view, keeping language/theme. */
export function presetState(cat, p, base) {
  // a sweep preset's base run is the setup its tab starts from (the sweep opens on the Sweep tab)
  const run = p.sweep?.base ?? p.run ?? {};
  const view = p.view ?? {};
  const st = run.kind === "mlp"
    ? { ...base, mlp: mlpFromRequest(cat, run), tab: "mlp", mlpLane: 0 }
    : { ...stateFromRequest(cat, run, base), tab: "race" };
  if (p.sweep) st.tab = "sweep";
  if (typeof view.log_loss === "boolean") st.logy = view.log_loss;
  if (run.kind !== "mlp") st.view = view.show_3d && !view.predict ? "3d" : "2d"; // guesses are placed in 2D
  if (Number.isFinite(view.speed)) st.speed = Math.min(10, Math.max(0.1, view.speed));
  st.preset = p.id;
  return st;
}

/**
 * Open preset p on the running app. The setup it replaces stays one Back away (a history
 * entry of its own) and the status line says what happened, with an Undo button.
 */
export function applyPreset(app, p, { remember = true } = {}) {
  if (!p) return;
  if (remember) app.rememberSetup();
  const next = presetState(app.cat, p, app.state);
  const { logy, view, speed } = next;
  if (next.tab === "sweep") {
    // the base into its own tab (the race re-runs there; an MLP base waits for its tab), then the sweep
    if (p.sweep.base?.kind === "mlp") {
      app.state.mlp = next.mlp;
      app.state.mlpLane = 0;
      if (app.mlp.built) app.mlp.change(() => {}, { rerender: true, lesson: true });
    } else {
      app.change((st) => Object.assign(st, next, { tab: st.tab, logy: st.logy, view: st.view, speed: st.speed }),
        { rerender: true, surface: true, lesson: true });
    }
    if (app.state.tab !== "sweep") app.setView({ tab: "sweep" });
  } else if (next.tab === "mlp") {
    app.state.mlp = next.mlp;
    app.state.mlpLane = 0;
    if (app.state.tab !== "mlp") app.setView({ tab: "mlp" });
    app.mlp.change(() => {}, { rerender: true, lesson: true });
  } else {
    if (app.state.tab !== "race") app.setView({ tab: "race" });
    app.change((st) => Object.assign(st, next, { tab: st.tab, logy: st.logy, view: st.view, speed: st.speed }),
      { rerender: true, surface: true, lesson: true });
  }
  app.setView({ logy, view, speed });
  app.state.preset = p.id;
  app.showLesson(p);
  openLessonTools(app, p);
  if (remember) {
    app.pushUrl();
    app.status.show("lessonOpened", { name: pick(p.title), undo: () => history.back(), holdMs: 8000 });
  } else app.saveUrl();
}

/**
 * What a preset opens besides its run: a sweep (started on the Sweep tab, drawn as its view
 * says: x, color, chart) or the MLP tab's range test ("lr_finder" with view.open "lr_finder").
 */
export function openLessonTools(app, p) {
  if (p?.sweep) app.sweep?.openPreset(p.sweep, p.view ?? {});
  else if (p?.lr_finder || p?.view?.open === "lr_finder") app.mlp?.lrFinder?.open(p.lr_finder ?? {});
  else app.mlp?.lrFinder?.close();
}

/** The presets of the topic shown (the lesson's topic, else the first), in key order. */
export function topicPresets(app) {
  const topics = app.lessons?.topics ?? [];
  const topic = topics.find((tp) => tp.id === app.lesson?.topic) ?? topics[0];
  const byId = new Map(app.presets.map((p) => [p.id, p]));
  return (topic?.presets ?? []).map((id) => byId.get(id)).filter(Boolean);
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
    // 1–9 pick a lane; inside an open lesson they open that topic's lessons instead
    digit: (k) => (app.lesson && app.presets.length ? applyPreset(app, topicPresets(app)[k - 1]) : app.selectLane(k - 1)),
    hasPresets: () => !!app.lesson && app.presets.length > 0,
    isMlp: () => app.onMlp,
  };
}

export function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen?.();
  else document.documentElement.requestFullscreen?.().catch(() => {});
}

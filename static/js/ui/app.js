// The dashboard: owns the state (mirrored in the URL), loads surfaces, turns setting
// changes into re-runs, and keeps the views in step. Drawing happens in frame.js, once per
// animation frame. While the MLP tab is shown, playback goes to its controller (ui/mlp/).

import { laneColor } from "../colors.js";
import { pick, setLang } from "../i18n.js";
import { Playback } from "../playback.js";
import { runRequest } from "../requests.js";
import { decodeState, encodeMoment, encodeState, MAX_STARTS } from "../state.js";
import { Store } from "../store.js";
import { distinctLabels, runLaneLabels } from "../summaries.js";
import { ClassSession } from "./class_session.js";
import { installCodePanel } from "./code_panel.js";
import { $, translate } from "./dom.js";
import { setExportLinks } from "./export.js";
import { drawFrame, startLoop, whenSettled } from "./frame.js";
import { fillIcons } from "./icons.js";
import { installKeys, openHelp } from "./keys.js";
import { LessonPanel } from "./lesson_panel.js";
import { keyActions, openLessonTools } from "./lessons.js";
import { LrFinderPanel } from "./mlp/lr_finder.js";
import { MlpController } from "./mlp/controller.js";
import { loadSurface } from "./surface_source.js";
import { SweepView } from "./sweep_view.js";
import { installToolbar } from "./toolbar.js";
import { applyViewClasses, buildViews, figOpts, trackChrome, trackWidth } from "./views.js";
import { wire } from "./wiring.js";

export class App {
  constructor(cat, state, lessons, lesson) {
    this.cat = cat;
    this.store = new Store(state); // every change goes through it (wiring.js subscribes)
    this.state = state;
    this.lessons = lessons ?? { topics: [], presets: [] }; // GET /api/presets
    this.presets = this.lessons.presets ?? [];
    this.lesson = lesson ?? null; // the preset shown in the lesson panel
    this.buffer = null; // the race shown (RunBuffer)
    this.run = null; // its id and links
    this.info = null; // the surface's info (domain, critical points, …)
    this.lanes = []; // per run lane: {label, color, start}
    this.labels = [];
    this.playback = new Playback(state.speed);
    this.hoverStep = null;
    this.needsDraw = true; // set by invalidate(), cleared by the frame loop (frame.js)
    // what the frame loop drew last (frame.js owns it): buffer version, inspector time,
    // whether the whole race was shown, the summary table's key
    this.drawn = { version: undefined, inspectedAt: 0, shownAll: false, summaryKey: null };
    this.surfaceSeq = 0;
    setLang(state.lang);
  }

  /** Build the views and show the first race; `run`: Run race was clicked while loading. */
  async start({ run = false } = {}) {
    Object.assign(this, buildViews(this));
    wire(this);
    this.lessonPanel = new LessonPanel($("#lesson-panel"), this);
    if (this.lesson) this.showLesson(this.lesson);
    if (this.lesson && this.state.phase === "reveal") this.lessonPanel.predict.restore(this.state.guesses ?? []);
    this.mlp = new MlpController(this);
    this.mlp.lrFinder = new LrFinderPanel(this); // the MLP tab's Range test (mlp/lr_finder.js)
    this.sweep = new SweepView(this); // the Sweep tab (sweep_view.js)
    this.applyViewClasses();
    translate(document);
    fillIcons(document);
    this.renderControls();
    installToolbar(this);
    installCodePanel(this); // the Code buttons of both tabs (code_panel.js)
    trackChrome();
    trackWidth(this);
    installKeys(keyActions(this), $("#keys-dialog"));
    this.session = new ClassSession(this); // a live class session (class_session.js)
    this.session.resume();
    window.addEventListener("popstate", () => this.restoreFromUrl());
    if (run) this.runLive();
    await this.loadSurface();
    // a live run started meanwhile (Run race during loading) is the first race: keep it
    if (!this.client.streaming && !this.client.liveToken) this.rerun();
    if (this.state.tab === "basins") this.basins.run(this.basinCtx());
    if (this.state.tab === "mlp") this.mlp.show();
    if (this.state.tab === "sweep") this.sweep.show(this.lesson?.sweep?.base?.kind === "mlp" ? "mlp" : "race");
    if (this.lesson) openLessonTools(this, this.lesson); // a lesson's sweep or range test
    startLoop(this);
  }

  // ------------------------------------------------------------------ state changes

  /** Edit the race; re-runs it (and reloads the surface when `surface` is set). What
   * follows an edit is subscribed in wiring.js. */
  change(mutator, opts = {}) {
    // an edit inside a lesson keeps the lesson open: the URL carries the edited race with it
    this.store.edit("race", mutator, { ...opts, mark: performance.now() });
  }

  /** View-only changes (theme, language, projector, 2D/3D, log axis, tab, lane, speed);
   * who redraws what is subscribed in wiring.js. */
  setView(patch) {
    this.store.set(patch);
  }

  /** "No lesson": the panel closes, the race stays as it is (one Back away from the lesson). */
  closeLesson() {
    this.rememberSetup();
    this.state.preset = null;
    this.showLesson(null);
    this.pushUrl();
  }

  /** Show preset p in the lesson panel and hide the controls its view lists. */
  showLesson(p) {
    this.lesson = p;
    document.body.dataset.lessonHide = (p?.view?.hide ?? []).join(" ");
    this.lessonPanel.show(p);
  }

  /** Theme, language, projector, lesson mode, tabs and view buttons on the page. */
  applyViewClasses() {
    applyViewClasses(this);
  }

  /** Ask for a redraw at the next animation frame. */
  invalidate() {
    this.needsDraw = true;
  }

  /** Figure options: theme, projector, and the projector's size scale (screen width). */
  figOpts() {
    return figOpts(this.state);
  }

  renderControls() {
    this.controls.render(this.state, this.info);
    this.lanesView.render(this.state);
    this.strip.render(this.state);
    this.renderTitle();
  }

  renderTitle() {
    const e = this.state.surface.name ? this.cat.surface.get(this.state.surface.name) : null;
    $("#stage-title").textContent = e ? pick(e.label) : `f(x, y) = ${this.state.surface.formula ?? ""}`;
  }

  saveUrl() {
    clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => this.writeUrl("replaceState"), 120);
  }

  /** The state into the address bar now: replaceState, or pushState for a new history entry. */
  writeUrl(method) {
    clearTimeout(this.urlTimer);
    const q = encodeState(this.cat, this.state);
    if (`?${q}` !== location.search) history[method](null, "", `?${q}`);
  }

  /** Write the URL of the setup shown now (before something replaces it). */
  rememberSetup() {
    this.writeUrl("replaceState");
  }

  /** A new history entry for the state shown now (Back returns to the one before). */
  pushUrl() {
    this.writeUrl("pushState");
  }

  /** Browser Back/Forward: show the setup the URL describes (its lesson too). */
  restoreFromUrl() {
    const next = decodeState(this.cat, location.search, this.state.lang);
    const p = next.preset ? this.presets.find((x) => x.id === next.preset) ?? null : null;
    const { lang, theme, projector, view, logy, speed, tab } = next;
    this.change((st) => Object.assign(st, next, { lang: st.lang, theme: st.theme, projector: st.projector,
      view: st.view, logy: st.logy, speed: st.speed, tab: st.tab }), { rerender: true, surface: true, lesson: true });
    this.setView({ lang, theme, projector, view, logy, speed, tab });
    this.state.preset = next.preset;
    this.showLesson(p);
    if (this.onMlp) this.mlp.change(() => {}, { rerender: true, lesson: true });
    this.status.show("text", { text: "" });
  }

  /**
   * The URL of exactly what the class sees now: the state, plus the playback step and the
   * predict phase with its guesses (Copy link).
   */
  url() {
    const predict = this.lessonPanel?.predict;
    const revealed = !!predict?.active && predict.revealed;
    const tail = encodeMoment({ step: this.onMlp || this.secret ? 0 : this.playback.cursor,
      phase: revealed ? "reveal" : null, guesses: revealed ? predict.guesses : [] });
    return `${location.origin}${location.pathname}?${encodeState(this.cat, this.state)}${tail ? `&${tail}` : ""}`;
  }

  // ------------------------------------------------------------------ surface

  /** Fetch the surface's info and grid (catalogue or formula); the newest call wins. */
  loadSurface() {
    return loadSurface(this);
  }

  /** A click on the surface moves the start; with Shift it adds one. */
  pickStart([x, y], add) {
    if (this.lessonPanel.predict.pick([x, y])) return; // predict mode: a guess, not a start
    const p = [Number(x.toFixed(3)), Number(y.toFixed(3))];
    this.change((s) => {
      if (add && s.starts.length < MAX_STARTS) s.starts.push(p);
      else s.starts = [p];
    });
    this.controls.renderStarts(this.state, this.info);
  }

  // ------------------------------------------------------------------ runs

  rerun(mark = performance.now()) {
    this.surface.setStarts(this.state.starts);
    this.session?.pushRun();
    this.client.rerun(runRequest(this.state), mark);
  }

  runLive() {
    if (this.secret) return this.togglePlay(); // the Run button reveals too, once guessed
    this.surface.setStarts(this.state.starts);
    this.session?.pushRun();
    this.status.show("starting");
    this.client.runLive(runRequest(this.state));
  }

  /**
   * A quick re-run's result: shown whole at once, except the first one (ready at step 0, or at
   * the linked step) and a race the class is predicting (hidden until the reveal).
   */
  onResult(buffer, run, timing) {
    const first = this.buffer === null;
    this.setRace(buffer, run);
    this.playback.reset(buffer.steps);
    const secret = this.secret;
    if (first && Number.isInteger(this.state.step) && !secret) this.playback.seek(this.state.step, buffer.rows);
    else if (!first && !secret) this.playback.seek(buffer.steps, buffer.rows);
    this.playback.pause();
    this.status.show(secret ? this.secretStatus : first ? "ready" : "done"); // not "press Space"
    const t1 = performance.now();
    Promise.all(drawFrame(this, true)).then(() => whenSettled(this)).then(() => {
      const now = performance.now();
      const detail = { ...timing, drawMs: now - t1, totalMs: now - timing.mark };
      this.lastTiming = detail;
      window.dispatchEvent(new CustomEvent("descentlab:redrawn", { detail }));
    });
  }

  /** A live run's first event: play along as frames stream in. */
  onStreamStart(buffer, run) {
    this.setRace(buffer, run);
    this.playback.reset(buffer.steps);
    this.playback.play();
    this.status.show("running", { k: 0, n: buffer.steps });
  }

  setRace(buffer, run) {
    this.buffer = buffer;
    this.run = run;
    this.relabel();
    setExportLinks("", run);
  }

  /** Lane labels and colours for the current run (language and theme dependent). */
  relabel() {
    const meta = this.buffer?.meta;
    this.labels = meta ? runLaneLabels(this.cat, this.state, meta) : [];
    this.lanes = (meta?.lanes ?? []).map((l, i) => ({ label: this.labels[i], color: laneColor(l.optimizer, this.state.theme), start: l.start }));
    if (meta) meta.lanes.forEach((l, i) => { l.color = this.lanes[i].color; });
    if (this.state.lane >= this.lanes.length) this.state.lane = 0;
    this.surface.setRace(this.buffer, this.lanes);
    this.charts.setRace(this.buffer, this.lanes, this.info);
    this.legend.build(this.lanes, this.state.lane);
    this.lessonPanel?.predict.sync();
    this.drawn.summaryKey = null;
    this.inspector.key = null;
    this.invalidate();
  }

  basinCtx() {
    return { info: this.info, starts: this.state.starts, names: distinctLabels(this.cat, this.state.lanes),
      opts: this.figOpts() };
  }

  /** Whether the MLP tab is shown (playback and lane picks go to its controller). */
  get onMlp() {
    return this.state.tab === "mlp";
  }

  selectLane(i) {
    if (this.onMlp) return this.mlp.selectLane(i);
    if (!Number.isInteger(i) || i < 0 || i >= Math.max(1, this.lanes.length)) return;
    this.setView({ lane: i });
    this.legend.build(this.lanes, i);
    this.drawn.summaryKey = null;
  }

  setHover(k) {
    if (k === this.hoverStep) return;
    this.hoverStep = k;
    this.invalidate();
  }

  // ------------------------------------------------------------------ playback

  /** Whether the class is still predicting: the race stays at step 0 until the reveal. */
  get secret() {
    if (this.session?.hidesRace && !this.onMlp) return true; // a class session's predict phase
    const p = this.lessonPanel?.predict;
    return !!p && p.active && !p.revealed && !this.onMlp;
  }

  /** In predict mode playback waits for the reveal: Space reveals once a guess is placed. */
  _heldForReveal() {
    if (!this.secret) return false;
    this.status.show(this.secretStatus);
    this.heldHint = true;
    return true;
  }

  /** What the status line says while the race is held for predictions. */
  get secretStatus() {
    return this.session?.hidesRace ? "classPredicting" : "predictFirst";
  }

  /** The furthest row the charts may draw (null: every row): what playback has reached. */
  shownLimit() {
    const b = this.buffer;
    if (!b) return null;
    if (this.secret) return 0;
    const reached = this.playback.reached;
    return b.done && reached >= b.rows - 1 ? null : reached;
  }

  togglePlay() {
    if (this.state.tab === "sweep") return; // the Sweep tab has no playback
    if (this.onMlp) return this.mlp.togglePlay();
    if (this.session?.hidesRace) return this.session.setPhase("reveal"); // Space reveals
    if (this.secret) {
      const predict = this.lessonPanel.predict;
      if (predict.guesses.length) predict.reveal();
      else this._heldForReveal();
      return;
    }
    if (!this.buffer) {
      this.runLive();
      return;
    }
    this.playback.toggle(this.buffer.rows);
    if (this.status.kind === "ready" || this.heldHint) this.status.show("text", { text: "" });
    this.heldHint = false;
    this.invalidate();
  }

  step(n) {
    if (this.state.tab === "sweep") return; // the Sweep tab has no playback
    if (this.onMlp) return this.mlp.step(n);
    if (this._heldForReveal()) return;
    if (this.buffer) this.playback.step(n, this.buffer.rows);
    this.invalidate();
  }

  seek(k) {
    if (this.state.tab === "sweep") return; // the Sweep tab has no playback
    if (this.onMlp) return this.mlp.seek(k);
    if (k > 0 && this._heldForReveal()) return;
    if (this.buffer) {
      this.playback.pause();
      this.playback.seek(k, this.buffer.rows);
    }
    this.invalidate();
  }

  /** Back to step 0 with nothing seen yet (a new round of predictions). */
  rewind() {
    this.playback.rewind();
    this.invalidate();
  }

  resetPlayback() {
    if (this.state.tab === "sweep") return; // the Sweep tab has no playback
    if (this.onMlp) return this.mlp.reset();
    this.playback.pause();
    this.playback.seek(0, 1);
    this.invalidate();
  }

  showHelp() {
    openHelp($("#keys-dialog"), !!this.lesson && this.presets.length > 0, this.onMlp);
  }
}

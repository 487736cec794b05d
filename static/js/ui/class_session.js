// A live class session, the teacher's (projector's) side: starts or resumes it, pushes the
// phase, the race, the view settings and the playback position to PUT /api/sessions/{code}/state,
// follows its events (joined count, pooled guesses, leaderboard) and applies the phase here:
// predict hides the race and draws the pool as a heat map; reveal plays the race over it.

import { t } from "../i18n.js";
import { runRequest } from "../requests.js";
import {
  hidesRace, parseStored, poolToDraw, PositionPacer, resultsFilename, stableJson, STORAGE_KEY, viewOf,
} from "../session/teacher_logic.js";
import { SessionStream } from "../session/stream.js";
import { call } from "../session/teacher_api.js";
import { ClassPanel, renderStartButton } from "./class_panel.js";
import { $, download } from "./dom.js";

const POLL_MS = 100; // the playback position is looked at this often (pushed ≤ 4 per second)

export class ClassSession {
  constructor(app) {
    this.app = app;
    this.info = null; // {code, teacher_token, join_url}
    this.phase = "watch";
    this.state = null; // the public state, as the server last said
    this.pool = null;
    this.board = null;
    this.folded = false;
    this.pacer = new PositionPacer(250);
    this.keys = { run: null, view: null }; // what was pushed last (stable JSON)
    this.pending = null; // a patch waiting for the request in flight
    this.panel = new ClassPanel($("#session-panel"), {
      onPhase: (p) => this.setPhase(p), onEnd: () => this.end(), onDownload: () => this.download(),
      onFold: () => this.fold(!this.folded),
    }, app.cat);
    $("#session-start").addEventListener("click", () => (this.info ? this.fold(!this.folded) : this.start()));
    this.renderButton();
  }

  get url() {
    return `/api/sessions/${encodeURIComponent(this.info.code)}`;
  }

  /** Whether the race is hidden here (the class is predicting). */
  get hidesRace() {
    return !!this.info && hidesRace(this.phase);
  }

  /** A reload of the teacher's page: carry on with the session kept in sessionStorage. */
  async resume() {
    const stored = parseStored(sessionStorage.getItem(STORAGE_KEY));
    if (!stored) return;
    try {
      const state = await call("GET", `/api/sessions/${stored.code}`);
      this.attach(stored, state);
      this.app.status.show("text", { text: t("class.resumed", { code: stored.code }) });
    } catch (e) {
      if (e.status === 404) sessionStorage.removeItem(STORAGE_KEY);
      else this.fail(e);
    }
  }

  async start() {
    if (this.starting) return; // one session per click, however many clicks
    this.starting = true;
    this.app.status.show("text", { text: t("class.starting") });
    try {
      const info = await call("POST", "/api/sessions", { body: {} });
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(info));
      this.attach(info, null);
      this.app.status.show("text", { text: t("class.started", { code: info.code }) });
    } catch (e) {
      this.fail(e);
    } finally {
      this.starting = false;
    }
  }

  /** Show the panel, follow the events, push this page's race and view. */
  attach(info, state) {
    this.info = info;
    this.folded = false;
    this.state = state;
    this.keys = { run: null, view: null };
    this.pacer.reset();
    this.panel.open(info);
    this.follow();
    this.timer = setInterval(() => this.pushPosition(), POLL_MS);
    const phase = state?.phase ?? "watch";
    if (phase !== this.phase) this.applyPhase(phase, this.phase);
    this.pushRun();
    this.pushView();
    this.refresh();
  }

  /** Forget the session here (ended, expired, or gone): the page is an ordinary dashboard again. */
  forget(message) {
    this.stream?.close();
    this.stream = null;
    clearInterval(this.timer);
    sessionStorage.removeItem(STORAGE_KEY);
    const was = this.phase;
    this.info = null;
    this.state = null;
    this.pool = null;
    this.board = null;
    this.pending = null;
    this.phase = "watch";
    this.panel.close();
    this.applyPhase("watch", was);
    this.renderButton();
    if (message) this.app.status.show("text", { text: message });
  }

  follow() {
    this.stream?.close();
    const stream = new SessionStream(`${this.url}/events`, {
      state: (s) => { this.state = s; this.refresh(); },
      guesses: (g) => { this.pool = g; this.drawPool(); },
      leaderboard: (b) => { this.board = b; this.refresh(); },
      end: (d) => this.forget(t(d?.reason === "expired" ? "class.expired" : "class.ended")),
      // the browser gave up reconnecting: go on if the session is still there
      lost: () => call("GET", this.url).then(() => stream.retry(), (e) => {
        if (e.status === 404) this.forget(t("class.gone", { code: this.info?.code ?? "" }));
      }),
    });
    this.stream = stream;
    stream.open();
  }

  // ------------------------------------------------------------------ pushing

  /** PUT a patch; patches sent meanwhile are merged and go in the next request. */
  push(patch) {
    if (!this.info) return;
    this.pending = { ...this.pending, ...patch };
    if (!this.sending) this.pump();
  }

  async pump() {
    this.sending = true;
    while (this.pending && this.info) {
      const patch = this.pending;
      this.pending = null;
      try {
        const s = await call("PUT", `${this.url}/state`, { token: this.info.teacher_token, body: patch });
        if (this.info) this.state = s;
        this.refresh();
      } catch (e) {
        this.refused(e, patch);
      }
    }
    this.sending = false;
  }

  refused(e, patch) {
    if (e.status === 404) return this.forget(t("class.gone", { code: this.info?.code ?? "" }));
    if (patch.run) this.keys.run = null; // sent again with the next re-run
    if (patch.view) this.keys.view = null;
    if (patch.position) this.pacer.reset();
    if (patch.phase) { // back to the phase the server keeps
      this.applyPhase(this.state?.phase ?? "watch", this.phase);
      this.refresh();
    }
    this.fail(e.status === 409 && patch.phase ? new Error(t("class.needRun")) : e);
  }

  /** The race as it is now (called on every re-run and live run); sent when it changed. */
  pushRun() {
    this._pushChanged("run", runRequest(this.app.state));
  }

  /** The view settings the students follow (language, theme, projector, 2D/3D, log axis). */
  pushView() {
    this._pushChanged("view", viewOf(this.app.state));
  }

  _pushChanged(name, value) {
    if (!this.info) return;
    const key = stableJson(value);
    if (key === this.keys[name]) return;
    this.keys[name] = key;
    this.push({ [name]: value });
  }

  pushPosition() {
    const app = this.app;
    if (!this.info || app.onMlp || !app.buffer) return;
    const pos = { step: app.secret ? 0 : app.playback.cursor, playing: app.playback.playing };
    const p = this.pacer.update(pos, performance.now());
    if (p) this.push({ position: p });
  }

  // ------------------------------------------------------------------ phases

  setPhase(phase) {
    if (!this.info || phase === this.phase) return;
    const was = this.phase;
    this.phase = phase;
    this.pushRun(); // predict, reveal and try need the race the server knows
    this.push({ phase });
    this.applyPhase(phase, was);
    this.refresh();
  }

  /** The phase on this page: predict holds the race at step 0; reveal plays it from 0. */
  applyPhase(phase, was) {
    const app = this.app;
    if (phase === "predict") {
      app.rewind();
      app.status.show("classPredicting");
    } else if (phase === "reveal" && was !== "reveal" && app.buffer) {
      app.playback.seek(0, app.buffer.rows);
      app.playback.play();
      app.status.show("text", { text: "" });
    } else if (was === "predict" && app.buffer && app.status.kind === "classPredicting") {
      app.status.show("text", { text: "" });
    }
    this.phase = phase;
    this.drawPool();
    app.invalidate();
  }

  drawPool() {
    const pool = this.info ? poolToDraw(this.phase, this.state, this.pool) : null;
    this.app.surface.setPool(pool);
    this.app.invalidate();
  }

  // ------------------------------------------------------------------ the panel

  fold(folded) {
    this.folded = folded;
    this.refresh();
  }

  refresh() {
    this.renderButton();
    if (!this.info) return;
    this.panel.update({ phase: this.phase, state: this.state, board: this.board, folded: this.folded });
    this.drawPool();
  }

  /** The language changed: every text again. */
  retranslate() {
    this.renderButton();
    if (this.info) this.panel.build();
  }

  renderButton() {
    renderStartButton($("#session-start"), this.info, this.folded);
  }

  async end() {
    if (!this.info) return;
    if (!window.confirm(t("class.endConfirm", { code: this.info.code }))) return;
    try {
      await call("DELETE", this.url, { token: this.info.teacher_token });
      this.forget(t("class.ended"));
    } catch (e) {
      if (e.status === 404) this.forget(t("class.ended"));
      else this.fail(e);
    }
  }

  /** The results as CSV: fetched with the token (a link cannot carry it), saved as a file. */
  async download() {
    if (!this.info) return;
    try {
      const blob = await call("GET", `${this.url}/summary?format=csv`, { token: this.info.teacher_token, raw: true });
      download(blob, resultsFilename(this.info.code));
    } catch (e) {
      this.fail(e);
    }
  }

  fail(e) {
    const message = e?.status === 0 ? t("status.network") : e?.message ?? String(e);
    this.app.status.show("error", { message: t("class.failed", { message }) });
  }
}

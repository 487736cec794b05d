// The live part of the student page: follows the teacher's session state (phase, run,
// playhead), draws the race up to the playhead, takes guesses in predict, a try in try.

import { RunBuffer } from "../buffer.js";
import { t } from "../i18n.js";
import { stateFromRequest } from "../requests.js";
import { api } from "../ui/api.js";
import { fetchSurface } from "../ui/surface_source.js";
import { sessionApi } from "./student_api.js";
import { distanceTable, endpoints, errorMessage, guessMarks, lanePlan, laneCount, phaseView } from "./student_logic.js";
import { predictBar, predictPrompt, revealTable } from "./student_panels.js";
import { StudentPlot } from "./student_plot.js";
import { SessionStream } from "./stream.js";
import { TryPanel } from "./student_try.js";

const $ = (id) => document.getElementById(id);
const msgLine = (msg) => Object.assign(document.createElement("p"), { className: `j-msg ${msg.kind}`, textContent: msg.text });

export class LiveSession {
  constructor({ cat, base, code, me, meState, onLost }) {
    Object.assign(this, { cat, base, code, me, onLost });
    this.session = null;
    this.round = null;
    this.guesses = [];
    this.sent = meState?.guesses ?? null; // this round's sent guesses (from GET /me on a rejoin)
    this.sentRound = meState?.round ?? null;
    this.msg = null;
    this.busy = false;
    this.runKey = null;
    this.surfaceKey = null;
    this.race = null; // {key, buffer} of the teacher's race
    this.raceId = 0;
    this.shown = new Map(); // element id → the signature of what it shows
    this.plot = new StudentPlot($("j-plot"), { onTap: (xy) => this.tap(xy) });
    this.tries = new TryPanel(this);
  }

  start() {
    $("j-me").textContent = t("join.you", { name: this.me.name });
    this.setConn(t("join.connecting"));
    this.stream = new SessionStream(sessionApi.eventsUrl(this.code), {
      state: (s) => this.onState(s),
      leaderboard: (b) => this.tries.setBoard(b),
      end: (d) => this.ended(d),
      status: (s) => this.setConn(s === "live" ? "" : t("join.reconnecting")),
      lost: () => this.lost(),
    });
    this.stream.open();
  }

  stop() {
    this.stream?.close();
  }

  setConn(text) {
    $("j-conn").textContent = text;
    $("j-conn").hidden = !text;
  }

  async lost() {
    try {
      await sessionApi.state(this.code);
      this.stream.retry();
    } catch (e) {
      if (e.status === 404) this.ended({ reason: "ended" });
      else this.stream.retry(4000);
    }
  }

  ended(d) {
    this.stop();
    $("j-live").hidden = true;
    const box = $("j-ended");
    box.hidden = false;
    box.replaceChildren(Object.assign(document.createElement("p"), {
      className: "j-ended-text", textContent: t(d?.reason === "expired" ? "join.expired" : "join.ended") }));
    box.dataset.reason = d?.reason ?? "ended";
  }

  relang() {
    $("j-me").textContent = t("join.you", { name: this.me.name });
    this.shown.clear();
    if (this.runState) this.lanes = lanePlan(this.cat, this.runState, this.run);
    this.tries.relang();
    this.plot.redraw(document.documentElement.lang);
    this.render();
  }

  // ---------------------------------------------------------------------------- state

  onState(s) {
    if (s.phase !== this.session?.phase) this.msg = null; // "sent" and errors belong to their phase
    this.session = s;
    if (s.round !== this.round) {
      this.round = s.round;
      this.guesses = [];
      this.msg = null;
      if (this.sentRound !== s.round) this.sent = null;
      this.tries.newRound();
    }
    const key = s.run ? JSON.stringify(s.run) : null;
    if (key !== this.runKey) this.setRun(s.run, key);
    if (s.run && (s.phase === "watch" || s.phase === "reveal") && this.race?.key !== key) this.fetchRace(s.run, key);
    this.render();
  }

  /** A new run: its dashboard state, lanes, and (when it changed) the surface picture. */
  setRun(run, key) {
    this.runKey = key;
    this.race = null;
    if (!run) {
      this.run = null;
      this.runState = null;
      this.lanes = [];
      return;
    }
    this.runState = stateFromRequest(this.cat, run, this.base);
    this.run = { ...run, starts: run.starts ?? this.runState.starts };
    this.lanes = lanePlan(this.cat, this.runState, this.run);
    const skey = JSON.stringify(this.runState.surface);
    if (skey === this.surfaceKey) return;
    this.surfaceKey = skey;
    this.surfaceReady = false;
    fetchSurface(this.cat, this.runState.surface).then(({ info, grid }) => {
      if (skey !== this.surfaceKey) return;
      this.plot.setSurface(info, grid);
      this.surfaceReady = true;
      this.render();
    }).catch((e) => this.flash(errorMessage(e), "error"));
  }

  /** The teacher's race (the server's result cache answers identical requests at once). */
  fetchRace(run, key) {
    if (this.fetching === key) return;
    this.fetching = key;
    api.runNow(run, { fields: ["xy", "loss"] }).then((res) => {
      if (key !== this.runKey) return;
      this.race = { key, buffer: RunBuffer.fromResult(res.result) };
      this.raceId += 1;
      this.render();
    }).catch((e) => this.flash(errorMessage(e), "error")).finally(() => {
      if (this.fetching === key) this.fetching = null;
    });
  }

  // ---------------------------------------------------------------------------- guesses

  tap(xy) {
    if (!this.view?.guessing || this.busy) return;
    const n = laneCount(this.run);
    if (this.guesses.length >= n) return;
    this.guesses = [...this.guesses, xy];
    this.msg = null;
    this.render();
  }

  async send() {
    if (this.busy || this.guesses.length !== laneCount(this.run)) return;
    this.busy = true;
    this.render();
    const round = this.round;
    try {
      const res = await sessionApi.guesses(this.code, this.me.student_token, this.guesses);
      this.sent = res.guesses ?? this.guesses;
      this.sentRound = res.round ?? round;
      this.msg = { text: t("join.sent", { n: this.sent.length }), kind: "ok" };
    } catch (e) {
      if (e.status === 401 || e.status === 403) return this.onLost("auth");
      this.msg = { text: errorMessage(e, "guesses"), kind: "error" };
    } finally {
      this.busy = false;
    }
    return this.render();
  }

  flash(text, kind = "info") {
    this.msg = { text, kind };
    this.render();
  }

  // ---------------------------------------------------------------------------- render

  /** Replace an element's content only when what it shows changed (typing is kept). */
  put(id, sig, build) {
    if (this.shown.get(id) === sig) return;
    this.shown.set(id, sig);
    const parts = [build()].flat().filter(Boolean);
    $(id).replaceChildren(...parts);
  }

  render() {
    const s = this.session;
    if (!s) return;
    const buffer = this.race?.key === this.runKey ? this.race.buffer : null;
    const v = phaseView(s, buffer?.steps ?? this.run?.steps);
    this.view = v;
    const title = s.title || "DescentLab";
    $("j-title").textContent = title;
    document.title = `${title} · DescentLab`;
    $("j-phase").textContent = t(`join.phase.${v.phase}`);
    $("j-phase").dataset.phase = v.phase;
    $("j-count").textContent = t("join.students", { n: s.students ?? 0 });
    document.body.dataset.phase = v.phase;
    this.renderPrompt(v);
    this.renderControls(v);
    this.renderBelow(v, buffer);
    this.renderPlot(v, buffer);
  }

  renderPrompt(v) {
    const sig = JSON.stringify([v.prompt, v.guessing && this.guesses.length, this.lanes?.map((l) => l.label), this.run ? 1 : 0]);
    this.put("j-prompt", sig, () => (v.guessing ? predictPrompt(this.lanes, this.guesses) : t(v.prompt)));
  }

  renderControls(v) {
    if (v.guessing) {
      const msg = this.msg ?? (this.sent ? { text: t("join.sent", { n: this.sent.length }), kind: "ok" } : null);
      const sig = JSON.stringify(["p", this.guesses, this.busy, msg, this.lanes.map((l) => l.color)]);
      this.put("j-controls", sig, () => predictBar({ lanes: this.lanes, guesses: this.guesses, busy: this.busy, msg }, {
        undo: () => { this.guesses = this.guesses.slice(0, -1); this.msg = null; this.render(); },
        clear: () => { this.guesses = []; this.msg = null; this.render(); },
        send: () => this.send(),
      }));
    } else if (v.tryForm) this.put("j-controls", this.tries.signature(), () => this.tries.form());
    else this.put("j-controls", JSON.stringify([v.phase, this.msg]), () => (this.msg ? msgLine(this.msg) : null));
  }

  renderBelow(v, buffer) {
    if (v.tryForm) return this.put("j-below", this.tries.belowSignature(), () => this.tries.below());
    if (v.phase !== "reveal") return this.put("j-below", v.phase, () => null);
    const mine = this.sent;
    const sig = JSON.stringify(["r", v.shownAll, mine, this.raceId, this.lanes?.map((l) => l.label)]);
    return this.put("j-below", sig, () => {
      if (!mine?.length) return Object.assign(document.createElement("p"), { className: "j-help", textContent: t("join.noGuess") });
      if (!v.shownAll || !buffer) return Object.assign(document.createElement("p"), { className: "j-help", textContent: t("join.revealWait") });
      return revealTable(distanceTable(mine, endpoints(buffer), this.lanes));
    });
  }

  renderPlot(v, buffer) {
    const wrap = $("j-plot").parentElement;
    wrap.hidden = !this.run || !this.plot.info; // no empty chart while there is no race
    if (!this.surfaceReady || wrap.hidden) return;
    let guesses = [];
    if (v.guessing) guesses = guessMarks(this.guesses, this.lanes);
    else if (v.phase === "reveal" && this.sent) guesses = guessMarks(this.sent, this.lanes);
    const own = v.tryForm ? this.tries.race() : null;
    this.plot.draw({
      starts: this.run?.starts ?? [], theme: "light", tapping: v.guessing, guesses,
      buffer: own ? own.buffer : v.paths ? buffer : null,
      lanes: own ? own.lanes : this.lanes,
      cursor: own ? own.buffer.steps : v.paths && buffer ? v.cursor : null,
      raceId: own ? `t${own.id}` : this.raceId,
    });
  }
}

// Predict, then reveal (a preset's view.predict): before the race plays, clicks on the surface
// place one guess per lane; Reveal plays the race and lists each lane's real endpoint and its
// distance to the guess.

import { fmt, fmtXY } from "../format.js";
import { t } from "../i18n.js";
import { h } from "./dom.js";

export class Predict {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.active = false;
    this.guesses = [];
    this.revealed = false;
  }

  /** Start predicting for preset p (when its view asks for it on the race), else stop. */
  start(p) {
    this.active = !!p?.view?.predict && p.run?.kind !== "mlp";
    this.clear();
  }

  clear() {
    this.guesses = [];
    const wasRevealed = this.revealed;
    this.revealed = false;
    if (wasRevealed || this.active) this.app.rewind?.(); // predicting again: back to step 0, unseen
    this.sync();
  }

  /** A copied link's phase: the race already revealed, with the class's guesses. */
  restore(guesses) {
    if (!this.active) return;
    this.guesses = guesses.slice(0, 64).map((g) => g.slice());
    this.revealed = true;
    this.sync();
  }

  /** A click on the surface: a guess for the next lane (true when taken as one). */
  pick(xy) {
    if (!this.active || this.revealed) return false;
    if (this.guesses.length < this.app.lanes.length) this.guesses.push(xy);
    this.sync();
    return true;
  }

  /** Play the race from step 0 (also with no guess: the teacher skips predicting). */
  reveal() {
    const app = this.app;
    if (!app.buffer || this.revealed) return;
    this.revealed = true;
    app.seek(0);
    app.togglePlay();
    this.sync();
  }

  sync() {
    const lanes = this.app.lanes ?? [];
    this.app.surface?.setGuesses(this.guesses.map((xy, i) => ({ xy, color: lanes[i]?.color ?? "#000", label: lanes[i]?.label ?? "" })));
    this.app.invalidate();
    this.render();
  }

  /** Each guessed lane's endpoint (its last finite position) and distance to the guess. */
  results() {
    const b = this.app.buffer;
    return this.guesses.map((g, i) => {
      const row = b ? b.headRow(i, b.rows - 1) : -1;
      const end = row >= 0 ? b.vector("xy", i, row) : null;
      return { lane: this.app.lanes[i], guess: g, end, dist: end ? Math.hypot(end[0] - g[0], end[1] - g[1]) : null };
    });
  }

  render() {
    this.root.hidden = !this.active;
    if (!this.active) return this.root.replaceChildren();
    const lanes = this.app.lanes ?? [];
    const k = this.guesses.length;
    const prompt = k < lanes.length
      ? t("predict.prompt", { k: k + 1, name: lanes[k]?.label ?? "" })
      : t("predict.placed", { n: k });
    const buttons = h("span", { class: "predict-buttons" },
      h("button", { type: "button", class: "primary", disabled: this.revealed, dataset: { testid: "predict-reveal" },
        onclick: () => this.reveal() }, t("predict.reveal")),
      h("button", { type: "button", class: "ghost", disabled: !k, dataset: { testid: "predict-clear" },
        onclick: () => this.clear() }, t("predict.clear")));
    // the real endpoints are listed only once playback has shown the whole race
    const played = this.revealed && this.app.drawn.shownAll === true;
    const said = !this.revealed ? prompt : played ? t("predict.revealed") : t("predict.playing");
    const parts = [h("p", { class: "predict-prompt", dataset: { testid: "predict-prompt" } }, said, " ", buttons)];
    if (played && this.guesses.length) {
      const head = ["predict.lane", "predict.guess", "predict.end", "predict.dist"].map((key) => h("th", {}, t(key)));
      parts.push(h("table", { dataset: { testid: "predict-table" } }, h("thead", {}, h("tr", {}, head)),
        h("tbody", {}, this.results().map((r) => h("tr", {},
          h("td", {}, h("span", { class: "swatch", style: { background: r.lane?.color ?? "" } }), ` ${r.lane?.label ?? ""}`),
          h("td", {}, fmtXY(r.guess, 2)), h("td", {}, r.end ? fmtXY(r.end, 2) : "\u2014"), h("td", {}, fmt(r.dist)))))));
    }
    this.root.replaceChildren(...parts);
  }
}

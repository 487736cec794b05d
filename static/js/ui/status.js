// The status line: what is happening (ready, running, done, busy, errors), in the current
// language; it is re-said when the language changes.

import { fmtDuration } from "../format.js";
import { t } from "../i18n.js";

const ROUTINE = new Set(["ready", "predictFirst", "classPredicting", "rerunning", "starting", "done"]);

export class StatusLine {
  constructor(el, getBuffer) {
    this.el = el;
    this.getBuffer = getBuffer;
    this.last = ["", {}];
  }

  get kind() {
    return this.last[0];
  }

  show(kind, vars = {}) {
    // a message that matters (a lesson replaced the race: Undo) outlives routine updates
    if (ROUTINE.has(kind) && this.holdUntil && performance.now() < this.holdUntil) return;
    this.holdUntil = vars.holdMs ? performance.now() + vars.holdMs : 0;
    this.last = [kind, vars];
    const b = this.getBuffer();
    const text = {
      ready: () => t("status.ready"),
      predictFirst: () => t("predict.needGuess"),
      classPredicting: () => t("class.predicting"),
      rerunning: () => t("status.rerunning"),
      starting: () => t("status.rerunning"),
      running: () => t("status.running", vars),
      busy: () => t("status.busy", vars),
      cancelled: () => t("status.cancelled"),
      done: () => t("status.done", { steps: b?.steps ?? "", lanes: b?.nLanes ?? "",
        time: fmtDuration(vars.elapsed ?? b?.elapsed ?? null) }),
      copied: () => t("status.copied"),
      mlpReady: () => t("mlp.status.ready"),
      mlpTraining: () => t("mlp.status.training"),
      mlpRunning: () => t("mlp.status.running", vars),
      mlpDone: () => t("mlp.status.done", { time: fmtDuration(vars.elapsed ?? null) }),
      preset: () => t("status.preset", vars),
      lessonOpened: () => t("status.lessonOpened", vars),
      error: () => t("status.error", vars),
      text: () => vars.text ?? "",
    }[kind];
    this.el.dataset.kind = kind;
    this.el.textContent = text ? text() : "";
    if (typeof vars.undo === "function") {
      const undo = document.createElement("button");
      undo.type = "button";
      undo.className = "mini status-undo";
      undo.dataset.testid = "status-undo";
      undo.textContent = t("status.undo");
      undo.addEventListener("click", () => vars.undo());
      this.el.append(" ", undo);
    }
  }

  /** Switching between the race and the MLP tab: keep each one's last status. */
  swap(from, to) {
    this.saved = { ...this.saved, [from]: this.last };
    this.show(...(this.saved[to] ?? ["text", { text: "" }]));
  }

  /** Say the last status again (after a language change). */
  retranslate() {
    this.show(...this.last);
  }

  error(e) {
    const message = e?.status === 0 ? t("status.network") : e?.message ?? String(e);
    this.show("error", { message });
  }
}

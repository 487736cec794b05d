// The class session's panel (the projector overlay): the join code in very large letters,
// the QR code, the join address, the joined count, the phase buttons, the leaderboard, and
// Download results / End session. Names from students go in as text only (h() makes text
// nodes), never as HTML. What it shows comes from ClassSession (class_session.js).

import { fmt } from "../format.js";
import { pick, t } from "../i18n.js";
import { counters, isLoopbackHost, leaderboardRows, PHASES, showsPool } from "../session/teacher_logic.js";
import { h } from "./dom.js";

export class ClassPanel {
  /** handlers: {onPhase(phase), onEnd(), onDownload(), onFold()}; cat: the catalog index. */
  constructor(root, handlers, cat) {
    this.root = root;
    this.on = handlers;
    this.cat = cat;
    this.info = null;
    this.view = { phase: "watch", state: null, board: null, folded: false };
    // a mouse click leaves no focus on the buttons, so Space keeps meaning play / pause
    root.addEventListener("click", (ev) => {
      const b = ev.target.closest?.("button");
      if (b && ev.detail > 0) b.blur();
    });
    // a laptop's strip takes its height from the race (session.css: --session-h)
    new ResizeObserver(() => {
      document.documentElement.style.setProperty("--session-h", `${root.offsetHeight}px`);
    }).observe(root);
  }

  /** Show the panel for session info {code, join_url}. */
  open(info) {
    this.info = info;
    this.build();
  }

  close() {
    this.info = null;
    this.root.hidden = true;
    this.root.replaceChildren();
    document.body.classList.remove("session-open", "session-folded");
  }

  /** Everything again, in the current language. */
  build() {
    if (!this.info) return;
    const { code, join_url: url } = this.info;
    const host = location.hostname;
    this.root.hidden = false;
    this.countEl = h("span", { class: "sp-count", dataset: { testid: "session-students" } });
    this.miniCount = h("span", { class: "sp-mini-count", "aria-hidden": "true" });
    this.foldBtn = h("button", { type: "button", class: "ghost mini sp-fold", dataset: { testid: "session-fold" },
      title: t("class.foldTitle"), onclick: () => this.on.onFold() }, t("class.fold"));
    const head = h("div", { class: "sp-head" },
      h("h2", { class: "sp-title" }, t("class.panel")),
      h("span", { class: "sp-mini-code", "aria-hidden": "true" }, code), this.miniCount, this.foldBtn);
    const codeBox = h("div", { class: "sp-codebox" },
      h("div", { class: "sp-label" }, t("class.code")),
      h("div", { class: "sp-code", dataset: { testid: "session-code" }, lang: "en" }, code));
    const qr = h("img", { class: "sp-qr", src: `/api/sessions/${encodeURIComponent(code)}/qr.svg`, alt: t("class.qr"),
      width: 240, height: 240, dataset: { testid: "session-qr" } });
    const join = h("div", { class: "sp-join" }, h("span", { class: "sp-label" }, t("class.joinAt")), " ",
      h("span", { class: "sp-url", dataset: { testid: "session-url" } }, url));
    const warn = isLoopbackHost(host) ? h("div", { class: "sp-warn", role: "note", dataset: { testid: "session-loopback" } },
      h("strong", {}, t("class.loopback", { host })), " ", h("span", { class: "sp-warn-fix" }, t("class.loopbackFix"))) : null;
    this.extraCounts = h("div", { class: "sp-counts" });
    this.phaseBtns = PHASES.map((p) => h("button", { type: "button", class: "segb sp-phase", dataset: { phase: p, testid: `session-phase-${p}` },
      title: t(`class.phaseTitle.${p}`), onclick: () => this.on.onPhase(p) }, t(`class.phase.${p}`)));
    const phases = h("div", { class: "seg sp-phases", role: "group", "aria-label": t("class.phase") }, this.phaseBtns);
    this.note = h("p", { class: "sp-note", dataset: { testid: "session-pool-note" } }, t("class.poolNote"));
    this.board = h("div", { class: "sp-board", dataset: { testid: "session-leaderboard" } });
    const actions = h("div", { class: "sp-actions" },
      h("button", { type: "button", class: "mini", dataset: { testid: "session-download" }, title: t("class.downloadTitle"),
        onclick: () => this.on.onDownload() }, t("class.download")),
      h("button", { type: "button", class: "mini danger", dataset: { testid: "session-end" }, title: t("class.endTitle"),
        onclick: () => this.on.onEnd() }, t("class.end")));
    const ident = h("div", { class: "sp-ident" }, h("div", { class: "sp-ident-text" }, codeBox, join), qr);
    const live = h("div", { class: "sp-live" }, h("div", { class: "sp-countrow" }, this.countEl, this.extraCounts), phases, this.note, actions);
    this.root.replaceChildren(head, h("div", { class: "sp-body" }, ident, warn, live, this.board));
    document.body.classList.add("session-open");
    this.update(this.view);
  }

  /** What changes: {phase, state (the public state), board (a leaderboard event), folded}. */
  update(view) {
    this.view = { ...this.view, ...view };
    if (!this.info) return;
    const { phase, state, board, folded } = this.view;
    document.body.classList.toggle("session-folded", !!folded);
    this.root.classList.toggle("folded", !!folded);
    this.root.dataset.phase = phase;
    this.foldBtn.textContent = folded ? t("class.panel") : t("class.fold");
    this.foldBtn.setAttribute("aria-expanded", String(!folded));
    const c = counters(state);
    this.countEl.textContent = t("class.students", { n: c.students });
    this.miniCount.textContent = t("class.students", { n: c.students });
    const extra = [];
    if (phase === "predict" || phase === "reveal") extra.push(t("class.guessed", { n: c.guessed, m: c.students }));
    if (phase === "try" || c.tries) extra.push(t("class.tries", { n: c.tries }));
    this.extraCounts.textContent = extra.join(" \u00b7 ");
    for (const b of this.phaseBtns) b.setAttribute("aria-pressed", String(b.dataset.phase === phase));
    this.note.hidden = !showsPool(phase);
    this.renderBoard(board, phase);
  }

  /** The leaderboard (top entries): shown in Try, and in other phases once it holds tries. */
  renderBoard(board, phase) {
    const label = (name) => {
      const e = this.cat?.optimizer?.get(name);
      return e ? pick(e.label) : name;
    };
    const rows = leaderboardRows(board, label, (x) => fmt(x, 3), phase === "try" ? 20 : 5, (x) => fmt(x, 2));
    this.board.hidden = phase !== "try" && !rows.length;
    const title = h("h3", { class: "sp-board-title" }, t("class.board"));
    if (!rows.length) {
      this.board.replaceChildren(title, h("p", { class: "muted sp-empty" }, t("class.boardEmpty")));
      return;
    }
    const head = h("tr", {}, h("th", { scope: "col", class: "num" }, t("class.rank")),
      h("th", { scope: "col" }, `${t("class.name")} · ${t("class.optimizer")} · ${t("class.lr")}`),
      h("th", { scope: "col", class: "num" }, t("class.loss")));
    const body = rows.map((r) => h("tr", { dataset: { testid: "session-entry" } },
      h("td", { class: "num" }, r.rank),
      h("td", { class: "sp-who", title: `${r.name} · ${r.optimizer} · ${t("class.lr")} ${r.lr}` },
        h("span", { class: "sp-name" }, r.name), " ",
        h("span", { class: "sp-sub" }, `${r.optimizer} · ${t("class.lr")} ${r.lr}`)),
      h("td", { class: r.diverged ? "num bad" : "num" }, r.diverged ? t("class.diverged") : r.loss)));
    this.board.replaceChildren(title, h("table", {}, h("thead", {}, head), h("tbody", {}, body)));
  }
}

/**
 * The top bar's button: "Start class session", or "Class K7QM2X" while one runs (pressed
 * while its panel is unfolded). Its data-i18n attributes only while it says "Start class
 * session": translate() would undo "Class K7QM2X".
 */
export function renderStartButton(b, info, folded) {
  const txt = b.querySelector(".txt") ?? b;
  const live = !!info;
  if (live) {
    delete txt.dataset.i18n;
    delete b.dataset.i18nTitle;
    delete b.dataset.i18nLabel;
  } else {
    txt.dataset.i18n = "class.start";
    Object.assign(b.dataset, { i18nTitle: "class.startTitle", i18nLabel: "class.start" });
  }
  txt.textContent = live ? t("class.open", { code: info.code }) : t("class.start");
  b.title = t(live ? "class.openTitle" : "class.startTitle");
  b.setAttribute("aria-label", txt.textContent);
  b.classList.toggle("is-live", live);
  b.setAttribute("aria-pressed", String(live && !folded));
}

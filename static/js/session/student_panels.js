// The student page's panels as DOM: the code and name forms, the predict bar, the reveal
// table, the try form, the try's result and the leaderboard. Names and server texts are
// only ever set as text (h() makes text nodes), never as HTML.

import { fmt, fmtXY } from "../format.js";
import { pick, t } from "../i18n.js";
import { h } from "../ui/dom.js";
import { leaderboardRows, momentumSpec } from "./student_logic.js";

const note = (msg, kind = "info") => (msg ? h("p", { class: `j-msg ${kind}`, role: kind === "error" ? "alert" : "status",
  dataset: { testid: "join-msg" } }, msg) : null);

/** The form asking for the join code. */
export function codeForm({ value = "", error = null }, onSubmit) {
  const input = h("input", { id: "j-code", name: "code", value, maxlength: 9, autocomplete: "off", autocapitalize: "characters",
    spellcheck: false, required: true, class: "j-code-input", dataset: { testid: "join-code" }, "aria-describedby": "j-code-help" });
  const form = h("form", { class: "j-form", dataset: { testid: "join-code-form" }, novalidate: true,
    onsubmit: (ev) => { ev.preventDefault(); onSubmit(input.value); } },
  h("label", { for: "j-code" }, t("join.code.label")), input,
  h("p", { id: "j-code-help", class: "j-help" }, t("join.code.help")),
  h("button", { type: "submit", class: "primary big" }, t("join.code.go")), note(error, "error"));
  return { el: form, focus: () => input.focus() };
}

/** The form asking for the student's name. */
export function nameForm({ code, value = "", error = null, busy = false }, onSubmit) {
  const input = h("input", { id: "j-name", name: "name", value, maxlength: 40, autocomplete: "nickname", required: true,
    dataset: { testid: "join-name" }, "aria-describedby": "j-name-help" });
  const form = h("form", { class: "j-form", dataset: { testid: "join-name-form" }, novalidate: true,
    onsubmit: (ev) => { ev.preventDefault(); onSubmit(input.value); } },
  h("p", { class: "j-session-code" }, t("join.name.session", { code })),
  h("label", { for: "j-name" }, t("join.name.label")), input,
  h("p", { id: "j-name-help", class: "j-help" }, t("join.name.help")),
  h("button", { type: "submit", class: "primary big", disabled: busy }, t(busy ? "join.joining" : "join.name.go")),
  note(error, "error"));
  return { el: form, focus: () => input.focus() };
}

const swatch = (color) => h("span", { class: "j-swatch", style: { background: color }, "aria-hidden": "true" });

/** Predict: Undo / Clear / Send on one row (the plot never moves under a finger), then a message slot. */
export function predictBar({ lanes, guesses, busy, msg }, on) {
  const k = guesses.length;
  const done = k >= lanes.length;
  return h("div", { class: "j-actions", dataset: { testid: "join-predict" } },
    h("div", { class: "j-buttons" },
      h("button", { type: "button", class: "big", disabled: !k || busy, onclick: on.undo, dataset: { testid: "join-undo" } }, t("join.undo")),
      h("button", { type: "button", class: "big", disabled: !k || busy, onclick: on.clear, dataset: { testid: "join-clear" } }, t("join.clear")),
      h("button", { type: "button", class: "primary big", disabled: !done || busy, onclick: on.send, dataset: { testid: "join-send" } },
        t(busy ? "join.sending" : "join.send"))),
    h("div", { class: "j-slot" }, msg ? note(msg.text, msg.kind) : null));
}

/** The prompt line of predict: the next lane's label in its colour. */
export function predictPrompt(lanes, guesses) {
  const k = guesses.length;
  if (k >= lanes.length) return [t("join.prompt.predictDone", { n: lanes.length })];
  const lane = lanes[k];
  const [before, after] = t("join.prompt.predict", { k: k + 1, name: "\u0000" }).split("\u0000");
  return [swatch(lane.color), " ", before, h("strong", { style: { color: lane.color }, class: "j-lane-name", dataset: { testid: "join-next-lane" } },
    lane.label), after];
}

/** Reveal: each guess, the lane's real endpoint and the distance between them. */
export function revealTable(rows) {
  const head = ["join.table.lane", "join.table.guess", "join.table.end", "join.table.dist"].map((key) => h("th", { scope: "col" }, t(key)));
  return h("table", { class: "j-table", dataset: { testid: "join-distances" } }, h("thead", {}, h("tr", {}, head)),
    h("tbody", {}, rows.map((r) => h("tr", {},
      h("td", {}, swatch(r.lane?.color ?? "#000"), ` ${r.lane?.label ?? ""}`),
      h("td", {}, fmtXY(r.guess, 2)), h("td", {}, r.end ? fmtXY(r.end, 2) : "\u2014"),
      h("td", { class: "num" }, fmt(r.dist))))));
}

/** Try: optimizer, learning rate, momentum (when the optimizer has one), steps, Send. */
export function tryForm({ cat, limits, values, busy, msg }, on) {
  const entries = [...cat.optimizer.values()];
  const entry = cat.optimizer.get(values.name) ?? entries[0];
  const mSpec = momentumSpec(entry);
  const max = limits?.steps ?? 300;
  const field = (id, label, input) => h("div", { class: "j-field" }, h("label", { for: id }, label), input);
  const select = h("select", { id: "j-opt", dataset: { testid: "join-try-optimizer" },
    onchange: (ev) => on.change({ name: ev.target.value }) },
  entries.map((e) => h("option", { value: e.name, selected: e.name === entry?.name }, pick(e.label))));
  const num = (id, key, attrs) => h("input", { id, type: "number", inputmode: "decimal", value: values[key] ?? "",
    dataset: { testid: `join-try-${key}` }, oninput: (ev) => on.change({ [key]: ev.target.value }), ...attrs });
  return h("form", { class: "j-try", dataset: { testid: "join-try" }, novalidate: true,
    onsubmit: (ev) => { ev.preventDefault(); on.send(); } },
  field("j-opt", t("join.try.optimizer"), select),
  field("j-lr", t("join.try.lr"), num("j-lr", "lr", { step: "any", min: 0 })),
  mSpec ? field("j-mom", t("join.try.momentum"), num("j-mom", "momentum", { step: "any", min: mSpec.low ?? 0, max: mSpec.high ?? 1 })) : null,
  field("j-steps", t("join.try.steps", { max }), num("j-steps", "steps", { step: 1, min: 1, max, inputmode: "numeric" })),
  h("button", { type: "submit", class: "primary big", disabled: busy, dataset: { testid: "join-try-send" } },
    t(busy ? "join.sending" : "join.try.send")),
  msg ? note(msg.text, msg.kind) : null);
}

/** The student's last try: final loss and rank. */
export function tryResult(res) {
  if (!res) return null;
  const text = res.diverged ? t("join.try.diverged", { rank: res.rank ?? "\u2014" })
    : t("join.try.result", { loss: fmt(res.final_loss, 4), rank: res.rank ?? "\u2014" });
  return h("p", { class: `j-result${res.diverged ? " bad" : ""}`, dataset: { testid: "join-try-result" } }, text);
}

/** The leaderboard (top 20): rank, name (text only), optimizer and rate, final loss. */
export function leaderboard(board, myId, cat = null) {
  const rows = leaderboardRows(board, myId, (name) => (cat?.optimizer.has(name) ? pick(cat.optimizer.get(name).label) : name));
  const list = rows.length
    ? h("ol", { class: "j-board" }, rows.map((r) => h("li", { class: r.mine ? "mine" : "" },
      h("span", { class: "rank" }, `${r.rank}`),
      h("span", { class: "who" }, r.name, r.mine ? h("span", { class: "you" }, ` (${t("join.board.you")})`) : null),
      h("span", { class: "what" }, r.what),
      h("span", { class: "loss num" }, r.loss))))
    : h("p", { class: "j-help" }, t("join.board.empty"));
  return h("section", { class: "j-board-card", dataset: { testid: "join-leaderboard" } },
    h("h2", {}, t("join.board.title")), list);
}

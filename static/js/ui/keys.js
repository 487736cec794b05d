// Keyboard shortcuts for driving a class from the keyboard, and the "?" help dialog.

import { has, t } from "../i18n.js";
import { h, isTyping } from "./dom.js";

/** actions: {togglePlay, step(n), reset, fullscreen, digit(k), projector, lang, theme, hasPresets()} */
export function installKeys(actions, dialog) {
  document.addEventListener("keydown", (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (dialog.open && ev.key !== "?") return; // the dialog handles Escape itself
    if (isTyping(ev)) return;
    const k = ev.key;
    const onButton = ev.target instanceof HTMLElement && ["BUTTON", "SUMMARY", "A"].includes(ev.target.tagName);
    if (k === " " || k === "Spacebar") {
      if (onButton) return; // Space activates the focused button
      ev.preventDefault();
      actions.togglePlay();
    } else if (k === "ArrowRight" || k === "ArrowLeft") {
      if (ev.target instanceof HTMLElement && ev.target.type === "range") return;
      ev.preventDefault();
      actions.step((k === "ArrowRight" ? 1 : -1) * (ev.shiftKey ? 10 : 1));
    } else if (k === "Home" || k === "End") {
      ev.preventDefault();
      actions.seek(k === "Home" ? 0 : Infinity);
    } else if (k === "r" || k === "R") {
      actions.reset();
    } else if (k === "f" || k === "F") {
      actions.fullscreen();
    } else if (k === "p" || k === "P") {
      actions.projector();
    } else if (k === "l" || k === "L") {
      actions.lang();
    } else if (k === "d" || k === "D") {
      actions.theme();
    } else if (k === "?" || (k === "/" && ev.shiftKey)) {
      ev.preventDefault();
      if (dialog.open) dialog.close();
      else openHelp(dialog, actions.hasPresets(), actions.isMlp?.());
    } else if (/^[1-9]$/.test(k)) {
      actions.digit(Number(k));
    }
  });
}

/** The help dialog; `mlp`: the MLP tab's wording (epochs, training). */
export function openHelp(dialog, hasPresets, mlp = false) {
  const k = (key) => t(mlp && has(`${key}Mlp`) ? `${key}Mlp` : key);
  const rows = [
    ["Space", k("keys.space")],
    ["\u2190 / \u2192", k("keys.arrows")],
    ["Home / End", k("keys.homeEnd")],
    ["R", k("keys.r")],
    ["F", t("keys.f")],
    ["1\u20139", hasPresets ? t("keys.digitsPresets") : k("keys.digitsLanes")],
    ["P", t("keys.p")],
    ["L", t("keys.l")],
    ["D", t("keys.d")],
    ["?", t("keys.help")],
  ];
  const close = h("button", { type: "button", class: "primary", dataset: { testid: "keys-close" }, onclick: () => dialog.close() }, t("keys.close"));
  dialog.replaceChildren(
    h("h2", { id: "keys-title" }, t("keys.title")),
    h("table", { class: "keys" }, h("tbody", {}, rows.map(([key, what]) => h("tr", {}, h("th", {}, h("kbd", {}, key)), h("td", {}, what))))),
    h("div", { class: "dialog-foot" }, close));
  dialog.setAttribute("aria-labelledby", "keys-title");
  dialog.showModal();
  close.focus();
}

// The Code panel: the shown run (race or MLP) as a standalone PyTorch or Keras script
// (GET /api/runs/{id}/code?framework=...), in a dialog: a framework switch, the script in
// monospace, Copy and Download. Every text comes from the message tables (code.*).

import { t } from "../i18n.js";
import { request } from "./api.js";
import { $, download, h, translate } from "./dom.js";

export const FRAMEWORKS = ["pytorch", "keras"];
const FRAMEWORK_NAMES = { pytorch: "PyTorch", keras: "Keras" };

export class CodePanel {
  constructor() {
    this.framework = "pytorch";
    this.run = null; // {id, links} of the run shown
    this.text = "";
    this.seq = 0; // the newest load (an older answer arriving late is dropped)
    this.dialog = build(this);
    document.body.append(this.dialog);
  }

  /** Open the panel on a run ({id}); without one, say so in the status line. */
  open(run) {
    this.run = run;
    translate(this.dialog);
    if (!this.dialog.open) this.dialog.showModal();
    this.load();
  }

  setFramework(fw) {
    if (!FRAMEWORKS.includes(fw) || fw === this.framework) return;
    this.framework = fw;
    this.load();
  }

  async load() {
    const seq = ++this.seq;
    const fw = this.framework;
    for (const b of this.dialog.querySelectorAll("[data-framework]")) {
      b.setAttribute("aria-pressed", String(b.dataset.framework === fw));
    }
    this.show("", t("code.loading"));
    if (!this.run?.id) {
      this.show("", t("code.needsRun"));
      return;
    }
    try {
      const blob = await request("GET", `/api/runs/${encodeURIComponent(this.run.id)}/code?framework=${fw}`, undefined, { raw: true });
      const text = await blob.text();
      if (seq !== this.seq) return;
      this.show(text, t(fw === "keras" ? "code.noteKeras" : "code.note", { framework: FRAMEWORK_NAMES[fw] }));
    } catch (e) {
      if (seq !== this.seq) return;
      const why = e.status === 404 ? t("code.gone") : e.status === 422 ? t("code.refused", { message: e.message }) : t("code.failed");
      this.show("", why);
    }
  }

  /** The script (or nothing) and the line under the switch. */
  show(text, note) {
    this.text = text;
    $("[data-testid=code-text] code", this.dialog).textContent = text;
    $("[data-testid=code-note]", this.dialog).textContent = note;
    $("[data-testid=code-status]", this.dialog).textContent = "";
    for (const id of ["code-copy", "code-download"]) {
      $(`[data-testid=${id}]`, this.dialog).disabled = !text;
    }
  }

  async copy() {
    const status = $("[data-testid=code-status]", this.dialog);
    let ok = false;
    try {
      await navigator.clipboard.writeText(this.text);
      ok = true;
    } catch {
      ok = copyBySelection($("[data-testid=code-text]", this.dialog));
    }
    status.textContent = t(ok ? "code.copied" : "code.copyFailed");
  }

  save() {
    if (!this.text || !this.run?.id) return;
    download(new Blob([this.text], { type: "text/x-python" }), `descentlab-${this.run.id}-${this.framework}.py`);
  }
}

/** The older way to copy, where the Clipboard API is refused: select the text, copy it. */
function copyBySelection(pre) {
  const range = document.createRange();
  range.selectNodeContents(pre);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  sel.removeAllRanges();
  return ok;
}

function build(panel) {
  const switcher = h("div", { class: "code-switch", role: "group", dataset: { i18nLabel: "code.framework" } },
    ...FRAMEWORKS.map((fw) => h("button", {
      type: "button", class: "mini", "aria-pressed": String(fw === panel.framework),
      dataset: { framework: fw, testid: `code-fw-${fw}` }, onclick: () => panel.setFramework(fw),
    }, FRAMEWORK_NAMES[fw])));
  return h("dialog", { id: "code-panel", class: "dialog code-panel", dataset: { testid: "code-panel" }, "aria-labelledby": "code-title" },
    h("div", { class: "code-head" },
      h("h2", { id: "code-title", dataset: { i18n: "code.title" } }),
      switcher,
      h("div", { class: "code-actions" },
        h("button", { type: "button", class: "mini", dataset: { testid: "code-copy", i18n: "code.copy" }, onclick: () => panel.copy() }),
        h("button", { type: "button", class: "mini", dataset: { testid: "code-download", i18n: "code.download" }, onclick: () => panel.save() }),
        h("button", { type: "button", class: "mini", dataset: { testid: "code-close", i18n: "code.close" }, onclick: () => panel.dialog.close() }))),
    h("p", { class: "code-note", dataset: { testid: "code-note" } }),
    h("pre", { class: "code-text", tabindex: "0", dataset: { testid: "code-text", i18nLabel: "code.title" } }, h("code")),
    h("p", { class: "code-status", role: "status", "aria-live": "polite", dataset: { testid: "code-status" } }));
}

/** The Code buttons of both tabs: the race's run, or the MLP tab's. */
export function installCodePanel(app) {
  let panel = null;
  const openFor = (run) => {
    panel ??= new CodePanel();
    panel.open(run);
  };
  $("#code-open")?.addEventListener("click", () => openFor(app.run));
  $("#mlp-code-open")?.addEventListener("click", () => openFor(app.mlp?.run));
  return () => panel;
}

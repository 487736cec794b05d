// The MLP tab's upload box: choose a CSV, its label column (the header's, the last by
// default) and, if need be, the task; upload it (POST /api/datasets, multipart field `file`);
// or take one of the examples the server offers. The server's message (it names the row and
// the column) shows under the box. An uploaded set joins the dataset picker and is picked;
// the selected upload can be deleted. The element persists across the settings' re-renders.

import { t } from "../../i18n.js";
import { addUploads, headerColumns, isUpload, uploadId } from "../../mlp/uploads.js";
import { ApiError, request } from "../api.js";
import { h, uid } from "../dom.js";

/** POST a FormData or a CSV text; the stored description, or an ApiError with the message. */
async function send(body, query = {}) {
  const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  const init = body instanceof FormData ? { method: "POST", body }
    : { method: "POST", body, headers: { "content-type": "text/csv" } };
  let res;
  try {
    res = await fetch(`/api/datasets${q.size ? `?${q}` : ""}`, init);
  } catch {
    throw new ApiError(0, t("upload.network"));
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data?.message ?? `HTTP ${res.status}`, data?.detail ?? null);
  return data;
}

export class UploadBox {
  /** cat: the indexed catalog (its dataset map gains the uploads); choose(name): pick a set. */
  constructor({ cat, choose }) {
    Object.assign(this, { cat, choose, examples: null, busy: false });
    const fileId = uid("csv");
    const targetId = uid("target");
    const taskId = uid("task");
    // the browser's own file button speaks the browser's language, not the page's: it stays
    // in the page for the label and the keyboard's screen readers, drawn by a button of ours
    this.file = h("input", { type: "file", id: fileId, class: "upload-file", tabindex: -1, accept: ".csv,.tsv,.txt,text/csv,text/plain",
      dataset: { testid: "mlp-upload-file" }, onchange: () => this.picked() });
    this.chooseBtn = h("button", { type: "button", class: "mini", dataset: { testid: "mlp-upload-choose" },
      onclick: () => this.file.click() }, t("upload.choose"));
    this.fileName = h("span", { class: "help upload-name", dataset: { testid: "mlp-upload-name" } }, t("upload.none"));
    this.target = h("select", { id: targetId, dataset: { testid: "mlp-upload-target" }, disabled: true });
    this.task = h("select", { id: taskId, dataset: { testid: "mlp-upload-task" } },
      ["", "classification", "regression"].map((v) => h("option", { value: v }, t(`upload.task.${v || "auto"}`))));
    this.sendBtn = h("button", { type: "button", class: "mini", disabled: true, dataset: { testid: "mlp-upload-send" },
      onclick: () => this.upload() }, t("upload.send"));
    this.msg = h("div", { class: "field-error", role: "alert", dataset: { testid: "mlp-upload-error" } });
    this.note = h("p", { class: "help", role: "status", dataset: { testid: "mlp-upload-note" } });
    this.exampleRow = h("div", { class: "presets upload-examples", dataset: { testid: "mlp-upload-examples" } });
    this.deleteBtn = h("button", { type: "button", class: "mini ghost", dataset: { testid: "mlp-upload-delete" },
      onclick: () => this.remove() }, t("upload.delete"));
    this.el = h("div", { class: "upload-box", dataset: { testid: "mlp-upload" } },
      h("label", { for: fileId, class: "upload-title" }, t("upload.title")),
      h("div", { class: "upload-pick" }, this.file, this.chooseBtn, this.fileName),
      this.options = h("div", { class: "upload-options", hidden: true },
        h("div", { class: "field" }, h("label", { for: targetId }, t("upload.target")), this.target),
        h("div", { class: "field" }, h("label", { for: taskId }, t("upload.task")), this.task),
        this.sendBtn),
      this.msg, this.note,
      h("div", { class: "upload-row" }, h("span", { class: "help" }, t("upload.examples")), this.exampleRow),
      this.deleteBtn);
  }

  /** The box for the picked dataset `name` (the delete button only for an upload). */
  element(name) {
    this.current = name;
    this.deleteBtn.hidden = !isUpload(name);
    if (this.examples === null) this.loadExamples();
    return this.el;
  }

  async loadExamples() {
    this.examples = [];
    try {
      this.examples = (await request("GET", "/api/example-datasets")).examples;
    } catch {
      return;
    }
    this.exampleRow.replaceChildren(...this.examples.map((e) => h("button", { type: "button", class: "mini",
      title: t("upload.exampleTitle", { rows: e.rows, n: e.features.length, target: e.target }),
      dataset: { testid: `mlp-example-${e.file.replace(/\.csv$/, "")}` }, onclick: () => this.example(e) }, e.file)));
  }

  /** A file was chosen: its header's columns become the label choices (the last selected). */
  async picked() {
    this.msg.textContent = "";
    this.note.textContent = "";
    const f = this.file.files?.[0];
    this.fileName.textContent = f ? f.name : t("upload.none");
    if (!f) return;
    const head = await f.slice(0, 65536).text().catch(() => "");
    const cols = headerColumns(head);
    this.target.replaceChildren(...cols.map((c, i) => h("option", { value: c, selected: i === cols.length - 1 }, c)));
    this.target.disabled = cols.length === 0;
    this.options.hidden = false;
    this.sendBtn.disabled = false;
  }

  async upload() {
    const f = this.file.files?.[0];
    if (!f || this.busy) return;
    const form = new FormData();
    form.append("file", f, f.name);
    if (this.target.value) form.append("target", this.target.value);
    if (this.task.value) form.append("task", this.task.value);
    await this.run(() => send(form));
  }

  /** An example: the one already uploaded (same file name and size), else its text uploaded. */
  async example(e) {
    const known = [...this.cat.dataset.values()].find((d) => d.upload?.name === e.file && d.upload?.rows === e.rows);
    if (known) {
      this.choose(known.name);
      return;
    }
    await this.run(async () => {
      const text = await (await fetch(e.url)).text();
      return send(text, { name: e.file });
    });
  }

  async run(call) {
    this.busy = true;
    this.sendBtn.disabled = true;
    this.msg.textContent = "";
    this.note.textContent = t("upload.sending");
    try {
      const info = await call();
      await this.refresh();
      this.note.textContent = t("upload.done", { name: info.name, rows: info.rows, n: info.features.length });
      this.choose(`upload-${info.id}`);
    } catch (e) {
      this.note.textContent = "";
      this.msg.textContent = e.message;
    } finally {
      this.busy = false;
      this.sendBtn.disabled = !this.file.files?.length;
    }
  }

  /** The server's list of uploads into the picker. */
  async refresh() {
    const list = await request("GET", "/api/datasets");
    addUploads(this.cat, list.datasets);
  }

  async remove() {
    const id = uploadId(this.current);
    if (id === null) return;
    try {
      await request("DELETE", `/api/datasets/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) {
        this.msg.textContent = e.message;
        return;
      }
    }
    await this.refresh().catch(() => this.cat.dataset.delete(this.current));
    this.note.textContent = t("upload.deleted");
    this.choose(null);
  }
}

// A preset's own lesson view (view.tab gradcheck / loop / accuracy): the numbers come from
// POST /api/lessons/<endpoint> with the preset's lesson.body; the newest request wins.

import { t } from "../i18n.js";
import { api } from "./api.js";
import { h } from "./dom.js";

const VIEWS = {};

/** Register a renderer: render(root, data, ctx) → nodes; ctx.next() asks for the next step. */
export function lessonView(tab, render) {
  VIEWS[tab] = render;
}

export class LessonExtra {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.preset = null;
    this.data = null;
    this.seq = 0;
    this.error = null;
  }

  show(p) {
    this.preset = p;
    this.data = null;
    this.error = null;
    const tab = p?.view?.tab;
    if (!p?.lesson || !VIEWS[tab]) {
      this.render();
      return;
    }
    this.fetch(p.lesson.body);
  }

  fetch(body) {
    const seq = ++this.seq;
    const p = this.preset;
    this.loading = true;
    this.render();
    api.lesson(p.lesson.endpoint, body).then((data) => {
      if (seq !== this.seq) return;
      this.data = data;
      this.body = body;
      this.loading = false;
      this.render();
      window.dispatchEvent(new CustomEvent("descentlab:lesson", { detail: { id: p.id } }));
    }).catch((e) => {
      if (seq !== this.seq) return;
      this.loading = false;
      this.error = e.message;
      this.render();
    });
  }

  render() {
    const render = VIEWS[this.preset?.view?.tab];
    this.root.hidden = !render || !this.preset?.lesson;
    if (this.root.hidden) return this.root.replaceChildren();
    if (this.error) return this.root.replaceChildren(h("p", { class: "error" }, t("lesson.failed", { message: this.error })));
    if (!this.data) return this.root.replaceChildren(h("p", { class: "help" }, t("lesson.loading")));
    const ctx = { app: this.app, body: this.body, next: (body) => this.fetch(body) };
    this.root.replaceChildren(...[render(this.data, ctx)].flat());
  }
}
